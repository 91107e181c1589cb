//! C2SP tlog-proof: a self-contained, offline-verifiable proof that an entry
//! is in a log, as a text file (`.tlog-proof`).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, unauthenticated)
//! index <decimal>
//! <base64 hash>             (zero or more: the inclusion path, leaf side first)
//!
//! <signed checkpoint, verbatim>
//! ```

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::checkpoint::{
    parse_decimal, verify_checkpoint_note, Checkpoint, CheckpointError, TrustPolicy, VerifiedCheckpoint,
};
use crate::hash::Hash;
use crate::note::{Note, NoteError, MAX_NOTE_SIZE};
use crate::tree::{verify_inclusion, ProofError, MAX_PROOF_LEN};

/// First line of every proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Largest extra data accepted, in bytes. The spec sets no bound; extra data
/// is unauthenticated context (a VRF proof, an artifact name), so 64 KiB is
/// ample and keeps hostile proofs small.
pub const MAX_EXTRA_SIZE: usize = 64 * 1024;

/// Largest proof accepted by [`TlogProof::parse`], in bytes.
pub const MAX_TLOG_PROOF_SIZE: usize = MAX_NOTE_SIZE + 2 * MAX_EXTRA_SIZE;

/// Why a tlog proof is malformed or does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlogProofError {
    /// The input is larger than [`MAX_TLOG_PROOF_SIZE`].
    #[error("proof is {len} bytes, more than the limit of {max}")]
    TooLarge {
        /// Input size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not valid UTF-8.
    #[error("proof is not valid UTF-8")]
    NotUtf8,
    /// The first line is not `c2sp.org/tlog-proof@v1`.
    #[error("proof does not start with {TLOG_PROOF_HEADER}")]
    BadHeader,
    /// The extra line is malformed or too large.
    #[error("malformed extra line")]
    BadExtra,
    /// The index line is missing or not canonical decimal.
    #[error("malformed index line")]
    BadIndex,
    /// An inclusion proof line is not base64 of 32 bytes.
    #[error("malformed inclusion proof hash on line {line}")]
    BadHash {
        /// One-based line number.
        line: usize,
    },
    /// More inclusion proof hashes than any tree needs.
    #[error("inclusion proof has more than {MAX_PROOF_LEN} hashes")]
    ProofTooLong,
    /// The empty line before the checkpoint is missing.
    #[error("proof ends before the checkpoint")]
    Truncated,
    /// The checkpoint is malformed or not trusted.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not bind the entry to the checkpoint.
    #[error(transparent)]
    Inclusion(#[from] ProofError),
}

impl From<NoteError> for TlogProofError {
    fn from(e: NoteError) -> Self {
        TlogProofError::Checkpoint(CheckpointError::Note(e))
    }
}

impl TlogProofError {
    /// Stable code for evidence packages and API problem details.
    pub const fn code(&self) -> &'static str {
        match self {
            TlogProofError::TooLarge { .. } => "MRH-LEDGER-060",
            TlogProofError::NotUtf8 => "MRH-LEDGER-061",
            TlogProofError::BadHeader => "MRH-LEDGER-062",
            TlogProofError::BadExtra => "MRH-LEDGER-063",
            TlogProofError::BadIndex => "MRH-LEDGER-064",
            TlogProofError::BadHash { .. } => "MRH-LEDGER-065",
            TlogProofError::ProofTooLong => "MRH-LEDGER-066",
            TlogProofError::Truncated => "MRH-LEDGER-067",
            TlogProofError::Checkpoint(e) => e.code(),
            TlogProofError::Inclusion(e) => e.code(),
        }
    }
}

/// A parsed tlog proof. Parsing checks syntax only; call
/// [`TlogProof::verify`] before relying on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    extra: Option<Vec<u8>>,
    index: u64,
    inclusion: Vec<Hash>,
    note: Note,
    checkpoint: Checkpoint,
}

