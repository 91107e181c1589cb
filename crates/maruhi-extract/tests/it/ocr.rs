//! OCR runs only where Tesseract is installed (`.ci/run` installs it): each test says so and
//! returns early otherwise.

use maruhi_extract::{extract_bytes, ocr_available, Format, Limits};

use crate::fixture;

fn skip() -> bool {
    if !ocr_available() {
        eprintln!("tesseract with jpn/eng models not installed; OCR is not exercised");
        return true;
    }
    false
}

/// A page image rendered from text (`make_scans.py`), as a scanner makes one: the text comes
/// back by OCR, marked as such.
#[test]
fn scanned_page_image_is_read_by_ocr() {
    if skip() {
        return;
    }
    let out = extract_bytes("scan.png", &fixture("scan-300dpi.png"), &Limits::default());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.documents[0].format, Format::Ocr);
    let text: String = out.documents[0].text.split_whitespace().collect();
    for needle in ["社外秘", "金型", "公差"] {
        assert!(text.contains(needle), "{needle}: {text:?}");
    }
}

/// A PDF whose page is only an image (a scan to PDF) has no text layer: OCR reads it.
#[test]
fn scanned_pdf_is_read_by_ocr() {
    if skip() {
        return;
    }
    let out = extract_bytes("scan.pdf", &fixture("scan.pdf"), &Limits::default());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert_eq!(out.documents[0].format, Format::Ocr);
    let text: String = out.documents[0].text.split_whitespace().collect();
    assert!(text.contains("社外秘") && text.contains("金型"), "{text:?}");
}

/// With OCR off, an image yields nothing and a scanned PDF says it has no text, as before.
#[test]
fn ocr_off() {
    let limits = Limits { use_ocr: false, ..Limits::default() };
    let out = extract_bytes("scan.png", &fixture("scan-300dpi.png"), &limits);
    assert!(out.documents.is_empty() && out.diagnostics.is_empty(), "{out:?}");
    let out = extract_bytes("scan.pdf", &fixture("scan.pdf"), &limits);
    assert_eq!(out.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["MRH-EXTRACT-013"]);
}
