//! The evidence ledger: the audit trail as an RFC 6962 Merkle log with
//! signed C2SP checkpoints and offline proofs.
//!
//! Every audit event is a leaf. Its canonical encoding ([`encode_entry`])
//! names the time, action and object in clear and the personal details
//! (actor, address, summary) only through a salted SHA-256 commitment, so
//! those details can be erased on request while every proof stays valid.
//! Indices come from one sequencer (the database lock of
//! [`maruhi_store::WriteTx::lock_ledger`]); the tree's node hashes are
//! written in the same transaction as the event, so a committed change is
//! always in the tree. Checkpoints are signed by [`Service::publish_checkpoint`]
//! only after checking the new tree is consistent with the last signed one.

use maruhi_ledger::note::{Ed25519Signer, Ed25519Verifier, Signer};
use maruhi_ledger::tree::{self, NodeId};
use maruhi_ledger::{leaf_hash, Checkpoint, Hash, MemoryTree, TlogProof};
use maruhi_store::ledger::CheckpointRow;
use maruhi_store::rows::AuditRow;
use maruhi_store::AnyConnection;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{policy, Actor, Error, Result, Service};

/// The first line of every entry; bump the version to change the encoding.
const ENTRY_HEADER: &str = "maruhi audit entry v1";

/// Stored evidence that does not agree with itself.
fn tampered(what: impl Into<String>) -> Error {
    Error::Tampered(what.into())
}

/// A failure of a ledger library call, with the library's code.
fn ledger_err<E: std::fmt::Display + LedgerCode>(e: E) -> Error {
    Error::ledger(e.code(), e)
}

/// Nodes read for a proof plan that do not fit it: a bug of ours.
fn plan_mismatch(e: maruhi_ledger::tree::PlanMismatch) -> Error {
    Error::Internal(e.to_string())
}

/// The ledger library's errors that carry a stable code.
trait LedgerCode {
    fn code(&self) -> &'static str;
}

macro_rules! ledger_code {
    ($($t:ty),*) => {$(
        impl LedgerCode for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
        }
    )*};
}
ledger_code!(
    maruhi_ledger::tree::ProofError,
    maruhi_ledger::checkpoint::CheckpointError,
    maruhi_ledger::note::NoteError,
    maruhi_ledger::proof::TlogProofError
);

