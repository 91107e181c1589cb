//! The self-assessment: the facts its automatic items measure, the answers
//! given by hand, and saved snapshots of the scores.
//!
//! Facts are counts over what the other tables record (the register, the
//! audit trail, activity events, alerts, HR dates, cases); this module
//! decides nothing about what they mean.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// Counts over the registered secrets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterFacts {
    pub registered: i64,
    /// With at least one mark (㊙, a legend).
    pub marked: i64,
    /// With at least one storage location.
    pub located: i64,
    /// With a manager and a department.
    pub owned: i64,
    /// With at least one original in the vault.
    pub stored: i64,
    /// Whose access list or entry changed since the given time
    /// (`secret.grant`, `secret.revoke`, `secret.update` in the audit trail).
    pub access_reviewed: i64,
    /// With a review date on or after the given day.
    pub review_current: i64,
}

fn count(r: &AnyRow, name: &str) -> Result<i64> {
    // SUM over no rows is NULL.
    Ok(r.try_get::<Option<i64>, _>(name)?.unwrap_or(0))
}

/// Counts over registered secrets; `since` is an RFC 3339 time, `today` an
/// ISO date.
pub async fn register_facts(conn: &mut AnyConnection, since: &str, today: &str) -> Result<RegisterFacts> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS registered, \
           SUM(CASE WHEN s.marks <> '[]' THEN 1 ELSE 0 END) AS marked, \
           SUM(CASE WHEN s.locations <> '[]' THEN 1 ELSE 0 END) AS located, \
           SUM(CASE WHEN s.manager_id IS NOT NULL AND s.department <> '' THEN 1 ELSE 0 END) AS owned, \
           SUM(CASE WHEN EXISTS (SELECT 1 FROM vault_objects v WHERE v.secret_id = s.id) THEN 1 ELSE 0 END) AS stored, \
           SUM(CASE WHEN EXISTS (SELECT 1 FROM audit_events e WHERE e.object_type = 'secret' \
             AND e.object_id = CAST(s.id AS TEXT) \
             AND e.action IN ('secret.grant', 'secret.revoke', 'secret.update') \
             AND e.occurred_at >= $1) THEN 1 ELSE 0 END) AS access_reviewed, \
           SUM(CASE WHEN s.review_date IS NOT NULL AND s.review_date >= $2 THEN 1 ELSE 0 END) AS review_current \
         FROM secrets s WHERE s.status = 'registered'",
    )
    .bind(since)
    .bind(today)
    .fetch_one(conn)
    .await?;
    Ok(RegisterFacts {
        registered: count(&row, "registered")?,
        marked: count(&row, "marked")?,
        located: count(&row, "located")?,
        owned: count(&row, "owned")?,
        stored: count(&row, "stored")?,
        access_reviewed: count(&row, "access_reviewed")?,
        review_current: count(&row, "review_current")?,
    })
}

/// Pairs of (active person on a registered secret's access list, groups
/// expanded; that secret): how many there are. Those still lacking an
/// acknowledgement are [`crate::acks::outstanding_total`].
pub async fn entitled_pairs(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM ( \
           SELECT a.secret_id, a.principal_id AS user_id FROM secret_access a WHERE a.principal_kind = 'user' \
           UNION SELECT a.secret_id, m.user_id FROM secret_access a JOIN group_members m \
             ON a.principal_kind = 'group' AND m.group_id = a.principal_id \
         ) e JOIN secrets s ON s.id = e.secret_id JOIN users u ON u.id = e.user_id \
         WHERE s.status = 'registered' AND u.disabled = 0",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Activity events of one source in a time window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    pub source: String,
    pub events: i64,
    pub users: i64,
}

/// Events at or after `since_ms`, per import source, with their distinct users.
pub async fn events_by_source(conn: &mut AnyConnection, since_ms: i64) -> Result<Vec<SourceFacts>> {
    let rows = sqlx::query(
        "SELECT i.source AS source, COUNT(*) AS events, COUNT(DISTINCT e.user_name) AS users \
         FROM events e JOIN event_imports i ON i.id = e.import_id WHERE e.ts_ms >= $1 \
         GROUP BY i.source ORDER BY i.source",
    )
    .bind(since_ms)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SourceFacts { source: r.try_get("source")?, events: r.try_get("events")?, users: r.try_get("users")? })
        })
        .collect()
}

/// Events at or after `since_ms` that moved data out: copies to removable
/// media (`file-copy` with `device.type` removable) and uploads.
pub async fn carry_out_events(conn: &mut AnyConnection, since_ms: i64) -> Result<(i64, i64)> {
    // The body is the canonical JSON line; `device.type` is the only field
    // of the schema whose value is "removable".
    let row = sqlx::query(
        "SELECT \
           SUM(CASE WHEN action = 'file-copy' AND body LIKE '%\"type\":\"removable\"%' THEN 1 ELSE 0 END) AS removable, \
           SUM(CASE WHEN action = 'file-upload' THEN 1 ELSE 0 END) AS uploads \
         FROM events WHERE ts_ms >= $1",
    )
    .bind(since_ms)
    .fetch_one(conn)
    .await?;
    Ok((count(&row, "removable")?, count(&row, "uploads")?))
}

/// User names of active maruhi accounts.
pub async fn active_usernames(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT username FROM users WHERE disabled = 0 ORDER BY username").fetch_all(conn).await?;
    rows.iter().map(|r| Ok(r.try_get("username")?)).collect()
}

