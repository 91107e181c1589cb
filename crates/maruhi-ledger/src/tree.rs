//! Merkle tree proofs: generation from stored hashes and verification
//! (RFC 9162 §2.1.3 inclusion, §2.1.4 consistency).
//!
//! A log stores, for every *complete* perfect subtree, its hash under a
//! [`NodeId`] `(level, index)`: level 0 holds the leaf hashes, and node
//! `(l, i)` is the Merkle Tree Hash of leaves `[i·2^l, (i+1)·2^l)`. These
//! nodes never change once written, which is why tile-based logs (C2SP
//! tlog-tiles, Tessera, Sunlight) can serve them as immutable resources. Any
//! root, inclusion proof or consistency proof is a function of O(log n) of
//! them.
//!
//! Generation is split into a pure *plan* ([`HashPlan`]: which nodes to read)
//! and an *assembly* step, so a database- or network-backed store can fetch
//! all nodes of a proof in one batched, possibly asynchronous, read. The
//! [`HashReader`] trait and the [`root`], [`inclusion_proof`] and
//! [`consistency_proof`] helpers cover the synchronous case.

use crate::hash::{fold_right, node_hash, Hash, HashParseError};

/// Longest possible proof: a tree of at most 2^64 − 1 leaves has depth 64.
pub const MAX_PROOF_LEN: usize = 64;

/// Address of a stored node: the hash of leaves `[index·2^level, (index+1)·2^level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    level: u8,
    index: u64,
}

impl NodeId {
    /// The node at `level` (0 = leaves) and `index` within that level.
    pub const fn new(level: u8, index: u64) -> Self {
        NodeId { level, index }
    }

    /// The leaf hash of entry `index`.
    pub const fn leaf(index: u64) -> Self {
        NodeId { level: 0, index }
    }

    /// Height above the leaves.
    pub const fn level(&self) -> u8 {
        self.level
    }

    /// Position within the level, counting from the left.
    pub const fn index(&self) -> u64 {
        self.index
    }
}

/// Why a proof could not be verified or requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// A consistency proof was asked for from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    SizeOrder {
        /// Old tree size.
        old: u64,
        /// New tree size.
        new: u64,
    },
    /// A consistency proof from the empty tree proves nothing.
    #[error("consistency proof from the empty tree is meaningless")]
    EmptyOldTree,
    /// The proof has the wrong number of hashes for the tree sizes.
    #[error("proof has {got} hashes, expected {expected}")]
    WrongProofLength {
        /// Number of hashes the sizes require.
        expected: usize,
        /// Number of hashes given.
        got: usize,
    },
    /// The proof does not lead to the expected root.
    #[error("computed root does not match the expected root")]
    RootMismatch,
    /// A consistency proof does not reproduce the old root.
    #[error("consistency proof does not match the old root")]
    OldRootMismatch,
    /// A consistency proof does not reproduce the new root.
    #[error("consistency proof does not match the new root")]
    NewRootMismatch,
    /// A hash given as bytes is not 32 bytes long.
    #[error("malformed hash: {0}")]
    BadHash(#[from] HashParseError),
}

impl ProofError {
    /// Stable code for evidence packages and API problem details.
    pub const fn code(&self) -> &'static str {
        match self {
            ProofError::IndexOutOfRange { .. } => "MRH-LEDGER-001",
            ProofError::SizeOrder { .. } => "MRH-LEDGER-002",
            ProofError::EmptyOldTree => "MRH-LEDGER-003",
            ProofError::WrongProofLength { .. } => "MRH-LEDGER-004",
            ProofError::RootMismatch => "MRH-LEDGER-005",
            ProofError::OldRootMismatch => "MRH-LEDGER-006",
            ProofError::NewRootMismatch => "MRH-LEDGER-007",
            ProofError::BadHash(_) => "MRH-LEDGER-008",
        }
    }
}

// ---------------------------------------------------------------------------
// Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)
// ---------------------------------------------------------------------------

/// Number of hashes in the inclusion proof of `index` in a tree of `size`.
///
/// The path has one hash for each level where `index` and the last leaf
/// `size − 1` are in different subtrees (`inner`), plus one for each perfect
/// left sibling above the point where they meet (`border`).
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let inner = bit_len(index ^ (size - 1));
    let border = (index >> inner).count_ones();
    Ok((inner + border) as usize)
}

