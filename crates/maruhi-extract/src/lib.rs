//! Bounded text extraction for maruhi's leak and contamination scanner.
//!
//! Given a file (its bytes and its name), [`extract_bytes`] and [`extract_file`] return the text of
//! every document inside it: plain text, Markdown, CSV/TSV, HTML/XML, JSON, DOCX/XLSX/PPTX,
//! ODT/ODS/ODP, legacy `.doc`/`.xls`/`.ppt` (OLE2, through `cfb`), RTF, PDF (including Japanese
//! CID fonts with predefined CMaps), images and scanned PDFs by OCR (Tesseract, when installed),
//! DXF, STEP and G-code (as canonical drawing text), e-mail (`.eml`, body and attachments) and
//! archives (ZIP, tar, gzip), nested to any depth the [`Limits`] allow. Archive and mail members
//! are named `outer!/member` (`a.zip!/b.zip!/c.txt`, `mail.eml!/報告書.pdf`). A container yields
//! no document of its own, except that a mail's subject and body are a document named after the
//! mail itself. Binary files with no extractable text (executables, CAD binaries) quietly yield
//! nothing; every file and member, text or not, is listed in [`Extraction::files`] with its
//! SHA-256, so that scanners find exact copies of any format.
//!
//! Extraction never fails as a whole: what goes wrong becomes a [`Diagnostic`] for that file or
//! member, and the rest of the archive continues. Diagnostic messages are English, never contain
//! document content, and carry a stable code from [`codes`]:
//!
//! | code | meaning |
//! | --- | --- |
//! | `MRH-EXTRACT-001` | file or member larger than [`Limits::max_file_bytes`] |
//! | `MRH-EXTRACT-002` | the file could not be read (I/O error) |
//! | `MRH-EXTRACT-003` | nesting deeper than [`Limits::max_depth`] |
//! | `MRH-EXTRACT-004` | compression ratio above [`Limits::max_ratio`] (zip bomb) |
//! | `MRH-EXTRACT-005` | total expanded bytes above [`Limits::max_expanded_bytes`] |
//! | `MRH-EXTRACT-006` | more archive members than [`Limits::max_members`] |
//! | `MRH-EXTRACT-007` | text truncated at [`Limits::max_text_bytes`] |
//! | `MRH-EXTRACT-008` | [`Limits::time_budget`] exhausted |
//! | `MRH-EXTRACT-009` | malformed or truncated document or archive |
//! | `MRH-EXTRACT-010` | encrypted or password-protected content |
//! | `MRH-EXTRACT-011` | a parser panicked (a bug in a parser, contained) |
//! | `MRH-EXTRACT-012` | unsupported compression method or member kind |
//! | `MRH-EXTRACT-013` | a PDF yielded no usable text (scanned image, or fonts without a Unicode map and no `pdftotext`) |
//! | `MRH-EXTRACT-014` | a PDF over a decoding budget: a stream past its ratio, size or the expanded-bytes budget, too many pages or objects, or a page's content past [`Limits::max_pdf_parse_bytes`] |
//!
//! # Limits
//!
//! Every budget in [`Limits`] counts per top-level file: the input size is checked before reading,
//! every decompressed byte (archive members, Office parts, gzip streams) counts against
//! `max_expanded_bytes`, a member whose decompressed size exceeds `max_ratio` times its compressed
//! size is refused (members up to 1 MiB are exempt, since small, repetitive files compress well
//! and are harmless), and the time budget is checked between members. PDF parsing, the one parser
//! that can be slow on hostile input, runs on a helper thread: at the deadline extraction stops
//! waiting for it and reports `MRH-EXTRACT-008`, and the thread is told to stop, which it does at
//! its next stream, page or character (Rust threads cannot be killed; until then it can use only
//! what the PDF budgets below let through). The `pdftotext` subprocess runs under an address-space
//! ceiling ([`Limits::pdftotext_max_memory`]) and is killed at the deadline.
//!
//! # PDF
//!
//! PDF text comes from the pure-Rust `pdf-extract`. When that yields nothing or mostly U+FFFD
//! (fonts whose glyphs it cannot map to Unicode), or fails or panics, and
//! [`Limits::use_pdftotext`] is set and poppler's `pdftotext` is on `PATH`, the PDF is handed to
//! `pdftotext` instead (Japanese PDFs need `poppler-data` for that); a diagnostic is recorded only
//! when both fail.
//!
//! Japanese (and Chinese and Korean) PDFs as PDF libraries and older Acrobat versions write them,
//! CID fonts with a predefined CMap and no `/ToUnicode` map, are read by the Rust path too: the
//! Unicode CMaps (`UniJIS-UCS2-H`, `-UTF16`, `-UTF32`, `-UTF8`, horizontal and vertical), the
//! Shift_JIS, EUC-JP and JIS row/cell ones (`90ms-RKSJ-H`, `EUC-H`, `H`, …; GBK, Big5 and
//! EUC-KR for the other orderings), and `Identity-H`/`-V` over Adobe-Japan1 CIDs through Adobe's
//! CID-to-Unicode table.
//!
//! Compressed PDF streams (PDF 32000-1 §7.4 filters) are budgeted like archive members: before
//! any PDF parser decodes a stream, maruhi-extract decodes it with decoders that stop at the limit,
//! each stream within [`Limits::max_ratio`] and [`Limits::max_file_bytes`], all of them within
//! [`Limits::max_expanded_bytes`]; pdf-extract then gets the decoded bytes and decodes nothing
//! itself. Pages and objects are capped ([`Limits::max_pdf_pages`], [`Limits::max_pdf_objects`]),
//! and so is the content pdf-extract parses at once ([`Limits::max_pdf_parse_bytes`]). A file over
//! a budget yields `MRH-EXTRACT-014` and no text, except that a stream or page over its budget is
//! left out (with `MRH-EXTRACT-014`) and the rest of the document is read. Encrypted PDFs are read
//! only by `pdftotext`.
//!
//! # Example
//!
//! ```
//! use maruhi_extract::{extract_bytes, Format, Limits};
//!
//! let out = extract_bytes("notes/memo.txt", "社外秘: 新製品の配合".as_bytes(), &Limits::default());
//! assert_eq!(out.documents.len(), 1);
//! assert_eq!(out.documents[0].format, Format::Text);
//! assert_eq!(out.documents[0].text, "社外秘: 新製品の配合");
//! assert!(out.diagnostics.is_empty());
//! ```
#![forbid(unsafe_code)]

