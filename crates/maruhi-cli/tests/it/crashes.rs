//! `kill -9` in the middle of work: whatever was acknowledged is kept, the
//! evidence ledger verifies afterwards, and the interrupted work can simply
//! be run again.

use std::io::Write;
use std::time::Duration;

use crate::{bin, data_dir, free_port, run, spawn, stdout, wait_http};

fn init(name: &str) -> std::path::PathBuf {
    let d = data_dir(name);
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    d
}

fn verifies(d: &std::path::Path) {
    let out = run(d, &["ledger", "verify"]);
    assert!(
        out.status.success(),
        "ledger verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_killed_import_loses_nothing_and_runs_again() {
    let d = init("kill-import");
    const EVENTS: usize = 400_000;
    let file = d.join("big.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&file).expect("create"));
    for i in 0..EVENTS {
        writeln!(
            w,
            r#"{{"@timestamp":"2026-11-02T09:{:02}:{:02}+09:00","event":{{"id":"k{i}","action":"file-copy"}},"user":{{"name":"u{}"}},"file":{{"path":"C:\\work\\{i}.txt"}}}}"#,
            (i / 60) % 60,
            i % 60,
            i % 50
        )
        .expect("write");
    }
    drop(w);
    let mut child = bin()
        .arg("--data-dir")
        .arg(d.join("data"))
        .args(["events", "import", file.to_str().expect("path"), "--format", "jsonl", "--no-analyse"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it once some batches are committed (read through SQLite's WAL,
    // which a reader may share with the writer).
    let db = d.join("data/maruhi.db");
    let stored = || {
        std::process::Command::new("sqlite3")
            .arg(&db)
            .arg("SELECT COUNT(*) FROM events")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    for _ in 0..600 {
        if stored() > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(child.try_wait().expect("wait").is_none(), "the import must still be running to be killed");
    child.kill().expect("kill -9");
    let _ = child.wait();
    verifies(&d);
    // Run again: the batches committed before the kill are duplicates, the
    // rest is imported, nothing is lost or stored twice.
    let out =
        run(&d, &["events", "import", file.to_str().expect("path"), "--format", "jsonl", "--no-analyse", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let (accepted, duplicates) = (report["accepted"].as_u64().unwrap_or(0), report["duplicates"].as_u64().unwrap_or(0));
    assert_eq!(accepted + duplicates, EVENTS as u64, "{report}");
    assert!(duplicates > 0, "some batches were committed before the kill: {report}");
    verifies(&d);
}

#[tokio::test]
async fn a_killed_server_keeps_every_acknowledged_write() {
    let d = init("kill-serve");
    let token = stdout(&run(&d, &["token", "create", "--user", "root"])).trim().to_owned();
    let port = free_port();
    let mut c = bin();
    c.arg("--data-dir").arg(d.join("data")).args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    let mut server = spawn(c);
    wait_http(&format!("http://127.0.0.1:{port}/healthz")).await;
    let client = reqwest::Client::new();
    let mut writers = Vec::new();
    for w in 0..4 {
        let (client, token) = (client.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0.. {
                let body = serde_json::json!({"title": format!("文書{w}-{i}"), "category": "research", "level": "秘"});
                let sent = client
                    .post(format!("http://127.0.0.1:{port}/api/v1/secrets"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        if let Some(id) = v["id"].as_i64() {
                            acknowledged.push(id);
                        }
                    }
                    _ => break,
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    server.0.kill().expect("kill -9");
    let _ = server.0.wait();
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.expect("join"));
    }
    assert!(!acknowledged.is_empty(), "writes were acknowledged before the kill");
    let listed = stdout(&run(&d, &["secret", "list", "--json"]));
    let stored: std::collections::HashSet<i64> = serde_json::from_str::<Vec<serde_json::Value>>(&listed)
        .expect("json")
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect();
    let lost: Vec<_> = acknowledged.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    verifies(&d);
}
