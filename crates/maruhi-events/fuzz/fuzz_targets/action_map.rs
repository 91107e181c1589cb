//! The action map file format on arbitrary text: no panic; a table that
//! parses answers for each of its values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_events::ActionMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(map) = ActionMap::parse(text) {
        for (value, action) in map.entries() {
            assert_eq!(map.get(value), Some(action));
        }
    }
});
