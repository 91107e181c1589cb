//! Integration tests for maruhi-ledger: one binary, one module per area.

// A failing test should stop with a message; the no-panic lints guard the
// library, not its tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod checkpoint;
mod cosignature;
mod note;
mod oracle;
mod proof;
mod props;
mod tile;
mod vectors;
mod witness;

use maruhi_ledger::note::{Ed25519Signer, Signer};
use maruhi_ledger::{Hash, MemoryTree};

/// A deterministic tree of `n` entries `"entry <i>"`.
pub fn tree_of(n: u64) -> (MemoryTree, Vec<Hash>) {
    let mut t = MemoryTree::new();
    let mut leaves = Vec::new();
    for i in 0..n {
        let leaf = maruhi_ledger::leaf_hash(format!("entry {i}").as_bytes());
        t.push(leaf);
        leaves.push(leaf);
    }
    (t, leaves)
}

/// A signer with a fixed seed derived from `tag`.
pub fn signer(name: &str, tag: u8) -> Ed25519Signer {
    match Ed25519Signer::from_seed(name, &[tag; 32]) {
        Ok(s) => s,
        Err(e) => panic!("test key: {e}"),
    }
}

/// Upcasts for APIs taking trait objects.
pub fn as_signer(s: &Ed25519Signer) -> &dyn Signer {
    s
}
