//! Extraction throughput per format (issue 22): the fixtures of `tests/fixtures`, and inputs
//! scaled up from them where a format's reader is linear in the input (RTF, DXF, STEP, G-code),
//! each extracted repeatedly for about a second. OCR (images, scanned PDF) is reported in pages
//! per second, and only when Tesseract is installed.
//!
//! ```text
//! cargo run --release -p maruhi-extract --example formats
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use maruhi_extract::{extract_bytes, Limits};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

/// The fixture with the lines between `start` and `end` (exclusive) repeated to about `size`
/// bytes.
fn scaled(name: &str, start: &str, end: &str, size: usize) -> Vec<u8> {
    let text = String::from_utf8(fixture(name)).unwrap();
    let a = text.find(start).unwrap() + start.len();
    let b = a + text[a..].find(end).unwrap();
    let body = &text[a..b];
    let mut out = text[..a].to_owned();
    while out.len() < size {
        out.push_str(body);
    }
    out.push_str(&text[b..]);
    out.into_bytes()
}

fn measure(label: &str, name: &str, bytes: &[u8], pages: Option<usize>, limits: &Limits) {
    let start = Instant::now();
    let mut runs = 0u32;
    let mut chars = 0;
    while runs < 3 || start.elapsed() < Duration::from_secs(1) {
        let out = extract_bytes(name, bytes, limits);
        chars = out.documents.iter().map(|d| d.text.chars().count()).sum();
        runs += 1;
        if runs >= 1000 {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64() / f64::from(runs);
    let mbps = bytes.len() as f64 / secs / 1e6;
    let extra = pages.map(|p| format!("  {:>7.2} pages/s", p as f64 / secs)).unwrap_or_default();
    println!("{label:<28} {:>9} B  {chars:>8} chars  {:>8.1} ms  {mbps:>8.2} MB/s{extra}", bytes.len(), secs * 1e3);
}

fn main() {
    let limits = Limits { use_pdftotext: false, ..Limits::default() };
    println!("format                        input       text          per file    throughput");
    measure("pdf, CID UniJIS-UCS2 (2 p)", "cjk-ucs2.pdf", &fixture("cjk-ucs2.pdf"), Some(2), &limits);
    measure("pdf, 90ms-RKSJ-H (1 p)", "cjk-90ms-rksj.pdf", &fixture("cjk-90ms-rksj.pdf"), Some(1), &limits);
    measure("pdf, LibreOffice (1 p)", "sample.pdf", &fixture("sample.pdf"), Some(1), &limits);
    measure("doc", "sample.doc", &fixture("sample.doc"), None, &limits);
    measure("xls", "sample.xls", &fixture("sample.xls"), None, &limits);
    measure("ppt", "sample.ppt", &fixture("sample.ppt"), None, &limits);
    measure("docx (for comparison)", "sample.docx", &fixture("sample.docx"), None, &limits);
    measure("rtf, Shift_JIS, 4 MB", "big.rtf", &scaled("sjis.rtf", "}}\n", "\n}", 4 << 20), None, &limits);
    measure(
        "dxf, 8 MB",
        "big.dxf",
        &scaled("die-plate.dxf", "ENTITIES\n", "  0\nENDSEC\n  0\nEOF", 8 << 20),
        None,
        &limits,
    );
    measure("step, 8 MB", "big.stp", &scaled("die-plate.stp", "DATA;\n", "ENDSEC;\nEND", 8 << 20), None, &limits);
    measure("g-code, 8 MB", "big.nc", &scaled("die-plate.nc", "N10", "N120", 8 << 20), None, &limits);
    if maruhi_extract::ocr_available() {
        let ocr = Limits { time_budget: Duration::from_secs(600), ocr_time_budget: Duration::from_secs(600), ..limits };
        measure("ocr, png 300 dpi (1 p)", "scan.png", &fixture("scan-300dpi.png"), Some(1), &ocr);
        measure("ocr, scanned pdf (1 p)", "scan.pdf", &fixture("scan.pdf"), Some(1), &ocr);
    } else {
        println!("tesseract not installed: OCR not measured");
    }
}
