//! The audit trail table. Rows are only ever inserted.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::query::Sql;
use crate::rows::AuditRow;
use crate::Result;

pub struct NewAuditEvent<'a> {
    pub occurred_at: &'a str,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    pub summary: &'a str,
    pub remote_addr: Option<&'a str>,
    pub ledger_index: i64,
    pub salt: &'a str,
    pub commitment: &'a str,
}

pub async fn append(conn: &mut AnyConnection, e: &NewAuditEvent<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO audit_events (occurred_at, actor_id, actor_name, action, object_type, object_id, summary, \
         remote_addr, ledger_index, salt, commitment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING seq",
    )
    .bind(e.occurred_at)
    .bind(e.actor_id)
    .bind(e.actor_name)
    .bind(e.action)
    .bind(e.object_type)
    .bind(e.object_id)
    .bind(e.summary)
    .bind(e.remote_addr)
    .bind(e.ledger_index)
    .bind(e.salt)
    .bind(e.commitment)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("seq")?)
}

/// Appends many events, many rows per statement (each row binds 11 parameters).
pub async fn append_many(conn: &mut AnyConnection, events: &[NewAuditEvent<'_>]) -> Result<()> {
    crate::query::insert_rows(
        conn,
        "INSERT INTO audit_events (occurred_at, actor_id, actor_name, action, object_type, object_id, summary, \
         remote_addr, ledger_index, salt, commitment) VALUES ",
        "",
        events,
        |e| {
            [
                e.occurred_at.into(),
                e.actor_id.into(),
                e.actor_name.into(),
                e.action.into(),
                e.object_type.into(),
                e.object_id.into(),
                e.summary.into(),
                e.remote_addr.into(),
                e.ledger_index.into(),
                e.salt.into(),
                e.commitment.into(),
            ]
        },
    )
    .await?;
    Ok(())
}

fn decode(r: &AnyRow) -> Result<AuditRow> {
    Ok(AuditRow {
        seq: r.try_get("seq")?,
        occurred_at: r.try_get("occurred_at")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        action: r.try_get("action")?,
        object_type: r.try_get("object_type")?,
        object_id: r.try_get("object_id")?,
        summary: r.try_get("summary")?,
        remote_addr: r.try_get("remote_addr")?,
        ledger_index: r.try_get("ledger_index")?,
        salt: r.try_get("salt")?,
        commitment: r.try_get("commitment")?,
    })
}

const SELECT: &str = "SELECT seq, occurred_at, actor_id, actor_name, action, object_type, object_id, summary, \
     remote_addr, ledger_index, salt, commitment FROM audit_events";

/// Events about one object, oldest first.
pub async fn for_object(conn: &mut AnyConnection, object_type: &str, object_id: &str) -> Result<Vec<AuditRow>> {
    let sql = format!("{SELECT} WHERE object_type = $1 AND object_id = $2 ORDER BY seq");
    sqlx::query(&sql).bind(object_type).bind(object_id).fetch_all(conn).await?.iter().map(decode).collect()
}

/// When the newest event of `action` about an object happened.
pub async fn last_at(
    conn: &mut AnyConnection,
    action: &str,
    object_type: &str,
    object_id: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT MAX(occurred_at) AS at FROM audit_events WHERE object_type = $1 AND object_id = $2 AND action = $3",
    )
    .bind(object_type)
    .bind(object_id)
    .bind(action)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("at")?)
}

/// The newest events first, optionally filtered by action prefix.
pub async fn page(
    conn: &mut AnyConnection,
    action_prefix: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRow>, i64)> {
    let filter = AuditFilter { action_prefix: action_prefix.map(str::to_owned), ..AuditFilter::default() };
    search(conn, &filter, limit, offset).await
}

/// Which audit events to list; `None` is no condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action_prefix: Option<String>,
    pub actor_name: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Events at or after this time (RFC 3339 UTC, as stored).
    pub since: Option<String>,
    /// Events before this time.
    pub before: Option<String>,
}

