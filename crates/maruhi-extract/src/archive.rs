//! ZIP, tar and gzip: members are read within the budgets and extracted recursively.

use std::io::{Cursor, Read};

use zip::result::ZipError;
use zip::ZipArchive;

use crate::ctx::{extract_into, member_path, Ctx};
use crate::{codes, detect, office, Format};

pub(crate) type Zip<'a> = ZipArchive<Cursor<&'a [u8]>>;

/// A ZIP file: an Office or OpenDocument file when its members say so, else a plain archive.
/// `format` is what detection assumed (from the extension when the magic bytes were missing).
pub(crate) fn zip(cx: &mut Ctx<'_>, path: &str, bytes: &[u8], depth: u32, format: Format) {
    let mut archive = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        Err(e) => {
            let (code, why) = zip_error(&e);
            let kind = format.as_str();
            cx.diag(path, code, format!("unreadable {kind} file (zip container): {why}"));
            return;
        }
    };
    match office::classify(&mut archive) {
        Some(office_format) => office::extract(cx, path, &mut archive, office_format),
        None => members(cx, path, &mut archive, depth),
    }
}

/// A fixed description of a ZIP error (the crate's own messages are static too, but fixed text
/// guarantees no member name or content reaches a diagnostic).
pub(crate) fn zip_error(e: &ZipError) -> (&'static str, String) {
    match e {
        ZipError::InvalidPassword => (codes::ENCRYPTED, "encrypted; no password is tried".to_owned()),
        ZipError::UnsupportedArchive(m) if m.contains("assword") || m.contains("ncrypt") => {
            (codes::ENCRYPTED, "encrypted; no password is tried".to_owned())
        }
        ZipError::UnsupportedArchive(m) => (codes::UNSUPPORTED, format!("unsupported: {m}")),
        ZipError::CompressionMethodNotSupported(m) => {
            (codes::UNSUPPORTED, format!("unsupported compression method {m}"))
        }
        ZipError::Io(_) => (codes::MALFORMED, "truncated or unreadable archive".to_owned()),
        _ => (codes::MALFORMED, "malformed or truncated archive".to_owned()),
    }
}

/// The display name of a member. Names without the UTF-8 flag are, in practice, UTF-8 (macOS,
/// Linux) or the Windows code page; for Japanese users that is Shift_JIS (CP932), not the CP437
/// the ZIP specification (APPNOTE 4.4.17) assumes.
pub(crate) fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::SHIFT_JIS.decode_without_bom_handling(raw).0.into_owned(),
    }
}

fn members(cx: &mut Ctx<'_>, path: &str, archive: &mut Zip<'_>, depth: u32) {
    for index in 0..archive.len() {
        if cx.out_of_time(path) {
            return;
        }
        // The raw view reads only metadata, so encrypted members and unsupported methods are
        // recognised without trying to decompress them.
        let (name, encrypted, is_dir, compressed, declared) = match archive.by_index_raw(index) {
            Ok(f) => (member_name(f.name_raw()), f.encrypted(), f.is_dir(), f.compressed_size(), f.size()),
            Err(e) => {
                let (code, why) = zip_error(&e);
                cx.diag(path, code, format!("member {index}: {why}"));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        let mpath = member_path(path, &name);
        if !cx.count_member(path) {
            return;
        }
        if encrypted {
            cx.diag(&mpath, codes::ENCRYPTED, "encrypted member; no password is tried");
            continue;
        }
        if depth + 1 > cx.limits.max_depth {
            let max = cx.limits.max_depth;
            cx.diag(&mpath, codes::TOO_DEEP, format!("nested deeper than {max} levels; skipped"));
            continue;
        }
        let data = match archive.by_index(index) {
            Ok(mut f) => cx.read_member(&mpath, &mut f, compressed, Some(declared)),
            Err(e) => {
                let (code, why) = zip_error(&e);
                cx.diag(&mpath, code, why);
                continue;
            }
        };
        if let Some(data) = data {
            extract_into(cx, &mpath, &name, &data, depth + 1, None);
        }
    }
}

/// A tar archive. Members are stored, not compressed, so only their size is limited here; a
/// compressed tar was already counted when its gzip stream expanded.
pub(crate) fn tar(cx: &mut Ctx<'_>, path: &str, bytes: &[u8], depth: u32) {
    let mut archive = tar::Archive::new(bytes);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(_) => {
            cx.diag(path, codes::MALFORMED, "malformed tar archive");
            return;
        }
    };
    for entry in entries {
        if cx.out_of_time(path) {
            return;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(_) => {
                cx.diag(path, codes::MALFORMED, "malformed or truncated tar archive; the rest is skipped");
                return;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = member_name(&entry.path_bytes());
        let mpath = member_path(path, &name);
        if !cx.count_member(path) {
            return;
        }
        if depth + 1 > cx.limits.max_depth {
            let max = cx.limits.max_depth;
            cx.diag(&mpath, codes::TOO_DEEP, format!("nested deeper than {max} levels; skipped"));
            continue;
        }
        let size = entry.size();
        let max = cx.limits.max_file_bytes;
        if size > max {
            cx.diag(&mpath, codes::FILE_TOO_LARGE, format!("member of {size} bytes exceeds the limit of {max} bytes"));
            continue;
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(bytes.len()));
        if entry.read_to_end(&mut data).is_err() {
            cx.diag(&mpath, codes::MALFORMED, "truncated tar member");
            return;
        }
        extract_into(cx, &mpath, &name, &data, depth + 1, None);
    }
}

/// A gzip stream: one compressed file. A compressed tar is read as the tar itself, so its members
/// are `x.tar.gz!/member` rather than `x.tar.gz!/x.tar!/member`.
pub(crate) fn gzip(cx: &mut Ctx<'_>, path: &str, name: &str, bytes: &[u8], depth: u32) {
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let Some(data) = cx.read_member(path, &mut decoder, bytes.len() as u64, None) else {
        return;
    };
    let inner = inner_name(name, decoder.header().and_then(|h| h.filename()));
    if detect::detect(&inner, &data) == Format::Tar {
        tar(cx, path, &data, depth);
        return;
    }
    if depth + 1 > cx.limits.max_depth {
        let max = cx.limits.max_depth;
        cx.diag(path, codes::TOO_DEEP, format!("nested deeper than {max} levels; skipped"));
        return;
    }
    extract_into(cx, &member_path(path, &inner), &inner, &data, depth + 1, None);
}

fn inner_name(outer: &str, stored: Option<&[u8]>) -> String {
    if let Some(stored) = stored.filter(|s| !s.is_empty()) {
        return member_name(stored);
    }
    let base = outer.rsplit(['/', '\\']).next().unwrap_or(outer);
    if let Some(stem) = base.strip_suffix(".tgz").or_else(|| base.strip_suffix(".TGZ")) {
        return format!("{stem}.tar");
    }
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => base.to_owned(),
    }
}
