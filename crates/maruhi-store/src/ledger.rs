//! Storage of the evidence ledger's Merkle tree: node hashes by (level,
//! index) and signed checkpoints. Entries themselves are the audit events
//! (see [`crate::audit`]), ordered by their ledger index.

use sqlx::{AnyConnection, Row};

use crate::{Result, StoreError};

/// The next free ledger index: the current tree size.
pub async fn size(conn: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(ledger_index) + 1, 0) AS n FROM audit_events").fetch_one(conn).await?;
    Ok(row.try_get("n")?)
}

fn to_hash(bytes: Vec<u8>) -> Result<[u8; 32]> {
    bytes.try_into().map_err(|_| StoreError::Corrupt { what: "a ledger hash is not 32 bytes".into() })
}

/// The stored hash of each node, in order; `None` where a node is missing.
/// One query for the whole set (a proof needs at most a few dozen nodes).
pub async fn nodes(conn: &mut AnyConnection, ids: &[(u8, u64)]) -> Result<Vec<Option<[u8; 32]>>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(200) {
        let mut sql = crate::query::Sql::rows_for(conn, "SELECT level, idx, hash FROM ledger_nodes WHERE ");
        for (i, (level, idx)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(level = ").bind(i64::from(*level)).push(" AND idx = ").bind(*idx as i64).push(")");
        }
        for r in sql.query().fetch_all(&mut *conn).await? {
            let key = (r.try_get::<i64, _>("level")?, r.try_get::<i64, _>("idx")?);
            found.insert(key, to_hash(r.try_get("hash")?)?);
        }
    }
    Ok(ids.iter().map(|(l, i)| found.get(&(i64::from(*l), *i as i64)).copied()).collect())
}

/// Inserts nodes, many per statement (each row binds 3 parameters).
pub async fn insert_nodes(conn: &mut AnyConnection, nodes: &[(u8, u64, [u8; 32])]) -> Result<()> {
    crate::query::insert_rows(
        conn,
        "INSERT INTO ledger_nodes (level, idx, hash) VALUES ",
        "",
        nodes,
        |(level, idx, hash)| [i64::from(*level).into(), (*idx as i64).into(), hash.to_vec().into()],
    )
    .await?;
    Ok(())
}

/// Stored nodes of one level in an index range, for verification and tiles.
pub async fn level_range(conn: &mut AnyConnection, level: u8, from: u64, limit: i64) -> Result<Vec<(u64, [u8; 32])>> {
    let rows = sqlx::query("SELECT idx, hash FROM ledger_nodes WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT $3")
        .bind(i64::from(level))
        .bind(from as i64)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get::<i64, _>("idx")? as u64, to_hash(r.try_get("hash")?)?))).collect()
}

const CHECKPOINTS: &str = "SELECT size, root, note, signed_at FROM ledger_checkpoints";
const TIMESTAMPS: &str = "SELECT size, token, tsa, stamped_at FROM ledger_timestamps";

/// One checkpoint row, by a query over [`CHECKPOINTS`] with one bound value.
async fn one_checkpoint(conn: &mut AnyConnection, rest: &str, value: Option<i64>) -> Result<Option<CheckpointRow>> {
    let sql = format!("{CHECKPOINTS} {rest}");
    let q = sqlx::query(&sql);
    let q = match value {
        Some(v) => q.bind(v),
        None => q,
    };
    q.fetch_optional(conn).await?.as_ref().map(decode_checkpoint).transpose()
}

/// One time-stamp row, likewise over [`TIMESTAMPS`].
async fn one_timestamp(conn: &mut AnyConnection, rest: &str, value: Option<i64>) -> Result<Option<TimestampRow>> {
    let sql = format!("{TIMESTAMPS} {rest}");
    let q = sqlx::query(&sql);
    let q = match value {
        Some(v) => q.bind(v),
        None => q,
    };
    q.fetch_optional(conn).await?.as_ref().map(decode_timestamp).transpose()
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: i64,
    pub root: [u8; 32],
    pub note: String,
    pub signed_at: String,
}

fn decode_checkpoint(r: &sqlx::any::AnyRow) -> Result<CheckpointRow> {
    Ok(CheckpointRow {
        size: r.try_get("size")?,
        root: to_hash(r.try_get("root")?)?,
        note: r.try_get("note")?,
        signed_at: r.try_get("signed_at")?,
    })
}

