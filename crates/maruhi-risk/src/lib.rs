//! Insider-risk detection for maruhi.
//!
//! Activity events in the one schema of `maruhi-events` are evaluated, user by
//! user and in time order, against Sigma rules and correlations ([`sigma`]),
//! enriched with what the installation knows (watchlists, HR dates, the paths
//! of registered secrets and who needs to know them, destination categories).
//! Per-user baselines add anomalies; indicators add up to a per-user score
//! that decays over time; alerts carry their evidence events and plain-language
//! reasons in Japanese and English.
//!
//! The crate is pure: no I/O, no clock; time comes from the events and from the
//! `as_of` instant a caller scores at.

#![forbid(unsafe_code)]

pub mod sigma;

pub mod baseline;
pub mod context;
pub mod engine;
pub mod enrich;
pub mod pack;
pub mod score;

pub use context::{Category, Context, Departure, Person, SecretArea, Watchlist};
pub use engine::{Alert, Engine};
pub use pack::Pack;
pub use score::{rank, score_user, Indicator, Reason, ScoredReason, UserScore};
