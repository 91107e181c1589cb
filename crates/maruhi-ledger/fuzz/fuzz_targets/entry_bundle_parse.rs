//! Entry bundle parsing: never panics, and re-encoding gives the input back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_ledger::tile::{encode_entry_bundle, parse_entry_bundle};

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = parse_entry_bundle(data) {
        assert_eq!(encode_entry_bundle(&entries).ok().as_deref(), Some(data));
    }
});
