//! Fingerprinting untrusted text: never panics, and the streaming path (the
//! normaliser feeding the winnower directly, with its branch-free and
//! whole-run pushes) gives exactly what fingerprinting the materialised
//! normalised text gives. Small parameters as well as the defaults, so that
//! both ring sizes are exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_fingerprint::{normalize, Fingerprinter};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    let builder = Fingerprinter::builder().key([7u8; 32]);
    let builder = match choice % 3 {
        0 => builder,
        1 => builder.k(usize::from(choice % 7) + 1).window(usize::from(choice % 5) + 1),
        _ => builder.k(40).window(300),
    };
    let Ok(fp) = builder.build() else { return };
    let Ok(streamed) = fp.fingerprint(&text) else { return };
    let Ok(doc) = normalize(&text) else { return };
    assert_eq!(streamed, fp.fingerprint_normalized(&doc));
});