mod archive;
mod cad;
mod child;
mod ctx;
mod detect;
mod legacy;
mod mail;
mod markup;
mod ocr;
mod office;
mod pdf;
mod text;

use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// The stable diagnostic codes, one per kind of problem (see the crate documentation).
pub mod codes {
    /// A file or member is larger than [`crate::Limits::max_file_bytes`].
    pub const FILE_TOO_LARGE: &str = "MRH-EXTRACT-001";
    /// The file could not be read.
    pub const IO_ERROR: &str = "MRH-EXTRACT-002";
    /// Nesting deeper than [`crate::Limits::max_depth`].
    pub const TOO_DEEP: &str = "MRH-EXTRACT-003";
    /// A member's compression ratio exceeds [`crate::Limits::max_ratio`].
    pub const RATIO_EXCEEDED: &str = "MRH-EXTRACT-004";
    /// The total expanded bytes exceed [`crate::Limits::max_expanded_bytes`].
    pub const EXPANDED_EXCEEDED: &str = "MRH-EXTRACT-005";
    /// More members than [`crate::Limits::max_members`].
    pub const TOO_MANY_MEMBERS: &str = "MRH-EXTRACT-006";
    /// Text truncated at [`crate::Limits::max_text_bytes`].
    pub const TEXT_TRUNCATED: &str = "MRH-EXTRACT-007";
    /// The time budget ran out.
    pub const TIME_BUDGET: &str = "MRH-EXTRACT-008";
    /// A malformed or truncated document or archive.
    pub const MALFORMED: &str = "MRH-EXTRACT-009";
    /// Encrypted or password-protected content.
    pub const ENCRYPTED: &str = "MRH-EXTRACT-010";
    /// A parser panicked; the panic was contained.
    pub const PARSER_PANIC: &str = "MRH-EXTRACT-011";
    /// An unsupported compression method or member kind.
    pub const UNSUPPORTED: &str = "MRH-EXTRACT-012";
    /// A PDF yielded no usable text.
    pub const PDF_NO_TEXT: &str = "MRH-EXTRACT-013";
    /// A PDF, or part of one, is over a decoding budget (a PDF bomb, or a document too large to
    /// parse safely).
    pub const PDF_BUDGET: &str = "MRH-EXTRACT-014";

    /// Every code, in order (pinned by the tests).
    pub const ALL: [&str; 14] = [
        FILE_TOO_LARGE,
        IO_ERROR,
        TOO_DEEP,
        RATIO_EXCEEDED,
        EXPANDED_EXCEEDED,
        TOO_MANY_MEMBERS,
        TEXT_TRUNCATED,
        TIME_BUDGET,
        MALFORMED,
        ENCRYPTED,
        PARSER_PANIC,
        UNSUPPORTED,
        PDF_NO_TEXT,
        PDF_BUDGET,
    ];
}

