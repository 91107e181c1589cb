//! Users.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::rows::UserRow;
use crate::{Result, StoreError};

const COLUMNS: &str = "id, username, display_name, email, department, role, disabled, created_at";

pub(crate) fn decode(r: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        email: r.try_get("email")?,
        department: r.try_get("department")?,
        role: r.try_get("role")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub department: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    pub created_at: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, u: &NewUser<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO users (username, display_name, email, department, role, password_hash, disabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING id",
    )
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.email)
    .bind(u.department)
    .bind(u.role)
    .bind(u.password_hash)
    .bind(u.created_at)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(conn).await?.as_ref().map(decode).transpose()
}

pub async fn by_username(conn: &mut AnyConnection, username: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
    sqlx::query(&sql).bind(username).fetch_optional(conn).await?.as_ref().map(decode).transpose()
}

/// Whether a user name is taken, ignoring ASCII case (user names are ASCII).
pub async fn username_taken_ignoring_case(conn: &mut AnyConnection, username: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE LOWER(username) = LOWER($1)")
        .bind(username)
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The user and their password hash, for login.
pub async fn credentials(conn: &mut AnyConnection, username: &str) -> Result<Option<(UserRow, Option<String>)>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE username = $1");
    match sqlx::query(&sql).bind(username).fetch_optional(conn).await? {
        Some(r) => Ok(Some((decode(&r)?, r.try_get("password_hash")?))),
        None => Ok(None),
    }
}

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username");
    sqlx::query(&sql).fetch_all(conn).await?.iter().map(decode).collect()
}

pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(conn).await?.try_get("n")?)
}

pub async fn update_profile(
    conn: &mut AnyConnection,
    id: i64,
    display_name: &str,
    email: &str,
    department: &str,
    role: &str,
    disabled: bool,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE users SET display_name = $1, email = $2, department = $3, role = $4, disabled = $5 WHERE id = $6",
    )
    .bind(display_name)
    .bind(email)
    .bind(department)
    .bind(role)
    .bind(i64::from(disabled))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password_hash(conn: &mut AnyConnection, id: i64, hash: &str) -> Result<bool> {
    let done =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}
