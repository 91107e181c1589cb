//! End-to-end scanning throughput: read, extract, normalise, fingerprint and
//! look up, for plain text, measured in the same run as ripgrep reading the
//! same files (the ratio says how close to I/O speed the scanner runs).
//!
//! ```text
//! cargo bench -p maruhi-scan --bench throughput            # 256 MB of query text
//! MARUHI_BENCH_MB=64 cargo bench -p maruhi-scan --bench throughput
//! ```
//!
//! References: half of `../shared/corpus` (Japanese and English manual
//! pages); queries: the other half, repeated into 1 MiB files up to the
//! size asked for, so that, as in a real scan, most text matches nothing.

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
    let fp = Fingerprinter::builder().key([3u8; 32]).build().unwrap();
    let mut builder = Scanner::builder(fp.clone());
    let mut ref_bytes = 0;
    let mut queries: Vec<String> = Vec::new();
    for lang in ["ja", "en"] {
        for (i, f) in files(&corpus().join(lang)).iter().enumerate() {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            if i % 2 == 0 {
                ref_bytes += text.len();
                builder.add(Reference::new(f.display().to_string(), Collection::Reference), &fp.fingerprint(&text).unwrap()).unwrap();
            } else {
                queries.push(text);
            }
        }
    }
    let scanner = builder.build().unwrap();

    let dir = std::env::temp_dir().join(format!("maruhi-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut written = 0;
    let mut n = 0;
    let mut chunk = String::new();
    'fill: loop {
        for q in &queries {
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
        "references: {:.1} MB in {} documents; queries: {n} files, {:.1} MB",
        ref_bytes as f64 / 1e6,
        scanner.reference_count(),
        written as f64 / 1e6
    );

    // Warm the page cache so both tools read from memory.
    let _ = Command::new("cat").arg("--help").output();
    for entry in files(&dir) {
        let _ = std::fs::read(entry);
    }
    for threads in [1, 2] {
        let start = Instant::now();
        let summary = maruhi_scan::scan_paths(&scanner, std::slice::from_ref(&dir), threads, &mut |_| {}, &mut |_| {});
        let secs = start.elapsed().as_secs_f64();
        println!(
            "maruhi scan, {threads} thread(s): {:.1} MB/s ({:.2} s, {} findings, {} diagnostics)",
            summary.bytes as f64 / 1e6 / secs,
            secs,
            summary.findings,
            summary.diagnostics
        );
        let start = Instant::now();
        let rg = Command::new("rg")
            .args(["-j", &threads.to_string(), "-c", "--no-messages", "maruhi-no-such-string-7d1f"])
            .arg(&dir)
            .output();
        let secs = start.elapsed().as_secs_f64();
        match rg {
            Ok(_) => println!("rg -j{threads} (fixed string, same files): {:.1} MB/s ({secs:.2} s)", written as f64 / 1e6 / secs),
            Err(_) => println!("rg not installed: no comparison"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
