//! Exact-data-match datasets: what was registered, never the rows (those
//! are keyed hashes in an index file the service keeps).

use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One registered dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRow {
    pub id: i64,
    pub name: String,
    pub secret_id: Option<i64>,
    /// The columns (name, type, name part) as JSON, in the export's order.
    pub columns_json: String,
    pub primary_column: String,
    pub source_rows: i64,
    pub row_count: i64,
    pub bytes: i64,
    /// The index file's name inside the service's EDM folder.
    pub file: String,
    /// SHA-256 of the export the index was last built from.
    pub source_sha256: String,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub refreshed_at: String,
}

const SELECT: &str = "SELECT id, name, secret_id, columns_json, primary_column, source_rows, row_count, bytes, \
                      file, source_sha256, created_by, created_at, refreshed_at FROM edm_datasets";

fn decode(r: &sqlx::any::AnyRow) -> Result<DatasetRow> {
    Ok(DatasetRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        secret_id: r.try_get("secret_id")?,
        columns_json: r.try_get("columns_json")?,
        primary_column: r.try_get("primary_column")?,
        source_rows: r.try_get("source_rows")?,
        row_count: r.try_get("row_count")?,
        bytes: r.try_get("bytes")?,
        file: r.try_get("file")?,
        source_sha256: r.try_get("source_sha256")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        refreshed_at: r.try_get("refreshed_at")?,
    })
}

/// Inserts a dataset (`id` is ignored); its new id.
pub async fn insert(conn: &mut AnyConnection, d: &DatasetRow) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO edm_datasets (name, secret_id, columns_json, primary_column, source_rows, row_count, bytes, \
         file, source_sha256, created_by, created_at, refreshed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(d.name.as_str())
    .bind(d.secret_id)
    .bind(d.columns_json.as_str())
    .bind(d.primary_column.as_str())
    .bind(d.source_rows)
    .bind(d.row_count)
    .bind(d.bytes)
    .bind(d.file.as_str())
    .bind(d.source_sha256.as_str())
    .bind(d.created_by)
    .bind(d.created_at.as_str())
    .fetch_one(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

/// Points a dataset at a rebuilt index.
pub async fn refresh(conn: &mut AnyConnection, d: &DatasetRow) -> Result<()> {
    sqlx::query(
        "UPDATE edm_datasets SET columns_json = $2, primary_column = $3, source_rows = $4, row_count = $5, \
         bytes = $6, file = $7, source_sha256 = $8, refreshed_at = $9 WHERE id = $1",
    )
    .bind(d.id)
    .bind(d.columns_json.as_str())
    .bind(d.primary_column.as_str())
    .bind(d.source_rows)
    .bind(d.row_count)
    .bind(d.bytes)
    .bind(d.file.as_str())
    .bind(d.source_sha256.as_str())
    .bind(d.refreshed_at.as_str())
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<DatasetRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE name = $1")).bind(name).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// Every dataset, by name.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<DatasetRow>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY name")).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM edm_datasets WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}
