//! Attachments: hidden and double extensions, programs, disk images, archives (listed, also
//! nested and password-protected), Office macros (OOXML `vbaProject.bin`, OLE `Macros`/`VBA`
//! storages). Reading is bounded: nesting, members and bytes read have ceilings, and what cannot be
//! read is a sign of its own rather than an error.

use std::io::{Cursor, Read};

use crate::signs::{self, Reason};

/// Ceilings of archive reading, per attachment.
const MAX_DEPTH: u32 = 3;
const MAX_MEMBERS: usize = 2_000;
const MAX_MEMBER_BYTES: u64 = 32 << 20;
const MAX_TOTAL_BYTES: u64 = 128 << 20;

/// Programs, scripts, shortcuts and HTML applications Windows runs on a double click.
const EXECUTABLE: &[&str] = &[
    "exe",
    "scr",
    "com",
    "pif",
    "bat",
    "cmd",
    "js",
    "jse",
    "vbs",
    "vbe",
    "wsf",
    "wsh",
    "ps1",
    "psm1",
    "hta",
    "lnk",
    "msi",
    "msp",
    "cpl",
    "jar",
    "chm",
    "reg",
    "scf",
    "url",
    "inf",
    "dll",
    "appx",
    "msix",
    "appref-ms",
    "settingcontent-ms",
    "xll",
    "one",
    "iqy",
    "slk",
    "library-ms",
    "search-ms",
];
/// Disk images: Windows mounts them on a double click and their files lose the mark of the web.
const DISK_IMAGE: &[&str] = &["iso", "img", "vhd", "vhdx"];
/// Archives maruhi cannot list.
const UNLISTED_ARCHIVE: &[&str] = &["rar", "7z", "lzh", "lha", "cab", "ace", "arj", "gz", "tgz", "bz2", "xz"];
/// Macro-enabled Office formats, by extension.
const MACRO_EXT: &[&str] = &["docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppam", "ppsm", "sldm"];
/// Extensions of documents a program pretends to be.
const DOCUMENT_EXT: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "csv", "jpg", "jpeg", "png", "gif", "zip", "htm",
    "html", "mp4", "mp3",
];
/// Bidirectional controls that reorder how a name displays (Unicode UAX #9): with U+202E
/// `履歴書\u{202E}fdp.exe` shows as `履歴書exe.pdf`.
const BIDI_CONTROLS: &[char] = &[
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    '\u{200E}', '\u{200F}',
];

/// What the attachments of a mail show.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) reasons: Vec<Reason>,
    /// At least one password-protected archive.
    pub(crate) encrypted_archive: bool,
}

fn extension(name: &str) -> String {
    let name = name.trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    match name.rsplit_once('.') {
        Some((_, ext)) => ext.to_lowercase(),
        None => String::new(),
    }
}

/// The display form of a file name with its bidi controls shown, so the report cannot itself be
/// reordered.
fn shown(name: &str) -> String {
    name.chars()
        .map(|c| if BIDI_CONTROLS.contains(&c) { format!("<U+{:04X}>", u32::from(c)) } else { c.to_string() })
        .collect()
}

struct Budget {
    members: usize,
    bytes: u64,
}

/// Examines one attachment: its name, its content, and what it holds.
pub(crate) fn examine(name: &str, bytes: &[u8], out: &mut Findings) {
    let mut budget = Budget { members: 0, bytes: 0 };
    examine_file(name, bytes, None, 0, &mut budget, out);
}

/// `inside` is the archive's name when the file is an archive member.
fn examine_file(name: &str, bytes: &[u8], inside: Option<&str>, depth: u32, budget: &mut Budget, out: &mut Findings) {
    let display = match inside {
        Some(archive) => format!("{}!/{}", shown(archive), shown(name)),
        None => shown(name),
    };
    examine_name(name, &display, inside.is_some(), out);
    if bytes.starts_with(b"MZ") && !EXECUTABLE.contains(&extension(name).as_str()) && bytes.len() > 64 {
        // A Windows program under another name.
        let sign = if inside.is_some() { signs::EXECUTABLE_IN_ARCHIVE } else { signs::EXECUTABLE_ATTACHMENT };
        out.reasons.push(sign.with(&display));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        if depth < MAX_DEPTH {
            examine_zip(&display, bytes, depth, budget, out);
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) && ole_has_macros(bytes) {
        out.reasons.push(signs::OFFICE_MACRO.with(&display));
    }
}

fn examine_name(name: &str, display: &str, in_archive: bool, out: &mut Findings) {
    if name.contains(BIDI_CONTROLS) {
        out.reasons.push(signs::RLO_FILE_NAME.with(display));
    }
    let ext = extension(name);
    let base = name.trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    let stem = base.rsplit_once('.').map_or("", |(s, _)| s);
    let inner = extension(stem);
    let risky = EXECUTABLE.contains(&ext.as_str()) || DISK_IMAGE.contains(&ext.as_str());
    // `請求書.pdf.exe`, or `請求書.pdf                 .exe` padded so a window cuts the real one off.
    let padded = stem.ends_with("   ");
    if risky && (DOCUMENT_EXT.contains(&inner.as_str()) || padded) {
        out.reasons.push(signs::DOUBLE_EXTENSION.with(display));
    }
    if EXECUTABLE.contains(&ext.as_str()) {
        let sign = if in_archive { signs::EXECUTABLE_IN_ARCHIVE } else { signs::EXECUTABLE_ATTACHMENT };
        out.reasons.push(sign.with(display));
    } else if DISK_IMAGE.contains(&ext.as_str()) {
        let sign = if in_archive { signs::EXECUTABLE_IN_ARCHIVE } else { signs::DISK_IMAGE };
        out.reasons.push(sign.with(display));
    } else if UNLISTED_ARCHIVE.contains(&ext.as_str()) {
        out.reasons.push(signs::UNLISTED_ARCHIVE.with(display));
    } else if MACRO_EXT.contains(&ext.as_str()) {
        out.reasons.push(signs::OFFICE_MACRO.with(display));
    }
}

/// A member name as written: UTF-8 when the archive says so, else what Japanese Windows writes
/// (Shift_JIS, as CP932), else the zip crate's reading.
fn member_name(raw: &[u8], fallback: &str) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_owned();
    }
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(raw);
    if bad {
        fallback.to_owned()
    } else {
        text.into_owned()
    }
}

