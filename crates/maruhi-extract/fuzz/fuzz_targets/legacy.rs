//! extract_bytes on arbitrary bytes as a legacy Office file or RTF. The first byte picks the
//! name; for the OLE2 names the rest is placed in a real compound file's `WordDocument`,
//! `Workbook` or `PowerPoint Document` stream (with an empty table stream), so the stream
//! parsers of `legacy.rs` get the fuzzer's attention rather than the container's header checks.
#![no_main]

mod common;

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fn ole(stream: &str, data: &[u8], table: bool) -> Option<Vec<u8>> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).ok()?;
    file.create_stream(stream).ok()?.write_all(data).ok()?;
    if table {
        file.create_stream("/1Table").ok()?.write_all(data).ok()?;
    }
    file.flush().ok()?;
    Some(file.into_inner().into_inner())
}

fuzz_target!(|data: &[u8]| {
    common::install_panic_hook();
    let Some((&pick, rest)) = data.split_first() else { return };
    let (name, bytes) = match pick % 5 {
        0 => ("fuzz.doc", ole("/WordDocument", rest, true)),
        1 => ("fuzz.xls", ole("/Workbook", rest, false)),
        2 => ("fuzz.ppt", ole("/PowerPoint Document", rest, false)),
        3 => ("fuzz.rtf", Some(rest.to_vec())),
        _ => ("fuzz.doc", Some(rest.to_vec())),
    };
    let Some(bytes) = bytes else { return };
    let limits = common::limits();
    let out = maruhi_extract::extract_bytes(name, &bytes, &limits);
    let text: usize = out.documents.iter().map(|d| d.text.len()).sum();
    assert!(text as u64 <= limits.max_text_bytes);
});
