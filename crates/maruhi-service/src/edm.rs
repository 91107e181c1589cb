//! Exact data match (EDM) inside an installation: customer databases
//! registered by their CSV export, kept only as an index of keyed hashes
//! (maruhi-edm) in `DATA_DIR/edm/`, and looked for by every scan.
//!
//! A dataset is added, refreshed from a new export and removed by admin and
//! legal/IP, or by the 管理責任者 of the secret it belongs to; each of these
//! is an audit event (in the ledger) with the export's SHA-256 and counts,
//! never a value. The matcher is loaded once per process and rebuilt when a
//! dataset changes, like the fingerprint index.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use maruhi_edm::{Dataset, Declared, Index, Key, Matcher};
use maruhi_store::edm::DatasetRow;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::Msg;
use crate::model::Role;
use crate::validate::Problems;
use crate::{policy, Actor, Error, Result, Service};

pub use maruhi_edm::{ColumnType, Delta, Severity};
pub use maruhi_scan::EdmFinding;

/// A registered dataset as people see it: no values, only its shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdmDataset {
    pub id: i64,
    pub name: String,
    pub secret_id: Option<i64>,
    pub columns: Vec<EdmColumn>,
    pub primary: String,
    /// Rows indexed (distinct, with a primary value).
    pub rows: i64,
    /// Data rows of the last export.
    pub source_rows: i64,
    /// Size of the index file.
    pub bytes: i64,
    pub source_sha256: String,
    pub created_at: String,
    pub refreshed_at: String,
}

/// One column of a dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EdmColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    pub part: maruhi_edm::NamePart,
}

/// What an add or a refresh did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdmOutcome {
    pub dataset: EdmDataset,
    /// Rows left out: no primary value, or one that is not of its type.
    pub skipped: u64,
    /// Rows added, removed and kept (a refresh only).
    pub delta: Option<Delta>,
}

/// The loaded matcher and the state of the datasets it was built from.
#[derive(Default)]
pub(crate) struct EdmCache(Mutex<Option<(String, Arc<Matcher>)>>);

fn dataset(row: DatasetRow) -> EdmDataset {
    let columns: Vec<EdmColumn> = serde_json::from_str(&row.columns_json).unwrap_or_default();
    EdmDataset {
        id: row.id,
        name: row.name,
        secret_id: row.secret_id,
        columns,
        primary: row.primary_column,
        rows: row.row_count,
        source_rows: row.source_rows,
        bytes: row.bytes,
        source_sha256: row.source_sha256,
        created_at: row.created_at,
        refreshed_at: row.refreshed_at,
    }
}

/// Hashes what is read (the export's SHA-256 goes into the ledger).
struct HashingReader<R> {
    inner: R,
    hash: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hash.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

fn build_error(e: maruhi_edm::Error) -> Error {
    match e {
        maruhi_edm::Error::Empty | maruhi_edm::Error::Csv { .. } => Error::invalid("file", Msg::EdmCsvInvalid),
        maruhi_edm::Error::NoPrimary => Error::invalid("file", Msg::EdmNoPrimary),
        maruhi_edm::Error::Schema { .. } => Error::invalid("schema", Msg::EdmSchemaInvalid),
        maruhi_edm::Error::Io(e) => Error::Internal(format!("edm index: {e}")),
        other => Error::Internal(format!("edm index: {other}")),
    }
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(hex_lower(&b))
}

impl Service {
    /// Keeps exact-data-match indexes in `dir` (the data directory's `edm/`).
    pub fn with_edm_dir(mut self, dir: impl Into<PathBuf>) -> Service {
        self.edm_dir = Some(dir.into());
        self
    }

    fn edm_dir(&self) -> Result<&Path> {
        self.edm_dir.as_deref().ok_or(Error::NotConfigured(Msg::EdmNotConfigured))
    }

    fn edm_key(&self) -> Result<Key> {
        Ok(Key::from_bytes(self.scan_keys()?.edm))
    }

