//! maruhi's leak and contamination scanner: "is any of our registered
//! material, or anyone else's, in these files?"
//!
//! A [`Scanner`] holds a fingerprint index of reference documents (our
//! secrets' material, third-party material, or an ad-hoc reference folder)
//! and answers for any file, folder, archive or mail which references it
//! contains, how much of each and where. Text comes from `maruhi-extract`
//! (every format and archive member becomes its own document), fingerprints
//! and matching from `maruhi-fingerprint` (keyed winnowing, Schleimer,
//! Wilkerson and Aiken 2003). A file that cannot be read or parsed is a
//! [`Diagnostic`], never an abort.
//!
//! Main types: [`Scanner`] (built once, shared by worker threads),
//! [`Reference`] (what a reference document is: name, linked secret,
//! collection), [`Finding`], [`FileReport`] and [`Summary`]. [`scan_paths`]
//! walks files and folders with a pool of threads; [`fingerprint_dir`] builds
//! references from a folder for the ad-hoc mode.
//!
//! ```
//! use maruhi_fingerprint::Fingerprinter;
//! use maruhi_scan::{Collection, Reference, Scanner};
//!
//! let fp = Fingerprinter::builder().key([7u8; 32]).build().unwrap();
//! let design = "射出成形の保圧は八十五メガパスカル、金型温度は六十度に保ち、冷却は二十二秒とする。\
//!               ゲートはサブマリン方式で二点、樹脂は四時間予備乾燥してから投入する。";
//! let mut scanner = Scanner::builder(fp.clone());
//! scanner.add(Reference::new("設計書.txt", Collection::Reference), &fp.fingerprint(design).unwrap()).unwrap();
//! let scanner = scanner.build().unwrap();
//!
//! // Re-typed in a mail: half-width katakana, other punctuation, new lines.
//! let mail = "お疲れ様です。例の条件です：\n射出成形の保圧は八十五ﾒｶﾞﾊﾟｽｶﾙ, 金型温度は六十度に保ち,\n\
//!             冷却は二十二秒とする. ゲートはサブマリン方式で二点, 樹脂は四時間予備乾燥してから投入する.";
//! let report = scanner.scan_bytes("mail.txt", mail.as_bytes());
//! assert_eq!(report.findings[0].reference, "設計書.txt");
//! ```
#![forbid(unsafe_code)]

mod walk;

use std::path::Path;
use std::sync::Arc;

use maruhi_extract::{Document, Limits};
use maruhi_fingerprint::{BackgroundSet, Fingerprinter, Fingerprints, ReferenceSet, ReferenceSetBuilder};
use serde::Serialize;

pub use maruhi_extract::{Diagnostic, Format};
pub use walk::{extract_dir, fingerprint_dir, scan_paths, visit_files, Progress, ReferenceDocument};

/// Which collection a reference belongs to. Background material never
/// produces findings; it only silences boilerplate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// Material of a registered secret.
    Secret,
    /// Someone else's material (NDA, a new hire's declaration): a finding is
    /// contamination.
    ThirdParty,
    /// A file of an ad-hoc reference folder (`maruhi scan --reference`).
    Reference,
}

impl Collection {
    /// The stable name used in output and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Secret => "secret",
            Collection::ThirdParty => "third_party",
            Collection::Reference => "reference",
        }
    }
}

/// What a reference document is, for reporting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// The reference file path (ad-hoc mode) or registered material name.
    pub name: String,
    pub collection: Collection,
    /// The register entry the material belongs to.
    pub secret_id: Option<i64>,
    /// The stored material's id, when it comes from an installation.
    pub material_id: Option<i64>,
}

impl Reference {
    pub fn new(name: impl Into<String>, collection: Collection) -> Reference {
        Reference { name: name.into(), collection, secret_id: None, material_id: None }
    }
}

/// When a match is reported.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    /// Normalised chars of the reference that must be matched. The default,
    /// 40, is above one k-gram (13) and below the shortest excerpt the
    /// scanner promises to find (4t = 116), so a shared phrase or two is not
    /// a leak while any real excerpt is.
    pub min_matched_chars: usize,
    /// Fraction of the reference's fingerprints that must be found
    /// (0 = any amount, the default: a short excerpt of a long document is
    /// still a leak).
    pub min_coverage: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { min_matched_chars: 40, min_coverage: 0.0 }
    }
}

