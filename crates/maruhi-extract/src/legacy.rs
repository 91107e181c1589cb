//! Legacy binary Office files (OLE2 compound files, read with the `cfb` crate) and RTF.
//!
//! - Word 97-2003 (`.doc`, MS-DOC §2.4.1): the text of every piece of the piece table (the `Clx`
//!   in the `0Table`/`1Table` stream) from the `WordDocument` stream, UTF-16LE or compressed
//!   8-bit; field instructions are left out, their results kept.
//! - Excel 97-2003 (`.xls`, BIFF8, MS-XLS): sheet names (`BoundSheet8`), the shared strings
//!   (`SST`, across `Continue` records) and the `LabelSst`, `Label`, `Number`, `RK` and `MulRk`
//!   cells, a row per line.
//! - PowerPoint 97-2003 (`.ppt`, MS-PPT): every `TextCharsAtom` and `TextBytesAtom` of the
//!   `PowerPoint Document` stream.
//! - RTF: the text outside destinations, with `\'hh` bytes in the document's or the font's code
//!   page (Shift_JIS for `\ansicpg932` or a `\fcharset128` font) and `\uN` characters.
//!
//! Every stream read counts against the file's expanded-bytes budget like an archive member.

use std::io::Cursor;

use encoding_rs::Encoding;

use crate::ctx::Ctx;
use crate::{codes, Format};

/// Which legacy Office file an OLE2 compound file is, from its streams.
pub(crate) fn ole(cx: &mut Ctx<'_>, path: &str, name: &str, bytes: &[u8]) {
    let mut file = match cfb::CompoundFile::open(Cursor::new(bytes)) {
        Ok(f) => f,
        Err(_) => {
            cx.diag(path, codes::MALFORMED, "malformed OLE2 compound file");
            return;
        }
    };
    if file.is_stream("/EncryptionInfo") || file.is_stream("/EncryptedPackage") {
        cx.diag(path, codes::ENCRYPTED, "password-protected Office file; no password is tried");
        return;
    }
    if file.is_stream("/WordDocument") {
        let Some(word) = stream(cx, path, &mut file, "/WordDocument") else { return };
        match doc_text(cx, path, &mut file, &word) {
            Ok(text) => cx.push(path, Format::Doc, text),
            Err(Problem::Encrypted) => {
                cx.diag(path, codes::ENCRYPTED, "encrypted Word document; no password is tried");
            }
            Err(Problem::Malformed) => cx.diag(path, codes::MALFORMED, "malformed Word 97-2003 document"),
            Err(Problem::Skipped) => {}
        }
    } else if file.is_stream("/Workbook") || file.is_stream("/Book") {
        let which = if file.is_stream("/Workbook") { "/Workbook" } else { "/Book" };
        let Some(book) = stream(cx, path, &mut file, which) else { return };
        match xls_text(&book) {
            Ok(text) => cx.push(path, Format::Xls, text),
            Err(Problem::Encrypted) => {
                cx.diag(path, codes::ENCRYPTED, "encrypted Excel workbook; no password is tried");
            }
            Err(_) => cx.diag(path, codes::MALFORMED, "malformed Excel 97-2003 workbook"),
        }
    } else if file.is_stream("/PowerPoint Document") {
        let Some(doc) = stream(cx, path, &mut file, "/PowerPoint Document") else { return };
        cx.push(path, Format::Ppt, ppt_text(&doc));
    } else {
        // Outlook .msg, 一太郎 .jtd, Visio and other OLE2 files: not read (yet).
        let _ = name;
    }
}

enum Problem {
    Encrypted,
    Malformed,
    /// A diagnostic was recorded already.
    Skipped,
}

/// Reads one stream within the expanded-bytes budget.
fn stream(cx: &mut Ctx<'_>, path: &str, file: &mut cfb::CompoundFile<Cursor<&[u8]>>, name: &str) -> Option<Vec<u8>> {
    let len = file.entry(name).map(|e| e.len()).ok()?;
    let mut s = match file.open_stream(name) {
        Ok(s) => s,
        Err(_) => {
            cx.diag(path, codes::MALFORMED, "malformed OLE2 compound file");
            return None;
        }
    };
    // Streams are stored uncompressed: the ratio is 1, and the size is what the budgets check.
    cx.read_member(path, &mut s, len, Some(len))
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?]))
}

