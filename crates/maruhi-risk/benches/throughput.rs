//! End-to-end detection throughput on one core: parse, normalise, enrich,
//! update baselines, evaluate the built-in pack, open alerts and score.
//!
//! ```text
//! cargo bench -p maruhi-risk --bench throughput
//! MARUHI_BENCH_USERS=300 MARUHI_BENCH_MONTHS=2 cargo bench -p maruhi-risk --bench throughput
//! ```
//!
//! JSONL: a synthetic organisation's canonical JSON Lines, held in memory,
//! read through `maruhi_events::read` and pushed through the engine.
//! EVTX: the real Windows Security logs in `../shared/testdata/evtx` (when
//! present), read through the EVTX adapter, repeated to a measurable volume.
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]

use std::time::Instant;

use maruhi_events::{read, Format, Options};
use maruhi_risk::{Context, Engine, Pack};

mod common;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let pack = Pack::builtin();
    let rules = match pack.compile() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"));
            std::process::exit(2);
        }
    };
    let config = maruhi_synth::Config {
        seed: 3,
        users: env("MARUHI_BENCH_USERS", 300) as usize,
        months: env("MARUHI_BENCH_MONTHS", 2) as u32,
        ..maruhi_synth::Config::default()
    };
    let org = match maruhi_synth::generate(&config) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let ctx = common::context(&org, &pack);
    let mut jsonl = Vec::new();
    for (_, events) in org.days() {
        if let Err(e) = maruhi_synth::write_jsonl(&mut jsonl, &events) {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }

    let options = Options::default();
    let run = |bytes: &[u8], format: Format, ctx: Context| {
        let started = Instant::now();
        let mut engine = Engine::new(&rules, ctx);
        let (mut n, mut bad) = (0u64, 0u64);
        for item in read(format, bytes, &options) {
            match item {
                Ok(e) => {
                    engine.push(&e);
                    n += 1;
                }
                Err(_) => bad += 1,
            }
        }
        let ranked = engine.scores(time::OffsetDateTime::now_utc());
        let secs = started.elapsed().as_secs_f64();
        (n, bad, engine.alerts().len(), ranked.len(), secs)
    };

    println!("| input | events | bad | alerts | people scored | seconds | events/s (1 core) |");
    println!("|---|---|---|---|---|---|---|");
    for round in 0..3 {
        let (n, bad, alerts, people, secs) = run(&jsonl, Format::Jsonl, ctx.clone());
        println!(
            "| JSONL {:.0} MB (run {}) | {n} | {bad} | {alerts} | {people} | {secs:.2} | {:.0} |",
            jsonl.len() as f64 / 1e6,
            round + 1,
            n as f64 / secs
        );
    }

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/evtx");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("(no EVTX samples at {}; EVTX skipped)", dir.display());
        return;
    };
    let files: Vec<Vec<u8>> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "evtx"))
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    // One engine over every file, again and again until three seconds
    // have passed: parse, map, enrich, evaluate and score as for JSONL.
    let (mut n, mut bad, mut bytes, mut rounds) = (0u64, 0u64, 0usize, 0u32);
    let started = Instant::now();
    let mut engine = Engine::new(&rules, ctx.clone());
    while started.elapsed().as_secs_f64() < 3.0 {
        for f in &files {
            for item in read(Format::Evtx, f.as_slice(), &options) {
                match item {
                    Ok(e) => {
                        engine.push(&e);
                        n += 1;
                    }
                    Err(_) => bad += 1,
                }
            }
            bytes += f.len();
        }
        rounds += 1;
        if n == 0 {
            break;
        }
    }
    let scored = engine.scores(time::OffsetDateTime::now_utc()).len();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "| EVTX: {} sample files × {rounds}, {:.0} MB | {n} | {bad} | {} | {scored} | {secs:.2} | {:.0} |",
        files.len(),
        bytes as f64 / 1e6,
        engine.alerts().len(),
        n as f64 / secs.max(1e-9)
    );
}
