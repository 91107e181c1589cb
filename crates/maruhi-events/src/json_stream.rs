//! Top-level JSON objects from a byte stream, whatever their packaging: JSON
//! Lines, concatenated or pretty-printed objects, the elements of a JSON
//! array, and (for `jsonl`) the hits of an Elasticsearch `_search` response
//! (`{"hits":{"hits":[…]}}`), streamed however large the response is.
//!
//! Only string and nesting state is kept; the objects themselves are parsed
//! by the caller. A malformed record ends only itself:
//!
//! - an array element that is not an object is skipped up to the next `,`;
//! - text outside any object is skipped to the end of its line;
//! - an object broken in its structure (a string running past the end of
//!   its line, which JSON forbids, an object longer than
//!   [`MAX_RECORD_BYTES`] or one still open at the end of the input) is
//!   reported at the line it starts on, and reading resumes on its next line
//!   (the lines it swallowed are read again), skipping quietly what is left
//!   of it up to a line that starts a new object.

use std::collections::VecDeque;
use std::io::{self, BufRead};

use crate::{BadRecord, MAX_RECORD_BYTES};

pub(crate) enum Item<'a> {
    /// An object's bytes and the line it starts on.
    Record(u64, &'a [u8]),
    Bad(BadRecord),
    /// A blank line between records (JSON Lines count it as skipped).
    Blank,
}

/// Where the scanner is between records.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Outside everything (`depth` counts open top-level arrays, which are
    /// flattened).
    Top { arrays: u32 },
    /// Inside the `hits.hits` array of a search response, at this depth.
    Hits { depth: u32 },
    /// After the `hits.hits` array: the rest of the response, skipped, down
    /// to depth 0.
    SkipRest { depth: u32 },
}

pub(crate) struct JsonRecords<R> {
    reader: R,
    /// Bytes to read again before `reader` (the lines a broken record
    /// swallowed).
    replay: VecDeque<u8>,
    buf: Vec<u8>,
    /// Lines completed so far.
    line: u64,
    done: bool,
    ctx: Ctx,
    /// Whether to look into search responses.
    search_hits: bool,
    /// After a broken record: skip lines until one starts an object.
    recovering: bool,
    /// Only blanks seen on the current line so far.
    line_blank: bool,
}

/// What scanning one object ended with.
enum End {
    Closed,
    /// A `hits.hits` array opened at this depth (search responses only).
    Hits(u32),
    /// A raw line feed inside a string: the string was never closed.
    NewlineInString,
    /// A line starting with `{` in its first column while the object is
    /// still open: it lost its end, and the next record starts there.
    NextRecord,
    TooLong,
    Eof,
}

impl<R: BufRead> JsonRecords<R> {
    pub(crate) fn new(reader: R, search_hits: bool) -> Self {
        JsonRecords {
            reader,
            replay: VecDeque::new(),
            buf: Vec::new(),
            line: 0,
            done: false,
            ctx: Ctx::Top { arrays: 0 },
            search_hits,
            recovering: false,
            line_blank: true,
        }
    }

