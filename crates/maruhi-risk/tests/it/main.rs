//! Integration tests of maruhi-risk: one binary, one module per area.

// Tests state their expectations by unwrapping; a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod engine;
mod sigma;
mod signals;
