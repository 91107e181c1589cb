//! Property tests: generated proofs verify; any single bit flip is rejected;
//! parsers of untrusted input never panic and round-trip what they accept.

use std::sync::OnceLock;

use maruhi_ledger::note::{Note, Verifier};
use maruhi_ledger::proof::TlogProof;
use maruhi_ledger::tile::{encode_entry_bundle, parse_entry_bundle, TileId};
use maruhi_ledger::tree::{consistency_proof_len, inclusion_proof_len};
use maruhi_ledger::{verify_consistency, verify_inclusion, Checkpoint, Hash, MemoryTree};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

const MAX: u64 = 1500;

fn shared_tree() -> &'static (MemoryTree, Vec<Hash>) {
    static TREE: OnceLock<(MemoryTree, Vec<Hash>)> = OnceLock::new();
    TREE.get_or_init(|| crate::tree_of(MAX))
}

fn config() -> Config {
    // Fixed seed: the suite must be deterministic; no regression files.
    Config { cases: 256, rng_seed: RngSeed::Fixed(0x6d61_7275_6869), failure_persistence: None, ..Config::default() }
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut b = *h.as_bytes();
    b[(bit / 8) % 32] ^= 1 << (bit % 8);
    Hash::from_bytes(b)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn inclusion_proofs_verify(size in 1..=MAX, seed in any::<u64>()) {
        let (tree, leaves) = shared_tree();
        let index = seed % size;
        let root = tree.root_at(size).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let proof = tree.inclusion_proof(index, size).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Ok(proof.len()), inclusion_proof_len(index, size));
        prop_assert_eq!(verify_inclusion(&leaves[index as usize], index, size, &proof, &root), Ok(()));
        // The proof is bound to its index and size.
        if size > 1 {
            let other = (index + 1) % size;
            prop_assert!(verify_inclusion(&leaves[index as usize], other, size, &proof, &root).is_err());
        }
    }

    #[test]
    fn inclusion_bit_flips_are_rejected(size in 1..=MAX, seed in any::<u64>(), bit in 0..256usize, target in 0..3u8, pick in any::<usize>()) {
        let (tree, leaves) = shared_tree();
        let index = seed % size;
        let root = tree.root_at(size).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut proof = tree.inclusion_proof(index, size).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut leaf = leaves[index as usize];
        let mut root2 = root;
        match target {
            0 if !proof.is_empty() => { let i = pick % proof.len(); proof[i] = flip(&proof[i], bit); }
            1 => root2 = flip(&root, bit),
            _ => leaf = flip(&leaf, bit),
        }
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root2).is_err());
    }

    #[test]
    fn consistency_proofs_verify(new in 1..=MAX, seed in any::<u64>()) {
        let (tree, _) = shared_tree();
        let old = seed % new + 1;
        let (r1, r2) = (tree.root_at(old), tree.root_at(new));
        let (r1, r2) = (r1.map_err(|e| TestCaseError::fail(e.to_string()))?, r2.map_err(|e| TestCaseError::fail(e.to_string()))?);
        let proof = tree.consistency_proof(old, new).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(Ok(proof.len()), consistency_proof_len(old, new));
        prop_assert_eq!(verify_consistency(old, new, &proof, &r1, &r2), Ok(()));
    }

    #[test]
    fn consistency_bit_flips_are_rejected(new in 1..=MAX, seed in any::<u64>(), bit in 0..256usize, target in 0..3u8, pick in any::<usize>()) {
        let (tree, _) = shared_tree();
        let old = seed % new + 1;
        let mut r1 = tree.root_at(old).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut r2 = tree.root_at(new).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut proof = tree.consistency_proof(old, new).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match target {
            0 if !proof.is_empty() => { let i = pick % proof.len(); proof[i] = flip(&proof[i], bit); }
            1 => r1 = flip(&r1, bit),
            _ => r2 = flip(&r2, bit),
        }
        prop_assert!(verify_consistency(old, new, &proof, &r1, &r2).is_err());
    }

    #[test]
    fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        // Each format has one spelling per value: what parses formats back
        // to the same bytes.
        if let Ok(n) = Note::parse(&data) {
            prop_assert_eq!(n.to_bytes(), data.clone());
        }
        if let Ok(p) = TlogProof::parse(&data) {
            prop_assert_eq!(p.to_text().into_bytes(), data.clone());
        }
        if let Ok(entries) = parse_entry_bundle(&data) {
            prop_assert_eq!(encode_entry_bundle(&entries).ok(), Some(data.clone()));
        }
        if let Ok(s) = std::str::from_utf8(&data) {
            if let Ok(cp) = Checkpoint::parse(s) {
                prop_assert_eq!(cp.to_text(), s);
            }
            if let Ok(t) = TileId::parse_path(s) {
                prop_assert_eq!(t.path(), s);
            }
        }
    }

    #[test]
    fn structured_parsers_never_panic(lines in proptest::collection::vec("(\u{2014} )?[a-z0-9/+= .-]{0,50}", 0..12)) {
        let text = lines.join("\n");
        let _ = Note::parse(text.as_bytes());
        let _ = Checkpoint::parse(&text);
        let proof = format!("c2sp.org/tlog-proof@v1\n{text}");
        let _ = TlogProof::parse(proof.as_bytes());
        let _ = TileId::parse_path(&format!("tile/{text}"));
    }

    #[test]
    fn tile_paths_round_trip(level in 0u8..=63, index in any::<u64>(), width in 1u16..=256, entries in any::<bool>()) {
        let id = if entries { TileId::entries(index, width) } else { TileId::hash(level, index, width) };
        let id = id.map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(TileId::parse_path(&id.path()), Ok(id));
    }

    #[test]
    fn entry_bundles_round_trip(entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..40)) {
        let data = encode_entry_bundle(&entries).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = parse_entry_bundle(&data).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed: Vec<Vec<u8>> = parsed.into_iter().map(<[u8]>::to_vec).collect();
        prop_assert_eq!(parsed, entries);
    }

    #[test]
    fn notes_round_trip(lines in proptest::collection::vec("[^\u{0}-\u{1f}]{0,40}", 1..6), tag in any::<u8>()) {
        let text = format!("{}\n", lines.join("\n"));
        let signer = crate::signer("example.com/prop", tag);
        let mut note = Note::new(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        note.sign(&signer).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = Note::parse(&note.to_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&parsed, &note);
        let v = signer.verifier();
        prop_assert!(parsed.verify(&[&v as &dyn Verifier]).is_ok());
    }
}