/// MS-DOC: the FIB names the table stream and the `Clx` in it; the piece table maps character
/// positions to byte ranges of the `WordDocument` stream.
fn doc_text(
    cx: &mut Ctx<'_>,
    path: &str,
    file: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    word: &[u8],
) -> Result<String, Problem> {
    let flags = u16_at(word, 0x0a).ok_or(Problem::Malformed)?;
    if flags & 0x0100 != 0 {
        return Err(Problem::Encrypted);
    }
    let table_name = if flags & 0x0200 != 0 { "/1Table" } else { "/0Table" };
    let fc_clx = u32_at(word, 0x01a2).ok_or(Problem::Malformed)? as usize;
    let lcb_clx = u32_at(word, 0x01a6).ok_or(Problem::Malformed)? as usize;
    if !file.is_stream(table_name) {
        return Err(Problem::Malformed);
    }
    let table = stream(cx, path, file, table_name).ok_or(Problem::Skipped)?;
    let clx = table.get(fc_clx..fc_clx.checked_add(lcb_clx).ok_or(Problem::Malformed)?).ok_or(Problem::Malformed)?;
    let pieces = piece_table(clx).ok_or(Problem::Malformed)?;
    let mut raw = String::new();
    for (chars, fc, compressed) in pieces {
        if compressed {
            let start = fc / 2;
            let bytes = word.get(start..start.saturating_add(chars)).ok_or(Problem::Malformed)?;
            raw.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0);
        } else {
            let bytes = word.get(fc..fc.saturating_add(chars.saturating_mul(2))).ok_or(Problem::Malformed)?;
            let units: Vec<u16> = bytes.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
            raw.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')));
        }
    }
    Ok(clean_word(&raw))
}

/// The pieces of a `Clx`: (characters, byte offset, compressed).
fn piece_table(clx: &[u8]) -> Option<Vec<(usize, usize, bool)>> {
    let mut at = 0;
    // Prc entries (formatting) come first: 0x01, a 16-bit size, the grpprl.
    while clx.get(at) == Some(&0x01) {
        let size = u16_at(clx, at + 1)? as usize;
        at += 3 + size;
    }
    if clx.get(at) != Some(&0x02) {
        return None;
    }
    let lcb = u32_at(clx, at + 1)? as usize;
    let plc = clx.get(at + 5..at + 5 + lcb)?;
    if plc.len() < 4 {
        return None;
    }
    let n = (plc.len() - 4) / 12;
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        let (cp, next) = (u32_at(plc, i * 4)? as usize, u32_at(plc, (i + 1) * 4)? as usize);
        let pcd = (n + 1) * 4 + i * 8;
        let fc = u32_at(plc, pcd + 2)?;
        let compressed = fc & 0x4000_0000 != 0;
        pieces.push((next.checked_sub(cp)?, (fc & 0x3fff_ffff) as usize, compressed));
    }
    Some(pieces)
}

/// Word's special characters: paragraph and cell marks become line breaks and tabs, field
/// instructions (between 0x13 and 0x14) are dropped, other controls removed.
fn clean_word(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut field_depth = 0usize;
    let mut in_instruction: Vec<bool> = Vec::new();
    for c in raw.chars() {
        match c {
            '\u{13}' => {
                field_depth += 1;
                in_instruction.push(true);
            }
            '\u{14}' => {
                if let Some(last) = in_instruction.last_mut() {
                    *last = false;
                }
            }
            '\u{15}' => {
                field_depth = field_depth.saturating_sub(1);
                in_instruction.pop();
            }
            _ if in_instruction.iter().any(|&i| i) => {}
            '\r' | '\u{0b}' | '\u{0c}' => out.push('\n'),
            '\u{07}' => out.push('\t'),
            '\t' | '\n' => out.push(c),
            '\u{1e}' => out.push('-'),
            c if c.is_control() || c == '\u{fffd}' => {}
            c => out.push(c),
        }
    }
    let _ = field_depth;
    out
}

/// BIFF8 record types.
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00fc;
const CONTINUE: u16 = 0x003c;
const LABELSST: u16 = 0x00fd;
const LABEL: u16 = 0x0204;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027e;
const MULRK: u16 = 0x00bd;
const FILEPASS: u16 = 0x002f;
const BOF: u16 = 0x0809;

/// The records of a BIFF stream: (type, data).
fn records(book: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let kind = u16_at(book, at)?;
        let len = u16_at(book, at + 2)? as usize;
        let data = book.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((kind, data))
    })
}

