//! C2SP signed-note: text signed by one or more keys.
//!
//! A note is a UTF-8 text ending in a newline, a blank line, and one or more
//! signature lines `— <key name> base64(key ID || signature)`. The text must
//! be ignored unless a trusted key's signature over it verifies
//! (C2SP signed-note, "Signatures").
//!
//! This module implements the format, Ed25519 keys (signature type `0x01`),
//! verifier key strings (`name+hexid+base64`) and the private key strings
//! used by the Go reference implementation (`PRIVATE+KEY+name+hexid+base64`).
//! Timestamped cosignatures (type `0x04`) live in [`crate::cosignature`].

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::hash::to_hex;

/// Largest note accepted by [`Note::parse`], in bytes.
///
/// C2SP signed-note asks verifiers to bound a note's size and to accept at
/// least 16 signatures of up to nearly 5 kB (post-quantum); 1 MiB leaves room
/// for [`MAX_SIGNATURES`] of those.
pub const MAX_NOTE_SIZE: usize = 1 << 20;

/// Most signature lines accepted in one note (the spec's floor is 16; the Go
/// reference implementation stops at 100).
pub const MAX_SIGNATURES: usize = 100;

/// Signature type byte of plain Ed25519 note signatures (C2SP signed-note).
pub const ALG_ED25519: u8 = 0x01;

/// Prefix of every signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Prefix of a private key string, as in golang.org/x/mod/sumdb/note.
const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Why a note is malformed, unsigned or badly signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is larger than [`MAX_NOTE_SIZE`].
    #[error("note is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Size of the input.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The note is not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// The note holds an ASCII control character other than newline.
    #[error("note contains a control character at byte {offset}")]
    ControlCharacter {
        /// Byte offset of the character.
        offset: usize,
    },
    /// The text is empty or does not end with a newline.
    #[error("note text must be non-empty and end with a newline")]
    BadText,
    /// No blank line followed by signature lines.
    #[error("note has no signature block")]
    MissingSignatures,
    /// A signature line is malformed.
    #[error("signature line {line} is malformed")]
    MalformedSignature {
        /// One-based line number within the signature block.
        line: usize,
    },
    /// More signature lines than [`MAX_SIGNATURES`].
    #[error("note has more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A key name is empty or contains a space or `+`.
    #[error("invalid key name")]
    InvalidKeyName,
    /// A signature by a known key failed to verify; the whole note is
    /// rejected, as C2SP signed-note recommends.
    #[error("signature by known key {name} ({key_id:08x}) does not verify")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// No signature by a known key.
    #[error("note has no verifiable signature from a known key")]
    NoKnownSignature,
    /// A signer refused to sign (for example a timestamp out of range).
    #[error("signing failed: {reason}")]
    SignFailed {
        /// Why.
        reason: &'static str,
    },
}

impl NoteError {
    /// Stable code for evidence packages and API problem details.
    pub const fn code(&self) -> &'static str {
        match self {
            NoteError::TooLarge { .. } => "MRH-LEDGER-020",
            NoteError::NotUtf8 => "MRH-LEDGER-021",
            NoteError::ControlCharacter { .. } => "MRH-LEDGER-022",
            NoteError::BadText => "MRH-LEDGER-023",
            NoteError::MissingSignatures => "MRH-LEDGER-024",
            NoteError::MalformedSignature { .. } => "MRH-LEDGER-025",
            NoteError::TooManySignatures { .. } => "MRH-LEDGER-026",
            NoteError::InvalidKeyName => "MRH-LEDGER-027",
            NoteError::BadSignature { .. } => "MRH-LEDGER-028",
            NoteError::NoKnownSignature => "MRH-LEDGER-029",
            NoteError::SignFailed { .. } => "MRH-LEDGER-030",
        }
    }
}