/// The salted commitment to an event's personal details.
pub fn commitment(salt_hex: &str, actor_id: Option<i64>, actor: &str, remote: Option<&str>, summary: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        "maruhi personal v1",
        salt_hex,
        &actor_id.map(|i| i.to_string()).unwrap_or_default(),
        actor,
        remote.unwrap_or(""),
        summary,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// The canonical bytes of an entry: what its leaf hashes.
pub fn encode_entry(at: &str, action: &str, object_type: &str, object_id: Option<&str>, commitment: &str) -> Vec<u8> {
    format!(
        "{ENTRY_HEADER}\nat {at}\naction {action}\nobject {object_type} {}\npersonal {commitment}\n",
        object_id.unwrap_or("-")
    )
    .into_bytes()
}

pub(crate) fn entry_of(row: &AuditRow) -> Result<Vec<u8>> {
    let c = row.commitment.as_deref().ok_or_else(|| tampered("a ledger event has no commitment"))?;
    Ok(encode_entry(&row.occurred_at, &row.action, &row.object_type, row.object_id.as_deref(), c))
}

fn bytes(h: &Hash) -> [u8; 32] {
    let mut b = [0u8; 32];
    b.copy_from_slice(h.as_ref());
    b
}

fn node_ids(ids: &[NodeId]) -> Vec<(u8, u64)> {
    ids.iter().map(|n| (n.level(), n.index())).collect()
}

async fn read_nodes(conn: &mut AnyConnection, ids: &[NodeId]) -> Result<Vec<Hash>> {
    let got = maruhi_store::ledger::nodes(conn, &node_ids(ids)).await?;
    got.into_iter()
        .zip(ids)
        .map(|(h, id)| {
            h.map(Hash::from)
                .ok_or_else(|| tampered(format!("ledger node (level {}, index {}) is missing", id.level(), id.index())))
        })
        .collect()
}

/// Appends leaves in memory: the hashes of the nodes they complete, to
/// store in the same transaction. The only stored nodes an append can need
/// are the roots of the perfect subtrees that make up the tree it starts
/// from (its right edge), read in one query by [`Appender::start`]; every
/// later one was computed here.
pub(crate) struct Appender {
    next: u64,
    known: std::collections::HashMap<(u8, u64), Hash>,
}

impl Appender {
    /// Starts appending at leaf `first`, reading the right edge of the tree
    /// of `first` leaves.
    pub(crate) async fn start(conn: &mut AnyConnection, first: i64) -> Result<Appender> {
        let edge = tree::root_plan(first as u64);
        let hashes = read_nodes(conn, edge.nodes()).await?;
        let known = edge.nodes().iter().zip(hashes).map(|(id, h)| ((id.level(), id.index()), h)).collect();
        Ok(Appender { next: first as u64, known })
    }

    /// Appends one leaf per entry; returns the nodes to store (leaves and
    /// the subtrees they complete).
    pub(crate) fn append(&mut self, entries: &[Vec<u8>]) -> Result<Vec<(u8, u64, [u8; 32])>> {
        let mut out = Vec::with_capacity(entries.len() * 2);
        for entry in entries {
            let idx = self.next;
            let siblings = tree::append_reads(idx)
                .iter()
                .map(|id| {
                    self.known.get(&(id.level(), id.index())).copied().ok_or_else(|| {
                        tampered(format!("ledger node (level {}, index {}) is missing", id.level(), id.index()))
                    })
                })
                .collect::<Result<Vec<Hash>>>()?;
            for (id, h) in tree::append_nodes(idx, leaf_hash(entry), &siblings).map_err(plan_mismatch)? {
                self.known.insert((id.level(), id.index()), h);
                out.push((id.level(), id.index(), bytes(&h)));
            }
            self.next += 1;
        }
        Ok(out)
    }
}

/// Checks, from the stored nodes, that the tree of `size` with `root`
/// extends the signed checkpoint `old`.
async fn check_extends(conn: &mut AnyConnection, old: &CheckpointRow, size: u64, root: &Hash) -> Result<()> {
    let old_size = old.size as u64;
    let plan = tree::consistency_plan(old_size, size).map_err(ledger_err)?;
    let nodes = read_nodes(conn, plan.nodes()).await?;
    let proof = plan.assemble(&nodes).map_err(plan_mismatch)?;
    tree::verify_consistency(old_size, size, &proof, &Hash::from(old.root), root).map_err(|_| {
        tampered(format!("the stored tree of size {size} is not consistent with the checkpoint of size {old_size}"))
    })
}

/// A checkpoint signed by the log and waiting for cosignatures.
#[derive(Debug, Clone)]
pub struct PendingCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The signed note; witnesses' cosignatures are added to it.
    pub note: maruhi_ledger::note::Note,
}

/// What `maruhi ledger entry` shows.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub index: i64,
    pub leaf_hash: String,
    pub at: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub commitment: String,
    /// The personal details behind the commitment; `None` once erased.
    pub personal: Option<serde_json::Value>,
    /// The exact bytes the leaf hashes, as text.
    pub entry: String,
}

/// The outcome of `maruhi ledger verify`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub checkpoints: usize,
    pub latest_checkpoint: u64,
    pub problems: Vec<VerifyProblem>,
}

/// One thing `maruhi ledger verify` found wrong, with a stable code
/// (`MRH-VERIFY-…`, listed in docs/codes.md) for reports and scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyProblem {
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, code: &'static str, message: String) {
        self.problems.push(VerifyProblem { code, message });
    }
}

fn random_seed() -> Result<[u8; 32]> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(seed)
}

/// Creates a new log key: its signer key string (keep secret) for `origin`.
pub fn new_log_key(origin: &str) -> Result<String> {
    Ed25519Signer::from_seed(origin, &random_seed()?)
        .map(|s| s.key_string())
        .map_err(|e| Error::Internal(format!("log key for {origin}: {e}")))
}

/// Creates a witness's cosigning key (C2SP tlog-cosignature) named `name`.
pub fn new_witness_key(name: &str) -> Result<maruhi_ledger::cosignature::Cosigner> {
    maruhi_ledger::cosignature::Cosigner::from_seed(name, &random_seed()?)
        .map_err(|_| Error::invalid("name", crate::i18n::Msg::InputInvalid))
}