fn audit_conditions(sql: &mut Sql, f: &AuditFilter) {
    sql.push(" WHERE 1 = 1");
    if let Some(p) = f.action_prefix.as_deref().filter(|p| !p.is_empty()) {
        // '_' and '%' in action ids are literal.
        let mut pat = String::new();
        for c in p.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pat.push('\\');
            }
            pat.push(c);
        }
        pat.push('%');
        sql.push(" AND action LIKE ").bind(pat).push(" ESCAPE '\\'");
    }
    if let Some(v) = &f.actor_name {
        sql.push(" AND actor_name = ").bind(v.clone());
    }
    if let Some(v) = &f.object_type {
        sql.push(" AND object_type = ").bind(v.clone());
    }
    if let Some(v) = &f.object_id {
        sql.push(" AND object_id = ").bind(v.clone());
    }
    if let Some(v) = &f.since {
        sql.push(" AND occurred_at >= ").bind(v.clone());
    }
    if let Some(v) = &f.before {
        sql.push(" AND occurred_at < ").bind(v.clone());
    }
}

/// The newest events that match `f` first, and how many match in all.
pub async fn search(
    conn: &mut AnyConnection,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditRow>, i64)> {
    let mut count = Sql::new("SELECT COUNT(*) AS n FROM audit_events");
    let mut sql = Sql::new(SELECT);
    audit_conditions(&mut count, f);
    audit_conditions(&mut sql, f);
    let total: i64 = count.query().fetch_one(&mut *conn).await?.try_get("n")?;
    sql.push(" ORDER BY seq DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
    let rows = sql.query().fetch_all(conn).await?;
    Ok((rows.iter().map(decode).collect::<Result<_>>()?, total))
}

/// Events about objects of the given types that happened at or before
/// `until` (an RFC 3339 UTC time as the trail stores it), oldest first: what
/// rebuilding the register as it stood reads.
pub async fn of_types_until(conn: &mut AnyConnection, types: &[&str], until: &str) -> Result<Vec<AuditRow>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" WHERE occurred_at <= ").bind(until.to_owned()).push(" AND object_type IN (");
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind((*t).to_owned());
    }
    sql.push(") ORDER BY seq");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// The event at a ledger index.
pub async fn by_ledger_index(conn: &mut AnyConnection, index: i64) -> Result<Option<AuditRow>> {
    let sql = format!("{SELECT} WHERE ledger_index = $1");
    sqlx::query(&sql).bind(index).fetch_optional(conn).await?.as_ref().map(decode).transpose()
}

/// Ledger events in index order from `from`, at most `limit`.
pub async fn ledger_range(conn: &mut AnyConnection, from: i64, limit: i64) -> Result<Vec<AuditRow>> {
    let sql = format!("{SELECT} WHERE ledger_index >= $1 ORDER BY ledger_index LIMIT $2");
    sqlx::query(&sql).bind(from).bind(limit).fetch_all(conn).await?.iter().map(decode).collect()
}

/// Audit events that carry no ledger index although recorded after the first
/// one that does: rows inserted behind the ledger's back.
pub async fn unindexed_after_ledger_start(conn: &mut AnyConnection) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT seq FROM audit_events WHERE ledger_index IS NULL AND seq > \
         (SELECT COALESCE(MIN(seq), 0) FROM audit_events WHERE ledger_index = 0) \
         AND EXISTS (SELECT 1 FROM audit_events WHERE ledger_index = 0) ORDER BY seq LIMIT 100",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("seq")?)).collect()
}

/// Erases the personal details of every event by or about user `user_id`
/// (its actor, or its object as a user): actor name, address, summary and
/// the commitment's salt. The ledger entry (which holds only the commitment)
/// is untouched, so every proof stays valid (APPI erasure requests).
/// Returns how many events were erased.
pub async fn erase_personal(conn: &mut AnyConnection, user_id: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE audit_events SET actor_name = '(erased)', remote_addr = NULL, summary = '{}', salt = NULL \
         WHERE (actor_id = $1 OR (object_type = 'user' AND object_id = $2)) AND actor_name <> '(erased)'",
    )
    .bind(user_id)
    .bind(user_id.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
