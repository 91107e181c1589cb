use maruhi_extract::{extract_bytes, Format, Limits};

use crate::{extract, fixture, text_of, JA};

#[test]
fn utf8_text_is_copied_verbatim() {
    let out = extract("memo.txt", "社外秘 secret\r\n".as_bytes());
    assert_eq!(out.documents.len(), 1);
    assert_eq!(out.documents[0].format, Format::Text);
    assert_eq!(out.documents[0].text, "社外秘 secret\r\n");
    assert_eq!(out.bytes_read, "社外秘 secret\r\n".len() as u64);
    assert!(out.diagnostics.is_empty());
}

#[test]
fn shift_jis_and_euc_jp_are_detected() {
    for name in ["sjis.txt", "eucjp.txt"] {
        let out = extract(name, &fixture(name));
        assert!(text_of(&out, name).starts_with(JA), "{name}: {out:?}");
    }
}

#[test]
fn bom_decides_utf16() {
    let out = extract("utf16.txt", &fixture("utf16.txt"));
    assert!(text_of(&out, "utf16.txt").starts_with("UTF-16 with BOM: 社外秘"));
}

#[test]
fn unknown_extension_text_and_binary() {
    let out = extract("Makefile", b"all:\n\tcargo build\n");
    assert_eq!(out.documents[0].format, Format::Text);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let out = extract("image.png", png);
    assert!(out.documents.is_empty() && out.diagnostics.is_empty(), "{out:?}");
    let out = extract("blob.bin", b"abc\0def");
    assert!(out.documents.is_empty() && out.diagnostics.is_empty(), "{out:?}");
}

#[test]
fn markdown_and_csv_keep_their_format() {
    assert_eq!(extract("a.md", b"# Title\n").documents[0].format, Format::Markdown);
    assert_eq!(extract("a.tsv", b"a\tb\n").documents[0].format, Format::Csv);
}

#[test]
fn html_with_meta_charset() {
    let out = extract("sjis.html", &fixture("sjis.html"));
    let text = text_of(&out, "sjis.html");
    assert_eq!(out.documents[0].format, Format::Html);
    assert!(text.contains("技術資料"), "{text}");
    assert!(text.contains("極秘 & 重要"), "{text}");
    assert!(text.contains(JA), "{text}");
    assert!(text.contains("A<B あ"), "{text}");
    assert!(text.contains("セル1\tCell 2"), "{text}");
    assert!(!text.contains("secret") && !text.contains("color"), "{text}");
    assert!(!text.contains("comment") && !text.contains('>'), "{text}");
}

#[test]
fn html_detected_by_content_and_broken_markup_survives() {
    let out = extract("page", b"<!doctype html><p>a < b <b>bold</p><script>x");
    assert_eq!(out.documents[0].format, Format::Html);
    assert!(out.documents[0].text.contains("a < b bold"), "{out:?}");
}

#[test]
fn xml_text_and_declared_encoding() {
    let mut xml = b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><r><a x=\"1\">".to_vec();
    xml.extend_from_slice(&encoding_rs::SHIFT_JIS.encode("秘密").0);
    xml.extend_from_slice(b"</a><b><![CDATA[<raw>]]></b></r>");
    let out = extract("data.xml", &xml);
    assert_eq!(out.documents[0].format, Format::Xml);
    assert_eq!(out.documents[0].text, "秘密\n<raw>\n");
}

#[test]
fn json_escapes_are_decoded() {
    let out = extract("a.json", br#"{"k\u00e9y": "\u65e5\u672c \ud83d\ude00 \"q\" \n", "n": 42}"#);
    assert_eq!(out.documents[0].text, "{\"kéy\": \"日本 😀 \"q\" \n\", \"n\": 42}");
}

#[test]
fn empty_and_whitespace_files_yield_nothing() {
    assert!(extract("empty.txt", b"").documents.is_empty());
    assert!(extract("blank.txt", b"  \n\t\n").documents.is_empty());
}

#[test]
fn extract_file_reads_and_reports_io_errors() {
    let dir = std::env::temp_dir().join(format!("maruhi-extract-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("note.txt");
    std::fs::write(&path, "ファイル").unwrap();
    let out = maruhi_extract::extract_file(&path, "note.txt", &Limits::default());
    assert_eq!(out.documents[0].text, "ファイル");
    assert_eq!(out.bytes_read, 12);
    let limits = Limits { max_file_bytes: 4, ..Limits::default() };
    let out = maruhi_extract::extract_file(&path, "note.txt", &limits);
    assert_eq!(crate::codes(&out), ["MRH-EXTRACT-001"]);
    let out = maruhi_extract::extract_file(&dir.join("missing"), "missing", &Limits::default());
    assert_eq!(crate::codes(&out), ["MRH-EXTRACT-002"]);
    std::fs::remove_dir_all(&dir).unwrap();
    let out = extract_bytes("x.txt", b"0123456789", &limits);
    assert_eq!(crate::codes(&out), ["MRH-EXTRACT-001"]);
}