    /// The next byte without consuming it.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        if let Some(&b) = self.replay.front() {
            return Ok(Some(b));
        }
        loop {
            match self.reader.fill_buf() {
                Ok(buf) => return Ok(buf.first().copied()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn bump(&mut self, b: u8) {
        if self.replay.pop_front().is_none() {
            self.reader.consume(1);
        }
        if b == b'\n' {
            self.line += 1;
            self.line_blank = true;
        } else if !matches!(b, b' ' | b'\t' | b'\r') {
            self.line_blank = false;
        }
    }

    fn read_failed(&mut self, e: &io::Error) -> Item<'_> {
        self.done = true;
        Item::Bad(BadRecord::new(self.line + 1, format!("read failed: {}; reading stopped", e.kind())))
    }

    pub(crate) fn next_item(&mut self) -> Option<Item<'_>> {
        loop {
            if self.done {
                return None;
            }
            let b = match self.peek() {
                Ok(Some(b)) => b,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => return Some(self.read_failed(&e)),
            };
            if self.recovering {
                // Skip what is left of a broken record, up to a line whose
                // first non-blank byte opens an object.
                if b == b'{' && self.line_blank {
                    self.recovering = false;
                    self.ctx = Ctx::Top { arrays: 0 };
                } else {
                    self.bump(b);
                    continue;
                }
            }
            match self.ctx {
                Ctx::SkipRest { depth } => {
                    // Skip strings and nesting down to the response's end.
                    match self.skip_value_rest(depth) {
                        Ok(()) => self.ctx = Ctx::Top { arrays: 0 },
                        Err(e) => return Some(self.read_failed(&e)),
                    }
                    continue;
                }
                Ctx::Top { arrays } => match b {
                    b'{' => {}
                    b'[' => {
                        self.bump(b);
                        self.ctx = Ctx::Top { arrays: arrays.saturating_add(1) };
                        continue;
                    }
                    b']' => {
                        self.bump(b);
                        self.ctx = Ctx::Top { arrays: arrays.saturating_sub(1) };
                        continue;
                    }
                    b'\n' if arrays == 0 && self.line_blank => {
                        self.bump(b);
                        return Some(Item::Blank);
                    }
                    b',' | b' ' | b'\t' | b'\r' | b'\n' => {
                        self.bump(b);
                        continue;
                    }
                    _ if arrays > 0 => {
                        let line = self.line + 1;
                        if let Err(e) = self.skip_element() {
                            return Some(self.read_failed(&e));
                        }
                        return Some(Item::Bad(BadRecord::new(line, "array element is not a JSON object")));
                    }
                    _ => {
                        // Not JSON: the rest of the line goes with it.
                        let line = self.line + 1;
                        if let Err(e) = self.skip_line() {
                            return Some(self.read_failed(&e));
                        }
                        return Some(Item::Bad(BadRecord::new(line, "expected a JSON object")));
                    }
                },
                Ctx::Hits { depth } => match b {
                    b'{' => {}
                    b']' => {
                        self.bump(b);
                        // The array closed: back in the `hits` object.
                        self.ctx = Ctx::SkipRest { depth: depth - 1 };
                        continue;
                    }
                    b',' | b' ' | b'\t' | b'\r' | b'\n' => {
                        self.bump(b);
                        continue;
                    }
                    _ => {
                        let line = self.line + 1;
                        if let Err(e) = self.skip_element() {
                            return Some(self.read_failed(&e));
                        }
                        return Some(Item::Bad(BadRecord::new(line, "array element is not a JSON object")));
                    }
                },
            }
            // An object starts here.
            let start = self.line + 1;
            let top = matches!(self.ctx, Ctx::Top { .. });
            let end = match self.scan_object(top && self.search_hits) {
                Ok(end) => end,
                Err(e) => return Some(self.read_failed(&e)),
            };
            match end {
                End::Closed => return Some(Item::Record(start, &self.buf)),
                End::Hits(depth) => {
                    self.buf.clear();
                    self.ctx = Ctx::Hits { depth };
                }
                End::NewlineInString => {
                    // The line feed is consumed; the next line is read anew.
                    self.recovering = true;
                    return Some(Item::Bad(BadRecord::new(
                        start,
                        "malformed JSON: a string is not closed on its line",
                    )));
                }
                End::NextRecord => {
                    // The `{` that starts the next record is not consumed.
                    self.ctx = Ctx::Top { arrays: 0 };
                    return Some(Item::Bad(BadRecord::new(
                        start,
                        "malformed JSON: the object is not closed before the next line that starts one",
                    )));
                }
                End::TooLong | End::Eof => {
                    let too_long = matches!(end, End::TooLong);
                    // Read again what followed the record's first line; if the
                    // record is still on its first line, skip to its end.
                    match memchr::memchr(b'\n', &self.buf) {
                        Some(i) => {
                            let rest = self.buf[i + 1..].to_vec();
                            for b in rest.into_iter().rev() {
                                self.replay.push_front(b);
                            }
                            self.line = start;
                            self.line_blank = true;
                            self.done = false;
                        }
                        None if too_long => {
                            if let Err(e) = self.skip_line() {
                                return Some(self.read_failed(&e));
                            }
                        }
                        None => {}
                    }
                    self.recovering = true;
                    self.ctx = Ctx::Top { arrays: 0 };
                    let message = if too_long {
                        format!("record longer than {MAX_RECORD_BYTES} bytes; skipped")
                    } else {
                        "JSON object not closed at end of input".to_owned()
                    };
                    return Some(Item::Bad(BadRecord::new(start, message)));
                }
            }
        }
    }

    /// Skips to the end of the current line (its line feed included).
    fn skip_line(&mut self) -> io::Result<()> {
        while let Some(c) = self.peek()? {
            self.bump(c);
            if c == b'\n' {
                break;
            }
        }
        Ok(())
    }

    /// Reads one object into `buf`, starting at its `{`. With `hits`, stops
    /// where the `hits.hits` array of a search response opens.
    fn scan_object(&mut self, hits: bool) -> io::Result<End> {
        self.buf.clear();
        let mut depth: u32 = 0;
        let mut in_string = false;
        let mut escaped = false;
        // Search responses: whether the key just read, at depth 1 and 2, is
        // `hits`, and whether the value being read belongs to such a key.
        let mut string_start = 0;
        let mut last_string_hits = false;
        let mut key_hits = [false; 3];
        loop {
            // Fast path inside a string: copy up to the next quote, escape or
            // line feed at once.
            if in_string && !escaped && self.replay.is_empty() {
                let chunk = loop {
                    match self.reader.fill_buf() {
                        Ok(c) => break c,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                if chunk.is_empty() {
                    return Ok(End::Eof);
                }
                let n = memchr::memchr3(b'"', b'\\', b'\n', chunk).unwrap_or(chunk.len());
                if n > 0 {
                    if self.buf.len() + n > MAX_RECORD_BYTES {
                        return Ok(End::TooLong);
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                    self.reader.consume(n);
                    self.line_blank = false;
                    continue;
                }
            }
            let Some(b) = self.peek()? else { return Ok(End::Eof) };
            // An object still open when a line starts with `{` in its first
            // column: JSON Lines whose record lost its end. Pretty-printed
            // objects indent what they nest, so this is the next record;
            // ending the broken one here keeps a file of many such lines
            // linear (each would otherwise swallow up to MAX_RECORD_BYTES
            // of the records after it, to be read again).
            if b == b'{' && depth >= 1 && self.buf.last() == Some(&b'\n') {
                return Ok(End::NextRecord);
            }
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Ok(End::TooLong);
            }
            self.bump(b);
            self.buf.push(b);
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                    last_string_hits = hits && &self.buf[string_start..self.buf.len() - 1] == b"hits";
                } else if b == b'\n' {
                    return Ok(End::NewlineInString);
                }
                continue;
            }
            match b {
                b'"' => {
                    in_string = true;
                    string_start = self.buf.len();
                    last_string_hits = false;
                }
                b':' => {
                    if let Some(k) = key_hits.get_mut(depth as usize) {
                        *k = last_string_hits;
                    }
                }
                b',' => {
                    if let Some(k) = key_hits.get_mut(depth as usize) {
                        *k = false;
                    }
                }
                b'{' | b'[' => {
                    if hits && b == b'[' && depth == 2 && key_hits[1] && key_hits[2] {
                        return Ok(End::Hits(3));
                    }
                    depth = depth.saturating_add(1);
                    if let Some(k) = key_hits.get_mut(depth as usize) {
                        *k = false;
                    }
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(End::Closed);
                    }
                }
                _ => {}
            }
            last_string_hits &= b == b'"' || b.is_ascii_whitespace();
        }
    }

    /// Skips a value that is not an object, inside an array, up to (not
    /// including) the `,` or `]` that ends it.
    fn skip_element(&mut self) -> io::Result<()> {
        let mut depth: u32 = 0;
        let mut in_string = false;
        let mut escaped = false;
        while let Some(b) = self.peek()? {
            if !in_string && depth == 0 && matches!(b, b',' | b']') {
                return Ok(());
            }
            self.bump(b);
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' || b == b'\n' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth = depth.saturating_add(1),
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    /// Skips the rest of a value whose nesting is at `depth`, down to 0.
    fn skip_value_rest(&mut self, mut depth: u32) -> io::Result<()> {
        let mut in_string = false;
        let mut escaped = false;
        while depth > 0 {
            let Some(b) = self.peek()? else { return Ok(()) };
            self.bump(b);
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth = depth.saturating_add(1),
                b'}' | b']' => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(data: &str, hits: bool) -> Vec<String> {
        let mut r = JsonRecords::new(data.as_bytes(), hits);
        let mut out = Vec::new();
        while let Some(item) = r.next_item() {
            out.push(match item {
                Item::Record(line, b) => format!("{line}: {}", String::from_utf8_lossy(b)),
                Item::Bad(bad) => format!("BAD {bad}"),
                Item::Blank => "blank".to_owned(),
            });
        }
        out
    }

    #[test]
    fn packagings() {
        assert_eq!(
            items("{\"a\":1}\n\n{\"b\":2}{\"c\":3}\n", false),
            ["1: {\"a\":1}", "blank", "3: {\"b\":2}", "3: {\"c\":3}"]
        );
        assert_eq!(items("[\n {\"a\":\n  1},\n {\"b\":2}\n]\n", false), ["2: {\"a\":\n  1}", "4: {\"b\":2}"]);
    }

    #[test]
    fn non_objects_in_an_array_end_only_themselves() {
        // Nested arrays are flattened, as concatenated arrays are.
        assert_eq!(
            items("[{\"a\":1},\"x,]\",[1,{}],3,{\"b\":2}]", false),
            [
                "1: {\"a\":1}",
                "BAD line 1: array element is not a JSON object",
                "BAD line 1: array element is not a JSON object",
                "1: {}",
                "BAD line 1: array element is not a JSON object",
                "1: {\"b\":2}"
            ]
        );
    }

    #[test]
    fn broken_objects_end_only_themselves() {
        // An unclosed string, a missing brace, garbage.
        let data = "{\"a\":\"x}\n{\"b\":1}\n{\"c\":{\"d\":1}\n{\"e\":2}\nnot json\n{\"f\":3}\n";
        assert_eq!(
            items(data, false),
            [
                "BAD line 1: malformed JSON: a string is not closed on its line",
                "2: {\"b\":1}",
                "BAD line 3: malformed JSON: the object is not closed before the next line that starts one",
                "4: {\"e\":2}",
                "BAD line 5: expected a JSON object",
                "6: {\"f\":3}"
            ]
        );
    }

    #[test]
    fn many_unclosed_lines_cost_one_line_each() {
        // Each broken line would otherwise swallow the rest of the input, to
        // be read again: quadratic in the number of broken lines.
        let mut data = String::new();
        for i in 0..20_000 {
            data.push_str(if i % 2 == 0 { "{\"broken\":\n" } else { "{\"ok\":1}\n" });
        }
        let items = items(&data, false);
        assert_eq!(items.len(), 20_000);
        assert_eq!(items.iter().filter(|i| i.starts_with("BAD")).count(), 10_000);
        // An indented `{` is nested, as in pretty-printed input: the object
        // runs on, and is read again from its next line if it never closes.
        assert_eq!(
            super::tests::items("{\"a\":\n  {\"b\":1}", false),
            ["BAD line 1: JSON object not closed at end of input", "2: {\"b\":1}"]
        );
    }

    #[test]
    fn search_response_hits_are_streamed() {
        let data = r#"{"took":3,"hits":{"total":{"value":2},"max_score":1.0,"hits":[{"_id":"1","_source":{"hits":[1]}},7,{"_id":"2"}]},"aggregations":{"x":[]}}
{"hits":{"hits":[]}}
{"_id":"3"}"#;
        assert_eq!(
            items(data, true),
            [
                r#"1: {"_id":"1","_source":{"hits":[1]}}"#,
                "BAD line 1: array element is not a JSON object",
                r#"1: {"_id":"2"}"#,
                r#"3: {"_id":"3"}"#
            ]
        );
        // Without the option, a response is one record.
        assert_eq!(items(data, false).len(), 3);
    }
}
