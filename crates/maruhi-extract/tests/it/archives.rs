use maruhi_extract::Format;

use crate::{codes, extract, fixture, text_of, zip_of, JA};

#[test]
fn shift_jis_member_names_are_decoded() {
    let out = extract("names.zip", &fixture("sjis-names.zip"));
    let text = text_of(&out, "names.zip!/資料/報告書.txt");
    assert!(text.starts_with("報告書の本文。"), "{text}");
    assert!(text.contains(JA));
    text_of(&out, "names.zip!/資料/English.txt");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn nested_zip_paths() {
    let out = extract("a/nested.zip", &fixture("nested.zip"));
    assert_eq!(text_of(&out, "a/nested.zip!/inner.zip!/deep/深い.txt"), "入れ子の奥の秘密 deep secret\n");
    assert!(text_of(&out, "a/nested.zip!/inner.zip!/sample.docx").contains("配合比率"));
    text_of(&out, "a/nested.zip!/top.txt");
    assert_eq!(out.documents.len(), 3, "{out:?}");
    let docx = out.documents.iter().find(|d| d.path.ends_with(".docx")).unwrap();
    assert_eq!(docx.format, Format::Docx);
}

#[test]
fn a_broken_member_does_not_stop_the_archive() {
    let mut bad_docx = fixture("sample.docx");
    bad_docx.truncate(bad_docx.len() / 2);
    let zip = zip_of(&[("bad.docx", &bad_docx), ("bad.pdf", b"%PDF-1.7\n garbage"), ("ok.txt", b"still here")]);
    let limits = maruhi_extract::Limits { use_pdftotext: false, ..Default::default() };
    let out = maruhi_extract::extract_bytes("mixed.zip", &zip, &limits);
    assert_eq!(text_of(&out, "mixed.zip!/ok.txt"), "still here");
    let paths: Vec<(&str, &str)> = out.diagnostics.iter().map(|d| (d.path.as_str(), d.code)).collect();
    assert_eq!(paths, [("mixed.zip!/bad.docx", "MRH-EXTRACT-009"), ("mixed.zip!/bad.pdf", "MRH-EXTRACT-009")]);
}

#[test]
fn encrypted_member_is_reported_and_skipped() {
    let mut zip = zip_of(&[("secret.txt", b"encrypted body"), ("open.txt", b"open body")]);
    // Set bit 0 (encrypted) of the first member's flags in its local and central headers
    // (APPNOTE 4.4.4), as a password-protecting tool would.
    zip[6] |= 1;
    let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    zip[central + 8] |= 1;
    let out = extract("locked.zip", &zip);
    assert_eq!(codes(&out), ["MRH-EXTRACT-010"]);
    assert_eq!(out.diagnostics[0].path, "locked.zip!/secret.txt");
    assert_eq!(text_of(&out, "locked.zip!/open.txt"), "open body");
}

#[test]
fn garbage_zip_is_a_diagnostic() {
    let out = extract("junk.zip", b"PK\x03\x04 this is not really a zip");
    assert_eq!(codes(&out), ["MRH-EXTRACT-009"]);
    assert!(out.documents.is_empty());
}

#[test]
fn tar_and_gzip() {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in [("dir/一.txt", "タール".as_bytes()), ("two.md", b"# two")] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, data).unwrap();
    }
    let tar = builder.into_inner().unwrap();
    let out = extract("x.tar", &tar);
    assert_eq!(text_of(&out, "x.tar!/dir/一.txt"), "タール");
    assert_eq!(text_of(&out, "x.tar!/two.md"), "# two");

    let tgz = gzip(&tar);
    let out = extract("x.tar.gz", &tgz);
    assert_eq!(text_of(&out, "x.tar.gz!/dir/一.txt"), "タール");

    let out = extract("notes.txt.gz", &gzip("圧縮".as_bytes()));
    assert_eq!(text_of(&out, "notes.txt.gz!/notes.txt"), "圧縮");
    assert_eq!(codes(&extract("bad.gz", b"\x1f\x8b\x08\0garbage")), ["MRH-EXTRACT-009"]);
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut e, data).unwrap();
    e.finish().unwrap()
}

/// Every file and member at every depth is listed with its SHA-256, text or not (the parts of
/// an Office file are not members); with hashing off, none is.
#[test]
fn every_file_and_member_is_hashed() {
    use sha2::Digest;
    let drawing = [0x41u8, 0x43, 0x31, 0x30, 0x33, 0x32, 0, 0, 7, 9];
    let inner = zip_of(&[("図面.dwg", &drawing), ("a.txt", JA.as_bytes())]);
    let outer = zip_of(&[("inner.zip", &inner), ("sample.docx", &fixture("sample.docx"))]);
    let out = extract("outer.zip", &outer);
    let listed: Vec<(&str, Format)> = out.files.iter().map(|f| (f.path.as_str(), f.format)).collect();
    assert_eq!(
        listed,
        [
            ("outer.zip", Format::Zip),
            ("outer.zip!/inner.zip", Format::Zip),
            ("outer.zip!/inner.zip!/図面.dwg", Format::Unknown),
            ("outer.zip!/inner.zip!/a.txt", Format::Text),
            ("outer.zip!/sample.docx", Format::Zip),
        ]
    );
    let expected: [u8; 32] = sha2::Sha256::digest(drawing).into();
    assert_eq!((out.files[2].sha256, out.files[2].size), (expected, 10));
    let off = maruhi_extract::extract_bytes(
        "outer.zip",
        &outer,
        &maruhi_extract::Limits { hash_files: false, ..maruhi_extract::Limits::default() },
    );
    assert!(off.files.is_empty() && off.documents == out.documents);
}