/// Distinct days (UTC, `YYYY-MM-DD`) at or after `since` on which a scan
/// recorded a finding.
pub async fn scan_days(conn: &mut AnyConnection, since: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(DISTINCT substr(occurred_at, 1, 10)) AS n FROM audit_events \
         WHERE action IN ('scan.finding', 'scan.contamination') AND occurred_at >= $1",
    )
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// An alert raised since a time: when, and when it was first triaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertTriage {
    pub id: i64,
    pub created_at: String,
    pub first_triaged_at: Option<String>,
}

/// Alerts raised at or after `since`, with their first `risk.triage` event.
pub async fn alert_triage(conn: &mut AnyConnection, since: &str) -> Result<Vec<AlertTriage>> {
    let rows = sqlx::query(
        "SELECT a.id, a.created_at, (SELECT MIN(e.occurred_at) FROM audit_events e \
           WHERE e.object_type = 'alert' AND e.object_id = CAST(a.id AS TEXT) AND e.action = 'risk.triage') AS triaged \
         FROM risk_alerts a WHERE a.created_at >= $1 ORDER BY a.id",
    )
    .bind(since)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AlertTriage {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                first_triaged_at: r.try_get("triaged")?,
            })
        })
        .collect()
}

/// People whose HR end date is in `[from, before)` (ISO dates).
pub async fn leavers(conn: &mut AnyConnection, from: &str, before: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT user_name FROM hr_records WHERE end_date IS NOT NULL AND end_date >= $1 AND end_date < $2 \
         ORDER BY user_name",
    )
    .bind(from)
    .bind(before)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("user_name")?)).collect()
}

/// People a case links, and people with an alert that was triaged (left
/// `new`): those someone looked at.
pub async fn looked_back_people(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT ref AS name FROM case_links WHERE kind = 'person' \
         UNION SELECT user_name AS name FROM risk_alerts WHERE status <> 'new'",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
}

/// A stored answer to an item answered by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub item_id: String,
    pub answer: String,
    pub note: String,
    /// JSON array of `{"name", "sha256"}`.
    pub evidence: String,
    pub answered_by: Option<i64>,
    pub answered_by_name: String,
    pub answered_at: String,
}

/// Records an item's answer, replacing the previous one.
pub async fn upsert_answer(conn: &mut AnyConnection, a: &AnswerRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO assessment_answers (item_id, answer, note, evidence, answered_by, answered_by_name, answered_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (item_id) DO UPDATE SET answer = excluded.answer, \
         note = excluded.note, evidence = excluded.evidence, answered_by = excluded.answered_by, \
         answered_by_name = excluded.answered_by_name, answered_at = excluded.answered_at",
    )
    .bind(a.item_id.as_str())
    .bind(a.answer.as_str())
    .bind(a.note.as_str())
    .bind(a.evidence.as_str())
    .bind(a.answered_by)
    .bind(a.answered_by_name.as_str())
    .bind(a.answered_at.as_str())
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Every stored answer, by item id.
pub async fn answers(conn: &mut AnyConnection) -> Result<Vec<AnswerRow>> {
    let rows = sqlx::query(
        "SELECT item_id, answer, note, evidence, answered_by, answered_by_name, answered_at \
         FROM assessment_answers ORDER BY item_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AnswerRow {
                item_id: r.try_get("item_id")?,
                answer: r.try_get("answer")?,
                note: r.try_get("note")?,
                evidence: r.try_get("evidence")?,
                answered_by: r.try_get("answered_by")?,
                answered_by_name: r.try_get("answered_by_name")?,
                answered_at: r.try_get("answered_at")?,
            })
        })
        .collect()
}

/// A saved assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRow {
    pub id: i64,
    pub taken_at: String,
    pub taken_by: Option<i64>,
    pub taken_by_name: String,
    pub overall: Option<i64>,
    /// JSON object: objective id → score or null.
    pub objectives: String,
    /// JSON array of item results.
    pub items: String,
}

/// Saves a snapshot; returns its id.
pub async fn insert_snapshot(conn: &mut AnyConnection, s: &SnapshotRow) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO assessment_snapshots (taken_at, taken_by, taken_by_name, overall, objectives, items) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(s.taken_at.as_str())
    .bind(s.taken_by)
    .bind(s.taken_by_name.as_str())
    .bind(s.overall)
    .bind(s.objectives.as_str())
    .bind(s.items.as_str())
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

/// Saved snapshots, newest first, at most `limit`.
pub async fn snapshots(conn: &mut AnyConnection, limit: i64) -> Result<Vec<SnapshotRow>> {
    let rows = sqlx::query(
        "SELECT id, taken_at, taken_by, taken_by_name, overall, objectives, items FROM assessment_snapshots \
         ORDER BY taken_at DESC, id DESC LIMIT $1",
    )
    .bind(limit.max(1))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SnapshotRow {
                id: r.try_get("id")?,
                taken_at: r.try_get("taken_at")?,
                taken_by: r.try_get("taken_by")?,
                taken_by_name: r.try_get("taken_by_name")?,
                overall: r.try_get("overall")?,
                objectives: r.try_get("objectives")?,
                items: r.try_get("items")?,
            })
        })
        .collect()
}

/// Snapshots saved at or after `since`.
pub async fn snapshots_since(conn: &mut AnyConnection, since: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM assessment_snapshots WHERE taken_at >= $1")
        .bind(since)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}