/// How many spans of a finding carry their passage text.
pub const PASSAGES: usize = 5;

/// A byte or char range, serialised as `[start, end]`.
pub type Range = [usize; 2];

/// Where a match lies in both documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Byte range in the scanned document's extracted text.
    pub query_bytes: Range,
    /// Byte range in the reference's extracted text.
    pub reference_bytes: Range,
    /// Normalised char range in the scanned document.
    pub query_chars: Range,
    /// Normalised char range in the reference.
    pub reference_chars: Range,
    /// The scanned document's text of this span, shortened, for the
    /// [`PASSAGES`] longest spans (a side-by-side view; not part of the JSON
    /// Lines contract).
    #[serde(skip)]
    pub query_text: String,
}

/// Registered or reference material found in a scanned document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The scanned document: a file, or `archive.zip!/member.docx`.
    pub path: String,
    /// The matched reference file path or registered material name.
    pub reference: String,
    pub collection: Collection,
    pub secret_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub material_id: Option<i64>,
    /// Fraction (0..1) of the reference's fingerprints found.
    pub coverage: f64,
    /// Normalised chars of the reference matched.
    pub matched_chars: usize,
    pub spans: Vec<Span>,
    /// The longest matching passage of the scanned document, shortened.
    pub excerpt: String,
}

/// The outcome of scanning one file (all documents inside it).
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    pub path: String,
    pub bytes: u64,
    pub documents: usize,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
    /// SHA-256 of the file as read (hex), for the audit trail.
    pub sha256: Option<String>,
}

/// Totals of a scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: u64,
    pub bytes: u64,
    pub documents: u64,
    pub findings: u64,
    pub diagnostics: u64,
}

impl Summary {
    pub fn add(&mut self, report: &FileReport) {
        self.files += 1;
        self.bytes += report.bytes;
        self.documents += report.documents as u64;
        self.findings += report.findings.len() as u64;
        self.diagnostics += report.diagnostics.len() as u64;
    }
}

/// Errors building a scanner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Fingerprint(#[from] maruhi_fingerprint::Error),
}

/// Collects references, then builds a [`Scanner`].
#[derive(Clone)]
pub struct ScannerBuilder {
    fingerprinter: Fingerprinter,
    refs: ReferenceSetBuilder,
    meta: Vec<Reference>,
    limits: Limits,
    thresholds: Thresholds,
}

impl ScannerBuilder {
    /// Adds a reference document.
    ///
    /// # Errors
    ///
    /// When the fingerprints were made with another key or parameters.
    pub fn add(&mut self, reference: Reference, fingerprints: &Fingerprints) -> Result<&mut Self, Error> {
        self.refs.add(fingerprints)?;
        self.meta.push(reference);
        Ok(self)
    }

    /// Boilerplate whose fingerprints never count.
    ///
    /// # Errors
    ///
    /// When the set was made with another key or parameters.
    pub fn background(&mut self, background: BackgroundSet) -> Result<&mut Self, Error> {
        self.refs.background(background)?;
        Ok(self)
    }

    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    pub fn thresholds(&mut self, thresholds: Thresholds) -> &mut Self {
        self.thresholds = thresholds;
        self
    }

    /// Sorts the index.
    ///
    /// # Errors
    ///
    /// When the index would exceed its limits.
    pub fn build(self) -> Result<Scanner, Error> {
        let refs = self.refs.build()?;
        Ok(Scanner::from_parts(self.fingerprinter, refs, self.meta, self.limits, self.thresholds))
    }
}

/// An immutable scanner: an index of references and the settings to scan
/// with. Share it by reference across threads; cloning shares the index.
#[derive(Clone)]
pub struct Scanner {
    index: Arc<Index>,
    limits: Limits,
    thresholds: Thresholds,
}

struct Index {
    fingerprinter: Fingerprinter,
    refs: ReferenceSet,
    meta: Vec<Reference>,
}