/// Why a key string could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The string does not have the `name+hexid+base64` shape.
    #[error("malformed key string")]
    Malformed,
    /// A key name is empty or contains a space or `+`.
    #[error("invalid key name")]
    InvalidName,
    /// The key ID in the string is not the one the key yields.
    #[error("key ID {found:08x} does not match the key (expected {expected:08x})")]
    KeyIdMismatch {
        /// ID in the string.
        found: u32,
        /// ID computed from name, type and key.
        expected: u32,
    },
    /// A signature type this crate does not implement.
    #[error("unsupported signature type 0x{0:02x}")]
    UnsupportedType(u8),
    /// The key bytes are not a valid key of their type.
    #[error("invalid public key")]
    InvalidKey,
}

/// Checks a key name: non-empty, no Unicode space, no `+` (C2SP signed-note).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '+')
}

/// Key ID = `SHA-256(key name || 0x0A || signature type || public key)[:4]`,
/// read big-endian (C2SP signed-note, "Signatures").
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A key that can check signatures on notes.
pub trait Verifier {
    /// Key name.
    fn name(&self) -> &str;
    /// Key ID.
    fn key_id(&self) -> u32;
    /// Whether `signature` (the bytes after the key ID) is valid over `text`.
    fn verify(&self, text: &[u8], signature: &[u8]) -> bool;
}

/// A key that can sign notes.
pub trait Signer {
    /// Key name.
    fn name(&self) -> &str;
    /// Key ID.
    fn key_id(&self) -> u32;
    /// Signs the note text; the result is the bytes after the key ID.
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError>;
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    name: String,
    key_id: u32,
    signature: Vec<u8>,
}

impl NoteSignature {
    /// A signature by key `(name, key_id)`; `signature` excludes the key ID.
    pub fn new(name: &str, key_id: u32, signature: Vec<u8>) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        Ok(NoteSignature { name: name.to_owned(), key_id, signature })
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Signature bytes, without the key ID.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The signature line, including its final newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, STANDARD.encode(raw))
    }

    fn parse_line(line: &str, number: usize) -> Result<Self, NoteError> {
        let bad = NoteError::MalformedSignature { line: number };
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(bad.clone())?;
        let (name, b64) = rest.split_once(' ').ok_or(bad.clone())?;
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let raw = STANDARD.decode(b64).map_err(|_| bad.clone())?;
        // Four bytes of key ID and at least one byte of signature.
        if raw.len() < 5 {
            return Err(bad);
        }
        let (id, sig) = raw.split_at(4);
        let key_id = u32::from_be_bytes([id[0], id[1], id[2], id[3]]);
        Ok(NoteSignature { name: name.to_owned(), key_id, signature: sig.to_vec() })
    }
}

/// A note: its text and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Checks the rules every part of a note obeys: bounded size, no control
/// characters but newline (C2SP signed-note, "Format"). UTF-8 is guaranteed
/// by `&str`.
fn check_chars(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(NoteError::TooLarge { len: text.len(), max: MAX_NOTE_SIZE });
    }
    match text.bytes().position(|b| b < 0x20 && b != b'\n') {
        Some(offset) => Err(NoteError::ControlCharacter { offset }),
        None => Ok(()),
    }
}

impl Note {
    /// An unsigned note with `text`, which must end with a newline.
    pub fn new(text: &str) -> Result<Self, NoteError> {
        check_chars(text)?;
        if !text.ends_with('\n') {
            return Err(NoteError::BadText);
        }
        Ok(Note { text: text.to_owned(), signatures: Vec::new() })
    }

