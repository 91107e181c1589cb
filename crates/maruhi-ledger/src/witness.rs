//! The witness side of C2SP tlog-witness `add-checkpoint`, as a pure
//! function: the HTTP server feeds it the request body, the witness's record
//! of the log and the time, and persists the new record before answering.
//!
//! Status codes follow the spec exactly: 400 malformed or old size above the
//! checkpoint, 403 no trusted signature or a bad one, 404 unknown origin,
//! 409 old size differs from the recorded one (body: the recorded size),
//! 422 the consistency proof or the empty-tree rule fails.

use crate::checkpoint::Checkpoint;
use crate::cosignature::Cosigner;
use crate::hash::{empty_root, Hash};
use crate::note::{Note, Verifier};
use crate::tree::verify_consistency;

/// Most proof lines a request may carry (C2SP tlog-witness).
pub const MAX_PROOF_LINES: usize = 63;

/// A refusal, with the HTTP status the spec prescribes and a short reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {reason}")]
pub struct Refusal {
    /// HTTP status code.
    pub status: u16,
    /// For 409, the recorded size to return as `text/x.tlog.size`.
    pub recorded_size: Option<u64>,
    /// Why, for logs.
    pub reason: &'static str,
}

fn refuse(status: u16, reason: &'static str) -> Refusal {
    Refusal { status, recorded_size: None, reason }
}

/// A parsed `add-checkpoint` request.
#[derive(Debug, Clone)]
pub struct AddCheckpoint {
    /// The old size line.
    pub old_size: u64,
    /// Consistency proof from the old size.
    pub proof: Vec<Hash>,
    /// The submitted checkpoint note.
    pub note: Note,
}

impl AddCheckpoint {
    /// Parses a request body; any malformation is a 400.
    pub fn parse(body: &[u8]) -> Result<Self, Refusal> {
        let text = std::str::from_utf8(body).map_err(|_| refuse(400, "body is not UTF-8"))?;
        let (head, note) = text.split_once("\n\n").ok_or_else(|| refuse(400, "no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines.next().and_then(|l| l.strip_prefix("old ")).ok_or_else(|| refuse(400, "no old size line"))?;
        if old.is_empty() || (old.len() > 1 && old.starts_with('0')) || !old.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse(400, "malformed old size"));
        }
        let old_size = old.parse().map_err(|_| refuse(400, "malformed old size"))?;
        let proof = lines
            .map(|l| Hash::from_base64(l).map_err(|_| refuse(400, "malformed proof line")))
            .collect::<Result<Vec<_>, _>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(refuse(400, "too many proof lines"));
        }
        let note = Note::parse(note.as_bytes()).map_err(|_| refuse(400, "malformed checkpoint note"))?;
        Ok(AddCheckpoint { old_size, proof, note })
    }

    /// The origin line of the checkpoint.
    pub fn origin(&self) -> &str {
        self.note.text().split('\n').next().unwrap_or("")
    }
}

/// What the witness records per log: the latest checkpoint it cosigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
}

/// Checks a request against the log's key and the witness's record. On
/// success returns the new record and the response body (cosignature lines).
pub fn add_checkpoint(
    req: &AddCheckpoint,
    log_key: &dyn Verifier,
    recorded: Option<Recorded>,
    cosigner: &Cosigner,
    timestamp: u64,
) -> Result<(Recorded, String), Refusal> {
    req.note.verify(&[log_key]).map_err(|_| refuse(403, "no valid signature from the log's key"))?;
    let checkpoint = Checkpoint::parse(req.note.text()).map_err(|_| refuse(400, "malformed checkpoint"))?;
    let size = checkpoint.size();
    let root = *checkpoint.root();
    if req.old_size > size {
        return Err(refuse(400, "old size is above the checkpoint size"));
    }
    let known = recorded.map(|r| r.size).unwrap_or(0);
    if req.old_size != known {
        return Err(Refusal {
            status: 409,
            recorded_size: Some(known),
            reason: "old size differs from the recorded one",
        });
    }
    if size == 0 && root != empty_root() {
        return Err(refuse(422, "a tree of size zero must have the empty root"));
    }
    match recorded {
        // The empty tree is consistent with any tree: no proof is needed.
        None => {
            if !req.proof.is_empty() {
                return Err(refuse(422, "proof given from the empty tree"));
            }
        }
        Some(r) if r.size == 0 => {
            if !req.proof.is_empty() {
                return Err(refuse(422, "proof given from the empty tree"));
            }
        }
        Some(r) if r.size == size => {
            if r.root != root {
                return Err(refuse(422, "same size, different root"));
            }
        }
        Some(r) => {
            verify_consistency(r.size, size, &req.proof, &r.root, &root)
                .map_err(|_| refuse(422, "the consistency proof does not verify"))?;
        }
    }
    let sig = cosigner.cosign(req.note.text(), timestamp).map_err(|_| refuse(500, "cosigning failed"))?;
    // `to_line` ends in the newline the spec requires.
    Ok((Recorded { size, root }, sig.to_line()))
}
