//! The Office and OpenDocument XML readers: the input (after a selector byte) becomes one part
//! of a well-formed ZIP, so the fuzzer spends its time on XML rather than on ZIP headers.
#![no_main]

mod common;

use std::io::Write;

use libfuzzer_sys::fuzz_target;

const LAYOUTS: &[(&str, &[&str])] = &[
    ("fuzz.docx", &["word/document.xml"]),
    ("fuzz.xlsx", &["xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"]),
    ("fuzz.pptx", &["ppt/presentation.xml", "ppt/slides/slide1.xml"]),
    ("fuzz.odt", &["mimetype:application/vnd.oasis.opendocument.text", "content.xml"]),
    ("fuzz.ods", &["mimetype:application/vnd.oasis.opendocument.spreadsheet", "content.xml"]),
];

fuzz_target!(|data: &[u8]| {
    common::install_panic_hook();
    let Some((&selector, xml)) = data.split_first() else { return };
    let (name, parts) = LAYOUTS[usize::from(selector) % LAYOUTS.len()];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for part in parts {
        let (part, content) = match part.split_once(':') {
            Some((p, c)) => (p, c.as_bytes()),
            None => (*part, xml),
        };
        if w.start_file(part, options).is_err() || w.write_all(content).is_err() {
            return;
        }
    }
    let Ok(zip) = w.finish() else { return };
    let out = maruhi_extract::extract_bytes(name, &zip.into_inner(), &common::limits());
    assert!(!out.diagnostics.iter().any(|d| d.code == "MRH-EXTRACT-011"), "{:?}", out.diagnostics);
});