/// Number of hashes in the consistency proof from `old` to `new` leaves.
pub fn consistency_proof_len(old: u64, new: u64) -> Result<usize, ProofError> {
    check_consistency_sizes(old, new)?;
    if old == new {
        return Ok(0);
    }
    // The proof is the inclusion path of leaf old−1 in the new tree, minus the
    // levels inside the largest perfect subtree ending at old, plus that
    // subtree's own hash unless it is the whole old tree.
    let inner = bit_len((old - 1) ^ (new - 1));
    let border = ((old - 1) >> inner).count_ones();
    let shift = old.trailing_zeros();
    let seed = u32::from(!old.is_power_of_two());
    Ok((seed + inner - shift + border) as usize)
}

fn check_consistency_sizes(old: u64, new: u64) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    if old == 0 && new > 0 {
        // RFC 9162 §2.1.4.2 is defined for 0 < first < second only. The
        // transparency-dev vectors reject this case; a witness (C2SP
        // tlog-witness) accepts old size 0 with an empty proof by policy,
        // without calling this function.
        return Err(ProofError::EmptyOldTree);
    }
    Ok(())
}

fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// Recomputes the root from a leaf hash and its inclusion path, following
/// RFC 9162 §2.1.3.2 step by step.
pub fn root_from_inclusion_proof(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, ProofError> {
    let expected = inclusion_proof_len(index, size)?;
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength { expected, got: proof.len() });
    }
    // Step 2: fn = leaf_index, sn = tree_size − 1, r = hash.
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        // Step 3.1: a proof longer than the path is invalid. The length check
        // above already rules it out; the RFC test is kept as written.
        if s == 0 {
            return Err(ProofError::WrongProofLength { expected, got: proof.len() });
        }
        if f & 1 == 1 || f == s {
            // Step 3.2: p is a left sibling.
            r = node_hash(p, &r);
            if f & 1 == 0 {
                // We are the last node of a level with no right sibling:
                // climb until we are a right child again.
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            // Step 3.3: p is a right sibling.
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    // Step 4: the path must have reached the root.
    if s != 0 {
        return Err(ProofError::WrongProofLength { expected, got: proof.len() });
    }
    Ok(r)
}

/// Verifies that `leaf` is entry `index` of the tree of `size` leaves whose
/// root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Verifies that the tree of `old` leaves with root `old_root` is a prefix of
/// the tree of `new` leaves with root `new_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. An old size of zero is
/// rejected as [`ProofError::EmptyOldTree`]: the RFC algorithm is defined for
/// `0 < old < new` only.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    let expected = consistency_proof_len(old, new)?;
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength { expected, got: proof.len() });
    }
    if old == new {
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    // Step 2: if the old tree is a perfect subtree, its root is the first
    // node of the path and the proof omits it.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        // Step 1: an empty path fails. Unreachable after the length check.
        return Err(ProofError::WrongProofLength { expected, got: 0 });
    };
    // Step 3.
    let (mut f, mut s) = (old - 1, new - 1);
    // Step 4: skip the levels inside the perfect subtree ending at old − 1.
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    // Step 5.
    let (mut fr, mut sr) = (*first, *first);
    // Step 6.
    for c in rest {
        if s == 0 {
            return Err(ProofError::WrongProofLength { expected, got: proof.len() });
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    // Step 7.
    if s != 0 {
        return Err(ProofError::WrongProofLength { expected, got: proof.len() });
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// [`verify_inclusion`] for hashes held as undecoded byte strings, such as
/// the transparency-dev test vectors. Any value that is not 32 bytes long is
/// rejected.
pub fn verify_inclusion_raw<P: AsRef<[u8]>>(
    leaf: &[u8],
    index: u64,
    size: u64,
    proof: &[P],
    root: &[u8],
) -> Result<(), ProofError> {
    let leaf = Hash::try_from(leaf)?;
    let root = Hash::try_from(root)?;
    let proof = decode_proof(proof)?;
    verify_inclusion(&leaf, index, size, &proof, &root)
}

/// [`verify_consistency`] for hashes held as undecoded byte strings.
///
/// For equal sizes the roots are compared byte for byte, whatever their
/// length, as the reference implementation does: no hashing is involved.
pub fn verify_consistency_raw<P: AsRef<[u8]>>(
    old: u64,
    new: u64,
    proof: &[P],
    old_root: &[u8],
    new_root: &[u8],
) -> Result<(), ProofError> {
    check_consistency_sizes(old, new)?;
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength { expected: 0, got: proof.len() });
        }
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    let old_root = Hash::try_from(old_root)?;
    let new_root = Hash::try_from(new_root)?;
    let proof = decode_proof(proof)?;
    verify_consistency(old, new, &proof, &old_root, &new_root)
}

fn decode_proof<P: AsRef<[u8]>>(proof: &[P]) -> Result<Vec<Hash>, ProofError> {
    if proof.len() > MAX_PROOF_LEN + 1 {
        return Err(ProofError::WrongProofLength { expected: MAX_PROOF_LEN, got: proof.len() });
    }
    proof.iter().map(|p| Hash::try_from(p.as_ref()).map_err(ProofError::from)).collect()
}

// ---------------------------------------------------------------------------
// Generation from stored nodes
// ---------------------------------------------------------------------------

/// Which stored nodes a root or proof needs, and how to combine them.
///
/// Each output hash is the Merkle Tree Hash of one leaf range; a range is
/// covered by at most 64 perfect subtrees, so a plan never reads more than
/// O(log² n) nodes and, for RFC 6962 proofs, O(log n) in practice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashPlan {
    nodes: Vec<NodeId>,
    /// Number of consecutive nodes folded into each output hash.
    groups: Vec<usize>,
}

