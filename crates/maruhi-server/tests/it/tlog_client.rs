//! An independent tlog client verifies what the ledger serves. The formats
//! (C2SP signed-note, tlog-checkpoint, tlog-tiles, tlog-proof; RFC 6962) are
//! the contract, so the checks below use only code written by someone else:
//! Cloudflare's `tlog_tiles` (a port of Go's golang.org/x/mod/sumdb/tlog) and
//! `signed_note` (of golang.org/x/mod/sumdb/note, for the signatures, which
//! `tlog_tiles` does not verify). Nothing of `maruhi-ledger` takes part; the
//! client sees only the bytes the router serves. The test parses by hand only
//! what these crates have no parser for: entry bundles (two-byte big-endian
//! lengths) and the lines of a `.tlog-proof` file around its hashes and note.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use axum::http::Method;
use maruhi_service::audit::Event;
use maruhi_service::{Actor, Scope};
use signed_note::{Note, NoteError, StandardVerifier, Verifier as _, VerifierList};
use tlog_tiles::{
    check_record, check_tree, prove_record, prove_tree, record_hash, tree_hash, Checkpoint, Hash, Tile, TileHashReader,
    TileReader,
};

use crate::{Auth, Fixture};

/// C2SP tiles hold 256 hashes: a Go tile of height 8.
const HEIGHT: u8 = 8;
/// The older checkpoint: one full level-0 tile, a partial one of width 44
/// and a partial level-1 tile of width 1.
const OLD: u64 = 300;
/// The newer one: three full level-0 tiles, a partial one of width 35 and a
/// partial level-1 tile of width 3.
const NEW: u64 = 803;

/// Go's tile paths name the height (`tile/8/0/001.p/5`, `tile/8/data/001`);
/// C2SP's do not (`tile/0/001.p/5`, `tile/entries/001`). The client adapts.
fn c2sp_path(tile: &Tile) -> String {
    let go = tile.path();
    let rest = go.strip_prefix("tile/8/").expect("height 8");
    match rest.strip_prefix("data/") {
        Some(n) => format!("/ledger/tile/entries/{n}"),
        None => format!("/ledger/tile/{rest}"),
    }
}

/// `tlog_tiles`' tile source: hash tiles fetched through the router. Only
/// tiles that `TileHashReader` authenticated (`save_tiles`) are kept.
struct RouterTiles<'a> {
    f: &'a Fixture,
    rt: tokio::runtime::Handle,
    verified: Mutex<HashMap<Tile, Vec<u8>>>,
    fetched: Mutex<BTreeSet<String>>,
}

impl<'a> RouterTiles<'a> {
    fn new(f: &'a Fixture) -> Self {
        RouterTiles { f, rt: tokio::runtime::Handle::current(), verified: Mutex::default(), fetched: Mutex::default() }
    }
}

impl TileReader for RouterTiles<'_> {
    fn height(&self) -> u8 {
        HEIGHT
    }

    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        let mut out = Vec::with_capacity(tiles.len());
        for tile in tiles {
            if let Some(data) = self.verified.lock().unwrap().get(tile) {
                out.push(data.clone());
                continue;
            }
            let path = c2sp_path(tile);
            // The trait is synchronous; the router is not.
            let r =
                tokio::task::block_in_place(|| self.rt.block_on(self.f.call(Method::GET, &path, &Auth::None, None)));
            if r.status != 200 {
                return Err(tlog_tiles::Error::InvalidInput(format!("GET {path}: {}", r.status)));
            }
            self.fetched.lock().unwrap().insert(path);
            out.push(r.bytes);
        }
        Ok(out)
    }

    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        let mut verified = self.verified.lock().unwrap();
        for (tile, data) in tiles.iter().zip(data) {
            verified.insert(*tile, data.clone());
        }
    }
}

