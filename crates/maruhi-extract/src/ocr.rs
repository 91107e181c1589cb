//! OCR of images (PNG, JPEG, TIFF) and of PDF pages without a text layer, through Tesseract
//! (`tesseract`, with the `jpn`, `jpn_vert` and `eng` models) and poppler's `pdftoppm`, both
//! optional and detected at run time.
//!
//! OCR has its own budgets ([`crate::Limits::ocr_time_budget`], [`crate::Limits::ocr_max_bytes`],
//! [`crate::Limits::ocr_max_pages`]) inside the file's time budget, and every child process runs
//! under the same address-space ceiling as `pdftotext` and is killed at the OCR deadline. OCR text
//! is a document of format [`Format::Ocr`], so findings on it say they were read by OCR.
#![allow(clippy::disallowed_methods, reason = "OCR children run against the time budget's deadline")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use crate::child::{run, Child};
use crate::ctx::Ctx;
use crate::{codes, Format};

/// Whether `tesseract` runs here, and which of the wanted models it has (`jpn+eng`, say).
fn languages() -> Option<&'static str> {
    static LANGS: OnceLock<Option<String>> = OnceLock::new();
    LANGS
        .get_or_init(|| {
            let out = Command::new("tesseract").arg("--list-langs").stderr(Stdio::null()).output().ok()?;
            let listed = String::from_utf8_lossy(&out.stdout).into_owned();
            let have: Vec<&str> = listed.lines().map(str::trim).collect();
            let wanted: Vec<&str> = ["jpn", "jpn_vert", "eng"].into_iter().filter(|l| have.contains(l)).collect();
            (out.status.success() && !wanted.is_empty()).then(|| wanted.join("+"))
        })
        .as_deref()
}

/// Whether OCR can run at all (Tesseract installed with a usable model).
pub fn available() -> bool {
    languages().is_some()
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Images smaller than this are not read by OCR (a 1-bit PNG of a few lines scanned at 300 dpi
/// is about 20 KB).
const MIN_IMAGE_BYTES: usize = 8 * 1024;

/// A private temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Option<TempDir> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("maruhi-ocr-{}-{n}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).ok()?;
        Some(TempDir(dir))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> Option<PathBuf> {
        let path = self.0.join(name);
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).ok()?;
        f.write_all(bytes).ok()?;
        Some(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The OCR deadline: the OCR budget from now, within the file's deadline.
fn deadline(cx: &Ctx<'_>) -> Instant {
    let now = Instant::now();
    now.checked_add(cx.limits.ocr_time_budget).map_or(cx.deadline(), |d| d.min(cx.deadline()))
}

/// Tesseract on one image file; `None` when it failed or ran out of time (recorded).
fn tesseract(cx: &mut Ctx<'_>, path: &str, image: &Path, deadline: Instant) -> Option<String> {
    let langs = languages()?;
    let args: [&std::ffi::OsStr; 5] =
        [image.as_os_str(), "stdout".as_ref(), "-l".as_ref(), langs.as_ref(), "quiet".as_ref()];
    match run("tesseract", &args, deadline, cx.limits.max_text_bytes, cx.limits.pdftotext_max_memory) {
        Child::Out(out) => Some(tidy(&String::from_utf8_lossy(&out))),
        Child::TimedOut => {
            let secs = cx.limits.ocr_time_budget.as_secs_f64();
            cx.diag(path, codes::TIME_BUDGET, format!("OCR time budget of {secs:.1} s exhausted"));
            None
        }
        // An image Tesseract cannot read has no text, as any image had before OCR.
        Child::Failed | Child::Missing => None,
    }
}

/// Tesseract puts spaces between Japanese characters it read as separate words; they are not in
/// the original and would only shorten matching passages.
fn tidy(text: &str) -> String {
    let wide = |c: char| !c.is_ascii() && !c.is_whitespace();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = out.chars().next_back();
            let next = chars.get(i + 1).copied();
            if prev.is_some_and(wide) && next.is_some_and(wide) {
                continue;
            }
        }
        if c == '\u{0c}' {
            out.push('\n');
            continue;
        }
        out.push(c);
    }
    out
}

/// OCR of an image (PNG, JPEG, TIFF). Without Tesseract, or with OCR off, nothing happens: an
/// image has no text otherwise, as before.
pub(crate) fn image(cx: &mut Ctx<'_>, path: &str, bytes: &[u8]) {
    // Icons, logos and buttons are smaller than any scanned page; they are not worth a
    // Tesseract run each.
    if !cx.limits.use_ocr || bytes.len() < MIN_IMAGE_BYTES || !available() {
        return;
    }
    if bytes.len() as u64 > cx.limits.ocr_max_bytes {
        let max = cx.limits.ocr_max_bytes;
        cx.diag(path, codes::FILE_TOO_LARGE, format!("image larger than the OCR limit of {max} bytes; not read"));
        return;
    }
    let Some(dir) = TempDir::new() else { return };
    let Some(file) = dir.write("image", bytes) else { return };
    let deadline = deadline(cx);
    if let Some(text) = tesseract(cx, path, &file, deadline) {
        cx.push(path, Format::Ocr, text);
    }
}

/// OCR of a PDF's pages (rendered by `pdftoppm` at 300 dpi in grey), for a PDF with no text
/// layer. `None` when OCR is off or not installed; otherwise the text read (maybe empty).
pub(crate) fn pdf(cx: &mut Ctx<'_>, path: &str, bytes: &[u8]) -> Option<String> {
    if !cx.limits.use_ocr || !available() {
        return None;
    }
    if bytes.len() as u64 > cx.limits.ocr_max_bytes {
        return None;
    }
    let dir = TempDir::new()?;
    let file = dir.write("in.pdf", bytes)?;
    let deadline = deadline(cx);
    let mut text = String::new();
    for page in 1..=cx.limits.ocr_max_pages {
        let root = dir.0.join(format!("p{page}"));
        let n = page.to_string();
        let args: Vec<&std::ffi::OsStr> = vec![
            "-q".as_ref(),
            "-r".as_ref(),
            "300".as_ref(),
            "-gray".as_ref(),
            "-png".as_ref(),
            "-singlefile".as_ref(),
            "-f".as_ref(),
            n.as_ref(),
            "-l".as_ref(),
            n.as_ref(),
            file.as_os_str(),
            root.as_os_str(),
        ];
        match run("pdftoppm", &args, deadline, 0, cx.limits.pdftotext_max_memory) {
            Child::Out(_) => {}
            Child::TimedOut => {
                let secs = cx.limits.ocr_time_budget.as_secs_f64();
                cx.diag(path, codes::TIME_BUDGET, format!("OCR time budget of {secs:.1} s exhausted"));
                break;
            }
            // Past the last page, pdftoppm fails: the pages are done.
            Child::Failed | Child::Missing => break,
        }
        let png = root.with_extension("png");
        if !png.exists() {
            break;
        }
        match tesseract(cx, path, &png, deadline) {
            Some(t) => {
                text.push_str(&t);
                text.push('\n');
            }
            None => break,
        }
        let _ = std::fs::remove_file(&png);
    }
    Some(text)
}
