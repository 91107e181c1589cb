//! Integration tests for maruhi-extract, one binary with a module per area.
// Tests fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod archives;
mod cad;
mod limits;
mod mail;
mod ocr;
mod office;
mod pdf;
mod pdf_budgets;
mod text;

use maruhi_extract::{extract_bytes, Extraction, Limits};

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

pub(crate) fn extract(name: &str, bytes: &[u8]) -> Extraction {
    extract_bytes(name, bytes, &Limits::default())
}

/// The text of the document at `path`, failing with the whole extraction when it is missing.
pub(crate) fn text_of<'a>(out: &'a Extraction, path: &str) -> &'a str {
    match out.documents.iter().find(|d| d.path == path) {
        Some(d) => &d.text,
        None => panic!("no document {path:?} in {out:#?}"),
    }
}

pub(crate) fn codes(out: &Extraction) -> Vec<&'static str> {
    out.diagnostics.iter().map(|d| d.code).collect()
}

pub(crate) fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, options).unwrap();
        std::io::Write::write_all(&mut w, data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The Japanese paragraph the fixture generator writes into the text fixtures.
pub(crate) const JA: &str = "社外秘：新製品「さくら」の配合比率は四十二・七パーセントである。";
