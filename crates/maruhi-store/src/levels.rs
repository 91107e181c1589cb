//! The ordered list of classification levels (rank 0 is the most secret).

use sqlx::{AnyConnection, Row};

use crate::Result;

pub async fn list(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT name FROM levels ORDER BY rank").fetch_all(conn).await?;
    rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
}

/// Replaces the whole list.
pub async fn replace(conn: &mut AnyConnection, names: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM levels").execute(&mut *conn).await?;
    for (rank, name) in names.iter().enumerate() {
        sqlx::query("INSERT INTO levels (rank, name) VALUES ($1, $2)")
            .bind(rank as i64)
            .bind(name.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// How many secrets carry `level`.
pub async fn usage(conn: &mut AnyConnection, level: &str) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM secrets WHERE level = $1")
        .bind(level)
        .fetch_one(conn)
        .await?
        .try_get("n")?)
}

/// Inserts levels at their ranks unless a level already holds the rank.
pub async fn insert_missing(conn: &mut AnyConnection, names: &[String]) -> Result<()> {
    for (rank, name) in names.iter().enumerate() {
        sqlx::query("INSERT INTO levels (rank, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(rank as i64)
            .bind(name.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
