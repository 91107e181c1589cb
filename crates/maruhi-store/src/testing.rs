//! Fresh databases for tests of every crate: a new SQLite file, or a new
//! database on the PostgreSQL server named by `MARUHI_TEST_POSTGRES`
//! (default: this machine's `postgres://postgres@127.0.0.1:5432/test`).

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Connection, Executor};

use crate::{Result, StoreError};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    #[allow(clippy::disallowed_methods, reason = "a unique database name, not a time")]
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{}", std::process::id(), nanos % 1_000_000_000, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The administrative URL of the test PostgreSQL server.
pub fn postgres_admin_url() -> String {
    std::env::var("MARUHI_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn fresh_postgres() -> Result<String> {
    sqlx::any::install_default_drivers();
    let admin = postgres_admin_url();
    let name = unique("maruhi_t");
    let mut conn = sqlx::AnyConnection::connect(&admin).await.map_err(|source| StoreError::Connect { source })?;
    conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    conn.close().await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    Ok(format!("{base}/{name}"))
}

/// A URL for a new SQLite file in the system's temporary directory.
pub fn fresh_sqlite() -> String {
    let path = std::env::temp_dir().join(format!("{}.db", unique("maruhi_t")));
    format!("sqlite://{}", path.display())
}

/// A fresh database for a benchmark: PostgreSQL when `MARUHI_BENCH_DATABASE`
/// is `postgres`, else SQLite. Returns the backend's name and the URL.
pub async fn bench_database() -> Result<(String, String)> {
    let backend = std::env::var("MARUHI_BENCH_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let url = if backend == "postgres" { fresh_postgres().await? } else { fresh_sqlite() };
    Ok((backend, url))
}
