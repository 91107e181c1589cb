//! Office Open XML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS, ODP): a ZIP of XML parts.

use std::io::Read;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::archive::{zip_error, Zip};
use crate::ctx::{member_path, Ctx};
use crate::{codes, Format};

/// Recognises an Office or OpenDocument file by the parts it holds (ECMA-376 part names; the ODF
/// `mimetype` member, ODF 1.2 part 3 §3.3).
pub(crate) fn classify(archive: &mut Zip<'_>) -> Option<Format> {
    if archive.index_for_name("word/document.xml").is_some() {
        return Some(Format::Docx);
    }
    if archive.index_for_name("xl/workbook.xml").is_some() {
        return Some(Format::Xlsx);
    }
    if archive.index_for_name("ppt/presentation.xml").is_some() {
        return Some(Format::Pptx);
    }
    let index = archive.index_for_name("mimetype")?;
    let mut mime = Vec::new();
    archive.by_index(index).ok()?.take(128).read_to_end(&mut mime).ok()?;
    let mime = mime.trim_ascii();
    match mime.strip_prefix(b"application/vnd.oasis.opendocument.")? {
        b"text" | b"text-template" => Some(Format::Odt),
        b"spreadsheet" | b"spreadsheet-template" => Some(Format::Ods),
        b"presentation" | b"presentation-template" => Some(Format::Odp),
        _ => None,
    }
}

/// Which elements shape the text of one XML vocabulary (matched by local name).
struct Rules {
    /// Elements whose end ends a line.
    line_end: &'static [&'static [u8]],
    /// Elements whose end is a tab (spreadsheet cells).
    cell_end: &'static [&'static [u8]],
    /// Empty elements that stand for a tab.
    tab: &'static [&'static [u8]],
    /// Empty elements that stand for a line break.
    brk: &'static [&'static [u8]],
    /// Empty elements that stand for spaces (ODF `text:s`, with a count in `text:c`).
    space: &'static [&'static [u8]],
    /// When set, text counts only inside these elements.
    text_in: Option<&'static [&'static [u8]]>,
    /// Subtrees whose text and breaks are ignored (properties, tab-stop lists).
    skip: &'static [&'static [u8]],
}

/// WordprocessingML (ECMA-376 part 1 §17): text is in `w:t`, deleted text of tracked changes in
/// `w:delText` (kept: a leak is a leak even if struck through); field codes (`w:instrText`) are not
/// text.
const DOCX: Rules = Rules {
    line_end: &[b"p"],
    cell_end: &[],
    tab: &[b"tab"],
    brk: &[b"br", b"cr"],
    space: &[],
    text_in: Some(&[b"t", b"delText"]),
    skip: &[b"pPr", b"rPr"],
};

/// DrawingML text in slides and notes (ECMA-376 part 1 §21.1.2).
const PPTX: Rules = Rules {
    line_end: &[b"p"],
    cell_end: &[],
    tab: &[],
    brk: &[b"br"],
    space: &[],
    text_in: Some(&[b"t"]),
    skip: &[b"pPr", b"rPr", b"tabLst"],
};

const ODF_TEXT: Rules = Rules {
    line_end: &[b"p", b"h"],
    cell_end: &[],
    tab: &[b"tab"],
    brk: &[b"line-break"],
    space: &[b"s"],
    text_in: None,
    skip: &[],
};

const ODF_SHEET: Rules = Rules {
    line_end: &[b"table-row"],
    cell_end: &[b"table-cell"],
    tab: &[b"tab"],
    brk: &[b"line-break"],
    space: &[b"s"],
    text_in: None,
    skip: &[],
};

/// Spreadsheet comments and anything else whose text is simply all character data.
const PLAIN: Rules = Rules {
    line_end: &[b"p", b"si", b"comment", b"text"],
    cell_end: &[],
    tab: &[],
    brk: &[],
    space: &[],
    text_in: Some(&[b"t"]),
    skip: &[b"rPh"],
};