impl Service {
    /// Records events that no registry operation produces (a module's own
    /// findings) in one transaction. Returns the first ledger index.
    pub async fn record_events(&self, events: &[crate::audit::Event<'_>]) -> Result<i64> {
        let mut tx = self.db.begin().await?;
        let first = crate::audit::record_many(&mut tx, &self.now_text(), events).await?;
        tx.commit().await?;
        Ok(first)
    }

    /// Erases a user's personal details from the audit trail on request
    /// (APPI): names, addresses and summaries of the events they performed.
    /// Their ledger leaves keep the commitments, so every proof still
    /// verifies; the erasure itself is recorded. Admins only.
    pub async fn erase_personal_data(&self, actor: &Actor, username: &str) -> Result<u64> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let user = maruhi_store::users::by_username(tx.conn(), username.trim())
            .await?
            .ok_or_else(|| Error::invalid("username", crate::i18n::Msg::UnknownUser))?;
        // A legal hold freezes the personal details of those a case concerns.
        self.check_hold(tx.conn(), &[&user.username, &user.email]).await?;
        let n = maruhi_store::audit::erase_personal(tx.conn(), user.id).await?;
        crate::audit::record(
            &mut tx,
            &self.now_text(),
            crate::audit::Event::new(actor, crate::audit::AuditAction::LedgerErase, "user", user.id)
                .summary(serde_json::json!({"events": n})),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    fn cosignature_count_of(&self, note: &maruhi_ledger::note::Note) -> usize {
        let log = self.ledger_key.as_ref().map(|k| k.name().to_owned()).unwrap_or_default();
        note.signatures().iter().filter(|s| s.name() != log).count()
    }

    fn cosignature_count(&self, note_text: &str) -> usize {
        maruhi_ledger::note::Note::parse(note_text.as_bytes()).map(|n| self.cosignature_count_of(&n)).unwrap_or(0)
    }

    /// Uses this log key (a C2SP signer key string) to sign checkpoints.
    pub fn with_ledger_key(mut self, key: &str) -> Result<Service> {
        let signer = Ed25519Signer::from_key_string(key.trim())
            .map_err(|e| Error::Key { path: "keys/ledger.key".into(), why: e.to_string() })?;
        self.ledger_key = Some(std::sync::Arc::new(signer));
        Ok(self)
    }

    fn signer(&self) -> Result<&Ed25519Signer> {
        self.ledger_key.as_deref().ok_or(Error::NotConfigured(crate::i18n::Msg::NoLedgerKey))
    }

    /// The log's verifier key (`name+hexid+base64`), which anyone may hold.
    pub fn ledger_public_key(&self) -> Result<String> {
        Ok(self.signer()?.verifier().vkey())
    }

    /// Signs a checkpoint of the current tree if it grew since the last one,
    /// after proving the new tree consistent with it, and stores it. With
    /// witnesses, use [`Service::prepare_checkpoint`] and
    /// [`Service::store_checkpoint`] around the cosigning instead.
    pub async fn publish_checkpoint(&self) -> Result<Option<CheckpointRow>> {
        match self.prepare_checkpoint().await? {
            Some(pending) => self.store_checkpoint(pending).await,
            None => Ok(None),
        }
    }

    /// Signs (but does not store) a checkpoint of the current tree when it
    /// grew since the last stored one.
    pub async fn prepare_checkpoint(&self) -> Result<Option<PendingCheckpoint>> {
        let signer = self.signer()?;
        let mut conn = self.db.read().await?;
        let size = maruhi_store::ledger::size(&mut conn).await? as u64;
        let latest = maruhi_store::ledger::latest_checkpoint(&mut conn).await?;
        if size == 0 || latest.as_ref().is_some_and(|c| c.size as u64 >= size) {
            return Ok(None);
        }
        let plan = tree::root_plan(size);
        let nodes = read_nodes(&mut conn, plan.nodes()).await?;
        let root = *plan
            .assemble(&nodes)
            .map_err(plan_mismatch)?
            .first()
            .ok_or_else(|| Error::Internal("empty root plan".into()))?;
        if let Some(old) = &latest {
            // Never sign a tree that does not extend what we signed before.
            check_extends(&mut conn, old, size, &root).await?;
        }
        let checkpoint = Checkpoint::new(signer.name(), size, root).map_err(ledger_err)?;
        let note = checkpoint.sign(&[signer as &dyn Signer]).map_err(ledger_err)?;
        Ok(Some(PendingCheckpoint { size, root, note }))
    }

    /// A consistency proof between two sizes, from the stored tree.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        if old == 0 || old == new {
            return Ok(Vec::new());
        }
        let mut conn = self.db.read().await?;
        let plan = tree::consistency_plan(old, new).map_err(ledger_err)?;
        let nodes = read_nodes(&mut conn, plan.nodes()).await?;
        plan.assemble(&nodes).map_err(plan_mismatch)
    }

