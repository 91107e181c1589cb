//! A C2SP tlog-witness `add-checkpoint` request body (from any log that can
//! reach the witness): parsing never panics, and what it accepts keeps its
//! proof within the spec's bound and names an origin.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_ledger::witness::AddCheckpoint;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpoint::parse(data) {
        assert!(req.proof.len() <= maruhi_ledger::witness::MAX_PROOF_LINES);
        let _ = req.origin();
    }
});
