//! C2SP tlog-tiles: tile addressing, hash tiles and entry bundles.
//!
//! A tile at level `L`, index `N` holds up to 256 consecutive stored node
//! hashes of tree level `8·L`; level 0 tiles hold leaf hashes. Entry bundles
//! hold the entries whose leaf hashes fill the level 0 tile of the same index.
//! A tile with fewer than 256 hashes is *partial* and is addressed with a
//! `.p/<W>` suffix (C2SP tlog-tiles, "Merkle Tree" and "Partial Tiles").

use std::collections::BTreeMap;
use std::fmt;

use crate::checkpoint::parse_decimal;
use crate::hash::{leaf_hash, root_from_leaf_hashes, Hash, HASH_SIZE};
use crate::tree::{HashReader, NodeId};

/// Tree levels spanned by one tile: a tile is a subtree of height 8.
pub const TILE_HEIGHT: u32 = 8;

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u16 = 256;

/// Largest tile level a path may name (C2SP tlog-tiles: "between 0 and 63").
pub const MAX_TILE_LEVEL: u8 = 63;

/// Largest entry an entry bundle can hold: the length prefix is a `u16`.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Why a tile path, tile or entry bundle is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// Level above [`MAX_TILE_LEVEL`].
    #[error("tile level {0} is above 63")]
    BadLevel(u64),
    /// Width not in 1..=256.
    #[error("tile width {0} is not in 1..=256")]
    BadWidth(u64),
    /// The path is not a canonical tile path.
    #[error("malformed tile path")]
    BadPath,
    /// The tile's byte length does not match its width.
    #[error("tile has {got} bytes, expected {expected}")]
    BadTileLength {
        /// Bytes expected (width × 32).
        expected: usize,
        /// Bytes found.
        got: usize,
    },
    /// An entry bundle ends in the middle of a length prefix or an entry.
    #[error("entry bundle is truncated at byte {offset}")]
    TruncatedBundle {
        /// Where the missing data should start.
        offset: usize,
    },
    /// An entry bundle has more entries than its width allows.
    #[error("entry bundle has {got} entries, expected {expected}")]
    BundleCount {
        /// Entries the bundle should hold.
        expected: usize,
        /// Entries found (or at least found).
        got: usize,
    },
    /// An entry is larger than a `u16` length prefix can describe.
    #[error("entry of {len} bytes does not fit a u16 length prefix")]
    EntryTooLarge {
        /// Entry size.
        len: usize,
    },
    /// A node is not complete in the tree the tiles describe.
    #[error("node at level {level} index {index} is not in the tree")]
    NodeOutsideTree {
        /// Node level.
        level: u8,
        /// Node index.
        index: u64,
    },
}

/// What a tile holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Stored hashes of tree level `8 × level`.
    Hash {
        /// Tile level.
        level: u8,
    },
    /// An entry bundle.
    Entries,
}

/// Address of a hash tile or entry bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    kind: TileKind,
    index: u64,
    width: u16,
}