    /// Parses a signed note, checking its syntax only: call
    /// [`Note::verify`] before trusting the text.
    pub fn parse(msg: &[u8]) -> Result<Self, NoteError> {
        if msg.len() > MAX_NOTE_SIZE {
            return Err(NoteError::TooLarge { len: msg.len(), max: MAX_NOTE_SIZE });
        }
        let msg = std::str::from_utf8(msg).map_err(|_| NoteError::NotUtf8)?;
        check_chars(msg)?;
        // The text ends at the last blank line (C2SP signed-note, "Format").
        let split = msg.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
        let (text, sigs) = (&msg[..=split], &msg[split + 2..]);
        if sigs.is_empty() || !sigs.ends_with('\n') {
            return Err(NoteError::MissingSignatures);
        }
        let mut signatures = Vec::new();
        for (i, line) in sigs.split_terminator('\n').enumerate() {
            if i == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
            }
            signatures.push(NoteSignature::parse_line(line, i + 1)?);
        }
        Ok(Note { text: text.to_owned(), signatures })
    }

    /// The note text, with its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line.
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with `signer` and adds the signature.
    pub fn sign(&mut self, signer: &dyn Signer) -> Result<(), NoteError> {
        let sig = signer.sign(self.text.as_bytes())?;
        let sig = NoteSignature::new(signer.name(), signer.key_id(), sig)?;
        self.add_signature(sig)
    }

    /// Verifies the note against a set of trusted keys and returns the
    /// signatures that verified, one per key.
    ///
    /// Signatures whose (name, key ID) match no verifier are ignored; a
    /// signature from a known key that fails rejects the whole note; at least
    /// one known signature must verify (C2SP signed-note, "Signatures").
    pub fn verify(&self, verifiers: &[&dyn Verifier]) -> Result<Vec<&NoteSignature>, NoteError> {
        let mut verified: Vec<&NoteSignature> = Vec::new();
        for sig in &self.signatures {
            let Some(v) = verifiers.iter().find(|v| v.name() == sig.name && v.key_id() == sig.key_id) else {
                continue;
            };
            if !v.verify(self.text.as_bytes(), &sig.signature) {
                return Err(NoteError::BadSignature { name: sig.name.clone(), key_id: sig.key_id });
            }
            if !verified.iter().any(|s| s.name == sig.name && s.key_id == sig.key_id) {
                verified.push(sig);
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(verified)
    }

    /// The signed note as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Note {
    /// Writes the text, the blank line and the signature lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for s in &self.signatures {
            f.write_str(&s.to_line())?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Key strings
// ---------------------------------------------------------------------------

/// The parts of a verifier key string `<name>+<hex id>+<base64(type || key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// Key name.
    pub name: String,
    /// Key ID as written.
    pub key_id: u32,
    /// Signature type byte.
    pub alg: u8,
    /// Public key material.
    pub key: Vec<u8>,
}

impl VerifierKey {
    /// Splits a verifier key string. The key ID is not checked here because
    /// its derivation depends on the type; typed constructors check it.
    pub fn parse(vkey: &str) -> Result<Self, KeyError> {
        let (name, id, b64) = split_key_parts(vkey)?;
        let raw = STANDARD.decode(b64).map_err(|_| KeyError::Malformed)?;
        let (&alg, key) = raw.split_first().ok_or(KeyError::Malformed)?;
        Ok(VerifierKey { name: name.to_owned(), key_id: id, alg, key: key.to_vec() })
    }

    /// Encodes the key string.
    pub fn encode(&self) -> String {
        let mut raw = Vec::with_capacity(1 + self.key.len());
        raw.push(self.alg);
        raw.extend_from_slice(&self.key);
        format!("{}+{:08x}+{}", self.name, self.key_id, STANDARD.encode(raw))
    }
}

/// Splits `name+hexid+rest`; `rest` may hold `+`, which is in the base64
/// alphabet, so only the first two separators count.
fn split_key_parts(s: &str) -> Result<(&str, u32, &str), KeyError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(KeyError::Malformed);
    };
    if !is_valid_key_name(name) {
        return Err(KeyError::InvalidName);
    }
    // Fixed-length lowercase hex (C2SP signed-note, "Conventions").
    if hex.len() != 8 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(KeyError::Malformed);
    }
    let id = u32::from_str_radix(hex, 16).map_err(|_| KeyError::Malformed)?;
    Ok((name, id, b64))
}

/// Parses a private key string `PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>`
/// into its name, type and 32-byte Ed25519 seed, checking the key ID.
pub(crate) fn parse_private_key(s: &str, expected_alg: u8) -> Result<(String, SigningKey), KeyError> {
    let rest = s.strip_prefix(PRIVATE_KEY_PREFIX).ok_or(KeyError::Malformed)?;
    let (name, id, b64) = split_key_parts(rest)?;
    let raw = STANDARD.decode(b64).map_err(|_| KeyError::Malformed)?;
    let (&alg, seed) = raw.split_first().ok_or(KeyError::Malformed)?;
    if alg != expected_alg {
        return Err(KeyError::UnsupportedType(alg));
    }
    let seed: [u8; 32] = seed.try_into().map_err(|_| KeyError::InvalidKey)?;
    let key = SigningKey::from_bytes(&seed);
    let expected = key_id(name, alg, key.verifying_key().as_bytes());
    if id != expected {
        return Err(KeyError::KeyIdMismatch { found: id, expected });
    }
    Ok((name.to_owned(), key))
}

