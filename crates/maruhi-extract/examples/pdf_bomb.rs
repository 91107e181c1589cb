//! Builds a PDF of about 1 MB whose one content stream inflates to 1 GiB of zeros and extracts it,
//! so peak memory can be measured:
//!
//! ```text
//! cargo build -p maruhi-extract --example pdf_bomb
//! /usr/bin/time -v target/debug/examples/pdf_bomb after    # extract_bytes with Limits::default()
//! /usr/bin/time -v target/debug/examples/pdf_bomb before   # pdf-extract alone, as before the preflight
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "after".into());
    let pdf = bomb_pdf(1024);
    eprintln!("PDF of {} bytes", pdf.len());
    match mode.as_str() {
        "before" => {
            // What the extractor did before: lopdf loads, pdf-extract decodes every stream itself.
            let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(&pdf).map(|t| t.len()));
            eprintln!("pdf-extract: {:?}", result.map(|r| r.map_err(|e| e.to_string())));
        }
        _ => {
            let out = maruhi_extract::extract_bytes("bomb.pdf", &pdf, &maruhi_extract::Limits::default());
            for d in &out.diagnostics {
                eprintln!("{} {}", d.code, d.message);
            }
            eprintln!("documents: {}", out.documents.len());
        }
    }
}

/// One page whose content stream is `mib` MiB of zeros, deflated (a full-flushed block repeated).
fn bomb_pdf(mib: u32) -> Vec<u8> {
    let mut raw = flate2::Compress::new(flate2::Compression::best(), false);
    let mut chunk = Vec::with_capacity(64 * 1024);
    raw.compress_vec(&vec![0u8; 1 << 20], &mut chunk, flate2::FlushCompress::Full).unwrap();
    let mut data = vec![0x78, 0xda];
    for _ in 0..mib {
        data.extend_from_slice(&chunk);
    }
    data.extend_from_slice(&[0x03, 0x00]);
    let b = (u64::from(mib) << 20) % 65521;
    data.extend_from_slice(&((b as u32) << 16 | 1).to_be_bytes());

    let mut pdf = b"%PDF-1.5\n".to_vec();
    let mut offsets = Vec::new();
    let mut object = |pdf: &mut Vec<u8>, body: &[u8]| {
        offsets.push(pdf.len());
        writeln!(pdf, "{} 0 obj", offsets.len()).unwrap();
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    };
    object(&mut pdf, b"<</Type/Catalog/Pages 2 0 R>>");
    object(&mut pdf, b"<</Type/Pages/Kids[3 0 R]/Count 1>>");
    object(&mut pdf, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]/Contents 4 0 R>>");
    let mut stream = format!("<</Filter/FlateDecode/Length {}>>\nstream\n", data.len()).into_bytes();
    stream.extend_from_slice(&data);
    stream.extend_from_slice(b"\nendstream");
    object(&mut pdf, &stream);
    let xref = pdf.len();
    write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).unwrap();
    for offset in &offsets {
        writeln!(pdf, "{offset:010} 00000 n ").unwrap();
    }
    write!(pdf, "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).unwrap();
    pdf
}
