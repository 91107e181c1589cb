//! PDF: pure-Rust `pdf-extract` on a helper thread under the deadline, poppler's `pdftotext` as a
//! fallback when the Rust path cannot map the fonts or fails.
//!
//! Neither lopdf nor pdf-extract limits what it decompresses, so nothing reaches them unchecked:
//!
//! 1. `raw::scan` reads the bytes before lopdf does and decodes, with the bounded decoders of
//!    `filters`, the streams lopdf's loader decodes itself (object and cross-reference streams).
//! 2. `doc::prepare` runs on the loaded document: it checks object and page counts, decodes every
//!    other stream pdf-extract may read within the budgets and stores it decoded (so pdf-extract
//!    never runs a decoder), empties the streams text extraction never needs (images, metadata,
//!    embedded files), and bounds what pdf-extract holds for one page at a time.
//! 3. pdf-extract writes through [`Guard`], which stops it when the caller gave up (the deadline)
//!    or the text budget is full.
//!
//! `pdftotext` runs in a child process under an address-space ceiling and is killed at the
//! deadline.
#![allow(
    clippy::disallowed_methods,
    reason = "the PDF parser thread and pdftotext run against the time budget's deadline"
)]

mod cjk;
mod doc;
mod filters;
mod raw;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use crate::ctx::{Ctx, RATIO_FLOOR};
use crate::{codes, Format, Limits};

enum RustPath {
    Text(String),
    /// The Rust path could not read the file; `pdftotext` may.
    Failed(&'static str, &'static str),
    /// Over a budget: a diagnostic and no fallback (a bomb would only keep poppler busy).
    Refused(Refusal),
    TimedOut,
}

/// Why the preflight stopped a PDF (or one part of it): a code from [`codes`] and a message
/// without document content.
#[derive(Debug)]
pub(crate) struct Refusal {
    code: &'static str,
    message: String,
}

impl Refusal {
    fn budget(message: String) -> Refusal {
        Refusal { code: codes::PDF_BUDGET, message }
    }
}

/// The limit on one decode, and which budget set it (for the diagnostic).
#[derive(Debug, Clone, Copy)]
struct StreamLimit {
    limit: u64,
    which: Which,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Ratio,
    Expanded,
    Stream,
    Parse,
}

impl StreamLimit {
    fn min(self, other: StreamLimit) -> StreamLimit {
        if other.limit < self.limit {
            other
        } else {
            self
        }
    }
}

/// The PDF budgets, moved onto the helper thread. Decoded bytes are counted here and handed back
/// to the file's [`Ctx`] when the thread answers.
pub(crate) struct Budget {
    expanded_left: u64,
    spent: u64,
    max_stream: u64,
    max_ratio: u32,
    max_parse: u64,
    max_pages: u32,
    max_objects: u32,
    cancel: Arc<AtomicBool>,
    deadline: Instant,
}

impl Budget {
    fn new(limits: &Limits, expanded_left: u64, deadline: Instant) -> Budget {
        Budget {
            expanded_left,
            spent: 0,
            max_stream: limits.max_file_bytes,
            max_ratio: limits.max_ratio,
            max_parse: limits.max_pdf_parse_bytes,
            max_pages: limits.max_pdf_pages,
            max_objects: limits.max_pdf_objects,
            cancel: Arc::new(AtomicBool::new(false)),
            deadline,
        }
    }

    /// The same limits an archive member gets (`Ctx::read_member`): its ratio (streams up to
    /// 1 MiB exempt), the largest member, and what is left of the file's expanded bytes.
    fn stream_limit(&self, compressed: u64) -> StreamLimit {
        let ratio = compressed.saturating_mul(u64::from(self.max_ratio)).max(RATIO_FLOOR);
        StreamLimit { limit: ratio, which: Which::Ratio }
            .min(StreamLimit { limit: self.max_stream, which: Which::Stream })
            .min(StreamLimit { limit: self.expanded_left.saturating_sub(self.spent), which: Which::Expanded })
    }

