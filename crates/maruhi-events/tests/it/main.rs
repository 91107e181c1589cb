//! Adapter tests on samples of every format, with golden outputs (insta).
//! One binary, modules per area (link time matters on two cores).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod adapters;
mod foreign;
mod properties;
mod resync;

use std::path::PathBuf;

use maruhi_events::{read, Format, Options};

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

pub fn bytes(rel: &str) -> Vec<u8> {
    match std::fs::read(fixture(rel)) {
        Ok(b) => b,
        Err(e) => panic!("fixture {rel}: {e}"),
    }
}

/// Every item of the stream, one per line: events in their canonical JSON
/// Lines form, bad records as `BAD line N: message`, and the skipped count
/// last. (Text rather than `serde_json::Value`, whose key order depends on
/// serde_json features that other crates may switch on.)
pub fn golden(format: Format, rel: &str, options: &Options) -> String {
    let data = bytes(rel);
    let mut events = read(format, &data[..], options);
    let mut out = String::new();
    for item in events.by_ref() {
        match item {
            Ok(e) => out.push_str(&e.to_json_line()),
            Err(b) => out.push_str(&format!("BAD {b}")),
        }
        out.push('\n');
    }
    out.push_str(&format!("skipped: {}\n", events.skipped()));
    out
}
