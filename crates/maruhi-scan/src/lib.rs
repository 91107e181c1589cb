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
use maruhi_fingerprint::matcher::union_len;
use maruhi_fingerprint::{BackgroundSet, Fingerprinter, Fingerprints, ReferenceSet, ReferenceSetBuilder};
use serde::Serialize;

pub use maruhi_extract::{Diagnostic, Format};
pub use walk::{
    extract_dir, fingerprint_dir, scan_paths, visit_files, Progress, ReferenceDir, ReferenceDocument, ReferenceFile,
};

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
    /// Aligned normalised chars that at least one passage must have
    /// ([`DEFAULT_MIN_PASSAGE`]). Shorter passages are phrases a document
    /// shares with others of its field, however many there are: they make
    /// no finding, and a finding reports only passages this long.
    pub min_passage: usize,
    /// Aligned chars that a finding's passages must have together (after
    /// `min_passage`): 0, the default, adds no condition.
    pub min_matched_chars: usize,
    /// Fraction of the reference's fingerprints that must be found
    /// (0 = any amount, the default: a short excerpt of a long document is
    /// still a leak).
    pub min_coverage: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { min_passage: DEFAULT_MIN_PASSAGE, min_matched_chars: 0, min_coverage: 0.0 }
    }
}

/// The default [`Thresholds::min_passage`], chosen with the quality harness
/// (`cargo bench -p maruhi-scan --bench quality`, which prints precision and
/// recall for other values): phrases that documents of one field share
/// (commands, headings, product names) are evidenced by at most about 30
/// aligned chars, while an excerpt of a few sentences is evidenced by far
/// more. Winnowing evidences a shared run of n chars by at least n − 2(w − 1)
/// aligned chars (32 with the default window), so every shared passage of
/// `DEFAULT_MIN_PASSAGE + 32` chars is reported, and no document that shares
/// only runs shorter than `DEFAULT_MIN_PASSAGE` is.
pub const DEFAULT_MIN_PASSAGE: usize = 50;

/// A hash that occurs in this many groups of references (the files of one
/// secret are one group; every other reference its own) is boilerplate and
/// counts for nothing ([`ReferenceSet::discount_common`])…
pub const COMMON_MIN_GROUPS: usize = 4;

/// …or, in a large index, in this fraction of the groups.
pub const COMMON_GROUP_FRACTION: f64 = 0.01;

/// What kind of match a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The scanned file, archive member or attachment is, byte for byte, a
    /// registered file (any format: a CAD drawing, an image, a binary).
    ExactFile,
    /// Text shared with a reference document.
    Text,
    /// Drawing or NC content (DXF, STEP, G-code: entity text, names and
    /// normalised coordinates) shared with a reference drawing.
    Drawing,
    /// Text read by OCR from an image or a scanned page, shared with a
    /// reference (OCR noise makes passages shorter and coverage lower).
    Ocr,
}

impl MatchKind {
    /// The kind of a text match in a document of this format.
    pub fn of(format: Format) -> MatchKind {
        match format {
            Format::Dxf | Format::Step | Format::Gcode => MatchKind::Drawing,
            Format::Ocr => MatchKind::Ocr,
            _ => MatchKind::Text,
        }
    }

    /// The stable name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::ExactFile => "exact_file",
            MatchKind::Text => "text",
            MatchKind::Drawing => "drawing",
            MatchKind::Ocr => "ocr",
        }
    }
}

/// How grave a finding is, from its longest passage and coverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// One passage of a few sentences.
    Low,
    /// A passage of a paragraph or more ([`MEDIUM_PASSAGE`] aligned chars), or a
    /// fifth of the reference.
    Medium,
    /// A passage of a page ([`HIGH_PASSAGE`] aligned chars), or half of the
    /// reference.
    High,
}

/// Aligned chars of the longest passage that make a finding medium.
pub const MEDIUM_PASSAGE: usize = 200;
/// Aligned chars of the longest passage that make a finding high.
pub const HIGH_PASSAGE: usize = 800;