/// Budgets for one top-level file. Every field is a hard limit; see the crate documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file, and largest single archive member, in bytes.
    pub max_file_bytes: u64,
    /// Largest total of decompressed bytes across all members at all depths.
    pub max_expanded_bytes: u64,
    /// Deepest nesting of containers (a top-level file is depth 0, its members depth 1).
    pub max_depth: u32,
    /// Largest decompressed/compressed ratio of one member (members up to 1 MiB are exempt).
    pub max_ratio: u32,
    /// Most archive or mail members, counted across all depths.
    pub max_members: u32,
    /// Most text, in UTF-8 bytes, across all documents of the file.
    pub max_text_bytes: u64,
    /// Wall-clock budget for the whole file.
    pub time_budget: Duration,
    /// Whether to fall back to poppler's `pdftotext` when it is installed.
    pub use_pdftotext: bool,
    /// Most pages of one PDF.
    pub max_pdf_pages: u32,
    /// Most objects of one PDF (indirect objects, counting those inside object streams).
    pub max_pdf_objects: u32,
    /// Most PDF syntax parsed at once: the decoded object and cross-reference streams of the
    /// file, and the content of one page (its content streams, once per reference, plus the
    /// forms it draws on one nesting path). lopdf turns each parsed byte into up to ~60 bytes of
    /// objects (a 120-byte `Object` per two-byte token), so this bounds the parsers' memory at
    /// roughly 60 times the value on top of the decoded streams.
    pub max_pdf_parse_bytes: u64,
    /// Address-space ceiling of the `pdftotext` child process (and of the OCR children), in
    /// bytes.
    pub pdftotext_max_memory: u64,
    /// Whether to read images and PDFs without a text layer by OCR when Tesseract is installed
    /// (see [`ocr_available`]).
    pub use_ocr: bool,
    /// Wall-clock budget for the OCR of one file (within [`Limits::time_budget`]).
    pub ocr_time_budget: Duration,
    /// Largest image or scanned PDF read by OCR, in bytes.
    pub ocr_max_bytes: u64,
    /// Most pages of a scanned PDF read by OCR.
    pub ocr_max_pages: u32,
    /// Whether to list every file and member with its SHA-256 in [`Extraction::files`] (a pass
    /// of SHA-256 over every byte; a scanner with no exact-file references turns it off).
    pub hash_files: bool,
}

impl Default for Limits {
    fn default() -> Self {
        const MIB: u64 = 1024 * 1024;
        Self {
            max_file_bytes: 256 * MIB,
            max_expanded_bytes: 1024 * MIB,
            max_depth: 8,
            max_ratio: 200,
            max_members: 10_000,
            max_text_bytes: 64 * MIB,
            time_budget: Duration::from_secs(60),
            use_pdftotext: true,
            max_pdf_pages: 10_000,
            max_pdf_objects: 500_000,
            max_pdf_parse_bytes: 8 * MIB,
            pdftotext_max_memory: 1024 * MIB,
            use_ocr: true,
            ocr_time_budget: Duration::from_secs(30),
            ocr_max_bytes: 32 * MIB,
            ocr_max_pages: 20,
            hash_files: true,
        }
    }
}

/// The format a document was recognised as (by magic bytes first, file extension second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Plain text in any detected charset.
    Text,
    /// Markdown (extracted as plain text).
    Markdown,
    /// CSV or TSV (extracted as plain text).
    Csv,
    /// HTML or XHTML (tags, scripts and styles removed, entities decoded).
    Html,
    /// XML (tags removed, entities decoded).
    Xml,
    /// JSON (string escapes decoded in place).
    Json,
    /// Word (Office Open XML).
    Docx,
    /// Excel (Office Open XML).
    Xlsx,
    /// PowerPoint (Office Open XML).
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument spreadsheet.
    Ods,
    /// OpenDocument presentation.
    Odp,
    /// Word 97-2003 (OLE2 compound file).
    Doc,
    /// Excel 97-2003 (OLE2 compound file, BIFF8).
    Xls,
    /// PowerPoint 97-2003 (OLE2 compound file).
    Ppt,
    /// Rich Text Format.
    Rtf,
    /// An image (PNG, JPEG, TIFF): text only through OCR.
    Image,
    /// Text read by OCR from an image or a PDF page without a text layer.
    Ocr,
    /// An ASCII DXF drawing (as canonical entity text).
    Dxf,
    /// A STEP (ISO 10303-21) model (as canonical entity text).
    Step,
    /// A G-code NC program (as canonical blocks).
    Gcode,
    /// PDF.
    Pdf,
    /// An RFC 5322 e-mail message.
    Eml,
    /// A ZIP archive.
    Zip,
    /// A tar archive.
    Tar,
    /// A gzip stream.
    Gzip,
    /// Binary content with no extractable text.
    Unknown,
}

