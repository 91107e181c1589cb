//! C2SP tlog-tiles: tiles built from stored hashes serve the same proofs.

use std::collections::HashMap;

use maruhi_ledger::tile::{
    encode_entry_bundle, entry_bundle_leaf_hashes, parse_entry_bundle_for, parse_hash_tile, read_hash_tile,
    TileHashReader, TileId, TileReader,
};
use maruhi_ledger::tree::{self, HashReader, NodeId};
use maruhi_ledger::MemoryTree;

use crate::tree_of;

/// A static tile store, as a log would publish it for one checkpoint.
struct TileStore(HashMap<TileId, Vec<u8>>);

#[derive(Debug, thiserror::Error)]
#[error("tile {0} not found")]
struct Missing(String);

impl TileReader for TileStore {
    type Error = Missing;

    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Missing> {
        tiles.iter().map(|t| self.0.get(t).cloned().ok_or_else(|| Missing(t.path()))).collect()
    }
}

fn publish(tree: &MemoryTree, size: u64) -> TileStore {
    let mut map = HashMap::new();
    for id in TileId::hash_tiles_for_size(size) {
        let data = read_hash_tile(tree, &id).unwrap_or_else(|e| panic!("{}: {e}", id.path()));
        map.insert(id, data);
    }
    TileStore(map)
}

#[test]
fn proofs_from_tiles_match_proofs_from_nodes() {
    let size = 70_000;
    let (tree, leaves) = tree_of(size);
    let store = publish(&tree, size);
    assert_eq!(store.0.len(), 277);
    let reader = TileHashReader::new(size, &store);
    let root = tree::root(&reader, size).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(root, tree.root());
    for index in [0, 1, 255, 256, 65_535, 65_536, 69_887, 69_888, 69_999] {
        let from_tiles = tree::inclusion_proof(&reader, index, size).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Ok(from_tiles.clone()), tree.inclusion_proof(index, size).map_err(|e| e.to_string()));
        assert_eq!(maruhi_ledger::verify_inclusion(&leaves[index as usize], index, size, &from_tiles, &root), Ok(()));
    }
    for old in [1, 256, 257, 65_536, 69_000, 69_999, 70_000] {
        let from_tiles = tree::consistency_proof(&reader, old, size).unwrap_or_else(|e| panic!("{e}"));
        let old_root = tree.root_at(old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(maruhi_ledger::verify_consistency(old, size, &from_tiles, &old_root, &root), Ok(()));
    }
}

#[test]
fn tile_reader_refuses_nodes_outside_the_tree() {
    let (tree, _) = tree_of(300);
    let store = publish(&tree, 300);
    let reader = TileHashReader::new(300, &store);
    assert!(reader.read_hashes(&[NodeId::leaf(300)]).is_err());
    assert!(reader.read_hashes(&[NodeId::new(9, 0)]).is_err());
    assert!(reader.read_hashes(&[NodeId::new(200, 0)]).is_err());
    assert_eq!(reader.read_hashes(&[NodeId::new(8, 0)]).map(|h| h.len()).ok(), Some(1));
}

#[test]
fn entry_bundle_matches_level_zero_tile() {
    let entries: Vec<Vec<u8>> = (0..300u32).map(|i| format!("entry {i}").into_bytes()).collect();
    let (tree, _) = tree_of(300);
    let full = TileId::entries(0, 256).unwrap_or_else(|e| panic!("{e}"));
    let partial = TileId::entries(1, 44).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(TileId::entry_bundles_for_size(300).collect::<Vec<_>>(), vec![full, partial]);
    for (id, chunk) in [(full, &entries[..256]), (partial, &entries[256..])] {
        let data = encode_entry_bundle(chunk).unwrap_or_else(|e| panic!("{e}"));
        let parsed = parse_entry_bundle_for(&id, &data).unwrap_or_else(|e| panic!("{e}"));
        let hash_tile = TileId::hash(0, id.index(), id.width()).unwrap_or_else(|e| panic!("{e}"));
        let tile_bytes = read_hash_tile(&tree, &hash_tile).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Ok(entry_bundle_leaf_hashes(&parsed)), parse_hash_tile(&hash_tile, &tile_bytes));
    }
}