impl Severity {
    pub fn of(longest_passage: usize, coverage: f64) -> Severity {
        if longest_passage >= HIGH_PASSAGE || coverage >= 0.5 {
            Severity::High
        } else if longest_passage >= MEDIUM_PASSAGE || coverage >= 0.2 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// How many passages of a finding carry their text.
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
}

/// An aligned passage: spans that continue one alignment across small gaps
/// and shifts (see [`maruhi_fingerprint::Passage`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Passage {
    pub query_bytes: Range,
    pub reference_bytes: Range,
    pub query_chars: Range,
    pub reference_chars: Range,
    /// Normalised chars inside the passage's matching runs (gaps not
    /// counted).
    pub aligned_chars: usize,
    /// Aligned chars over the passage's extent (0..1): 1 for a verbatim copy.
    pub similarity: f64,
    /// The scanned document's text of the passage, shortened at word or
    /// sentence boundaries, for the [`PASSAGES`] longest, by a scanner
    /// [`with_explanations`](Scanner::with_explanations) (a side-by-side
    /// view; not part of the JSON Lines contract).
    #[serde(skip)]
    pub query_text: String,
}

/// Text a finding shares with its reference that did not count because it
/// is boilerplate: it occurs in `documents` groups of references.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Discounted {
    pub query_bytes: Range,
    pub query_chars: Range,
    /// Groups of references (a secret's files count once) that hold it.
    pub documents: usize,
    /// The scanned document's text of it, shortened.
    pub excerpt: String,
}

/// At most this many discounted runs are reported per finding.
pub const DISCOUNTED: usize = 5;

/// Registered or reference material found in a scanned document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The scanned document: a file, or `archive.zip!/member.docx`.
    pub path: String,
    /// The matched reference file path or registered material name.
    pub reference: String,
    /// Which kind of match: the exact file, or shared text, drawing
    /// content or OCR text.
    pub kind: MatchKind,
    pub collection: Collection,
    pub secret_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub material_id: Option<i64>,
    pub severity: Severity,
    /// Fraction (0..1) of the reference's normalised text inside the
    /// finding's passages.
    pub coverage: f64,
    /// Fraction (0..1) of the scanned document's normalised text inside the
    /// finding's passages.
    pub query_coverage: f64,
    /// Normalised chars of the reference inside the passages' matching runs.
    pub matched_chars: usize,
    /// Aligned chars of the longest passage.
    pub longest_passage: usize,
    /// Aligned chars of all passages.
    pub aligned_chars: usize,
    /// Passages of at least [`Thresholds::min_passage`] aligned chars,
    /// longest first.
    pub passages: Vec<Passage>,
    /// The matching runs inside those passages, by position in the scanned
    /// document.
    pub spans: Vec<Span>,
    /// Boilerplate shared with the reference that did not count (at most
    /// [`DISCOUNTED`]), by position; listed only by a scanner
    /// [`with_explanations`](Scanner::with_explanations).
    pub discounted: Vec<Discounted>,
    /// The longest passage of the scanned document, cut at word or sentence
    /// boundaries.
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
    /// Rows of exact-data-match datasets found, one per document and dataset.
    pub edm: Vec<EdmFinding>,
}

/// Rows of a customer database found in one document (exact data match,
/// [`maruhi_edm`]): how many, which columns, and masked examples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdmFinding {
    pub path: String,
    pub dataset: String,
    pub secret_id: Option<i64>,
    pub rows: usize,
    pub columns: Vec<String>,
    /// Primary values of some rows, masked.
    pub examples: Vec<String>,
    pub severity: maruhi_edm::Severity,
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
        self.findings += (report.findings.len() + report.edm.len()) as u64;
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
    exact: ExactFiles,
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

    /// Adds a reference file by its exact content (SHA-256): a scanned file,
    /// member or attachment with the same bytes is a finding of kind
    /// [`MatchKind::ExactFile`], whatever its format.
    pub fn add_exact(&mut self, reference: Reference, sha256: [u8; 32]) -> &mut Self {
        self.exact.add(reference, sha256);
        self
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
        let scanner = Scanner::from_parts(self.fingerprinter, refs, self.meta, self.limits, self.thresholds);
        Ok(scanner.with_exact_files(self.exact))
    }
}

