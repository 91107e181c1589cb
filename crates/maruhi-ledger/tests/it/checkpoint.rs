//! C2SP tlog-checkpoint: signing, opening, policy checks.

use maruhi_ledger::checkpoint::{open_checkpoint, CheckpointError, TrustPolicy};
use maruhi_ledger::cosignature::Cosigner;
use maruhi_ledger::note::{NoteError, Signer, Verifier};
use maruhi_ledger::{Checkpoint, Hash};

use crate::{as_signer, signer, tree_of};

const ORIGIN: &str = "ledger.example/log";

fn cosigner(name: &str, tag: u8) -> Cosigner {
    Cosigner::from_seed(name, &[tag; 32]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn signed_checkpoint_opens_under_policy() {
    let (tree, _) = tree_of(10);
    let log = signer(ORIGIN, 1);
    let (w1, w2) = (cosigner("w1.example", 2), cosigner("w2.example", 3));
    let cp = Checkpoint::new(ORIGIN, tree.size(), tree.root()).unwrap_or_else(|e| panic!("{e}"));
    let note = cp.sign(&[as_signer(&log), &w1.at(100), &w2.at(200)]).unwrap_or_else(|e| panic!("{e}"));
    let bytes = note.to_bytes();
    let (lv, v1, v2) = (log.verifier(), w1.verifier(), w2.verifier());
    let witnesses: [&dyn Verifier; 2] = [&v1, &v2];
    let policy = TrustPolicy { origin: ORIGIN, log_key: &lv, witnesses: &witnesses, witness_threshold: 2 };
    let opened = open_checkpoint(&bytes, &policy).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(opened.checkpoint, cp);
    assert_eq!(opened.witness_signatures.len(), 2);

    let strict = TrustPolicy { witness_threshold: 3, ..policy };
    assert_eq!(
        open_checkpoint(&bytes, &strict).err(),
        Some(CheckpointError::NotEnoughCosignatures { got: 2, need: 3 })
    );
    let elsewhere = TrustPolicy { origin: "other.example/log", ..policy };
    assert!(matches!(open_checkpoint(&bytes, &elsewhere), Err(CheckpointError::WrongOrigin { .. })));
}

#[test]
fn checkpoint_without_log_signature_is_rejected() {
    let log = signer(ORIGIN, 1);
    let w = cosigner("w1.example", 2);
    let cp = Checkpoint::new(ORIGIN, 0, maruhi_ledger::empty_root()).unwrap_or_else(|e| panic!("{e}"));
    let note = cp.sign(&[&w.at(5) as &dyn Signer]).unwrap_or_else(|e| panic!("{e}"));
    let (lv, wv) = (log.verifier(), w.verifier());
    let policy = TrustPolicy { origin: ORIGIN, log_key: &lv, witnesses: &[&wv], witness_threshold: 0 };
    assert_eq!(open_checkpoint(&note.to_bytes(), &policy).err(), Some(CheckpointError::NotSignedByLog));
    let nobody = TrustPolicy { witnesses: &[], ..policy };
    assert_eq!(
        open_checkpoint(&note.to_bytes(), &nobody).err(),
        Some(CheckpointError::Note(NoteError::NoKnownSignature))
    );
}

#[test]
fn extension_lines_round_trip() {
    let root = Hash::from_bytes([7; 32]);
    let cp = Checkpoint::with_extensions(ORIGIN, 3, root, vec!["ext one".into(), "ext two".into()])
        .unwrap_or_else(|e| panic!("{e}"));
    let text = cp.to_text();
    assert_eq!(text.lines().count(), 5);
    assert_eq!(Checkpoint::parse(&text), Ok(cp));
    assert!(Checkpoint::with_extensions(ORIGIN, 3, root, vec![String::new()]).is_err());
    assert!(Checkpoint::new("", 3, root).is_err());
    assert!(Checkpoint::new("a\nb", 3, root).is_err());
    assert!(Checkpoint::new("tab\there", 3, root).is_err());
}

#[test]
fn spec_example_parses() {
    let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let note = maruhi_ledger::Note::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let cp = Checkpoint::parse(note.text()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cp.origin(), "example.com/behind-the-sofa");
    assert_eq!(cp.size(), 20852163);
    assert_eq!(note.to_string(), text);
}
