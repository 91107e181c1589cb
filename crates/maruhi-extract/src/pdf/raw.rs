//! The preflight over the raw bytes, before lopdf sees the file.
//!
//! lopdf's loader decodes two kinds of stream itself, with no limit: object streams (`/Type
//! /ObjStm`, PDF 32000-1 §7.5.7, parsed into objects as the file loads) and cross-reference
//! streams (§7.5.8, read at the offsets `startxref`, `/Prev` and `/XRefStm` name). So those are
//! found here, in the bytes, and decoded with the bounded decoders before any parser runs. Every
//! other stream is left to the second preflight, on the loaded document, where lopdf holds it
//! still compressed.
//!
//! The scan is deliberately generous: every `N G obj` header anywhere in the file is looked at,
//! including ones inside other streams' data, since which of them lopdf loads depends on a
//! cross-reference table that may lie. Counting a stream lopdf would never read costs time, never
//! safety.

use std::collections::HashMap;

use super::filters::{self, Decoded, Filter};
use super::{Budget, Refusal};
use crate::codes;

/// Nesting depth the dictionary reader follows (lopdf's own `MAX_NESTING_DEPTH`).
const MAX_DEPTH: usize = 100;
/// Entries kept per dictionary or array: enough for every key read here, and a bound on what a
/// hostile dictionary costs.
const MAX_KEPT: usize = 64;
/// The widest field of a cross-reference stream (§7.5.8.2: big-endian integers; lopdf allocates
/// a buffer of each width before reading).
const MAX_XREF_FIELD: i64 = 8;

/// What the raw scan found.
#[derive(Debug, Default)]
pub(super) struct RawScan {
    /// Whether the file declares encryption (`/Encrypt` in any dictionary).
    pub(super) encrypted: bool,
    /// Bytes decoded from object and cross-reference streams.
    pub(super) decoded: u64,
    /// Object headers plus the objects object streams declare.
    pub(super) objects: u64,
}

/// A PDF value, as much of it as the preflight needs.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Int(i64),
    Name(Vec<u8>),
    Ref(u32, u16),
    Array(Vec<Val>),
    Dict(Vec<(Vec<u8>, Val)>),
    Other,
}

