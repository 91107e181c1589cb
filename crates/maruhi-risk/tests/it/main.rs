//! Integration tests of maruhi-risk: one binary, one module per area.

mod engine;
mod sigma;
