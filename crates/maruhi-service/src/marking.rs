//! Marked copies: every copy of stored material that leaves the vault
//! names its recipient, visibly and invisibly, so a leaked copy (or a
//! fragment pasted out of it) leads back to one download.
//!
//! The visible mark is a ㊙ banner line: level, secret number, recipient,
//! date and the copy's code. The invisible mark is the same code written
//! in zero-width characters (U+200B for 0, U+200C for 1, between two U+2060
//! WORD JOINERs), repeated every few lines, so it survives copy and paste
//! of a part of the text; [`find_codes`] reads it back. Code: 40 random
//! bits and an 8-bit checksum, shown as `XXXX-XXXX` in Crockford base 32.
//!
//! Formats: plain text (any text the extractor reads as text: `.txt`,
//! `.csv`, `.md`, source code) gets the banner as its first line and the
//! code every [`EVERY_LINES`] lines; DOCX gets a first paragraph with the
//! banner and the code; XLSX a sheet named ㊙ with both in A1; PPTX a text
//! box with both across the top of every slide (and Office packages carry
//! the code in their core properties, `cp:keywords`); PDF a stamp with the
//! banner across the top of every page and the code in the document
//! information dictionary ([`pdf`]). Other formats are refused for now
//! ([`MarkError::Unsupported`]).

pub mod pdf;

const ZERO: char = '\u{200B}';
const ONE: char = '\u{200C}';
const FRAME: char = '\u{2060}';
/// The largest original a marked copy is made of (it is marked in memory).
pub const MAX_MARKED_BYTES: u64 = 64 << 20;
/// How document metadata names a copy (`maruhi-copy XXXX-XXXX`).
const METADATA_PREFIX: &str = "maruhi-copy ";
/// Lines between two copies of the invisible code.
pub const EVERY_LINES: usize = 8;
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A copy's code: 40 random bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CopyCode(u64);

impl CopyCode {
    pub fn random() -> Result<CopyCode, getrandom::Error> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b[3..])?;
        Ok(CopyCode(u64::from_be_bytes(b)))
    }

    fn checksum(self) -> u8 {
        self.0.to_be_bytes().iter().fold(0x5au8, |acc, b| acc.rotate_left(3) ^ b)
    }

    /// `XXXX-XXXX` (Crockford base 32, 8 symbols for 40 bits).
    pub fn text(self) -> String {
        let mut s = String::with_capacity(9);
        for i in (0..8).rev() {
            s.push(CROCKFORD[((self.0 >> (i * 5)) & 31) as usize] as char);
            if i == 4 {
                s.push('-');
            }
        }
        s
    }

    pub fn parse(text: &str) -> Option<CopyCode> {
        let mut v = 0u64;
        let mut n = 0;
        for c in text.chars().filter(|c| *c != '-') {
            let d = CROCKFORD.iter().position(|x| *x as char == c.to_ascii_uppercase())?;
            v = (v << 5) | d as u64;
            n += 1;
        }
        (n == 8).then_some(CopyCode(v))
    }

    /// The code in zero-width characters, framed.
    fn invisible(self) -> String {
        let bits = (self.0 << 8) | u64::from(self.checksum());
        let mut s = String::with_capacity(3 * 50);
        s.push(FRAME);
        for i in (0..48).rev() {
            s.push(if (bits >> i) & 1 == 1 { ONE } else { ZERO });
        }
        s.push(FRAME);
        s
    }
}

/// What the visible mark says.
#[derive(Debug, Clone)]
pub struct Banner {
    pub level: String,
    pub secret_id: i64,
    pub recipient: String,
    pub date: String,
    pub code: CopyCode,
}

impl Banner {
    fn line(&self) -> String {
        format!(
            "㊙ {} ／ 営業秘密 No.{} ／ {} 様専用 ／ {} ／ 複製番号 {} ／ 無断複製・持出し禁止 (maruhi)",
            self.level,
            self.secret_id,
            self.recipient,
            self.date,
            self.code.text()
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("this format cannot be marked yet: {0}")]
    Unsupported(String),
    #[error("the document is malformed: {0}")]
    Malformed(String),
    /// A PDF stamp needs a Japanese font (see the report font).
    #[error("no font for the stamp")]
    NoFont,
}

/// A marked copy of `bytes` (a file named `name`).
pub fn mark(name: &str, bytes: &[u8], banner: &Banner) -> Result<Vec<u8>, MarkError> {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".docx") {
        return mark_docx(bytes, banner);
    }
    if lower.ends_with(".xlsx") {
        return mark_xlsx(bytes, banner);
    }
    if lower.ends_with(".pptx") {
        return mark_pptx(bytes, banner);
    }
    if lower.ends_with(".pdf") || bytes.starts_with(b"%PDF-") {
        return pdf::mark_pdf(bytes, banner);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.contains('\0') => Ok(mark_text(text, banner).into_bytes()),
        _ => Err(MarkError::Unsupported(name.rsplit('.').next().unwrap_or_default().to_owned())),
    }
}

