//! tlog-proof parsing: never panics, and round-trips what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_ledger::TlogProof;

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = TlogProof::parse(data) {
        assert_eq!(proof.to_text().as_bytes(), data);
    }
});