impl Val {
    fn get(&self, key: &[u8]) -> Option<&Val> {
        match self {
            // lopdf keeps the last of duplicate keys; so does this.
            Val::Dict(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            _ => None,
        }
    }

    fn is_name(&self, name: &[u8]) -> bool {
        matches!(self, Val::Name(n) if n == name)
    }
}

/// Scans `pdf`: decodes every object and cross-reference stream within the budget.
pub(super) fn scan(pdf: &[u8], budget: &mut Budget) -> Result<RawScan, Refusal> {
    // lopdf reads from the `%PDF-` header on, and its offsets count from there.
    let buf = match find(pdf, b"%PDF-", 0) {
        Some(start) => &pdf[start..],
        None => pdf,
    };
    let mut out = RawScan { encrypted: find(buf, b"/Encrypt", 0).is_some(), ..RawScan::default() };
    let xref_offsets = xref_offsets(buf);
    let mut headers = Vec::new();
    let mut at = 0;
    while let Some(obj) = find(buf, b"obj", at) {
        at = obj + 3;
        if let Some(header) = header_start(buf, obj) {
            headers.push(header);
            if headers.len() as u64 > u64::from(budget.max_objects) {
                return Err(Refusal::budget(format!("more than {} objects", budget.max_objects)));
            }
        }
    }
    out.objects = headers.len() as u64;
    let mut index: Option<HashMap<(u32, u16), Vec<usize>>> = None;
    for &header in &headers {
        budget.check_cancel()?;
        let mut lexer = Lexer { b: buf, pos: header };
        let (Val::Int(_), Val::Int(_)) = (lexer.value(0), lexer.value(0)) else { continue };
        lexer.keyword(b"obj");
        let dict = lexer.value(0);
        if !matches!(dict, Val::Dict(_)) || !lexer.keyword(b"stream") {
            continue;
        }
        // The offsets are sorted: if any one at or before the header is
        // separated from it by white space only, the nearest one is.
        let nearest = xref_offsets.partition_point(|&o| o <= header).checked_sub(1).map(|i| xref_offsets[i]);
        let is_xref_position = nearest.is_some_and(|o| buf[o..header].iter().all(u8::is_ascii_whitespace));
        let object_stream = dict.get(b"Type").is_some_and(|t| t.is_name(b"ObjStm"));
        let xref_stream = is_xref_position || dict.get(b"Type").is_some_and(|t| t.is_name(b"XRef"));
        if !(object_stream || xref_stream) {
            continue;
        }
        if xref_stream {
            check_xref_widths(&dict)?;
        }
        if object_stream {
            let declared = dict.get(b"N").and_then(Val::int).unwrap_or(0).max(0);
            out.objects = out.objects.saturating_add(declared as u64);
            if out.objects > u64::from(budget.max_objects) {
                return Err(Refusal::budget(format!("more than {} objects", budget.max_objects)));
            }
        }
        let data = stream_data(buf, lexer.after_eol(), &dict, &headers, &mut index);
        let Some(chain) = chain(&dict) else { continue };
        // lopdf decodes the filters it knows in order and stops at the first it does not.
        let known: Vec<Filter> = chain.iter().map_while(|f| *f).collect();
        if known.is_empty() {
            continue;
        }
        let limit = budget.stream_limit(data.len() as u64).min(budget.parse_left(out.decoded));
        let produced = match filters::decode(data, &known, limit.limit, false) {
            Decoded::Done { produced, .. } => produced,
            Decoded::OverLimit => return Err(budget.refuse(limit, "an object or cross-reference stream")),
        };
        check_predictor(&dict, produced)?;
        budget.spend(produced);
        out.decoded += produced;
    }
    Ok(out)
}

/// The filter chain of a stream dictionary, in decoding order; `None` in place of a filter the
/// bounded decoders do not know. No `/Filter` is an empty chain.
fn chain(dict: &Val) -> Option<Vec<Option<Filter>>> {
    let name = |v: &Val| match v {
        Val::Name(n) => Some(Filter::from_name(n)),
        _ => None,
    };
    match dict.get(b"Filter")? {
        Val::Array(items) => Some(items.iter().filter_map(name).collect()),
        other => name(other).map(|f| vec![f]),
    }
}

/// The bytes of a stream, as lopdf takes them: exactly `/Length` bytes after the `stream` line.
/// An indirect length is looked up in the raw file (the largest definition wins, since the
/// cross-reference table may pick any); without a usable length, the data runs to `endstream`.
fn stream_data<'a>(
    buf: &'a [u8],
    start: usize,
    dict: &Val,
    headers: &[usize],
    index: &mut Option<HashMap<(u32, u16), Vec<usize>>>,
) -> &'a [u8] {
    let rest = &buf[start.min(buf.len())..];
    let length = match dict.get(b"Length") {
        Some(Val::Int(n)) => Some(*n),
        Some(Val::Ref(num, gen)) => {
            let index = index.get_or_insert_with(|| header_index(buf, headers));
            indirect_int(buf, index.get(&(*num, *gen)).map(Vec::as_slice).unwrap_or_default())
        }
        _ => None,
    };
    match length.and_then(|n| usize::try_from(n).ok()) {
        Some(n) => &rest[..n.min(rest.len())],
        None => &rest[..find(rest, b"endstream", 0).unwrap_or(rest.len())],
    }
}

/// Where each object number is defined (built once, when an indirect length first needs it).
fn header_index(buf: &[u8], headers: &[usize]) -> HashMap<(u32, u16), Vec<usize>> {
    let mut index: HashMap<(u32, u16), Vec<usize>> = HashMap::new();
    for &header in headers {
        let mut lexer = Lexer { b: buf, pos: header };
        if let (Val::Int(num), Val::Int(gen)) = (lexer.value(0), lexer.value(0)) {
            if let (Ok(num), Ok(gen), true) = (u32::try_from(num), u16::try_from(gen), lexer.keyword(b"obj")) {
                index.entry((num, gen)).or_default().push(lexer.pos);
            }
        }
    }
    index
}

/// The largest integer any of an object's definitions (their bodies at `bodies`) holds.
fn indirect_int(buf: &[u8], bodies: &[usize]) -> Option<i64> {
    bodies.iter().filter_map(|&pos| Lexer { b: buf, pos }.value(0).int()).max()
}

