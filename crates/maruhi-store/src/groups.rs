//! Groups and their members.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::rows::{GroupRow, UserRow};
use crate::{Result, StoreError};

fn decode(r: &AnyRow) -> Result<GroupRow> {
    Ok(GroupRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        created_at: r.try_get("created_at")?,
        member_count: r.try_get("member_count")?,
    })
}

const SELECT: &str = "SELECT g.id, g.name, g.description, g.created_at, \
     (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS member_count FROM user_groups g";

pub async fn insert(conn: &mut AnyConnection, name: &str, description: &str, created_at: &str) -> Result<i64> {
    let row = sqlx::query("INSERT INTO user_groups (name, description, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(description)
        .bind(created_at)
        .fetch_one(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<GroupRow>> {
    let sql = format!("{SELECT} ORDER BY g.name");
    sqlx::query(&sql).fetch_all(conn).await?.iter().map(decode).collect()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<GroupRow>> {
    let sql = format!("{SELECT} WHERE g.id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(conn).await?.as_ref().map(decode).transpose()
}

pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<GroupRow>> {
    let sql = format!("{SELECT} WHERE g.name = $1");
    sqlx::query(&sql).bind(name).fetch_optional(conn).await?.as_ref().map(decode).transpose()
}

/// Adds a member; returns false when they already were one.
pub async fn add_member(conn: &mut AnyConnection, group_id: i64, user_id: i64) -> Result<bool> {
    let done = sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_member(conn: &mut AnyConnection, group_id: i64, user_id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
        .bind(group_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn members(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<UserRow>> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.display_name, u.email, u.department, u.role, u.disabled, u.created_at \
         FROM users u JOIN group_members m ON m.user_id = u.id WHERE m.group_id = $1 ORDER BY u.username",
    )
    .bind(group_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(crate::users::decode).collect()
}
