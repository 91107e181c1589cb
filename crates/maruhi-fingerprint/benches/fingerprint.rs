//! Throughput of normalisation, fingerprinting and lookup on the shared corpus
//! of real Japanese and English manual pages (`../shared/corpus/{ja,en}`).
//!
//! The corpus is found by walking up from the crate for `shared/corpus`, or
//! taken from `MARUHI_CORPUS`; without it the benchmarks print a message and
//! measure nothing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use maruhi_fingerprint::{normalize, Fingerprinter, ReferenceSet};

fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MARUHI_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(|a| a.join("shared").join("corpus")).find(|p| p.is_dir())
}

/// The files of one language, sorted by name, as (name, text).
fn read_language(dir: &Path, language: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join(language)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

fn fingerprinter() -> Fingerprinter {
    match Fingerprinter::builder().key([0x5a; 32]).build() {
        Ok(fp) => fp,
        Err(e) => unreachable!("default parameters are valid: {e}"),
    }
}

fn benches(c: &mut Criterion) {
    let Some(dir) = corpus_dir() else {
        eprintln!("maruhi-fingerprint bench: no shared/corpus found (set MARUHI_CORPUS); skipping");
        return;
    };
    let ja = read_language(&dir, "ja");
    let en = read_language(&dir, "en");
    if ja.is_empty() && en.is_empty() {
        eprintln!("maruhi-fingerprint bench: {} has no ja/ or en/ files; skipping", dir.display());
        return;
    }
    let fp = fingerprinter();

    let mut group = c.benchmark_group("fingerprint");
    for (name, files) in [("ja", &ja), ("en", &en)] {
        let text = files.concat();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("normalize/{name}"), |b| b.iter(|| normalize(black_box(&text))));
        group.bench_function(format!("normalize+fingerprint/{name}"), |b| b.iter(|| fp.fingerprint(black_box(&text))));
    }
    group.finish();

    // References, about 20 MB: every other file of both languages as is,
    // plus every file with each line's chars reversed (same alphabet and
    // length distribution, practically no shared k-grams: realistic
    // non-matching postings). Queries: all files of one language, so half
    // of them match a reference fully and half (mostly) do not.
    let reversed =
        |t: &String| -> String { t.lines().flat_map(|l| l.chars().rev().chain(std::iter::once('\n'))).collect() };
    let mut refs = ReferenceSet::builder();
    let mut reference_bytes = 0;
    let originals = ja.iter().chain(&en).step_by(2).cloned();
    for text in originals.chain(ja.iter().chain(&en).map(reversed)) {
        reference_bytes += text.len();
        if let Ok(fps) = fp.fingerprint(&text) {
            let _ = refs.add(&fps);
        }
    }
    let Ok(refs) = refs.build() else { return };
    let stored = refs.to_bytes();
    eprintln!(
        "reference set: {} documents, {} bytes of text, {} index entries, {} bytes in memory, {} bytes stored",
        refs.doc_count(),
        reference_bytes,
        refs.entries().len(),
        refs.heap_bytes(),
        stored.len()
    );
    for (name, files) in [("ja", &ja), ("en", &en)] {
        let mut one = ReferenceSet::builder();
        let bytes: usize = files.iter().map(String::len).sum();
        for text in files.iter() {
            if let Ok(fps) = fp.fingerprint(text) {
                let _ = one.add(&fps);
            }
        }
        let Ok(one) = one.build() else { return };
        let mb = bytes as f64 / 1e6;
        eprintln!(
            "index size per MB of {name} reference text: {:.0} bytes in memory, {:.0} bytes stored \
             (fingerprints stored alone: {:.0} bytes)",
            one.heap_bytes() as f64 / mb,
            one.to_bytes().len() as f64 / mb,
            files.iter().filter_map(|t| fp.fingerprint(t).ok()).map(|f| f.to_bytes().len()).sum::<usize>() as f64 / mb,
        );
    }

    let mut group = c.benchmark_group("lookup");
    for (name, files) in [("ja", &ja), ("en", &en)] {
        let queries: Vec<_> = files.iter().filter_map(|t| fp.fingerprint(t).ok()).collect();
        let query_bytes: usize = files.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(query_bytes as u64));
        group.bench_function(format!("find/{name}"), |b| {
            b.iter(|| queries.iter().map(|q| refs.find(black_box(q)).map_or(0, |m| m.len())).sum::<usize>())
        });
        // What the scanner asks: only references with a passage of 50
        // aligned chars (its default minimum), without the short ones.
        group.bench_function(format!("find_passages/{name}"), |b| {
            b.iter(|| {
                queries.iter().map(|q| refs.find_passages(black_box(q), 50).map_or(0, |m| m.len())).sum::<usize>()
            })
        });
        // End to end: normalise, fingerprint and look up every file.
        group.bench_function(format!("fingerprint+find/{name}"), |b| {
            b.iter(|| {
                files
                    .iter()
                    .filter_map(|t| fp.fingerprint(black_box(t)).ok())
                    .map(|q| refs.find(&q).map_or(0, |m| m.len()))
                    .sum::<usize>()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Bytes(stored.len() as u64));
    group.bench_function("index/from_bytes", |b| b.iter(|| ReferenceSet::from_bytes(black_box(&stored)).is_ok()));
    group.bench_function("index/to_bytes", |b| b.iter(|| black_box(&refs).to_bytes().len()));
    group.finish();
}

criterion_group! {
    name = fingerprint;
    // Kept short: the machine has two cores shared with other builds.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(fingerprint);