pub(crate) fn extract(cx: &mut Ctx<'_>, path: &str, archive: &mut Zip<'_>, format: Format) {
    let names: Vec<String> =
        archive.file_names_raw().filter_map(|n| std::str::from_utf8(n).ok()).map(str::to_owned).collect();
    let mut out = String::new();
    match format {
        Format::Docx => {
            let mut parts = vec!["word/document.xml".to_owned()];
            for prefix in ["word/header", "word/footer", "word/footnotes", "word/endnotes", "word/comments"] {
                parts.extend(numbered(&names, prefix, ".xml"));
            }
            for part in parts {
                part_text(cx, path, archive, &part, &DOCX, &mut out);
            }
        }
        Format::Pptx => {
            let mut parts = numbered(&names, "ppt/slides/slide", ".xml");
            parts.extend(numbered(&names, "ppt/notesSlides/notesSlide", ".xml"));
            parts.extend(numbered(&names, "ppt/comments/comment", ".xml"));
            for part in parts {
                part_text(cx, path, archive, &part, &PPTX, &mut out);
            }
        }
        Format::Xlsx => xlsx(cx, path, archive, &names, &mut out),
        Format::Odt | Format::Odp => part_text(cx, path, archive, "content.xml", &ODF_TEXT, &mut out),
        Format::Ods => part_text(cx, path, archive, "content.xml", &ODF_SHEET, &mut out),
        _ => {}
    }
    cx.push(path, format, out);
}

/// Members named `prefix` + optional number + `suffix`, in numeric order (`slide2` before
/// `slide10`).
fn numbered(names: &[String], prefix: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|n| {
            let middle = n.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if middle.is_empty() {
                Some((0, n))
            } else {
                middle.parse().ok().map(|k| (k, n))
            }
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n.clone()).collect()
}

/// Reads one part within the budgets; a missing part is simply absent.
fn read_part(cx: &mut Ctx<'_>, path: &str, archive: &mut Zip<'_>, name: &str) -> Option<Vec<u8>> {
    let index = archive.index_for_name(name)?;
    let ppath = member_path(path, name);
    match archive.by_index(index) {
        Ok(mut f) => {
            let (compressed, size) = (f.compressed_size(), f.size());
            cx.read_member(&ppath, &mut f, compressed, Some(size))
        }
        Err(e) => {
            let (code, why) = zip_error(&e);
            cx.diag(&ppath, code, why);
            None
        }
    }
}

