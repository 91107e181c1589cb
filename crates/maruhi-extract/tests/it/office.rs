use maruhi_extract::Format;

use crate::{codes, extract, fixture, text_of};

fn single(name: &str) -> (Format, String) {
    let out = extract(name, &fixture(name));
    assert!(out.diagnostics.is_empty(), "{name}: {:?}", out.diagnostics);
    assert_eq!(out.documents.len(), 1, "{name}: {out:?}");
    (out.documents[0].format, text_of(&out, name).to_owned())
}

#[test]
fn docx_and_odt() {
    for (name, format) in [("sample.docx", Format::Docx), ("sample.odt", Format::Odt)] {
        let (f, text) = single(name);
        assert_eq!(f, format);
        assert!(
            text.starts_with("社外秘 技術報告書\n新製品「さくら」の配合比率は 42.7% である。\n"),
            "{name}: {text:?}"
        );
        assert!(text.contains("Confidential: the Sakura formula ratio is 42.7 percent.\n"), "{name}: {text:?}");
        assert!(text.contains("原料A\n") && text.contains("Raw material B\n"), "{name}: {text:?}");
        assert!(text.contains("以上 End of report."), "{name}: {text:?}");
    }
}

#[test]
fn xlsx_and_ods() {
    let (f, text) = single("sample.xlsx");
    assert_eq!(f, Format::Xlsx);
    assert_eq!(text, "品目\tUnit cost\nさくら原液\t1234.5\nSecret supplier: Kansai Chemical\n");
    let (f, text) = single("sample.ods");
    assert_eq!(f, Format::Ods);
    assert!(text.contains("品目\tUnit cost\t"), "{text:?}");
    assert!(text.contains("さくら原液\t1234.5\t"), "{text:?}");
    assert!(text.contains("Secret supplier: Kansai Chemical"), "{text:?}");
}

#[test]
fn pptx_and_odp_slides_in_order() {
    for (name, format) in [("sample.pptx", Format::Pptx), ("sample.odp", Format::Odp)] {
        let (f, text) = single(name);
        assert_eq!(f, format);
        let first = text.find("事業計画 2026\nBusiness plan: enter the Osaka market").unwrap_or(usize::MAX);
        let second = text.find("第二スライド 極秘\nSecond slide: top secret").unwrap_or(usize::MAX);
        assert!(first < second && second != usize::MAX, "{name}: {text:?}");
    }
}

#[test]
fn office_detected_by_content_not_name() {
    let out = extract("renamed.bin", &fixture("sample.docx"));
    assert_eq!(out.documents[0].format, Format::Docx);
    assert_eq!(out.documents[0].path, "renamed.bin");
}

#[test]
fn truncated_and_garbage_docx() {
    let docx = fixture("sample.docx");
    for cut in [10, docx.len() / 3, docx.len() - 30] {
        let out = extract("cut.docx", &docx[..cut]);
        assert_eq!(codes(&out), ["MRH-EXTRACT-009"], "cut at {cut}: {out:?}");
    }
    let out = extract("garbage.docx", b"this is not a word file at all");
    assert_eq!(codes(&out), ["MRH-EXTRACT-009"]);
}

#[test]
fn malformed_xml_part_is_reported_with_the_text_before_it() {
    let zip = crate::zip_of(&[(
        "word/document.xml",
        b"<w:document><w:body><w:p><w:r><w:t>kept</w:t></w:r></w:p><w:p><w:t>x<".as_slice(),
    )]);
    let out = extract("broken.docx", &zip);
    assert_eq!(codes(&out), ["MRH-EXTRACT-009"]);
    assert_eq!(out.diagnostics[0].path, "broken.docx!/word/document.xml");
    assert!(text_of(&out, "broken.docx").starts_with("kept\n"));
}

#[test]
fn password_protected_office_file() {
    let out = extract("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0");
    assert_eq!(codes(&out), ["MRH-EXTRACT-010"]);
}

/// Word, Excel and PowerPoint 97-2003 as LibreOffice writes them from the same sources as the
/// DOCX, XLSX and PPTX fixtures (`make_legacy.py`): the same text comes out.
#[test]
fn legacy_doc_xls_ppt() {
    let (f, text) = single("sample.doc");
    assert_eq!(f, Format::Doc);
    assert!(text.starts_with("社外秘 技術報告書\n新製品「さくら」の配合比率は 42.7% である。\n"), "{text:?}");
    assert!(text.contains("Confidential: the Sakura formula ratio is 42.7 percent.\n"), "{text:?}");
    assert!(text.contains("原料A") && text.contains("Raw material B"), "{text:?}");
    assert!(text.contains("以上 End of report."), "{text:?}");

    let (f, text) = single("sample.xls");
    assert_eq!(f, Format::Xls);
    assert!(text.contains("品目\tUnit cost\nさくら原液\t1234.5\nSecret supplier: Kansai Chemical"), "{text:?}");

    let (f, text) = single("sample.ppt");
    assert_eq!(f, Format::Ppt);
    let first = text.find("事業計画 2026").unwrap_or(usize::MAX);
    let second = text.find("第二スライド 極秘").unwrap_or(usize::MAX);
    assert!(first < second && second != usize::MAX, "{text:?}");
    assert!(text.contains("Business plan: enter the Osaka market") && text.contains("Second slide: top secret"));
}

/// RTF from LibreOffice (`\uN` with fallbacks) and from an older Japanese word processor
/// (Shift_JIS `\'hh` under `\ansicpg932` and a `\fcharset128` font, `\uc2`).
#[test]
fn rtf_in_unicode_and_shift_jis() {
    let (f, text) = single("sample.rtf");
    assert_eq!(f, Format::Rtf);
    assert!(text.contains("新製品「さくら」の配合比率は 42.7% である。"), "{text:?}");
    assert!(text.contains("Confidential: the Sakura formula ratio is 42.7 percent."), "{text:?}");
    let (_, text) = single("sjis.rtf");
    assert_eq!(
        text,
        "社外秘：金型図面ＭＫ７の公差は０．０２ｍｍ。\nTolerance of die MK7 is 0.02 mm.\n秘密の条件\t以上\n"
    );
}

/// Text copied out of a `.doc` into a `.docx` is the same text: a scanner fingerprinting one
/// finds the other.
#[test]
fn doc_and_docx_share_their_text() {
    let (_, doc) = single("sample.doc");
    let (_, docx) = single("sample.docx");
    let norm = |t: &str| t.split_whitespace().collect::<String>();
    assert_eq!(norm(&doc), norm(&docx));
}

#[test]
fn truncated_and_garbage_legacy_files() {
    for name in ["sample.doc", "sample.xls", "sample.ppt"] {
        let bytes = fixture(name);
        for cut in [8, 600, bytes.len() / 2, bytes.len() - 100] {
            let out = extract(name, &bytes[..cut]);
            for d in &out.diagnostics {
                assert!(["MRH-EXTRACT-009"].contains(&d.code), "{name} cut at {cut}: {d:?}");
            }
        }
    }
    let out = extract("x.rtf", br"{\rtf1 {{{{\u-3\'zz\'8");
    assert!(codes(&out).is_empty(), "{out:?}");
}
