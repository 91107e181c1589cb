//! HTML, XML and JSON to text. The markup reader is tolerant on purpose: leaked documents are
//! often broken, and any text is better than a parse error.

use encoding_rs::Encoding;

use crate::detect::{memfind, starts_with_ci};

/// The charset an HTML document declares in its first KiB (`<meta charset=…>` or
/// `content="text/html; charset=…"`).
pub(crate) fn html_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes[..bytes.len().min(1024)].to_ascii_lowercase();
    let at = memfind(&head, b"charset=")? + b"charset=".len();
    label_at(&head[at..])
}

/// The encoding an XML declaration names (`<?xml version="1.0" encoding="Shift_JIS"?>`).
pub(crate) fn xml_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(256)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = memfind(head, b"?>")?;
    let at = memfind(&head[..end], b"encoding=")? + b"encoding=".len();
    label_at(&head[at..end])
}

fn label_at(rest: &[u8]) -> Option<&'static Encoding> {
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..len])
}

/// Elements whose content is not text for a reader.
const SKIP_CONTENT: &[&str] = &["script", "style", "noscript", "template"];
/// Elements that end a line.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "hr",
    "title",
    "caption",
    "form",
    "nav",
    "aside",
    "main",
    "figure",
    "figcaption",
    "address",
    "option",
];

/// Removes tags, comments, scripts and styles; decodes entities and CDATA. With `html` false, every
/// end tag ends a line (XML has no notion of inline elements).
pub(crate) fn markup_to_text(s: &str, html: bool) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() / 2);
    let mut i = 0;
    while i < b.len() {
        let Some(off) = b[i..].iter().position(|&c| c == b'<' || c == b'&') else {
            out.push_str(s.get(i..).unwrap_or(""));
            break;
        };
        let at = i + off;
        out.push_str(s.get(i..at).unwrap_or(""));
        if b[at] == b'&' {
            i = entity(s, at, &mut out);
            continue;
        }
        let rest = &b[at..];
        if rest.starts_with(b"<!--") {
            i = memfind(&rest[4..], b"-->").map_or(b.len(), |e| at + 4 + e + 3);
        } else if rest.starts_with(b"<![CDATA[") {
            let start = at + 9;
            let end = memfind(&b[start..], b"]]>").map_or(b.len(), |e| start + e);
            out.push_str(s.get(start..end).unwrap_or(""));
            i = (end + 3).min(b.len());
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = rest.iter().position(|&c| c == b'>').map_or(b.len(), |e| at + e + 1);
        } else {
            let closing = rest.get(1) == Some(&b'/');
            let name_start = at + 1 + usize::from(closing);
            let name_len = b[name_start..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b':' | b'.')))
                .unwrap_or(b.len() - name_start);
            if name_len == 0 {
                // A bare `<` in text, as in `a < b`.
                out.push('<');
                i = at + 1;
                continue;
            }
            let name = s.get(name_start..name_start + name_len).unwrap_or("");
            let local = name.rsplit(':').next().unwrap_or(name).to_ascii_lowercase();
            let end = tag_end(b, name_start + name_len);
            i = end;
            if html && !closing && SKIP_CONTENT.contains(&local.as_str()) {
                i = skip_element(b, end, &local);
                continue;
            }
            if html {
                if BLOCK.contains(&local.as_str()) {
                    newline(&mut out);
                } else if matches!(local.as_str(), "td" | "th") && closing {
                    out.push('\t');
                }
            } else if closing || b[..end].ends_with(b"/>") {
                newline(&mut out);
            }
        }
    }
    tidy(&out)
}

/// The index after the `>` that ends a tag, honouring quoted attribute values.
fn tag_end(b: &[u8], mut i: usize) -> usize {
    let mut quote = None;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    b.len()
}

/// Skips to just after `</name …>` (case-insensitive), or to the end.
fn skip_element(b: &[u8], from: usize, name: &str) -> usize {
    let mut i = from;
    while let Some(off) = memfind(&b[i..], b"</") {
        let at = i + off + 2;
        if starts_with_ci(&b[at..], name.as_bytes()) {
            return tag_end(b, at);
        }
        i = at;
    }
    b.len()
}

fn newline(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Decodes the entity at `at` (which holds `&`) into `out`; returns the index after it.
fn entity(s: &str, at: usize, out: &mut String) -> usize {
    let b = s.as_bytes();
    let window = &b[at + 1..b.len().min(at + 34)];
    if let Some(semi) = window.iter().position(|&c| c == b';') {
        let name = s.get(at + 1..at + 1 + semi).unwrap_or("");
        if let Some(c) = decode_entity(name) {
            out.push(c);
            return at + semi + 2;
        }
    }
    out.push('&');
    at + 1
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return Some(char::from_u32(code).unwrap_or('\u{fffd}'));
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "yen" => '¥',
        "euro" => '€',
        "pound" => '£',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "middot" => '·',
        "times" => '×',
        "divide" => '÷',
        "deg" => '°',
        "sect" => '§',
        "para" => '¶',
        "bull" => '•',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

/// Trims line ends and keeps at most one blank line in a row.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.trim_start().is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
            out.push('\n');
        } else {
            blank = 0;
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Decodes the escapes inside JSON strings in place (`\u65e5` → `日`), leaving the rest of the
/// document as it is, so keys, values and numbers all stay searchable.
pub(crate) fn json_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if !in_string {
            in_string = c == '"';
            out.push(c);
            continue;
        }
        match c {
            '"' => {
                in_string = false;
                out.push(c);
            }
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') | Some('f') => out.push(' '),
                Some('u') => {
                    let hi = hex4(&mut chars);
                    let code = match hi {
                        Some(h @ 0xd800..=0xdbff) => {
                            let mut look = chars.clone();
                            let lo = if look.next() == Some('\\') && look.next() == Some('u') {
                                hex4(&mut look)
                            } else {
                                None
                            };
                            match lo {
                                Some(l @ 0xdc00..=0xdfff) => {
                                    chars = look;
                                    Some(0x10000 + ((h - 0xd800) << 10) + (l - 0xdc00))
                                }
                                _ => None,
                            }
                        }
                        other => other,
                    };
                    out.push(code.and_then(char::from_u32).unwrap_or('\u{fffd}'));
                }
                Some(other) => out.push(other),
                None => {}
            },
            _ => out.push(c),
        }
    }
    out
}

fn hex4(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        let d = chars.peek()?.to_digit(16)?;
        chars.next();
        v = v * 16 + d;
    }
    Some(v)
}
