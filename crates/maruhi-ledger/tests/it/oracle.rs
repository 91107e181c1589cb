//! ct-merkle as an independent implementation of RFC 6962: roots and proofs
//! must agree byte for byte.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use maruhi_ledger::MemoryTree;
use sha2_oracle::Sha256;

#[test]
fn roots_and_proofs_match_ct_merkle() {
    let mut theirs: MemoryBackedTree<Sha256, Vec<u8>> = MemoryBackedTree::new();
    let mut ours = MemoryTree::new();
    for n in 1..=70u64 {
        let entry = format!("entry {n}").into_bytes();
        ours.push_entry(&entry);
        theirs.push(entry);
        assert_eq!(ours.root().as_bytes()[..], theirs.root().as_bytes()[..], "root at {n}");
        for idx in 0..n {
            let p = ours.inclusion_proof(idx, n).unwrap_or_else(|e| panic!("{e}"));
            let flat: Vec<u8> = p.iter().flat_map(|h| h.as_bytes().to_vec()).collect();
            assert_eq!(flat, theirs.prove_inclusion(idx as usize).as_bytes(), "inclusion {idx} in {n}");
        }
        for added in 0..n {
            let old = n - added;
            if old == n {
                continue;
            }
            let p = ours.consistency_proof(old, n).unwrap_or_else(|e| panic!("{e}"));
            let flat: Vec<u8> = p.iter().flat_map(|h| h.as_bytes().to_vec()).collect();
            assert_eq!(flat, theirs.prove_consistency(added as usize).as_bytes(), "consistency {old} -> {n}");
        }
    }
}
