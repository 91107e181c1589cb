//! RFC 3161 time-stamp tokens carried inside a checkpoint note, so that an
//! offline proof dates itself.
//!
//! A token over a checkpoint (its message imprint is SHA-256 of the note
//! text) is a signature of the TSA over that text, so it travels as one more
//! signature line of the note (C2SP signed-note): key name
//! [`TIMESTAMP_KEY_NAME`], signature type `0xff` followed by the identifier
//! [`TIMESTAMP_TYPE_ID`] ("reserved for signature types without an identifier
//! byte … followed by a longer identifier"), and the DER token as the
//! signature bytes. Note verifiers that do not know this key ignore the line,
//! as the spec requires of unknown keys; maruhi's `verify-proof` checks the
//! token against the TSA certificates it is given.

use crate::note::{key_id, Note, NoteError, NoteSignature};

/// Key name of time-stamp signature lines.
pub const TIMESTAMP_KEY_NAME: &str = "maruhi.rfc3161";

/// The identifier after the `0xff` signature type byte.
pub const TIMESTAMP_TYPE_ID: &[u8] = b"maruhi/rfc3161-timestamp-token/v1";

/// Key ID of time-stamp signature lines.
pub fn timestamp_key_id() -> u32 {
    key_id(TIMESTAMP_KEY_NAME, 0xff, TIMESTAMP_TYPE_ID)
}

/// Adds `token` (an RFC 3161 `TimeStampToken`, DER) to `note` as a
/// time-stamp signature line.
///
/// # Errors
///
/// When the note already holds the maximum number of signatures.
pub fn add_timestamp(note: &mut Note, token: Vec<u8>) -> Result<(), NoteError> {
    note.add_signature(NoteSignature::new(TIMESTAMP_KEY_NAME, timestamp_key_id(), token)?)
}

/// The time-stamp tokens a note carries, in order.
pub fn timestamps(note: &Note) -> impl Iterator<Item = &[u8]> {
    let id = timestamp_key_id();
    note.signatures().iter().filter(move |s| s.name() == TIMESTAMP_KEY_NAME && s.key_id() == id).map(|s| s.signature())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::{Ed25519Signer, Verifier};

    #[test]
    fn a_token_rides_along_and_is_ignored_by_note_verifiers() {
        let signer = Ed25519Signer::from_seed("example.com/log", &[5u8; 32]).unwrap_or_else(|e| unreachable!("{e}"));
        let mut note = Note::new("example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
            .unwrap_or_else(|e| unreachable!("{e}"));
        note.sign(&signer).unwrap_or_else(|e| unreachable!("{e}"));
        let token = vec![0x30, 0x82, 1, 2, 3, 0xff, 0];
        add_timestamp(&mut note, token.clone()).unwrap_or_else(|e| unreachable!("{e}"));

        let parsed = Note::parse(&note.to_bytes()).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(timestamps(&parsed).collect::<Vec<_>>(), vec![token.as_slice()]);
        let verifier = signer.verifier();
        let verified = parsed.verify(&[&verifier as &dyn Verifier]).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(verified.len(), 1, "only the log's signature is checked");
        assert_eq!(parsed.signatures().len(), 2);
    }
}
