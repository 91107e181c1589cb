//! Insider-risk detection results: indicators, alerts with their triage
//! state, and the company's own and competitors' domains.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError, WriteTx};

/// One indicator as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub user_name: String,
    pub time_ms: i64,
    pub day: String,
    pub rule: String,
    pub title: String,
    pub title_ja: String,
    pub level: String,
    pub weight: f64,
    pub above_usual: bool,
    pub sequence: bool,
    pub reason_ja: String,
    pub reason_en: String,
    /// JSON array of event ids.
    pub event_ids: String,
}

/// One alert as stored: what the analysis produced, and its triage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub id: i64,
    pub alert: NewAlert,
    pub status: String,
    pub comment: String,
    pub stale: bool,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by_name: Option<String>,
    /// Who works the alert: (login name, display name).
    pub assignee: Option<(String, String)>,
}

/// Replaces every stored indicator with `rows` (an analysis recomputes them
/// all). Run inside the analysis's transaction.
pub async fn replace_indicators(conn: &mut AnyConnection, rows: &[IndicatorRow]) -> Result<()> {
    sqlx::query("DELETE FROM risk_indicators").execute(&mut *conn).await.map_err(StoreError::from_write)?;
    crate::query::insert_rows(
        conn,
        "INSERT INTO risk_indicators (user_name, time_ms, day, rule, title, title_ja, level, weight, \
         above_usual, sequence, reason_ja, reason_en, event_ids) VALUES ",
        "",
        rows,
        |r| {
            [
                r.user_name.as_str().into(),
                r.time_ms.into(),
                r.day.as_str().into(),
                r.rule.as_str().into(),
                r.title.as_str().into(),
                r.title_ja.as_str().into(),
                r.level.as_str().into(),
                r.weight.into(),
                i64::from(r.above_usual).into(),
                i64::from(r.sequence).into(),
                r.reason_ja.as_str().into(),
                r.reason_en.as_str().into(),
                r.event_ids.as_str().into(),
            ]
        },
    )
    .await?;
    Ok(())
}

fn decode_indicator(r: &AnyRow) -> Result<IndicatorRow> {
    Ok(IndicatorRow {
        user_name: r.try_get("user_name")?,
        time_ms: r.try_get("time_ms")?,
        day: r.try_get("day")?,
        rule: r.try_get("rule")?,
        title: r.try_get("title")?,
        title_ja: r.try_get("title_ja")?,
        level: r.try_get("level")?,
        weight: r.try_get("weight")?,
        above_usual: r.try_get::<i64, _>("above_usual")? != 0,
        sequence: r.try_get::<i64, _>("sequence")? != 0,
        reason_ja: r.try_get("reason_ja")?,
        reason_en: r.try_get("reason_en")?,
        event_ids: r.try_get("event_ids")?,
    })
}

const INDICATOR_COLUMNS: &str =
    "user_name, time_ms, day, rule, title, title_ja, level, weight, above_usual, sequence, reason_ja, reason_en, event_ids";

/// Every indicator up to `until_ms`, oldest first.
pub async fn indicators(conn: &mut AnyConnection, until_ms: i64) -> Result<Vec<IndicatorRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {INDICATOR_COLUMNS} FROM risk_indicators WHERE time_ms <= $1 ORDER BY time_ms, id"
    ))
    .bind(until_ms)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_indicator).collect()
}

/// The times of the first and the last indicator (Unix milliseconds): the
/// period the analysed data covers.
pub async fn indicator_period(conn: &mut AnyConnection) -> Result<Option<(i64, i64)>> {
    let row =
        sqlx::query("SELECT MIN(time_ms) AS first, MAX(time_ms) AS last FROM risk_indicators").fetch_one(conn).await?;
    let first: Option<i64> = row.try_get("first")?;
    let last: Option<i64> = row.try_get("last")?;
    Ok(first.zip(last))
}

/// One person's indicators, oldest first.
pub async fn indicators_of(conn: &mut AnyConnection, user: &str) -> Result<Vec<IndicatorRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {INDICATOR_COLUMNS} FROM risk_indicators WHERE user_name = $1 ORDER BY time_ms, id"
    ))
    .bind(user)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_indicator).collect()
}