/// Appends scan findings (one audit event each, in one transaction) until
/// the log has `size` entries, then signs a checkpoint, as `serve` does
/// every 2 s, and returns the note that `/ledger/checkpoint` serves.
async fn grow_and_checkpoint(f: &Fixture, size: u64) -> Vec<u8> {
    let op = Actor::operator();
    let now = f.svc.ledger_size().await.unwrap() as u64;
    assert!(now < size, "the fixture already has {now} entries");
    let ids: Vec<u64> = (now..size).collect();
    let events: Vec<_> =
        ids.iter().map(|i| Event::new(&op, maruhi_service::audit::AuditAction::ScanFinding, "file", i)).collect();
    f.svc.record_events(&events).await.unwrap();
    assert_eq!(f.svc.publish_checkpoint().await.unwrap().map(|c| c.size as u64), Some(size));
    let r = f.call(Method::GET, "/ledger/checkpoint", &Auth::None, None).await;
    assert_eq!(r.status, 200);
    r.bytes
}

/// A checkpoint note verified with the log's key, and its contents.
fn verified_checkpoint(note: &[u8], known: &VerifierList, origin: &str) -> (Note, Checkpoint) {
    let note = Note::from_bytes(note).expect("a signed note");
    let (verified, others) = note.verify(known).expect("signed by the log's key");
    assert_eq!((verified.len(), others.len()), (1, 0));
    let checkpoint = Checkpoint::from_bytes(note.text()).expect("a C2SP checkpoint");
    assert_eq!(checkpoint.origin(), origin, "the origin line is the key's name");
    (note, checkpoint)
}

/// The entries of an entry bundle: each a big-endian `uint16` length and the bytes.
fn bundle_entries(mut data: &[u8]) -> Vec<Vec<u8>> {
    let mut entries = Vec::new();
    while !data.is_empty() {
        assert!(data.len() >= 2, "a truncated length");
        let len = usize::from(u16::from_be_bytes([data[0], data[1]]));
        assert!(data.len() >= 2 + len, "a truncated entry");
        entries.push(data[2..2 + len].to_vec());
        data = &data[2 + len..];
    }
    entries
}

/// A `.tlog-proof` file: (extra, index, inclusion proof, signed note).
fn proof_parts(text: &str) -> (Option<Vec<u8>>, u64, Vec<Hash>, Vec<u8>) {
    use base64::Engine as _;
    let (head, note) = text.split_once("\n\n").expect("an empty line before the checkpoint");
    let mut lines = head.lines().peekable();
    assert_eq!(lines.next(), Some("c2sp.org/tlog-proof@v1"));
    let extra = lines
        .next_if(|l| l.starts_with("extra "))
        .map(|l| base64::engine::general_purpose::STANDARD.decode(&l["extra ".len()..]).expect("base64 extra data"));
    let index = lines.next().and_then(|l| l.strip_prefix("index ")).expect("an index line");
    let index: u64 = index.parse().expect("a decimal index");
    let hashes = lines.map(|l| Hash::parse_hash(l).expect("a proof hash")).collect();
    (extra, index, hashes, note.as_bytes().to_vec())
}

