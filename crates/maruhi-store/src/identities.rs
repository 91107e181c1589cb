//! Hand-made identity aliases: another name of a person (a mail address, a
//! UPN, a down-level logon name, a second account) and the canonical user
//! name it stands for. Aliases and user names are stored case-folded by the
//! service.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One hand-made alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasRow {
    pub alias: String,
    pub user_name: String,
    pub note: String,
    pub added_by: String,
    pub added_at: String,
}

fn decode(r: &AnyRow) -> Result<AliasRow> {
    Ok(AliasRow {
        alias: r.try_get("alias")?,
        user_name: r.try_get("user_name")?,
        note: r.try_get("note")?,
        added_by: r.try_get("added_by")?,
        added_at: r.try_get("added_at")?,
    })
}

const SELECT: &str = "SELECT alias, user_name, note, added_by, added_at FROM identity_aliases";

/// Every hand-made alias, by user name, then alias.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<AliasRow>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY user_name, alias")).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

pub async fn get(conn: &mut AnyConnection, alias: &str) -> Result<Option<AliasRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE alias = $1")).bind(alias).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Inserts an alias or points it at another user (with a new note).
pub async fn upsert(conn: &mut AnyConnection, row: &AliasRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO identity_aliases (alias, user_name, note, added_by, added_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (alias) DO UPDATE SET user_name = excluded.user_name, note = excluded.note, \
         added_by = excluded.added_by, added_at = excluded.added_at",
    )
    .bind(&row.alias)
    .bind(&row.user_name)
    .bind(&row.note)
    .bind(&row.added_by)
    .bind(&row.added_at)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Removes an alias; false when there was none.
pub async fn remove(conn: &mut AnyConnection, alias: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM identity_aliases WHERE alias = $1")
        .bind(alias)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}
