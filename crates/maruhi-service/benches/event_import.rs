//! Activity-event import throughput through the service layer: a generated
//! JSON Lines file read, parsed, batched and stored (idempotent inserts, one
//! transaction per batch), then imported again (every event a duplicate).
//! Prints events per second and the process's peak memory, which stays
//! bounded whatever the file size.
//!
//! ```sh
//! cargo bench -p maruhi-service --bench event_import                  # SQLite, 1 M events
//! MARUHI_BENCH_EVENTS=200000 MARUHI_BENCH_DATABASE=postgres cargo bench -p maruhi-service --bench event_import
//! ```
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufWriter, Write};
use std::time::Instant;

use maruhi_service::ingest::{EventOptions, Format};
use maruhi_service::{Actor, Service};

const ACTIONS: [&str; 8] =
    ["logon", "file-open", "file-copy", "file-write", "file-upload", "email-send", "http-request", "logoff"];

/// Writes `n` events of 1,000 users over a month, without ids (so each id is
/// derived from its line, as for most sources).
fn generate(path: &std::path::Path, n: u64) -> u64 {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create"));
    for i in 0..n {
        let action = ACTIONS[(i % ACTIONS.len() as u64) as usize];
        let (day, second) = (1 + (i / 40_000) % 28, i % 86_400);
        writeln!(
            out,
            r#"{{"@timestamp":"2026-11-{day:02}T{:02}:{:02}:{:02}+09:00","event":{{"action":"{action}","dataset":"bench"}},"user":{{"name":"user{:04}","domain":"CORP"}},"host":{{"name":"PC-{:04}"}},"file":{{"path":"\\\\fs01\\設計\\案件{}\\図面-{i}.dwg","size":{}}},"destination":{{"domain":"drive{}.example.com"}}}}"#,
            second / 3600,
            (second / 60) % 60,
            second % 60,
            i % 1000,
            i % 1200,
            i % 50,
            1000 + i * 37 % 9_000_000,
            i % 20
        )
        .expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).expect("size").len()
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn main() {
    let n: u64 = std::env::var("MARUHI_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("maruhi-bench-events-{}.jsonl", std::process::id()));
    let bytes = generate(&path, n);
    println!("generated {n} events, {:.0} MB ({:.1} MiB peak memory so far)", bytes as f64 / 1e6, peak_mib());

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let (backend, url) = maruhi_store::testing::bench_database().await.expect("database");
        let svc = Service::open(&url).await.expect("open");
        let op = Actor::operator();
        for run in ["first import", "re-import (all duplicates)"] {
            let file = std::fs::File::open(&path).expect("open");
            let t = Instant::now();
            let report = svc
                .import_events(&op, "bench", Format::Jsonl, file, &EventOptions::default(), |_| {})
                .await
                .expect("import");
            let secs = t.elapsed().as_secs_f64();
            assert_eq!(report.accepted + report.duplicates, n, "{report:?}");
            println!(
                "{backend}: {run}: {n} events in {secs:.1} s: {:.0} events/s, {:.1} MB/s ({} new, {} duplicates); peak memory {:.0} MiB",
                n as f64 / secs,
                bytes as f64 / 1e6 / secs,
                report.accepted,
                report.duplicates,
                peak_mib()
            );
        }
        let t = Instant::now();
        let users = svc.active_users(&op, time::macros::datetime!(2026-11-01 0:00 UTC)).await.expect("users");
        let mut read = 0;
        let mut after = None;
        loop {
            let page = svc
                .user_events(
                    &op,
                    &users[7],
                    time::macros::datetime!(2026-10-01 0:00 UTC),
                    time::macros::datetime!(2026-12-31 0:00 UTC),
                    after.as_ref(),
                    5000,
                )
                .await
                .expect("page");
            read += page.events.len();
            match page.next {
                Some(c) => after = Some(c),
                None => break,
            }
        }
        println!(
            "{backend}: {} active users; one user's 90 days ({read} events) read back in {:.0} ms",
            users.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
    });
    let _ = std::fs::remove_file(&path);
}