pub(crate) fn encode_private_key(name: &str, alg: u8, key: &SigningKey) -> String {
    let id = key_id(name, alg, key.verifying_key().as_bytes());
    let mut raw = Vec::with_capacity(33);
    raw.push(alg);
    raw.extend_from_slice(key.as_bytes());
    format!("{PRIVATE_KEY_PREFIX}{name}+{id:08x}+{}", STANDARD.encode(raw))
}

pub(crate) fn ed25519_public_key(key: &[u8]) -> Result<VerifyingKey, KeyError> {
    let key: [u8; 32] = key.try_into().map_err(|_| KeyError::InvalidKey)?;
    VerifyingKey::from_bytes(&key).map_err(|_| KeyError::InvalidKey)
}

pub(crate) fn ed25519_verify(key: &VerifyingKey, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
        return false;
    };
    // Strict verification rejects small-order keys and non-canonical
    // signatures that honest signers never produce.
    key.verify_strict(msg, &sig).is_ok()
}

/// Builds the verifier a key string describes: Ed25519 note keys (`0x01`)
/// and Ed25519 cosignature keys (`0x04`).
pub fn verifier_from_vkey(vkey: &str) -> Result<Box<dyn Verifier>, KeyError> {
    let parsed = VerifierKey::parse(vkey)?;
    match parsed.alg {
        ALG_ED25519 => Ok(Box::new(Ed25519Verifier::from_parts(&parsed)?)),
        crate::cosignature::ALG_COSIGNATURE_V1 => {
            Ok(Box::new(crate::cosignature::CosignatureVerifier::from_vkey(vkey)?))
        }
        other => Err(KeyError::UnsupportedType(other)),
    }
}

// ---------------------------------------------------------------------------
// Ed25519
// ---------------------------------------------------------------------------

/// An Ed25519 note verifier (signature type `0x01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ed25519Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl Ed25519Verifier {
    /// A verifier for `name` and a 32-byte public key.
    pub fn new(name: &str, public_key: &[u8]) -> Result<Self, KeyError> {
        if !is_valid_key_name(name) {
            return Err(KeyError::InvalidName);
        }
        let key = ed25519_public_key(public_key)?;
        Ok(Ed25519Verifier { name: name.to_owned(), key_id: key_id(name, ALG_ED25519, key.as_bytes()), key })
    }

    /// Parses a verifier key string of type `0x01`.
    pub fn from_vkey(vkey: &str) -> Result<Self, KeyError> {
        Self::from_parts(&VerifierKey::parse(vkey)?)
    }

    fn from_parts(parts: &VerifierKey) -> Result<Self, KeyError> {
        if parts.alg != ALG_ED25519 {
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
            alg: ALG_ED25519,
            key: self.key.as_bytes().to_vec(),
        }
        .encode()
    }
}

impl Verifier for Ed25519Verifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        ed25519_verify(&self.key, text, signature)
    }
}

/// An Ed25519 note signer (signature type `0x01`).
///
/// Name, key ID and signing key of an Ed25519-based key of algorithm `alg`
/// (log keys and witness keys differ only in that byte).
pub(crate) fn keypair_from_seed(name: &str, alg: u8, seed: &[u8; 32]) -> Result<(String, u32, SigningKey), KeyError> {
    if !is_valid_key_name(name) {
        return Err(KeyError::InvalidName);
    }
    let key = SigningKey::from_bytes(seed);
    Ok((name.to_owned(), key_id(name, alg, key.verifying_key().as_bytes()), key))
}

/// The same from a `PRIVATE+KEY+…` string.
pub(crate) fn keypair_from_string(s: &str, alg: u8) -> Result<(String, u32, SigningKey), KeyError> {
    let (name, key) = parse_private_key(s, alg)?;
    let id = key_id(&name, alg, key.verifying_key().as_bytes());
    Ok((name, id, key))
}

