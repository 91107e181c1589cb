//! Extracts a corpus of hostile files, one after another in this process, and reports each one's
//! time and peak memory; exits 1 when a file panics the extractor, takes longer than its time
//! budget allows, or adds more than `--max-rss-mib` (default 2048) to the resident set at its peak. CI runs it under an
//! address-space ceiling (`prlimit --as`), so an allocation the budgets let through kills the run:
//!
//! ```text
//! cargo build -p maruhi-extract --example hostile_corpus
//! prlimit --as=$((4 << 30)) target/debug/examples/hostile_corpus [--max-rss-mib N] [DIR|FILE]…
//! ```
//!
//! The corpus is built here (decompression bombs in PDF content and object streams, OOXML parts,
//! ODF, nested and overlapping archives, gzip and tar, mail attachments; structures that multiply
//! what a parser holds: deep nesting, many members, many pages), and every file under the paths
//! given is added (fixtures, fuzzing corpora, files from the field).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

use std::io::Write;
use std::time::{Duration, Instant};

use maruhi_extract::{extract_bytes, Limits};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut max_rss_mib = 2048u64;
    if let Some(i) = args.iter().position(|a| a == "--max-rss-mib") {
        max_rss_mib = args.get(i + 1).and_then(|v| v.parse().ok()).expect("--max-rss-mib N");
        args.drain(i..i + 2);
    }
    let mut corpus = built();
    for path in &args {
        collect(std::path::Path::new(path), &mut corpus);
    }
    let limits = Limits::default();
    // The budget's own slack: the PDF thread is stopped at the deadline, a part being parsed then
    // finishes its step.
    let allowed = limits.time_budget + Duration::from_secs(15);
    let mut failed = 0;
    println!("{:<44} {:>10} {:>9} {:>9}  codes", "file", "bytes", "seconds", "+peak MiB");
    for (name, bytes) in &corpus {
        reset_peak();
        let before = status_mib("VmRSS:");
        let start = Instant::now();
        let out = std::panic::catch_unwind(|| extract_bytes(name, bytes, &limits));
        let took = start.elapsed();
        // What this file added to the resident set at its peak.
        let peak = status_mib("VmHWM:").saturating_sub(before);
        let codes = match &out {
            Ok(o) => {
                let mut c: Vec<&str> = o.diagnostics.iter().map(|d| d.code).collect();
                c.sort_unstable();
                c.dedup();
                c.join(",")
            }
            Err(_) => "PANIC".into(),
        };
        let bad = out.is_err() || took > allowed || peak > max_rss_mib;
        failed += usize::from(bad);
        println!(
            "{:<44} {:>10} {:>9.2} {:>9}  {codes}{}",
            name.chars().take(44).collect::<String>(),
            bytes.len(),
            took.as_secs_f64(),
            peak,
            if bad { "  <-- FAILED" } else { "" }
        );
    }
    println!("{} file(s), {failed} failed", corpus.len());
    std::process::exit(i32::from(failed > 0));
}

fn collect(path: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            collect(&p, out);
        }
    } else if let Ok(bytes) = std::fs::read(path) {
        out.push((path.display().to_string(), bytes));
    }
}

/// Resets the peak resident set size (Linux: `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn status_mib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// A zlib stream of `mib` MiB of zeros in about 1 KiB per MiB (a full-flushed deflate block
/// repeated, then the final block and the Adler-32).
fn zeros_zlib(mib: u32) -> Vec<u8> {
    let mut out = vec![0x78, 0xda];
    out.extend(zeros_deflate_blocks(mib));
    out.extend_from_slice(&[0x03, 0x00]);
    let b = (u64::from(mib) << 20) % 65521;
    out.extend_from_slice(&((b as u32) << 16 | 1).to_be_bytes());
    out
}

fn zeros_deflate_blocks(mib: u32) -> Vec<u8> {
    let mut raw = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(64 * 1024);
    raw.compress_vec(&vec![0u8; 1 << 20], &mut chunk, flate2::FlushCompress::Full).unwrap();
    let mut out = Vec::with_capacity(chunk.len() * mib as usize);
    for _ in 0..mib {
        out.extend_from_slice(&chunk);
    }
    out
}

/// A gzip member of `mib` MiB of varied Japanese and English text at a ratio well under the
/// extractor's ratio limit: one MiB deflated on its own (a full flush) and repeated.
fn gzip_text(mib: u32) -> Vec<u8> {
    // A sentence repeated, a random hex digit after every fourth: about 145 to 1.
    let phrase = "焼結温度は千百八十度、保持時間は四十五分。sintering yield 98%. ".as_bytes();
    let mut text = Vec::with_capacity((1 << 20) + phrase.len());
    let mut x = 0x2545_f491u32;
    for i in 1.. {
        if text.len() >= 1 << 20 {
            break;
        }
        text.extend_from_slice(phrase);
        if i % 4 == 0 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            text.push(b"0123456789abcdef"[x as usize % 16]);
        }
    }
    text.truncate(1 << 20);
    let mut raw = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(1 << 20);
    raw.compress_vec(&text, &mut chunk, flate2::FlushCompress::Full).unwrap();
    let mut crc = flate2::Crc::new();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    for _ in 0..mib {
        out.extend_from_slice(&chunk);
        crc.update(&text);
    }
    out.extend_from_slice(&[0x03, 0x00]);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&((u64::from(mib) << 20) as u32).to_le_bytes());
    out
}

