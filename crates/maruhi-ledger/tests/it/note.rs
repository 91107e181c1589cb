//! C2SP signed-note: the official vector, signing, verification rules, keys.

use maruhi_ledger::note::{
    key_id, verifier_from_vkey, Ed25519Signer, Ed25519Verifier, KeyError, Note, NoteError, NoteSignature, Verifier,
    VerifierKey, ALG_ED25519,
};

use crate::{as_signer, signer};

const SPEC_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

fn spec_verifier() -> Ed25519Verifier {
    Ed25519Verifier::from_vkey(SPEC_VKEY).unwrap_or_else(|e| panic!("spec vkey: {e}"))
}

#[test]
fn official_vector_verifies() {
    let v = spec_verifier();
    assert_eq!(v.key_id(), 0x530d903a);
    assert_eq!(v.vkey(), SPEC_VKEY);
    let note = Note::parse(SPEC_NOTE.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.text(), "This is an example message.\n");
    let verified = note.verify(&[&v]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verified.len(), 1);
    assert_eq!(note.to_string(), SPEC_NOTE);
    // The generic constructor picks the same key type.
    let boxed = verifier_from_vkey(SPEC_VKEY).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.verify(&[boxed.as_ref()]).map(|v| v.len()), Ok(1));
}

#[test]
fn official_vector_rejects_tampering() {
    let v = spec_verifier();
    let altered = SPEC_NOTE.replace("example message", "example massage");
    let note = Note::parse(altered.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.verify(&[&v]), Err(NoteError::BadSignature { name: "example.com/foo".into(), key_id: 0x530d903a }));
}

#[test]
fn key_id_follows_spec_formula() {
    let v = VerifierKey::parse(SPEC_VKEY).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.alg, ALG_ED25519);
    assert_eq!(key_id(&v.name, ALG_ED25519, &v.key), v.key_id);
}

#[test]
fn vkeys_with_wrong_id_or_type_are_rejected() {
    let wrong_id = SPEC_VKEY.replace("530d903a", "530d903b");
    assert!(matches!(Ed25519Verifier::from_vkey(&wrong_id), Err(KeyError::KeyIdMismatch { .. })));
    // Same key material declared as a cosignature key gets another ID.
    assert!(matches!(verifier_from_vkey(&SPEC_VKEY.replace("+Ae", "+BO")).err(), Some(KeyError::KeyIdMismatch { .. })));
    assert_eq!(Ed25519Verifier::from_vkey("nope").err(), Some(KeyError::Malformed));
    assert_eq!(Ed25519Verifier::from_vkey("a b+530d903a+AQ==").err(), Some(KeyError::InvalidName));
    assert!(Ed25519Verifier::from_vkey("example.com/foo+530d903a+AekyeRrm").is_err());
}

#[test]
fn sign_and_verify_with_several_keys() {
    let a = signer("example.com/a", 1);
    let b = signer("example.com/b", 2);
    let mut note = Note::new("hello\n\nworld\n").unwrap_or_else(|e| panic!("{e}"));
    note.sign(as_signer(&a)).unwrap_or_else(|e| panic!("{e}"));
    note.sign(as_signer(&b)).unwrap_or_else(|e| panic!("{e}"));
    let parsed = Note::parse(&note.to_bytes()).unwrap_or_else(|e| panic!("{e}"));
    // The text may contain blank lines; the last one separates the signatures.
    assert_eq!(parsed.text(), "hello\n\nworld\n");
    assert_eq!(parsed, note);
    let (va, vb) = (a.verifier(), b.verifier());
    assert_eq!(parsed.verify(&[&va, &vb]).map(|v| v.len()), Ok(2));
    assert_eq!(parsed.verify(&[&vb]).map(|v| v.len()), Ok(1));
}

#[test]
fn unknown_keys_are_ignored_but_needed_known_ones() {
    let a = signer("example.com/a", 1);
    let other = signer("example.com/other", 3);
    let mut note = Note::new("text\n").unwrap_or_else(|e| panic!("{e}"));
    note.sign(as_signer(&other)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.verify(&[&a.verifier()]), Err(NoteError::NoKnownSignature));
    note.sign(as_signer(&a)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.verify(&[&a.verifier()]).map(|v| v.len()), Ok(1));
}

#[test]
fn same_name_other_id_is_ignored_but_matching_pair_is_verified() {
    let a = signer("example.com/a", 1);
    let mut note = Note::new("text\n").unwrap_or_else(|e| panic!("{e}"));
    note.sign(as_signer(&a)).unwrap_or_else(|e| panic!("{e}"));
    // An impostor line sharing the name but not the ID: ignored.
    let impostor = NoteSignature::new("example.com/a", a.verifier().key_id() ^ 1, vec![0; 64]);
    note.add_signature(impostor.unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.verify(&[&a.verifier()]).map(|v| v.len()), Ok(1));
    // A line with both name and ID of the known key must verify.
    let forged = NoteSignature::new("example.com/a", a.verifier().key_id(), vec![0; 64]);
    note.add_signature(forged.unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(note.verify(&[&a.verifier()]), Err(NoteError::BadSignature { .. })));
}

#[test]
fn private_key_strings_round_trip() {
    let a = signer("example.com/a", 9);
    let s = a.key_string();
    assert!(s.starts_with("PRIVATE+KEY+example.com/a+"));
    let back = Ed25519Signer::from_key_string(&s).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.verifier(), a.verifier());
    let tampered = s.replacen("+example.com/a+", "+example.com/b+", 1);
    assert!(matches!(Ed25519Signer::from_key_string(&tampered), Err(KeyError::KeyIdMismatch { .. })));
    assert!(Ed25519Signer::from_key_string(&s["PRIVATE+KEY+".len()..]).is_err());
    // The verifier key string round-trips through the parser.
    let vkey = a.verifier().vkey();
    assert_eq!(Ed25519Verifier::from_vkey(&vkey), Ok(a.verifier()));
}

#[test]
fn new_note_rejects_bad_text() {
    assert_eq!(Note::new("no newline").err(), Some(NoteError::BadText));
    assert_eq!(Note::new("bell\u{7}\n").err(), Some(NoteError::ControlCharacter { offset: 4 }));
    assert_eq!(Ed25519Signer::from_seed("has space", &[0; 32]).err(), Some(KeyError::InvalidName));
    assert_eq!(Ed25519Signer::from_seed("", &[0; 32]).err(), Some(KeyError::InvalidName));
    assert_eq!(Ed25519Signer::from_seed("a+b", &[0; 32]).err(), Some(KeyError::InvalidName));
}

#[test]
fn oversized_notes_are_rejected_before_parsing() {
    let big = vec![b'a'; maruhi_ledger::note::MAX_NOTE_SIZE + 1];
    assert!(matches!(Note::parse(&big), Err(NoteError::TooLarge { .. })));
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(NoteError::NoKnownSignature.code(), "MRH-LEDGER-029");
    assert_eq!(maruhi_ledger::ProofError::RootMismatch.code(), "MRH-LEDGER-005");
    assert_eq!(maruhi_ledger::ProofError::EmptyOldTree.code(), "MRH-LEDGER-003");
}
