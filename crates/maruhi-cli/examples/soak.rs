//! Scale-out soak: three `maruhi serve` processes on one PostgreSQL database and one
//! S3-compatible vault (s3s-fs on loopback), under a mixed load spread over the three (register
//! writes and reads, activity-event ingest, stored uploads, scans), with one server killed with
//! SIGKILL mid-run (the one whose connection holds the ledger's sequencer lock, when it can be
//! told) and started again. Reports throughput, latency percentiles and errors per operation,
//! each server's memory over time, and checks afterwards that nothing acknowledged was lost
//! and that the ledger verifies (no lost or duplicated index).
//!
//! ```text
//! cargo build -p maruhi-cli --bin maruhi --example soak [--release]
//! MARUHI_SOAK_SECS=600 MARUHI_SOAK_KILL_AFTER=120 target/debug/examples/soak
//! ```
//!
//! Needs PostgreSQL (`MARUHI_TEST_POSTGRES`, default the test server on 127.0.0.1:5432), `s3s-fs`
//! on the PATH (`cargo install s3s-fs@0.14.1 --features binary --locked`) and `ss` (iproute2).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PW: &str = "soak-password-2026";
const AK: &str = "soakaccess";
const SK: &str = "soaksecretkey123";

#[derive(Default)]
struct Op {
    latencies_ms: Vec<f64>,
    errors: u64,
    unavailable: u64,
}

type Stats = Arc<Mutex<BTreeMap<&'static str, Op>>>;

