//! PDF: pure-Rust `pdf-extract` on a helper thread under the deadline, poppler's `pdftotext` as a
//! fallback when the Rust path cannot map the fonts or fails.

use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::ctx::Ctx;
use crate::{codes, Format};

enum RustPath {
    Text(String),
    Failed(&'static str, &'static str),
    TimedOut,
}

/// The helper thread's stack: generous, since the parsers recurse over the document's structure.
const PDF_STACK: usize = 64 * 1024 * 1024;
/// How deep form XObjects may nest, and how many the cycle check visits, before the document is
/// treated as hostile.
const MAX_FORM_DEPTH: usize = 32;
const MAX_FORM_VISITS: usize = 20_000;

pub(crate) fn extract(cx: &mut Ctx<'_>, path: &str, bytes: &[u8]) {
    let deadline = cx.deadline();
    let rust = run_pdf_extract(bytes, deadline);
    let (text, failure) = match rust {
        RustPath::TimedOut => {
            cx.timed_out_in(path, "PDF parsing");
            return;
        }
        RustPath::Text(t) if usable(&t) => {
            cx.push(path, Format::Pdf, t);
            return;
        }
        RustPath::Text(t) => (t, None),
        RustPath::Failed(code, why) => (String::new(), Some((code, why))),
    };
    if cx.limits.use_pdftotext {
        match pdftotext(bytes, deadline, cx.limits.max_text_bytes) {
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

fn run_pdf_extract(bytes: &[u8], deadline: Instant) -> RustPath {
    let data = bytes.to_vec();
    let (tx, rx) = mpsc::channel();
    let spawned =
        std::thread::Builder::new().name("maruhi-extract-pdf".into()).stack_size(PDF_STACK).spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| rust_text(&data)));
            // The receiver is gone when the deadline passed; nobody wants the result then.
            let _ = tx.send(result);
        });
    if spawned.is_err() {
        return RustPath::Failed(codes::MALFORMED, "could not start the PDF parser thread");
    }
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(Ok(Ok(text))) => RustPath::Text(text),
        Ok(Ok(Err(failure))) => failure,
        Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            RustPath::Failed(codes::PARSER_PANIC, "the pdf parser panicked; the file was skipped")
        }
        Err(mpsc::RecvTimeoutError::Timeout) => RustPath::TimedOut,
    }
}

/// What `pdf_extract::extract_text_from_mem` does, with a guard between loading and rendering:
/// pdf-extract follows form XObjects (`Do`) by plain recursion, so a form that draws itself would
/// overflow the stack, which no `catch_unwind` contains.
fn rust_text(data: &[u8]) -> Result<String, RustPath> {
    let malformed = || RustPath::Failed(codes::MALFORMED, "malformed or truncated PDF");
    let mut doc = pdf_extract::Document::load_mem(data).map_err(|e| match e {
        pdf_extract::Error::Decryption(_) => encrypted(),
        _ => malformed(),
    })?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(encrypted());
    }
    if !forms_are_acyclic(&doc) {
        return Err(RustPath::Failed(codes::MALFORMED, "PDF whose drawing forms refer to themselves"));
    }
    let mut text = String::new();
    let mut output = pdf_extract::PlainTextOutput::new(&mut text);
    // Only the error's kind is reported: parser messages can quote bytes of the document.
    pdf_extract::output_doc(&doc, &mut output).map_err(|_| malformed())?;
    Ok(text)
}

fn encrypted() -> RustPath {
    RustPath::Failed(codes::ENCRYPTED, "encrypted PDF that does not open with an empty password")
}

/// False when a form XObject can reach itself through the XObject resources it draws from (its
/// own, or those it inherits when it has none, as pdf-extract resolves them), or when the forms
/// nest too deeply or too widely to check.
fn forms_are_acyclic(doc: &pdf_extract::Document) -> bool {
    use pdf_extract::{Dictionary, Object, ObjectId};

    fn xobjects(doc: &pdf_extract::Document, resources: &Dictionary, out: &mut Vec<ObjectId>) {
        let Ok(dict) = resources.get(b"XObject").and_then(|o| match o {
            Object::Reference(id) => doc.get_dictionary(*id),
            other => other.as_dict(),
        }) else {
            return;
        };
        out.extend(dict.iter().filter_map(|(_, v)| v.as_reference().ok()));
    }

    fn visit(
        doc: &pdf_extract::Document,
        id: ObjectId,
        inherited: &[ObjectId],
        path: &mut Vec<ObjectId>,
        visits: &mut usize,
    ) -> bool {
        if path.contains(&id) || path.len() >= MAX_FORM_DEPTH || *visits >= MAX_FORM_VISITS {
            return false;
        }
        *visits += 1;
        let Ok(Object::Stream(stream)) = doc.get_object(id) else { return true };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
            return true;
        }
        let mut children = Vec::new();
        match stream.dict.get(b"Resources").and_then(|o| match o {
            Object::Reference(r) => doc.get_dictionary(*r),
            other => other.as_dict(),
        }) {
            Ok(resources) => xobjects(doc, resources, &mut children),
            Err(_) => children.extend_from_slice(inherited),
        }
        path.push(id);
        let ok = children.iter().all(|&child| visit(doc, child, &children, path, visits));
        path.pop();
        ok
    }

    let mut visits = 0;
    for page in doc.get_pages().into_values() {
        let Ok((direct, inherited)) = doc.get_page_resources(page) else { continue };
        let mut roots = Vec::new();
        if let Some(resources) = direct {
            xobjects(doc, resources, &mut roots);
        }
        for id in inherited {
            if let Ok(resources) = doc.get_dictionary(id) {
                xobjects(doc, resources, &mut roots);
            }
        }
        if !roots.iter().all(|&root| visit(doc, root, &roots, &mut Vec::new(), &mut visits)) {
            return false;
        }
    }
    true
}

enum Poppler {
    Text(String),
    Failed,
    Missing,
    TimedOut,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Runs `pdftotext -enc UTF-8 FILE -`, killing it at the deadline. poppler reads only files, so the
/// PDF goes to a private temporary file that is removed afterwards.
fn pdftotext(bytes: &[u8], deadline: Instant, max_text: u64) -> Poppler {
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
    let result = run_pdftotext(&tmp, deadline, max_text);
    let _ = std::fs::remove_file(&tmp);
    result
}

fn run_pdftotext(file: &std::path::Path, deadline: Instant, max_text: u64) -> Poppler {
    let child = Command::new("pdftotext")
        .arg("-q")
        .arg("-enc")
        .arg("UTF-8")
        .arg(file)
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Poppler::Missing,
        Err(_) => return Poppler::Failed,
    };
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Poppler::Failed;
    };
    // The pipe is drained on its own thread so a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut stdout = stdout;
        let mut out = Vec::new();
        let _ = (&mut stdout).take(max_text.saturating_add(1)).read_to_end(&mut out);
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
        out
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if Instant::now() >= deadline => break Err(Poppler::TimedOut),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break Err(Poppler::Failed),
        }
    };
    let status = match status {
        Ok(status) => status,
        Err(outcome) => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = reader.join();
            return outcome;
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Poppler::Failed;
    }
    Poppler::Text(String::from_utf8_lossy(&out).into_owned())
}
