//! C2SP tlog-checkpoint: the signed tree head of a transparency log.
//!
//! A checkpoint is a signed note whose text is the log's origin, the tree
//! size in decimal, the base64 root hash and optional extension lines, each
//! ending in a newline.

use std::fmt;

use crate::hash::Hash;
use crate::note::{Note, NoteError, NoteSignature, Signer, Verifier};

/// Why a checkpoint is malformed or not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note text has fewer than three lines or does not end in a newline.
    #[error("checkpoint text must have at least three newline-terminated lines")]
    TooFewLines,
    /// The origin line is empty.
    #[error("checkpoint origin is empty")]
    EmptyOrigin,
    /// The tree size is not a canonical decimal `u64`.
    #[error("checkpoint tree size is not a canonical decimal number")]
    BadSize,
    /// The root hash is not base64 of 32 bytes.
    #[error("checkpoint root hash is not base64 of 32 bytes")]
    BadRoot,
    /// An extension line is empty.
    #[error("checkpoint extension line {line} is empty")]
    EmptyExtension {
        /// One-based line number in the note text.
        line: usize,
    },
    /// A line holds a newline or another control character.
    #[error("checkpoint line contains a control character")]
    BadLine,
    /// The note layer failed: syntax or signatures.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint is for another log.
    #[error("checkpoint origin {found:?} is not the expected {expected:?}")]
    WrongOrigin {
        /// Origin in the checkpoint.
        found: String,
        /// Origin the caller trusts.
        expected: String,
    },
    /// The log's own key did not sign the checkpoint.
    #[error("checkpoint is not signed by the log key")]
    NotSignedByLog,
    /// Fewer witnesses cosigned than the policy requires.
    #[error("checkpoint has {got} verified cosignatures, policy needs {need}")]
    NotEnoughCosignatures {
        /// Verified cosignatures.
        got: usize,
        /// Required cosignatures.
        need: usize,
    },
}

impl CheckpointError {
    /// Stable code for evidence packages and API problem details.
    pub const fn code(&self) -> &'static str {
        match self {
            CheckpointError::TooFewLines => "MRH-LEDGER-040",
            CheckpointError::EmptyOrigin => "MRH-LEDGER-041",
            CheckpointError::BadSize => "MRH-LEDGER-042",
            CheckpointError::BadRoot => "MRH-LEDGER-043",
            CheckpointError::EmptyExtension { .. } => "MRH-LEDGER-044",
            CheckpointError::BadLine => "MRH-LEDGER-045",
            CheckpointError::Note(e) => e.code(),
            CheckpointError::WrongOrigin { .. } => "MRH-LEDGER-046",
            CheckpointError::NotSignedByLog => "MRH-LEDGER-047",
            CheckpointError::NotEnoughCosignatures { .. } => "MRH-LEDGER-048",
        }
    }
}

/// The note text of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        Self::with_extensions(origin, size, root, Vec::new())
    }

    /// A checkpoint with extension lines, which C2SP tlog-checkpoint does not
    /// recommend since monitors cannot audit them.
    pub fn with_extensions(
        origin: &str,
        size: u64,
        root: Hash,
        extensions: Vec<String>,
    ) -> Result<Self, CheckpointError> {
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if origin.contains('\n') {
            return Err(CheckpointError::BadLine);
        }
        for (i, e) in extensions.iter().enumerate() {
            if e.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: i + 4 });
            }
            if e.contains('\n') {
                return Err(CheckpointError::BadLine);
            }
        }
        let cp = Checkpoint { origin: origin.to_owned(), size, root, extensions };
        // The text must also be a valid note text (no control characters).
        Note::new(&cp.to_text())?;
        Ok(cp)
    }

    /// Parses a checkpoint note text (C2SP tlog-checkpoint, "Note text").
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        // The text is a note text: no control characters but newline
        // (C2SP signed-note, "Format"), even when parsed on its own.
        if text.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(CheckpointError::BadLine);
        }
        let body = text.strip_suffix('\n').ok_or(CheckpointError::TooFewLines)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_decimal(size).ok_or(CheckpointError::BadSize)?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::BadRoot)?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: i + 4 });
            }
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Root hash of the tree.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// Extension lines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text, each line ending in a newline.
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// Signs the checkpoint with each signer, producing the signed note.
    pub fn sign(&self, signers: &[&dyn Signer]) -> Result<Note, CheckpointError> {
        let mut note = Note::new(&self.to_text())?;
        for s in signers {
            note.sign(*s)?;
        }
        Ok(note)
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}\n{}\n", self.origin, self.size, self.root)?;
        for e in &self.extensions {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Parses ASCII decimal with no sign and no leading zeroes (except `0`).
pub(crate) fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// Which keys a client trusts for one log: the log's key for its origin and
/// the witnesses, of which at least `witness_threshold` must have cosigned
/// (C2SP tlog-proof, "Verifying a tlog proof", steps 2 and 3).
#[derive(Clone, Copy)]
pub struct TrustPolicy<'a> {
    /// The log's origin line.
    pub origin: &'a str,
    /// The log's signing key.
    pub log_key: &'a dyn Verifier,
    /// Known witness keys.
    pub witnesses: &'a [&'a dyn Verifier],
    /// Number of distinct witnesses whose cosignatures must verify.
    pub witness_threshold: usize,
}