/// An immutable scanner: an index of references and the settings to scan
/// with. Share it by reference across threads; cloning shares the index.
#[derive(Clone)]
pub struct Scanner {
    index: Arc<Index>,
    limits: Limits,
    thresholds: Thresholds,
    /// Whether findings list the boilerplate that did not count.
    explain: bool,
    /// Whether a file with findings gets its SHA-256 (for the audit trail).
    hash_files: bool,
    /// Exact-data-match datasets looked for beside the references.
    edm: Option<Arc<maruhi_edm::Matcher>>,
    /// Reference files by their exact content.
    exact: Arc<ExactFiles>,
}

/// Files smaller than this are never references by their exact content:
/// empty files, a two-line configuration or a default template are the same
/// bytes everywhere.
pub const MIN_EXACT_BYTES: u64 = 128;

/// The files of an extraction that become references by their exact
/// content: those with no text of their own (drawings, images, binaries,
/// and archives, whose members are listed too) of at least
/// [`MIN_EXACT_BYTES`]. A file with text is found by its text, exact copy
/// or not.
pub fn exact_candidates(extraction: &maruhi_extract::Extraction) -> impl Iterator<Item = &maruhi_extract::FileDigest> {
    let with_text: std::collections::HashSet<&str> = extraction.documents.iter().map(|d| d.path.as_str()).collect();
    extraction.files.iter().filter(move |f| f.size >= MIN_EXACT_BYTES && !with_text.contains(f.path.as_str()))
}

/// Reference files by SHA-256, for "this exact file" findings.
#[derive(Clone, Debug, Default)]
pub struct ExactFiles {
    by_hash: std::collections::HashMap<[u8; 32], Vec<usize>>,
    meta: Vec<Reference>,
}

impl ExactFiles {
    /// Adds a reference file by its SHA-256.
    pub fn add(&mut self, reference: Reference, sha256: [u8; 32]) {
        self.by_hash.entry(sha256).or_default().push(self.meta.len());
        self.meta.push(reference);
    }

