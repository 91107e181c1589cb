//! Need-to-know access lists.

use sqlx::{AnyConnection, Row};

use crate::rows::AccessRow;
use crate::Result;

/// Grants access; returns false when the grant already existed.
pub async fn grant(
    conn: &mut AnyConnection,
    secret_id: i64,
    kind: &str,
    principal_id: i64,
    granted_by: Option<i64>,
    at: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO secret_access (secret_id, principal_kind, principal_id, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(secret_id)
    .bind(kind)
    .bind(principal_id)
    .bind(granted_by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn revoke(conn: &mut AnyConnection, secret_id: i64, kind: &str, principal_id: i64) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM secret_access WHERE secret_id = $1 AND principal_kind = $2 AND principal_id = $3")
            .bind(secret_id)
            .bind(kind)
            .bind(principal_id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list(conn: &mut AnyConnection, secret_id: i64) -> Result<Vec<AccessRow>> {
    let rows = sqlx::query(
        "SELECT a.principal_kind, a.principal_id, a.granted_at, \
         COALESCE(u.display_name, g.name, '') AS name \
         FROM secret_access a \
         LEFT JOIN users u ON a.principal_kind = 'user' AND u.id = a.principal_id \
         LEFT JOIN user_groups g ON a.principal_kind = 'group' AND g.id = a.principal_id \
         WHERE a.secret_id = $1 ORDER BY a.principal_kind DESC, name",
    )
    .bind(secret_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AccessRow {
                principal_kind: r.try_get("principal_kind")?,
                principal_id: r.try_get("principal_id")?,
                name: r.try_get("name")?,
                granted_at: r.try_get("granted_at")?,
            })
        })
        .collect()
}
