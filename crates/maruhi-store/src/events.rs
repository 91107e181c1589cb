//! Activity events for insider-risk detection, and the imports that brought
//! them in.
//!
//! Events are keyed by their stable `event.id`, so inserting a batch is
//! idempotent: rows already present are left alone (`ON CONFLICT DO NOTHING`)
//! and counted as duplicates by the caller. Reads come in keyset pages ordered
//! by `(ts_ms, id)`, the order of the indexes, so a reader can walk months of
//! one user's events with bounded memory.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::query::Sql;
use crate::{Result, StoreError};

/// One event to insert.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// `event.id`.
    pub id: &'a str,
    /// `@timestamp` in milliseconds since the Unix epoch (UTC).
    pub ts_ms: i64,
    /// `user.name`, when the source names one.
    pub user_name: Option<&'a str>,
    /// `event.action`.
    pub action: &'a str,
    /// The canonical JSON line.
    pub body: &'a str,
    /// Where its record starts in the imported file: the 1-based line, or
    /// for EVTX the `EventRecordID`.
    pub source_line: i64,
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: String,
    pub ts_ms: i64,
    pub user_name: Option<String>,
    pub action: String,
    pub body: String,
    pub import_id: i64,
    /// Where its record starts in the file of the import that stored it
    /// (line, or EVTX record id); `None` for events stored before maruhi
    /// recorded it.
    pub source_line: Option<i64>,
}

/// Where a page of events starts: after this `(ts_ms, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub ts_ms: i64,
    pub id: String,
}

impl EventRow {
    /// The cursor that continues after this row.
    pub fn cursor(&self) -> Cursor {
        Cursor { ts_ms: self.ts_ms, id: self.id.clone() }
    }
}

/// Which events to read: a half-open time range `[from_ms, to_ms)`,
/// optionally of one user, after a cursor.
#[derive(Debug, Clone, Copy)]
pub struct EventQuery<'a> {
    pub user_name: Option<&'a str>,
    pub from_ms: i64,
    pub to_ms: i64,
    pub after: Option<&'a Cursor>,
    pub limit: i64,
}

/// Inserts events that are not stored yet; returns how many were inserted
/// (the rest of the batch were already there, or repeated in it).
pub async fn insert_batch(conn: &mut AnyConnection, import_id: i64, events: &[NewEvent<'_>]) -> Result<u64> {
    crate::query::insert_rows(
        conn,
        "INSERT INTO events (id, ts_ms, user_name, action, body, import_id, source_line) VALUES ",
        " ON CONFLICT (id) DO NOTHING",
        events,
        |e| {
            [
                e.id.into(),
                e.ts_ms.into(),
                e.user_name.into(),
                e.action.into(),
                e.body.into(),
                import_id.into(),
                e.source_line.into(),
            ]
        },
    )
    .await
}

const SELECT: &str = "SELECT id, ts_ms, user_name, action, body, import_id, source_line FROM events";

fn decode(r: &AnyRow) -> Result<EventRow> {
    Ok(EventRow {
        id: r.try_get("id")?,
        ts_ms: r.try_get("ts_ms")?,
        user_name: r.try_get("user_name")?,
        action: r.try_get("action")?,
        body: r.try_get("body")?,
        import_id: r.try_get("import_id")?,
        source_line: r.try_get("source_line")?,
    })
}

/// One page of events in `(ts_ms, id)` order. Continue with the last row's
/// [`EventRow::cursor`] until a page is shorter than the limit.
pub async fn page(conn: &mut AnyConnection, q: &EventQuery<'_>) -> Result<Vec<EventRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE ts_ms >= ").bind(q.from_ms).push(" AND ts_ms < ").bind(q.to_ms);
    if let Some(user) = q.user_name {
        sql.push(" AND user_name = ").bind(user);
    }
    if let Some(c) = q.after {
        // A row-value comparison: SQLite 3.15+ and PostgreSQL both walk the
        // index from the cursor.
        sql.push(" AND (ts_ms, id) > (").bind(c.ts_ms).push(", ").bind(c.id.as_str()).push(")");
    }
    sql.push(" ORDER BY ts_ms, id LIMIT ").bind(q.limit.max(0));
    sql.query().fetch_all(conn).await?.iter().map(decode).collect()
}

/// The stored events with these ids, in `(ts_ms, id)` order (an alert's
/// evidence); ids not stored are left out.
pub async fn by_ids(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<EventRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(crate::PARAMS_PER_STATEMENT) {
        let mut sql = Sql::rows_for(conn, SELECT);
        sql.push(" WHERE id IN (");
        for (i, id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(id.as_str());
        }
        sql.push(")");
        for r in sql.query().fetch_all(&mut *conn).await? {
            out.push(decode(&r)?);
        }
    }
    out.sort_by(|a, b| (a.ts_ms, &a.id).cmp(&(b.ts_ms, &b.id)));
    Ok(out)
}

/// The users with at least one event at or after `since_ms`, in byte order.
pub async fn users_since(conn: &mut AnyConnection, since_ms: i64) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT user_name FROM events WHERE ts_ms >= $1 AND user_name IS NOT NULL ORDER BY user_name",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("user_name")?)).collect()
}

