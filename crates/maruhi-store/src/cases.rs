//! Incidents (事案): cases, their members and links, the append-only
//! investigation journal and the files attached to it.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub severity: String,
    pub status: String,
    pub status_reason: String,
    pub opened_by: Option<i64>,
    pub opened_at: String,
    pub updated_at: String,
    pub hold_since: Option<String>,
}

/// What opening a case writes.
#[derive(Debug, Clone, Copy)]
pub struct NewCase<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub severity: &'a str,
    pub opened_by: Option<i64>,
    pub at: &'a str,
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: i64,
    pub case_id: i64,
    pub at: String,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub kind: String,
    pub step: Option<String>,
    /// JSON: the entry's text and whatever its kind carries.
    pub body: String,
    pub refers_to: Option<i64>,
    pub ledger_index: i64,
}

/// What appending to the journal writes.
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'a> {
    pub case_id: i64,
    pub at: &'a str,
    pub author_id: Option<i64>,
    pub author_name: &'a str,
    pub kind: &'a str,
    pub step: Option<&'a str>,
    pub body: &'a str,
    pub refers_to: Option<i64>,
    pub ledger_index: i64,
}

const SELECT: &str = "SELECT id, title, kind, severity, status, status_reason, opened_by, opened_at, updated_at, \
     hold_since FROM cases";

fn decode(r: &AnyRow) -> Result<CaseRow> {
    Ok(CaseRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        kind: r.try_get("kind")?,
        severity: r.try_get("severity")?,
        status: r.try_get("status")?,
        status_reason: r.try_get("status_reason")?,
        opened_by: r.try_get("opened_by")?,
        opened_at: r.try_get("opened_at")?,
        updated_at: r.try_get("updated_at")?,
        hold_since: r.try_get("hold_since")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, c: &NewCase<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO cases (title, kind, severity, status, opened_by, opened_at, updated_at) \
         VALUES ($1, $2, $3, 'open', $4, $5, $5) RETURNING id",
    )
    .bind(c.title)
    .bind(c.kind)
    .bind(c.severity)
    .bind(c.opened_by)
    .bind(c.at)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<CaseRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Every case, newest first; `member` limits them to one user's.
pub async fn list(conn: &mut AnyConnection, member: Option<i64>) -> Result<Vec<CaseRow>> {
    let rows = match member {
        Some(user) => {
            sqlx::query(&format!(
                "{SELECT} WHERE id IN (SELECT case_id FROM case_members WHERE user_id = $1) ORDER BY id DESC"
            ))
            .bind(user)
            .fetch_all(conn)
            .await?
        }
        None => sqlx::query(&format!("{SELECT} ORDER BY id DESC")).fetch_all(conn).await?,
    };
    rows.iter().map(decode).collect()
}

pub async fn set_status(conn: &mut AnyConnection, id: i64, status: &str, reason: &str, at: &str) -> Result<()> {
    sqlx::query("UPDATE cases SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4")
        .bind(status)
        .bind(reason)
        .bind(at)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// Places (`Some(since)`) or releases (`None`) a legal hold.
pub async fn set_hold(conn: &mut AnyConnection, id: i64, since: Option<&str>, at: &str) -> Result<()> {
    sqlx::query("UPDATE cases SET hold_since = $1, updated_at = $2 WHERE id = $3")
        .bind(since)
        .bind(at)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

pub async fn touch(conn: &mut AnyConnection, id: i64, at: &str) -> Result<()> {
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// Adds a member; false when they already were one.
pub async fn add_member(conn: &mut AnyConnection, case_id: i64, user_id: i64, at: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO case_members (case_id, user_id, added_at) VALUES ($1, $2, $3) \
         ON CONFLICT (case_id, user_id) DO NOTHING",
    )
    .bind(case_id)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// The members' user ids, in the order they joined.
pub async fn members(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT user_id FROM case_members WHERE case_id = $1 ORDER BY added_at, user_id")
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("user_id")?)).collect()
}

/// Links a case to what it concerns; false when already linked.
pub async fn add_link(conn: &mut AnyConnection, case_id: i64, kind: &str, reference: &str, at: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO case_links (case_id, kind, ref, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id, kind, ref) DO NOTHING",
    )
    .bind(case_id)
    .bind(kind)
    .bind(reference)
    .bind(at)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// A case's links as `(kind, ref)`, in the order they were added.
pub async fn links(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT kind, ref FROM case_links WHERE case_id = $1 ORDER BY added_at, kind, ref")
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("kind")?, r.try_get("ref")?))).collect()
}

/// The cases under legal hold that concern `reference` (of `kind`), by id.
pub async fn holds_on(conn: &mut AnyConnection, kind: &str, reference: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT c.id FROM cases c JOIN case_links l ON l.case_id = c.id \
         WHERE l.kind = $1 AND l.ref = $2 AND c.hold_since IS NOT NULL ORDER BY c.id",
    )
    .bind(kind)
    .bind(reference)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// Appends a journal entry; returns its id. There is no update or delete.
pub async fn append(conn: &mut AnyConnection, e: &NewEntry<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO case_journal (case_id, at, author_id, author_name, kind, step, body, refers_to, ledger_index) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.case_id)
    .bind(e.at)
    .bind(e.author_id)
    .bind(e.author_name)
    .bind(e.kind)
    .bind(e.step)
    .bind(e.body)
    .bind(e.refers_to)
    .bind(e.ledger_index)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

/// A case's journal, oldest first.
pub async fn journal(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<EntryRow>> {
    let rows = sqlx::query(
        "SELECT id, case_id, at, author_id, author_name, kind, step, body, refers_to, ledger_index \
         FROM case_journal WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EntryRow {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                at: r.try_get("at")?,
                author_id: r.try_get("author_id")?,
                author_name: r.try_get("author_name")?,
                kind: r.try_get("kind")?,
                step: r.try_get("step")?,
                body: r.try_get("body")?,
                refers_to: r.try_get("refers_to")?,
                ledger_index: r.try_get("ledger_index")?,
            })
        })
        .collect()
}

pub async fn attach_file(conn: &mut AnyConnection, entry_id: i64, file_id: i64) -> Result<()> {
    sqlx::query("INSERT INTO case_files (entry_id, file_id) VALUES ($1, $2)")
        .bind(entry_id)
        .bind(file_id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// The files attached to a case's journal as `(entry id, file id)`.
pub async fn files(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT f.entry_id, f.file_id FROM case_files f JOIN case_journal j ON j.id = f.entry_id \
         WHERE j.case_id = $1 ORDER BY f.entry_id, f.file_id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("entry_id")?, r.try_get("file_id")?))).collect()
}