impl Scanner {
    pub fn builder(fingerprinter: Fingerprinter) -> ScannerBuilder {
        ScannerBuilder {
            fingerprinter,
            refs: ReferenceSet::builder(),
            meta: Vec::new(),
            limits: Limits::default(),
            thresholds: Thresholds::default(),
        }
    }

    /// A scanner over an index built elsewhere (loaded from a file); `meta`
    /// describes the index's documents in order.
    pub fn from_parts(
        fingerprinter: Fingerprinter,
        refs: ReferenceSet,
        meta: Vec<Reference>,
        limits: Limits,
        thresholds: Thresholds,
    ) -> Scanner {
        Scanner { index: Arc::new(Index { fingerprinter, refs, meta }), limits, thresholds }
    }

    /// The same index with other thresholds.
    pub fn with_thresholds(&self, thresholds: Thresholds) -> Scanner {
        Scanner { thresholds, ..self.clone() }
    }

    /// The references, in index order.
    pub fn references(&self) -> &[Reference] {
        &self.index.meta
    }

    /// Writes the fingerprint index in its stored form
    /// ([`ReferenceSet::from_bytes`] reads it back).
    ///
    /// # Errors
    ///
    /// When writing fails.
    pub fn write_index(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        self.index.refs.write_to(w)
    }

