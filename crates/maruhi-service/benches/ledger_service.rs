//! Evidence-ledger throughput through the service layer: durable appends
//! (batched, one transaction per batch), offline-proof generation, and full
//! verification of the log.
//!
//! ```sh
//! cargo bench -p maruhi-service --bench ledger_service                 # SQLite
//! MARUHI_BENCH_DATABASE=postgres cargo bench -p maruhi-service --bench ledger_service
//! MARUHI_BENCH_ENTRIES=1000000 MARUHI_BENCH_BATCH=10000 cargo bench -p maruhi-service --bench ledger_service
//! # defaults: 100,000 entries in batches of 1,000
//! ```
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use maruhi_service::audit::Event;
use maruhi_service::{Actor, Service};

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let entries: usize = std::env::var("MARUHI_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let batch: usize = std::env::var("MARUHI_BENCH_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    rt.block_on(async {
        let (backend, url) = maruhi_store::testing::bench_database().await.expect("database");
        let key = maruhi_service::ledger::new_log_key("bench.example/log").expect("key");
        let svc = Service::open(&url).await.expect("open").with_ledger_key(&key).expect("key");
        let actor = Actor::operator();
        let ids: Vec<String> = (0..batch).map(|i| i.to_string()).collect();

        let t = Instant::now();
        for _ in 0..entries / batch {
            let events: Vec<_> = ids
                .iter()
                .map(|id| Event::new(&actor, maruhi_service::audit::AuditAction::ScanFinding, "file", id))
                .collect();
            svc.record_events(&events).await.expect("append");
        }
        let secs = t.elapsed().as_secs_f64();
        println!("{backend}: {entries} durable appends in batches of {batch}: {:.0} entries/s", entries as f64 / secs);

        let t = Instant::now();
        svc.publish_checkpoint().await.expect("checkpoint");
        println!("{backend}: sign a checkpoint over {entries}: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);

        let t = Instant::now();
        for i in 0..1_000 {
            svc.ledger_proof((i * 97) % entries as i64).await.expect("proof");
        }
        println!("{backend}: offline proof generation: {:.0} µs each", t.elapsed().as_secs_f64() * 1e3);

        let t = Instant::now();
        let report = svc.verify_ledger().await.expect("verify");
        assert!(report.ok(), "{:?}", report.problems);
        let secs = t.elapsed().as_secs_f64();
        println!("{backend}: full verify of {} entries: {:.0} entries/s", report.entries, report.entries as f64 / secs);
    });
}
