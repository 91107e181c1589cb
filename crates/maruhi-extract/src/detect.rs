//! Format detection: magic bytes first, the file extension second, then text versus binary.

use crate::Format;

/// How many leading bytes decide text versus binary (as ripgrep and git do: a NUL means binary).
const SNIFF: usize = 8 * 1024;

pub(crate) fn detect(name: &str, bytes: &[u8]) -> Format {
    let ext = extension(name);
    if let Some(f) = by_magic(name, bytes) {
        return f;
    }
    if let Some(f) = by_extension(&ext) {
        return f;
    }
    if looks_binary(bytes) {
        return Format::Unknown;
    }
    if looks_like_mail(bytes) {
        return Format::Eml;
    }
    let head = trim_start(bytes);
    if starts_with_ci(head, b"<!doctype html") || starts_with_ci(head, b"<html") {
        return Format::Html;
    }
    if head.starts_with(b"<?xml") {
        return Format::Xml;
    }
    Format::Text
}

/// The lowercase extension of the last path component (after any `!/`).
pub(crate) fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn by_magic(name: &str, bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") || bytes.starts_with(b"PK\x07\x08") {
        // Which kind of zip (plain, OOXML, ODF) is decided from its members once it is open.
        return Some(Format::Zip);
    }
    // PDF readers accept the header anywhere in the first KiB.
    if memfind(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return Some(Format::Pdf);
    }
    if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // OLE2: legacy Office, read by its streams; the extension only names it.
        let ext = extension(name);
        return Some(match ext.as_str() {
            "doc" | "dot" => Format::Doc,
            "xls" | "xlt" => Format::Xls,
            "ppt" | "pps" | "pot" => Format::Ppt,
            _ => Format::Unknown,
        });
    }
    if bytes.starts_with(b"{\\rtf") {
        return Some(Format::Rtf);
    }
    if bytes.starts_with(b"ISO-10303-21;") {
        return Some(Format::Step);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if bytes.len() >= 262 && &bytes[257..262] == b"ustar" {
        return Some(Format::Tar);
    }
    const IMAGES: &[&[u8]] = &[b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\0", b"MM\0*"];
    if IMAGES.iter().any(|m| bytes.starts_with(m)) {
        return Some(Format::Image);
    }
    // Most binaries hold a NUL early and fail `looks_binary`; these prefixes are caught sooner.
    const BINARY: &[&[u8]] = &[
        b"\x7fELF",
        b"7z\xbc\xaf\x27\x1c",
        b"\xfd7zXZ",
        b"\x28\xb5\x2f\xfd",
        b"\xca\xfe\xba\xbe",
        b"\xcf\xfa\xed\xfe",
    ];
    if BINARY.iter().any(|m| bytes.starts_with(m)) {
        return Some(Format::Unknown);
    }
    None
}

fn by_extension(ext: &str) -> Option<Format> {
    Some(match ext {
        "txt" | "text" | "log" => Format::Text,
        "md" | "markdown" => Format::Markdown,
        "csv" | "tsv" => Format::Csv,
        "html" | "htm" | "xhtml" => Format::Html,
        "xml" | "svg" | "xsd" | "xsl" | "rss" | "atom" | "plist" => Format::Xml,
        "json" | "jsonl" | "ndjson" | "geojson" => Format::Json,
        "docx" | "docm" | "dotx" => Format::Docx,
        "xlsx" | "xlsm" | "xltx" => Format::Xlsx,
        "pptx" | "pptm" | "potx" => Format::Pptx,
        "odt" => Format::Odt,
        "ods" => Format::Ods,
        "odp" => Format::Odp,
        "rtf" => Format::Rtf,
        "dxf" => Format::Dxf,
        "stp" | "step" | "p21" => Format::Step,
        "nc" | "ngc" | "gcode" | "gc" | "tap" | "cnc" | "mpf" | "eia" => Format::Gcode,
        "png" | "jpg" | "jpeg" | "tif" | "tiff" => Format::Image,
        "pdf" => Format::Pdf,
        "eml" => Format::Eml,
        "zip" => Format::Zip,
        "tar" => Format::Tar,
        "gz" | "tgz" => Format::Gzip,
        _ => return None,
    })
}

/// A NUL byte in the first few KiB means binary, unless a UTF-16 or UTF-32 byte-order mark says
/// otherwise.
pub(crate) fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return false;
    }
    memchr_nul(&bytes[..bytes.len().min(SNIFF)])
}

fn memchr_nul(bytes: &[u8]) -> bool {
    bytes.contains(&0)
}

/// A mail starts with header fields that plain text rarely starts with.
fn looks_like_mail(bytes: &[u8]) -> bool {
    const HEADERS: &[&[u8]] = &[
        b"return-path:",
        b"received:",
        b"delivered-to:",
        b"mime-version:",
        b"message-id:",
        b"x-mozilla-status:",
        b"dkim-signature:",
        b"arc-seal:",
        b"authentication-results:",
    ];
    HEADERS.iter().any(|h| starts_with_ci(bytes, h))
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    &bytes[start..]
}

pub(crate) fn starts_with_ci(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

pub(crate) fn memfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
