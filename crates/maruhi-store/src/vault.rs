//! The vault's stored objects: where each encrypted original lives and its
//! wrapped data key. The bytes themselves are in the object store, never
//! here.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One stored original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub id: i64,
    pub secret_id: i64,
    pub name: String,
    pub object_key: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub wrapped_key: Vec<u8>,
    pub master_key_id: String,
    pub created_at: String,
}

/// What `insert` writes.
#[derive(Debug, Clone)]
pub struct NewObject<'a> {
    pub secret_id: i64,
    pub name: &'a str,
    pub object_key: &'a str,
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub wrapped_key: &'a [u8],
    pub master_key_id: &'a str,
    pub created_by: Option<i64>,
    pub created_at: &'a str,
}

const SELECT: &str = "SELECT id, secret_id, name, object_key, sha256, size_bytes, wrapped_key, master_key_id, \
     created_at FROM vault_objects";

fn decode(r: &AnyRow) -> Result<ObjectRow> {
    Ok(ObjectRow {
        id: r.try_get("id")?,
        secret_id: r.try_get("secret_id")?,
        name: r.try_get("name")?,
        object_key: r.try_get("object_key")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        wrapped_key: r.try_get("wrapped_key")?,
        master_key_id: r.try_get("master_key_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Records a stored object; returns its id.
pub async fn insert(conn: &mut AnyConnection, o: &NewObject<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO vault_objects (secret_id, name, object_key, sha256, size_bytes, wrapped_key, master_key_id, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(o.secret_id)
    .bind(o.name)
    .bind(o.object_key)
    .bind(o.sha256)
    .bind(o.size_bytes)
    .bind(o.wrapped_key)
    .bind(o.master_key_id)
    .bind(o.created_by)
    .bind(o.created_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<ObjectRow>> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

/// How many objects and files are stored.
pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT (SELECT COUNT(*) FROM vault_objects) + (SELECT COUNT(*) FROM vault_files) AS n")
        .fetch_one(conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Every stored object, in id order (key rotation walks them all).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<ObjectRow>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY id")).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// Replaces an object's wrapped data key (master key rotation).
pub async fn rewrap(conn: &mut AnyConnection, id: i64, wrapped_key: &[u8], master_key_id: &str) -> Result<()> {
    sqlx::query("UPDATE vault_objects SET wrapped_key = $1, master_key_id = $2 WHERE id = $3")
        .bind(wrapped_key)
        .bind(master_key_id)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// A file kept in the vault that belongs to no secret (a case's
/// attachment, the original of an activity-log import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub id: i64,
    pub name: String,
    pub object_key: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub wrapped_key: Vec<u8>,
    pub master_key_id: String,
    pub created_at: String,
}

const SELECT_FILE: &str =
    "SELECT id, name, object_key, sha256, size_bytes, wrapped_key, master_key_id, created_at FROM vault_files";

fn decode_file(r: &AnyRow) -> Result<FileRow> {
    Ok(FileRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        object_key: r.try_get("object_key")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        wrapped_key: r.try_get("wrapped_key")?,
        master_key_id: r.try_get("master_key_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Records a stored file (its `secret_id` is ignored); returns its id.
pub async fn insert_file(conn: &mut AnyConnection, o: &NewObject<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO vault_files (name, object_key, sha256, size_bytes, wrapped_key, master_key_id, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(o.name)
    .bind(o.object_key)
    .bind(o.sha256)
    .bind(o.size_bytes)
    .bind(o.wrapped_key)
    .bind(o.master_key_id)
    .bind(o.created_by)
    .bind(o.created_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(row.try_get("id")?)
}

pub async fn get_file(conn: &mut AnyConnection, id: i64) -> Result<Option<FileRow>> {
    let row = sqlx::query(&format!("{SELECT_FILE} WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode_file).transpose()
}

/// Every stored file, in id order (key rotation walks them all).
pub async fn all_files(conn: &mut AnyConnection) -> Result<Vec<FileRow>> {
    let rows = sqlx::query(&format!("{SELECT_FILE} ORDER BY id")).fetch_all(conn).await?;
    rows.iter().map(decode_file).collect()
}

/// Replaces a file's wrapped data key (master key rotation).
pub async fn rewrap_file(conn: &mut AnyConnection, id: i64, wrapped_key: &[u8], master_key_id: &str) -> Result<()> {
    sqlx::query("UPDATE vault_files SET wrapped_key = $1, master_key_id = $2 WHERE id = $3")
        .bind(wrapped_key)
        .bind(master_key_id)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}