fn gzip_zeros(mib: u32) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        gz.write_all(&block).unwrap();
    }
    gz.finish().unwrap()
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    for (name, data) in members {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
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

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<<{dict}/Filter/FlateDecode/Length {}>>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

fn one_page_pdf(contents: Vec<u8>) -> Vec<u8> {
    pdf_of(&[
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        b"<</Type/Pages/Kids[4 0 R]/Count 1>>".to_vec(),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec(),
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]/Resources<</Font<</F1 3 0 R>>>>/Contents 5 0 R>>".to_vec(),
        contents,
    ])
}

fn docx_with(document: &[u8]) -> Vec<u8> {
    zip_of(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        ),
        ("word/document.xml", document),
    ])
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() / 3 * 4 + 4 + data.len() / 57 * 2);
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The hostile files, by name.
fn built() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    // PDF: a 1 GiB content stream; an object stream that inflates to 1 GiB; 20,000 pages.
    out.push(("pdf/content-bomb-1g.pdf".into(), one_page_pdf(stream("", &zeros_zlib(1024)))));
    let objstm = pdf_of(&[
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        b"<</Type/Pages/Kids[]/Count 0>>".to_vec(),
        stream("/Type/ObjStm/N 1000000/First 10", &zeros_zlib(1024)),
    ]);
    out.push(("pdf/object-stream-bomb-1g.pdf".into(), objstm));
    let n = 20_000;
    let mut objects = vec![
        b"<</Type/Catalog/Pages 2 0 R>>".to_vec(),
        format!(
            "<</Type/Pages/Kids[{}]/Count {n}>>",
            (0..n).map(|i| format!("{} 0 R", 4 + i)).collect::<Vec<_>>().join(" ")
        )
        .into_bytes(),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_vec(),
    ];
    for _ in 0..n {
        objects.push(b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]>>".to_vec());
    }
    out.push(("pdf/twenty-thousand-pages.pdf".into(), pdf_of(&objects)));

    // Office: a 1 GiB document.xml; XML nested 200,000 deep; a 1 GiB shared-strings part.
    let zeros = vec![b' '; 256 << 20];
    out.push(("office/document-xml-bomb.docx".into(), docx_with(&zeros)));
    let deep = format!("<w:document>{}x{}</w:document>", "<w:p>".repeat(200_000), "</w:p>".repeat(200_000));
    out.push(("office/deep-nesting.docx".into(), docx_with(deep.as_bytes())));
    let shared = format!("<sst>{}</sst>", "<si><t>同じ文字列</t></si>".repeat(4_000_000));
    out.push((
        "office/shared-strings.xlsx".into(),
        zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("xl/sharedStrings.xml", shared.as_bytes())]),
    ));
    out.push((
        "office/content-bomb.odt".into(),
        zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", &zeros)]),
    ));

    // Archives: a 1 GiB gzip, nested zips of 16 bombs each, 50,000 members.
    out.push(("archive/zeros-1g.gz".into(), gzip_zeros(1024)));
    out.push(("archive/text-below-ratio-2g.txt.gz".into(), gzip_text(2048)));
    let mut nested = zip_of(&[("zeros.bin", &vec![0u8; 16 << 20])]);
    for level in 0..2 {
        let name = format!("l{level}.zip");
        let copies: Vec<(String, Vec<u8>)> = (0..16).map(|i| (format!("{i}-{name}"), nested.clone())).collect();
        let refs: Vec<(&str, &[u8])> = copies.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        nested = zip_of(&refs);
    }
    out.push(("archive/nested-16x16.zip".into(), nested));
    let many: Vec<(String, Vec<u8>)> = (0..50_000).map(|i| (format!("{i}.txt"), b"x".to_vec())).collect();
    let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    out.push(("archive/fifty-thousand-members.zip".into(), zip_of(&refs)));

    // Mail: a zip bomb attached; 2,000 nested multiparts.
    let bomb = zip_of(&[("zeros.bin", &vec![0u8; 256 << 20])]);
    let b64 = base64(&bomb);
    let mail = format!(
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: =?UTF-8?B?6KaL56mN5pu4?=\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
         --b\r\nContent-Type: application/zip; name=\"a.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
    );
    out.push(("mail/attached-bomb.eml".into(), mail.into_bytes()));
    let mut nested = String::from("From: a@example.com\r\nMIME-Version: 1.0\r\n");
    for i in 0..2000 {
        nested.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"));
    }
    nested.push_str("Content-Type: text/plain\r\n\r\ndeep\r\n");
    out.push(("mail/nested-multipart.eml".into(), nested.into_bytes()));

    // Text: 200 MiB on one line, and HTML nested a million deep.
    out.push(("text/one-line.txt".into(), vec![b'a'; 200 << 20]));
    out.push(("text/deep.html".into(), "<div>".repeat(1_000_000).into_bytes()));
    out
}