/// An alert as an analysis produces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    /// `rule/user/day`: stable across analyses.
    pub key: String,
    pub user_name: String,
    pub rule: String,
    pub title: String,
    pub title_ja: String,
    pub severity: String,
    pub day: String,
    pub first_event_ms: i64,
    pub last_event_ms: i64,
    pub event_count: i64,
    /// JSON array of event ids.
    pub event_ids: String,
    /// JSON array of `{ja, en}`.
    pub reasons: String,
}

/// Stores an analysis: replaces the indicators, upserts the alerts (see
/// [`upsert_alerts`]) and records the totals, under the analysis lock
/// ([`WriteTx::lock_analysis`]), so two servers analysing at once write one
/// after the other: no indicator is stored twice and each new alert is
/// reported new once. Returns the keys of the new alerts.
pub async fn store_analysis(
    tx: &mut WriteTx,
    indicators: &[IndicatorRow],
    alerts: &[NewAlert],
    at: &str,
    events: i64,
) -> Result<Vec<String>> {
    tx.lock_analysis().await?;
    replace_indicators(tx.conn(), indicators).await?;
    let fresh = upsert_alerts(tx.conn(), alerts, at).await?;
    set_analysis(tx.conn(), at, events, indicators.len() as i64, alerts.len() as i64).await?;
    Ok(fresh)
}

/// Inserts or refreshes alerts by key (`INSERT … ON CONFLICT (alert_key) DO
/// UPDATE`), keeping their triage state; alerts not in `alerts` are marked
/// stale, those in it un-stale. Returns the keys that were new, which is
/// exact only under the analysis lock ([`store_analysis`] takes it).
pub async fn upsert_alerts(conn: &mut AnyConnection, alerts: &[NewAlert], at: &str) -> Result<Vec<String>> {
    let existing: std::collections::HashSet<String> = sqlx::query("SELECT alert_key FROM risk_alerts")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("alert_key"))
        .collect::<std::result::Result<_, _>>()?;
    sqlx::query("UPDATE risk_alerts SET stale = 1").execute(&mut *conn).await.map_err(StoreError::from_write)?;
    // Both SQLite (3.24+) and PostgreSQL (9.5+) spell an upsert this way;
    // `excluded` is the row that was proposed for insertion.
    crate::query::insert_rows(
        conn,
        "INSERT INTO risk_alerts (alert_key, user_name, rule, title, severity, day, first_event_ms, \
         last_event_ms, event_count, event_ids, reasons, created_at, updated_at, title_ja) VALUES ",
        " ON CONFLICT (alert_key) DO UPDATE SET user_name = excluded.user_name, rule = excluded.rule, \
         title = excluded.title, severity = excluded.severity, day = excluded.day, \
         first_event_ms = excluded.first_event_ms, last_event_ms = excluded.last_event_ms, \
         event_count = excluded.event_count, event_ids = excluded.event_ids, reasons = excluded.reasons, \
         stale = 0, title_ja = excluded.title_ja",
        alerts,
        |a| {
            [
                a.key.as_str().into(),
                a.user_name.as_str().into(),
                a.rule.as_str().into(),
                a.title.as_str().into(),
                a.severity.as_str().into(),
                a.day.as_str().into(),
                a.first_event_ms.into(),
                a.last_event_ms.into(),
                a.event_count.into(),
                a.event_ids.as_str().into(),
                a.reasons.as_str().into(),
                at.into(),
                at.into(),
                a.title_ja.as_str().into(),
            ]
        },
    )
    .await?;
    Ok(alerts.iter().filter(|a| !existing.contains(&a.key)).map(|a| a.key.clone()).collect())
}

const ALERT_SELECT: &str = "SELECT a.id, a.alert_key, a.user_name, a.rule, a.title, a.title_ja, a.severity, a.day, \
     a.first_event_ms, a.last_event_ms, a.event_count, a.event_ids, a.reasons, a.status, a.comment, a.stale, \
     a.created_at, a.updated_at, u.display_name AS updated_by_name, \
     w.username AS assignee_username, w.display_name AS assignee_name \
     FROM risk_alerts a LEFT JOIN users u ON u.id = a.updated_by LEFT JOIN users w ON w.id = a.assignee_id";