    /// Stores a prepared checkpoint unless a newer one was stored meanwhile,
    /// after checking, under the ledger lock, that it extends the latest one.
    pub async fn store_checkpoint(&self, pending: PendingCheckpoint) -> Result<Option<CheckpointRow>> {
        let mut tx = self.db.begin().await?;
        tx.lock_ledger().await?;
        let latest = maruhi_store::ledger::latest_checkpoint(tx.conn()).await?;
        if latest.as_ref().is_some_and(|c| c.size as u64 >= pending.size) {
            return Ok(None);
        }
        if let Some(old) = &latest {
            check_extends(tx.conn(), old, pending.size, &pending.root).await?;
            // Once checkpoints are witnessed, a checkpoint with fewer witness
            // cosignatures is never published (e.g. by a CLI run without the
            // witness configuration).
            let (before, now) = (self.cosignature_count(&old.note), self.cosignature_count_of(&pending.note));
            if now < before {
                return Err(Error::Conflict(crate::i18n::Msg::NeedsWitnesses));
            }
        }
        let row = CheckpointRow {
            size: pending.size as i64,
            root: bytes(&pending.root),
            note: String::from_utf8_lossy(&pending.note.to_bytes()).into_owned(),
            signed_at: self.now_text(),
        };
        maruhi_store::ledger::insert_checkpoint(tx.conn(), &row).await?;
        tx.commit().await?;
        Ok(Some(row))
    }