/// §7.5.8.2: the `/W` widths of a cross-reference stream; lopdf allocates a buffer of each.
fn check_xref_widths(dict: &Val) -> Result<(), Refusal> {
    if let Some(Val::Array(widths)) = dict.get(b"W") {
        if widths.iter().any(|w| w.int().is_some_and(|w| !(0..=MAX_XREF_FIELD).contains(&w))) {
            return Err(Refusal {
                code: codes::MALFORMED,
                message: "cross-reference stream with impossible field widths".into(),
            });
        }
    }
    Ok(())
}

/// §7.4.4.4: a PNG predictor works on rows of `Colors × BitsPerComponent / 8 × Columns` bytes, and
/// lopdf allocates two rows before looking at the data: a row longer than the data is refused.
fn check_predictor(dict: &Val, produced: u64) -> Result<(), Refusal> {
    let Some(params) = dict.get(b"DecodeParms") else { return Ok(()) };
    let param = |k: &[u8], default: i64| params.get(k).and_then(Val::int).unwrap_or(default);
    if !(10..=15).contains(&param(b"Predictor", 1)) {
        return Ok(());
    }
    let row = predictor_row(param(b"Colors", 1), param(b"BitsPerComponent", 8), param(b"Columns", 1));
    if row.is_none_or(|row| row > produced.max(1)) {
        return Err(Refusal { code: codes::MALFORMED, message: "predictor rows longer than the stream".into() });
    }
    Ok(())
}

/// A PNG predictor's row length as lopdf computes it (colors and bits of at least 1 and 8).
pub(super) fn predictor_row(colors: i64, bits: i64, columns: i64) -> Option<u64> {
    let (colors, bits, columns) = (colors.max(1) as u64, bits.max(8) as u64, columns.max(1) as u64);
    colors.checked_mul(bits)?.checked_div(8)?.checked_mul(columns)
}

/// Offsets the loader reads cross-reference data from: after `startxref`, `/Prev` and `/XRefStm`.
fn xref_offsets(buf: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    for key in [&b"startxref"[..], b"/Prev", b"/XRefStm"] {
        let mut at = 0;
        while let Some(pos) = find(buf, key, at) {
            at = pos + key.len();
            let mut lexer = Lexer { b: buf, pos: at };
            lexer.space();
            let digits = lexer.b[lexer.pos..].iter().take_while(|b| b.is_ascii_digit()).count();
            let number = std::str::from_utf8(&lexer.b[lexer.pos..lexer.pos + digits]).ok().and_then(|s| s.parse().ok());
            if let Some(offset) = number.filter(|&o: &usize| o < buf.len()) {
                offsets.push(offset);
            }
            if offsets.len() > 10_000 {
                break;
            }
        }
    }
    offsets.sort_unstable();
    offsets.dedup();
    offsets
}

/// The start of `N G` before the `obj` keyword at `obj`, when it is an object header.
fn header_start(buf: &[u8], obj: usize) -> Option<usize> {
    if obj >= 3 && &buf[obj - 3..obj] == b"end" {
        return None;
    }
    if buf.get(obj + 3).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut i = obj;
    let mut numbers = 0;
    while numbers < 2 {
        let spaces = buf[..i].iter().rev().take_while(|c| c.is_ascii_whitespace()).count();
        if spaces == 0 {
            return None;
        }
        i -= spaces;
        let digits = buf[..i].iter().rev().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i -= digits;
        numbers += 1;
    }
    Some(i)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| p + from)
}

