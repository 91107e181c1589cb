//! EDM scale benchmark: builds an index of `EDM_ROWS` generated customer
//! rows (10 columns: id, 姓, 名, セイ, メイ, phone, e-mail, postal code,
//! address, date of birth) streamed from the generator (no file), then
//! loads it and scans text with it.
//!
//! Reports rows/s, peak memory (VmHWM), bytes per row on disk, load time,
//! and the matcher's throughput on Japanese prose full of look-alike
//! values (every phone, id and e-mail in it is looked up).
//!
//! `EDM_ROWS=20000000 cargo bench -p maruhi-edm --bench edm_scale`
#![allow(clippy::disallowed_methods)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // A benchmark measures wall-clock time.

#[path = "gen/mod.rs"]
mod gen;

use std::time::Instant;

use gen::{person, written, Export, Rng};
use maruhi_edm::{index, Dataset, Declared, Index, Key, Matcher};

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds this process used (user + system), from /proc/self/stat:
/// on a shared machine wall-clock time says more about the neighbours.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| f.get(i)?.parse::<f64>().ok()).sum();
    ticks / 100.0
}

fn main() {
    let rows: u64 = std::env::var("EDM_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000_000);
    let dir = std::env::var("EDM_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| std::env::temp_dir());
    let path = dir.join(format!("maruhi-edm-scale-{}.edm", std::process::id()));
    let key = Key::from_bytes([5; 32]);
    let declared = Declared { primary: Some("会員番号".into()), ..Declared::default() };

    // The generator alone, to tell its cost from the index's.
    let t = Instant::now();
    let sample = rows.min(1_000_000);
    let mut sink = 0usize;
    for n in 0..sample {
        sink += person(1, n).csv_row().len();
    }
    let gen_secs = t.elapsed().as_secs_f64() * rows as f64 / sample as f64;
    println!("generator alone: ~{gen_secs:.1} s for {rows} rows ({} bytes/row of CSV)", sink as u64 / sample);

    let t = Instant::now();
    let cpu = cpu_secs();
    let (schema, stats) =
        index::build(Export::new(1, rows), index::Encoding::Utf8, &declared, &key, [7; 16], None, &path)
            .expect("build");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    println!(
        "build: {rows} rows x {} columns in {secs:.1} s wall ({:.0} rows/s, generator included), {cpu:.1} CPU-s \
         ({:.2} µs CPU/row), peak RSS {:.0} MB, load average {}",
        schema.columns.len(),
        rows as f64 / secs,
        cpu * 1e6 / rows as f64,
        peak_rss_mb(),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').next().unwrap_or("?")
    );
    println!(
        "index: {} bytes, {:.2} bytes/row ({} distinct rows)",
        stats.bytes,
        stats.bytes as f64 / stats.rows.max(1) as f64,
        stats.rows
    );

    let t = Instant::now();
    let ix = Index::load(&path, &key).expect("load");
    println!("load (read + SHA-256 check): {:.2} s, peak RSS {:.0} MB", t.elapsed().as_secs_f64(), peak_rss_mb());
    let _ = std::fs::remove_file(&path);
    let m = Matcher::new(vec![Dataset { name: "members".into(), secret_id: None, index: ix }]);

    // Prose with look-alike values on every other line, and a few real rows.
    let mut r = Rng(3);
    let mut text = String::new();
    let mut real = 0;
    while text.len() < 16 << 20 {
        text.push_str(
            "お世話になっております。先日ご依頼いただいた件について、担当者より以下の通りご連絡いたします。\n",
        );
        let p = if r.below(1000) == 0 {
            real += 1;
            person(1, r.below(rows))
        } else {
            person(2, r.next())
        };
        let w = written(&p, &mut r);
        text.push_str(&format!("{}様（会員番号{}、電話{}、{}）の件、承知しました。\n", w.name, w.id, w.phone, w.email));
    }
    let t = Instant::now();
    let cpu = cpu_secs();
    let found = m.find(&text);
    let secs = t.elapsed().as_secs_f64();
    println!("scan CPU: {:.2} s", cpu_secs() - cpu);
    let rows_found: usize = found.iter().map(|f| f.rows).sum();
    // Ordinary prose (no digit, no `@`): what most documents cost.
    let prose: String =
        "お世話になっております。先日ご依頼いただいた件について、担当者より以下の通りご連絡いたします。\n"
            .repeat(text.len() / 150);
    let cpu_p = cpu_secs();
    let none = m.find(&prose);
    println!(
        "ordinary prose ({:.1} MB, no digits): {:.3} CPU-s, {} findings",
        prose.len() as f64 / 1e6,
        cpu_secs() - cpu_p,
        none.len()
    );
    // What a plain scan spends on the same text: normalising and
    // fingerprinting it (maruhi-scan's per-document work besides extraction).
    let fp = maruhi_fingerprint::Fingerprinter::builder().key([1; 32]).build().expect("fingerprinter");
    let cpu_fp = cpu_secs();
    let t_fp = Instant::now();
    let prints = fp.fingerprint(&text).expect("fingerprint");
    println!(
        "fingerprinting the same text: {:.2} s wall, {:.2} CPU-s ({} fingerprints)",
        t_fp.elapsed().as_secs_f64(),
        cpu_secs() - cpu_fp,
        prints.len()
    );
    println!(
        "scan: {:.1} MB of prose in {secs:.2} s = {:.1} MB/s; rows found {rows_found} of {real} planted",
        text.len() as f64 / 1e6,
        text.len() as f64 / 1e6 / secs
    );
}
