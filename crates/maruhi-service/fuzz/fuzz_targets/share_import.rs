//! Reading a STIX 2.1 bundle or a MISP event received from a forum, on
//! arbitrary JSON: no panic, bounded output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_service::sharing::{misp, stix};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    for draft in [stix::read(&value), misp::read(&value)].into_iter().flatten() {
        assert!(draft.indicators.len() <= 1000);
    }
});