fn decode_alert(r: &AnyRow) -> Result<AlertRow> {
    Ok(AlertRow {
        id: r.try_get("id")?,
        alert: NewAlert {
            key: r.try_get("alert_key")?,
            user_name: r.try_get("user_name")?,
            rule: r.try_get("rule")?,
            title: r.try_get("title")?,
            title_ja: r.try_get("title_ja")?,
            severity: r.try_get("severity")?,
            day: r.try_get("day")?,
            first_event_ms: r.try_get("first_event_ms")?,
            last_event_ms: r.try_get("last_event_ms")?,
            event_count: r.try_get("event_count")?,
            event_ids: r.try_get("event_ids")?,
            reasons: r.try_get("reasons")?,
        },
        status: r.try_get("status")?,
        comment: r.try_get("comment")?,
        stale: r.try_get::<i64, _>("stale")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        updated_by_name: r.try_get("updated_by_name")?,
        assignee: match (r.try_get::<Option<String>, _>("assignee_username")?, r.try_get("assignee_name")?) {
            (Some(username), Some(name)) => Some((username, name)),
            _ => None,
        },
    })
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    pub status: Option<String>,
    pub user_name: Option<String>,
    pub severity: Option<String>,
    pub rule: Option<String>,
    /// Alerts assigned to this user (login name).
    pub assignee: Option<String>,
    /// Alerts whose day (`YYYY-MM-DD`) is on or after this one.
    pub day_from: Option<String>,
    /// Alerts whose day is on or before this one.
    pub day_to: Option<String>,
    pub include_stale: bool,
    pub limit: i64,
    /// Alerts skipped before the first one returned (paging).
    pub offset: i64,
}

fn alert_conditions(sql: &mut crate::query::Sql, f: &AlertFilter) {
    sql.push(" WHERE 1 = 1");
    if !f.include_stale {
        sql.push(" AND a.stale = 0");
    }
    if let Some(s) = &f.status {
        sql.push(" AND a.status = ").bind(s.clone());
    }
    if let Some(u) = &f.user_name {
        sql.push(" AND a.user_name = ").bind(u.clone());
    }
    if let Some(v) = &f.severity {
        sql.push(" AND a.severity = ").bind(v.clone());
    }
    if let Some(v) = &f.rule {
        sql.push(" AND a.rule = ").bind(v.clone());
    }
    if let Some(v) = &f.assignee {
        sql.push(" AND a.assignee_id = (SELECT id FROM users WHERE username = ").bind(v.clone()).push(")");
    }
    if let Some(v) = &f.day_from {
        sql.push(" AND a.day >= ").bind(v.clone());
    }
    if let Some(v) = &f.day_to {
        sql.push(" AND a.day <= ").bind(v.clone());
    }
}

/// Alerts, newest first: `f.limit` of them after the first `f.offset`.
pub async fn alerts(conn: &mut AnyConnection, f: &AlertFilter) -> Result<Vec<AlertRow>> {
    let mut sql = crate::query::Sql::new(ALERT_SELECT);
    alert_conditions(&mut sql, f);
    sql.push(" ORDER BY a.first_event_ms DESC, a.id DESC LIMIT ").bind(f.limit.max(1));
    sql.push(" OFFSET ").bind(f.offset.max(0));
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(decode_alert).collect()
}

/// How many alerts `f` selects, whatever its limit and offset.
pub async fn count_alerts(conn: &mut AnyConnection, f: &AlertFilter) -> Result<i64> {
    let mut sql = crate::query::Sql::new("SELECT COUNT(*) AS n FROM risk_alerts a");
    alert_conditions(&mut sql, f);
    Ok(sql.query().fetch_one(conn).await?.try_get("n")?)
}

