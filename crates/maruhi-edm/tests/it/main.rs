//! maruhi-edm tests: normalisation tables, the index file, matching.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod index;
mod matching;
mod normalize;
mod support;
