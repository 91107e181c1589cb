//! Sharing with an industry forum: sharing reports (drafted here or received
//! from a forum) and the installation's sharing dictionary.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One sharing report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub id: i64,
    pub origin: String,
    pub title: String,
    pub tlp: String,
    /// JSON: the draft as written, or the document received.
    pub draft: String,
    pub source_case: Option<i64>,
    pub received_from: String,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub approval: Option<Approval>,
}

/// The exact bytes approved for sharing, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub body: String,
    pub sha256: String,
    pub by_name: String,
    pub at: String,
    pub ledger_index: i64,
}

/// What drafting (or receiving) a report writes.
#[derive(Debug, Clone, Copy)]
pub struct NewReport<'a> {
    pub origin: &'a str,
    pub title: &'a str,
    pub tlp: &'a str,
    pub draft: &'a str,
    pub source_case: Option<i64>,
    pub received_from: &'a str,
    pub created_by: Option<i64>,
    pub created_by_name: &'a str,
    pub at: &'a str,
}

const SELECT: &str = "SELECT id, origin, title, tlp, draft, source_case, received_from, created_by, \
     created_by_name, created_at, updated_at, approved_body, approved_sha256, approved_by_name, approved_at, \
     approved_ledger_index FROM share_reports";

fn decode(r: &AnyRow) -> Result<ReportRow> {
    let body: Option<String> = r.try_get("approved_body")?;
    let approval = match body {
        Some(body) => Some(Approval {
            body,
            sha256: r.try_get::<Option<String>, _>("approved_sha256")?.unwrap_or_default(),
            by_name: r.try_get::<Option<String>, _>("approved_by_name")?.unwrap_or_default(),
            at: r.try_get::<Option<String>, _>("approved_at")?.unwrap_or_default(),
            ledger_index: r.try_get::<Option<i64>, _>("approved_ledger_index")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(ReportRow {
        id: r.try_get("id")?,
        origin: r.try_get("origin")?,
        title: r.try_get("title")?,
        tlp: r.try_get("tlp")?,
        draft: r.try_get("draft")?,
        source_case: r.try_get("source_case")?,
        received_from: r.try_get("received_from")?,
        created_by: r.try_get("created_by")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        approval,
    })
}

pub async fn insert(conn: &mut AnyConnection, r: &NewReport<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO share_reports (origin, title, tlp, draft, source_case, received_from, created_by, \
         created_by_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(r.origin)
    .bind(r.title)
    .bind(r.tlp)
    .bind(r.draft)
    .bind(r.source_case)
    .bind(r.received_from)
    .bind(r.created_by)
    .bind(r.created_by_name)
    .bind(r.at)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<ReportRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Reports of one origin, newest first.
pub async fn list(conn: &mut AnyConnection, origin: &str) -> Result<Vec<ReportRow>> {
    let rows =
        sqlx::query(&format!("{SELECT} WHERE origin = $1 ORDER BY id DESC")).bind(origin).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// Approved local reports in the order they were approved (then by id):
/// what a TAXII collection serves.
pub async fn approved(conn: &mut AnyConnection) -> Result<Vec<ReportRow>> {
    let rows =
        sqlx::query(&format!("{SELECT} WHERE origin = 'local' AND approved_body IS NOT NULL ORDER BY approved_at, id"))
            .fetch_all(conn)
            .await?;
    rows.iter().map(decode).collect()
}

/// Replaces a draft; any approval is cleared, since it was of other bytes.
pub async fn update_draft(
    conn: &mut AnyConnection,
    id: i64,
    title: &str,
    tlp: &str,
    draft: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE share_reports SET title = $1, tlp = $2, draft = $3, updated_at = $4, approved_body = NULL, \
         approved_sha256 = NULL, approved_by_name = NULL, approved_at = NULL, approved_ledger_index = NULL \
         WHERE id = $5",
    )
    .bind(title)
    .bind(tlp)
    .bind(draft)
    .bind(at)
    .bind(id)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Records an approval of exactly `a.body`.
pub async fn approve(conn: &mut AnyConnection, id: i64, a: &Approval) -> Result<()> {
    sqlx::query(
        "UPDATE share_reports SET approved_body = $1, approved_sha256 = $2, approved_by_name = $3, \
         approved_at = $4, approved_ledger_index = $5, updated_at = $4 WHERE id = $6",
    )
    .bind(&a.body)
    .bind(&a.sha256)
    .bind(&a.by_name)
    .bind(&a.at)
    .bind(a.ledger_index)
    .bind(id)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// One dictionary term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRow {
    pub id: i64,
    pub kind: String,
    pub term: String,
    pub added_by_name: String,
    pub added_at: String,
}

/// Adds a term; `false` when it was there already.
pub async fn add_term(conn: &mut AnyConnection, kind: &str, term: &str, by: &str, at: &str) -> Result<bool> {
    let exists = sqlx::query("SELECT id FROM share_dictionary WHERE kind = $1 AND term = $2")
        .bind(kind)
        .bind(term)
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    sqlx::query("INSERT INTO share_dictionary (kind, term, added_by_name, added_at) VALUES ($1, $2, $3, $4)")
        .bind(kind)
        .bind(term)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(true)
}

/// Every term added by hand, by kind then term.
pub async fn terms(conn: &mut AnyConnection) -> Result<Vec<TermRow>> {
    let rows = sqlx::query("SELECT id, kind, term, added_by_name, added_at FROM share_dictionary ORDER BY kind, term")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TermRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                term: r.try_get("term")?,
                added_by_name: r.try_get("added_by_name")?,
                added_at: r.try_get("added_at")?,
            })
        })
        .collect()
}

/// Terms that identify the installation, read where they live: the
/// register's titles (kind `project`), users' names (`person`), user names
/// and HR records' user names (`employee-id`) and the domains of users'
/// mail addresses (`domain`). Pairs of (kind, term), unsorted.
pub async fn derived_terms(conn: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for r in sqlx::query("SELECT title FROM secrets").fetch_all(&mut *conn).await? {
        out.push(("project".to_owned(), r.try_get::<String, _>("title")?));
    }
    for r in sqlx::query("SELECT username, display_name, email FROM users").fetch_all(&mut *conn).await? {
        out.push(("employee-id".to_owned(), r.try_get::<String, _>("username")?));
        out.push(("person".to_owned(), r.try_get::<String, _>("display_name")?));
        let email: String = r.try_get("email")?;
        if let Some((_, domain)) = email.rsplit_once('@') {
            out.push(("domain".to_owned(), domain.to_owned()));
        }
    }
    for r in sqlx::query("SELECT user_name FROM hr_records").fetch_all(&mut *conn).await? {
        out.push(("employee-id".to_owned(), r.try_get::<String, _>("user_name")?));
    }
    Ok(out)
}