fn record(stats: &Stats, op: &'static str, started: Instant, outcome: Result<u16, String>) {
    let mut s = stats.lock().unwrap();
    let e = s.entry(op).or_default();
    match outcome {
        Ok(code) if code < 300 => e.latencies_ms.push(started.elapsed().as_secs_f64() * 1000.0),
        Ok(_) => e.errors += 1,
        Err(_) => e.unavailable += 1,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn maruhi_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().join("maruhi")
}

fn cli(data: &Path, url: &str, args: &[&str]) -> std::process::Output {
    Command::new(maruhi_bin())
        .arg("--data-dir")
        .arg(data)
        .args(["--database-url", url])
        .args(args)
        .env("LANG", "C")
        .output()
        .unwrap()
}

struct Server {
    data: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self, url: &str, vault: &str) {
        let child = Command::new(maruhi_bin())
            .arg("--data-dir")
            .arg(&self.data)
            .args(["--database-url", url, "--vault-url", vault, "serve", "--listen"])
            .arg(format!("127.0.0.1:{}", self.port))
            .env("AWS_ACCESS_KEY_ID", AK)
            .env("AWS_SECRET_ACCESS_KEY", SK)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn rss_mib(&self) -> u64 {
        let Some(c) = &self.child else { return 0 };
        let status = std::fs::read_to_string(format!("/proc/{}/status", c.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn wait_up(port: u16) {
    for _ in 0..1200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server on {port} did not come up");
}

/// The server process whose database connection holds the ledger's sequencer lock (a
/// PostgreSQL advisory lock), found through its client port.
fn lock_holder(url: &str, servers: &[Server]) -> Option<usize> {
    let out = Command::new("psql")
        .args([
            url,
            "-Atc",
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted LIMIT 1",
        ])
        .output()
        .ok()?;
    let port: u16 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    let ss = Command::new("ss").args(["-Htnp", &format!("sport = :{port}")]).output().ok()?;
    let line = String::from_utf8_lossy(&ss.stdout).into_owned();
    let pid: u32 = line.split("pid=").nth(1)?.split(',').next()?.parse().ok()?;
    servers.iter().position(|s| s.child.as_ref().is_some_and(|c| c.id() == pid))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("MARUHI_SOAK_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let kill_after: u64 = std::env::var("MARUHI_SOAK_KILL_AFTER").ok().and_then(|v| v.parse().ok()).unwrap_or(secs / 3);
    let root = std::env::temp_dir().join(format!("maruhi-soak-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();

    // One PostgreSQL database, one S3 bucket.
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL");
    let s3_port = free_port();
    std::fs::create_dir_all(root.join("s3/vault")).unwrap();
    let mut s3 = Command::new("s3s-fs")
        .args(["--host", "127.0.0.1", "--port", &s3_port.to_string(), "--access-key", AK, "--secret-key", SK])
        .arg(root.join("s3"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s3s-fs on the PATH");
    let vault = format!("s3://vault?endpoint=http://127.0.0.1:{s3_port}&region=us-east-1");

    // The installation made once; each server has its own data directory with the same keys,
    // as separate machines would.
    let first = root.join("server-0");
    std::fs::write(root.join("pw"), PW).unwrap();
    let init = cli(
        &first,
        &url,
        &["init", "--admin-user", "root", "--admin-password-file", root.join("pw").to_str().unwrap()],
    );
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let token =
        String::from_utf8(cli(&first, &url, &["token", "create", "--user", "root"]).stdout).unwrap().trim().to_owned();
    let mut servers: Vec<Server> = (0..3)
        .map(|i| {
            let data = root.join(format!("server-{i}"));
            if i > 0 {
                std::fs::create_dir_all(data.join("keys")).unwrap();
                for k in ["installation.key", "ledger.key", "master.key"] {
                    std::fs::copy(first.join("keys").join(k), data.join("keys").join(k)).unwrap();
                }
            }
            Server { data, port: free_port(), child: None }
        })
        .collect();
    for s in &mut servers {
        s.start(&url, &vault);
    }
    for s in &servers {
        wait_up(s.port).await;
    }
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    eprintln!("3 servers on {ports:?}, PostgreSQL {url}, vault {vault}; {secs} s of load, a kill at {kill_after} s");

    // A secret to attach to and scan against.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let body = serde_json::json!({"title": "MX-7 成形条件", "category": "process", "level": "極秘"});
    let r = client
        .post(format!("http://127.0.0.1:{}/api/v1/secrets", ports[0]))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let target: serde_json::Value = r.json().await.unwrap();
    let target = target["id"].as_i64().unwrap();

    let stats: Stats = Arc::default();
    let acknowledged: Arc<Mutex<Vec<i64>>> = Arc::default();
    let uploads: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let document: String =
        (0..400).map(|i| format!("第{i}工程 保圧八十五メガパスカル 金型温度六十度 冷却二十二秒。\n")).collect();
    let mut tasks = Vec::new();
    for (w, kind) in [
        "secret.create",
        "secret.create",
        "secret.create",
        "secret.create",
        "register.list",
        "register.list",
        "events.import",
        "events.import",
        "material.store",
        "scan",
    ]
    .into_iter()
    .enumerate()
    {
        let (client, token, ports, stats) = (client.clone(), token.clone(), ports.clone(), stats.clone());
        let (acknowledged, uploads, document) = (acknowledged.clone(), uploads.clone(), document.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                // Spread over the servers; a load balancer would skip one that is down.
                let port = ports[(w + n as usize) % ports.len()];
                let base = format!("http://127.0.0.1:{port}/api/v1");
                let started = Instant::now();
                let outcome: Result<u16, String> = match kind {
                    "secret.create" => {
                        let body = serde_json::json!({"title": format!("文書{w}-{n}"), "category": "research", "level": "秘"});
                        match client.post(format!("{base}/secrets")).bearer_auth(&token).json(&body).send().await {
                            Ok(r) => {
                                let code = r.status().as_u16();
                                if code == 201 {
                                    if let Ok(v) = r.json::<serde_json::Value>().await {
                                        if let Some(id) = v["id"].as_i64() {
                                            acknowledged.lock().unwrap().push(id);
                                        }
                                    }
                                }
                                Ok(code)
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    "register.list" => client
                        .get(format!("{base}/secrets?per_page=50&q=文書{}", n % 10))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .map_err(|e| e.to_string()),
                    "events.import" => {
                        let batch: String = (0..500)
                            .map(|i| {
                                format!(
                                    "{{\"@timestamp\":\"2026-11-{:02}T09:{:02}:{:02}+09:00\",\"event\":{{\"id\":\"w{w}-{n}-{i}\",\"action\":\"file-copy\"}},\"user\":{{\"name\":\"user{}\"}},\"file\":{{\"path\":\"E:\\\\f{i}.dwg\"}},\"device\":{{\"type\":\"removable\"}}}}\n",
                                    1 + n % 28,
                                    i % 60,
                                    n % 60,
                                    i % 200
                                )
                            })
                            .collect();
                        client
                            .post(format!("{base}/events?format=jsonl&source=soak"))
                            .bearer_auth(&token)
                            .body(batch)
                            .send()
                            .await
                            .map(|r| r.status().as_u16())
                            .map_err(|e| e.to_string())
                    }
                    "material.store" => {
                        let file = format!("{document}版{w}-{n}\n");
                        let sha = {
                            use sha2::Digest;
                            hex(&sha2::Sha256::digest(file.as_bytes()))
                        };
                        match client
                            .post(format!("{base}/secrets/{target}/materials?name=soak-{w}-{n}.txt&store=true"))
                            .bearer_auth(&token)
                            .body(file)
                            .send()
                            .await
                        {
                            Ok(r) => {
                                let code = r.status().as_u16();
                                if code == 201 {
                                    if let Ok(v) = r.json::<serde_json::Value>().await {
                                        if let Some(id) = v["materials"][0]["id"].as_i64() {
                                            uploads.lock().unwrap().push((id, sha));
                                        }
                                    }
                                }
                                Ok(code)
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    _ => {
                        let doc = format!("報告書\n{}\n", &document[..document.len() / 3]);
                        client
                            .post(format!("{base}/scan?name=report-{n}.txt"))
                            .bearer_auth(&token)
                            .body(doc)
                            .send()
                            .await
                            .map(|r| r.status().as_u16())
                            .map_err(|e| e.to_string())
                    }
                };
                record(&stats, kind, started, outcome);
            }
        }));
    }

    // Memory every 10 s; the kill and the restart.
    let start = Instant::now();
    let mut rss: Vec<Vec<u64>> = vec![Vec::new(); 3];
    let mut killed = None;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let t = start.elapsed().as_secs();
        if t.is_multiple_of(10) {
            for (i, s) in servers.iter().enumerate() {
                rss[i].push(s.rss_mib());
            }
        }
        if killed.is_none() && t >= kill_after {
            // Caught holding the lock if it can be within a few seconds.
            let victim = (0..200).find_map(|_| {
                std::thread::sleep(Duration::from_millis(20));
                lock_holder(&url, &servers)
            });
            let i = victim.unwrap_or(1);
            eprintln!(
                "{t} s: SIGKILL to server {i} ({})",
                if victim.is_some() {
                    "holding the ledger's sequencer lock"
                } else {
                    "the lock was free at that moment"
                }
            );
            servers[i].kill();
            killed = Some((i, t));
        }
        if let Some((i, at)) = killed {
            if servers[i].child.is_none() && t >= at + 5 {
                servers[i].start(&url, &vault);
                wait_up(servers[i].port).await;
                eprintln!("{} s: server {i} is back", start.elapsed().as_secs());
            }
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();

    println!(
        "\n{:<16} {:>8} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "operation", "ok", "per s", "p50 ms", "p95 ms", "p99 ms", "errors", "down"
    );
    for (op, s) in stats.lock().unwrap().iter_mut() {
        s.latencies_ms.sort_by(f64::total_cmp);
        println!(
            "{:<16} {:>8} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>7} {:>7}",
            op,
            s.latencies_ms.len(),
            s.latencies_ms.len() as f64 / elapsed,
            percentile(&s.latencies_ms, 0.5),
            percentile(&s.latencies_ms, 0.95),
            percentile(&s.latencies_ms, 0.99),
            s.errors,
            s.unavailable
        );
    }
    println!("\nresident memory (MiB) every 10 s:");
    for (i, r) in rss.iter().enumerate() {
        println!("  server {i}: {r:?}");
    }

    // Nothing acknowledged is lost; stored objects come back from any server; the ledger verifies.
    let listed = cli(&first, &url, &["secret", "list", "--json"]);
    let stored: std::collections::HashSet<i64> = serde_json::from_slice::<Vec<serde_json::Value>>(&listed.stdout)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s["id"].as_i64())
        .collect();
    let acknowledged = acknowledged.lock().unwrap().clone();
    let lost = acknowledged.iter().filter(|id| !stored.contains(id)).count();
    println!("\nsecrets acknowledged: {}, lost: {lost}", acknowledged.len());
    let uploads = uploads.lock().unwrap().clone();
    let mut bad = 0;
    for (k, (id, sha)) in uploads.iter().enumerate().step_by((uploads.len() / 20).max(1)) {
        let port = ports[k % 3];
        let got = client
            .get(format!("http://127.0.0.1:{port}/api/v1/materials/{id}/original"))
            .bearer_auth(&token)
            .send()
            .await;
        let ok = match got {
            Ok(r) if r.status() == 200 => {
                use sha2::Digest;
                hex(&sha2::Sha256::digest(r.bytes().await.unwrap_or_default())) == *sha
            }
            _ => false,
        };
        bad += usize::from(!ok);
    }
    println!(
        "stored originals: {} acknowledged, a sample of {} read back through other servers, {bad} wrong",
        uploads.len(),
        uploads.len().min(20)
    );
    let verify = cli(&first, &url, &["ledger", "verify"]);
    println!(
        "ledger verify: {}{}",
        String::from_utf8_lossy(&verify.stdout).trim(),
        String::from_utf8_lossy(&verify.stderr).trim()
    );
    for s in &mut servers {
        s.kill();
    }
    let _ = s3.kill();
    let _ = s3.wait();
    let _ = std::fs::remove_dir_all(&root);
    let failed = lost > 0 || bad > 0 || !verify.status.success();
    std::process::exit(i32::from(failed));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
