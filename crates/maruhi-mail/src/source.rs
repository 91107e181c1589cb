//! Where mail comes from: `.eml` files, folders (Maildir's `cur`/`new` included: one message per
//! file), and mbox files (RFC 4155, `From ` lines), told apart by their first bytes.

use std::io::Read;
use std::path::{Path, PathBuf};

/// A mail file or mailbox larger than this is refused.
pub const MAX_INPUT_BYTES: u64 = 256 << 20;

/// One mail's bytes and where they came from: the file, or `box.mbox#3` for the third message of
/// an mbox.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file's path, with `#N` (from 1) for a message of an mbox.
    pub path: String,
    /// The raw message.
    pub bytes: Vec<u8>,
}

/// A file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file.
    pub path: String,
    /// What went wrong, in English.
    pub message: String,
}

/// Splits the bytes of a file into messages: an mbox gives each of its messages, anything else
/// is one message.
pub fn split(path: &str, bytes: Vec<u8>) -> Vec<Input> {
    if !bytes.starts_with(b"From ") {
        return vec![Input { path: path.to_owned(), bytes }];
    }
    let mut out = Vec::new();
    for (i, m) in mail_parser::mailbox::mbox::MessageIterator::new(bytes.as_slice()).enumerate() {
        if let Ok(m) = m {
            out.push(Input { path: format!("{path}#{}", i + 1), bytes: m.unwrap_contents() });
        }
    }
    out
}

/// Reads every mail under the given files and folders, in a stable order (folders sorted by
/// name). Unreadable files become problems; the rest is read.
pub fn read_paths(paths: &[PathBuf]) -> (Vec<Input>, Vec<Problem>) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        walk(p, &mut inputs, &mut problems, 0);
    }
    (inputs, problems)
}

fn walk(path: &Path, inputs: &mut Vec<Input>, problems: &mut Vec<Problem>, depth: u32) {
    let shown = path.display().to_string();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => {
            problems.push(Problem { path: shown, message: e.to_string() });
            return;
        }
    };
    if meta.is_dir() {
        if depth > 32 {
            return;
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => {
                problems.push(Problem { path: shown, message: e.to_string() });
                return;
            }
        };
        entries.sort();
        for e in entries {
            // Maildir's `tmp` holds messages still being delivered; dotfiles are not mail.
            let name = e.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.starts_with('.') || name == "tmp" {
                continue;
            }
            walk(&e, inputs, problems, depth + 1);
        }
        return;
    }
    if !meta.is_file() {
        return;
    }
    if meta.len() > MAX_INPUT_BYTES {
        problems.push(Problem { path: shown, message: format!("larger than {MAX_INPUT_BYTES} bytes") });
        return;
    }
    let mut bytes = Vec::new();
    match std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_BYTES).read_to_end(&mut bytes)) {
        Ok(_) => inputs.extend(split(&shown, bytes)),
        Err(e) => problems.push(Problem { path: shown, message: e.to_string() }),
    }
}
