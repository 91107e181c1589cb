//! Sessions, API tokens and login failures. Only hashes of tokens are stored.

use sqlx::{AnyConnection, Row};

use crate::rows::TokenRow;
use crate::{Result, StoreError};

pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    created_at: &str,
    expires_at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf)
    .bind(created_at)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A live session: its user, CSRF token and when it was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub last_seen_at: String,
}

/// The session, when it exists, has not expired and was used after
/// `idle_since` (times in the stored text form, which orders as time).
pub async fn session(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: &str,
    idle_since: &str,
) -> Result<Option<SessionRow>> {
    let row = sqlx::query(
        "SELECT user_id, csrf_token, last_seen_at FROM sessions \
         WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at > $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(idle_since)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            user_id: r.try_get("user_id")?,
            csrf_token: r.try_get("csrf_token")?,
            last_seen_at: r.try_get("last_seen_at")?,
        })
    })
    .transpose()
}

/// Records that the session was used at `now`.
pub async fn touch_session(conn: &mut AnyConnection, token_hash: &str, now: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

pub async fn delete_sessions_of(conn: &mut AnyConnection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

pub async fn purge_expired_sessions(conn: &mut AnyConnection, now: &str) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(conn).await?.rows_affected())
}

pub async fn insert_token(
    conn: &mut AnyConnection,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scope: &str,
    created_at: &str,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(scope)
    .bind(created_at)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

/// The live token with this hash: (user id, scope).
pub async fn token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<(i64, String)>> {
    let row = sqlx::query("SELECT user_id, scope FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
    row.map(|r| Ok((r.try_get("user_id")?, r.try_get("scope")?))).transpose()
}

pub async fn tokens_of(conn: &mut AnyConnection, user_id: i64) -> Result<Vec<TokenRow>> {
    let rows = sqlx::query(
        "SELECT id, user_id, name, scope, created_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenRow {
                id: r.try_get("id")?,
                user_id: r.try_get("user_id")?,
                name: r.try_get("name")?,
                scope: r.try_get("scope")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// The user a token belongs to.
pub async fn token_owner(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT user_id FROM api_tokens WHERE id = $1").bind(id).fetch_optional(conn).await?;
    row.map(|r| Ok(r.try_get("user_id")?)).transpose()
}

pub async fn revoke_token(conn: &mut AnyConnection, id: i64, at: &str) -> Result<Option<i64>> {
    let row =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING user_id")
            .bind(at)
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(|r| Ok(r.try_get("user_id")?)).transpose()
}

pub async fn record_login_failure(conn: &mut AnyConnection, username: &str, addr: &str, at: &str) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (username, remote_addr, at) VALUES ($1, $2, $3)")
        .bind(username)
        .bind(addr)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Recent failed logins around one attempt, for throttling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginFailures {
    /// For this user name from this address, and when the last one was.
    pub client: i64,
    pub client_last: Option<String>,
    /// From this address, whatever the user name, and when the last one was.
    pub addr: i64,
    pub addr_last: Option<String>,
    /// For this user name, from any address.
    pub account: i64,
}

/// Failures since `since` for this user name, this address, and both.
pub async fn login_failures_since(
    conn: &mut AnyConnection,
    username: &str,
    addr: &str,
    since: &str,
) -> Result<LoginFailures> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM login_failures WHERE username = $1 AND remote_addr = $2 AND at > $3) AS client, \
         (SELECT MAX(at) FROM login_failures WHERE username = $1 AND remote_addr = $2 AND at > $3) AS client_last, \
         (SELECT COUNT(*) FROM login_failures WHERE remote_addr = $2 AND at > $3) AS by_addr, \
         (SELECT MAX(at) FROM login_failures WHERE remote_addr = $2 AND at > $3) AS addr_last, \
         (SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at > $3) AS account",
    )
    .bind(username)
    .bind(addr)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(LoginFailures {
        client: row.try_get("client")?,
        client_last: row.try_get("client_last")?,
        addr: row.try_get("by_addr")?,
        addr_last: row.try_get("addr_last")?,
        account: row.try_get("account")?,
    })
}

/// After a successful login: forgets this client's failures for the user
/// name (not other addresses', so a real login never resets an attacker's
/// backoff) and every failure older than the window.
pub async fn clear_login_failures(
    conn: &mut AnyConnection,
    username: &str,
    addr: &str,
    older_than: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE (username = $1 AND remote_addr = $2) OR at <= $3")
        .bind(username)
        .bind(addr)
        .bind(older_than)
        .execute(conn)
        .await?;
    Ok(())
}
