//! The evtx adapter on arbitrary bytes: no panic, no hang, bounded output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_events::{read, Format, Options};

fuzz_target!(|data: &[u8]| {
    let mut n = 0usize;
    for item in read(Format::Evtx, data, &Options::default()) {
        if let Ok(event) = item {
            // The canonical form of every event must read back as itself.
            let line = event.to_json_line();
            let again: Vec<_> = read(Format::Jsonl, line.as_bytes(), &Options::default()).collect();
            assert_eq!(again, vec![Ok(event)]);
        }
        n += 1;
        assert!(n <= data.len() + 1);
    }
});