fn xls_text(book: &[u8]) -> Result<String, Problem> {
    let recs: Vec<(u16, &[u8])> = records(book).collect();
    if recs.first().map(|r| r.0) != Some(BOF) {
        return Err(Problem::Malformed);
    }
    if recs.iter().any(|r| r.0 == FILEPASS) {
        return Err(Problem::Encrypted);
    }
    let mut sst = Vec::new();
    let mut out = String::new();
    let mut last_row: Option<u16> = None;
    let cell = |out: &mut String, last_row: &mut Option<u16>, row: u16, text: &str| {
        match *last_row {
            Some(r) if r == row => out.push('\t'),
            Some(_) => out.push('\n'),
            None => {}
        }
        *last_row = Some(row);
        out.push_str(text);
    };
    let mut i = 0;
    while i < recs.len() {
        let (kind, data) = recs[i];
        match kind {
            BOUNDSHEET => {
                if let Some(name) = data.get(6..).and_then(short_string) {
                    out.push_str(&name);
                    out.push('\n');
                }
            }
            SST => {
                let mut segments = vec![data];
                while let Some(&(CONTINUE, more)) = recs.get(i + 1) {
                    segments.push(more);
                    i += 1;
                }
                sst = shared_strings(&segments);
            }
            // A new sheet starts on a new line.
            BOF if last_row.take().is_some() => out.push('\n'),
            LABELSST => {
                let (Some(row), Some(index)) = (u16_at(data, 0), u32_at(data, 6)) else {
                    i += 1;
                    continue;
                };
                if let Some(s) = sst.get(index as usize) {
                    cell(&mut out, &mut last_row, row, s);
                }
            }
            LABEL => {
                if let (Some(row), Some(text)) = (u16_at(data, 0), data.get(6..).and_then(long_string)) {
                    cell(&mut out, &mut last_row, row, &text);
                }
            }
            NUMBER => {
                if let (Some(row), Some(bytes)) = (u16_at(data, 0), data.get(6..14)) {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(bytes);
                    cell(&mut out, &mut last_row, row, &number(f64::from_le_bytes(b)));
                }
            }
            RK => {
                if let (Some(row), Some(rk)) = (u16_at(data, 0), u32_at(data, 6)) {
                    cell(&mut out, &mut last_row, row, &number(rk_value(rk)));
                }
            }
            MULRK => {
                if let Some(row) = u16_at(data, 0) {
                    let cells = data.len().saturating_sub(6) / 6;
                    for c in 0..cells {
                        if let Some(rk) = u32_at(data, 4 + c * 6 + 2) {
                            cell(&mut out, &mut last_row, row, &number(rk_value(rk)));
                        }
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(out)
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// MS-XLS §2.5.217 RkNumber.
fn rk_value(rk: u32) -> f64 {
    let value =
        if rk & 0x02 != 0 { f64::from((rk as i32) >> 2) } else { f64::from_bits(u64::from(rk & 0xffff_fffc) << 32) };
    if rk & 0x01 != 0 {
        value / 100.0
    } else {
        value
    }
}

/// ShortXLUnicodeString: an 8-bit count, flags, characters.
fn short_string(d: &[u8]) -> Option<String> {
    let cch = usize::from(*d.first()?);
    let high = d.get(1)? & 0x01 != 0;
    chars(d.get(2..)?, cch, high).map(|(s, _)| s)
}

/// XLUnicodeString: a 16-bit count, flags, characters.
fn long_string(d: &[u8]) -> Option<String> {
    let cch = usize::from(u16_at(d, 0)?);
    let high = d.get(2)? & 0x01 != 0;
    chars(d.get(3..)?, cch, high).map(|(s, _)| s)
}

/// Up to `cch` characters (UTF-16LE when `high`, else Latin-1 bytes), and the bytes used; fewer
/// when the data ends first.
fn chars(d: &[u8], cch: usize, high: bool) -> Option<(String, usize)> {
    if high {
        let n = cch.min(d.len() / 2);
        let units: Vec<u16> = d[..n * 2].chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
        Some((char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect(), n * 2))
    } else {
        let n = cch.min(d.len());
        Some((d[..n].iter().map(|&b| char::from(b)).collect(), n))
    }
}

/// The SST's strings, read across its `Continue` records: a string's characters may continue in
/// the next record, which then starts with a new flags byte (8-bit or 16-bit characters).
fn shared_strings(segments: &[&[u8]]) -> Vec<String> {
    let mut r = SegReader { segments, seg: 0, at: 8 };
    let total = segments.first().and_then(|s| u32_at(s, 4)).unwrap_or(0) as usize;
    // Each string takes at least three bytes: the count is bounded by the data.
    let max = segments.iter().map(|s| s.len()).sum::<usize>() / 3;
    let mut out = Vec::with_capacity(total.min(max));
    for _ in 0..total.min(max) {
        match r.string() {
            Some(s) => out.push(s),
            None => break,
        }
    }
    out
}

struct SegReader<'a> {
    segments: &'a [&'a [u8]],
    seg: usize,
    at: usize,
}

impl SegReader<'_> {
    fn current(&mut self) -> Option<&[u8]> {
        while self.at >= self.segments.get(self.seg)?.len() {
            self.seg += 1;
            self.at = 0;
        }
        self.segments.get(self.seg).map(|s| &s[self.at..])
    }

    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(n.min(1 << 16));
        while out.len() < n {
            let cur = self.current()?;
            let k = (n - out.len()).min(cur.len());
            out.extend_from_slice(&cur[..k]);
            self.at += k;
        }
        Some(out)
    }

    fn string(&mut self) -> Option<String> {
        let head = self.take(3)?;
        let cch = usize::from(u16::from_le_bytes([head[0], head[1]]));
        let flags = head[2];
        let mut high = flags & 0x01 != 0;
        let runs = if flags & 0x08 != 0 { self.take(2).map(|b| u16::from_le_bytes([b[0], b[1]]))? } else { 0 };
        let ext =
            if flags & 0x04 != 0 { self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))? } else { 0 };
        let mut text = String::new();
        let mut left = cch;
        while left > 0 {
            let cur = self.current()?;
            let (s, used) = chars(cur, left, high)?;
            let got = if high { used / 2 } else { used };
            text.push_str(&s);
            self.at += used;
            left -= got;
            if left > 0 {
                // The next record continues the characters with its own flags byte.
                self.seg += 1;
                self.at = 0;
                high = self.take(1)?.first()? & 0x01 != 0;
            }
            if got == 0 && left > 0 && self.segments.get(self.seg).is_none() {
                return None;
            }
        }
        self.skip(usize::from(runs) * 4)?;
        self.skip(ext as usize)?;
        Some(text)
    }

    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            let cur = self.current()?.len();
            let k = n.min(cur);
            self.at += k;
            n -= k;
        }
        Some(())
    }
}

