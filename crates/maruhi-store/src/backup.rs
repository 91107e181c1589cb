//! Consistent copies of the database for backups.

use sqlx::AnyConnection;

use crate::Result;

/// Copies a SQLite database into a new file at `path` in one read
/// transaction (`VACUUM INTO`, SQLite 3.27+): a consistent snapshot taken
/// while other connections keep writing.
pub async fn vacuum_into(conn: &mut AnyConnection, path: &str) -> Result<()> {
    sqlx::query("VACUUM INTO $1").bind(path).execute(conn).await?;
    Ok(())
}
