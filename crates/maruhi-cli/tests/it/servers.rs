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

/// Three servers on one PostgreSQL database and one S3-compatible vault
/// (s3s-fs), each with its own data directory holding the same keys, as
/// separate machines would. Writers spread over the three while the server
/// whose connection holds the ledger's sequencer lock is killed with SIGKILL:
/// nothing acknowledged is lost, stored originals read back through another
/// server, and the ledger verifies (no index lost or given twice). The soak
/// benchmark (`examples/soak.rs`) runs the same setup for minutes and reports
/// throughput, latency and memory.
#[tokio::test]
async fn three_servers_keep_every_write_when_the_sequencer_is_killed() {
    if std::process::Command::new("s3s-fs").arg("--help").output().is_err() {
        eprintln!("SKIPPED: s3s-fs is not installed (cargo install s3s-fs@0.14.1 --features binary --locked)");
        return;
    }
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL on 127.0.0.1:5432");
    let d = data_dir("three");
    std::fs::create_dir_all(d.join("s3/vault")).expect("bucket");
    let s3_port = free_port();
    let mut s3 = std::process::Command::new("s3s-fs");
    s3.args(["--host", "127.0.0.1", "--port", &s3_port.to_string(), "--access-key", "AK", "--secret-key", "SK"]);
    s3.arg(d.join("s3"));
    let _s3 = spawn(s3);
    let vault = format!("s3://vault?endpoint=http://127.0.0.1:{s3_port}&region=us-east-1");
    let dirs: Vec<std::path::PathBuf> = (0..3).map(|i| d.join(format!("server-{i}"))).collect();
    let cli = |dir: &std::path::Path, args: &[&str]| {
        bin().args(["--database-url", &url]).arg("--data-dir").arg(dir).args(args).output().expect("run")
    };
    let pw = d.join("pw");
    stdout(&cli(&dirs[0], &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]));
    let token = stdout(&cli(&dirs[0], &["token", "create", "--user", "root"])).trim().to_owned();
    for dir in &dirs[1..] {
        std::fs::create_dir_all(dir.join("keys")).expect("keys");
        for k in ["installation.key", "ledger.key", "master.key"] {
            std::fs::copy(dirs[0].join("keys").join(k), dir.join("keys").join(k)).expect("copy key");
        }
    }
    let ports = [free_port(), free_port(), free_port()];
    let serve = |i: usize| {
        let mut c = bin();
        c.args(["--database-url", &url, "--vault-url", &vault]).arg("--data-dir").arg(&dirs[i]);
        c.args(["serve", "--listen", &format!("127.0.0.1:{}", ports[i])]);
        c.env("AWS_ACCESS_KEY_ID", "AK").env("AWS_SECRET_ACCESS_KEY", "SK");
        spawn(c)
    };
    let mut servers: Vec<_> = (0..3).map(serve).collect();
    for p in ports {
        wait_http(&format!("http://127.0.0.1:{p}/readyz")).await;
    }
    let client = reqwest::Client::new();
    let body = serde_json::json!({"title": "MX-7", "category": "process", "level": "極秘"});
    let r = client.post(format!("http://127.0.0.1:{}/api/v1/secrets", ports[0])).bearer_auth(&token).json(&body);
    let target =
        r.send().await.expect("post").json::<serde_json::Value>().await.expect("json")["id"].as_i64().expect("id");

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..6 {
        let (client, token, stop) = (client.clone(), token.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let (mut secrets, mut originals) = (Vec::new(), Vec::new());
            let mut n = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let base = format!("http://127.0.0.1:{}/api/v1", ports[(w + n) % 3]);
                if w == 0 {
                    let file = format!("第{n}版 保圧八十五メガパスカル。\n").repeat(50);
                    let sent = client
                        .post(format!("{base}/secrets/{target}/materials?name=v{n}.txt&store=true"))
                        .bearer_auth(&token)
                        .body(file.clone())
                        .send()
                        .await;
                    if let Some(r) = sent.ok().filter(|r| r.status() == 201) {
                        if let Some(id) =
                            r.json::<serde_json::Value>().await.ok().and_then(|v| v["materials"][0]["id"].as_i64())
                        {
                            originals.push((id, file));
                        }
                    }
                } else {
                    let body =
                        serde_json::json!({"title": format!("文書{w}-{n}"), "category": "research", "level": "秘"});
                    let sent = client.post(format!("{base}/secrets")).bearer_auth(&token).json(&body).send().await;
                    if let Some(r) = sent.ok().filter(|r| r.status() == 201) {
                        if let Some(id) = r.json::<serde_json::Value>().await.ok().and_then(|v| v["id"].as_i64()) {
                            secrets.push(id);
                        }
                    }
                }
            }
            (secrets, originals)
        }));
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    // The sequencer's lock holder, found through its connection's client port.
    let holder = (0..200).find_map(|_| {
        let q = "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted LIMIT 1";
        let out = std::process::Command::new("psql").args([url.as_str(), "-Atc", q]).output().ok()?;
        let port = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let ss = std::process::Command::new("ss").args(["-Htnp", &format!("sport = :{port}")]).output().ok()?;
        let pid: u32 = String::from_utf8_lossy(&ss.stdout).split("pid=").nth(1)?.split(',').next()?.parse().ok()?;
        servers.iter().position(|s| s.0.id() == pid)
    });
    let victim = holder.unwrap_or(1);
    eprintln!("killing server {victim} ({})", if holder.is_some() { "the lock holder" } else { "lock not seen held" });
    servers[victim].0.kill().expect("kill -9");
    let _ = servers[victim].0.wait();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    servers[victim] = serve(victim);
    wait_http(&format!("http://127.0.0.1:{}/readyz", ports[victim])).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut secrets, mut originals) = (Vec::new(), Vec::new());
    for w in writers {
        let (s, o) = w.await.expect("join");
        secrets.extend(s);
        originals.extend(o);
    }
    assert!(secrets.len() > 20 && !originals.is_empty(), "{} secrets, {} originals", secrets.len(), originals.len());
    let listed = stdout(&cli(&dirs[1], &["secret", "list", "--json"]));
    let stored: std::collections::HashSet<i64> = serde_json::from_str::<Vec<serde_json::Value>>(&listed)
        .expect("json")
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect();
    let lost: Vec<_> = secrets.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    for (k, (id, file)) in originals.iter().enumerate() {
        let r = client
            .get(format!("http://127.0.0.1:{}/api/v1/materials/{id}/original", ports[(k + 1) % 3]))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(r.text().await.expect("body"), *file, "original {id}");
    }
    stdout(&cli(&dirs[2], &["ledger", "checkpoint"]));
    stdout(&cli(&dirs[2], &["ledger", "verify"]));
}