    /// Number of reference documents.
    pub fn reference_count(&self) -> usize {
        self.index.meta.len()
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Scans one file held in memory (an upload, a mail attachment).
    pub fn scan_bytes(&self, path: &str, bytes: &[u8]) -> FileReport {
        let extraction = maruhi_extract::extract_bytes(path, bytes, &self.limits);
        let mut report = FileReport { path: path.to_owned(), bytes: bytes.len() as u64, ..FileReport::default() };
        self.absorb(&mut report, extraction);
        if !report.findings.is_empty() {
            report.sha256 = Some(sha256_hex(bytes));
        }
        report
    }

    /// Scans one file on disk. The file's SHA-256 is computed only when
    /// something was found (it goes into the audit trail with the finding).
    pub fn scan_file(&self, file: &Path, path: &str) -> FileReport {
        let mut report = FileReport { path: path.to_owned(), ..FileReport::default() };
        let bytes = match read_limited(file, self.limits.max_file_bytes) {
            Ok(bytes) => bytes,
            Err(diagnostic) => {
                report.diagnostics.push(Diagnostic { path: path.to_owned(), ..diagnostic });
                return report;
            }
        };
        report.bytes = bytes.len() as u64;
        let extraction = maruhi_extract::extract_bytes(path, &bytes, &self.limits);
        self.absorb(&mut report, extraction);
        if !report.findings.is_empty() {
            report.sha256 = Some(sha256_hex(&bytes));
        }
        report
    }

    fn absorb(&self, report: &mut FileReport, extraction: maruhi_extract::Extraction) {
        report.documents = extraction.documents.len();
        report.diagnostics = extraction.diagnostics;
        for doc in &extraction.documents {
            match self.scan_document(doc) {
                Ok(findings) => report.findings.extend(findings),
                Err(e) => report.diagnostics.push(Diagnostic {
                    path: doc.path.clone(),
                    code: "MRH-SCAN-001",
                    message: format!("could not fingerprint the text: {e}"),
                }),
            }
        }
    }

    /// Matches one extracted document against every reference.
    ///
    /// # Errors
    ///
    /// When the document is too large to fingerprint (over 4 GiB of text).
    pub fn scan_document(&self, doc: &Document) -> Result<Vec<Finding>, Error> {
        let index = &*self.index;
        if index.meta.is_empty() || doc.text.is_empty() {
            return Ok(Vec::new());
        }
        let fps = index.fingerprinter.fingerprint(&doc.text)?;
        let matches = index.refs.find(&fps)?;
        let mut findings = Vec::new();
        for m in matches {
            let Some(reference) = index.meta.get(m.doc.index()) else { continue };
            if m.matched_chars < self.thresholds.min_matched_chars || m.coverage < self.thresholds.min_coverage {
                continue;
            }
            let mut spans: Vec<Span> = m
                .spans
                .iter()
                .map(|s| Span {
                    query_bytes: [s.query_bytes.start, s.query_bytes.end],
                    reference_bytes: [s.reference_bytes.start, s.reference_bytes.end],
                    query_chars: [s.query_chars.start, s.query_chars.end],
                    reference_chars: [s.reference_chars.start, s.reference_chars.end],
                    query_text: String::new(),
                })
                .collect();
            // Passages for a side-by-side view: the longest few spans only.
            for i in longest_spans(&spans, PASSAGES) {
                if let Some(span) = spans.get_mut(i) {
                    span.query_text = excerpt(&doc.text, span.query_bytes, 400);
                }
            }
            let excerpt = spans
                .iter()
                .max_by_key(|s| s.query_chars[1] - s.query_chars[0])
                .map(|s| excerpt(&doc.text, s.query_bytes, 160))
                .unwrap_or_default();
            findings.push(Finding {
                path: doc.path.clone(),
                reference: reference.name.clone(),
                collection: reference.collection,
                secret_id: reference.secret_id,
                material_id: reference.material_id,
                coverage: (m.coverage * 10_000.0).round() / 10_000.0,
                matched_chars: m.matched_chars,
                spans,
                excerpt,
            });
        }
        Ok(findings)
    }
}

/// The indices of the `n` longest spans (by query chars), longest first and
/// the earlier of equally long ones first: the first `n` of a stable sort by
/// decreasing length, without sorting them all.
fn longest_spans(spans: &[Span], n: usize) -> Vec<usize> {
    let len = |s: &Span| s.query_chars[1] - s.query_chars[0];
    let mut top: Vec<(usize, usize)> = Vec::with_capacity(n + 1);
    for (i, span) in spans.iter().enumerate() {
        let l = len(span);
        // After every kept span at least as long: those came earlier.
        let at = top.partition_point(|&(kept, _)| kept >= l);
        if at < n {
            top.insert(at, (l, i));
            top.truncate(n);
        }
    }
    top.into_iter().map(|(_, i)| i).collect()
}

/// The text of `range` in `text`, at most `max_chars` chars, on char
/// boundaries, with whitespace runs collapsed so it fits on one line.
pub fn excerpt(text: &str, range: Range, max_chars: usize) -> String {
    let [start, end] = range;
    let start = floor_boundary(text, start);
    let end = floor_boundary(text, end.max(start));
    let Some(slice) = text.get(start..end) else { return String::new() };
    // Room for `max_chars` chars of up to 4 bytes, a space and the ellipsis:
    // no regrowing while pushing char by char.
    let mut out =
        String::with_capacity((slice.len() + 3).min(max_chars.saturating_add(1).saturating_mul(4).saturating_add(3)));
    let mut count = 0;
    let mut space = false;
    for c in slice.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        space = false;
        if count >= max_chars {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Reads a whole file, refusing one larger than `max` before reading it. The
/// diagnostic's `path` is left for the caller to fill.
pub fn read_limited(file: &Path, max: u64) -> Result<Vec<u8>, Diagnostic> {
    let io = |e: std::io::Error| Diagnostic {
        path: String::new(),
        code: "MRH-SCAN-002",
        message: format!("could not read the file: {}", e.kind()),
    };
    let size = std::fs::metadata(file).map_err(io)?.len();
    if size > max {
        return Err(Diagnostic {
            path: String::new(),
            code: "MRH-SCAN-003",
            message: format!("the file has {size} bytes, more than the limit of {max}; not scanned"),
        });
    }
    std::fs::read(file).map_err(io)
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(len: usize) -> Span {
        Span {
            query_bytes: [0, 0],
            reference_bytes: [0, 0],
            query_chars: [7, 7 + len],
            reference_chars: [0, 0],
            query_text: String::new(),
        }
    }

    #[test]
    fn longest_spans_are_a_stable_sort_prefix() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for n in 0..300 {
            let spans: Vec<Span> = (0..n % 40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    span((x % 6) as usize)
                })
                .collect();
            let mut expected: Vec<usize> = (0..spans.len()).collect();
            expected.sort_by_key(|&i| std::cmp::Reverse(spans[i].query_chars[1] - spans[i].query_chars[0]));
            expected.truncate(n % 7);
            assert_eq!(longest_spans(&spans, n % 7), expected);
        }
    }
}