pub async fn alert(conn: &mut AnyConnection, id: i64) -> Result<Option<AlertRow>> {
    let row = sqlx::query(&format!("{ALERT_SELECT} WHERE a.id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode_alert).transpose()
}

pub async fn alert_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<AlertRow>> {
    let row = sqlx::query(&format!("{ALERT_SELECT} WHERE a.alert_key = $1")).bind(key).fetch_optional(conn).await?;
    row.as_ref().map(decode_alert).transpose()
}

/// Sets an alert's triage state. False when there is no such alert.
pub async fn triage(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    comment: &str,
    by: Option<i64>,
    at: &str,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE risk_alerts SET status = $1, comment = $2, updated_by = $3, updated_at = $4 WHERE id = $5")
            .bind(status)
            .bind(comment)
            .bind(by)
            .bind(at)
            .bind(id)
            .execute(conn)
            .await
            .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// Assigns an alert to a user, or to no one. False when there is no such
/// alert.
pub async fn assign(conn: &mut AnyConnection, id: i64, assignee: Option<i64>) -> Result<bool> {
    let done = sqlx::query("UPDATE risk_alerts SET assignee_id = $1 WHERE id = $2")
        .bind(assignee)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// Alerts still to be worked (new or investigating, not stale), per user.
pub async fn open_alert_counts(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT user_name, COUNT(*) AS n FROM risk_alerts \
         WHERE stale = 0 AND status IN ('new', 'investigating') GROUP BY user_name",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("user_name")?, r.try_get("n")?))).collect()
}

/// Records the analysis's totals.
pub async fn set_analysis(conn: &mut AnyConnection, at: &str, events: i64, indicators: i64, alerts: i64) -> Result<()> {
    sqlx::query("UPDATE risk_analysis SET analysed_at = $1, events = $2, indicators = $3, alerts = $4 WHERE id = 1")
        .bind(at)
        .bind(events)
        .bind(indicators)
        .bind(alerts)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// The last analysis: (when, events, indicators, alerts).
pub async fn analysis(conn: &mut AnyConnection) -> Result<(Option<String>, i64, i64, i64)> {
    let r = sqlx::query("SELECT analysed_at, events, indicators, alerts FROM risk_analysis WHERE id = 1")
        .fetch_one(conn)
        .await?;
    Ok((r.try_get("analysed_at")?, r.try_get("events")?, r.try_get("indicators")?, r.try_get("alerts")?))
}

/// Classifies a domain as the company's own or a competitor's.
pub async fn set_domain(
    conn: &mut AnyConnection,
    domain: &str,
    category: &str,
    by: Option<i64>,
    at: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM risk_domains WHERE domain = $1").bind(domain).execute(&mut *conn).await?;
    sqlx::query("INSERT INTO risk_domains (domain, category, added_by, added_at) VALUES ($1, $2, $3, $4)")
        .bind(domain)
        .bind(category)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

pub async fn remove_domain(conn: &mut AnyConnection, domain: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM risk_domains WHERE domain = $1")
        .bind(domain)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// `(domain, category)`, by domain.
pub async fn domains(conn: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT domain, category FROM risk_domains ORDER BY domain").fetch_all(conn).await?;
    rows.iter().map(|r| Ok((r.try_get("domain")?, r.try_get("category")?))).collect()
}

/// A registered secret as detection needs it: where its material lives and
/// who needs to know it (its access list, groups expanded, and its manager).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretScope {
    pub id: i64,
    pub title: String,
    pub locations: Vec<String>,
    pub need_to_know: Vec<String>,
    /// Whether the secret has an access list at all (a grant to a user or a
    /// group, even an empty one); without one, `need_to_know` holds at most
    /// its manager.
    pub granted: bool,
    /// The owning department ('' when none is recorded).
    pub department: String,
}

/// Every secret in force (registered or draft) that names storage locations.
pub async fn secret_scopes(conn: &mut AnyConnection) -> Result<Vec<SecretScope>> {
    let rows = sqlx::query(
        "SELECT id, title, locations, department, \
             (SELECT COUNT(*) FROM secret_access a WHERE a.secret_id = secrets.id) AS grants \
             FROM secrets WHERE status IN ('registered', 'draft') ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let locations = crate::json_list(&r.try_get::<String, _>("locations")?, "locations")?;
        if locations.is_empty() {
            continue;
        }
        out.push(SecretScope {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            locations,
            need_to_know: vec![],
            granted: r.try_get::<i64, _>("grants")? > 0,
            department: r.try_get("department")?,
        });
    }
    let entitled = sqlx::query(
        "SELECT a.secret_id AS sid, u.username AS username FROM secret_access a \
         JOIN users u ON a.principal_kind = 'user' AND u.id = a.principal_id \
         UNION SELECT a.secret_id, u.username FROM secret_access a \
         JOIN group_members gm ON a.principal_kind = 'group' AND gm.group_id = a.principal_id \
         JOIN users u ON u.id = gm.user_id \
         UNION SELECT s.id, u.username FROM secrets s JOIN users u ON u.id = s.manager_id",
    )
    .fetch_all(conn)
    .await?;
    for r in &entitled {
        let sid: i64 = r.try_get("sid")?;
        if let Some(s) = out.iter_mut().find(|s| s.id == sid) {
            s.need_to_know.push(r.try_get("username")?);
        }
    }
    Ok(out)
}