/// The hashes handed to [`HashPlan::assemble`] do not fit the plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plan needs {expected} node hashes, got {got}")]
pub struct PlanMismatch {
    /// Number of nodes in the plan.
    pub expected: usize,
    /// Number of hashes given.
    pub got: usize,
}

impl HashPlan {
    /// Nodes to read, in the order [`HashPlan::assemble`] expects their hashes.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// Number of hashes the plan produces.
    pub fn output_len(&self) -> usize {
        self.groups.len()
    }

    /// Combines the node hashes (in [`HashPlan::nodes`] order) into the output.
    pub fn assemble(&self, hashes: &[Hash]) -> Result<Vec<Hash>, PlanMismatch> {
        if hashes.len() != self.nodes.len() {
            return Err(PlanMismatch { expected: self.nodes.len(), got: hashes.len() });
        }
        let mut out = Vec::with_capacity(self.groups.len());
        let mut rest = hashes;
        for &n in &self.groups {
            let (group, tail) = rest.split_at(n);
            out.push(fold_right(group.iter().copied()));
            rest = tail;
        }
        Ok(out)
    }

    fn from_ranges(ranges: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut plan = HashPlan { nodes: Vec::new(), groups: Vec::new() };
        for (start, end) in ranges {
            let before = plan.nodes.len();
            push_range_nodes(start, end, &mut plan.nodes);
            plan.groups.push(plan.nodes.len() - before);
        }
        plan
    }
}

/// Splits `[start, end)` into maximal aligned perfect subtrees, left to right.
///
/// For the ranges RFC 6962 proofs use, `start` is a multiple of the largest
/// power of two not above the range size, so the first piece is the left
/// child MTH splits off and folding the pieces from the right reproduces MTH.
fn push_range_nodes(mut start: u64, end: u64, out: &mut Vec<NodeId>) {
    while start < end {
        let size = end - start;
        let mut level = u64::BITS - 1 - size.leading_zeros();
        // Alignment always holds for proof ranges; lowering the level keeps
        // the node address valid for any other range.
        while level > 0 && start & ((1u64 << level) - 1) != 0 {
            level -= 1;
        }
        // level < 64, so the cast cannot truncate.
        out.push(NodeId::new(level as u8, start >> level));
        start += 1u64 << level;
    }
}

/// Largest power of two strictly below `n` (n ≥ 2): where MTH splits.
fn split_point(n: u64) -> u64 {
    1u64 << (u64::BITS - 1 - (n - 1).leading_zeros())
}

/// Plan for the root of the tree of `size` leaves (RFC 9162 §2.1.1).
pub fn root_plan(size: u64) -> HashPlan {
    HashPlan::from_ranges([(0, size)])
}

/// Plan for the inclusion proof of `index` in the tree of `size` leaves
/// (RFC 9162 §2.1.3.1 `PATH`), sibling nearest the leaf first.
pub fn inclusion_plan(index: u64, size: u64) -> Result<HashPlan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut ranges = Vec::with_capacity(MAX_PROOF_LEN);
    let (mut lo, mut hi) = (0u64, size);
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            // PATH(m, D[0:k]) : MTH(D[k:n])
            ranges.push((lo + k, hi));
            hi = lo + k;
        } else {
            // PATH(m − k, D[k:n]) : MTH(D[0:k])
            ranges.push((lo, lo + k));
            lo += k;
        }
    }
    // The recursion appends siblings on the way out: deepest first.
    ranges.reverse();
    Ok(HashPlan::from_ranges(ranges))
}

