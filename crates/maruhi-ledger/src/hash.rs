//! RFC 6962 / RFC 9162 Merkle tree hashing (RFC 9162 §2.1.1).
//!
//! The hash function is SHA-256, as C2SP tlog-tiles requires. Leaves and
//! interior nodes are domain-separated by a one-byte prefix so that a leaf can
//! never be confused with a node (a second-preimage defence).

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Size in bytes of a [`Hash`](struct@Hash).
pub const HASH_SIZE: usize = 32;

/// Prefix byte of a leaf hash input (RFC 9162 §2.1.1).
const LEAF_PREFIX: u8 = 0x00;
/// Prefix byte of an interior node hash input (RFC 9162 §2.1.1).
const NODE_PREFIX: u8 = 0x01;

/// A SHA-256 Merkle tree hash: a leaf hash, a node hash or a root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash([u8; HASH_SIZE]);

/// A byte string or text that is not a 32-byte hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashParseError {
    /// The input decoded to the wrong number of bytes.
    #[error("hash must be {HASH_SIZE} bytes, got {len}")]
    WrongLength {
        /// Number of bytes found.
        len: usize,
    },
    /// The input is not canonical standard base64 (RFC 4648 §4).
    #[error("hash is not valid base64")]
    Base64,
}

impl Hash {
    /// Wraps 32 raw bytes.
    pub const fn from_bytes(bytes: [u8; HASH_SIZE]) -> Self {
        Hash(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }

    /// Decodes standard base64 (RFC 4648 §4), the encoding every C2SP text
    /// format uses for hashes.
    pub fn from_base64(text: &str) -> Result<Self, HashParseError> {
        // A 32-byte value is always 44 base64 characters; checking first keeps
        // decoding of hostile input bounded.
        if text.len() != 44 {
            return Err(HashParseError::Base64);
        }
        let bytes = STANDARD.decode(text).map_err(|_| HashParseError::Base64)?;
        Hash::try_from(bytes.as_slice())
    }

    /// Encodes as standard base64 with padding.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Lowercase hexadecimal, for logs and diagnostics.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }
}

impl TryFrom<&[u8]> for Hash {
    type Error = HashParseError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        <[u8; HASH_SIZE]>::try_from(bytes).map(Hash).map_err(|_| HashParseError::WrongLength { len: bytes.len() })
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(bytes: [u8; HASH_SIZE]) -> Self {
        Hash(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    /// Displays as base64, the form hashes take in checkpoints and proofs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// Hash of a log entry: `SHA-256(0x00 || entry)` (RFC 9162 §2.1.1).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(entry);
    Hash(h.finalize().into())
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)` (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// Root of the empty tree: the SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// Merkle Tree Hash (MTH) of a list of leaf hashes (RFC 9162 §2.1.1).
///
/// Runs in O(n) time and O(log n) memory: it keeps one pending hash per
/// level, like a binary counter, and folds the pending perfect subtrees from
/// right to left at the end, which is exactly how MTH splits at the largest
/// power of two below n.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return empty_root();
    }
    // stack[i] holds a perfect subtree; sizes strictly decrease towards the top.
    let mut stack: Vec<(u32, Hash)> = Vec::with_capacity(64);
    for leaf in leaves {
        let mut level = 0u32;
        let mut hash = *leaf;
        while let Some(&(top_level, top)) = stack.last() {
            if top_level != level {
                break;
            }
            stack.pop();
            hash = node_hash(&top, &hash);
            level += 1;
        }
        stack.push((level, hash));
    }
    fold_right(stack.iter().map(|&(_, h)| h))
}

/// Folds perfect subtree hashes listed left to right into the hash of their
/// concatenation: `H(a, H(b, H(c, d)))`, the shape MTH gives a range whose
/// size is a sum of decreasing powers of two.
pub(crate) fn fold_right<I>(hashes: I) -> Hash
where
    I: DoubleEndedIterator<Item = Hash>,
{
    let mut iter = hashes.rev();
    let Some(mut acc) = iter.next() else {
        return empty_root();
    };
    for left in iter {
        acc = node_hash(&left, &acc);
    }
    acc
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(empty_root().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        // RFC 6962 test vector: the leaf hash of the empty entry.
        assert_eq!(leaf_hash(b"").to_hex(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        let a = leaf_hash(b"a");
        let mut joined = Vec::new();
        joined.extend_from_slice(a.as_bytes());
        joined.extend_from_slice(a.as_bytes());
        assert_ne!(node_hash(&a, &a), leaf_hash(&joined));
    }

    #[test]
    fn base64_round_trip_and_rejects() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert_eq!(Hash::from_base64("AAAA"), Err(HashParseError::Base64));
        assert!(Hash::from_base64(&"!".repeat(44)).is_err());
        assert_eq!(Hash::try_from(&[0u8; 31][..]), Err(HashParseError::WrongLength { len: 31 }));
    }

    #[test]
    fn root_matches_recursive_definition() {
        fn mth(leaves: &[Hash]) -> Hash {
            match leaves.len() {
                0 => empty_root(),
                1 => leaves[0],
                n => {
                    // The largest power of two strictly below n.
                    let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                    node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
                }
            }
        }
        let leaves: Vec<Hash> = (0u32..40).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        for n in 0..=leaves.len() {
            assert_eq!(root_from_leaf_hashes(&leaves[..n]), mth(&leaves[..n]), "n={n}");
        }
    }
}
