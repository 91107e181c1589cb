//! C2SP tlog-cosignature: cosignature/v1 signing and verification.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use maruhi_ledger::cosignature::{
    cosignature_timestamp, cosigned_message, CosignatureVerifier, Cosigner, ALG_COSIGNATURE_V1, MAX_TIMESTAMP,
};
use maruhi_ledger::note::{key_id, verifier_from_vkey, Note, NoteError, Verifier, VerifierKey};
use maruhi_ledger::Checkpoint;

use crate::tree_of;

fn witness() -> Cosigner {
    Cosigner::from_seed("witness.example/w1", &[4; 32]).unwrap_or_else(|e| panic!("{e}"))
}

fn checkpoint_text() -> String {
    let (tree, _) = tree_of(5);
    Checkpoint::new("ledger.example/log", tree.size(), tree.root()).unwrap_or_else(|e| panic!("{e}")).to_text()
}

#[test]
fn cosignature_verifies_and_carries_its_timestamp() {
    let w = witness();
    let text = checkpoint_text();
    let sig = w.cosign(&text, 1_679_315_147).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sig.signature().len(), 72);
    assert_eq!(cosignature_timestamp(sig.signature()), Some(1_679_315_147));
    let v = w.verifier();
    assert_eq!(v.verify_cosignature(&text, sig.signature()), Some(1_679_315_147));

    // The signed message is exactly header, time line, checkpoint text.
    let raw_sig = &sig.signature()[8..];
    let pk = VerifierKey::parse(&v.vkey()).unwrap_or_else(|e| panic!("{e}")).key;
    let pk: [u8; 32] = pk.try_into().unwrap_or_else(|_| panic!("key length"));
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk).unwrap_or_else(|e| panic!("{e}"));
    let dalek_sig = ed25519_dalek::Signature::from_slice(raw_sig).unwrap_or_else(|e| panic!("{e}"));
    assert!(vk.verify_strict(&cosigned_message(&text, 1_679_315_147), &dalek_sig).is_ok());
    assert!(cosigned_message(&text, 1).starts_with(b"cosignature/v1\ntime 1\n"));
}

#[test]
fn tampered_timestamp_or_text_fails() {
    let w = witness();
    let text = checkpoint_text();
    let sig = w.cosign(&text, 1000).unwrap_or_else(|e| panic!("{e}"));
    let mut bytes = sig.signature().to_vec();
    bytes[7] ^= 1;
    assert_eq!(w.verifier().verify_cosignature(&text, &bytes), None);
    assert_eq!(w.verifier().verify_cosignature(&text.replace('5', "6"), sig.signature()), None);
    assert_eq!(w.verifier().verify_cosignature(&text, &sig.signature()[..71]), None);
}

#[test]
fn timestamps_above_i64_max_are_refused() {
    let w = witness();
    assert!(matches!(w.cosign(&checkpoint_text(), MAX_TIMESTAMP + 1), Err(NoteError::SignFailed { .. })));
    assert!(w.cosign(&checkpoint_text(), MAX_TIMESTAMP).is_ok());
}

#[test]
fn key_id_uses_type_0x04_and_vkeys_round_trip() {
    let w = witness();
    let v = w.verifier();
    let parts = VerifierKey::parse(&v.vkey()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parts.alg, ALG_COSIGNATURE_V1);
    assert_eq!(v.key_id(), key_id("witness.example/w1", 0x04, &parts.key));
    assert_eq!(CosignatureVerifier::from_vkey(&v.vkey()), Ok(v.clone()));
    let boxed = verifier_from_vkey(&v.vkey()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(boxed.key_id(), v.key_id());
    let back = Cosigner::from_key_string(&w.key_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.verifier(), v);
    // A note key string is not a cosigner key string.
    let note_key = crate::signer("witness.example/w1", 4).key_string();
    assert!(Cosigner::from_key_string(&note_key).is_err());
}

#[test]
fn cosignature_in_a_note_is_found() {
    let w = witness();
    let text = checkpoint_text();
    let mut note = Note::new(&text).unwrap_or_else(|e| panic!("{e}"));
    note.sign(&w.at(77)).unwrap_or_else(|e| panic!("{e}"));
    let parsed = Note::parse(&note.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let found = w.verifier().find_in(&parsed).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.map(|c| c.timestamp), Some(77));
    assert_eq!(parsed.verify(&[&w.verifier()]).map(|v| v.len()), Ok(1));
    let other = Cosigner::from_seed("witness.example/w2", &[5; 32]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(other.verifier().find_in(&parsed), Ok(None));
}

#[test]
fn spec_example_line_decodes() {
    let line =
        "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
    let raw = STANDARD.decode(line).unwrap_or_default();
    assert_eq!(cosignature_timestamp(&raw[4..]), Some(1_679_315_147));
}