    /// What is left of [`Limits::max_pdf_parse_bytes`] after `used`.
    fn parse_left(&self, used: u64) -> StreamLimit {
        StreamLimit { limit: self.max_parse.saturating_sub(used), which: Which::Parse }
    }

    fn spend(&mut self, bytes: u64) {
        self.spent = self.spent.saturating_add(bytes);
    }

    fn refuse(&self, limit: StreamLimit, what: &str) -> Refusal {
        Refusal::budget(match limit.which {
            Which::Ratio => format!("{what} decodes beyond {} times its size; possible PDF bomb", self.max_ratio),
            Which::Stream => format!("{what} decodes to more than {} bytes", self.max_stream),
            Which::Expanded => format!("decoded streams pass the file's expanded-size limit at {what}"),
            Which::Parse => format!("{what} passes the PDF parse limit of {} bytes", self.max_parse),
        })
    }

    /// Stops the preflight once the caller has stopped waiting.
    fn check_cancel(&self) -> Result<(), Refusal> {
        if self.cancel.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
            return Err(Refusal { code: codes::TIME_BUDGET, message: "time budget exhausted".into() });
        }
        Ok(())
    }
}

/// What the helper thread hands back besides the text: the decoded bytes it counted, and notes
/// about parts it left out (pages or streams over a budget).
struct Report {
    spent: u64,
    notes: Vec<Refusal>,
}

/// The helper thread's stack: generous, since the parsers recurse over the document's structure.
const PDF_STACK: usize = 64 * 1024 * 1024;

pub(crate) fn extract(cx: &mut Ctx<'_>, path: &str, bytes: &[u8]) {
    let deadline = cx.deadline();
    let budget = Budget::new(cx.limits, cx.expanded_left(), deadline);
    let (rust, report) = run_pdf_extract(bytes, budget, cx.limits.max_text_bytes);
    let mut left_out = false;
    if let Some(report) = report {
        cx.add_expanded(report.spent);
        for note in report.notes {
            left_out |= note.code == codes::PDF_BUDGET;
            cx.diag(path, note.code, note.message);
        }
    }
    let (text, failure) = match rust {
        RustPath::TimedOut => {
            cx.timed_out_in(path, "PDF parsing");
            return;
        }
        RustPath::Refused(refusal) => {
            cx.diag(path, refusal.code, refusal.message);
            return;
        }
        // Parts over a budget were left out: the rest is all there is, and poppler is not asked
        // to decode what was refused.
        RustPath::Text(t) if usable(&t) || left_out => {
            cx.push(path, Format::Pdf, t);
            return;
        }
        RustPath::Text(t) => (t, None),
        RustPath::Failed(code, why) => (String::new(), Some((code, why))),
    };
    if cx.limits.use_pdftotext {
        match pdftotext(bytes, deadline, cx.limits.max_text_bytes, cx.limits.pdftotext_max_memory) {
            Poppler::Text(t) if !t.trim().is_empty() => {
                cx.push(path, Format::Pdf, t);
                return;
            }
            Poppler::TimedOut => {
                cx.timed_out_in(path, "pdftotext");
                return;
            }
            Poppler::Text(_) | Poppler::Failed | Poppler::Missing => {}
        }
    }
    if failure.is_none() {
        // A PDF that parses but has no text layer: a scanned page, read by OCR when it can be.
        if let Some(ocr) = crate::ocr::pdf(cx, path, bytes) {
            if !ocr.trim().is_empty() {
                cx.push(path, Format::Ocr, ocr);
                return;
            }
        }
    }
    match failure {
        Some((code, why)) => cx.diag(path, code, why),
        None => {
            // Whatever the Rust path did map is kept: partial text still matches.
            cx.diag(
                path,
                codes::PDF_NO_TEXT,
                "no usable text (an image-only PDF, or fonts without a Unicode map and no pdftotext)",
            );
            cx.push(path, Format::Pdf, text.replace('\u{fffd}', ""));
        }
    }
}

