//! Stored reference index: never panics, whatever parses re-encodes to the
//! same bytes, and matching a loaded index against its own documents never
//! panics either.
//!
//! The file ends in a checksum, which random inputs almost never satisfy; the
//! fuzzer therefore also tries each input with its checksum repaired
//! (`reseal`), so the structural validation behind it gets exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_fingerprint::{Fingerprinter, ReferenceSet};

fuzz_target!(|data: &[u8]| {
    check(data);
    check(&reseal(data));
});

fn check(data: &[u8]) {
    if let Ok(refs) = ReferenceSet::from_bytes(data) {
        assert_eq!(refs.to_bytes(), data);
        let Ok(fp) = Fingerprinter::builder().key([0u8; 32]).build() else { return };
        let query = fp.fingerprint("営業秘密の管理に関する指針を改訂しました, see the attached policy text");
        if let Ok(q) = query {
            let _ = refs.find(&q);
        }
        for e in refs.entries() {
            assert!(refs.lookup(e.hash).contains(e));
        }
    }
}

fn reseal(data: &[u8]) -> Vec<u8> {
    let mut data = data.to_vec();
    maruhi_fingerprint::__reseal_checksum(&mut data);
    data
}
