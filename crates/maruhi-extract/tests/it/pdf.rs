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

/// The text's non-empty lines, trimmed (pdf-extract and pdftotext differ in blank lines only).
fn lines(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// Japanese PDFs as PDF libraries and older Acrobat versions write them: CID fonts with predefined
/// CMaps, no embedded font and no ToUnicode map (fixtures from `make_cjk_pdfs.py`). pdf-extract
/// alone panics on the predefined CMaps and reads nothing from Identity-H without a map; the Rust
/// path now reads each exactly, with no diagnostic.
#[test]
fn cid_fonts_with_predefined_cmaps_through_the_rust_path() {
    let cases: [(&str, &[&str]); 4] = [
        // UniJIS-UCS2-H (HeiseiMin-W3) and UniJIS-UCS2-V (HeiseiKakuGo-W5), two pages.
        ("cjk-ucs2.pdf", &["㊙ 社外秘：新製品の配合比率は42.7%", "縦書きの図面番号", "二ページ目：試作品の評価結果"]),
        // 90ms-RKSJ-H: Shift_JIS codes, one and two bytes in one string.
        ("cjk-90ms-rksj.pdf", &["MK7 社外秘：金型図面ＭＫ７の公差は０．０２ｍｍ"]),
        // EUC-H: EUC-JP codes.
        ("cjk-euc.pdf", &["社外秘：金型図面ＭＫ７の公差は０．０２ｍｍ"]),
        // Identity-H with Adobe-Japan1 CIDs and no ToUnicode.
        ("cjk-identity.pdf", &["㊙ 社外秘：新製品の配合比率は42.7%"]),
    ];
    for (name, expected) in cases {
        let out = extract_bytes(name, &fixture(name), &rust_only());
        assert!(out.diagnostics.is_empty(), "{name}: {:?}", out.diagnostics);
        assert_eq!(lines(text_of(&out, name)), expected, "{name}");
    }
}

/// The fallback reads the same files (with poppler-data installed) and agrees on the text, so
/// whichever path reads a file, the same registered text matches.
#[test]
fn cid_fonts_agree_with_pdftotext_when_installed() {
    let installed = std::process::Command::new("pdftotext").arg("-v").output().is_ok();
    if !installed || !std::path::Path::new("/usr/share/poppler/cMap/Adobe-Japan1").is_dir() {
        eprintln!("pdftotext or poppler-data not installed; the comparison is not made");
        return;
    }
    for name in ["cjk-ucs2.pdf", "cjk-euc.pdf"] {
        let rust = extract_bytes(name, &fixture(name), &rust_only());
        let out = std::process::Command::new("pdftotext")
            .args([&format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")), "-"])
            .output()
            .unwrap();
        let poppler = String::from_utf8(out.stdout).unwrap();
        assert_eq!(lines(text_of(&rust, name)), lines(&poppler), "{name}");
    }
}

/// A predefined CMap over strings that are not text in its encoding (odd bytes, stray lead
/// bytes, lone surrogates) yields what decodes and no panic.
#[test]
fn predefined_cmap_over_bad_codes() {
    let font = |cmap: &str| {
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiMin-W3 /Encoding /{cmap} /DescendantFonts [<< /Type /Font \
             /Subtype /CIDFontType0 /BaseFont /HeiseiMin-W3 /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) \
             /Supplement 2 >> /FontDescriptor << /Type /FontDescriptor /FontName /HeiseiMin-W3 /Flags 6 >> >>] >>"
        )
    };
    for (cmap, shown) in [
        ("UniJIS-UCS2-H", "<793e5916d800dc0079d8ff>"),
        ("UniJIS-UTF16-V", "<d840dc0b793e dc00>"),
        ("90ms-RKSJ-H", "<8ed0 81 20 8a4f fd 9f>"),
        ("EUC-V", "<8ea1 8fa1 a1 ff>"),
        ("H", "<3c52 7f7f 21>"),
        ("UniJIS-UTF8-H", "<e7a4be c0 ff e5>"),
        ("Identity-H", "<08f6 ffff 0000>"),
        ("NoSuchCMap-H", "<4142>"),
    ] {
        let content = format!("BT /F1 12 Tf 72 720 Td {shown} Tj [{shown} 5 {shown}] TJ ET");
        let pdf = pdf_of(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            &format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
            &font(cmap),
        ]);
        let out = extract_bytes("bad.pdf", &pdf, &rust_only());
        for d in &out.diagnostics {
            assert!(["MRH-EXTRACT-011", "MRH-EXTRACT-013"].contains(&d.code), "{cmap}: {d:?}");
        }
        if cmap == "UniJIS-UCS2-H" {
            assert!(out.diagnostics.is_empty() && text_of(&out, "bad.pdf").contains("社外"), "{out:?}");
        }
    }
}
