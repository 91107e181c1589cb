//! Store tests. Every scenario runs against both backends: a fresh SQLite
//! file and a fresh PostgreSQL database.

// Tests state their expectations by unwrapping; a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod activity;
mod identities;
mod risk;
mod schema;

use std::future::Future;

use maruhi_store::Db;

/// Runs a scenario on a migrated SQLite database, then on PostgreSQL.
pub async fn both<F, Fut>(scenario: F)
where
    F: Fn(Db) -> Fut,
    Fut: Future<Output = ()>,
{
    let sqlite = Db::connect(&maruhi_store::testing::fresh_sqlite()).await.unwrap();
    sqlite.migrate().await.unwrap();
    scenario(sqlite).await;
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL test server on 127.0.0.1:5432");
    let pg = Db::connect(&url).await.unwrap();
    pg.migrate().await.unwrap();
    scenario(pg).await;
}
