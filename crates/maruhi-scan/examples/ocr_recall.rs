//! OCR recall and false positives on rendered, re-scanned pages (issue 22). Pages come from
//! `ocr_pages.py` (Japanese manual pages rendered at 200 and 300 dpi with skew, blur and
//! speckle noise, beside their true text). The first half of the pages are registered (their
//! true text); every image is scanned with the scanner `maruhi scan` uses, OCR included. A
//! registered page is recalled when its own text is the finding's reference; a finding on an
//! unregistered page (same field, same vocabulary) is a false positive.
//!
//! ```text
//! /tmp/rl/bin/python crates/maruhi-scan/examples/ocr_pages.py ../shared/corpus/ja /tmp/ocr-pages 16
//! cargo run --release -p maruhi-scan --example ocr_recall -- /tmp/ocr-pages
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout, clippy::disallowed_methods)]

use std::path::Path;
use std::time::Instant;

use maruhi_fingerprint::Fingerprinter;
use maruhi_scan::{Collection, MatchKind, Reference, Scanner};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: ocr_recall DIR (from ocr_pages.py)");
    let dir = Path::new(&dir);
    if !maruhi_extract::ocr_available() {
        println!("tesseract is not installed: nothing to measure");
        return;
    }
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".txt").map(str::to_owned))
        .collect();
    pages.sort();
    let registered = pages.len() / 2;
    let fp = Fingerprinter::builder().key([3u8; 32]).build().unwrap();
    let mut builder = Scanner::builder(fp.clone());
    for page in &pages[..registered] {
        let text = std::fs::read_to_string(dir.join(format!("{page}.txt"))).unwrap();
        builder.add(Reference::new(page.clone(), Collection::Reference), &fp.fingerprint(&text).unwrap()).unwrap();
    }
    let scanner = builder.build().unwrap();
    println!("{} pages, {registered} registered; tesseract with jpn+jpn_vert+eng", pages.len());
    println!("dpi  recalled  false_pos  coverage(mean)  pages/s");
    for dpi in [200, 300] {
        let (mut hit, mut fp_count, mut coverage) = (0usize, 0usize, 0.0f64);
        let start = Instant::now();
        for (i, page) in pages.iter().enumerate() {
            let bytes = std::fs::read(dir.join(format!("{page}-{dpi}.png"))).unwrap();
            let report = scanner.scan_bytes(&format!("{page}-{dpi}.png"), &bytes);
            let own = report.findings.iter().find(|f| f.reference == *page && f.kind == MatchKind::Ocr);
            if i < registered {
                if let Some(f) = own {
                    hit += 1;
                    coverage += f.coverage;
                }
                fp_count += report.findings.iter().filter(|f| f.reference != *page).count();
            } else {
                fp_count += report.findings.len();
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{dpi:>3}  {hit:>3}/{registered:<4}  {fp_count:>9}  {:>14.3}  {:>7.2}",
            if hit > 0 { coverage / hit as f64 } else { 0.0 },
            pages.len() as f64 / secs
        );
    }
}