    /// Whether the actor may add, refresh or remove a dataset of `secret_id`.
    async fn may_manage_dataset(&self, actor: &Actor, secret_id: Option<i64>) -> Result<()> {
        match secret_id {
            Some(sid) => {
                let mut conn = self.db.read().await?;
                let row = self.visible_row(&mut conn, actor, sid).await?;
                if !policy::may_manage_secret(actor, row.manager_id) {
                    return Err(Error::Forbidden);
                }
            }
            None if !policy::may_manage_collections(actor) => return Err(Error::Forbidden),
            None => {}
        }
        Ok(())
    }

    /// Registers a customer database by its CSV export (UTF-8 or
    /// Shift_JIS, header row first), read in one pass; `schema` is the
    /// text of a schema file (types, primary column). Only keyed hashes are
    /// written.
    pub async fn edm_add(
        &self,
        actor: &Actor,
        name: &str,
        secret_id: Option<i64>,
        csv: impl Read + Send + 'static,
        schema: Option<&str>,
    ) -> Result<EdmOutcome> {
        let mut problems = Problems::default();
        let name = problems.text("name", name, true, 200);
        problems.finish()?;
        self.may_manage_dataset(actor, secret_id).await?;
        let declared = match schema {
            Some(text) => Declared::parse(text).map_err(build_error)?,
            None => Declared::default(),
        };
        {
            let mut conn = self.db.read().await?;
            if maruhi_store::edm::by_name(&mut conn, &name).await?.is_some() {
                return Err(Error::Conflict(Msg::EdmNameTaken));
            }
        }
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
        let built = self.edm_build(csv, declared, salt, None).await?;
        let at = self.now_text();
        let mut row = built.row(name, secret_id, actor.user_id, &at);
        let mut tx = self.db.begin().await?;
        let id = match maruhi_store::edm::insert(tx.conn(), &row).await {
            Ok(id) => id,
            Err(maruhi_store::StoreError::Duplicate { .. }) => {
                built.discard();
                return Err(Error::Conflict(Msg::EdmNameTaken));
            }
            Err(e) => {
                built.discard();
                return Err(e.into());
            }
        };
        row.id = id;
        let summary = json!({
            "dataset": id, "name": row.name, "columns": built.column_names(), "primary": row.primary_column,
            "rows": row.row_count, "source_rows": row.source_rows, "source_sha256": row.source_sha256,
        });
        let event = match secret_id {
            Some(sid) => Event::new(actor, AuditAction::EdmAdd, "secret", sid),
            None => Event::new(actor, AuditAction::EdmAdd, "edm_dataset", id),
        };
        audit::record(&mut tx, &at, event.summary(summary)).await?;
        tx.commit().await?;
        Ok(EdmOutcome { skipped: built.stats.skipped, delta: None, dataset: dataset(row) })
    }

    /// Replaces a dataset's rows by those of a new export: the index is
    /// rebuilt under the same salt, compared with the old one (rows added,
    /// removed, kept) and swapped in; the old file is removed after the
    /// commit.
    pub async fn edm_refresh(&self, actor: &Actor, name: &str, csv: impl Read + Send + 'static) -> Result<EdmOutcome> {
        let old = {
            let mut conn = self.db.read().await?;
            maruhi_store::edm::by_name(&mut conn, name).await?.ok_or(Error::NotFound)?
        };
        self.may_manage_dataset(actor, old.secret_id).await?;
        let dir = self.edm_dir()?.to_owned();
        let key = self.edm_key()?;
        let old_path = dir.join(&old.file);
        let old_index = {
            let key = key.clone();
            tokio::task::spawn_blocking(move || Index::load(&old_path, &key)).await.map_err(Error::task)?
        }
        .map_err(|e| Error::Tampered(format!("edm index of {}: {e}", old.name)))?;
        // The old schema's declared types stay: the header decides again,
        // and a column that changed type is a changed row.
        let declared = Declared {
            primary: Some(old_index.schema().primary().name.clone()),
            types: old_index.schema().columns.iter().map(|c| (c.name.clone(), c.kind)).collect(),
            ignore: Vec::new(),
        };
        let built = self.edm_build(csv, declared, old_index.salt(), Some(old_index.dir_bits())).await?;
        let delta = {
            let (path, key) = (built.path.clone(), key.clone());
            let new_index = tokio::task::spawn_blocking(move || Index::load(&path, &key))
                .await
                .map_err(Error::task)?
                .map_err(build_error)?;
            new_index.delta(&old_index)
        };
        drop(old_index);
        let at = self.now_text();
        let mut row = built.row(old.name.clone(), old.secret_id, old.created_by, &old.created_at);
        row.id = old.id;
        row.refreshed_at = at.clone();
        let mut tx = self.db.begin().await?;
        if let Err(e) = maruhi_store::edm::refresh(tx.conn(), &row).await {
            built.discard();
            return Err(e.into());
        }
        let summary = json!({
            "dataset": old.id, "name": old.name, "rows": row.row_count, "source_rows": row.source_rows,
            "source_sha256": row.source_sha256, "added": delta.added, "removed": delta.removed,
            "unchanged": delta.unchanged, "previous_sha256": old.source_sha256,
        });
        let event = match old.secret_id {
            Some(sid) => Event::new(actor, AuditAction::EdmRefresh, "secret", sid),
            None => Event::new(actor, AuditAction::EdmRefresh, "edm_dataset", old.id),
        };
        audit::record(&mut tx, &at, event.summary(summary)).await?;
        tx.commit().await?;
        let _ = std::fs::remove_file(dir.join(&old.file));
        Ok(EdmOutcome { skipped: built.stats.skipped, delta: Some(delta), dataset: dataset(row) })
    }