impl TlogProof {
    /// Assembles a proof from a signed checkpoint note.
    pub fn new(extra: Option<Vec<u8>>, index: u64, inclusion: Vec<Hash>, note: Note) -> Result<Self, TlogProofError> {
        if extra.as_ref().is_some_and(|e| e.is_empty() || e.len() > MAX_EXTRA_SIZE) {
            return Err(TlogProofError::BadExtra);
        }
        if inclusion.len() > MAX_PROOF_LEN {
            return Err(TlogProofError::ProofTooLong);
        }
        let checkpoint = Checkpoint::parse(note.text())?;
        Ok(TlogProof { extra, index, inclusion, note, checkpoint })
    }

    /// Parses the text format (C2SP tlog-proof, "Format").
    pub fn parse(input: &[u8]) -> Result<Self, TlogProofError> {
        if input.len() > MAX_TLOG_PROOF_SIZE {
            return Err(TlogProofError::TooLarge { len: input.len(), max: MAX_TLOG_PROOF_SIZE });
        }
        let text = std::str::from_utf8(input).map_err(|_| TlogProofError::NotUtf8)?;
        let mut lines = Lines { rest: text, number: 0 };

        if lines.next().ok_or(TlogProofError::BadHeader)? != TLOG_PROOF_HEADER {
            return Err(TlogProofError::BadHeader);
        }
        let mut line = lines.next().ok_or(TlogProofError::BadIndex)?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            // An empty extra would be a second spelling of "no extra".
            if b64.is_empty() || b64.len() > MAX_EXTRA_SIZE.div_ceil(3) * 4 {
                return Err(TlogProofError::BadExtra);
            }
            extra = Some(STANDARD.decode(b64).map_err(|_| TlogProofError::BadExtra)?);
            line = lines.next().ok_or(TlogProofError::BadIndex)?;
        }
        let index = line.strip_prefix("index ").and_then(parse_decimal).ok_or(TlogProofError::BadIndex)?;
        let mut inclusion = Vec::new();
        loop {
            let line = lines.next().ok_or(TlogProofError::Truncated)?;
            if line.is_empty() {
                break;
            }
            if inclusion.len() == MAX_PROOF_LEN {
                return Err(TlogProofError::ProofTooLong);
            }
            let hash = Hash::from_base64(line).map_err(|_| TlogProofError::BadHash { line: lines.number })?;
            inclusion.push(hash);
        }
        // The rest is the checkpoint, verbatim.
        let note = Note::parse(lines.rest.as_bytes())?;
        Self::new(extra, index, inclusion, note)
    }

    /// Opaque, unauthenticated extra data.
    pub fn extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// Index of the entry in the log.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The inclusion path, sibling of the leaf first.
    pub fn inclusion(&self) -> &[Hash] {
        &self.inclusion
    }

    /// The signed checkpoint note.
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// The checkpoint, unverified until [`TlogProof::verify`] succeeds.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The text encoding.
    pub fn to_text(&self) -> String {
        self.to_string()
    }

    /// Verifies the proof for an entry whose leaf hash the application has
    /// computed (step 1): the checkpoint's origin and log signature (step 2),
    /// the witness cosignatures against the policy (step 3) and the inclusion
    /// of the leaf in the checkpoint's tree (step 4) (C2SP tlog-proof,
    /// "Verifying a tlog proof").
    pub fn verify(&self, leaf: &Hash, policy: &TrustPolicy<'_>) -> Result<VerifiedCheckpoint, TlogProofError> {
        let verified = verify_checkpoint_note(self.note.clone(), policy)?;
        let cp = &verified.checkpoint;
        verify_inclusion(leaf, self.index, cp.size(), &self.inclusion, cp.root())?;
        Ok(verified)
    }
}

impl fmt::Display for TlogProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{TLOG_PROOF_HEADER}")?;
        if let Some(extra) = &self.extra {
            writeln!(f, "extra {}", STANDARD.encode(extra))?;
        }
        writeln!(f, "index {}", self.index)?;
        for h in &self.inclusion {
            writeln!(f, "{h}")?;
        }
        writeln!(f)?;
        fmt::Display::fmt(&self.note, f)
    }
}

/// Newline-terminated lines, leaving the unread rest available.
struct Lines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> Lines<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let (line, rest) = self.rest.split_once('\n')?;
        self.rest = rest;
        self.number += 1;
        Some(line)
    }
}
