//! Fingerprints every file of a folder, for profiling and quick throughput
//! numbers: `cargo run --release --example fingerprint_dir -- DIR [ROUNDS]`.
//!
//! Prints the bytes, normalised chars, fingerprints and a checksum of the
//! hashes (to compare outputs across changes), and the throughput.

use std::path::PathBuf;
use std::time::Instant;

use maruhi_fingerprint::Fingerprinter;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: fingerprint_dir DIR [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    };
    paths.sort();
    let texts: Vec<String> = paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let Ok(fp) = Fingerprinter::builder().key([0x5a; 32]).build() else {
        eprintln!("cannot build the fingerprinter");
        std::process::exit(1);
    };
    // Builds the normaliser's table (once per process) outside the timing.
    let _ = fp.fingerprint("あ");
    let (mut chars, mut count, mut sum) = (0usize, 0usize, 0u64);
    let started = Instant::now();
    for _ in 0..rounds {
        (chars, count, sum) = (0, 0, 0);
        for text in &texts {
            let Ok(f) = fp.fingerprint(text) else { continue };
            chars += f.normalized_len();
            count += f.len();
            for x in f.as_slice() {
                sum = sum.rotate_left(5) ^ x.hash() ^ (x.position() as u64) << 32 ^ x.byte_range().start as u64;
                sum ^= (x.byte_range().end as u64) << 16;
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let mib = (bytes * rounds) as f64 / (1024.0 * 1024.0);
    println!(
        "{} files, {bytes} bytes, {chars} normalised chars, {count} fingerprints, checksum {sum:016x}, {:.1} MiB/s",
        texts.len(),
        mib / secs
    );
}