impl Format {
    /// A short lowercase name, stable for reports and JSON output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
            Format::Html => "html",
            Format::Xml => "xml",
            Format::Json => "json",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Pptx => "pptx",
            Format::Odt => "odt",
            Format::Ods => "ods",
            Format::Odp => "odp",
            Format::Doc => "doc",
            Format::Xls => "xls",
            Format::Ppt => "ppt",
            Format::Rtf => "rtf",
            Format::Image => "image",
            Format::Ocr => "ocr",
            Format::Dxf => "dxf",
            Format::Step => "step",
            Format::Gcode => "gcode",
            Format::Pdf => "pdf",
            Format::Eml => "eml",
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Unknown => "unknown",
        }
    }
}

/// The text of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Display path: the top-level path, with `!/member` for each level of nesting.
    pub path: String,
    /// The format the document was extracted as.
    pub format: Format,
    /// The extracted text.
    pub text: String,
}

/// A problem with one file or member. The message is English and never contains document content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Display path of the file or member concerned.
    pub path: String,
    /// A stable code from [`codes`].
    pub code: &'static str,
    /// What went wrong, in English.
    pub message: String,
}

/// A file met during extraction, by its exact content: the top-level file and every archive
/// member and mail attachment at any depth (not the parts inside an Office file). Scanners match
/// these against registered files ("this exact file"), whatever the format, text or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    /// Display path, as in [`Document::path`].
    pub path: String,
    /// The format the file was recognised as.
    pub format: Format,
    /// Size in bytes (decompressed, for a member).
    pub size: u64,
    /// SHA-256 of the bytes.
    pub sha256: [u8; 32],
}

/// Everything extracted from one top-level file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The documents found, in archive order.
    pub documents: Vec<Document>,
    /// Every file and member met, in the order met (top-level file first), with its SHA-256.
    pub files: Vec<FileDigest>,
    /// The problems met, in the order met.
    pub diagnostics: Vec<Diagnostic>,
    /// Bytes of the top-level input read (not counting decompressed member bytes).
    pub bytes_read: u64,
}

/// Extracts every document from `bytes`, a top-level file shown as `display_path`.
///
/// The name in `display_path` supplies the extension used when magic bytes do not decide the
/// format.
pub fn extract_bytes(display_path: &str, bytes: &[u8], limits: &Limits) -> Extraction {
    let mut cx = ctx::Ctx::new(limits);
    cx.bytes_read = bytes.len() as u64;
    if bytes.len() as u64 > limits.max_file_bytes {
        cx.diag(display_path, codes::FILE_TOO_LARGE, too_large(bytes.len() as u64, limits.max_file_bytes));
    } else {
        ctx::extract_into(&mut cx, display_path, display_path, bytes, 0, None);
    }
    cx.finish()
}

/// Reads `path` (its size checked before reading) and extracts it as [`extract_bytes`] does.
///
/// I/O errors become a diagnostic with code [`codes::IO_ERROR`].
pub fn extract_file(path: &Path, display_path: &str, limits: &Limits) -> Extraction {
    let io_error = |e: std::io::Error| Extraction {
        diagnostics: vec![Diagnostic {
            path: display_path.to_owned(),
            code: codes::IO_ERROR,
            message: format!("could not read file: {}", e.kind()),
        }],
        ..Extraction::default()
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return io_error(e),
    };
    let len = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return io_error(e),
    };
    if len > limits.max_file_bytes {
        return Extraction {
            diagnostics: vec![Diagnostic {
                path: display_path.to_owned(),
                code: codes::FILE_TOO_LARGE,
                message: too_large(len, limits.max_file_bytes),
            }],
            ..Extraction::default()
        };
    }
    // The file may grow between the size check and the read; `take` keeps the limit honest.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    if let Err(e) = file.take(limits.max_file_bytes.saturating_add(1)).read_to_end(&mut bytes) {
        let mut out = io_error(e);
        out.bytes_read = bytes.len() as u64;
        return out;
    }
    extract_bytes(display_path, &bytes, limits)
}

/// Whether OCR can run here: Tesseract on `PATH` with its Japanese or English model.
pub fn ocr_available() -> bool {
    ocr::available()
}

fn too_large(len: u64, max: u64) -> String {
    format!("{len} bytes exceeds the limit of {max} bytes")
}