/// Plan for the consistency proof from `old` to `new` leaves
/// (RFC 9162 §2.1.4.1 `SUBPROOF`).
pub fn consistency_plan(old: u64, new: u64) -> Result<HashPlan, ProofError> {
    check_consistency_sizes(old, new)?;
    let mut ranges = Vec::with_capacity(MAX_PROOF_LEN);
    if old < new {
        let (mut lo, mut hi) = (0u64, new);
        // `b` of SUBPROOF: true while the old tree is a left edge of the subtree.
        let mut whole_old = true;
        loop {
            if old == hi {
                // SUBPROOF(m, D[m], b): the old subtree itself, unless the
                // verifier already knows it as the old root.
                if !whole_old {
                    ranges.push((lo, hi));
                }
                break;
            }
            let k = split_point(hi - lo);
            if old <= lo + k {
                ranges.push((lo + k, hi));
                hi = lo + k;
            } else {
                ranges.push((lo, lo + k));
                lo += k;
                whole_old = false;
            }
        }
        ranges.reverse();
    }
    Ok(HashPlan::from_ranges(ranges))
}

/// Read access to the stored node hashes of a log.
///
/// Implementations answer with one hash per requested node, in order. Only
/// nodes of complete subtrees are ever requested.
pub trait HashReader {
    /// Storage failure, including a missing node.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Reads the hashes of `nodes`, in order.
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

/// Failure to produce a root or proof from a [`HashReader`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError<E: std::error::Error + 'static> {
    /// The sizes or index do not describe a valid proof.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The reader failed.
    #[error("reading stored hashes failed")]
    Read(#[source] E),
    /// The reader returned the wrong number of hashes.
    #[error(transparent)]
    Mismatch(#[from] PlanMismatch),
}

fn run_plan<R: HashReader>(reader: &R, plan: &HashPlan) -> Result<Vec<Hash>, ProveError<R::Error>> {
    let hashes = reader.read_hashes(plan.nodes()).map_err(ProveError::Read)?;
    Ok(plan.assemble(&hashes)?)
}

/// Root of the tree of `size` leaves.
pub fn root<R: HashReader>(reader: &R, size: u64) -> Result<Hash, ProveError<R::Error>> {
    let out = run_plan(reader, &root_plan(size))?;
    // The root plan always has exactly one output.
    Ok(out.first().copied().unwrap_or_else(crate::hash::empty_root))
}

/// Inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof<R: HashReader>(reader: &R, index: u64, size: u64) -> Result<Vec<Hash>, ProveError<R::Error>> {
    run_plan(reader, &inclusion_plan(index, size)?)
}

/// Consistency proof from the tree of `old` leaves to the tree of `new` leaves.
pub fn consistency_proof<R: HashReader>(reader: &R, old: u64, new: u64) -> Result<Vec<Hash>, ProveError<R::Error>> {
    run_plan(reader, &consistency_plan(old, new)?)
}

/// Left siblings to read before appending the leaf at `index`.
///
/// Appending leaf `index` completes one new node on each level `l ≥ 1` for
/// which the low `l` bits of `index` are all ones; each needs its stored left
/// child.
pub fn append_reads(index: u64) -> Vec<NodeId> {
    let mut reads = Vec::new();
    let mut i = index;
    let mut level = 0u8;
    while i & 1 == 1 {
        reads.push(NodeId::new(level, i - 1));
        i >>= 1;
        level += 1;
    }
    reads
}

/// The nodes to store after appending `leaf` at `index`, given the hashes of
/// [`append_reads`]`(index)` in order: the leaf itself first, then each newly
/// completed ancestor.
pub fn append_nodes(index: u64, leaf: Hash, left_siblings: &[Hash]) -> Result<Vec<(NodeId, Hash)>, PlanMismatch> {
    let expected = index.trailing_ones() as usize;
    if left_siblings.len() != expected {
        return Err(PlanMismatch { expected, got: left_siblings.len() });
    }
    let mut out = Vec::with_capacity(expected + 1);
    out.push((NodeId::leaf(index), leaf));
    let mut hash = leaf;
    let mut i = index;
    for (level, left) in (1u8..).zip(left_siblings) {
        hash = node_hash(left, &hash);
        i >>= 1;
        out.push((NodeId::new(level, i), hash));
    }
    Ok(out)
}

/// Reads what [`append_nodes`] needs and returns the nodes to store.
pub fn append_leaf<R: HashReader>(
    reader: &R,
    index: u64,
    leaf: Hash,
) -> Result<Vec<(NodeId, Hash)>, ProveError<R::Error>> {
    let siblings = reader.read_hashes(&append_reads(index)).map_err(ProveError::Read)?;
    Ok(append_nodes(index, leaf, &siblings)?)
}

// ---------------------------------------------------------------------------
// In-memory tree
// ---------------------------------------------------------------------------

/// A Merkle tree held in memory, storing every complete node.
///
/// Meant for tests, tools and small logs; it uses the same stored-node layout
/// and plans as a persistent log, so proofs from both agree.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of node `(l, i)`.
    levels: Vec<Vec<Hash>>,
}

