//! Integration tests: one binary, modules per area (link time matters on two
//! cores).

mod api;
mod gen;
mod guarantee;
mod matching;
mod normalize;