fn examine_zip(display: &str, bytes: &[u8], depth: u32, budget: &mut Budget, out: &mut Findings) {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return;
    };
    let mut names = Vec::new();
    let mut encrypted = false;
    for i in 0..zip.len() {
        budget.members += 1;
        if budget.members > MAX_MEMBERS {
            break;
        }
        let Ok(member) = zip.by_index_raw(i) else { continue };
        if member.is_dir() {
            continue;
        }
        let fallback = member.name().map(|n| n.into_owned()).unwrap_or_default();
        let mname = member_name(member.name_raw(), &fallback);
        encrypted |= member.encrypted();
        names.push((i, mname, member.encrypted(), member.size()));
    }
    // OOXML: an Office document is a zip with `[Content_Types].xml`; its macros are in
    // `vbaProject.bin` (ECMA-376 Part 2 package, MS-OFFMACRO2).
    if names.iter().any(|(_, n, _, _)| n == "[Content_Types].xml") {
        if names.iter().any(|(_, n, _, _)| n.to_lowercase().ends_with("vbaproject.bin")) {
            out.reasons.push(signs::OFFICE_MACRO.with(display));
        }
        return;
    }
    if encrypted {
        out.encrypted_archive = true;
        out.reasons.push(signs::ENCRYPTED_ARCHIVE.with(display));
    }
    for (i, mname, enc, size) in names {
        let leaf = mname.rsplit('/').next().unwrap_or(&mname).to_owned();
        let mdisplay = format!("{display}!/{}", shown(&mname));
        if enc || size > MAX_MEMBER_BYTES || budget.bytes + size > MAX_TOTAL_BYTES {
            // Names are readable without the password; the content is not.
            examine_name(&leaf, &mdisplay, true, out);
            continue;
        }
        let mut content = Vec::new();
        let read = match zip.by_index(i) {
            Ok(file) => file.take(MAX_MEMBER_BYTES).read_to_end(&mut content).is_ok(),
            Err(_) => false,
        };
        budget.bytes += content.len() as u64;
        if read {
            examine_member(&leaf, &mdisplay, &content, depth + 1, budget, out);
        } else {
            examine_name(&leaf, &mdisplay, true, out);
        }
    }
}

fn examine_member(leaf: &str, display: &str, bytes: &[u8], depth: u32, budget: &mut Budget, out: &mut Findings) {
    examine_name(leaf, display, true, out);
    if bytes.starts_with(b"MZ") && !EXECUTABLE.contains(&extension(leaf).as_str()) && bytes.len() > 64 {
        out.reasons.push(signs::EXECUTABLE_IN_ARCHIVE.with(display));
    }
    if bytes.starts_with(b"PK\x03\x04") && depth < MAX_DEPTH {
        examine_zip(display, bytes, depth, budget, out);
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) && ole_has_macros(bytes) {
        out.reasons.push(signs::OFFICE_MACRO.with(display));
    }
}

/// Whether an OLE compound file (old `.doc`, `.xls`, `.ppt`) holds a VBA project: Word keeps it
/// in the `Macros` storage, Excel in `_VBA_PROJECT_CUR`, both with a `VBA` storage inside
/// (MS-OVBA 2.2).
pub(crate) fn ole_has_macros(bytes: &[u8]) -> bool {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return false;
    };
    let found = file.walk().take(10_000).any(|e| {
        let n = e.name();
        n.eq_ignore_ascii_case("VBA") || n.eq_ignore_ascii_case("Macros") || n.eq_ignore_ascii_case("_VBA_PROJECT_CUR")
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(name: &str, bytes: &[u8]) -> Vec<&'static str> {
        let mut out = Findings::default();
        examine(name, bytes, &mut out);
        out.reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn names_reveal_programs() {
        assert_eq!(codes("履歴書\u{202E}fdp.exe", b""), ["MRH-MAIL-111", "MRH-MAIL-113"]);
        assert_eq!(codes("請求書.pdf.exe", b""), ["MRH-MAIL-112", "MRH-MAIL-113"]);
        assert_eq!(codes("見積書.lnk", b""), ["MRH-MAIL-113"]);
        assert_eq!(codes("資料.iso", b""), ["MRH-MAIL-114"]);
        assert_eq!(codes("資料.docm", b""), ["MRH-MAIL-118"]);
        assert!(codes("見積書.pdf", b"%PDF-1.7").is_empty());
        assert!(codes("議事録.v2.docx", b"").is_empty());
    }
}
