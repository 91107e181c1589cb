//! The core of maruhi's evidence ledger: an append-only, verifiable record of
//! what happened to protected trade secrets.
//!
//! Every ledger entry becomes a leaf of an RFC 6962 / RFC 9162 Merkle tree.
//! The log publishes signed checkpoints of the tree (C2SP tlog-checkpoint),
//! witnesses cosign them (C2SP tlog-cosignature), and anyone holding an
//! entry and its offline proof (C2SP tlog-proof) can check that the entry is
//! in the log the witnesses saw, without trusting maruhi's server. The layout
//! of stored hashes follows C2SP tlog-tiles, so a database-backed or static
//! log can serve any proof with O(log n) reads.
//!
//! The crate is pure: no I/O, no clock (timestamps are parameters), no
//! randomness (key seeds are parameters), no `unsafe`. Parsers of untrusted
//! input return typed errors and never panic.
//!
//! # Main types
//!
//! - [`hash`]: [`Hash`](struct@Hash), [`leaf_hash`], [`node_hash`], [`root_from_leaf_hashes`].
//! - [`tree`]: proof verification ([`verify_inclusion`],
//!   [`verify_consistency`]), proof generation from stored nodes
//!   ([`tree::HashReader`], [`tree::HashPlan`]) and [`MemoryTree`].
//! - [`note`]: C2SP signed notes ([`Note`]), Ed25519 keys
//!   ([`note::Ed25519Signer`], [`note::Ed25519Verifier`]) and key strings.
//! - [`checkpoint`]: [`Checkpoint`], [`checkpoint::TrustPolicy`] and
//!   [`checkpoint::open_checkpoint`].
//! - [`tile`]: tile paths ([`tile::TileId`]), hash tiles, entry bundles and a
//!   [`tree::HashReader`] over tiles.
//! - [`cosignature`]: witness cosignatures ([`cosignature::Cosigner`],
//!   [`cosignature::CosignatureVerifier`]).
//! - [`proof`]: the `c2sp.org/tlog-proof@v1` format ([`TlogProof`]).
//!
//! # Example
//!
//! ```
//! use maruhi_ledger::checkpoint::TrustPolicy;
//! use maruhi_ledger::cosignature::Cosigner;
//! use maruhi_ledger::note::{Ed25519Signer, Signer, Verifier};
//! use maruhi_ledger::{leaf_hash, Checkpoint, MemoryTree, TlogProof};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The log appends entries and signs a checkpoint of its tree.
//! let mut tree = MemoryTree::new();
//! for entry in [&b"file copied to USB"[..], b"share opened", b"mail sent"] {
//!     tree.push_entry(entry);
//! }
//! let log = Ed25519Signer::from_seed("ledger.example/log", &[1; 32])?;
//! let witness = Cosigner::from_seed("witness.example/w1", &[2; 32])?;
//! let checkpoint = Checkpoint::new("ledger.example/log", tree.size(), tree.root())?;
//! let note = checkpoint.sign(&[&log as &dyn Signer, &witness.at(1_700_000_000)])?;
//!
//! // It hands out an offline proof for entry 1.
//! let proof = TlogProof::new(None, 1, tree.inclusion_proof(1, tree.size())?, note)?;
//! let text = proof.to_text();
//!
//! // Anyone with the log and witness keys can check it.
//! let (log_key, witness_key) = (log.verifier(), witness.verifier());
//! let policy = TrustPolicy {
//!     origin: "ledger.example/log",
//!     log_key: &log_key,
//!     witnesses: &[&witness_key as &dyn Verifier],
//!     witness_threshold: 1,
//! };
//! let verified = TlogProof::parse(text.as_bytes())?.verify(&leaf_hash(b"share opened"), &policy)?;
//! assert_eq!(verified.checkpoint.size(), 3);
//! assert!(TlogProof::parse(text.as_bytes())?.verify(&leaf_hash(b"forged"), &policy).is_err());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod cosignature;
pub mod hash;
pub mod note;
pub mod proof;
pub mod tile;
pub mod timestamp;
pub mod tree;
pub mod witness;

pub use checkpoint::Checkpoint;
pub use hash::{empty_root, leaf_hash, node_hash, root_from_leaf_hashes, Hash};
pub use note::Note;
pub use proof::TlogProof;
pub use tree::{verify_consistency, verify_inclusion, MemoryTree, ProofError};