/// A node is not (yet) stored in a [`MemoryTree`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("node at level {} index {} is not stored", .0.level(), .0.index())]
pub struct NodeNotFound(pub NodeId);

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash and returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut hash = leaf;
        let mut level = 0usize;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let len = row.len();
            // An even count means this node completed its parent.
            if len % 2 == 1 {
                break;
            }
            hash = node_hash(&row[len - 2], &row[len - 1]);
            level += 1;
        }
        index
    }

    /// Appends the leaf hash of `entry`.
    pub fn push_entry(&mut self, entry: &[u8]) -> u64 {
        self.push(crate::hash::leaf_hash(entry))
    }

    /// Current root.
    pub fn root(&self) -> Hash {
        self.root_at(self.size()).unwrap_or_else(|_| crate::hash::empty_root())
    }

    /// Root of the tree when it had `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProveError<NodeNotFound>> {
        root(self, size)
    }

    /// Inclusion proof of `index` in the tree of `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProveError<NodeNotFound>> {
        inclusion_proof(self, index, size)
    }

    /// Consistency proof between two sizes.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProveError<NodeNotFound>> {
        consistency_proof(self, old, new)
    }
}

impl HashReader for MemoryTree {
    type Error = NodeNotFound;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, NodeNotFound> {
        nodes
            .iter()
            .map(|&id| {
                usize::try_from(id.index())
                    .ok()
                    .and_then(|i| self.levels.get(usize::from(id.level()))?.get(i))
                    .copied()
                    .ok_or(NodeNotFound(id))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, root_from_leaf_hashes};

    fn tree(n: u32) -> (MemoryTree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut t = MemoryTree::new();
        for l in &leaves {
            t.push(*l);
        }
        (t, leaves)
    }

    #[test]
    fn roots_agree_with_direct_computation() {
        let (t, leaves) = tree(70);
        for n in 0..=70u64 {
            assert_eq!(t.root_at(n).ok(), Some(root_from_leaf_hashes(&leaves[..n as usize])));
        }
    }

    #[test]
    fn all_proofs_verify_for_small_trees() {
        let (t, leaves) = tree(33);
        for size in 1..=33u64 {
            let root = t.root_at(size).ok().unwrap_or_default();
            for index in 0..size {
                let proof = t.inclusion_proof(index, size).ok().unwrap_or_default();
                assert_eq!(proof.len(), inclusion_proof_len(index, size).ok().unwrap_or(99));
                assert_eq!(verify_inclusion(&leaves[index as usize], index, size, &proof, &root), Ok(()));
            }
            for old in 1..=size {
                let old_root = t.root_at(old).ok().unwrap_or_default();
                let proof = t.consistency_proof(old, size).ok().unwrap_or_default();
                assert_eq!(proof.len(), consistency_proof_len(old, size).ok().unwrap_or(99));
                assert_eq!(verify_consistency(old, size, &proof, &old_root, &root), Ok(()));
            }
        }
    }

    #[test]
    fn append_nodes_match_memory_tree() {
        let (t, leaves) = tree(64);
        let mut store = MemoryTree::new();
        for (i, leaf) in leaves.iter().enumerate() {
            let nodes = append_leaf(&t, i as u64, *leaf).ok().unwrap_or_default();
            // The memory tree stores the same nodes in the same places.
            for (id, hash) in &nodes {
                assert_eq!(t.read_hashes(&[*id]).ok(), Some(vec![*hash]));
            }
            store.push(*leaf);
        }
        assert_eq!(store.root(), t.root());
    }

    #[test]
    fn missing_nodes_are_reported() {
        let (t, _) = tree(4);
        assert!(matches!(t.root_at(5), Err(ProveError::Read(NodeNotFound(_)))));
        assert!(matches!(t.inclusion_proof(4, 4), Err(ProveError::Proof(ProofError::IndexOutOfRange { .. }))));
    }
}