/// How many events are stored.
pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM events").fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

/// One import of an activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub id: i64,
    pub source: String,
    pub format: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub started_at: String,
    /// `None` while running, or when the import was interrupted.
    pub finished_at: Option<String>,
    pub accepted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub skipped: i64,
    pub bytes: i64,
    pub sha256: Option<String>,
    /// The imported file, kept in the vault (`--keep-original`).
    pub original_id: Option<i64>,
}

/// What starting an import writes.
#[derive(Debug, Clone, Copy)]
pub struct NewImport<'a> {
    pub source: &'a str,
    pub format: &'a str,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub started_at: &'a str,
}

/// The counts an import ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub accepted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub skipped: i64,
    pub bytes: i64,
}

/// Starts an import; returns its id.
pub async fn create_import(conn: &mut AnyConnection, i: &NewImport<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO event_imports (source, format, actor_id, actor_name, started_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(i.source)
    .bind(i.format)
    .bind(i.actor_id)
    .bind(i.actor_name)
    .bind(i.started_at)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

/// Records how an import ended.
pub async fn finish_import(
    conn: &mut AnyConnection,
    id: i64,
    counts: &ImportCounts,
    sha256: &str,
    finished_at: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE event_imports SET accepted = $1, duplicates = $2, rejected = $3, skipped = $4, bytes = $5, \
         sha256 = $6, finished_at = $7 WHERE id = $8",
    )
    .bind(counts.accepted)
    .bind(counts.duplicates)
    .bind(counts.rejected)
    .bind(counts.skipped)
    .bind(counts.bytes)
    .bind(sha256)
    .bind(finished_at)
    .bind(id)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

const SELECT_IMPORT: &str = "SELECT id, source, format, actor_id, actor_name, started_at, finished_at, accepted, \
     duplicates, rejected, skipped, bytes, sha256, original_id FROM event_imports";

fn decode_import(r: &AnyRow) -> Result<ImportRow> {
    Ok(ImportRow {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        format: r.try_get("format")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        accepted: r.try_get("accepted")?,
        duplicates: r.try_get("duplicates")?,
        rejected: r.try_get("rejected")?,
        skipped: r.try_get("skipped")?,
        bytes: r.try_get("bytes")?,
        sha256: r.try_get("sha256")?,
        original_id: r.try_get("original_id")?,
    })
}

pub async fn get_import(conn: &mut AnyConnection, id: i64) -> Result<Option<ImportRow>> {
    let row = sqlx::query(&format!("{SELECT_IMPORT} WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode_import).transpose()
}

/// Records the kept original file of an import.
pub async fn set_import_original(conn: &mut AnyConnection, id: i64, file_id: i64) -> Result<()> {
    sqlx::query("UPDATE event_imports SET original_id = $1 WHERE id = $2")
        .bind(file_id)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// The latest imports, newest first.
pub async fn imports(conn: &mut AnyConnection, limit: i64) -> Result<Vec<ImportRow>> {
    let rows =
        sqlx::query(&format!("{SELECT_IMPORT} ORDER BY id DESC LIMIT $1")).bind(limit.max(0)).fetch_all(conn).await?;
    rows.iter().map(decode_import).collect()
}
