//! Checkpoint text parsing: never panics, and round-trips what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_ledger::Checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(cp.to_text(), text);
    }
});