    /// How many reference files there are.
    pub fn len(&self) -> usize {
        self.meta.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    /// The references whose file has this SHA-256.
    pub fn get(&self, sha256: &[u8; 32]) -> impl Iterator<Item = &Reference> {
        self.by_hash.get(sha256).into_iter().flatten().filter_map(|&i| self.meta.get(i))
    }
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
            exact: ExactFiles::default(),
            limits: Limits::default(),
            thresholds: Thresholds::default(),
        }
    }

    /// A scanner over an index built elsewhere (loaded from a file); `meta`
    /// describes the index's documents in order. Boilerplate is discounted
    /// by document frequency here, so that every way of making a scanner
    /// (ad hoc, an installation's stored index) gives the same verdict.
    pub fn from_parts(
        fingerprinter: Fingerprinter,
        mut refs: ReferenceSet,
        meta: Vec<Reference>,
        limits: Limits,
        thresholds: Thresholds,
    ) -> Scanner {
        let (groups, count) = reference_groups(&meta);
        let min_groups = COMMON_MIN_GROUPS.max((count as f64 * COMMON_GROUP_FRACTION).ceil() as usize);
        // Fails only when `meta` does not describe the index (one reference
        // per document): then nothing is discounted, and matches of
        // documents without a reference are skipped as before.
        let _ = refs.discount_common(groups, min_groups);
        Scanner {
            index: Arc::new(Index { fingerprinter, refs, meta }),
            limits,
            thresholds,
            explain: false,
            hash_files: true,
            edm: None,
            exact: Arc::new(ExactFiles::default()),
        }
    }

    /// The same index, also looking for the rows of exact-data-match
    /// datasets in every document.
    pub fn with_edm(&self, edm: Arc<maruhi_edm::Matcher>) -> Scanner {
        Scanner { edm: Some(edm), ..self.clone() }
    }

    /// Number of exact-data-match datasets looked for.
    pub fn edm_dataset_count(&self) -> usize {
        self.edm.as_ref().map_or(0, |m| m.datasets().len())
    }

    /// The same index, matching these reference files by their exact
    /// content as well (replacing any given before).
    pub fn with_exact_files(&self, exact: ExactFiles) -> Scanner {
        Scanner { exact: Arc::new(exact), ..self.clone() }
    }

    /// The limits a file is extracted with: files are hashed only when
    /// there are exact-file references to match.
    fn extraction_limits(&self) -> std::borrow::Cow<'_, Limits> {
        if self.exact.is_empty() && self.limits.hash_files {
            std::borrow::Cow::Owned(Limits { hash_files: false, ..self.limits.clone() })
        } else {
            std::borrow::Cow::Borrowed(&self.limits)
        }
    }

    /// The reference files matched by their exact content.
    pub fn exact_files(&self) -> &ExactFiles {
        &self.exact
    }

    /// The same index with other thresholds.
    pub fn with_thresholds(&self, thresholds: Thresholds) -> Scanner {
        Scanner { thresholds, ..self.clone() }
    }

    /// The same index, with what an investigator reading one file's
    /// findings needs beside them: the text of the longest passages
    /// ([`Passage::query_text`]) and the boilerplate that did not count
    /// ([`Finding::discounted`]). Off by default: finding the boilerplate
    /// again costs a pass over every boilerplate hash's postings, the most
    /// of the work in a findings-heavy scan.
    pub fn with_explanations(&self, explain: bool) -> Scanner {
        Scanner { explain, ..self.clone() }
    }

    /// The same index, without the SHA-256 of files with findings
    /// ([`FileReport::sha256`]), for callers that record nothing (an ad hoc
    /// scan): hashing is a full pass over every file that matched.
    pub fn with_file_hashes(&self, hash: bool) -> Scanner {
        Scanner { hash_files: hash, ..self.clone() }
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
        let extraction = maruhi_extract::extract_bytes(path, bytes, &self.extraction_limits());
        let mut report = FileReport { path: path.to_owned(), bytes: bytes.len() as u64, ..FileReport::default() };
        self.absorb(&mut report, extraction);
        if self.hash_files && (!report.findings.is_empty() || !report.edm.is_empty()) {
            report.sha256 = Some(sha256_hex(bytes));
        }
        report
    }

    /// Scans one file on disk. The file's SHA-256 is computed only when
    /// something was found (it goes into the audit trail with the finding),
    /// and not at all [`without file hashes`](Scanner::with_file_hashes).
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
        let extraction = maruhi_extract::extract_bytes(path, &bytes, &self.extraction_limits());
        self.absorb(&mut report, extraction);
        if self.hash_files && (!report.findings.is_empty() || !report.edm.is_empty()) {
            report.sha256 = Some(sha256_hex(&bytes));
        }
        report
    }

    fn absorb(&self, report: &mut FileReport, extraction: maruhi_extract::Extraction) {
        report.documents = extraction.documents.len();
        report.diagnostics = extraction.diagnostics;
        for file in &extraction.files {
            report.findings.extend(self.exact.get(&file.sha256).map(|r| exact_finding(&file.path, r)));
        }
        for doc in &extraction.documents {
            if let Some(edm) = &self.edm {
                report.edm.extend(edm.find(&doc.text).into_iter().map(|m| EdmFinding {
                    path: doc.path.clone(),
                    dataset: m.dataset,
                    secret_id: m.secret_id,
                    rows: m.rows,
                    columns: m.columns,
                    examples: m.examples,
                    severity: m.severity,
                }));
            }
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
        let query_len = fps.normalized_len().max(1);
        let t = &self.thresholds;
        let mut findings = Vec::new();
        let mut docs = Vec::new();
        let mut scratch = Vec::new();
        // Only the passages of at least `min_passage` aligned chars, longest
        // first: a findings-heavy document has many times more short ones.
        for m in index.refs.find_passages(&fps, t.min_passage)? {
            let Some(reference) = index.meta.get(m.doc.index()) else { continue };
            let passages: Vec<&maruhi_fingerprint::Passage> =
                m.passages.iter().filter(|p| informative(&doc.text, p.query_bytes.clone())).collect();
            let aligned_chars: usize = passages.iter().map(|p| p.aligned_chars).sum();
            if passages.is_empty() || aligned_chars < t.min_matched_chars {
                continue;
            }
            let mut in_passages: Vec<usize> = passages.iter().flat_map(|p| p.spans.iter().copied()).collect();
            in_passages.sort_unstable();
            let spans: Vec<Span> = in_passages
                .iter()
                .filter_map(|&i| m.spans.get(i))
                .map(|s| Span {
                    query_bytes: [s.query_bytes.start, s.query_bytes.end],
                    reference_bytes: [s.reference_bytes.start, s.reference_bytes.end],
                    query_chars: [s.query_chars.start, s.query_chars.end],
                    reference_chars: [s.reference_chars.start, s.reference_chars.end],
                })
                .collect();
            let matched_chars =
                union_len(spans.iter().map(|s| s.reference_chars[0]..s.reference_chars[1]), &mut scratch);
            let query_chars = union_len(spans.iter().map(|s| s.query_chars[0]..s.query_chars[1]), &mut scratch);
            let reference_len = index.refs.reference_len(m.doc).max(1);
            let coverage = round4((matched_chars as f64 / reference_len as f64).min(1.0));
            if coverage < t.min_coverage {
                continue;
            }
            let longest_passage = passages.first().map_or(0, |p| p.aligned_chars);
            let longest_text = passages.first().map(|p| passage_excerpt(&doc.text, p.query_bytes.clone(), 160));
            docs.push(m.doc);
            findings.push(Finding {
                path: doc.path.clone(),
                reference: reference.name.clone(),
                kind: MatchKind::of(doc.format),
                collection: reference.collection,
                secret_id: reference.secret_id,
                material_id: reference.material_id,
                severity: Severity::of(longest_passage, coverage),
                coverage,
                query_coverage: round4((query_chars as f64 / query_len as f64).min(1.0)),
                matched_chars,
                longest_passage,
                aligned_chars,
                passages: passages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| Passage {
                        query_text: if self.explain && i < PASSAGES {
                            passage_excerpt(&doc.text, p.query_bytes.clone(), 400)
                        } else {
                            String::new()
                        },
                        query_bytes: [p.query_bytes.start, p.query_bytes.end],
                        reference_bytes: [p.reference_bytes.start, p.reference_bytes.end],
                        query_chars: [p.query_chars.start, p.query_chars.end],
                        reference_chars: [p.reference_chars.start, p.reference_chars.end],
                        aligned_chars: p.aligned_chars,
                        similarity: round4(p.similarity),
                    })
                    .collect(),
                spans,
                discounted: Vec::new(),
                excerpt: longest_text.unwrap_or_default(),
            });
        }
        if self.explain && !findings.is_empty() {
            let qfps = fps.as_slice();
            for (finding, spans) in findings.iter_mut().zip(index.refs.discounted(&fps, &docs)) {
                finding.discounted = spans
                    .iter()
                    .take(DISCOUNTED)
                    .map(|s| Discounted {
                        query_bytes: [s.query_bytes.start, s.query_bytes.end],
                        query_chars: [s.query_chars.start, s.query_chars.end],
                        documents: qfps
                            .get(qfps.partition_point(|f| f.position() < s.query_chars.start))
                            .map_or(0, |f| index.refs.document_frequency(f.hash())),
                        excerpt: excerpt(&doc.text, [s.query_bytes.start, s.query_bytes.end], 80),
                    })
                    .collect();
            }
        }
        // The gravest first, then the most evidence.
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.longest_passage.cmp(&a.longest_passage))
                .then(b.coverage.total_cmp(&a.coverage))
        });
        Ok(findings)
    }
}

