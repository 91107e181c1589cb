use maruhi_extract::Format;

use crate::{extract, fixture, text_of, JA};

#[test]
fn iso_2022_jp_mail_with_attachments() {
    let out = extract("inbox/mail.eml", &fixture("iso2022jp.eml"));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let body = text_of(&out, "inbox/mail.eml");
    assert!(body.starts_with("極秘：配合表\n\n山田様"), "{body:?}");
    assert!(body.contains(JA), "{body:?}");
    assert_eq!(out.documents[0].format, Format::Eml);
    // RFC 2231 continuations in UTF-8; the content itself is Shift_JIS with no charset label.
    let attachment = text_of(&out, "inbox/mail.eml!/報告書.txt");
    assert!(attachment.starts_with("添付の報告書：社外秘"), "{attachment:?}");
    let docx = text_of(&out, "inbox/mail.eml!/仕様書.docx");
    assert!(docx.contains("配合比率"), "{docx:?}");
    assert_eq!(out.documents.len(), 3);
}

#[test]
fn nested_message_and_unnamed_parts() {
    let inner = "Subject: inner\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n内側のメール\r\n";
    let outer = format!(
        "From: a@example.com\r\nSubject: outer\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--B\r\nContent-Type: text/csv; charset=UTF-8\r\nContent-Disposition: attachment\r\n\r\na,b\r\n--B--\r\n"
    );
    let out = extract("m.eml", outer.as_bytes());
    assert!(text_of(&out, "m.eml").starts_with("outer\n\nhello"));
    let inner_body = out.documents.iter().find(|d| d.path.starts_with("m.eml!/") && d.text.contains("内側のメール"));
    assert!(inner_body.is_some_and(|d| d.format == Format::Eml), "{out:?}");
    assert!(out.documents.iter().any(|d| d.text.starts_with("a,b")), "{out:?}");
}

#[test]
fn mail_detected_by_headers() {
    let out = extract("no-extension", b"Return-Path: <a@example.com>\r\nSubject: hi\r\n\r\nbody text\r\n");
    assert_eq!(out.documents[0].format, Format::Eml);
    assert_eq!(out.documents[0].text, "hi\n\nbody text\r\n");
}