/// MS-PPT: records with an 8-byte header; containers (version 0xF) hold records, atoms data.
fn ppt_text(doc: &[u8]) -> String {
    const TEXT_CHARS: u16 = 0x0fa0;
    const TEXT_BYTES: u16 = 0x0fa8;
    const MAIN_MASTER: u16 = 0x03f8;
    const HANDOUT: u16 = 0x0fc9;
    let mut out = String::new();
    let mut at = 0usize;
    while let (Some(ver_inst), Some(kind), Some(len)) = (u16_at(doc, at), u16_at(doc, at + 2), u32_at(doc, at + 4)) {
        let body = at + 8;
        if ver_inst & 0x000f == 0x000f {
            // Masters and handouts hold placeholder text ("Click to edit the title text
            // format"), not the presentation's: skipped whole. Other containers: their records
            // follow.
            at = if matches!(kind, MAIN_MASTER | HANDOUT) { body.saturating_add(len as usize) } else { body };
            continue;
        }
        let end = body.saturating_add(len as usize);
        let Some(data) = doc.get(body..end) else { break };
        let text: String = match kind {
            TEXT_CHARS => {
                let units: Vec<u16> = data.chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
                char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect()
            }
            TEXT_BYTES => data.iter().map(|&b| char::from(b)).collect(),
            _ => String::new(),
        };
        // `*` alone is a placeholder for a field (slide number, date) in a header or footer.
        if !text.trim().is_empty() && text.trim() != "*" {
            out.push_str(&text);
            out.push('\n');
        }
        at = end;
    }
    out.replace(['\r', '\u{0b}'], "\n")
}

/// RTF destinations whose text is not document text.
const SKIP: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "mmathPr",
    "fldinst",
    "filetbl",
    "revtbl",
    "bkmkstart",
    "bkmkend",
    "header",
    "footer",
    "headerl",
    "headerr",
    "headerf",
    "footerl",
    "footerr",
    "footerf",
    "nonshppict",
    "shpinst",
    "blipuid",
];

