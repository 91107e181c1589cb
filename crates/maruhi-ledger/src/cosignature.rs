//! C2SP tlog-cosignature: timestamped Ed25519 cosignatures (`cosignature/v1`).
//!
//! A witness that has checked a checkpoint is consistent with everything it
//! saw before adds a note signature over
//!
//! ```text
//! cosignature/v1
//! time <POSIX seconds>
//! <checkpoint note text>
//! ```
//!
//! The signature line carries `timestamp (u64, big-endian) || Ed25519
//! signature`, and its key ID uses signature type `0x04` (C2SP
//! tlog-cosignature, "Format" and "Ed25519 signed message"). Time is a
//! parameter: the crate never reads a clock.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use crate::note::{
    ed25519_public_key, ed25519_verify, encode_private_key, is_valid_key_name, key_id, keypair_from_seed,
    keypair_from_string, KeyError, NoteError, NoteSignature, Signer, Verifier, VerifierKey,
};

/// Signature type byte of timestamped Ed25519 cosignatures.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Length of a `timestamped_signature` for Ed25519: 8 + 64 bytes.
pub const COSIGNATURE_LEN: usize = 72;

/// Timestamps above 2^63 − 1 are invalid (C2SP tlog-cosignature, "Format").
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// The message an Ed25519 cosigner signs: the header line, the time line and
/// the checkpoint note text (C2SP tlog-cosignature, "Ed25519 signed message").
pub fn cosigned_message(checkpoint_text: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint_text}").into_bytes()
}

/// The timestamp of a cosignature (the signature bytes after the key ID), if
/// it has the Ed25519 cosignature shape.
pub fn cosignature_timestamp(signature: &[u8]) -> Option<u64> {
    if signature.len() != COSIGNATURE_LEN {
        return None;
    }
    let ts: [u8; 8] = signature.get(..8)?.try_into().ok()?;
    Some(u64::from_be_bytes(ts))
}

/// A verified cosignature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    /// Cosigner name.
    pub name: String,
    /// Key ID.
    pub key_id: u32,
    /// When the witness signed, in POSIX seconds.
    pub timestamp: u64,
}

/// Verifies Ed25519 cosignatures of one witness key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// A verifier for cosigner `name` and its 32-byte Ed25519 public key.
    pub fn new(name: &str, public_key: &[u8]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let key = ed25519_public_key(public_key)?;
        Ok(CosignatureVerifier { name: name.to_owned(), key_id: key_id(name, ALG_COSIGNATURE_V1, key.as_bytes()), key })
    }

    /// Parses a verifier key string with signature type `0x04`.
    pub fn from_vkey(vkey: &str) -> Result<Self, KeyError> {
        let parts = VerifierKey::parse(vkey)?;
        if parts.alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::UnsupportedType(parts.alg));
        }
        let v = Self::new(&parts.name, &parts.key)?;
        if v.key_id != parts.key_id {
            return Err(KeyError::KeyIdMismatch { found: parts.key_id, expected: v.key_id });
        }
        Ok(v)
    }

    /// The verifier key string.
    pub fn vkey(&self) -> String {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            alg: ALG_COSIGNATURE_V1,
            key: self.key.as_bytes().to_vec(),
        }
        .encode()
    }

    /// Checks a cosignature (the bytes after the key ID) over a checkpoint
    /// note text and returns its timestamp.
    pub fn verify_cosignature(&self, checkpoint_text: &str, signature: &[u8]) -> Option<u64> {
        let timestamp = cosignature_timestamp(signature)?;
        if timestamp > MAX_TIMESTAMP {
            return None;
        }
        let sig = signature.get(8..)?;
        ed25519_verify(&self.key, &cosigned_message(checkpoint_text, timestamp), sig).then_some(timestamp)
    }

    /// Finds and checks this witness's cosignature in a signed checkpoint.
    /// `Ok(None)` means the witness did not cosign; a failing cosignature is
    /// an error.
    pub fn find_in(&self, note: &crate::note::Note) -> Result<Option<Cosignature>, NoteError> {
        for s in note.signatures() {
            if s.name() != self.name || s.key_id() != self.key_id {
                continue;
            }
            return match self.verify_cosignature(note.text(), s.signature()) {
                Some(timestamp) => Ok(Some(Cosignature { name: self.name.clone(), key_id: self.key_id, timestamp })),
                None => Err(NoteError::BadSignature { name: self.name.clone(), key_id: self.key_id }),
            };
        }
        Ok(None)
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        std::str::from_utf8(text).ok().and_then(|t| self.verify_cosignature(t, signature)).is_some()
    }
}

/// An Ed25519 witness key that produces `cosignature/v1` signatures.
#[derive(Clone)]
pub struct Cosigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Cosigner {
    /// A cosigner for `name` from a 32-byte secret seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        let (name, key_id, key) = keypair_from_seed(name, ALG_COSIGNATURE_V1, seed)?;
        Ok(Cosigner { name, key_id, key })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x04 || seed)>`.
    pub fn from_key_string(s: &str) -> Result<Self, KeyError> {
        let (name, key_id, key) = keypair_from_string(s, ALG_COSIGNATURE_V1)?;
        Ok(Cosigner { name, key_id, key })
    }

    /// The private key string. It is a secret: keep it out of logs.
    pub fn key_string(&self) -> String {
        encode_private_key(&self.name, ALG_COSIGNATURE_V1, &self.key)
    }

    /// The matching verifier.
    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier { name: self.name.clone(), key_id: self.key_id, key: self.key.verifying_key() }
    }

    /// Cosigns a checkpoint note text at `timestamp` (POSIX seconds).
    pub fn cosign(&self, checkpoint_text: &str, timestamp: u64) -> Result<NoteSignature, NoteError> {
        let sig = self.at(timestamp).sign(checkpoint_text.as_bytes())?;
        NoteSignature::new(&self.name, self.key_id, sig)
    }

    /// A [`Signer`] that cosigns at a fixed time, for [`crate::note::Note::sign`].
    pub fn at(&self, timestamp: u64) -> TimedCosigner<'_> {
        TimedCosigner { cosigner: self, timestamp }
    }
}

impl fmt::Debug for Cosigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A [`Cosigner`] bound to a timestamp.
#[derive(Debug, Clone, Copy)]
pub struct TimedCosigner<'a> {
    cosigner: &'a Cosigner,
    timestamp: u64,
}

impl Signer for TimedCosigner<'_> {
    fn name(&self) -> &str {
        &self.cosigner.name
    }

    fn key_id(&self) -> u32 {
        self.cosigner.key_id
    }

    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError> {
        if self.timestamp > MAX_TIMESTAMP {
            return Err(NoteError::SignFailed { reason: "cosignature timestamp exceeds 2^63 - 1" });
        }
        let text = std::str::from_utf8(text).map_err(|_| NoteError::NotUtf8)?;
        let msg = cosigned_message(text, self.timestamp);
        let mut out = Vec::with_capacity(COSIGNATURE_LEN);
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.cosigner.key.sign(&msg).to_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_matches_spec_example() {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        assert_eq!(
            cosigned_message(text, 1679315147),
            b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn spec_example_signature_shape() {
        // The cosignature line of the spec's example: 4-byte key ID, 8-byte
        // timestamp, 64-byte signature.
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD.decode(
            "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==",
        );
        let raw = raw.unwrap_or_default();
        assert_eq!(raw.len(), 4 + COSIGNATURE_LEN);
        assert_eq!(cosignature_timestamp(&raw[4..]), Some(1679315147));
    }
}
