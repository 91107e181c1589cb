//! Two `maruhi serve` processes sharing one PostgreSQL database.

use crate::{bin, data_dir, free_port, spawn, stdout, wait_http};

#[tokio::test]
async fn two_servers_share_one_postgres_database() {
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL on 127.0.0.1:5432");
    let d = data_dir("pg");
    let pw = d.join("pw");
    let data = d.join("data");
    let data = data.to_str().expect("path");
    let cli =
        |args: &[&str]| bin().args(["--database-url", &url, "--data-dir", data]).args(args).output().expect("run");
    stdout(&cli(&["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    let token = stdout(&cli(&["token", "create", "--user", "root"])).trim().to_owned();
    let ports = [free_port(), free_port()];
    let _servers: Vec<_> = ports
        .iter()
        .map(|p| {
            let mut c = bin();
            c.args(["--database-url", &url, "--data-dir", data, "serve", "--listen", &format!("127.0.0.1:{p}")]);
            spawn(c)
        })
        .collect();
    for p in ports {
        wait_http(&format!("http://127.0.0.1:{p}/healthz")).await;
    }
    let client = reqwest::Client::new();
    // Writes alternate between the servers, concurrently.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (client, token, port) = (client.clone(), token.clone(), ports[i % 2]);
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({"title": format!("文書{i}"), "category": "research", "level": "秘"});
            client
                .post(format!("http://127.0.0.1:{port}/api/v1/secrets"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("join").expect("request"), 201);
    }
    for p in ports {
        let v: serde_json::Value = client
            .get(format!("http://127.0.0.1:{p}/api/v1/secrets?per_page=100"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        assert_eq!(v["total"], 20, "server on {p} sees every write");
    }
    let audit = stdout(&cli(&["audit", "--action", "secret.create", "--limit", "100", "--json"]));
    assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&audit).expect("json").len(), 20);
    // One sequencer across both processes: the ledger has no gaps and verifies.
    stdout(&cli(&["ledger", "checkpoint"]));
    stdout(&cli(&["ledger", "verify"]));
}

/// Two witness processes and a log: checkpoints are published only with both
/// cosignatures, and proofs then verify against the witnesses' keys.
#[tokio::test]
async fn checkpoints_wait_for_the_witnesses() {
    let d = data_dir("witness");
    let pw = d.join("pw");
    stdout(&crate::run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    let log_key = stdout(&crate::run(&d, &["ledger", "public-key"])).trim().to_owned();
    let mut witnesses = Vec::new();
    let mut specs = Vec::new();
    let mut wkeys = Vec::new();
    for i in 1..=2 {
        let key = d.join(format!("w{i}.key"));
        let out = bin()
            .args([
                "witness",
                "keygen",
                "--name",
                &format!("witness.example/w{i}"),
                "--out",
                key.to_str().expect("path"),
            ])
            .output()
            .expect("keygen");
        let vkey = stdout(&out).trim().to_owned();
        let port = free_port();
        let mut c = bin();
        c.args(["witness", "serve", "--listen", &format!("127.0.0.1:{port}"), "--key", key.to_str().expect("path")]);
        c.args(["--log", &log_key, "--state", d.join(format!("w{i}.json")).to_str().expect("path")]);
        witnesses.push(spawn(c));
        specs.push(format!("{vkey}@http://127.0.0.1:{port}"));
        wkeys.push(vkey);
    }
    let port = free_port();
    let mut c = bin();
    c.arg("--data-dir").arg(d.join("data")).args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    for s in &specs {
        c.args(["--witness", s]);
    }
    let _server = spawn(c);
    wait_http(&format!("http://127.0.0.1:{port}/healthz")).await;
    let checkpoint = || async move {
        match reqwest::get(format!("http://127.0.0.1:{port}/ledger/checkpoint")).await {
            Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
            _ => String::new(),
        }
    };
    // The init event is cosigned by both witnesses within a few ticks.
    let mut note = String::new();
    for _ in 0..100 {
        note = checkpoint().await;
        if note.matches("\n— ").count() + usize::from(note.contains("\n\n— ")) >= 3 || note.matches("— ").count() >= 3
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(note.matches("— ").count(), 3, "log + two witnesses: {note}");
    assert!(note.contains("— witness.example/w1 ") && note.contains("— witness.example/w2 "));
    // An offline proof now carries both cosignatures.
    let mut proof_cmd = bin();
    proof_cmd.arg("--data-dir").arg(d.join("data")).args(["ledger", "proof", "0"]);
    for s in &specs {
        proof_cmd.args(["--witness", s]);
    }
    let proof = stdout(&proof_cmd.output().expect("proof"));
    let file = d.join("p0.tlog-proof");
    std::fs::write(&file, proof).expect("write");
    let mut verify = bin();
    verify.args(["verify-proof", file.to_str().expect("path"), "--key", &log_key]);
    for k in &wkeys {
        verify.args(["--witness-key", k]);
    }
    let out = verify.output().expect("verify");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cosigned by 2 witness(es)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // With one witness gone, new entries are not published.
    drop(witnesses.pop());
    stdout(&crate::run(&d, &["secret", "add", "--title", "新規", "--level", "秘", "--category", "mold"]));
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let size_line = |n: &str| n.lines().nth(1).unwrap_or("").to_owned();
    assert_eq!(size_line(&checkpoint().await), "1", "no checkpoint without the required cosignatures");
    // Nor from a CLI run that lacks the witness configuration.
    let out = crate::run(&d, &["ledger", "checkpoint"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(size_line(&checkpoint().await), "1");
}