#[derive(Clone)]
struct Group {
    skip: bool,
    /// Bytes to skip after a `\uN` (`\ucN`).
    uc: usize,
    encoding: &'static Encoding,
    /// In the font table: the font being defined.
    font: Option<i32>,
}

/// Reads an RTF document's text.
pub(crate) fn rtf_text(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let mut fonts: Vec<(i32, &'static Encoding)> = Vec::new();
    let mut doc_encoding: &'static Encoding = encoding_rs::WINDOWS_1252;
    let mut stack: Vec<Group> = Vec::new();
    let mut g = Group { skip: false, uc: 1, encoding: doc_encoding, font: None };
    let mut in_fonttbl_depth: Option<usize> = None;
    let mut to_skip = 0usize; // fallback bytes after \uN
    let mut i = 0usize;
    let flush = |pending: &mut Vec<u8>, out: &mut String, enc: &'static Encoding| {
        if !pending.is_empty() {
            out.push_str(&enc.decode_without_bom_handling(pending).0);
            pending.clear();
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'{' => {
                flush(&mut pending, &mut out, g.encoding);
                stack.push(g.clone());
                // A group starting with \* is an optional destination: skipped unless known.
                if bytes.get(i + 1..i + 3) == Some(b"\\*") {
                    g.skip = true;
                }
                i += 1;
            }
            b'}' => {
                flush(&mut pending, &mut out, g.encoding);
                if in_fonttbl_depth == Some(stack.len()) {
                    in_fonttbl_depth = None;
                }
                g = stack.pop().unwrap_or(Group { skip: false, uc: 1, encoding: doc_encoding, font: None });
                i += 1;
            }
            b'\\' => {
                let Some(&next) = bytes.get(i + 1) else { break };
                if next == b'\'' {
                    let hex = bytes.get(i + 2..i + 4).and_then(|h| std::str::from_utf8(h).ok());
                    i += 4;
                    if to_skip > 0 {
                        to_skip -= 1;
                        continue;
                    }
                    if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        if !g.skip {
                            pending.push(v);
                        }
                    }
                    continue;
                }
                if !next.is_ascii_alphabetic() {
                    // A control symbol.
                    i += 2;
                    if g.skip {
                        continue;
                    }
                    flush(&mut pending, &mut out, g.encoding);
                    match next {
                        b'~' => out.push('\u{a0}'),
                        b'-' => {}
                        b'_' => out.push('-'),
                        b'\\' | b'{' | b'}' => out.push(char::from(next)),
                        b'\n' | b'\r' => out.push('\n'),
                        _ => {}
                    }
                    continue;
                }
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j].is_ascii_alphabetic() && j - start < 32 {
                    j += 1;
                }
                let word = std::str::from_utf8(&bytes[start..j]).unwrap_or("");
                let num_start = j;
                if j < bytes.len() && bytes[j] == b'-' {
                    j += 1;
                }
                while j < bytes.len() && bytes[j].is_ascii_digit() && j - num_start < 10 {
                    j += 1;
                }
                let param: Option<i32> = std::str::from_utf8(&bytes[num_start..j]).ok().and_then(|s| s.parse().ok());
                if j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                i = j;
                if SKIP.contains(&word) && word != "fonttbl" {
                    g.skip = true;
                    continue;
                }
                match word {
                    "fonttbl" => {
                        g.skip = true;
                        in_fonttbl_depth = Some(stack.len());
                    }
                    "ansicpg" => {
                        doc_encoding = param.and_then(code_page).unwrap_or(doc_encoding);
                        g.encoding = doc_encoding;
                    }
                    "f" if in_fonttbl_depth.is_some() => g.font = param,
                    "fcharset" if in_fonttbl_depth.is_some() => {
                        if let (Some(font), Some(enc)) = (g.font, param.and_then(charset)) {
                            fonts.push((font, enc));
                        }
                    }
                    "f" if !g.skip => {
                        flush(&mut pending, &mut out, g.encoding);
                        g.encoding = param
                            .and_then(|n| fonts.iter().find(|(f, _)| *f == n).map(|(_, e)| *e))
                            .unwrap_or(doc_encoding);
                    }
                    "uc" => g.uc = param.and_then(|n| usize::try_from(n).ok()).unwrap_or(1),
                    "u" => {
                        if let Some(n) = param {
                            if !g.skip {
                                flush(&mut pending, &mut out, g.encoding);
                                let unit = if n < 0 { (n + 65536) as u32 } else { n as u32 };
                                push_unit(&mut out, unit);
                            }
                            to_skip = g.uc;
                        }
                    }
                    _ if g.skip => {}
                    "par" | "line" | "sect" | "page" | "row" => {
                        flush(&mut pending, &mut out, g.encoding);
                        out.push('\n');
                    }
                    "tab" | "cell" => {
                        flush(&mut pending, &mut out, g.encoding);
                        out.push('\t');
                    }
                    "emdash" => out.push('—'),
                    "endash" => out.push('–'),
                    "lquote" => out.push('‘'),
                    "rquote" => out.push('’'),
                    "ldblquote" => out.push('“'),
                    "rdblquote" => out.push('”'),
                    "bullet" => out.push('•'),
                    _ => {}
                }
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                i += 1;
                if to_skip > 0 {
                    to_skip -= 1;
                    continue;
                }
                if !g.skip {
                    pending.push(b);
                }
            }
        }
    }
    flush(&mut pending, &mut out, g.encoding);
    // Surrogate pairs written as two \uN arrive as two units; join them.
    join_surrogates(&out)
}

