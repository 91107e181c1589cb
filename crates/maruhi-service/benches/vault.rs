//! Vault throughput: a 1 GB file (by default) stored (read, hashed,
//! encrypted in 64 KiB STREAM segments, written to the local store in 8 MiB
//! parts) and retrieved (read, authenticated, decrypted, hashed, checked
//! against the recorded SHA-256). Prints MB/s for each and the process's
//! peak memory, which stays flat whatever the file's size.
//!
//! ```sh
//! cargo bench -p maruhi-service --bench vault
//! MARUHI_BENCH_VAULT_MB=4096 MARUHI_BENCH_DIR=/var/tmp cargo bench -p maruhi-service --bench vault
//! ```
#![allow(clippy::disallowed_methods, reason = "a benchmark measures time")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufWriter, Write};
use std::sync::Arc;
use std::time::Instant;

use maruhi_service::vault::{LocalStore, MasterKeyFile, Vault};

/// Peak resident memory of this process (Linux), in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// A file of `mb` MB of incompressible-looking bytes (xorshift), written
/// through a small buffer.
fn generate(path: &std::path::Path, mb: u64) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mb {
        for chunk in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        out.write_all(&block).expect("write");
    }
    out.flush().expect("flush");
}

fn main() {
    let mb: u64 = std::env::var("MARUHI_BENCH_VAULT_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let base = std::env::var_os("MARUHI_BENCH_DIR").map_or_else(std::env::temp_dir, Into::into);
    let dir = base.join(format!("maruhi-bench-vault-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let input = dir.join("input.bin");
    generate(&input, mb);
    let bytes = (mb * 1_000_000).max(std::fs::metadata(&input).expect("size").len());
    let after_generate = peak_mib();

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let master = MasterKeyFile { path: dir.join("master.key"), create_if_missing: true };
        master.load_or_create().expect("master key");
        let vault = Vault::new(Arc::new(LocalStore::new(dir.join("vault"))), master);
        let file = tokio::fs::File::open(&input).await.expect("open");
        let start = Instant::now();
        let stored = vault.put(file).await.expect("store");
        let put = start.elapsed().as_secs_f64();
        println!(
            "store    {:>7.1} MB in {put:>6.2} s: {:>7.1} MB/s (read + SHA-256 + XChaCha20-Poly1305 + write + fsync)",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / put
        );

        let start = Instant::now();
        let mut plain =
            vault.open(&stored.object_key, &stored.wrapped_key, &stored.sha256, stored.size).await.expect("open");
        let mut n = 0u64;
        while let Some(chunk) = plain.next().await.expect("retrieve") {
            n += chunk.len() as u64;
        }
        let get = start.elapsed().as_secs_f64();
        assert_eq!(n, stored.size);
        println!(
            "retrieve {:>7.1} MB in {get:>6.2} s: {:>7.1} MB/s (read + decrypt + SHA-256 check)",
            n as f64 / 1e6,
            n as f64 / 1e6 / get
        );
    });
    println!("peak memory {:.0} MiB (after generating the input: {after_generate:.0} MiB)", peak_mib());
    std::fs::remove_dir_all(&dir).expect("clean up");
}
