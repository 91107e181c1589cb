//! Hostile PDFs, built at test time: decompression bombs in every place lopdf or pdf-extract would
//! decode them, and structures that multiply what a parser holds.
#![allow(clippy::disallowed_methods, reason = "tests of the time budget measure it")]

use std::io::{Read, Write};

use maruhi_extract::{codes as code, extract_bytes, Limits};

use crate::codes;

fn rust_only() -> Limits {
    Limits { use_pdftotext: false, ..Limits::default() }
}

/// A zlib stream that inflates to `mib` MiB of zeros, in about 1 KiB per MiB: a raw deflate block
/// sequence for 1 MiB of zeros ends on a full flush (no history carried over), so it can be
/// repeated, then an empty final block and the Adler-32 of the whole (RFC 1950/1951).
pub(crate) fn zeros_bomb(mib: u32) -> Vec<u8> {
    let mut raw = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(64 * 1024);
    raw.compress_vec(&vec![0u8; 1 << 20], &mut chunk, flate2::FlushCompress::Full).unwrap();
    assert_eq!(raw.total_in(), 1 << 20);
    let mut out = vec![0x78, 0xda];
    for _ in 0..mib {
        out.extend_from_slice(&chunk);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    // Adler-32 of n zeros: a = 1, b = n mod 65521.
    let b = (u64::from(mib) << 20) % 65521;
    out.extend_from_slice(&((b as u32) << 16 | 1).to_be_bytes());
    out
}

pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// A stream object body with `dict` entries and FlateDecoded `data`.
pub(crate) fn flate_stream(dict: &str, compressed: &[u8]) -> Vec<u8> {
    let mut body = format!("<<{dict}/Filter/FlateDecode/Length {}>>\nstream\n", compressed.len()).into_bytes();
    body.extend_from_slice(compressed);
    body.extend_from_slice(b"\nendstream");
    body
}

/// A PDF with correct cross-reference offsets from the bodies of objects 1, 2, ….
pub(crate) fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

const FONT: &str = "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>";

/// Catalog (1), page tree (2), font (3), then one page per content object id, each page object
/// given in order after the font.
fn pages(contents: &[&str]) -> Vec<Vec<u8>> {
    let first_page = 4;
    let kids: Vec<String> = (0..contents.len()).map(|i| format!("{} 0 R", first_page + i)).collect();
    let mut objects = vec![
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        format!("<</Type/Pages/Kids[{}]/Count {}>>", kids.join(" "), contents.len()).into_bytes(),
        FONT.as_bytes().to_vec(),
    ];
    for c in contents {
        objects.push(
            format!("<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]/Resources<</Font<</F1 3 0 R>>>>/Contents {c}>>")
                .into_bytes(),
        );
    }
    objects
}

fn text_op(word: &str) -> String {
    format!("BT /F1 12 Tf 20 200 Td ({word}) Tj ET\n")
}

#[test]
fn the_bomb_inflates_as_built() {
    let bomb = zeros_bomb(4);
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(bomb.as_slice()).read_to_end(&mut out).unwrap();
    assert_eq!(out.len(), 4 << 20);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn a_small_pdf_of_compressed_text_still_extracts() {
    let mut objects = pages(&["5 0 R"]);
    objects.push(flate_stream("", &deflate(text_op("Sakura").as_bytes())));
    let out = extract_bytes("ok.pdf", &pdf_of(&objects), &rust_only());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert!(out.documents[0].text.contains("Sakura"), "{out:?}");
}

/// 1 GiB of zeros as a page's content stream, in a PDF of about 1 MB.
#[test]
fn a_gigabyte_content_stream_is_stopped_at_the_parse_limit() {
    let mut objects = pages(&["6 0 R", "7 0 R"]);
    objects.push(flate_stream("", &zeros_bomb(1024)));
    objects.push(flate_stream("", &deflate(text_op("Visible").as_bytes())));
    let pdf = pdf_of(&objects);
    assert!(pdf.len() < 1_200_000, "{}", pdf.len());
    let started = std::time::Instant::now();
    let out = extract_bytes("bomb.pdf", &pdf, &Limits::default());
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
    // The page within budget keeps its text; nothing of the bomb is text.
    assert_eq!(out.documents.len(), 1);
    assert!(out.documents[0].text.contains("Visible"));
    assert!(out.documents[0].text.len() < 100);
    assert!(started.elapsed().as_secs() < 10);
}

/// lopdf decodes object streams while it loads: the raw preflight refuses the file before that.
#[test]
fn an_object_stream_bomb_is_refused_before_loading() {
    let mut objects = pages(&["5 0 R"]);
    objects.push(flate_stream("", &deflate(text_op("Hidden").as_bytes())));
    objects.push(flate_stream("/Type/ObjStm/N 1/First 4", &zeros_bomb(1024)));
    let out = extract_bytes("objstm.pdf", &pdf_of(&objects), &Limits::default());
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
    assert!(out.documents.is_empty());
}

/// A cross-reference stream is decoded at the offset `startxref` names, whatever its type says.
#[test]
fn a_bomb_where_the_cross_reference_stream_should_be_is_refused() {
    let mut pdf = pdf_of(&pages(&[]));
    let at = pdf.len();
    pdf.extend_from_slice(b"9 0 obj\n");
    pdf.extend_from_slice(&flate_stream("/Subtype/Image/W[1 2 1]/Size 9", &zeros_bomb(64)));
    pdf.extend_from_slice(format!("\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    let out = extract_bytes("xref.pdf", &pdf, &rust_only());
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
}

/// Each stream stays under every per-stream limit; together they pass the file's expanded budget.
#[test]
fn many_streams_together_pass_the_expanded_budget() {
    // Under 1 MiB each, so no ratio applies (as for archive members).
    let padding = " ".repeat(900 << 10);
    let n = 8;
    let refs: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + n + i)).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let mut objects = pages(&refs);
    for i in 0..n {
        let content = format!("{padding}{}", text_op(&format!("Page{i}")));
        objects.push(flate_stream("", &deflate(content.as_bytes())));
    }
    let limits = Limits { max_expanded_bytes: 7 << 19, ..rust_only() };
    let out = extract_bytes("many.pdf", &pdf_of(&objects), &limits);
    assert!(out.diagnostics[0].message.contains("expanded-size limit"), "{:?}", out.diagnostics);
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
    let text = &out.documents[0].text;
    assert!(text.contains("Page0") && text.contains("Page2"), "{text:?}");
    assert!(!text.contains("Page3") && !text.contains("Page7"), "{text:?}");
}

/// pdf-extract concatenates a page's content streams, once per reference.
#[test]
fn one_stream_named_ten_thousand_times_by_a_page_is_left_out() {
    let many = vec!["6 0 R"; 10_000].join(" ");
    let mut objects = pages(&[&format!("[{many}]"), "7 0 R"]);
    objects.push(flate_stream("", &deflate(format!("{}{}", " ".repeat(1000), text_op("Repeated")).as_bytes())));
    objects.push(flate_stream("", &deflate(text_op("Second").as_bytes())));
    let out = extract_bytes("repeat.pdf", &pdf_of(&objects), &rust_only());
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
    let text = &out.documents[0].text;
    assert!(text.contains("Second") && !text.contains("Repeated"), "{text:?}");
}

#[test]
fn page_and_object_counts() {
    let contents = vec!["null"; 150];
    let pdf = pdf_of(&pages(&contents));
    let out = extract_bytes("pages.pdf", &pdf, &Limits { max_pdf_pages: 100, ..rust_only() });
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
    assert!(out.diagnostics[0].message.contains("pages"));
    let out = extract_bytes("objects.pdf", &pdf, &Limits { max_pdf_objects: 100, ..rust_only() });
    assert_eq!(codes(&out), [code::PDF_BUDGET], "{:?}", out.diagnostics);
    assert!(out.diagnostics[0].message.contains("objects"));
}

/// A page with no `/MediaBox` whose `/Parent` is itself: pdf-extract would recurse forever.
#[test]
fn a_page_that_is_its_own_parent() {
    let objects = vec![
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>".to_vec(),
        b"<</Type/Page/Parent 3 0 R/Contents 4 0 R>>".to_vec(),
        flate_stream("", &deflate(b"BT ET")),
    ];
    let out = extract_bytes("parent.pdf", &pdf_of(&objects), &rust_only());
    assert_eq!(codes(&out), [code::MALFORMED], "{:?}", out.diagnostics);
}

#[test]
fn codes_are_pinned() {
    let expected: Vec<String> = (1..=14).map(|n| format!("MRH-EXTRACT-{n:03}")).collect();
    assert_eq!(code::ALL.to_vec(), expected);
    assert_eq!(code::PDF_BUDGET, "MRH-EXTRACT-014");
}

/// pdf-extract unwraps the parse of each content stream; unparseable content is left out before it
/// gets there, so no panic (and no panic-hook output) happens.
#[test]
fn unparseable_content_is_left_out_without_a_panic() {
    let mut objects = pages(&["6 0 R", "7 0 R"]);
    objects.push(flate_stream("", &deflate(b"BT (unterminated")));
    objects.push(flate_stream("", &deflate(text_op("Readable").as_bytes())));
    let out = extract_bytes("garbage.pdf", &pdf_of(&objects), &rust_only());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert!(out.documents[0].text.contains("Readable"));
}