    /// The latest signed checkpoint note.
    pub async fn latest_checkpoint(&self) -> Result<Option<CheckpointRow>> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::ledger::latest_checkpoint(&mut conn).await?)
    }

    /// The current number of entries.
    pub async fn ledger_size(&self) -> Result<i64> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::ledger::size(&mut conn).await?)
    }

    pub async fn ledger_entry(&self, index: i64) -> Result<EntryView> {
        let mut conn = self.db.read().await?;
        let row = maruhi_store::audit::by_ledger_index(&mut conn, index).await?.ok_or(Error::NotFound)?;
        let entry = entry_of(&row)?;
        let personal = row.salt.as_ref().map(|_| {
            serde_json::json!({
                "actor_id": row.actor_id,
                "actor": row.actor_name,
                "remote_addr": row.remote_addr,
                "summary": serde_json::from_str::<serde_json::Value>(&row.summary).unwrap_or_default(),
            })
        });
        Ok(EntryView {
            index,
            leaf_hash: leaf_hash(&entry).to_hex(),
            at: row.occurred_at,
            action: row.action,
            object_type: row.object_type,
            object_id: row.object_id,
            commitment: row.commitment.unwrap_or_default(),
            personal,
            entry: String::from_utf8_lossy(&entry).into_owned(),
        })
    }

    /// An offline proof (`c2sp.org/tlog-proof@v1`) that entry `index` is in the
    /// log, against the smallest signed checkpoint that covers it, or the
    /// smallest time-stamped one when there is one: its RFC 3161 token then
    /// travels in the checkpoint note as a signature line (see
    /// [`maruhi_ledger::timestamp`]). The entry's bytes travel in the proof's
    /// extra data.
    pub async fn ledger_proof(&self, index: i64) -> Result<String> {
        let mut conn = self.db.read().await?;
        let row = maruhi_store::audit::by_ledger_index(&mut conn, index).await?.ok_or(Error::NotFound)?;
        // Prefer a checkpoint with a time stamp: then the proof's checkpoint is
        // the one the token dates, and the token rides in its note.
        let stamp = maruhi_store::ledger::timestamp_covering(&mut conn, index).await?;
        let stamped = match &stamp {
            Some(t) => maruhi_store::ledger::checkpoint_of_size(&mut conn, t.size).await?,
            None => None,
        };
        let (cp, token) = match stamped {
            Some(cp) => (cp, stamp.map(|t| t.token)),
            None => match maruhi_store::ledger::checkpoint_covering(&mut conn, index).await? {
                Some(cp) => (cp, None),
                None => return Err(Error::Conflict(crate::i18n::Msg::NotYetCheckpointed)),
            },
        };
        let plan = tree::inclusion_plan(index as u64, cp.size as u64).map_err(ledger_err)?;
        let nodes = read_nodes(&mut conn, plan.nodes()).await?;
        let path = plan.assemble(&nodes).map_err(plan_mismatch)?;
        let mut note = maruhi_ledger::note::Note::parse(cp.note.as_bytes()).map_err(ledger_err)?;
        if let Some(token) = token {
            maruhi_ledger::timestamp::add_timestamp(&mut note, token).map_err(ledger_err)?;
        }
        let proof = TlogProof::new(Some(entry_of(&row)?), index as u64, path, note).map_err(ledger_err)?;
        Ok(proof.to_text())
    }

    /// Re-reads the whole log, recomputes every hash and checks it against the
    /// stored tree and every signed checkpoint.
    pub async fn verify_ledger(&self) -> Result<VerifyReport> {
        let verifier: Ed25519Verifier = self.signer()?.verifier();
        let mut conn = self.db.read().await?;
        let mut report = VerifyReport::default();
        let checkpoints = maruhi_store::ledger::checkpoints(&mut conn).await?;
        report.checkpoints = checkpoints.len();
        for cp in &checkpoints {
            let ok = maruhi_ledger::note::Note::parse(cp.note.as_bytes())
                .ok()
                .filter(|n| n.verify(&[&verifier as &dyn maruhi_ledger::note::Verifier]).is_ok())
                .and_then(|n| Checkpoint::parse(n.text()).ok())
                .is_some_and(|c| c.size() == cp.size as u64 && *c.root() == Hash::from(cp.root));
            if !ok {
                report.problem(
                    "MRH-VERIFY-001",
                    format!("checkpoint of size {}: signature or contents do not verify", cp.size),
                );
            }
        }
        let mut tree = MemoryTree::new();
        let mut leaves: Vec<Hash> = Vec::new();
        let mut expected: i64 = 0;
        loop {
            let rows = maruhi_store::audit::ledger_range(&mut conn, expected, 5_000).await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let index = row.ledger_index.unwrap_or(-1);
                while expected < index {
                    report.problem("MRH-VERIFY-002", format!("entry {expected}: missing (deleted?)"));
                    tree.push(Hash::from([0u8; 32]));
                    leaves.push(Hash::from([0u8; 32]));
                    expected += 1;
                }
                let entry = entry_of(row)?;
                if let (Some(salt), Some(c)) = (&row.salt, &row.commitment) {
                    if commitment(salt, row.actor_id, &row.actor_name, row.remote_addr.as_deref(), &row.summary) != *c {
                        report.problem("MRH-VERIFY-003", format!("entry {index}: personal details were altered"));
                    }
                }
                let leaf = leaf_hash(&entry);
                tree.push(leaf);
                leaves.push(leaf);
                expected += 1;
            }
        }
        report.entries = tree.size();
        // The stored tree nodes were written when each event was committed:
        // every complete node of every level (RFC 6962 §2.1: node (l, i)
        // hashes leaves i·2^l .. (i+1)·2^l) must be there and match the tree
        // recomputed from the events, since proofs and tiles are served
        // from them.
        let mut level_hashes = leaves;
        let mut level = 0u8;
        while !level_hashes.is_empty() {
            let mut next_expected = 0u64;
            let mut from = 0u64;
            loop {
                let stored = maruhi_store::ledger::level_range(&mut conn, level, from, 5_000).await?;
                if stored.is_empty() {
                    break;
                }
                for (idx, hash) in &stored {
                    if *idx > next_expected {
                        report.problem("MRH-VERIFY-004", missing_nodes(level, next_expected, *idx));
                    }
                    match level_hashes.get(*idx as usize) {
                        None if level == 0 => report.problem(
                            "MRH-VERIFY-005",
                            format!("entry {idx}: in the tree but its event is missing (deleted?)"),
                        ),
                        None => report
                            .problem("MRH-VERIFY-006", format!("tree node {level}/{idx}: beyond the log's entries")),
                        Some(h) if *h != Hash::from(*hash) && level == 0 => report.problem(
                            "MRH-VERIFY-007",
                            format!("entry {idx}: content does not match the leaf recorded when it was committed"),
                        ),
                        Some(h) if *h != Hash::from(*hash) => report.problem(
                            "MRH-VERIFY-008",
                            format!("tree node {level}/{idx}: does not match the entries below it"),
                        ),
                        Some(_) => {}
                    }
                    next_expected = idx + 1;
                    from = idx + 1;
                }
            }
            if (level_hashes.len() as u64) > next_expected {
                report.problem("MRH-VERIFY-004", missing_nodes(level, next_expected, level_hashes.len() as u64));
            }
            level_hashes =
                level_hashes.chunks_exact(2).map(|pair| maruhi_ledger::node_hash(&pair[0], &pair[1])).collect();
            level += 1;
        }
        for cp in &checkpoints {
            let size = cp.size as u64;
            if size > tree.size() {
                report.problem(
                    "MRH-VERIFY-009",
                    format!(
                        "checkpoint of size {size} was signed but the log now has only {} entries (truncated?)",
                        tree.size()
                    ),
                );
            } else if tree.root_at(size).ok() != Some(Hash::from(cp.root)) {
                report.problem(
                    "MRH-VERIFY-010",
                    format!("the first {size} entries do not match the signed checkpoint of size {size}"),
                );
            }
        }
        for seq in maruhi_store::audit::unindexed_after_ledger_start(&mut conn).await? {
            report.problem(
                "MRH-VERIFY-011",
                format!("audit event #{seq} is not in the ledger (inserted behind its back?)"),
            );
        }
        report.latest_checkpoint = checkpoints.last().map(|c| c.size as u64).unwrap_or(0);
        Ok(report)
    }
}

