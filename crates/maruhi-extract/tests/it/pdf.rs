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

/// A minimal PDF with correct cross-reference offsets, from the bodies of objects 1, 2, ….
fn pdf_of(objects: &[&str]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
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

/// A form XObject that draws itself would send pdf-extract into unbounded recursion (a stack
/// overflow aborts the process, past any `catch_unwind`); the guard refuses it instead.
#[test]
fn self_drawing_form_is_refused_not_a_stack_overflow() {
    let pdf = pdf_of(&[
        "<</Type/Catalog/Pages 2 0 R>>",
        "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Resources<</XObject<</X1 4 0 R>>>>/Contents 5 0 R>>",
        "<</Type/XObject/Subtype/Form/BBox[0 0 10 10]/Length 7>>\nstream\n/X1 Do\nendstream",
        "<</Length 7>>\nstream\n/X1 Do\nendstream",
    ]);
    let out = extract_bytes("loop.pdf", &pdf, &rust_only());
    assert_eq!(codes(&out), ["MRH-EXTRACT-009"], "{out:?}");
}
