//! Stored fingerprints: never panics, and whatever parses re-encodes to the
//! same bytes (the format has one encoding per value). Each input is also
//! tried with its trailing checksum repaired, so the fuzzer gets past it to
//! the structural validation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_fingerprint::Fingerprints;

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut resealed = data.to_vec();
    maruhi_fingerprint::__reseal_checksum(&mut resealed);
    check(&resealed);
});

fn check(data: &[u8]) {
    if let Ok(fps) = Fingerprints::from_bytes(data) {
        assert_eq!(fps.to_bytes(), data);
    }
}
