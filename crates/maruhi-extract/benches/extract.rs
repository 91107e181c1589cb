//! Extraction throughput (input bytes per second) for plain UTF-8 text, a DOCX and a PDF.
//!
//! The inputs are built here or taken from the test fixtures, so the bench needs nothing else.
//! The PDF is the small LibreOffice fixture repeated per iteration: its figure is dominated by
//! per-file parsing cost, which is what a scanner of many small PDFs pays.

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use maruhi_extract::{extract_bytes, Limits};

const PARAGRAPH: &str =
    "社外秘：新製品「さくら」の配合比率は四十二・七パーセントである。The Sakura formula ratio is confidential. ";

fn plain_text() -> Vec<u8> {
    PARAGRAPH.repeat((16 << 20) / PARAGRAPH.len()).into_bytes()
}

/// A DOCX of about 2 MiB of text in many paragraphs and runs, as Word writes them.
fn docx() -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    while xml.len() < 4 << 20 {
        xml.push_str(r#"<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr><w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">"#);
        xml.push_str(PARAGRAPH);
        xml.push_str("</w:t></w:r></w:p>");
    }
    xml.push_str("</w:body></w:document>");
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut add = |name: &str, data: &[u8]| w.start_file(name, options).and_then(|()| Ok(w.write_all(data)?));
    if add("[Content_Types].xml", b"<Types/>").and_then(|()| add("word/document.xml", xml.as_bytes())).is_err() {
        unreachable!("writing to memory cannot fail");
    }
    match w.finish() {
        Ok(c) => c.into_inner(),
        Err(e) => unreachable!("writing to memory cannot fail: {e}"),
    }
}

fn pdf() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample.pdf");
    std::fs::read(&path).unwrap_or_else(|e| unreachable!("{}: {e}", path.display()))
}

fn benches(c: &mut Criterion) {
    let limits = Limits { use_pdftotext: false, ..Limits::default() };
    let mut group = c.benchmark_group("extract");
    group.measurement_time(Duration::from_secs(5)).sample_size(20);
    for (name, file, bytes) in
        [("text", "big.txt", plain_text()), ("docx", "big.docx", docx()), ("pdf", "sample.pdf", pdf())]
    {
        let out = extract_bytes(file, &bytes, &limits);
        assert!(out.diagnostics.is_empty() && !out.documents.is_empty(), "{name}: {:?}", out.diagnostics);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| extract_bytes(file, black_box(&bytes), &limits)));
    }
    group.finish();
}

criterion_group!(extract, benches);
criterion_main!(extract);
