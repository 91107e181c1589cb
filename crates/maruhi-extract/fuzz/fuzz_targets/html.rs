//! extract_bytes on arbitrary bytes named `fuzz.html`: never crashes, hangs or exceeds its limits.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::install_panic_hook();
    let limits = common::limits();
    let out = maruhi_extract::extract_bytes("fuzz.html", data, &limits);
    let text: usize = out.documents.iter().map(|d| d.text.len()).sum();
    assert!(text as u64 <= limits.max_text_bytes);
});