impl fmt::Debug for TrustPolicy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustPolicy")
            .field("origin", &self.origin)
            .field("log_key", &self.log_key.name())
            .field("witnesses", &self.witnesses.len())
            .field("witness_threshold", &self.witness_threshold)
            .finish()
    }
}

/// A checkpoint whose log signature, and enough witness cosignatures, have
/// verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The whole signed note, as received.
    pub note: Note,
    /// Verified signatures by the policy's witness keys, one per key.
    pub witness_signatures: Vec<NoteSignature>,
}

/// Parses and verifies a signed checkpoint against a [`TrustPolicy`].
pub fn open_checkpoint(msg: &[u8], policy: &TrustPolicy<'_>) -> Result<VerifiedCheckpoint, CheckpointError> {
    verify_checkpoint_note(Note::parse(msg)?, policy)
}

/// Verifies an already parsed checkpoint note against a [`TrustPolicy`].
///
/// Signatures by other keys are ignored; a failing signature by any key of
/// the policy rejects the checkpoint (C2SP signed-note, "Signatures").
pub fn verify_checkpoint_note(note: Note, policy: &TrustPolicy<'_>) -> Result<VerifiedCheckpoint, CheckpointError> {
    let log_key = policy.log_key;
    let mut keys: Vec<&dyn Verifier> = Vec::with_capacity(policy.witnesses.len() + 1);
    keys.push(log_key);
    keys.extend_from_slice(policy.witnesses);
    let verified = note.verify(&keys)?;
    let is_log = |s: &NoteSignature| s.name() == log_key.name() && s.key_id() == log_key.key_id();
    if !verified.iter().any(|s| is_log(s)) {
        return Err(CheckpointError::NotSignedByLog);
    }
    let witness_signatures: Vec<NoteSignature> = verified.into_iter().filter(|s| !is_log(s)).cloned().collect();
    if witness_signatures.len() < policy.witness_threshold {
        return Err(CheckpointError::NotEnoughCosignatures {
            got: witness_signatures.len(),
            need: policy.witness_threshold,
        });
    }
    let checkpoint = Checkpoint::parse(note.text())?;
    if checkpoint.origin() != policy.origin {
        return Err(CheckpointError::WrongOrigin {
            found: checkpoint.origin().to_owned(),
            expected: policy.origin.to_owned(),
        });
    }
    Ok(VerifiedCheckpoint { checkpoint, note, witness_signatures })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn parses_and_formats_the_spec_example() {
        let cp = Checkpoint::parse(SPEC);
        assert_eq!(cp.as_ref().map(|c| c.size()), Ok(20852163));
        assert_eq!(cp.map(|c| c.to_text()).as_deref(), Ok(SPEC));
    }

    #[test]
    fn rejects_bad_texts() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let cases = [
            ("a\n1\n".to_owned(), CheckpointError::TooFewLines),
            (format!("a\n1\n{root}"), CheckpointError::TooFewLines),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (format!("a\n01\n{root}\n"), CheckpointError::BadSize),
            (format!("a\n+1\n{root}\n"), CheckpointError::BadSize),
            (format!("a\n18446744073709551616\n{root}\n"), CheckpointError::BadSize),
            ("a\n1\nAAAA\n".to_owned(), CheckpointError::BadRoot),
            (format!("a\n1\n{root}\n\n"), CheckpointError::EmptyExtension { line: 4 }),
            (format!("a\n1\n{root}\nx\n\ny\n"), CheckpointError::EmptyExtension { line: 5 }),
            (format!("a\r\n1\n{root}\n"), CheckpointError::BadLine),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
        }
        assert_eq!(Checkpoint::parse(&format!("a\n0\n{root}\next\n")).map(|c| c.extensions().len()), Ok(1));
    }
}