/// `\uN` gives UTF-16 code units; a lone surrogate is kept as a private marker and paired later.
fn push_unit(out: &mut String, unit: u32) {
    match char::from_u32(unit) {
        Some(c) => out.push(c),
        // A surrogate half: U+F0000 + unit in a private-use plane marks it for `join_surrogates`.
        None => out.push(char::from_u32(0xf0000 + unit).unwrap_or('\u{fffd}')),
    }
}

fn join_surrogates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut high: Option<u32> = None;
    for c in text.chars() {
        let v = c as u32;
        if (0xf0000 + 0xd800..0xf0000 + 0xdc00).contains(&v) {
            high = Some(v - 0xf0000);
            continue;
        }
        if (0xf0000 + 0xdc00..0xf0000 + 0xe000).contains(&v) {
            if let Some(h) = high.take() {
                let cp = 0x10000 + ((h - 0xd800) << 10) + (v - 0xf0000 - 0xdc00);
                out.extend(char::from_u32(cp));
            }
            continue;
        }
        high = None;
        out.push(c);
    }
    out
}

/// Windows code pages by number (`\ansicpgN`).
fn code_page(cp: i32) -> Option<&'static Encoding> {
    Some(match cp {
        932 => encoding_rs::SHIFT_JIS,
        936 => encoding_rs::GBK,
        949 => encoding_rs::EUC_KR,
        950 => encoding_rs::BIG5,
        1250 => encoding_rs::WINDOWS_1250,
        1251 => encoding_rs::WINDOWS_1251,
        1252 => encoding_rs::WINDOWS_1252,
        1253 => encoding_rs::WINDOWS_1253,
        1254 => encoding_rs::WINDOWS_1254,
        1255 => encoding_rs::WINDOWS_1255,
        1256 => encoding_rs::WINDOWS_1256,
        1257 => encoding_rs::WINDOWS_1257,
        1258 => encoding_rs::WINDOWS_1258,
        874 => encoding_rs::WINDOWS_874,
        65001 => encoding_rs::UTF_8,
        _ => return None,
    })
}

/// Font character sets (`\fcharsetN`).
fn charset(cs: i32) -> Option<&'static Encoding> {
    match cs {
        128 => Some(encoding_rs::SHIFT_JIS),
        134 => Some(encoding_rs::GBK),
        129 => Some(encoding_rs::EUC_KR),
        136 => Some(encoding_rs::BIG5),
        0 => Some(encoding_rs::WINDOWS_1252),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtf_escapes_in_shift_jis_and_unicode() {
        let rtf = br"{\rtf1\ansi\ansicpg932{\fonttbl{\f0\fcharset128 MS Mincho;}}{\*\generator x;}\f0 \'8e\'d0\'8a\'4f\'94\'e9\par \uc1\u31192?\u23494?{\info{\title t}}}";
        assert_eq!(rtf_text(rtf), "社外秘\n秘密");
    }

    #[test]
    fn rk_numbers() {
        assert_eq!(rk_value((42 << 2) | 0x02), 42.0);
        assert_eq!(rk_value((4270 << 2) | 0x03), 42.7);
    }
}
