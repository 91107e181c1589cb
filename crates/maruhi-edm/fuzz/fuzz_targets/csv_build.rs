//! CSV exports and schema files: building an index from any bytes (the
//! first line of the input, up to a NUL, is taken as a schema file) never
//! panics, and an index that was built loads back with the rows it counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maruhi_edm::{index, Declared, Index, Key};

fuzz_target!(|data: &[u8]| {
    let (schema, csv) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let declared = match std::str::from_utf8(schema).ok().map(Declared::parse) {
        Some(Ok(d)) => d,
        Some(Err(_)) => return,
        None => Declared::default(),
    };
    let key = Key::from_bytes([1; 32]);
    let path = std::env::temp_dir().join(format!("maruhi-edm-fuzz-{}.edm", std::process::id()));
    let csv = std::io::Cursor::new(csv.to_vec());
    if let Ok((_, stats)) = index::build(csv, index::Encoding::Auto, &declared, &key, [2; 16], None, &path) {
        let ix = Index::load(&path, &key).expect("a built index loads");
        assert_eq!(ix.rows(), stats.rows);
    }
    let _ = std::fs::remove_file(&path);
});
