//! The budgets of one top-level file, and the dispatch from a detected format to its extractor.
#![allow(clippy::disallowed_methods, reason = "the extraction time budget is wall-clock time by definition")]

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::{codes, detect, text, Diagnostic, Document, Extraction, FileDigest, Format, Limits};

/// Members up to this size are exempt from the ratio check: small repetitive files compress far
/// beyond any sane ratio and cannot hurt.
pub(crate) const RATIO_FLOOR: u64 = 1024 * 1024;

/// Budgets and results for one top-level file.
pub(crate) struct Ctx<'l> {
    pub(crate) limits: &'l Limits,
    deadline: Instant,
    expanded: u64,
    text: u64,
    members: u32,
    timed_out: bool,
    text_full: bool,
    members_full: bool,
    pub(crate) bytes_read: u64,
    documents: Vec<Document>,
    files: Vec<FileDigest>,
    diagnostics: Vec<Diagnostic>,
}

impl<'l> Ctx<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        let now = Instant::now();
        Self {
            limits,
            // A budget too large for the clock is as good as none: a day will do.
            deadline: now
                .checked_add(limits.time_budget)
                .or_else(|| now.checked_add(std::time::Duration::from_secs(86_400)))
                .unwrap_or(now),
            expanded: 0,
            text: 0,
            members: 0,
            timed_out: false,
            text_full: false,
            members_full: false,
            bytes_read: 0,
            documents: Vec::new(),
            files: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> Extraction {
        Extraction {
            documents: self.documents,
            files: self.files,
            diagnostics: self.diagnostics,
            bytes_read: self.bytes_read,
        }
    }

    pub(crate) fn diag(&mut self, path: &str, code: &'static str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { path: path.to_owned(), code, message: message.into() });
    }

    /// What is left of the file's expanded-bytes budget.
    pub(crate) fn expanded_left(&self) -> u64 {
        self.limits.max_expanded_bytes.saturating_sub(self.expanded)
    }

    /// Counts bytes decoded elsewhere (the PDF helper thread) against the expanded-bytes budget.
    pub(crate) fn add_expanded(&mut self, bytes: u64) {
        self.expanded = self.expanded.saturating_add(bytes);
    }

    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the time budget is spent; the first call after that records the diagnostic.
    pub(crate) fn out_of_time(&mut self, path: &str) -> bool {
        if self.timed_out {
            return true;
        }
        if Instant::now() >= self.deadline {
            self.timed_out = true;
            let secs = self.limits.time_budget.as_secs_f64();
            self.diag(path, codes::TIME_BUDGET, format!("time budget of {secs:.1} s exhausted; extraction stopped"));
            return true;
        }
        false
    }

    /// Records that the time budget ran out while a helper (PDF parser) was still working.
    pub(crate) fn timed_out_in(&mut self, path: &str, what: &str) {
        if !self.timed_out {
            self.timed_out = true;
            let secs = self.limits.time_budget.as_secs_f64();
            self.diag(path, codes::TIME_BUDGET, format!("time budget of {secs:.1} s exhausted during {what}"));
        }
    }

    /// Counts one archive or mail member; false (with one diagnostic) once the limit is passed.
    pub(crate) fn count_member(&mut self, path: &str) -> bool {
        if self.members_full {
            return false;
        }
        if self.members >= self.limits.max_members {
            self.members_full = true;
            let max = self.limits.max_members;
            self.diag(path, codes::TOO_MANY_MEMBERS, format!("more than {max} members; the rest are skipped"));
            return false;
        }
        self.members += 1;
        true
    }

    /// Adds a document, cutting its text at the text budget.
    pub(crate) fn push(&mut self, path: &str, format: Format, mut text: String) {
        if text.trim().is_empty() || self.text_full {
            return;
        }
        let remaining = self.limits.max_text_bytes.saturating_sub(self.text);
        if text.len() as u64 > remaining {
            let mut cut = usize::try_from(remaining).unwrap_or(usize::MAX).min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            self.text_full = true;
            let max = self.limits.max_text_bytes;
            self.diag(path, codes::TEXT_TRUNCATED, format!("text limit of {max} bytes reached; text truncated"));
            if text.is_empty() {
                return;
            }
        }
        self.text += text.len() as u64;
        self.documents.push(Document { path: path.to_owned(), format, text });
    }

    /// Reads a decompressing reader within the budgets. `compressed` is the member's stored size
    /// (for the ratio check), `declared` its claimed expanded size (untrusted, used to refuse early
    /// and to size the buffer). `None` means a diagnostic was recorded and the member is skipped.
    pub(crate) fn read_member(
        &mut self,
        path: &str,
        reader: &mut dyn Read,
        compressed: u64,
        declared: Option<u64>,
    ) -> Option<Vec<u8>> {
        let remaining = self.limits.max_expanded_bytes.saturating_sub(self.expanded);
        let ratio_cap = compressed.saturating_mul(u64::from(self.limits.max_ratio)).max(RATIO_FLOOR);
        let limit = remaining.min(ratio_cap).min(self.limits.max_file_bytes);
        let refuse = |cx: &mut Self, size: u64| {
            if limit == ratio_cap {
                let max = cx.limits.max_ratio;
                cx.diag(
                    path,
                    codes::RATIO_EXCEEDED,
                    format!("compression ratio above {max} ({compressed} bytes expand to more than {size}); possible zip bomb, skipped"),
                );
            } else if limit == remaining {
                let max = cx.limits.max_expanded_bytes;
                cx.diag(
                    path,
                    codes::EXPANDED_EXCEEDED,
                    format!("total expanded size limit of {max} bytes reached; skipped"),
                );
            } else {
                let max = cx.limits.max_file_bytes;
                cx.diag(path, codes::FILE_TOO_LARGE, format!("member expands to more than {max} bytes; skipped"));
            }
            None
        };
        if let Some(size) = declared {
            if size > limit {
                return refuse(self, size);
            }
        }
        let capacity = declared.unwrap_or(0).min(limit).min(64 * 1024 * 1024);
        let mut buf = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        match reader.take(limit.saturating_add(1)).read_to_end(&mut buf) {
            Ok(_) => {}
            Err(e) => {
                self.expanded = self.expanded.saturating_add(buf.len() as u64);
                let msg = match e.kind() {
                    std::io::ErrorKind::Unsupported => "unsupported compression or encryption",
                    _ => "corrupt or truncated compressed data",
                };
                let code =
                    if e.kind() == std::io::ErrorKind::Unsupported { codes::UNSUPPORTED } else { codes::MALFORMED };
                self.diag(path, code, format!("{msg}; skipped"));
                return None;
            }
        }
        self.expanded = self.expanded.saturating_add(buf.len() as u64);
        if buf.len() as u64 > limit {
            return refuse(self, limit);
        }
        Some(buf)
    }
}

