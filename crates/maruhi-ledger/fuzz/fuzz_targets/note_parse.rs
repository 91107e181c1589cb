//! Signed-note parsing: never panics, and whatever parses formats back to
//! the same bytes (the format has one spelling per note).
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_ledger::Note;

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_bytes(), data);
        let _ = note.verify(&[]);
    }
});