/// Tree nodes `from..to` of `level` are not stored, in words.
fn missing_nodes(level: u8, from: u64, to: u64) -> String {
    match (level, to - from) {
        (0, 1) => format!("entry {from}: its leaf is missing from the tree (deleted?)"),
        (0, n) => format!("entries {from}..{}: {n} leaves are missing from the tree (deleted?)", to - 1),
        (_, 1) => format!("tree node {level}/{from}: missing (deleted?)"),
        (_, n) => format!("tree nodes {level}/{from}..{}: {n} missing (deleted?)", to - 1),
    }
}

/// A time-stamp chain to renew: the checkpoint, the renewal's place in the
/// chain (1 for the first) and the imprint to stamp (SHA-256 of the latest
/// token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalDue {
    pub size: i64,
    pub seq: i64,
    pub imprint: [u8; 32],
}

/// What the ledger page shows.
#[derive(Debug, Clone)]
pub struct LedgerStatus {
    pub size: i64,
    pub public_key: Option<String>,
    pub latest: Option<CheckpointRow>,
    /// Who signed the latest checkpoint besides the log: (name, timestamp).
    pub cosigners: Vec<(String, Option<u64>)>,
    /// The latest time anchor: (checkpoint size, TSA, time).
    pub anchor: Option<(i64, String, String)>,
}

impl Service {
    pub async fn ledger_status(&self) -> Result<LedgerStatus> {
        let latest = self.latest_checkpoint().await?;
        let log_name = self.ledger_key.as_ref().map(|k| k.name().to_owned()).unwrap_or_default();
        let cosigners = latest
            .as_ref()
            .and_then(|c| maruhi_ledger::note::Note::parse(c.note.as_bytes()).ok())
            .map(|n| {
                n.signatures()
                    .iter()
                    .filter(|s| s.name() != log_name)
                    .map(|s| (s.name().to_owned(), maruhi_ledger::cosignature::cosignature_timestamp(s.signature())))
                    .collect()
            })
            .unwrap_or_default();
        let anchor = {
            let mut conn = self.db.read().await?;
            maruhi_store::ledger::latest_timestamp(&mut conn).await?.map(|t| (t.size, t.tsa, t.stamped_at))
        };
        Ok(LedgerStatus {
            size: self.ledger_size().await?,
            public_key: self.ledger_public_key().ok(),
            latest,
            cosigners,
            anchor,
        })
    }