impl TileId {
    /// Hash tile `index` at tile `level` holding `width` hashes (256 = full).
    pub fn hash(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(TileError::BadLevel(u64::from(level)));
        }
        Self::new(TileKind::Hash { level }, index, width)
    }

    /// Entry bundle `index` holding `width` entries (256 = full).
    pub fn entries(index: u64, width: u16) -> Result<Self, TileError> {
        Self::new(TileKind::Entries, index, width)
    }

    fn new(kind: TileKind, index: u64, width: u16) -> Result<Self, TileError> {
        if width == 0 || width > TILE_WIDTH {
            return Err(TileError::BadWidth(u64::from(width)));
        }
        Ok(TileId { kind, index, width })
    }

    /// What the tile holds.
    pub fn kind(&self) -> TileKind {
        self.kind
    }

    /// Index within its level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Number of hashes or entries.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile has fewer than 256 hashes or entries.
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The tree level of the hashes in a hash tile (`8 × L`); 0 for bundles.
    pub fn tree_level(&self) -> u32 {
        match self.kind {
            TileKind::Hash { level } => u32::from(level) * TILE_HEIGHT,
            TileKind::Entries => 0,
        }
    }

    /// The stored nodes a hash tile (or the leaf hashes an entry bundle)
    /// holds, left to right. Empty if they lie beyond 2^64 leaves.
    pub fn nodes(&self) -> Vec<NodeId> {
        let level = self.tree_level();
        let Ok(level8) = u8::try_from(level) else {
            return Vec::new();
        };
        let first = self.index.checked_mul(u64::from(TILE_WIDTH));
        (0..u64::from(self.width)).filter_map(|i| first?.checked_add(i)).map(|i| NodeId::new(level8, i)).collect()
    }

    /// The resource path, e.g. `tile/0/x001/234.p/17` or `tile/entries/005`.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses a canonical tile path (C2SP tlog-tiles, "Merkle Tree").
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let rest = path.strip_prefix("tile/").ok_or(TileError::BadPath)?;
        let (kind, rest) = match rest.strip_prefix("entries/") {
            Some(rest) => (TileKind::Entries, rest),
            None => {
                let (level, rest) = rest.split_once('/').ok_or(TileError::BadPath)?;
                let level = parse_decimal(level).ok_or(TileError::BadPath)?;
                let level =
                    u8::try_from(level).ok().filter(|l| *l <= MAX_TILE_LEVEL).ok_or(TileError::BadLevel(level))?;
                (TileKind::Hash { level }, rest)
            }
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let w = parse_decimal(width).ok_or(TileError::BadPath)?;
                // A partial tile has 1 to 255 hashes; a full one has no suffix.
                let w = u16::try_from(w).ok().filter(|w| *w < TILE_WIDTH).ok_or(TileError::BadWidth(w))?;
                (index, w)
            }
            None => (rest, TILE_WIDTH),
        };
        TileId::new(kind, decode_index(index)?, width)
    }

    /// All tiles of a tree of `size` leaves at tile level `level`: full tiles
    /// then, if any, the partial one. Lazy: a large tree has many tiles.
    fn level_tiles(kind: TileKind, level: u32, size: u64) -> impl Iterator<Item = TileId> {
        let count = size.checked_shr(level * TILE_HEIGHT).unwrap_or(0);
        let full = count / u64::from(TILE_WIDTH);
        // count % 256 < 256, so the cast cannot truncate.
        let partial = (count % u64::from(TILE_WIDTH)) as u16;
        (0..full).map(move |index| TileId { kind, index, width: TILE_WIDTH }).chain((partial > 0).then_some(TileId {
            kind,
            index: full,
            width: partial,
        }))
    }

    /// Every hash tile of a tree of `size` leaves, level by level (C2SP
    /// tlog-tiles, "Partial Tiles": level `l` has `floor(s / 256^l)` hashes).
    pub fn hash_tiles_for_size(size: u64) -> impl Iterator<Item = TileId> {
        (0u8..8).flat_map(move |level| Self::level_tiles(TileKind::Hash { level }, u32::from(level), size))
    }

    /// Every entry bundle of a tree of `size` leaves.
    pub fn entry_bundles_for_size(size: u64) -> impl Iterator<Item = TileId> {
        Self::level_tiles(TileKind::Entries, 0, size)
    }

    /// The hash tiles a log must write when growing from `old` to `new`
    /// leaves: tiles that did not exist, or were partial with fewer hashes.
    pub fn new_hash_tiles(old: u64, new: u64) -> Vec<TileId> {
        let mut out = Vec::new();
        for level in 0u8..8 {
            let shift = u32::from(level) * TILE_HEIGHT;
            let old_count = old.checked_shr(shift).unwrap_or(0);
            let new_count = new.checked_shr(shift).unwrap_or(0);
            if new_count <= old_count {
                continue;
            }
            let w = u64::from(TILE_WIDTH);
            for index in old_count / w..new_count.div_ceil(w) {
                let width = (new_count - index * w).min(w);
                // width ≤ 256, so the cast cannot truncate.
                out.push(TileId { kind: TileKind::Hash { level }, index, width: width as u16 });
            }
        }
        out
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TileKind::Hash { level } => write!(f, "tile/{level}/")?,
            TileKind::Entries => f.write_str("tile/entries/")?,
        }
        f.write_str(&encode_index(self.index))?;
        if self.is_partial() {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

/// Encodes a tile index as zero-padded 3-digit path elements, all but the
/// last prefixed with `x`: 1234067 → `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut groups = Vec::with_capacity(7);
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(groups.len() * 5);
    for (i, g) in groups.iter().rev().enumerate() {
        if i + 1 < groups.len() {
            s.push_str(&format!("x{g:03}/"));
        } else {
            s.push_str(&format!("{g:03}"));
        }
    }
    s
}

