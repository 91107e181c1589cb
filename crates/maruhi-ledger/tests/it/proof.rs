//! C2SP tlog-proof: encoding, parsing and verification.

use maruhi_ledger::checkpoint::{CheckpointError, TrustPolicy};
use maruhi_ledger::cosignature::Cosigner;
use maruhi_ledger::note::Verifier;
use maruhi_ledger::proof::TlogProofError;
use maruhi_ledger::{leaf_hash, Checkpoint, ProofError, TlogProof};

use crate::{as_signer, signer, tree_of};

/// Recognises the expected error.
type Check = fn(&TlogProofError) -> bool;

const ORIGIN: &str = "ledger.example/log";

struct Fixture {
    text: String,
    log: maruhi_ledger::note::Ed25519Verifier,
    witness: maruhi_ledger::cosignature::CosignatureVerifier,
}

fn fixture(index: u64, extra: Option<Vec<u8>>) -> Fixture {
    let (tree, _) = tree_of(1000);
    let log = signer(ORIGIN, 1);
    let w = Cosigner::from_seed("witness.example/w1", &[2; 32]).unwrap_or_else(|e| panic!("{e}"));
    let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root()).unwrap_or_else(|e| panic!("{e}"));
    let note = cp.sign(&[as_signer(&log), &w.at(1_700_000_000)]).unwrap_or_else(|e| panic!("{e}"));
    let path = tree.inclusion_proof(index, tree.size()).unwrap_or_else(|e| panic!("{e}"));
    let proof = TlogProof::new(extra, index, path, note).unwrap_or_else(|e| panic!("{e}"));
    Fixture { text: proof.to_text(), log: log.verifier(), witness: w.verifier() }
}

fn policy<'a>(f: &'a Fixture, witnesses: &'a [&'a dyn Verifier], threshold: usize) -> TrustPolicy<'a> {
    TrustPolicy { origin: ORIGIN, log_key: &f.log, witnesses, witness_threshold: threshold }
}

#[test]
fn proof_round_trips_and_verifies() {
    let f = fixture(417, Some(b"artifact.tar.gz".to_vec()));
    assert!(f.text.starts_with("c2sp.org/tlog-proof@v1\nextra YXJ0aWZhY3QudGFyLmd6\nindex 417\n"));
    let proof = TlogProof::parse(f.text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(proof.to_text(), f.text);
    assert_eq!(proof.extra(), Some(&b"artifact.tar.gz"[..]));
    assert_eq!(proof.inclusion().len(), 10);
    let ws: [&dyn Verifier; 1] = [&f.witness];
    let verified = proof.verify(&leaf_hash(b"entry 417"), &policy(&f, &ws, 1));
    assert_eq!(verified.map(|v| v.witness_signatures.len()), Ok(1));
}

#[test]
fn proof_without_extra_and_with_empty_path() {
    let (tree, _) = tree_of(1);
    let log = signer(ORIGIN, 1);
    let cp = Checkpoint::new(ORIGIN, 1, tree.root()).unwrap_or_else(|e| panic!("{e}"));
    let note = cp.sign(&[as_signer(&log)]).unwrap_or_else(|e| panic!("{e}"));
    let proof = TlogProof::new(None, 0, Vec::new(), note).unwrap_or_else(|e| panic!("{e}"));
    let text = proof.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 0\n\nledger.example/log\n1\n"));
    let parsed = TlogProof::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let lv = log.verifier();
    let policy = TrustPolicy { origin: ORIGIN, log_key: &lv, witnesses: &[], witness_threshold: 0 };
    assert!(parsed.verify(&leaf_hash(b"entry 0"), &policy).is_ok());
}

#[test]
fn verification_failures() {
    let f = fixture(5, None);
    let proof = TlogProof::parse(f.text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let ws: [&dyn Verifier; 1] = [&f.witness];
    let good = policy(&f, &ws, 1);
    assert_eq!(
        proof.verify(&leaf_hash(b"entry 6"), &good).err(),
        Some(TlogProofError::Inclusion(ProofError::RootMismatch))
    );
    assert_eq!(
        proof.verify(&leaf_hash(b"entry 5"), &policy(&f, &[], 1)).err(),
        Some(TlogProofError::Checkpoint(CheckpointError::NotEnoughCosignatures { got: 0, need: 1 }))
    );
    let other_log = signer(ORIGIN, 9).verifier();
    let wrong_key = TrustPolicy { log_key: &other_log, ..good };
    assert!(proof.verify(&leaf_hash(b"entry 5"), &wrong_key).is_err());
    // Moving the index breaks the proof even for the right leaf.
    let moved = f.text.replace("index 5\n", "index 4\n");
    let moved = TlogProof::parse(moved.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(moved.verify(&leaf_hash(b"entry 5"), &good).is_err());
}

#[test]
fn malformed_proofs_are_rejected() {
    let f = fixture(5, None);
    let cases: Vec<(String, Check)> = vec![
        (f.text.replacen("tlog-proof@v1", "tlog-proof@v2", 1), |e| matches!(e, TlogProofError::BadHeader)),
        (f.text.replace("index 5", "index 05"), |e| matches!(e, TlogProofError::BadIndex)),
        (f.text.replace("index 5", "index -5"), |e| matches!(e, TlogProofError::BadIndex)),
        (f.text.replace("index 5\n", "extra \nindex 5\n"), |e| matches!(e, TlogProofError::BadExtra)),
        (f.text.replace("index 5\n", "extra !!\nindex 5\n"), |e| matches!(e, TlogProofError::BadExtra)),
        (f.text.replace("index 5\n", "index 5\nAAAA\n"), |e| matches!(e, TlogProofError::BadHash { line: 3 })),
        (f.text.split("\n\n").next().unwrap_or_default().to_owned(), |e| matches!(e, TlogProofError::Truncated)),
        (f.text.replacen("\n\n", "\n\nnot a checkpoint\n\n", 1), |e| matches!(e, TlogProofError::Checkpoint(_))),
        (String::from("c2sp.org/tlog-proof@v1"), |e| matches!(e, TlogProofError::BadHeader)),
    ];
    for (text, want) in cases {
        match TlogProof::parse(text.as_bytes()) {
            Err(e) => assert!(want(&e), "{text:?}: {e:?}"),
            Ok(_) => panic!("accepted {text:?}"),
        }
    }
    let long =
        f.text.replace("index 5\n", &format!("index 5\n{}", format!("{}\n", maruhi_ledger::empty_root()).repeat(65)));
    assert!(matches!(TlogProof::parse(long.as_bytes()), Err(TlogProofError::ProofTooLong)));
}
