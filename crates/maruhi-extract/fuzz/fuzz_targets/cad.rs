//! extract_bytes on arbitrary bytes named as a DXF drawing, a STEP model or a G-code program
//! (the first byte picks which): the canonical-text readers of `cad.rs` never panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::install_panic_hook();
    let Some((&pick, rest)) = data.split_first() else { return };
    let name = ["fuzz.dxf", "fuzz.stp", "fuzz.nc"][usize::from(pick) % 3];
    let limits = common::limits();
    let out = maruhi_extract::extract_bytes(name, rest, &limits);
    let text: usize = out.documents.iter().map(|d| d.text.len()).sum();
    assert!(text as u64 <= limits.max_text_bytes);
});