/// The banner as the first line, the code after every [`EVERY_LINES`]
/// lines (at the line's end, where a paste of the line keeps it).
pub fn mark_text(text: &str, banner: &Banner) -> String {
    let code = banner.code.invisible();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 400);
    out.push_str(&banner.line());
    out.push_str(&code);
    out.push_str(newline);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let (body, end) = match line.strip_suffix("\r\n") {
            Some(b) => (b, "\r\n"),
            None => match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            },
        };
        out.push_str(body);
        if i % EVERY_LINES == 0 && !body.trim().is_empty() {
            out.push_str(&code);
        }
        out.push_str(end);
    }
    out
}

/// Every copy code written invisibly in `text` (checksums verified),
/// every visible `複製番号 XXXX-XXXX`, and every `maruhi-copy XXXX-XXXX`
/// written into document metadata.
pub fn find_codes(text: &str) -> Vec<CopyCode> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(FRAME) {
        let after = &rest[start + FRAME.len_utf8()..];
        let mut bits = 0u64;
        let mut n = 0;
        let mut end = 0;
        for (i, c) in after.char_indices() {
            match c {
                ZERO | ONE if n < 48 => {
                    bits = (bits << 1) | u64::from(c == ONE);
                    n += 1;
                }
                FRAME if n == 48 => {
                    end = i + FRAME.len_utf8();
                    break;
                }
                _ => break,
            }
        }
        if end > 0 {
            let code = CopyCode(bits >> 8);
            if code.checksum() == (bits & 0xff) as u8 {
                found.push(code);
            }
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    for prefix in ["複製番号 ", METADATA_PREFIX] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            rest = &rest[i + prefix.len()..];
            if let Some(code) = rest.get(..9).and_then(CopyCode::parse) {
                found.push(code);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

/// DOCX: a first paragraph with the banner and the invisible code in
/// `word/document.xml`; every other part is copied as it is.
fn mark_docx(bytes: &[u8], banner: &Banner) -> Result<Vec<u8>, MarkError> {
    let mut parts = read_parts(bytes)?;
    let (_, data) = parts
        .iter_mut()
        .find(|(n, _)| n == "word/document.xml")
        .ok_or_else(|| MarkError::Malformed("no word/document.xml".into()))?;
    let xml = String::from_utf8(std::mem::take(data)).map_err(|e| MarkError::Malformed(e.to_string()))?;
    let body = xml.find("<w:body>").ok_or_else(|| MarkError::Malformed("no <w:body>".into()))?;
    let text = format!("{}{}", banner.line(), banner.code.invisible());
    let paragraph = format!(
        "<w:p><w:r><w:rPr><w:b/><w:color w:val=\"C00000\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
        xml_escape(&text)
    );
    let at = body + "<w:body>".len();
    *data = format!("{}{paragraph}{}", &xml[..at], &xml[at..]).into_bytes();
    set_core_keywords(&mut parts, banner);
    write_parts(&parts)
}

/// PPTX: a text box with the banner and the invisible code across the top
/// of every slide (a single slide shared on its own is marked too).
fn mark_pptx(bytes: &[u8], banner: &Banner) -> Result<Vec<u8>, MarkError> {
    let mut parts = read_parts(bytes)?;
    let text = xml_escape(&format!("{}{}", banner.line(), banner.code.invisible()));
    let mut marked = 0;
    for (name, data) in &mut parts {
        let is_slide = name
            .strip_prefix("ppt/slides/slide")
            .and_then(|r| r.strip_suffix(".xml"))
            .is_some_and(|n| n.parse::<u32>().is_ok());
        if !is_slide {
            continue;
        }
        let xml = String::from_utf8(std::mem::take(data)).map_err(|e| MarkError::Malformed(e.to_string()))?;
        // Shape ids are unique within a slide.
        let id = xml
            .match_indices(" id=\"")
            .filter_map(|(i, _)| xml[i + 5..].split('"').next()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let shape = format!(
            r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="maruhi ㊙"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="9144000" cy="300000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr wrap="square"/><a:lstStyle/><a:p><a:r><a:rPr lang="ja-JP" sz="1000" b="1"><a:solidFill><a:srgbClr val="C00000"/></a:solidFill></a:rPr><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"#
        );
        let at = xml.rfind("</p:spTree>").ok_or_else(|| MarkError::Malformed(format!("{name}: no shape tree")))?;
        *data = format!("{}{shape}{}", &xml[..at], &xml[at..]).into_bytes();
        marked += 1;
    }
    if marked == 0 {
        return Err(MarkError::Malformed("no slide".into()));
    }
    set_core_keywords(&mut parts, banner);
    write_parts(&parts)
}

/// The copy's code in the package's core properties (`cp:keywords`, shown
/// as 'Tags' or 'Keywords' in Office), when the package has them.
fn set_core_keywords(parts: &mut [(String, Vec<u8>)], banner: &Banner) {
    let Some((_, data)) = parts.iter_mut().find(|(n, _)| n == "docProps/core.xml") else { return };
    let Ok(xml) = String::from_utf8(data.clone()) else { return };
    let keywords = format!("<cp:keywords>{METADATA_PREFIX}{}</cp:keywords>", banner.code.text());
    let marked = match (xml.find("<cp:keywords"), xml.find("</cp:keywords>")) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{keywords}{}", &xml[..start], &xml[end + "</cp:keywords>".len()..])
        }
        _ => match xml.rfind("</cp:coreProperties>") {
            Some(at) => format!("{}{keywords}{}", &xml[..at], &xml[at..]),
            None => return,
        },
    };
    *data = marked.into_bytes();
}

/// Codes written into an OOXML package's core properties.
fn core_codes(bytes: &[u8]) -> Vec<CopyCode> {
    use std::io::Read;
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else { return Vec::new() };
    let Ok(file) = archive.by_name("docProps/core.xml") else { return Vec::new() };
    let mut xml = String::new();
    if file.take(1 << 20).read_to_string(&mut xml).is_err() {
        return Vec::new();
    }
    find_codes(&xml)
}

/// Every part of an OOXML package, in order.
fn read_parts(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, MarkError> {
    use std::io::Read;
    let bad = |e: &dyn std::fmt::Display| MarkError::Malformed(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let mut parts = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| bad(&e))?;
        let name = file.name().map_err(|e| bad(&e))?.into_owned();
        let mut data = Vec::new();
        file.by_ref().take(64 << 20).read_to_end(&mut data).map_err(|e| bad(&e))?;
        parts.push((name, data));
    }
    Ok(parts)
}

fn write_parts(parts: &[(String, Vec<u8>)]) -> Result<Vec<u8>, MarkError> {
    use std::io::Write;
    let bad = |e: &dyn std::fmt::Display| MarkError::Malformed(e.to_string());
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        out.start_file(name.as_str(), options).map_err(|e| bad(&e))?;
        out.write_all(data).map_err(|e| bad(&e))?;
    }
    Ok(out.finish().map_err(|e| bad(&e))?.into_inner())
}

/// XLSX: a sheet named ㊙ with the banner and the invisible code in A1,
/// first in the workbook (last when defined names refer to sheets by
/// position, which a new first sheet would shift).
fn mark_xlsx(bytes: &[u8], banner: &Banner) -> Result<Vec<u8>, MarkError> {
    let mut parts = read_parts(bytes)?;
    let text = |name: &str, parts: &[(String, Vec<u8>)]| {
        parts.iter().find(|(n, _)| n == name).map(|(_, d)| String::from_utf8_lossy(d).into_owned())
    };
    let missing = |what: &str| MarkError::Malformed(format!("no {what}"));
    let workbook = text("xl/workbook.xml", &parts).ok_or_else(|| missing("xl/workbook.xml"))?;
    let rels = text("xl/_rels/workbook.xml.rels", &parts).ok_or_else(|| missing("workbook relationships"))?;
    let types = text("[Content_Types].xml", &parts).ok_or_else(|| missing("[Content_Types].xml"))?;
    let number = |s: &str, prefix: &str, suffix: &str| -> u64 {
        s.match_indices(prefix)
            .filter_map(|(i, _)| s[i + prefix.len()..].split(suffix).next()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
    };
    let sheet_no = parts.iter().map(|(n, _)| number(n, "xl/worksheets/sheet", ".xml")).max().unwrap_or(0) + 1;
    let sheet_id = number(&workbook, "sheetId=\"", "\"") + 1;
    let rel_id = format!("rIdMaruhi{sheet_no}");
    let entry = format!(r#"<sheet name="㊙" sheetId="{sheet_id}" r:id="{rel_id}"/>"#);
    let workbook = if workbook.contains("localSheetId") {
        workbook.replacen("</sheets>", &format!("{entry}</sheets>"), 1)
    } else {
        let at = workbook.find("<sheets>").ok_or_else(|| missing("<sheets>"))? + "<sheets>".len();
        format!("{}{entry}{}", &workbook[..at], &workbook[at..])
    };
    let rels = rels.replacen(
        "</Relationships>",
        &format!(
            r#"<Relationship Id="{rel_id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{sheet_no}.xml"/></Relationships>"#
        ),
        1,
    );
    let types = types.replacen(
        "</Types>",
        &format!(
            r#"<Override PartName="/xl/worksheets/sheet{sheet_no}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
        ),
        1,
    );
    let line = xml_escape(&format!("{}{}", banner.line(), banner.code.invisible()));
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">{line}</t></is></c></row></sheetData></worksheet>"#
    );
    for (name, data) in &mut parts {
        match name.as_str() {
            "xl/workbook.xml" => *data = workbook.clone().into_bytes(),
            "xl/_rels/workbook.xml.rels" => *data = rels.clone().into_bytes(),
            "[Content_Types].xml" => *data = types.clone().into_bytes(),
            _ => {}
        }
    }
    parts.push((format!("xl/worksheets/sheet{sheet_no}.xml"), sheet.into_bytes()));
    set_core_keywords(&mut parts, banner);
    write_parts(&parts)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A marked copy ready to hand over.
#[derive(Debug, Clone)]
pub struct MarkedCopy {
    pub secret_id: i64,
    pub name: String,
    pub bytes: Vec<u8>,
    /// `XXXX-XXXX`, also in the banner.
    pub code: String,
    pub recipient: String,
    /// The download's ledger entry.
    pub ledger_index: i64,
}

/// A marked copy found in a traced file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyHit {
    pub code: String,
    pub secret_id: i64,
    pub material_id: i64,
    pub recipient: String,
    pub downloaded_by: String,
    pub downloaded_at: String,
    pub ledger_index: i64,
}

/// What tracing a file found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TraceReport {
    /// Copies of this installation named by marks in the file.
    pub copies: Vec<CopyHit>,
    /// Well-formed codes that name no copy of this installation.
    pub unknown: Vec<String>,
}

impl crate::Service {
    /// Reads the marks in a leaked file (any format the extractor reads,
    /// archives and mail included) and names each copy's recipient, its
    /// download's time and ledger entry. Admin, legal/IP and analysts; the
    /// trace itself is recorded as an investigation.
    pub async fn trace_copy(
        &self,
        actor: &crate::Actor,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> crate::Result<TraceReport> {
        if !crate::policy::may_trace(actor) {
            return Err(crate::Error::Forbidden);
        }
        let _slot = self.extraction_slot()?;
        let name = file_name.to_owned();
        let codes = tokio::task::spawn_blocking(move || {
            let extraction = maruhi_extract::extract_bytes(&name, &bytes, &maruhi_extract::Limits::default());
            let mut codes: Vec<CopyCode> = extraction.documents.iter().flat_map(|d| find_codes(&d.text)).collect();
            if let Ok(text) = std::str::from_utf8(&bytes) {
                codes.extend(find_codes(text));
            }
            codes.extend(pdf::info_codes(&bytes));
            codes.extend(core_codes(&bytes));
            codes.sort();
            codes.dedup();
            codes
        })
        .await
        .map_err(crate::Error::task)?;
        let mut report = TraceReport { copies: Vec::new(), unknown: Vec::new() };
        {
            let mut conn = self.db.read().await?;
            for code in codes {
                match maruhi_store::copies::get(&mut conn, &code.text()).await? {
                    Some(c) => report.copies.push(CopyHit {
                        code: c.code,
                        secret_id: c.secret_id,
                        material_id: c.material_id,
                        recipient: c.recipient,
                        downloaded_by: c.downloaded_by,
                        downloaded_at: c.downloaded_at,
                        ledger_index: c.ledger_index,
                    }),
                    None => report.unknown.push(code.text()),
                }
            }
        }
        let summary = serde_json::json!({
            "file": file_name, "copies": report.copies.iter().map(|c| &c.code).collect::<Vec<_>>(),
            "unknown": report.unknown,
        });
        let mut tx = self.db.begin().await?;
        let event = crate::audit::Event {
            action: crate::audit::AuditAction::CopyTrace,
            object_type: "file",
            object_id: None,
            summary,
            actor,
        };
        crate::audit::record(&mut tx, &self.now_text(), event).await?;
        tx.commit().await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banner(code: u64) -> Banner {
        Banner {
            level: "極秘".into(),
            secret_id: 7,
            recipient: "yamada".into(),
            date: "2026-12-07".into(),
            code: CopyCode(code),
        }
    }

    #[test]
    fn codes_print_and_parse() {
        for v in [0u64, 1, 0xff_ffff_ffff, 0x12_3456_789a] {
            let c = CopyCode(v);
            assert_eq!(CopyCode::parse(&c.text()), Some(c));
        }
        assert_eq!(CopyCode::parse("ABCD-EFG"), None);
    }

    #[test]
    fn a_fragment_pasted_out_of_a_marked_text_names_its_copy() {
        let text: String = (0..40).map(|i| format!("第{i}工程 焼結温度 1180℃ 保持 45 分\n")).collect();
        let b = banner(0x0a_bcde_f012);
        let marked = mark_text(&text, &b);
        assert!(marked.starts_with("㊙ 極秘"));
        // The text reads the same without the marks.
        let visible: String = marked.lines().skip(1).collect::<Vec<_>>().join("\n");
        let clean: String = visible.chars().filter(|c| !matches!(*c, ZERO | ONE | FRAME)).collect();
        assert_eq!(clean + "\n", text);
        // Any run of EVERY_LINES lines carries the code.
        let lines: Vec<&str> = marked.lines().collect();
        for start in 1..lines.len() - EVERY_LINES {
            let fragment = lines[start..start + EVERY_LINES].join("\n");
            assert_eq!(find_codes(&fragment), vec![b.code], "lines {start}..");
        }
        assert!(find_codes(&text).is_empty());
    }

    #[test]
    fn a_damaged_code_is_not_read() {
        let b = banner(0x01_0203_0405);
        let mut code: Vec<char> = b.code.invisible().chars().collect();
        code[5] = if code[5] == ZERO { ONE } else { ZERO };
        let damaged: String = code.into_iter().collect();
        assert!(find_codes(&damaged).is_empty());
    }

    #[test]
    fn a_marked_docx_still_opens_and_its_text_names_the_copy() {
        let original = include_bytes!("../../maruhi-extract/tests/fixtures/sample.docx");
        let b = banner(0x33_4455_6677);
        let marked = mark("仕様書.docx", original, &b).expect("mark");
        let out = maruhi_extract::extract_bytes("仕様書.docx", &marked, &maruhi_extract::Limits::default());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let text: String = out.documents.iter().map(|d| d.text.as_str()).collect();
        assert!(text.contains("㊙ 極秘"), "{text}");
        assert_eq!(find_codes(&text), vec![b.code]);
        let before = maruhi_extract::extract_bytes("仕様書.docx", original, &maruhi_extract::Limits::default());
        let original_text: String = before.documents.iter().map(|d| d.text.as_str()).collect();
        assert!(text.contains(original_text.trim()), "the document's own text is unchanged");
        assert_eq!(core_codes(&marked), vec![b.code], "the core properties name the copy");
        assert!(core_codes(original).is_empty());
    }

    #[test]
    fn a_marked_xlsx_has_a_marked_sheet_and_keeps_its_own() {
        let original = include_bytes!("../../maruhi-extract/tests/fixtures/sample.xlsx");
        let b = banner(0x44_5566_7788);
        let marked = mark("原価表.xlsx", original, &b).expect("mark");
        let out = maruhi_extract::extract_bytes("原価表.xlsx", &marked, &maruhi_extract::Limits::default());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let text: String = out.documents.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(find_codes(&text), vec![b.code]);
        let before = maruhi_extract::extract_bytes("原価表.xlsx", original, &maruhi_extract::Limits::default());
        let original_text: String = before.documents.iter().map(|d| d.text.as_str()).collect();
        assert!(text.contains(original_text.trim()), "the workbook's own cells are unchanged");
        let parts = read_parts(&marked).expect("a zip");
        let workbook =
            parts.iter().find(|(n, _)| n == "xl/workbook.xml").map(|(_, d)| String::from_utf8_lossy(d).into_owned());
        assert!(workbook.is_some_and(|w| w.contains(r#"name="㊙""#)));
    }

    #[test]
    fn every_slide_of_a_marked_pptx_names_the_copy() {
        let original = include_bytes!("../../maruhi-extract/tests/fixtures/sample.pptx");
        let b = banner(0x55_6677_8899);
        let marked = mark("提案書.pptx", original, &b).expect("mark");
        let out = maruhi_extract::extract_bytes("提案書.pptx", &marked, &maruhi_extract::Limits::default());
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let text: String = out.documents.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(find_codes(&text), vec![b.code]);
        let slides = read_parts(&marked)
            .expect("a zip")
            .into_iter()
            .filter(|(n, _)| n.starts_with("ppt/slides/slide") && n.ends_with(".xml"))
            .map(|(_, d)| String::from_utf8_lossy(&d).into_owned())
            .collect::<Vec<_>>();
        assert!(!slides.is_empty() && slides.iter().all(|s| s.contains("maruhi ㊙")));
        assert_eq!(core_codes(&marked), vec![b.code], "the core properties name the copy");
    }

    /// A three-page PDF (the second page shown turned by 90°) in the
    /// report font.
    fn sample_pdf() -> Vec<u8> {
        use krilla::geom::Point;
        use krilla::text::TextDirection;
        let font = crate::report::render::load_font().expect("a Japanese font (fonts-noto-cjk)");
        let mut pdf = krilla::Document::new();
        for n in 1..=3 {
            let settings = krilla::page::PageSettings::from_wh(595.0, 842.0).expect("size");
            let mut page = pdf.start_page_with(settings);
            let mut surface = page.surface();
            let text = format!("第{n}頁 焼結条件 1180℃ 保持45分");
            surface.draw_text(Point::from_xy(60.0, 400.0), font.clone(), 14.0, &text, false, TextDirection::Auto);
            surface.finish();
            page.finish();
        }
        let bytes = pdf.finish().expect("pdf");
        let mut doc = lopdf::Document::load_mem(&bytes).expect("load");
        let second = doc.get_pages()[&2];
        doc.get_dictionary_mut(second).expect("page").set("Rotate", 90);
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("save");
        out
    }

    #[test]
    fn every_page_of_a_marked_pdf_is_stamped_and_the_copy_is_named() {
        let original = sample_pdf();
        let b = banner(0x66_7788_99aa);
        let marked = mark("工程表.pdf", &original, &b).expect("mark");
        let out = maruhi_extract::extract_bytes("工程表.pdf", &marked, &maruhi_extract::Limits::default());
        let text: String = out.documents.iter().map(|d| d.text.as_str()).collect();
        for n in 1..=3 {
            assert!(text.contains(&format!("第{n}頁 焼結条件")), "page {n} keeps its text: {text}");
        }
        assert_eq!(text.matches(&format!("複製番号 {}", b.code.text())).count(), 3, "{text}");
        assert_eq!(find_codes(&text), vec![b.code]);
        assert_eq!(pdf::info_codes(&marked), vec![b.code], "the code is in the document information too");

        let doc = lopdf::Document::load_mem(&marked).expect("the copy opens");
        for (n, page) in doc.get_pages() {
            let content = String::from_utf8_lossy(&doc.get_page_content(page).expect("content")).into_owned();
            let stamp = content.lines().find(|l| l.ends_with("cm /MaruhiMark Do Q")).expect("a stamp on every page");
            let m: Vec<f32> = stamp.split_whitespace().skip(1).take(6).map(|v| v.parse().expect("number")).collect();
            if n == 2 {
                // Turned with the page: the stamp's x axis runs up the page.
                assert!(m[0] == 0.0 && m[1] > 0.0 && m[2] < 0.0, "{stamp}");
            } else {
                assert!(m[0] > 0.0 && m[1] == 0.0 && m[5] > 800.0, "along the top: {stamp}");
            }
            assert!(content.starts_with("q\n"), "the page's own content is wrapped");
        }
        assert!(pdf::info_codes(&original).is_empty());
    }

    #[test]
    fn a_damaged_pdf_is_malformed_not_a_panic() {
        let mut pdf = sample_pdf();
        pdf.truncate(pdf.len() / 3);
        assert!(mark("a.pdf", &pdf, &banner(2)).is_err());
        assert!(matches!(mark("a.pdf", b"%PDF-1.7\n", &banner(2)), Err(MarkError::Malformed(_))));
    }

    #[test]
    fn binary_files_are_refused() {
        assert!(matches!(mark("a.bin", &[0, 1, 2, 0xff], &banner(1)), Err(MarkError::Unsupported(_))));
    }
}