pub async fn latest_checkpoint(conn: &mut AnyConnection) -> Result<Option<CheckpointRow>> {
    one_checkpoint(conn, "ORDER BY size DESC LIMIT 1", None).await
}

/// The smallest checkpoint that covers `index`.
pub async fn checkpoint_covering(conn: &mut AnyConnection, index: i64) -> Result<Option<CheckpointRow>> {
    one_checkpoint(conn, "WHERE size > $1 ORDER BY size LIMIT 1", Some(index)).await
}

pub async fn checkpoints(conn: &mut AnyConnection) -> Result<Vec<CheckpointRow>> {
    let rows = sqlx::query(&format!("{CHECKPOINTS} ORDER BY size")).fetch_all(conn).await?;
    rows.iter().map(decode_checkpoint).collect()
}

pub async fn insert_checkpoint(conn: &mut AnyConnection, c: &CheckpointRow) -> Result<()> {
    sqlx::query("INSERT INTO ledger_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4)")
        .bind(c.size)
        .bind(c.root.to_vec())
        .bind(c.note.as_str())
        .bind(c.signed_at.as_str())
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// A stored time-stamp token over a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampRow {
    pub size: i64,
    pub token: Vec<u8>,
    pub tsa: String,
    pub stamped_at: String,
}

fn decode_timestamp(r: &sqlx::any::AnyRow) -> Result<TimestampRow> {
    Ok(TimestampRow {
        size: r.try_get("size")?,
        token: r.try_get("token")?,
        tsa: r.try_get("tsa")?,
        stamped_at: r.try_get("stamped_at")?,
    })
}

pub async fn insert_timestamp(conn: &mut AnyConnection, t: &TimestampRow) -> Result<()> {
    sqlx::query("INSERT INTO ledger_timestamps (size, token, tsa, stamped_at) VALUES ($1, $2, $3, $4)")
        .bind(t.size)
        .bind(t.token.as_slice())
        .bind(t.tsa.as_str())
        .bind(t.stamped_at.as_str())
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

pub async fn latest_timestamp(conn: &mut AnyConnection) -> Result<Option<TimestampRow>> {
    one_timestamp(conn, "ORDER BY size DESC LIMIT 1", None).await
}

/// The smallest time-stamped checkpoint that covers `index`.
pub async fn timestamp_covering(conn: &mut AnyConnection, index: i64) -> Result<Option<TimestampRow>> {
    one_timestamp(conn, "WHERE size > $1 ORDER BY size LIMIT 1", Some(index)).await
}

/// Every stored time stamp, oldest checkpoint first.
pub async fn timestamps(conn: &mut AnyConnection) -> Result<Vec<TimestampRow>> {
    let sql = format!("{TIMESTAMPS} ORDER BY size");
    sqlx::query(&sql).fetch_all(conn).await?.iter().map(decode_timestamp).collect()
}

/// A renewal of a checkpoint's time stamp: a token over the SHA-256 of the
/// previous token in the chain (the original for `seq` 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalRow {
    pub size: i64,
    pub seq: i64,
    pub token: Vec<u8>,
    pub tsa: String,
    pub stamped_at: String,
}

/// The renewals of one checkpoint's time stamp, in order.
pub async fn renewals(conn: &mut AnyConnection, size: i64) -> Result<Vec<RenewalRow>> {
    let rows = sqlx::query(
        "SELECT size, seq, token, tsa, stamped_at FROM ledger_timestamp_renewals WHERE size = $1 ORDER BY seq",
    )
    .bind(size)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RenewalRow {
                size: r.try_get("size")?,
                seq: r.try_get("seq")?,
                token: r.try_get("token")?,
                tsa: r.try_get("tsa")?,
                stamped_at: r.try_get("stamped_at")?,
            })
        })
        .collect()
}

pub async fn insert_renewal(conn: &mut AnyConnection, r: &RenewalRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO ledger_timestamp_renewals (size, seq, token, tsa, stamped_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(r.size)
    .bind(r.seq)
    .bind(r.token.as_slice())
    .bind(r.tsa.as_str())
    .bind(r.stamped_at.as_str())
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// The checkpoint of exactly this size.
pub async fn checkpoint_of_size(conn: &mut AnyConnection, size: i64) -> Result<Option<CheckpointRow>> {
    one_checkpoint(conn, "WHERE size = $1", Some(size)).await
}
