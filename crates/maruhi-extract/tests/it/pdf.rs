use maruhi_extract::{extract_bytes, Format, Limits};

use crate::{codes, fixture, text_of};

fn rust_only() -> Limits {
    Limits { use_pdftotext: false, ..Limits::default() }
}

#[test]
fn japanese_pdf_through_the_rust_path() {
    let out = extract_bytes("sample.pdf", &fixture("sample.pdf"), &rust_only());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let text = text_of(&out, "sample.pdf");
    assert_eq!(out.documents[0].format, Format::Pdf);
    for needle in ["社外秘", "配合比率", "Confidential: the Sakura formula ratio", "Raw material B"] {
        assert!(text.contains(needle), "{needle}: {text:?}");
    }
}

#[test]
fn malformed_and_truncated_pdf() {
    let pdf = fixture("sample.pdf");
    for (name, bytes) in
        [("garbage.pdf", &b"%PDF-1.7\n1 0 obj << /Type /Catalog >> trailer"[..]), ("cut.pdf", &pdf[..pdf.len() / 2])]
    {
        let out = extract_bytes(name, bytes, &rust_only());
        assert!(out.documents.is_empty() || !out.diagnostics.is_empty(), "{name}: {out:?}");
        for d in &out.diagnostics {
            assert!(["MRH-EXTRACT-009", "MRH-EXTRACT-011", "MRH-EXTRACT-013"].contains(&d.code), "{name}: {d:?}");
        }
    }
    let out = extract_bytes("junk.pdf", b"not a pdf", &rust_only());
    assert_eq!(codes(&out), ["MRH-EXTRACT-009"]);
}

/// Runs only when poppler's pdftotext is installed: the fallback must never be required.
#[test]
fn pdftotext_fallback_when_installed() {
    let installed = std::process::Command::new("pdftotext").arg("-v").output().is_ok();
    if !installed {
        eprintln!("pdftotext not installed; the fallback path is not exercised");
        return;
    }
    // Without its cross-reference table the Rust parser gives up; poppler rebuilds the table.
    let pdf = fixture("sample.pdf");
    let xref = pdf.windows(5).rposition(|w| w == b"\nxref").unwrap();
    let mut broken = pdf[..xref].to_vec();
    broken.extend_from_slice(b"\ntrailer\n<</Size 21/Root 19 0 R>>\nstartxref\n0\n%%EOF\n");
    let out = extract_bytes("broken.pdf", &broken, &rust_only());
    assert!(out.documents.is_empty(), "the Rust path alone should fail here: {out:?}");
    let out = extract_bytes("broken.pdf", &broken, &Limits::default());
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let text = text_of(&out, "broken.pdf");
    assert!(text.contains("社外秘") && text.contains("Raw material B"), "{text:?}");
}
