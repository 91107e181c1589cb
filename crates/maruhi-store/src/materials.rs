//! Fingerprinted material for the leak and contamination scanner.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// One fingerprinted document as stored (without its fingerprints or sealed
/// text, which only index builds and passage views read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialRow {
    pub id: i64,
    pub collection: String,
    pub secret_id: Option<i64>,
    pub name: String,
    pub note: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub format: String,
    pub normalized_chars: i64,
    pub fingerprint_count: i64,
    pub has_text: bool,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    pub created_at: String,
    /// The stored original (`vault_objects`), when it was kept.
    pub object_id: Option<i64>,
}

/// What `insert` writes.
#[derive(Debug, Clone)]
pub struct NewMaterial<'a> {
    pub collection: &'a str,
    pub secret_id: Option<i64>,
    pub name: &'a str,
    pub note: &'a str,
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub format: &'a str,
    pub normalized_chars: i64,
    pub fingerprint_count: i64,
    pub fingerprints: &'a [u8],
    pub sealed_text: Option<&'a [u8]>,
    pub created_by: Option<i64>,
    pub created_at: &'a str,
}

const SELECT: &str = "SELECT m.id, m.collection, m.secret_id, m.name, m.note, m.sha256, m.size_bytes, m.format, \
     m.normalized_chars, m.fingerprint_count, CASE WHEN m.sealed_text IS NULL THEN 0 ELSE 1 END AS has_text, \
     m.created_by, u.display_name AS created_by_name, m.created_at, m.object_id \
     FROM materials m LEFT JOIN users u ON u.id = m.created_by WHERE m.removed_at IS NULL";

fn decode(r: &AnyRow) -> Result<MaterialRow> {
    Ok(MaterialRow {
        id: r.try_get("id")?,
        collection: r.try_get("collection")?,
        secret_id: r.try_get("secret_id")?,
        name: r.try_get("name")?,
        note: r.try_get("note")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        format: r.try_get("format")?,
        normalized_chars: r.try_get("normalized_chars")?,
        fingerprint_count: r.try_get("fingerprint_count")?,
        has_text: r.try_get::<i32, _>("has_text")? != 0,
        created_by: r.try_get("created_by")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        object_id: r.try_get("object_id")?,
    })
}

/// Inserts a material and bumps the index generation; returns its id.
pub async fn insert(conn: &mut AnyConnection, m: &NewMaterial<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO materials (collection, secret_id, name, note, sha256, size_bytes, format, normalized_chars, \
         fingerprint_count, fingerprints, sealed_text, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(m.collection)
    .bind(m.secret_id)
    .bind(m.name)
    .bind(m.note)
    .bind(m.sha256)
    .bind(m.size_bytes)
    .bind(m.format)
    .bind(m.normalized_chars)
    .bind(m.fingerprint_count)
    .bind(m.fingerprints)
    .bind(m.sealed_text)
    .bind(m.created_by)
    .bind(m.created_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::from_write)?;
    bump_generation(conn).await?;
    Ok(row.try_get("id")?)
}

/// Marks a material removed (its row stays for the audit trail's sake, its
/// fingerprints leave the index) and bumps the generation. False when it was
/// not there.
pub async fn remove(conn: &mut AnyConnection, id: i64, at: &str) -> Result<bool> {
    let done =
        sqlx::query("UPDATE materials SET removed_at = $1, sealed_text = NULL WHERE id = $2 AND removed_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(StoreError::from_write)?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    bump_generation(conn).await?;
    Ok(true)
}

/// Links a material to the stored original it was extracted from.
pub async fn set_object(conn: &mut AnyConnection, id: i64, object_id: i64) -> Result<()> {
    sqlx::query("UPDATE materials SET object_id = $1 WHERE id = $2")
        .bind(object_id)
        .bind(id)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

async fn bump_generation(conn: &mut AnyConnection) -> Result<()> {
    sqlx::query("UPDATE material_generation SET generation = generation + 1 WHERE id = 1")
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// The index generation: changes whenever any material is added or removed.
pub async fn generation(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT generation FROM material_generation WHERE id = 1").fetch_one(conn).await?;
    Ok(row.try_get("generation")?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<MaterialRow>> {
    let row = sqlx::query(&format!("{SELECT} AND m.id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(decode).transpose()
}

pub async fn for_secret(conn: &mut AnyConnection, secret_id: i64) -> Result<Vec<MaterialRow>> {
    let rows =
        sqlx::query(&format!("{SELECT} AND m.secret_id = $1 ORDER BY m.id")).bind(secret_id).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// Every material of a collection, oldest first.
pub async fn in_collection(conn: &mut AnyConnection, collection: &str) -> Result<Vec<MaterialRow>> {
    let rows =
        sqlx::query(&format!("{SELECT} AND m.collection = $1 ORDER BY m.id")).bind(collection).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// The fingerprints of every live material, in id order, for an index build:
/// `(id, collection, fingerprints)`.
pub async fn all_fingerprints(conn: &mut AnyConnection) -> Result<Vec<(i64, String, Vec<u8>)>> {
    let rows = sqlx::query("SELECT id, collection, fingerprints FROM materials WHERE removed_at IS NULL ORDER BY id")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("collection")?, r.try_get("fingerprints")?))).collect()
}

/// The sealed (encrypted) extracted text of a material, if it was kept.
pub async fn sealed_text(conn: &mut AnyConnection, id: i64) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT sealed_text FROM materials WHERE id = $1 AND removed_at IS NULL")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("sealed_text")?,
        None => None,
    })
}