/// The crate has no source of randomness: callers generate the 32-byte seed.
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct Ed25519Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Ed25519Signer {
    /// A signer for `name` from a 32-byte secret seed (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, KeyError> {
        let (name, key_id, key) = keypair_from_seed(name, ALG_ED25519, seed)?;
        Ok(Ed25519Signer { name, key_id, key })
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`.
    pub fn from_key_string(s: &str) -> Result<Self, KeyError> {
        let (name, key_id, key) = keypair_from_string(s, ALG_ED25519)?;
        Ok(Ed25519Signer { name, key_id, key })
    }

    /// The private key string. It is a secret: keep it out of logs.
    pub fn key_string(&self) -> String {
        encode_private_key(&self.name, ALG_ED25519, &self.key)
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier { name: self.name.clone(), key_id: self.key_id, key: self.key.verifying_key() }
    }
}

impl fmt::Debug for Ed25519Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Signer for Ed25519Signer {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, NoteError> {
        Ok(self.key.sign(text).to_bytes().to_vec())
    }
}

/// Hex form of a key ID, as written in key strings.
pub fn key_id_hex(id: u32) -> String {
    to_hex(&id.to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_malformed_notes() {
        let cases: &[(&[u8], NoteError)] = &[
            (b"no blank line\n", NoteError::MissingSignatures),
            (b"text\n\n", NoteError::MissingSignatures),
            (b"text\n\n\xe2\x80\x94 a AAAAAAA=", NoteError::MissingSignatures),
            (b"text\n\n- a AAAAAAA=\n", NoteError::MalformedSignature { line: 1 }),
            (b"te\txt\n\n\xe2\x80\x94 a AAAAAAA=\n", NoteError::ControlCharacter { offset: 2 }),
            (b"text\r\n\n\xe2\x80\x94 a AAAAAAA=\n", NoteError::ControlCharacter { offset: 4 }),
            (b"\xff\n\n\xe2\x80\x94 a AAAAAAA=\n", NoteError::NotUtf8),
            (b"text\n\n\xe2\x80\x94 a+b AAAAAAA=\n", NoteError::InvalidKeyName),
            // Four bytes is a key ID with no signature.
            (b"text\n\n\xe2\x80\x94 a AAAAAA==\n", NoteError::MalformedSignature { line: 1 }),
            (b"text\n\n\xe2\x80\x94 a AAAA AAA=\n", NoteError::MalformedSignature { line: 1 }),
        ];
        for (input, want) in cases {
            assert_eq!(Note::parse(input).as_ref().err(), Some(want), "{input:?}");
        }
    }

    #[test]
    fn signature_limit_is_enforced() {
        let mut msg = String::from("text\n\n");
        for _ in 0..MAX_SIGNATURES {
            msg.push_str("\u{2014} a AAAAAAA=\n");
        }
        assert_eq!(Note::parse(msg.as_bytes()).map(|n| n.signatures().len()), Ok(MAX_SIGNATURES));
        msg.push_str("\u{2014} a AAAAAAA=\n");
        assert_eq!(Note::parse(msg.as_bytes()), Err(NoteError::TooManySignatures { max: MAX_SIGNATURES }));
    }

    #[test]
    fn signer_debug_is_redacted() {
        let s = Ed25519Signer::from_seed("example.com/k", &[7; 32]);
        let shown = format!("{s:?}");
        assert!(shown.contains("<redacted>"));
        let key = s.map(|s| s.key_string()).unwrap_or_default();
        assert!(!shown.contains(&key));
    }

    #[test]
    fn hex_ids_must_be_lowercase_fixed_width() {
        assert_eq!(split_key_parts("a+530D903A+AA").err(), Some(KeyError::Malformed));
        assert_eq!(split_key_parts("a++30d903a+AA").err(), Some(KeyError::Malformed));
        assert_eq!(split_key_parts("a+530d903+AA").err(), Some(KeyError::Malformed));
        assert_eq!(split_key_parts("a+530d903a+A+A").ok(), Some(("a", 0x530d903a, "A+A")));
    }
}
