//! Integration tests of maruhi-synth: one binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod calendar;
mod org;
mod scenarios;
mod stream;

use std::sync::OnceLock;

use maruhi_events::Event;
use maruhi_synth::{generate, Config, Org};
use time::macros::date;

/// A small organisation over a month that includes Golden Week, shared by
/// the tests (generated once).
pub fn small() -> &'static Org {
    static ORG: OnceLock<Org> = OnceLock::new();
    ORG.get_or_init(|| generate(&small_config()).unwrap())
}

pub fn small_config() -> Config {
    Config { seed: 11, users: 50, start: date!(2026 - 04 - 15), months: 1, ..Config::default() }
}

/// Every day of the small organisation, generated once.
pub fn small_days() -> &'static [(time::Date, Vec<Event>)] {
    static DAYS: OnceLock<Vec<(time::Date, Vec<Event>)>> = OnceLock::new();
    DAYS.get_or_init(|| small().days().collect())
}

/// A thousand people over six months: planned only (cheap), never streamed
/// whole in the tests.
pub fn large() -> &'static Org {
    static ORG: OnceLock<Org> = OnceLock::new();
    ORG.get_or_init(|| generate(&Config { seed: 7, ..Config::default() }).unwrap())
}