    /// A proof for the actor: allowed when they may see the event's object
    /// (a secret under need-to-know) or oversee the register.
    pub async fn ledger_proof_for(&self, actor: &Actor, index: i64) -> Result<String> {
        let row = {
            let mut conn = self.db.read().await?;
            maruhi_store::audit::by_ledger_index(&mut conn, index).await?.ok_or(Error::NotFound)?
        };
        if !policy::may_read_audit(actor) {
            match (row.object_type.as_str(), row.object_id.as_deref().and_then(|i| i.parse::<i64>().ok())) {
                ("secret", Some(id)) => {
                    // The proof of an entry is offered where the entry is
                    // shown: in the secret's history as this actor sees it.
                    let shown = self.history(actor, id).await?;
                    if !shown.iter().any(|h| h.ledger_index == Some(index)) {
                        return Err(Error::NotFound);
                    }
                }
                _ => return Err(Error::NotFound),
            }
        }
        self.ledger_proof(index).await
    }

    /// A C2SP tlog-tiles resource (`tile/…` path) within the latest signed
    /// checkpoint. Entry bundles carry event metadata, so only roles that read
    /// the audit trail get them; hash tiles reveal nothing and are public.
    pub async fn ledger_tile(&self, actor: Option<&Actor>, path: &str) -> Result<Vec<u8>> {
        use maruhi_ledger::tile::{TileId, TileKind, TILE_WIDTH};
        let tile = TileId::parse_path(path).map_err(|_| Error::NotFound)?;
        let mut conn = self.db.read().await?;
        let size = maruhi_store::ledger::latest_checkpoint(&mut conn).await?.map(|c| c.size as u64).unwrap_or(0);
        let width = u64::from(tile.width());
        let first = tile.index().checked_mul(u64::from(TILE_WIDTH)).ok_or(Error::NotFound)?;
        let end = first.checked_add(width).ok_or(Error::NotFound)?;
        match tile.kind() {
            TileKind::Entries => {
                if !actor.is_some_and(policy::may_read_audit) {
                    return Err(if actor.is_some() { Error::Forbidden } else { Error::Unauthenticated });
                }
                if end > size {
                    return Err(Error::NotFound);
                }
                let rows = maruhi_store::audit::ledger_range(&mut conn, first as i64, width as i64).await?;
                if rows.len() as u64 != width {
                    return Err(tampered("ledger entries are missing"));
                }
                let entries = rows.iter().map(entry_of).collect::<Result<Vec<_>>>()?;
                maruhi_ledger::tile::encode_entry_bundle(&entries).map_err(|e| Error::Internal(e.to_string()))
            }
            _ => {
                // Nodes at tree level 8L; only those complete within the checkpoint.
                let level = tile.tree_level();
                if level >= 64 || end > (size >> level) {
                    return Err(Error::NotFound);
                }
                let hashes = read_nodes(&mut conn, &tile.nodes()).await?;
                Ok(maruhi_ledger::tile::encode_hash_tile(&hashes))
            }
        }
    }
}

/// The message imprint a time stamp over a checkpoint carries: the SHA-256
/// of the checkpoint's text (origin, size, root; no signatures).
pub fn checkpoint_imprint(checkpoint_text: &str) -> [u8; 32] {
    Sha256::digest(checkpoint_text.as_bytes()).into()
}

impl Service {
    /// The latest checkpoint when it has no time stamp yet: (size, imprint).
    pub async fn checkpoint_to_timestamp(&self) -> Result<Option<(i64, [u8; 32])>> {
        let mut conn = self.db.read().await?;
        let Some(cp) = maruhi_store::ledger::latest_checkpoint(&mut conn).await? else { return Ok(None) };
        if maruhi_store::ledger::latest_timestamp(&mut conn).await?.is_some_and(|t| t.size >= cp.size) {
            return Ok(None);
        }
        let note = maruhi_ledger::note::Note::parse(cp.note.as_bytes()).map_err(ledger_err)?;
        Ok(Some((cp.size, checkpoint_imprint(note.text()))))
    }

    /// Every time-stamped checkpoint with its chain: the original token,
    /// then each renewal (a token over the SHA-256 of the one before).
    pub async fn timestamp_chains(&self) -> Result<Vec<(i64, Vec<Vec<u8>>)>> {
        let mut conn = self.db.read().await?;
        let mut chains = Vec::new();
        for t in maruhi_store::ledger::timestamps(&mut conn).await? {
            let mut chain = vec![t.token];
            chain.extend(maruhi_store::ledger::renewals(&mut conn, t.size).await?.into_iter().map(|r| r.token));
            chains.push((t.size, chain));
        }
        Ok(chains)
    }

