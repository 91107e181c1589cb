//! Integration tests for maruhi-mail, one binary with a module per area.
// Tests fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod golden;
