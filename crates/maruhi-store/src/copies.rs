//! Marked copies of stored material: which code went to whom.

use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One marked copy that left the vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyRow {
    pub code: String,
    pub material_id: i64,
    pub secret_id: i64,
    pub recipient: String,
    pub downloaded_by: String,
    pub downloaded_at: String,
    pub ledger_index: i64,
    pub sha256: String,
}

pub async fn insert(conn: &mut AnyConnection, c: &CopyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO marked_copies (code, material_id, secret_id, recipient, downloaded_by, downloaded_at, \
         ledger_index, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(c.code.as_str())
    .bind(c.material_id)
    .bind(c.secret_id)
    .bind(c.recipient.as_str())
    .bind(c.downloaded_by.as_str())
    .bind(c.downloaded_at.as_str())
    .bind(c.ledger_index)
    .bind(c.sha256.as_str())
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, code: &str) -> Result<Option<CopyRow>> {
    let row = sqlx::query(
        "SELECT code, material_id, secret_id, recipient, downloaded_by, downloaded_at, ledger_index, sha256 \
         FROM marked_copies WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(CopyRow {
            code: r.try_get("code")?,
            material_id: r.try_get("material_id")?,
            secret_id: r.try_get("secret_id")?,
            recipient: r.try_get("recipient")?,
            downloaded_by: r.try_get("downloaded_by")?,
            downloaded_at: r.try_get("downloaded_at")?,
            ledger_index: r.try_get("ledger_index")?,
            sha256: r.try_get("sha256")?,
        })
    })
    .transpose()
}