fn decode_index(s: &str) -> Result<u64, TileError> {
    let parts: Vec<&str> = s.split('/').collect();
    // u64::MAX has 20 digits: at most 7 groups.
    if parts.is_empty() || parts.len() > 7 {
        return Err(TileError::BadPath);
    }
    let mut n: u64 = 0;
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        let digits = if i < last { part.strip_prefix('x').ok_or(TileError::BadPath)? } else { part };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TileError::BadPath);
        }
        // A leading all-zero group would make a second spelling of the index.
        if i == 0 && last > 0 && digits == "000" {
            return Err(TileError::BadPath);
        }
        let g: u64 = digits.parse().map_err(|_| TileError::BadPath)?;
        n = n.checked_mul(1000).and_then(|n| n.checked_add(g)).ok_or(TileError::BadPath)?;
    }
    Ok(n)
}

/// Reads the hashes of a hash tile from stored nodes and concatenates them,
/// as served at the tile's path.
pub fn read_hash_tile<R: HashReader>(reader: &R, tile: &TileId) -> Result<Vec<u8>, R::Error> {
    let hashes = reader.read_hashes(&tile.nodes())?;
    Ok(encode_hash_tile(&hashes))
}

/// Concatenates hashes into tile bytes.
pub fn encode_hash_tile(hashes: &[Hash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in hashes {
        out.extend_from_slice(h.as_bytes());
    }
    out
}

/// Splits tile bytes into hashes, checking the length against the width.
pub fn parse_hash_tile(tile: &TileId, data: &[u8]) -> Result<Vec<Hash>, TileError> {
    let expected = usize::from(tile.width()) * HASH_SIZE;
    if data.len() != expected {
        return Err(TileError::BadTileLength { expected, got: data.len() });
    }
    Ok(data.chunks_exact(HASH_SIZE).filter_map(|c| Hash::try_from(c).ok()).collect())
}

/// Encodes entries as a bundle of big-endian `u16` length-prefixed entries
/// (C2SP tlog-tiles, "Log entries").
pub fn encode_entry_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    if entries.len() > usize::from(TILE_WIDTH) {
        return Err(TileError::BundleCount { expected: usize::from(TILE_WIDTH), got: entries.len() });
    }
    let total: usize = entries.iter().map(|e| e.as_ref().len() + 2).sum();
    let mut out = Vec::with_capacity(total);
    for e in entries {
        let e = e.as_ref();
        let len = u16::try_from(e.len()).map_err(|_| TileError::EntryTooLarge { len: e.len() })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Parses an entry bundle into its entries, at most 256 of them.
pub fn parse_entry_bundle(data: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let offset = data.len() - rest.len();
        if entries.len() == usize::from(TILE_WIDTH) {
            return Err(TileError::BundleCount { expected: usize::from(TILE_WIDTH), got: entries.len() + 1 });
        }
        let (len, tail) = rest.split_first_chunk::<2>().ok_or(TileError::TruncatedBundle { offset })?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(TileError::TruncatedBundle { offset: offset + 2 });
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    Ok(entries)
}

/// Parses the entry bundle `tile`, checking it holds exactly its width.
pub fn parse_entry_bundle_for<'a>(tile: &TileId, data: &'a [u8]) -> Result<Vec<&'a [u8]>, TileError> {
    let entries = parse_entry_bundle(data)?;
    if entries.len() != usize::from(tile.width()) {
        return Err(TileError::BundleCount { expected: usize::from(tile.width()), got: entries.len() });
    }
    Ok(entries)
}