    /// The chains whose latest token must be renewed: its TSA certificate
    /// expires within `within`, or it no longer verifies under `anchors`
    /// (renewing early never hurts). Each with the imprint to stamp.
    pub async fn renewals_due(&self, within: std::time::Duration, anchors: &[Vec<u8>]) -> Result<Vec<RenewalDue>> {
        let horizon = (self.now() + within).unix_timestamp().max(0) as u64;
        let mut due = Vec::new();
        for (size, chain) in self.timestamp_chains().await? {
            let Some(latest) = chain.last() else { continue };
            let imprint = match chain.len() {
                1 => self.checkpoint_imprint_of(size).await?,
                n => Sha256::digest(&chain[n - 2]).into(),
            };
            let expiring = match maruhi_timestamp::verify_token(latest, &imprint, anchors) {
                Ok(stamp) => stamp.not_after <= horizon,
                Err(_) => true,
            };
            if expiring {
                due.push(RenewalDue { size, seq: chain.len() as i64, imprint: Sha256::digest(latest).into() });
            }
        }
        Ok(due)
    }

    /// Verifies a renewal token over the SHA-256 of the chain's latest token
    /// and stores it as the chain's next link.
    pub async fn store_renewal(
        &self,
        due: &RenewalDue,
        token: &[u8],
        anchors: &[Vec<u8>],
    ) -> Result<maruhi_timestamp::TimeStamp> {
        let stamp = maruhi_timestamp::verify_token(token, &due.imprint, anchors).map_err(|e| Error::Peer {
            code: e.code(),
            peer: "time-stamp authority".into(),
            detail: e.to_string(),
        })?;
        let at = time::OffsetDateTime::from_unix_timestamp(stamp.unix_time as i64)
            .map_err(|e| Error::Internal(format!("time stamp date: {e}")))?;
        let mut tx = self.db.begin().await?;
        let row = maruhi_store::ledger::RenewalRow {
            size: due.size,
            seq: due.seq,
            token: token.to_vec(),
            tsa: stamp.tsa.clone(),
            stamped_at: crate::clock::format_time(at),
        };
        maruhi_store::ledger::insert_renewal(tx.conn(), &row).await?;
        tx.commit().await?;
        Ok(stamp)
    }

    async fn checkpoint_imprint_of(&self, size: i64) -> Result<[u8; 32]> {
        let mut conn = self.db.read().await?;
        let cp = maruhi_store::ledger::checkpoint_of_size(&mut conn, size).await?.ok_or(Error::NotFound)?;
        let note = maruhi_ledger::note::Note::parse(cp.note.as_bytes()).map_err(ledger_err)?;
        Ok(checkpoint_imprint(note.text()))
    }

    /// Verifies a TSA's token over the checkpoint of `size` and stores it.
    pub async fn store_timestamp(
        &self,
        size: i64,
        token: &[u8],
        anchors: &[Vec<u8>],
    ) -> Result<maruhi_timestamp::TimeStamp> {
        let mut tx = self.db.begin().await?;
        let cp = maruhi_store::ledger::checkpoint_of_size(tx.conn(), size).await?.ok_or(Error::NotFound)?;
        let note = maruhi_ledger::note::Note::parse(cp.note.as_bytes()).map_err(ledger_err)?;
        let stamp = maruhi_timestamp::verify_token(token, &checkpoint_imprint(note.text()), anchors)
            .map_err(|e| Error::Peer { code: e.code(), peer: "time-stamp authority".into(), detail: e.to_string() })?;
        let at = time::OffsetDateTime::from_unix_timestamp(stamp.unix_time as i64)
            .map_err(|e| Error::Internal(format!("time stamp date: {e}")))?;
        let row = maruhi_store::ledger::TimestampRow {
            size,
            token: token.to_vec(),
            tsa: stamp.tsa.clone(),
            stamped_at: crate::clock::format_time(at),
        };
        maruhi_store::ledger::insert_timestamp(tx.conn(), &row).await?;
        tx.commit().await?;
        Ok(stamp)
    }

    /// The token that dates entry `index`: (checkpoint size, DER token).
    pub async fn timestamp_token_for(&self, index: i64) -> Result<Option<(i64, Vec<u8>)>> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::ledger::timestamp_covering(&mut conn, index).await?.map(|t| (t.size, t.token)))
    }
}
