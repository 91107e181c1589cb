//! Service-layer tests. Every scenario runs against both backends: a fresh
//! SQLite file and a fresh PostgreSQL database.

// Tests state their expectations by unwrapping; a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod activity;
mod assess;
mod auth;
mod backup;
mod cases;
mod edm;
mod identity;
mod ledger;
mod registry;
mod reminders;
mod report;
mod risk;
mod scan;
mod sharing;
mod vault;

use std::future::Future;
use std::sync::Arc;

use maruhi_service::admin::UserInput;
use maruhi_service::{Actor, FixedClock, Service};
use time::macros::datetime;

pub const PW: &str = "correct-horse-battery";

pub struct Env {
    pub svc: Service,
    pub clock: Arc<FixedClock>,
    pub url: String,
}

impl Env {
    pub async fn actor(&self, username: &str) -> Actor {
        let (_, s) = self.svc.login(username, PW, "127.0.0.1").await.expect("login");
        s.actor
    }

    pub async fn user(&self, username: &str, role: &str) {
        self.svc
            .create_user(
                &Actor::operator(),
                UserInput {
                    username: username.into(),
                    display_name: format!("{username} さん"),
                    role: role.into(),
                    password: Some(PW.into()),
                    ..UserInput::default()
                },
            )
            .await
            .expect("create user");
    }
}

async fn env(url: String) -> Env {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-20 01:00 UTC)));
    let key = maruhi_service::ledger::new_log_key("test.example/log").expect("key");
    let svc = Service::open_with_clock(&url, clock.clone())
        .await
        .expect("open")
        .with_ledger_key(&key)
        .expect("key")
        .with_installation_key([9u8; 32]);
    Env { svc, clock, url }
}

/// Runs a scenario on SQLite, then on PostgreSQL.
pub async fn both<F, Fut>(scenario: F)
where
    F: Fn(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    scenario(env(maruhi_store::testing::fresh_sqlite()).await).await;
    let pg = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL test server on 127.0.0.1:5432");
    scenario(env(pg).await).await;
}