/// Leaf hashes of a bundle's entries: the content of the level 0 tile with
/// the same index.
pub fn entry_bundle_leaf_hashes(entries: &[&[u8]]) -> Vec<Hash> {
    entries.iter().map(|e| leaf_hash(e)).collect()
}

// ---------------------------------------------------------------------------
// Stored nodes from tiles
// ---------------------------------------------------------------------------

/// Read access to tiles, e.g. object storage or a static tile server.
pub trait TileReader {
    /// Storage failure.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Reads the bytes of each tile, in order.
    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Self::Error>;
}

/// Failure of a [`TileHashReader`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TileReadError<E: std::error::Error + 'static> {
    /// The tile reader failed.
    #[error("reading tiles failed")]
    Read(#[source] E),
    /// A tile was malformed or a node is outside the tree.
    #[error(transparent)]
    Tile(#[from] TileError),
}

/// A [`HashReader`] over the tiles of a tree of a known size.
///
/// A stored node at level `l` is either a hash in the tile of level `l / 8`
/// (when `l` is a multiple of 8) or the Merkle hash of `2^(l mod 8)`
/// consecutive hashes of that tile; tiles are read at the width the tree
/// size implies, so partial tiles of a verified checkpoint suffice.
#[derive(Debug, Clone, Copy)]
pub struct TileHashReader<'a, T> {
    tree_size: u64,
    tiles: &'a T,
}

impl<'a, T: TileReader> TileHashReader<'a, T> {
    /// A reader for the tree of `tree_size` leaves.
    pub fn new(tree_size: u64, tiles: &'a T) -> Self {
        TileHashReader { tree_size, tiles }
    }

    /// The tile holding `node` and the position of its hashes in the tile.
    fn locate(&self, node: NodeId) -> Result<(TileId, usize, usize), TileError> {
        let outside = TileError::NodeOutsideTree { level: node.level(), index: node.index() };
        let level = u32::from(node.level());
        // The node must be complete within the tree: level `l` has
        // `size >> l` complete nodes.
        if node.index() >= self.tree_size.checked_shr(level).unwrap_or(0) {
            return Err(outside);
        }
        let tile_level = level / TILE_HEIGHT;
        let sub = level % TILE_HEIGHT;
        let base = tile_level * TILE_HEIGHT;
        // Hashes of tree level `base` covered by the node.
        let first = node.index() << sub;
        let count = 1u64 << sub;
        let w = u64::from(TILE_WIDTH);
        let tile_index = first / w;
        let level_count = self.tree_size >> base;
        let width = (level_count - tile_index * w).min(w);
        // tile_level ≤ 7 and width ≤ 256 here, so the casts cannot truncate.
        let tile = TileId::hash(tile_level as u8, tile_index, width as u16)?;
        let start = (first % w) as usize;
        Ok((tile, start, start + count as usize))
    }
}

