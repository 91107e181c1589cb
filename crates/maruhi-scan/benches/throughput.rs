//! End-to-end scanning throughput: read, extract, normalise, fingerprint and
//! look up, for plain text, measured in the same run as ripgrep reading the
//! same files (the ratio says how close to I/O speed the scanner runs).
//!
//! ```text
//! cargo bench -p maruhi-scan --bench throughput            # 256 MB of query text
//! MARUHI_BENCH_MB=64 cargo bench -p maruhi-scan --bench throughput
//! MARUHI_BENCH_CASE=none cargo bench -p maruhi-scan --bench throughput   # cases starting so: none-ja|none-en|unrelated|related
//! ```
//!
//! Four cases, each with queries repeated into 1 MiB files up to the size
//! asked for:
//! - none-ja, none-en: one reference that shares nothing with the Japanese or
//!   English manual pages scanned (the cost of scanning itself);
//! - unrelated: Japanese manual pages registered, English ones scanned (as in
//!   a scan of a file share; the Japanese pages quote English commands,
//!   options and licences, so there are findings);
//! - related: half of all pages registered, the other half scanned; manual
//!   pages share licence texts and footers, so most query files have
//!   findings (the cost of reporting them).
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use maruhi_fingerprint::Fingerprinter;
use maruhi_scan::{Collection, Reference, Scanner};

fn corpus() -> PathBuf {
    std::env::var_os("MARUHI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).expect("corpus").map(|e| e.expect("entry").path()).collect();
    v.sort();
    v
}

fn main() {
    // `cargo bench` passes --bench; a plain `cargo test` of benches passes nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mb: usize = std::env::var("MARUHI_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let read = |lang: &str| -> Vec<(String, String)> {
        files(&corpus().join(lang))
            .iter()
            .map(|f| (f.display().to_string(), std::fs::read_to_string(f).unwrap_or_default()))
            .collect()
    };
    let (ja, en) = (read("ja"), read("en"));
    let texts = |docs: &[(String, String)]| docs.iter().map(|d| d.1.clone()).collect::<Vec<_>>();
    let none =
        [("none".to_owned(), "この参照文書はどのマニュアルページとも一致しない架空の社内文書である。".repeat(3))];
    run(
        "none-ja: no match possible, Japanese (one unrelated reference: read, extract, fingerprint, look up)",
        &none,
        &texts(&ja),
        mb,
    );
    run("none-en: no match possible, English", &none, &texts(&en), mb);
    run("unrelated (ja registered, en scanned)", &ja, &texts(&en), mb);
    let all: Vec<(String, String)> = ja.iter().chain(&en).cloned().collect();
    let (refs, queries): (Vec<_>, Vec<_>) = all.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let refs: Vec<(String, String)> = refs.into_iter().map(|(_, d)| d).collect();
    let queries: Vec<String> = queries.into_iter().map(|(_, d)| d.1).collect();
    run("related (half registered, half scanned)", &refs, &queries, mb);
}

fn run(case: &str, refs: &[(String, String)], queries: &[String], mb: usize) {
    if let Ok(only) = std::env::var("MARUHI_BENCH_CASE") {
        if !case.starts_with(&only) {
            return;
        }
    }
    let fp = Fingerprinter::builder().key([3u8; 32]).build().unwrap();
    let mut builder = Scanner::builder(fp.clone());
    let mut ref_bytes = 0;
    for (name, text) in refs {
        ref_bytes += text.len();
        builder.add(Reference::new(name.clone(), Collection::Reference), &fp.fingerprint(text).unwrap()).unwrap();
    }
    let scanner = builder.build().unwrap();

    let dir = std::env::temp_dir().join(format!("maruhi-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut written = 0;
    let mut n = 0;
    let mut chunk = String::new();
    'fill: loop {
        for q in queries {
            chunk.push_str(q);
            if chunk.len() >= 1 << 20 {
                std::fs::write(dir.join(format!("q{n:05}.txt")), &chunk).unwrap();
                written += chunk.len();
                n += 1;
                chunk.clear();
                if written >= mb << 20 {
                    break 'fill;
                }
            }
        }
    }
    println!(
        "\n{case}: references {:.1} MB in {} documents; queries {n} files, {:.1} MB",
        ref_bytes as f64 / 1e6,
        scanner.reference_count(),
        written as f64 / 1e6
    );
    // Read every file once so both tools read from the page cache.
    for entry in files(&dir) {
        let _ = std::fs::read(entry);
    }
    for threads in [1, 2] {
        let start = Instant::now();
        let summary = maruhi_scan::scan_paths(&scanner, std::slice::from_ref(&dir), threads, &mut |_| {}, &mut |_| {});
        let secs = start.elapsed().as_secs_f64();
        println!(
            "  maruhi scan, {threads} thread(s): {:.1} MB/s ({:.2} s, {} findings)",
            summary.bytes as f64 / 1e6 / secs,
            secs,
            summary.findings
        );
        let start = Instant::now();
        let rg = Command::new("rg")
            .args(["-j", &threads.to_string(), "-c", "--no-messages", "maruhi-no-such-string-7d1f"])
            .arg(&dir)
            .output();
        let secs = start.elapsed().as_secs_f64();
        match rg {
            Ok(_) => println!("  rg -j{threads}, same files: {:.1} MB/s ({secs:.2} s)", written as f64 / 1e6 / secs),
            Err(_) => println!("  rg not installed: no comparison"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
