//! C2SP tlog-witness add-checkpoint: every status code the spec prescribes.

use maruhi_ledger::cosignature::Cosigner;
use maruhi_ledger::note::{Ed25519Signer, Signer};
use maruhi_ledger::witness::{add_checkpoint, AddCheckpoint, Recorded};
use maruhi_ledger::{Checkpoint, MemoryTree};

struct Log {
    tree: MemoryTree,
    key: Ed25519Signer,
}

impl Log {
    fn new(n: usize) -> Log {
        let mut tree = MemoryTree::new();
        for i in 0..n {
            tree.push_entry(format!("entry {i}").as_bytes());
        }
        Log { tree, key: Ed25519Signer::from_seed("log.example/a", &[7; 32]).unwrap() }
    }

    fn grow(&mut self, n: usize) {
        for i in 0..n {
            self.tree.push_entry(format!("more {i}").as_bytes());
        }
    }

    fn body(&self, old: u64) -> Vec<u8> {
        let size = self.tree.size();
        let cp = Checkpoint::new("log.example/a", size, self.tree.root()).unwrap();
        let note = cp.sign(&[&self.key as &dyn Signer]).unwrap();
        let mut body = format!("old {old}\n");
        if old > 0 && old < size {
            for h in self.tree.consistency_proof(old, size).unwrap() {
                body.push_str(&h.to_base64());
                body.push('\n');
            }
        }
        body.push('\n');
        let mut out = body.into_bytes();
        out.extend(note.to_bytes());
        out
    }
}

fn witness() -> Cosigner {
    Cosigner::from_seed("witness.example/w1", &[9; 32]).unwrap()
}

fn submit(log: &Log, old: u64, recorded: Option<Recorded>) -> Result<Recorded, u16> {
    let req = AddCheckpoint::parse(&log.body(old)).map_err(|r| r.status)?;
    let verifier = log.key.verifier();
    add_checkpoint(&req, &verifier, recorded, &witness(), 1_700_000_000)
        .map(|(r, lines)| {
            // Exactly one signature line, ending in its newline.
            assert!(
                lines.starts_with("— witness.example/w1 ") && lines.ends_with('\n') && lines.matches('\n').count() == 1,
                "{lines}"
            );
            r
        })
        .map_err(|r| r.status)
}

#[test]
fn first_checkpoint_then_consistent_growth_are_cosigned() {
    let mut log = Log::new(10);
    let first = submit(&log, 0, None).expect("first");
    assert_eq!(first.size, 10);
    log.grow(7);
    let next = submit(&log, 10, Some(first)).expect("grown");
    assert_eq!(next.size, 17);
    assert_eq!(submit(&log, 17, Some(next)).expect("same again").size, 17);
}

#[test]
fn refusals_carry_the_specified_status() {
    let mut log = Log::new(10);
    let first = submit(&log, 0, None).unwrap();
    log.grow(3);
    // Old size differs from what the witness recorded: 409 with its size.
    let req = AddCheckpoint::parse(&log.body(0)).unwrap();
    let r = add_checkpoint(&req, &log.key.verifier(), Some(first), &witness(), 1).unwrap_err();
    assert_eq!((r.status, r.recorded_size), (409, Some(10)));
    // Old size above the checkpoint: 400.
    assert_eq!(submit(&log, 99, Some(first)), Err(400));
    // A wrong proof: 422.
    let mut other = Log::new(0);
    other.grow(13);
    assert_eq!(submit(&other, 10, Some(first)), Err(422));
    // A log key the witness does not trust: 403.
    let req = AddCheckpoint::parse(&log.body(10)).unwrap();
    let stranger = Ed25519Signer::from_seed("log.example/a", &[8; 32]).unwrap().verifier();
    assert_eq!(add_checkpoint(&req, &stranger, Some(first), &witness(), 1).unwrap_err().status, 403);
    // Malformed bodies: 400.
    for body in [&b"old 01\n\nx"[..], b"no old line\n\n", b"old 1\nnot-base64!\n\nx"] {
        assert_eq!(AddCheckpoint::parse(body).unwrap_err().status, 400);
    }
}