impl<T: TileReader> HashReader for TileHashReader<'_, T> {
    type Error = TileReadError<T::Error>;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        let located = nodes.iter().map(|n| self.locate(*n)).collect::<Result<Vec<_>, _>>()?;
        let mut wanted: BTreeMap<TileId, Vec<Hash>> = BTreeMap::new();
        for (tile, _, _) in &located {
            wanted.entry(*tile).or_default();
        }
        let ids: Vec<TileId> = wanted.keys().copied().collect();
        let data = self.tiles.read_tiles(&ids).map_err(TileReadError::Read)?;
        if data.len() != ids.len() {
            return Err(TileError::BadTileLength { expected: ids.len(), got: data.len() }.into());
        }
        for (id, bytes) in ids.iter().zip(&data) {
            wanted.insert(*id, parse_hash_tile(id, bytes)?);
        }
        let mut out = Vec::with_capacity(nodes.len());
        for (tile, start, end) in located {
            let hashes = wanted.get(&tile).and_then(|h| h.get(start..end)).ok_or(TileError::BadPath)?;
            out.push(root_from_leaf_hashes(hashes));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding() {
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(5), "005");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(decode_index("x001/x234/067"), Ok(1234067));
        assert_eq!(decode_index(&encode_index(u64::MAX)), Ok(u64::MAX));
        for bad in
            ["x000/067", "67", "0067", "x001/x234", "001/234", "", "x01/234", "x018/x446/x744/x073/x709/x551/616"]
        {
            assert_eq!(decode_index(bad), Err(TileError::BadPath), "{bad}");
        }
    }

    #[test]
    fn paths_round_trip() {
        let cases = [
            ("tile/0/x001/234.p/17", TileId::hash(0, 1234, 17)),
            ("tile/3/000", TileId::hash(3, 0, 256)),
            ("tile/entries/x001/x234/067", TileId::entries(1234067, 256)),
            ("tile/entries/005.p/255", TileId::entries(5, 255)),
        ];
        for (path, id) in cases {
            assert_eq!(TileId::parse_path(path), id.clone(), "{path}");
            assert_eq!(id.map(|t| t.path()).as_deref(), Ok(path));
        }
        for bad in [
            "tile/64/000",
            "tile/01/000",
            "tile/0/000.p/256",
            "tile/0/000.p/0",
            "tile/0/000.p/017",
            "tile/0/000.p/",
            "tiles/0/000",
            "tile/entries/000.p/1/",
            "tile//000",
        ] {
            assert!(TileId::parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tiles_for_spec_example_size() {
        // C2SP tlog-tiles: "a tree of size 70,000 will be represented by 273
        // full level 0 tiles, one partial level 0 tile of width 112, one full
        // level 1 tile, one partial level 1 tile of width 17, and one partial
        // level 2 tile of width 1".
        let tiles: Vec<TileId> = TileId::hash_tiles_for_size(70_000).collect();
        let count = |level: u8, full: bool| {
            tiles.iter().filter(|t| t.kind() == TileKind::Hash { level } && t.is_partial() != full).count()
        };
        assert_eq!((count(0, true), count(0, false)), (273, 1));
        assert_eq!((count(1, true), count(1, false)), (1, 1));
        assert_eq!((count(2, true), count(2, false)), (0, 1));
        assert_eq!(tiles.len(), 277);
        let partial: Vec<String> = tiles.iter().filter(|t| t.is_partial()).map(|t| t.path()).collect();
        assert_eq!(partial, ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]);
        // "a tree of size 256 will be represented by a full level 0 tile and a
        // partial level 1 tile of width 1".
        let paths: Vec<String> = TileId::hash_tiles_for_size(256).map(|t| t.path()).collect();
        assert_eq!(paths, ["tile/0/000", "tile/1/000.p/1"]);
        assert_eq!(TileId::hash_tiles_for_size(0).count(), 0);
    }

    #[test]
    fn new_tiles_between_sizes() {
        let paths: Vec<String> = TileId::new_hash_tiles(250, 600).iter().map(|t| t.path()).collect();
        assert_eq!(paths, ["tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2"]);
        assert!(TileId::new_hash_tiles(600, 600).is_empty());
    }

    #[test]
    fn bundles_round_trip_and_reject_truncation() {
        let entries: Vec<Vec<u8>> = vec![b"".to_vec(), b"abc".to_vec(), vec![7u8; 300]];
        let data = encode_entry_bundle(&entries).unwrap_or_default();
        assert_eq!(&data[..5], &[0, 0, 0, 3, b'a']);
        let parsed = parse_entry_bundle(&data);
        assert_eq!(parsed.map(|p| p.len()), Ok(3));
        assert_eq!(parse_entry_bundle(&data[..data.len() - 1]), Err(TileError::TruncatedBundle { offset: 9 }));
        assert_eq!(parse_entry_bundle(&[0]), Err(TileError::TruncatedBundle { offset: 0 }));
        let too_big = vec![0u8; MAX_ENTRY_SIZE + 1];
        assert_eq!(encode_entry_bundle(&[too_big]), Err(TileError::EntryTooLarge { len: MAX_ENTRY_SIZE + 1 }));
        let id = TileId::entries(0, 2).unwrap_or(TileId { kind: TileKind::Entries, index: 0, width: 1 });
        assert!(matches!(parse_entry_bundle_for(&id, &data), Err(TileError::BundleCount { .. })));
    }
}