/// Text is usable when there is some and at most a tenth of it is U+FFFD.
fn usable(text: &str) -> bool {
    let (mut total, mut bad) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        total += 1;
        bad += usize::from(c == '\u{fffd}');
    }
    total > 0 && bad * 10 <= total
}

/// Runs the preflight and pdf-extract on a helper thread and waits until the deadline.
///
/// Rust threads cannot be killed, so at the deadline the thread is told to stop (the cancel flag)
/// and left behind. It notices the flag between streams in the preflight and at every page and
/// character pdf-extract outputs. Between two such points it can only work on what the preflight
/// let through: one page's content, its content streams and the forms it draws on one nesting
/// path, at most [`Limits::max_pdf_parse_bytes`] (pdf-extract holds them parsed, ~60 bytes per
/// byte for lopdf's 120-byte `Object`), on top of the document it already holds, whose decoded
/// streams are counted against [`Limits::max_expanded_bytes`].
fn run_pdf_extract(bytes: &[u8], mut budget: Budget, max_text: u64) -> (RustPath, Option<Report>) {
    let data = bytes.to_vec();
    let cancel = Arc::clone(&budget.cancel);
    let (tx, rx) = mpsc::channel();
    let deadline = budget.deadline;
    let spawned =
        std::thread::Builder::new().name("maruhi-extract-pdf".into()).stack_size(PDF_STACK).spawn(move || {
            let mut notes = Vec::new();
            let result = catch_unwind(AssertUnwindSafe(|| rust_text(&data, &mut budget, &mut notes, max_text)));
            let report = Report { spent: budget.spent, notes };
            // The receiver is gone when the deadline passed; nobody wants the result then.
            let _ = tx.send((result, report));
        });
    if spawned.is_err() {
        return (RustPath::Failed(codes::MALFORMED, "could not start the PDF parser thread"), None);
    }
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok((Ok(Ok(text)), report)) => (RustPath::Text(text), Some(report)),
        Ok((Ok(Err(failure)), report)) => (failure, Some(report)),
        Ok((Err(_), report)) => {
            (RustPath::Failed(codes::PARSER_PANIC, "the pdf parser panicked; the file was skipped"), Some(report))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            (RustPath::Failed(codes::PARSER_PANIC, "the pdf parser panicked; the file was skipped"), None)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            cancel.store(true, Ordering::Relaxed);
            (RustPath::TimedOut, None)
        }
    }
}

/// What `pdf_extract::extract_text_from_mem` does, with the preflight around loading and a
/// guarded output device.
fn rust_text(data: &[u8], budget: &mut Budget, notes: &mut Vec<Refusal>, max_text: u64) -> Result<String, RustPath> {
    let malformed = || RustPath::Failed(codes::MALFORMED, "malformed or truncated PDF");
    let refused = |r: Refusal| match r.code {
        codes::PDF_BUDGET | codes::TIME_BUDGET => RustPath::Refused(r),
        // Malformed structure: poppler, under its memory ceiling, may still read the file.
        _ => RustPath::Failed(codes::MALFORMED, "malformed PDF structure"),
    };
    let scan = raw::scan(data, budget).map_err(refused)?;
    if scan.encrypted {
        // lopdf decrypts object streams and decompresses them while it loads, out of the raw
        // scan's sight (it sees only ciphertext), so encrypted files go to pdftotext alone.
        return Err(RustPath::Failed(
            codes::ENCRYPTED,
            "encrypted PDF: read only through pdftotext, which is not available or failed",
        ));
    }
    let mut doc = pdf_extract::Document::load_mem(data).map_err(|e| match e {
        pdf_extract::Error::Decryption(_) => encrypted(),
        _ => malformed(),
    })?;
    if doc.is_encrypted() {
        return Err(encrypted());
    }
    doc::prepare(&mut doc, budget, notes).map_err(refused)?;
    let mut sink = TextSink { text: Vec::new(), max: max_text, full: false };
    let result = {
        let writer: &mut dyn std::io::Write = &mut sink;
        let mut output = Guard {
            inner: pdf_extract::PlainTextOutput::new(writer),
            cancel: &budget.cancel,
            deadline: budget.deadline,
        };
        // Only the error's kind is reported: parser messages can quote bytes of the document.
        pdf_extract::output_doc(&doc, &mut output)
    };
    if result.is_err() && !sink.full {
        budget.check_cancel().map_err(RustPath::Refused)?;
        return Err(malformed());
    }
    Ok(String::from_utf8_lossy(&sink.text).into_owned())
}

