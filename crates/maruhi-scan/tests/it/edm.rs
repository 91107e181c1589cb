//! Exact data match through the scanner: the rows of a customer database
//! found in every format the extractor reads.

use std::sync::Arc;

use maruhi_edm::{index, Dataset, Declared, Index, Key, Matcher};
use maruhi_scan::{Collection, Reference, Scanner};

const CUSTOMERS: &str = "会員番号,姓,名,フリガナ,電話番号,メールアドレス,住所,生年月日
C0001234,山田,太郎,ヤマダ タロウ,090-1234-5678,taro.yamada@example.jp,東京都千代田区丸の内1-2-3,1980-01-02
C0001235,髙橋,花子,タカハシ ハナコ,080-2345-6789,hanako@example.co.jp,東京都渋谷区神宮前四丁目5番6号,1975-07-15
";

fn scanner() -> Scanner {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = super::temp_dir(&format!("edm-index-{n}"));
    let key = Key::from_bytes([3; 32]);
    let path = dir.join("c.edm");
    let csv = std::io::Cursor::new(CUSTOMERS.as_bytes().to_vec());
    index::build(csv, index::Encoding::Auto, &Declared::default(), &key, [1; 16], None, &path).unwrap();
    let index = Index::load(&path, &key).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let matcher = Matcher::new(vec![Dataset { name: "会員".into(), secret_id: Some(3), index }]);
    let fp = super::fingerprinter();
    let mut b = Scanner::builder(fp.clone());
    b.add(Reference::new("other", Collection::Reference), &fp.fingerprint(super::SECRET).unwrap()).unwrap();
    b.build().unwrap().with_edm(Arc::new(matcher))
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, options).unwrap();
        std::io::Write::write_all(&mut w, data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for row in rows {
        sheet.push_str("<row>");
        for cell in *row {
            sheet.push_str(&format!(r#"<c t="inlineStr"><is><t>{cell}</t></is></c>"#));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="顧客" sheetId="1"/></sheets></workbook>"#;
    zip_of(&[("xl/workbook.xml", workbook.as_bytes()), ("xl/worksheets/sheet1.xml", sheet.as_bytes())])
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let mut doc = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for p in paragraphs {
        doc.push_str(&format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"));
    }
    doc.push_str("</w:body></w:document>");
    zip_of(&[("word/document.xml", doc.as_bytes())])
}

/// A one-page PDF of Latin text (Helvetica), with correct offsets.
fn pdf(line: &str) -> Vec<u8> {
    let content = format!("BT /F1 10 Tf 20 700 Td ({line}) Tj ET");
    let objects = [
        "<</Type/Catalog/Pages 2 0 R>>".to_owned(),
        "<</Type/Pages/Kids[3 0 R]/Count 1>>".to_owned(),
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>".to_owned(),
        format!("<</Length {}>>\nstream\n{content}\nendstream", content.len()),
        "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

fn rows_found(s: &Scanner, name: &str, bytes: &[u8]) -> (usize, Vec<String>) {
    let r = s.scan_bytes(name, bytes);
    assert!(r.diagnostics.is_empty(), "{name}: {:?}", r.diagnostics);
    let rows = r.edm.iter().map(|f| f.rows).sum();
    let cols = r.edm.iter().flat_map(|f| f.columns.clone()).collect();
    if rows > 0 {
        assert!(r.sha256.is_some(), "{name}: a file with rows gets its hash for the audit trail");
    }
    (rows, cols)
}

#[test]
fn rows_are_found_in_every_format() {
    let s = scanner();
    // CSV with columns reordered and dropped, 氏名 as one column, Shift_JIS.
    let csv = "氏名,TEL,会員ID\n山田 太郎,09012345678,C-0001234\n髙橋 花子,+81 80-2345-6789,c0001235\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
    for (name, bytes) in [("leak.csv", csv.as_bytes().to_vec()), ("leak-sjis.csv", sjis.into_owned())] {
        let (rows, cols) = rows_found(&s, name, &bytes);
        assert_eq!(rows, 2, "{name}");
        assert!(cols.contains(&"姓".to_owned()) && cols.contains(&"名".to_owned()), "{name}: {cols:?}");
    }
    let tsv = "ID\tメール\n C0001234\tTARO.YAMADA@example.jp\n";
    assert_eq!(rows_found(&s, "leak.tsv", tsv.as_bytes()).0, 1);
    let x = xlsx(&[
        &["会員番号", "氏名", "生年月日"],
        &["C0001234", "山田太郎", "昭和55年1月2日"],
        &["C0001235", "高橋　花子", "S50.7.15"],
    ]);
    let (rows, cols) = rows_found(&s, "leak.xlsx", &x);
    assert_eq!(rows, 2);
    assert!(cols.contains(&"生年月日".to_owned()), "{cols:?}");
    let d = docx(&["顧客対応メモ", "会員番号C0001235の高橋花子様より、住所（渋谷区神宮前4-5-6）変更の連絡。"]);
    assert_eq!(rows_found(&s, "memo.docx", &d).0, 1);
    let p = pdf("Member C0001234, contact taro.yamada@example.jp, tel 090-1234-5678");
    assert_eq!(rows_found(&s, "list.pdf", &p).0, 1);
    let mail = format!(
        "From: a@example.jp\r\nTo: b@example.jp\r\nSubject: list\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
        "C0001234 山田太郎 090-1234-5678"
    );
    assert_eq!(rows_found(&s, "mail.eml", mail.as_bytes()).0, 1);
    let z = zip_of(&[("export/leak.csv", csv.as_bytes())]);
    assert_eq!(rows_found(&s, "export.zip", &z).0, 2);
}

#[test]
fn one_cell_or_look_alikes_are_not_rows() {
    let s = scanner();
    // A real id beside someone else's cells; the next table row holds the
    // id's own name and phone, but a table row never lends its cells.
    let csv = "会員番号,氏名,電話\nC0001234,鈴木 一郎,03-0000-0000\nC0009999,山田 太郎,090-1234-0000\n";
    assert_eq!(rows_found(&s, "lookalike.csv", csv.as_bytes()).0, 0);
    let r = s.scan_bytes("lookalike.csv", csv.as_bytes());
    assert!(r.sha256.is_none());
}