/// The same note with one byte of the checkpoint's root flipped and the
/// signatures as they were.
fn with_flipped_root(note: &Note, checkpoint: &Checkpoint) -> (Vec<u8>, Hash) {
    let mut root = *checkpoint.hash();
    root.0[7] ^= 0xff;
    let forged = Checkpoint::new(checkpoint.origin(), checkpoint.size(), root, checkpoint.extension()).unwrap();
    let bytes = note.to_bytes();
    let signatures = &bytes[note.text().len()..];
    ([forged.to_bytes(), signatures.to_vec()].concat(), root)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_tlog_client_verifies_checkpoints_tiles_bundles_and_proofs() {
    let f = Fixture::new().await;
    // Credentials first: creating them is itself audited.
    let auditor = f.token("ito", Scope::Read).await;
    let auditor_session = f.session("ito").await;

    // The verifier key as `maruhi ledger public-key` prints it.
    let vkey = f.svc.ledger_public_key().unwrap();
    let verifier = StandardVerifier::new(&vkey).expect("a C2SP Ed25519 verifier key");
    let origin = verifier.name().to_owned();
    let known = VerifierList::new(vec![Box::new(verifier)]);

    let old_note = grow_and_checkpoint(&f, OLD).await;
    let new_note = grow_and_checkpoint(&f, NEW).await;
    let (old_signed, old) = verified_checkpoint(&old_note, &known, &origin);
    let (new_signed, new) = verified_checkpoint(&new_note, &known, &origin);
    assert_eq!((old.size(), new.size()), (OLD, NEW));

    // The hash tiles rebuild both signed roots; TileHashReader refuses any
    // tile that does not.
    let tiles = RouterTiles::new(&f);
    let old_tree = TileHashReader::new(OLD, *old.hash(), &tiles);
    let new_tree = TileHashReader::new(NEW, *new.hash(), &tiles);
    assert_eq!(tree_hash(OLD, &old_tree).unwrap(), *old.hash());
    assert_eq!(tree_hash(NEW, &new_tree).unwrap(), *new.hash());

    // Every entry of every bundle is in the newer tree (an inclusion proof
    // made from the tiles, checked against the signed root) ...
    let mut entries = Vec::new();
    for n in 0..NEW.div_ceil(256) {
        let width = (NEW - n * 256).min(256) as u32;
        let path = c2sp_path(&Tile::new(HEIGHT, 0, n, width, true));
        let r = f.call(Method::GET, &path, &auditor, None).await;
        assert_eq!(r.status, 200, "{path}");
        let bundle = bundle_entries(&r.bytes);
        assert_eq!(bundle.len(), width as usize, "{path}");
        entries.extend(bundle);
    }
    for (i, entry) in (0u64..).zip(&entries) {
        let proof = prove_record(NEW, i, &new_tree).unwrap();
        check_record(&proof, NEW, *new.hash(), i, record_hash(entry)).unwrap_or_else(|e| panic!("entry {i}: {e}"));
    }
    // ... and the partial bundle of the older checkpoint is still served and
    // in the older tree.
    let r = f.call(Method::GET, "/ledger/tile/entries/001.p/44", &auditor, None).await;
    assert_eq!(r.status, 200);
    let bundle = bundle_entries(&r.bytes);
    assert_eq!(bundle, entries[256..300]);
    for (i, entry) in (256u64..).zip(&bundle) {
        let proof = prove_record(OLD, i, &old_tree).unwrap();
        check_record(&proof, OLD, *old.hash(), i, record_hash(entry)).unwrap();
    }
    let fetched = tiles.fetched.lock().unwrap().clone();
    let expected = ["0/000", "0/001", "0/001.p/44", "0/002", "0/003.p/35", "1/000.p/1", "1/000.p/3"]
        .map(|p| format!("/ledger/tile/{p}"));
    assert_eq!(fetched, BTreeSet::from(expected), "the tiles tlog_tiles asked for");

    // The newer tree extends the older one: a consistency proof made from
    // the tiles, and the one our witness client sends (`consistency_proof`).
    let proof = prove_tree(NEW, OLD, &new_tree).unwrap();
    check_tree(&proof, NEW, *new.hash(), OLD, *old.hash()).unwrap();
    let ours: Vec<Hash> =
        f.svc.consistency_proof(OLD, NEW).await.unwrap().iter().map(|h| Hash(*h.as_bytes())).collect();
    assert_eq!(ours, proof);
    check_tree(&ours, NEW, *new.hash(), OLD, *old.hash()).unwrap();

    // Offline proofs, as `maruhi ledger proof` and the ledger page give
    // them: one covered by the older checkpoint, one only by the newer.
    for (index, signed) in [(299u64, &old_note), (NEW - 1, &new_note)] {
        let r = f.call(Method::GET, &format!("/ledger/proof/{index}"), &auditor_session, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (extra, at, path, note) = proof_parts(&r.body);
        assert_eq!(at, index);
        assert_eq!(&note, signed, "the checkpoint, verbatim");
        let (_, checkpoint) = verified_checkpoint(&note, &known, &origin);
        // maruhi carries the entry in the extra data; the leaf is the one in
        // the (authenticated) bundle.
        let entry = &entries[index as usize];
        assert_eq!(extra.as_ref(), Some(entry));
        check_record(&path, checkpoint.size(), *checkpoint.hash(), index, record_hash(entry)).unwrap();
    }

    // A time-stamped proof carries its RFC 3161 token as one more signature
    // line of the note: signed_note ignores it as an unknown key's.
    let mut stamped = maruhi_ledger::Note::parse(&new_note).unwrap();
    maruhi_ledger::timestamp::add_timestamp(&mut stamped, vec![0x30, 0x03, 0x02, 0x01, 0x00]).unwrap();
    let stamped = Note::from_bytes(&stamped.to_bytes()).expect("a signed note");
    let (verified, others) = stamped.verify(&known).expect("still signed by the log's key");
    assert_eq!((verified.len(), others.len()), (1, 1));

    // A checkpoint whose root has one flipped byte: the signature no longer
    // verifies, the tiles do not rebuild it, and no proof reaches it.
    let (forged, bad_root) = with_flipped_root(&new_signed, &new);
    let forged = Note::from_bytes(&forged).expect("still a well-formed note");
    assert!(matches!(forged.verify(&known), Err(NoteError::InvalidSignature { .. })));
    let forged_tree = TileHashReader::new(NEW, bad_root, &tiles);
    assert!(matches!(tree_hash(NEW, &forged_tree), Err(tlog_tiles::Error::InconsistentTile)));
    let proof = prove_record(NEW, 5, &new_tree).unwrap();
    assert!(check_record(&proof, NEW, bad_root, 5, record_hash(&entries[5])).is_err());
    let (_, bad_old) = with_flipped_root(&old_signed, &old);
    let proof = prove_tree(NEW, OLD, &new_tree).unwrap();
    assert!(check_tree(&proof, NEW, *new.hash(), OLD, bad_old).is_err());
}

/// Beyond what a test log reaches: the tiles a log of any size publishes
/// (`TileId::new_hash_tiles`) and their paths, with three-digit `x` groups
/// from tile 1000 on, are Go's (`Tile::new_tiles`, `Tile::path`), and the
/// server's path parser reads Go's paths.
#[test]
fn tile_coordinates_are_those_of_go_tlog_at_any_size() {
    use maruhi_ledger::tile::TileId;
    // Growths of every shape (within one tile, across tiles and levels),
    // small enough to list every tile, at sizes up to 2^50.
    let growths = [
        (0u64, 1u64),
        (0, 70_000),
        (1, 255),
        (255, 257),
        (256, 65_536),
        (65_535, 65_537),
        (70_000, 70_001),
        (255_999, 256_001),
        (256_000, 300_000),
        (16_777_215, 16_777_217),
        (123_456_789, 123_500_000),
        ((1 << 40) - 3, (1 << 40) + 300),
        ((1 << 50) + 12_345, (1 << 50) + 100_000),
    ];
    for (old, new) in growths {
        let go: Vec<String> = Tile::new_tiles(HEIGHT, old, new).iter().map(c2sp_path).collect();
        let ours: Vec<String> =
            TileId::new_hash_tiles(old, new).iter().map(|t| format!("/ledger/{}", t.path())).collect();
        assert_eq!(ours, go, "tiles from {old} to {new}");
        for path in &go {
            let path = path.strip_prefix("/ledger/").unwrap();
            assert_eq!(TileId::parse_path(path).unwrap().path(), path);
        }
    }
    for (n, w) in [(0u64, 256u32), (999, 17), (1_000, 256), (1_234_067, 1), (u64::MAX >> 8, 255)] {
        let path = c2sp_path(&Tile::new(HEIGHT, 0, n, w, true));
        let path = path.strip_prefix("/ledger/").unwrap();
        let ours = TileId::parse_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!((ours.index(), u32::from(ours.width()), ours.path()), (n, w, path.to_owned()));
    }
}
