//! Benchmarks of the ledger's hot paths: proof verification (what every
//! auditor runs) and root/proof generation (what the log runs per request).
//!
//! Verification cost depends only on the path length, so proofs for 10^6
//! and 10^9 leaves are built synthetically: random path hashes and the root
//! they lead to.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use maruhi_ledger::tree::{self, inclusion_proof_len, root_from_inclusion_proof};
use maruhi_ledger::{leaf_hash, root_from_leaf_hashes, verify_consistency, verify_inclusion, Hash, MemoryTree};

fn synthetic_proof(size: u64, index: u64) -> (Hash, Vec<Hash>, Hash) {
    let leaf = leaf_hash(b"evidence");
    let len = inclusion_proof_len(index, size).unwrap_or(0);
    let proof: Vec<Hash> = (0..len as u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let root = root_from_inclusion_proof(&leaf, index, size, &proof).unwrap_or_default();
    (leaf, proof, root)
}

fn verification(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify_inclusion");
    for size in [1_000_000u64, 1_000_000_000] {
        let index = size / 3;
        let (leaf, proof, root) = synthetic_proof(size, index);
        g.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
            b.iter(|| verify_inclusion(black_box(&leaf), index, size, black_box(&proof), &root))
        });
    }
    g.finish();
}

fn generation(c: &mut Criterion) {
    const N: u64 = 1 << 20;
    let mut t = MemoryTree::new();
    for i in 0..N {
        t.push(leaf_hash(&i.to_be_bytes()));
    }
    let size = N - 12_345;
    let mut g = c.benchmark_group("generate");
    g.bench_function("root/1M", |b| b.iter(|| tree::root(&t, black_box(size))));
    g.bench_function("inclusion_proof/1M", |b| b.iter(|| tree::inclusion_proof(&t, black_box(size / 3), size)));
    g.bench_function("consistency_proof/1M", |b| b.iter(|| tree::consistency_proof(&t, black_box(size / 3 + 7), size)));
    let (old, new) = (size / 3 + 7, size);
    let proof = tree::consistency_proof(&t, old, new).unwrap_or_default();
    let (r1, r2) = (t.root_at(old).unwrap_or_default(), t.root_at(new).unwrap_or_default());
    g.bench_function("verify_consistency/1M", |b| b.iter(|| verify_consistency(old, new, black_box(&proof), &r1, &r2)));
    let leaves: Vec<Hash> = (0..4096u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    g.bench_function("root_from_leaf_hashes/4096", |b| b.iter(|| root_from_leaf_hashes(black_box(&leaves))));
    g.bench_function("memory_tree_push", |b| {
        let mut t = MemoryTree::new();
        let leaf = leaf_hash(b"x");
        b.iter(|| t.push(black_box(leaf)))
    });
    g.finish();
}

criterion_group!(benches, verification, generation);
criterion_main!(benches);