    /// The datasets the actor may know of: a secret's datasets for those
    /// who see the secret (need-to-know: the others do not learn it
    /// exists); the others for admin, legal/IP, analysts and auditors.
    pub async fn edm_list(&self, actor: &Actor) -> Result<Vec<EdmDataset>> {
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for row in maruhi_store::edm::list(&mut conn).await? {
            let visible = match row.secret_id {
                Some(sid) => match maruhi_store::secrets::get(&mut conn, sid).await? {
                    Some(s) => Self::may_view(&mut conn, actor, &s).await?,
                    None => false,
                },
                None => policy::sees_collections(actor.role) || actor.role == Role::Auditor,
            };
            if visible {
                out.push(dataset(row));
            }
        }
        Ok(out)
    }

    /// The datasets of one secret, for its page.
    pub async fn edm_for_secret(&self, actor: &Actor, secret_id: i64) -> Result<Vec<EdmDataset>> {
        {
            let mut conn = self.db.read().await?;
            self.visible_row(&mut conn, actor, secret_id).await?;
        }
        Ok(self.edm_list(actor).await?.into_iter().filter(|d| d.secret_id == Some(secret_id)).collect())
    }

    /// Removes a dataset and its index file (its audit history stays).
    pub async fn edm_remove(&self, actor: &Actor, name: &str) -> Result<()> {
        let row = {
            let mut conn = self.db.read().await?;
            maruhi_store::edm::by_name(&mut conn, name).await?.ok_or(Error::NotFound)?
        };
        self.may_manage_dataset(actor, row.secret_id).await?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        maruhi_store::edm::remove(tx.conn(), row.id).await?;
        let summary = json!({"dataset": row.id, "name": row.name, "rows": row.row_count});
        let event = match row.secret_id {
            Some(sid) => Event::new(actor, AuditAction::EdmRemove, "secret", sid),
            None => Event::new(actor, AuditAction::EdmRemove, "edm_dataset", row.id),
        };
        audit::record(&mut tx, &at, event.summary(summary)).await?;
        tx.commit().await?;
        if let Ok(dir) = self.edm_dir() {
            let _ = std::fs::remove_file(dir.join(&row.file));
        }
        Ok(())
    }