/// Joins a container path and a member name into a display path.
pub(crate) fn member_path(outer: &str, member: &str) -> String {
    format!("{outer}!/{member}")
}

/// Extracts `bytes` (named `name`, shown as `path`) at nesting `depth`, with an optional format
/// decided by the container (a mail's `message/rfc822` part, say).
pub(crate) fn extract_into(cx: &mut Ctx<'_>, path: &str, name: &str, bytes: &[u8], depth: u32, hint: Option<Format>) {
    if cx.out_of_time(path) {
        return;
    }
    if depth > cx.limits.max_depth {
        let max = cx.limits.max_depth;
        cx.diag(path, codes::TOO_DEEP, format!("nested deeper than {max} levels; skipped"));
        return;
    }
    let format = hint.unwrap_or_else(|| detect::detect(name, bytes));
    if cx.limits.hash_files {
        let sha256: [u8; 32] = Sha256::digest(bytes).into();
        cx.files.push(FileDigest { path: path.to_owned(), format, size: bytes.len() as u64, sha256 });
    }
    let result = catch_unwind(AssertUnwindSafe(|| dispatch(cx, path, name, bytes, depth, format)));
    if result.is_err() {
        let f = format.as_str();
        cx.diag(path, codes::PARSER_PANIC, format!("the {f} parser panicked; the file was skipped"));
    }
}

fn dispatch(cx: &mut Ctx<'_>, path: &str, name: &str, bytes: &[u8], depth: u32, format: Format) {
    match format {
        Format::Text | Format::Markdown | Format::Csv => {
            let text = text::decode(bytes, None);
            cx.push(path, format, text);
        }
        Format::Json => {
            let text = text::decode(bytes, None);
            cx.push(path, format, crate::markup::json_unescape(&text));
        }
        Format::Html => {
            let text = text::decode(bytes, crate::markup::html_charset(bytes));
            cx.push(path, format, crate::markup::markup_to_text(&text, true));
        }
        Format::Xml => {
            let text = text::decode(bytes, crate::markup::xml_charset(bytes));
            cx.push(path, format, crate::markup::markup_to_text(&text, false));
        }
        Format::Docx | Format::Xlsx | Format::Pptx | Format::Odt | Format::Ods | Format::Odp | Format::Zip => {
            crate::archive::zip(cx, path, bytes, depth, format)
        }
        Format::Pdf => crate::pdf::extract(cx, path, bytes),
        Format::Eml => crate::mail::extract(cx, path, bytes, depth),
        Format::Tar => crate::archive::tar(cx, path, bytes, depth),
        Format::Gzip => crate::archive::gzip(cx, path, name, bytes, depth),
        Format::Doc | Format::Xls | Format::Ppt => crate::legacy::ole(cx, path, name, bytes),
        Format::Image => crate::ocr::image(cx, path, bytes),
        Format::Dxf | Format::Step | Format::Gcode => {
            let text = text::decode(bytes, None);
            let canonical = match format {
                Format::Dxf => crate::cad::dxf_text(&text),
                Format::Step => crate::cad::step_text(&text),
                _ => Some(crate::cad::gcode_text(&text)),
            };
            match canonical {
                Some(c) => cx.push(path, format, c),
                // Named like a drawing but not one (or a binary DXF): whatever text it has.
                None if !detect::looks_binary(bytes) => cx.push(path, Format::Text, text),
                None => {}
            }
        }
        Format::Ocr => {}
        Format::Rtf => {
            let text = crate::legacy::rtf_text(bytes);
            cx.push(path, format, text);
        }
        Format::Unknown => {
            // An encrypted Office file is an OLE2 compound file (MS-OFFCRYPTO), not a ZIP.
            let office_name =
                matches!(detect::extension(name).as_str(), "docx" | "xlsx" | "pptx" | "docm" | "xlsm" | "pptm");
            if office_name && bytes.starts_with(b"\xd0\xcf\x11\xe0") {
                cx.diag(path, codes::ENCRYPTED, "password-protected Office file; no password is tried");
            } else if bytes.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
                // A legacy Office file under another name (a mail attachment named .bin, say).
                crate::legacy::ole(cx, path, name, bytes);
            }
        }
    }
}
