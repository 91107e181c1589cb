//! The sharing gate on arbitrary text (a draft is what people paste from
//! mails: headers, encoded bodies, URLs): no panic, and nothing of the
//! dictionary is left in what it writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_service::sharing::gate::{residuals, Dictionary, Gate};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let dict = Dictionary::new([
        ("company".to_owned(), "アクメ精機".to_owned()),
        ("company".to_owned(), "Acme".to_owned()),
        ("domain".to_owned(), "acme.example".to_owned()),
        ("ip-range".to_owned(), "198.51.100.0/24".to_owned()),
    ]);
    let mut gate = Gate::new(&dict, [7; 32], "fuzz");
    let out = gate.text("text", &text);
    assert!(residuals(&dict, &out).is_empty(), "left in {out:?}");
});
