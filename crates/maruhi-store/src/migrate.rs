//! Versioned migrations. Each backend has its own numbered `.sql` files; the
//! version applied is kept in `schema_meta`. A database whose version is newer
//! than the binary's is refused rather than silently misread.

use sqlx::{AnyConnection, Row};

use crate::{Backend, Result, StoreError};

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../migrations/sqlite/0001_registry.sql"),
        postgres: include_str!("../migrations/postgres/0001_registry.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../migrations/sqlite/0002_list_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0002_list_indexes.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../migrations/sqlite/0003_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0003_ledger.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../migrations/sqlite/0004_timestamps.sql"),
        postgres: include_str!("../migrations/postgres/0004_timestamps.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../migrations/sqlite/0005_materials.sql"),
        postgres: include_str!("../migrations/postgres/0005_materials.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../migrations/sqlite/0006_activity.sql"),
        postgres: include_str!("../migrations/postgres/0006_activity.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../migrations/sqlite/0007_risk.sql"),
        postgres: include_str!("../migrations/postgres/0007_risk.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../migrations/sqlite/0008_identities.sql"),
        postgres: include_str!("../migrations/postgres/0008_identities.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../migrations/sqlite/0009_vault.sql"),
        postgres: include_str!("../migrations/postgres/0009_vault.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../migrations/sqlite/0010_timestamp_renewals.sql"),
        postgres: include_str!("../migrations/postgres/0010_timestamp_renewals.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../migrations/sqlite/0011_session_idle.sql"),
        postgres: include_str!("../migrations/postgres/0011_session_idle.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../migrations/sqlite/0012_marked_copies.sql"),
        postgres: include_str!("../migrations/postgres/0012_marked_copies.sql"),
    },
    Migration {
        version: 13,
        sqlite: include_str!("../migrations/sqlite/0013_cases.sql"),
        postgres: include_str!("../migrations/postgres/0013_cases.sql"),
    },
    Migration {
        version: 14,
        sqlite: include_str!("../migrations/sqlite/0014_assessment.sql"),
        postgres: include_str!("../migrations/postgres/0014_assessment.sql"),
    },
    Migration {
        version: 15,
        sqlite: include_str!("../migrations/sqlite/0015_edm.sql"),
        postgres: include_str!("../migrations/postgres/0015_edm.sql"),
    },
    Migration {
        version: 16,
        sqlite: include_str!("../migrations/sqlite/0016_sharing.sql"),
        postgres: include_str!("../migrations/postgres/0016_sharing.sql"),
    },
    Migration {
        version: 17,
        sqlite: include_str!("../migrations/sqlite/0017_alert_assignee.sql"),
        postgres: include_str!("../migrations/postgres/0017_alert_assignee.sql"),
    },
];

/// The newest schema version this binary knows.
pub const SCHEMA_VERSION: i64 = 17;

pub(crate) async fn current_version(conn: &mut AnyConnection) -> Result<i64> {
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_meta (version BIGINT NOT NULL)").execute(&mut *conn).await?;
    let row = sqlx::query("SELECT MAX(version) AS v FROM schema_meta").fetch_one(&mut *conn).await?;
    Ok(row.try_get::<Option<i64>, _>("v")?.unwrap_or(0))
}

pub(crate) async fn run(conn: &mut AnyConnection, backend: Backend) -> Result<()> {
    if backend == Backend::Postgres {
        // Several `maruhi serve` processes may start at once against one
        // database; the advisory lock makes exactly one of them migrate.
        sqlx::query("SELECT pg_advisory_xact_lock(7243001)").execute(&mut *conn).await?;
    }
    let found = current_version(conn).await?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, known: SCHEMA_VERSION });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        let sql = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        sqlx::raw_sql(sql).execute(&mut *conn).await?;
        sqlx::query("INSERT INTO schema_meta (version) VALUES ($1)").bind(m.version).execute(&mut *conn).await?;
        tracing::info!(version = m.version, "applied schema migration");
    }
    Ok(())
}
