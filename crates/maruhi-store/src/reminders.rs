//! What is due, per person: overdue reviews and missing acknowledgements of
//! the secrets a 管理責任者 manages, a person's own outstanding
//! acknowledgements, and alerts nobody has triaged.

use sqlx::{AnyConnection, Row};

use crate::query::Sql;
use crate::secrets::push_visible_to;
use crate::Result;

/// A secret and the time since when something about it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSecret {
    pub secret_id: i64,
    pub title: String,
    /// People concerned (for missing acknowledgements), else 1.
    pub count: i64,
    pub since: Option<String>,
}

/// Registered secrets managed by `manager_id` whose review date is before `today`.
pub async fn overdue_reviews(conn: &mut AnyConnection, manager_id: i64, today: &str) -> Result<Vec<DueSecret>> {
    let rows = sqlx::query(
        "SELECT id, title, review_date FROM secrets WHERE manager_id = $1 AND status = 'registered' \
         AND review_date IS NOT NULL AND review_date < $2 ORDER BY review_date, id",
    )
    .bind(manager_id)
    .bind(today)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueSecret {
                secret_id: r.try_get("id")?,
                title: r.try_get("title")?,
                count: 1,
                since: r.try_get("review_date")?,
            })
        })
        .collect()
}

/// Registered secrets managed by `manager_id` with active people on their
/// access list (directly or through a group) who have not acknowledged the
/// current rules: how many, and since the earliest of their grants. The same
/// condition as [`crate::acks::outstanding_total`], per secret.
pub async fn unacknowledged_on_managed(conn: &mut AnyConnection, manager_id: i64) -> Result<Vec<DueSecret>> {
    let rows = sqlx::query(
        "SELECT e.secret_id, s.title, COUNT(DISTINCT e.user_id) AS n, MIN(e.granted_at) AS since FROM ( \
           SELECT a.secret_id, a.principal_id AS user_id, a.granted_at FROM secret_access a \
             WHERE a.principal_kind = 'user' \
           UNION ALL SELECT a.secret_id, m.user_id, a.granted_at FROM secret_access a JOIN group_members m \
             ON a.principal_kind = 'group' AND m.group_id = a.principal_id \
         ) e JOIN secrets s ON s.id = e.secret_id JOIN users u ON u.id = e.user_id \
         WHERE s.manager_id = $1 AND s.status = 'registered' AND u.disabled = 0 AND NOT EXISTS ( \
           SELECT 1 FROM acknowledgements k WHERE k.secret_id = e.secret_id AND k.user_id = e.user_id \
           AND k.rules_version = s.rules_version) \
         GROUP BY e.secret_id, s.title ORDER BY e.secret_id",
    )
    .bind(manager_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DueSecret {
                secret_id: r.try_get("secret_id")?,
                title: r.try_get("title")?,
                count: r.try_get("n")?,
                since: r.try_get("since")?,
            })
        })
        .collect()
}

/// Registered secrets `user_id` has yet to acknowledge (the condition of
/// [`crate::acks::outstanding_for`]), since their earliest grant to the
/// user, or the secret's last change when they see it as its manager only.
pub async fn pending_acks(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<DueSecret>> {
    let mut sql = Sql::new(
        "SELECT s.id, s.title, COALESCE((SELECT MIN(a.granted_at) FROM secret_access a \
         LEFT JOIN group_members m ON a.principal_kind = 'group' AND m.group_id = a.principal_id AND m.user_id = ",
    );
    sql.bind(user_id)
        .push(" WHERE a.secret_id = s.id AND ((a.principal_kind = 'user' AND a.principal_id = ")
        .bind(user_id)
        .push(
            ") OR m.user_id IS NOT NULL)), s.updated_at) AS since \
             FROM secrets s WHERE s.status = 'registered' AND ",
        );
    push_visible_to(&mut sql, user_id);
    sql.push(
        " AND NOT EXISTS (SELECT 1 FROM acknowledgements k WHERE k.secret_id = s.id \
         AND k.rules_version = s.rules_version AND k.user_id = ",
    )
    .bind(user_id)
    .push(") ORDER BY s.id");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter()
        .map(|r| {
            Ok(DueSecret {
                secret_id: r.try_get("id")?,
                title: r.try_get("title")?,
                count: 1,
                since: r.try_get("since")?,
            })
        })
        .collect()
}

/// An alert still `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntriagedAlert {
    pub id: i64,
    pub title: String,
    pub title_ja: String,
    pub severity: String,
    pub created_at: String,
}

/// Alerts still `new` (and still produced by the analysis) raised before
/// `before`, oldest first, at most `limit`, and how many there are in all.
pub async fn untriaged_alerts(
    conn: &mut AnyConnection,
    before: &str,
    limit: i64,
) -> Result<(Vec<UntriagedAlert>, i64)> {
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM risk_alerts WHERE status = 'new' AND stale = 0 AND created_at < $1")
            .bind(before)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
    let rows = sqlx::query(
        "SELECT id, title, title_ja, severity, created_at FROM risk_alerts \
         WHERE status = 'new' AND stale = 0 AND created_at < $1 ORDER BY created_at, id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    let alerts = rows
        .iter()
        .map(|r| {
            Ok(UntriagedAlert {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                title_ja: r.try_get("title_ja")?,
                severity: r.try_get("severity")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok((alerts, total))
}