fn encrypted() -> RustPath {
    RustPath::Failed(codes::ENCRYPTED, "encrypted PDF that does not open with an empty password")
}

/// pdf-extract's text, kept to the text budget: once past it, writes fail and pdf-extract stops.
/// A write is refused only after the budget is passed, so the text ends just past it and the
/// caller's `Ctx::push` reports the truncation.
struct TextSink {
    text: Vec<u8>,
    max: u64,
    full: bool,
}

impl std::io::Write for TextSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.text.len() as u64 > self.max {
            self.full = true;
            return Err(std::io::Error::other("text budget full"));
        }
        self.text.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An output device around pdf-extract's plain-text one that fails every call once the caller
/// has given up (cancel flag or deadline): pdf-extract propagates output errors, so this is how
/// a Rust thread that cannot be killed is made to stop at the next page or character.
struct Guard<'a, W: pdf_extract::ConvertToFmt> {
    inner: pdf_extract::PlainTextOutput<W>,
    cancel: &'a AtomicBool,
    deadline: Instant,
}

impl<W: pdf_extract::ConvertToFmt> Guard<'_, W> {
    fn live(&self) -> Result<(), pdf_extract::OutputError> {
        if self.cancel.load(Ordering::Relaxed) || Instant::now() >= self.deadline {
            return Err(pdf_extract::OutputError::IoError(std::io::Error::other("cancelled")));
        }
        Ok(())
    }
}

impl<W: pdf_extract::ConvertToFmt> pdf_extract::OutputDev for Guard<'_, W> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &pdf_extract::MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        self.live()?;
        self.inner.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.live()?;
        self.inner.end_page()
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        self.live()?;
        self.inner.output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.live()?;
        self.inner.begin_word()
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.live()?;
        self.inner.end_word()
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.live()?;
        self.inner.end_line()
    }
}

enum Poppler {
    Text(String),
    Failed,
    Missing,
    TimedOut,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Runs `pdftotext -enc UTF-8 FILE -` under an address-space ceiling, killing it at the deadline.
/// poppler reads only files, so the PDF goes to a private temporary file that is removed
/// afterwards.
fn pdftotext(bytes: &[u8], deadline: Instant, max_text: u64, max_memory: u64) -> Poppler {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = std::env::temp_dir().join(format!("maruhi-extract-{}-{n}.pdf", std::process::id()));
    let written = {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&tmp).and_then(|mut f| f.write_all(bytes))
    };
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return Poppler::Failed;
    }
    let result = run_pdftotext(&tmp, deadline, max_text, max_memory);
    let _ = std::fs::remove_file(&tmp);
    result
}

fn run_pdftotext(file: &std::path::Path, deadline: Instant, max_text: u64, max_memory: u64) -> Poppler {
    let args: [&std::ffi::OsStr; 5] =
        ["-q".as_ref(), "-enc".as_ref(), "UTF-8".as_ref(), file.as_os_str(), "-".as_ref()];
    match crate::child::run("pdftotext", &args, deadline, max_text, max_memory) {
        crate::child::Child::Out(out) => Poppler::Text(String::from_utf8_lossy(&out).into_owned()),
        crate::child::Child::Missing => Poppler::Missing,
        crate::child::Child::Failed => Poppler::Failed,
        crate::child::Child::TimedOut => Poppler::TimedOut,
    }
}