/// A small reader of PDF syntax (§7.2, §7.3): enough to read a dictionary and tell that a stream
/// follows. It keeps at most `MAX_KEPT` entries per container and nests at most `MAX_DEPTH` deep.
struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// White space and comments (§7.2.3, §7.2.4).
    fn space(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() || c == 0 {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn keyword(&mut self, word: &[u8]) -> bool {
        self.space();
        if self.b[self.pos.min(self.b.len())..].starts_with(word) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// The position after the end-of-line that follows `stream` (§7.3.8.1).
    fn after_eol(&self) -> usize {
        let mut p = self.pos;
        while self.b.get(p) == Some(&b' ') {
            p += 1;
        }
        match (self.b.get(p), self.b.get(p + 1)) {
            (Some(b'\r'), Some(b'\n')) => p + 2,
            (Some(b'\n' | b'\r'), _) => p + 1,
            _ => p,
        }
    }

    fn is_delimiter(c: u8) -> bool {
        c.is_ascii_whitespace() || b"()<>[]{}/%".contains(&c) || c == 0
    }

    fn regular(&mut self) -> &[u8] {
        let start = self.pos;
        while self.peek().is_some_and(|c| !Self::is_delimiter(c)) {
            self.pos += 1;
        }
        &self.b[start..self.pos]
    }

    fn value(&mut self, depth: usize) -> Val {
        self.space();
        if depth > MAX_DEPTH {
            return Val::Other;
        }
        let Some(c) = self.peek() else { return Val::Other };
        match c {
            b'/' => {
                self.pos += 1;
                Val::Name(self.regular().to_vec())
            }
            b'<' if self.b.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut entries = Vec::new();
                loop {
                    self.space();
                    match self.peek() {
                        Some(b'>') => {
                            self.pos += if self.b.get(self.pos + 1) == Some(&b'>') { 2 } else { 1 };
                            return Val::Dict(entries);
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.regular().to_vec();
                            let value = self.value(depth + 1);
                            if entries.len() < MAX_KEPT {
                                entries.push((key, value));
                            }
                        }
                        // Not a dictionary after all: give up on it.
                        _ => return Val::Other,
                    }
                }
            }
            b'<' => {
                self.skip_until(b'>');
                Val::Other
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.space();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return Val::Array(items);
                        }
                        None | Some(b'>' | b')' | b'}') => return Val::Other,
                        Some(_) => {
                            let before = self.pos;
                            let item = self.value(depth + 1);
                            if self.pos == before {
                                return Val::Other;
                            }
                            if items.len() < MAX_KEPT {
                                items.push(item);
                            }
                        }
                    }
                }
            }
            b'(' => {
                self.literal_string();
                Val::Other
            }
            b'0'..=b'9' | b'+' | b'-' | b'.' => self.number_or_ref(),
            _ => {
                self.regular();
                Val::Other
            }
        }
    }

    fn skip_until(&mut self, end: u8) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == end {
                break;
            }
        }
    }

    /// §7.3.4.2: balanced parentheses, backslash escapes.
    fn literal_string(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'\\' => self.pos += 1,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn number_or_ref(&mut self) -> Val {
        let token = self.regular();
        let Some(first) = std::str::from_utf8(token).ok().and_then(|s| s.parse::<i64>().ok()) else {
            return Val::Other;
        };
        // `num gen R` (§7.3.10), else the number alone.
        let save = self.pos;
        self.space();
        let gen_token = self.regular();
        let gen = std::str::from_utf8(gen_token).ok().and_then(|s| s.parse::<u16>().ok());
        if let (Some(gen), Ok(num)) = (gen, u32::try_from(first)) {
            self.space();
            if self.peek() == Some(b'R') && self.b.get(self.pos + 1).is_none_or(|&c| Self::is_delimiter(c)) {
                self.pos += 1;
                return Val::Ref(num, gen);
            }
        }
        self.pos = save;
        Val::Int(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stream_dictionaries() {
        let src = b"<< /Type /ObjStm /N 3 /Length 12 0 R /Filter [/FlateDecode] /DecodeParms << /Columns 4 >> /S (a\\)b) >>\nstream\r\nxx";
        let mut lexer = Lexer { b: src, pos: 0 };
        let dict = lexer.value(0);
        assert!(dict.get(b"Type").is_some_and(|t| t.is_name(b"ObjStm")));
        assert_eq!(dict.get(b"Length"), Some(&Val::Ref(12, 0)));
        assert_eq!(dict.get(b"N").and_then(Val::int), Some(3));
        assert_eq!(chain(&dict), Some(vec![Some(Filter::Flate)]));
        assert!(lexer.keyword(b"stream"));
        assert_eq!(&src[lexer.after_eol()..], b"xx");
    }

    #[test]
    fn object_headers() {
        let buf = b"%PDF-1.7\n12 0 obj\n<<>>\nendobj x1 0 obj";
        let obj = find(buf, b"obj", 0).unwrap_or(0);
        assert_eq!(header_start(buf, obj), Some(9));
        let end = find(buf, b"endobj", 0).unwrap_or(0) + 3;
        assert_eq!(header_start(buf, end), None);
    }
}