    /// The matcher over every dataset, loaded once and again when one
    /// changed; `None` when there are none (or no EDM folder).
    pub async fn edm_matcher(&self) -> Result<Option<Arc<Matcher>>> {
        let Some(dir) = self.edm_dir.clone() else { return Ok(None) };
        let rows = {
            let mut conn = self.db.read().await?;
            maruhi_store::edm::list(&mut conn).await?
        };
        if rows.is_empty() {
            return Ok(None);
        }
        let state: String = rows.iter().map(|r| format!("{}:{};", r.id, r.file)).collect();
        if let Ok(cache) = self.edm_cache.0.lock() {
            if let Some((s, m)) = cache.as_ref() {
                if *s == state {
                    return Ok(Some(Arc::clone(m)));
                }
            }
        }
        let key = self.edm_key()?;
        let matcher = tokio::task::spawn_blocking(move || -> Result<Matcher> {
            let mut datasets = Vec::with_capacity(rows.len());
            for r in rows {
                let index = Index::load(&dir.join(&r.file), &key)
                    .map_err(|e| Error::Tampered(format!("edm index of {}: {e}", r.name)))?;
                datasets.push(Dataset { name: r.name, secret_id: r.secret_id, index });
            }
            Ok(Matcher::new(datasets))
        })
        .await
        .map_err(Error::task)??;
        let matcher = Arc::new(matcher);
        if let Ok(mut cache) = self.edm_cache.0.lock() {
            *cache = Some((state, Arc::clone(&matcher)));
        }
        Ok(Some(matcher))
    }

    /// Builds an index file from an export on a blocking thread.
    async fn edm_build(
        &self,
        csv: impl Read + Send + 'static,
        declared: Declared,
        salt: [u8; 16],
        dir_bits: Option<u32>,
    ) -> Result<Built> {
        let dir = self.edm_dir()?.to_owned();
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io { what: "creating", path: dir.clone(), source })?;
        let file = format!("{}.edm", random_hex(16)?);
        let path = dir.join(&file);
        let key = self.edm_key()?;
        let hash = Arc::new(Mutex::new(Sha256::new()));
        let reader = HashingReader { inner: csv, hash: Arc::clone(&hash) };
        let p = path.clone();
        let result = tokio::task::spawn_blocking(move || {
            maruhi_edm::index::build(reader, maruhi_edm::Encoding::Auto, &declared, &key, salt, dir_bits, &p)
        })
        .await
        .map_err(Error::task)?;
        let (schema, stats) = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(build_error(e));
            }
        };
        let sha = hash.lock().map(|h| hex_lower(&h.clone().finalize())).unwrap_or_default();
        Ok(Built { file, path, schema, stats, sha256: sha })
    }

    /// Records the exact-data-match findings of scanned files, one event
    /// per finding: the counts, columns and masked examples, never a value.
    pub(crate) fn edm_events<'a>(actor: &'a Actor, reports: &[maruhi_scan::FileReport]) -> Vec<Event<'a>> {
        let mut events = Vec::new();
        for report in reports {
            for f in &report.edm {
                let summary = json!({
                    "path": f.path, "file_sha256": report.sha256, "dataset": f.dataset, "rows": f.rows,
                    "columns": f.columns, "examples": f.examples, "severity": f.severity,
                });
                let event = match f.secret_id {
                    Some(sid) => Event::new(actor, AuditAction::EdmFinding, "secret", sid),
                    None => Event::new(actor, AuditAction::EdmFinding, "edm_dataset", &f.dataset),
                };
                events.push(event.summary(summary));
            }
        }
        events
    }
}

/// An index file written, not yet registered.
struct Built {
    file: String,
    path: PathBuf,
    schema: maruhi_edm::Schema,
    stats: maruhi_edm::BuildStats,
    sha256: String,
}

impl Built {
    fn column_names(&self) -> Vec<&str> {
        self.schema.columns.iter().map(|c| c.name.as_str()).collect()
    }

    fn row(&self, name: String, secret_id: Option<i64>, created_by: Option<i64>, at: &str) -> DatasetRow {
        let columns: Vec<EdmColumn> = self
            .schema
            .columns
            .iter()
            .map(|c| EdmColumn { name: c.name.clone(), kind: c.kind, part: c.part })
            .collect();
        DatasetRow {
            id: 0,
            name,
            secret_id,
            columns_json: serde_json::to_string(&columns).unwrap_or_else(|_| "[]".into()),
            primary_column: self.schema.primary().name.clone(),
            source_rows: self.stats.source_rows as i64,
            row_count: self.stats.rows as i64,
            bytes: self.stats.bytes as i64,
            file: self.file.clone(),
            source_sha256: self.sha256.clone(),
            created_by,
            created_at: at.to_owned(),
            refreshed_at: at.to_owned(),
        }
    }

    fn discard(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
