//! Acknowledgements of handling rules (誓約/確認).

use sqlx::{AnyConnection, Row};

use crate::query::Sql;
use crate::rows::AckRow;
use crate::secrets::push_visible_to;
use crate::Result;

/// Records an acknowledgement; false when this version was already acknowledged.
pub async fn insert(conn: &mut AnyConnection, secret_id: i64, user_id: i64, version: i64, at: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO acknowledgements (secret_id, user_id, rules_version, acknowledged_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(secret_id)
    .bind(user_id)
    .bind(version)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn for_secret(conn: &mut AnyConnection, secret_id: i64) -> Result<Vec<AckRow>> {
    let rows = sqlx::query(
        "SELECT a.user_id, u.display_name AS username, a.rules_version, a.acknowledged_at \
         FROM acknowledgements a JOIN users u ON u.id = a.user_id WHERE a.secret_id = $1 \
         ORDER BY a.acknowledged_at DESC, a.id DESC",
    )
    .bind(secret_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AckRow {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                rules_version: r.try_get("rules_version")?,
                acknowledged_at: r.try_get("acknowledged_at")?,
            })
        })
        .collect()
}

/// Registered secrets on `user`'s access list whose current rules they have not acknowledged.
pub async fn outstanding_for(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<OutstandingRow>> {
    let mut sql = Sql::new(
        "SELECT s.id, s.title, s.rules_version, s.handling_rules FROM secrets s WHERE s.status = 'registered' AND ",
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
            Ok(OutstandingRow {
                secret_id: r.try_get("id")?,
                title: r.try_get("title")?,
                rules_version: r.try_get("rules_version")?,
                handling_rules: r.try_get("handling_rules")?,
            })
        })
        .collect()
}

/// A registered secret a user has yet to acknowledge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutstandingRow {
    pub secret_id: i64,
    pub title: String,
    pub rules_version: i64,
    pub handling_rules: String,
}

/// Across the register: pairs of (entitled active user, registered secret) still
/// lacking an acknowledgement of the current rules.
pub async fn outstanding_total(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM ( \
           SELECT a.secret_id, a.principal_id AS user_id FROM secret_access a WHERE a.principal_kind = 'user' \
           UNION SELECT a.secret_id, m.user_id FROM secret_access a JOIN group_members m \
             ON a.principal_kind = 'group' AND m.group_id = a.principal_id \
         ) e JOIN secrets s ON s.id = e.secret_id JOIN users u ON u.id = e.user_id \
         WHERE s.status = 'registered' AND u.disabled = 0 AND NOT EXISTS ( \
           SELECT 1 FROM acknowledgements k WHERE k.secret_id = e.secret_id AND k.user_id = e.user_id \
           AND k.rules_version = s.rules_version)",
    )
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("n")?)
}