fn part_text(cx: &mut Ctx<'_>, path: &str, archive: &mut Zip<'_>, name: &str, rules: &Rules, out: &mut String) {
    if cx.out_of_time(path) {
        return;
    }
    let Some(xml) = read_part(cx, path, archive, name) else { return };
    if xml_text(&xml, rules, out).is_err() {
        cx.diag(&member_path(path, name), codes::MALFORMED, "malformed XML part; its text may be incomplete");
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn xml_text(xml: &[u8], rules: &Rules, out: &mut String) -> Result<(), ()> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut skip = 0usize;
    let mut text = 0usize;
    let visible = |skip: usize, text: usize| skip == 0 && (rules.text_in.is_none() || text > 0);
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if rules.skip.contains(&name) {
                    skip += 1;
                }
                if rules.text_in.is_some_and(|t| t.contains(&name)) {
                    text += 1;
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if rules.skip.contains(&name) {
                    skip = skip.saturating_sub(1);
                }
                if rules.text_in.is_some_and(|t| t.contains(&name)) {
                    text = text.saturating_sub(1);
                }
                if skip == 0 {
                    if rules.line_end.contains(&name) {
                        out.push('\n');
                    } else if rules.cell_end.contains(&name) {
                        out.push('\t');
                    }
                }
            }
            Event::Empty(e) if skip == 0 => {
                let name = e.local_name();
                let name = name.as_ref();
                if rules.tab.contains(&name) || rules.cell_end.contains(&name) {
                    out.push('\t');
                } else if rules.brk.contains(&name) || rules.line_end.contains(&name) {
                    out.push('\n');
                } else if rules.space.contains(&name) {
                    let count = e
                        .try_get_attribute("text:c")
                        .ok()
                        .flatten()
                        .and_then(|a| std::str::from_utf8(&a.value).ok().and_then(|v| v.parse::<usize>().ok()))
                        .unwrap_or(1);
                    out.extend(std::iter::repeat_n(' ', count.min(64)));
                }
            }
            Event::Text(t) if visible(skip, text) => {
                let s = t.decode().map_err(|_| ())?;
                // Indentation of pretty-printed XML is not text.
                if rules.text_in.is_some() || !(s.contains('\n') && s.trim().is_empty()) {
                    out.push_str(&s);
                }
            }
            Event::CData(t) if visible(skip, text) => {
                out.push_str(&t.decode().map_err(|_| ())?);
            }
            Event::GeneralRef(r) if visible(skip, text) => push_ref(&r, out),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn push_ref(r: &quick_xml::events::BytesRef<'_>, out: &mut String) {
    match r.resolve_char_ref() {
        Ok(Some(c)) => out.push(c),
        Ok(None) => {
            if let Some(s) = r.decode().ok().and_then(|n| quick_xml::escape::resolve_predefined_entity(&n)) {
                out.push_str(s);
            }
        }
        Err(_) => out.push('\u{fffd}'),
    }
}

/// SpreadsheetML (ECMA-376 part 1 §18): shared strings, then each sheet row by row, cells
/// separated by tabs. Phonetic runs (`rPh`, furigana) are dropped: they repeat the cell's reading.
fn xlsx(cx: &mut Ctx<'_>, path: &str, archive: &mut Zip<'_>, names: &[String], out: &mut String) {
    let shared = match read_part(cx, path, archive, "xl/sharedStrings.xml") {
        Some(xml) => shared_strings(&xml).unwrap_or_else(|()| {
            cx.diag(&member_path(path, "xl/sharedStrings.xml"), codes::MALFORMED, "malformed shared strings part");
            Vec::new()
        }),
        None => Vec::new(),
    };
    for sheet in numbered(names, "xl/worksheets/sheet", ".xml") {
        if cx.out_of_time(path) {
            return;
        }
        let Some(xml) = read_part(cx, path, archive, &sheet) else { continue };
        if sheet_text(&xml, &shared, out).is_err() {
            cx.diag(
                &member_path(path, &sheet),
                codes::MALFORMED,
                "malformed worksheet part; its text may be incomplete",
            );
        }
    }
    for part in numbered(names, "xl/comments", ".xml") {
        part_text(cx, path, archive, &part, &PLAIN, out);
    }
}

fn shared_strings(xml: &[u8]) -> Result<Vec<String>, ()> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut strings = Vec::new();
    let mut current = String::new();
    let (mut in_t, mut in_rph) = (0usize, 0usize);
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_t += 1,
                b"rPh" => in_rph += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_t = in_t.saturating_sub(1),
                b"rPh" => in_rph = in_rph.saturating_sub(1),
                b"si" => strings.push(std::mem::take(&mut current)),
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"si" => strings.push(String::new()),
            Event::Text(t) if in_t > 0 && in_rph == 0 => current.push_str(&t.decode().map_err(|_| ())?),
            Event::GeneralRef(r) if in_t > 0 && in_rph == 0 => push_ref(&r, &mut current),
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

fn sheet_text(xml: &[u8], shared: &[String], out: &mut String) -> Result<(), ()> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut cell_type: Option<Vec<u8>> = None;
    let mut value = String::new();
    let (mut in_value, mut in_rph) = (0usize, 0usize);
    let mut cells_in_row = 0usize;
    loop {
        match reader.read_event().map_err(|_| ())? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"c" => {
                    cell_type = e.try_get_attribute("t").ok().flatten().map(|a| a.value.into_owned());
                    value.clear();
                }
                b"v" | b"t" => in_value += 1,
                b"rPh" => in_rph += 1,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"v" | b"t" => in_value = in_value.saturating_sub(1),
                b"rPh" => in_rph = in_rph.saturating_sub(1),
                b"c" => {
                    let text = if cell_type.as_deref() == Some(b"s") {
                        value.trim().parse::<usize>().ok().and_then(|i| shared.get(i)).map_or("", String::as_str)
                    } else {
                        value.as_str()
                    };
                    if !text.is_empty() {
                        if cells_in_row > 0 {
                            out.push('\t');
                        }
                        out.push_str(text);
                        cells_in_row += 1;
                    }
                }
                b"row" => {
                    if cells_in_row > 0 {
                        out.push('\n');
                    }
                    cells_in_row = 0;
                }
                _ => {}
            },
            Event::Text(t) if in_value > 0 && in_rph == 0 => value.push_str(&t.decode().map_err(|_| ())?),
            Event::GeneralRef(r) if in_value > 0 && in_rph == 0 => push_ref(&r, &mut value),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}