/// A finding for a scanned file that is, byte for byte, a reference file.
fn exact_finding(path: &str, reference: &Reference) -> Finding {
    Finding {
        path: path.to_owned(),
        reference: reference.name.clone(),
        kind: MatchKind::ExactFile,
        collection: reference.collection,
        secret_id: reference.secret_id,
        material_id: reference.material_id,
        severity: Severity::High,
        coverage: 1.0,
        query_coverage: 1.0,
        matched_chars: 0,
        longest_passage: 0,
        aligned_chars: 0,
        passages: Vec::new(),
        spans: Vec::new(),
        discounted: Vec::new(),
        excerpt: String::new(),
    }
}

/// Distinct letters, digits and ideographs a passage needs to be evidence.
/// A rule line, a run of one character or a column of zeros matches across
/// any documents that have one and on many alignments at once; the masking
/// of low-complexity regions in sequence search (DUST, Morgulis et al. 2006)
/// leaves such text out for the same reason.
pub const MIN_DISTINCT_CHARS: usize = 10;

/// Whether the text of `range` has [`MIN_DISTINCT_CHARS`] distinct letters,
/// digits or ideographs (case folded).
fn informative(text: &str, range: std::ops::Range<usize>) -> bool {
    let Some(slice) = text.get(floor_boundary(text, range.start)..floor_boundary(text, range.end)) else {
        return false;
    };
    let mut seen: Vec<char> = Vec::with_capacity(MIN_DISTINCT_CHARS);
    for c in slice.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase) {
        if !seen.contains(&c) {
            seen.push(c);
            if seen.len() >= MIN_DISTINCT_CHARS {
                return true;
            }
        }
    }
    false
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The text of a passage for one line of a report: widened to whole words
/// (evidence starts and ends inside a word more often than not: winnowing
/// selects k-grams, not words), then, when longer than `max_chars`, cut at
/// the last sentence end, else the last word break, before the limit.
pub fn passage_excerpt(text: &str, range: std::ops::Range<usize>, max_chars: usize) -> String {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut start = floor_boundary(text, range.start);
    let mut end = floor_boundary(text, range.end.max(start));
    // At most a few dozen bytes either way: a word, not a paragraph.
    for _ in 0..32 {
        match text.get(..start).and_then(|t| t.chars().next_back()) {
            Some(c) if is_word(c) && text.get(start..).and_then(|t| t.chars().next()).is_some_and(is_word) => {
                start -= c.len_utf8();
            }
            _ => break,
        }
    }
    for _ in 0..32 {
        match text.get(end..).and_then(|t| t.chars().next()) {
            Some(c) if is_word(c) && text.get(..end).and_then(|t| t.chars().next_back()).is_some_and(is_word) => {
                end += c.len_utf8();
            }
            _ => break,
        }
    }
    let head = excerpt(text, [start, end], max_chars);
    let Some(head) = head.strip_suffix('…') else {
        return head;
    };
    let sentence = head
        .rfind(['。', '．', '.', '!', '?', '！', '？'])
        .map(|i| i + head[i..].chars().next().map_or(0, char::len_utf8));
    let word = head.rfind([' ', '、', '，', ',']);
    let cut = match (sentence, word) {
        (Some(s), _) if s * 2 >= head.len() => s,
        (_, Some(w)) if w * 2 >= head.len() => w,
        _ => head.len(),
    };
    format!("{}…", head[..cut].trim_end())
}

/// The group of each reference for the boilerplate discount, and how many
/// groups there are: the files of one secret are one group (versions of one
/// design share most of their text, which is not boilerplate), every other
/// reference is a group of its own.
fn reference_groups(meta: &[Reference]) -> (Vec<u32>, usize) {
    let mut secrets = std::collections::HashMap::new();
    let mut groups = Vec::with_capacity(meta.len());
    let mut next = 0u32;
    for r in meta {
        let group = match (r.collection, r.secret_id) {
            (Collection::Secret, Some(id)) => *secrets.entry(id).or_insert(next),
            _ => next,
        };
        if group == next {
            next += 1;
        }
        groups.push(group);
    }
    (groups, next as usize)
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
