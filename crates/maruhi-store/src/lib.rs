//! maruhi's persistence: the only crate that speaks SQL.
//!
//! One code path serves both backends: the embedded default, SQLite in WAL mode
//! inside the data directory, and PostgreSQL for installations that run several
//! `maruhi serve` processes. Queries are written in the SQL both dialects share
//! and run through sqlx's `Any` driver; each backend has its own migration files
//! (`migrations/sqlite`, `migrations/postgres`) because DDL differs.
//!
//! Main types: [`Db`] (a pool plus the backend it talks to), [`WriteTx`] (a
//! write transaction; on SQLite writers are serialised in-process so that a
//! deferred transaction never fails to upgrade its lock), and row types in
//! [`rows`]. Query functions take `&mut AnyConnection`, so they run the same
//! inside a transaction or on a pooled connection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), maruhi_store::StoreError> {
//! let db = maruhi_store::Db::connect("sqlite:///tmp/maruhi.db").await?;
//! db.migrate().await?;
//! let mut conn = db.read().await?;
//! let users = maruhi_store::users::list(&mut conn).await?;
//! # let _ = users; Ok(()) }
//! ```

use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Transaction};

pub use sqlx::AnyConnection;

mod migrate;
pub mod query;
pub mod rows;

pub mod access;
pub mod acks;
pub mod assess;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cases;
pub mod copies;
pub mod edm;
pub mod events;
pub mod groups;
pub mod hr;
pub mod identities;
pub mod ledger;
pub mod levels;
pub mod materials;
pub mod reminders;
pub mod risk;
pub mod secrets;
pub mod sharing;
pub mod testing;
pub mod users;
pub mod vault;

pub use migrate::SCHEMA_VERSION;

pub(crate) use query::PARAMS_PER_STATEMENT;

/// Errors from the database layer. Messages never contain bound values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("could not connect to the database: {source}")]
    Connect { source: sqlx::Error },
    #[error(
        "the database has schema version {found}, newer than this maruhi knows ({known}); \
         upgrade maruhi before using this database"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("a row with the same unique key already exists ({constraint})")]
    Duplicate { constraint: String },
    #[error("stored data is malformed: {what}")]
    Corrupt { what: String },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps unique-constraint violations to [`StoreError::Duplicate`] so callers
    /// can turn them into a validation message instead of a server error.
    pub(crate) fn from_write(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                let constraint = db.constraint().unwrap_or_default().to_owned();
                let constraint = if constraint.is_empty() { db.message().to_owned() } else { constraint };
                return StoreError::Duplicate { constraint };
            }
        }
        StoreError::Sql(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database an installation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool and the backend behind it.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; serialising writers here avoids
    /// `SQLITE_BUSY` on lock upgrades. PostgreSQL needs no such lock.
    write_lock: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// A write transaction. Dropping it without [`WriteTx::commit`] rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    _guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Serialises transactions that name the same `key` (e.g. logins of one
    /// user). SQLite writers are serialised already; on PostgreSQL this is an
    /// advisory transaction lock on the key's hash.
    pub async fn lock_named(&mut self, key: &str) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(key).execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Makes this transaction the ledger's only writer until it ends: the
    /// single sequencer that hands out gap-free indices (as Trillian and
    /// Tessera do, through the database). On SQLite writers are already
    /// serialised; on PostgreSQL an advisory transaction lock serialises them
    /// across every server process.
    pub async fn lock_ledger(&mut self) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7243002)").execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Makes this transaction the only one storing a risk analysis until it
    /// ends (`risk::store_analysis`), so analyses on two servers cannot
    /// interleave their deletes and upserts. In-process on SQLite, where
    /// writers are already serialised; an advisory transaction lock on
    /// PostgreSQL.
    pub async fn lock_analysis(&mut self) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7243003)").execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Db {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options: AnyConnectOptions = url.parse().map_err(|source| StoreError::Connect { source })?;
        // sqlx runs each SQLite connection on its own thread and hands rows
        // over a channel; on a 2-core machine more than three readers only
        // add context switches (measured: 597 req/s with 8, 779 with 3, for
        // 50-row pages under 50 clients).
        let pool_options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 3,
                Backend::Postgres => 16,
            })
            .acquire_timeout(std::time::Duration::from_secs(10));
        let pool_options = if backend == Backend::Sqlite {
            pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the single writer; NORMAL
                    // synchronous is durable across application crashes and
                    // loses at most the last transactions on power loss. A
                    // page cache of up to 32 MiB per connection (SQLite's
                    // default is 2 MiB, and it only grows with use) keeps the
                    // index pages that a bulk import of activity events
                    // touches at random in memory (measured: 26,000 → 38,000
                    // events/s). The write-ahead log is copied back every
                    // 10,000 pages (40 MiB) instead of 1,000: fewer, larger
                    // checkpoints inside commits write each hot index page
                    // once instead of ten times (measured: durable ledger
                    // appends 27,000 → 38,000 entries/s over 500,000).
                    use sqlx::Executor;
                    conn.execute(
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                         PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA cache_size=-32768; \
                         PRAGMA wal_autocheckpoint=10000;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            pool_options
        };
        let pool = pool_options.connect_with(options).await.map_err(|source| StoreError::Connect { source })?;
        Ok(Db { pool, backend, write_lock: Arc::new(tokio::sync::Mutex::new(())) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; refuses a schema newer than this binary.
    pub async fn migrate(&self) -> Result<()> {
        let mut tx = self.begin_with(false).await?;
        migrate::run(tx.conn(), self.backend).await?;
        tx.commit().await
    }

    /// A pooled connection for reads.
    pub async fn read(&self) -> Result<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<WriteTx> {
        self.begin_with(true).await
    }

    async fn begin_with(&self, take_sqlite_lock: bool) -> Result<WriteTx> {
        let guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Sqlite && take_sqlite_lock {
            // Take SQLite's write lock now, like BEGIN IMMEDIATE: another
            // process (the CLI beside a server) then waits in busy_timeout
            // instead of failing later when a read lock cannot be upgraded.
            sqlx::query("UPDATE schema_meta SET version = version WHERE 0 = 1").execute(&mut *tx).await?;
        }
        Ok(WriteTx { tx, backend: self.backend, _guard: guard })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Decodes a JSON list column.
pub(crate) fn json_list(text: &str, column: &str) -> Result<Vec<String>> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt { what: format!("{column} is not a JSON list") })
}

pub(crate) fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}
