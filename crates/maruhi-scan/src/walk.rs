//! Walking files and folders with a pool of threads.
//!
//! One thread walks (directories in sorted order, symbolic links not
//! followed, so a link loop cannot trap the scan) and feeds a bounded queue;
//! `threads` workers take files from it; the calling thread receives each
//! file's report as soon as it is ready, so output streams and memory stays
//! bounded by the queue, not by the number of files.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use maruhi_extract::{Diagnostic, Format, Limits};
use maruhi_fingerprint::{Fingerprinter, Fingerprints};

use crate::{read_limited, FileReport, Scanner, Summary};

/// How far a scan has come, for a progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Files found so far (final once `walking_done`).
    pub files_found: u64,
    pub files_done: u64,
    pub bytes_done: u64,
    pub walking_done: bool,
}

enum Item {
    File(PathBuf),
    /// A path that could not be walked.
    Problem(Diagnostic),
}

enum Message<T> {
    Found,
    WalkDone,
    Done(T),
}

/// Scans every file under `paths` (files or folders) with `threads` workers.
/// `on_report` sees every file's report, in completion order; `on_progress`
/// is called after each file.
pub fn scan_paths(
    scanner: &Scanner,
    paths: &[PathBuf],
    threads: usize,
    on_progress: &mut dyn FnMut(Progress),
    on_report: &mut dyn FnMut(FileReport),
) -> Summary {
    let mut summary = Summary::default();
    run_pool(
        paths,
        threads,
        |file| scanner.scan_file(file, &display(file)),
        |problem| FileReport { path: problem.path.clone(), diagnostics: vec![problem], ..FileReport::default() },
        |report: &FileReport| report.bytes,
        on_progress,
        &mut |report| {
            summary.add(&report);
            on_report(report);
        },
    );
    summary
}

/// A reference document fingerprinted from a folder (the ad-hoc mode).
#[derive(Debug)]
pub struct ReferenceDocument {
    /// `DIR/…/file`, or `DIR/…/archive.zip!/member`.
    pub name: String,
    pub format: Format,
    pub fingerprints: Fingerprints,
}

/// A reference file by its exact content (a file of the folder, or an
/// archive member or attachment inside one).
#[derive(Debug)]
pub struct ReferenceFile {
    /// `DIR/…/file`, or `DIR/…/archive.zip!/member`.
    pub name: String,
    pub format: Format,
    pub sha256: [u8; 32],
}

/// What a reference folder holds: the documents with text, the files and
/// members without text by their exact content
/// ([`exact_candidates`](crate::exact_candidates)), and the problems met.
#[derive(Debug, Default)]
pub struct ReferenceDir {
    pub documents: Vec<ReferenceDocument>,
    pub files: Vec<ReferenceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Extracts and fingerprints every document under `dir` with `threads`
/// workers, and hashes the files and members without text. Both come back sorted by
/// name, so the index (and every tie between equal matches) does not depend
/// on thread timing.
pub fn fingerprint_dir(
    dir: &Path,
    fingerprinter: &Fingerprinter,
    limits: &Limits,
    threads: usize,
    on_progress: &mut dyn FnMut(Progress),
) -> ReferenceDir {
    let mut documents = Vec::new();
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    run_pool(
        &[dir.to_path_buf()],
        threads,
        |file| {
            let path = display(file);
            let mut docs = Vec::new();
            let mut problems = Vec::new();
            let bytes = match read_limited(file, limits.max_file_bytes) {
                Ok(bytes) => bytes,
                Err(d) => return (0, docs, Vec::new(), vec![Diagnostic { path, ..d }]),
            };
            let extraction = maruhi_extract::extract_bytes(&path, &bytes, limits);
            let hashed: Vec<ReferenceFile> = crate::exact_candidates(&extraction)
                .map(|f| ReferenceFile { name: f.path.clone(), format: f.format, sha256: f.sha256 })
                .collect();
            problems.extend(extraction.diagnostics);
            for doc in extraction.documents {
                match fingerprinter.fingerprint(&doc.text) {
                    Ok(fingerprints) if !fingerprints.is_empty() => {
                        docs.push(ReferenceDocument { name: doc.path, format: doc.format, fingerprints })
                    }
                    Ok(_) => {}
                    Err(e) => problems.push(Diagnostic {
                        path: doc.path,
                        code: "MRH-SCAN-001",
                        message: format!("could not fingerprint the text: {e}"),
                    }),
                }
            }
            (bytes.len() as u64, docs, hashed, problems)
        },
        |problem| (0, Vec::new(), Vec::new(), vec![problem]),
        |(bytes, _, _, _)| *bytes,
        on_progress,
        &mut |(_, docs, hashed, problems)| {
            documents.extend(docs);
            files.extend(hashed);
            diagnostics.extend(problems);
        },
    );
    documents.sort_by(|a, b| a.name.cmp(&b.name));
    files.sort_by(|a, b| a.name.cmp(&b.name));
    ReferenceDir { documents, files, diagnostics }
}

/// The extracted text of every document under `dir` (for background
/// material in the ad-hoc mode); problems are added to `diagnostics`.
pub fn extract_dir(dir: &Path, limits: &Limits, threads: usize, diagnostics: &mut Vec<Diagnostic>) -> Vec<String> {
    let mut texts = Vec::new();
    run_pool(
        &[dir.to_path_buf()],
        threads,
        |file| {
            let path = display(file);
            match read_limited(file, limits.max_file_bytes) {
                Ok(bytes) => {
                    let e = maruhi_extract::extract_bytes(&path, &bytes, limits);
                    (e.documents.into_iter().map(|d| d.text).collect(), e.diagnostics)
                }
                Err(d) => (Vec::new(), vec![Diagnostic { path, ..d }]),
            }
        },
        |problem| (Vec::new(), vec![problem]),
        |_| 0,
        &mut |_| {},
        &mut |(t, d): (Vec<String>, Vec<Diagnostic>)| {
            texts.extend(t);
            diagnostics.extend(d);
        },
    );
    texts
}

/// The pool: a walker thread, `threads` workers, results on this thread.
fn run_pool<T: Send>(
    paths: &[PathBuf],
    threads: usize,
    work: impl Fn(&Path) -> T + Sync,
    problem: impl Fn(Diagnostic) -> T + Sync,
    bytes_of: impl Fn(&T) -> u64,
    on_progress: &mut dyn FnMut(Progress),
    on_result: &mut dyn FnMut(T),
) {
    let threads = threads.max(1);
    let (item_tx, item_rx) = mpsc::sync_channel::<Item>(threads * 4);
    let item_rx = Arc::new(Mutex::new(item_rx));
    let (out_tx, out_rx) = mpsc::channel::<Message<T>>();
    std::thread::scope(|scope| {
        let walker_out = out_tx.clone();
        scope.spawn(move || {
            for path in paths {
                walk(path, &item_tx, &walker_out);
            }
            let _ = walker_out.send(Message::WalkDone);
        });
        for _ in 0..threads {
            let item_rx = Arc::clone(&item_rx);
            let out = out_tx.clone();
            let work = &work;
            let problem = &problem;
            scope.spawn(move || loop {
                // The lock is held only to take the next item.
                let next = match item_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(item) = next else { return };
                let result = match item {
                    Item::File(file) => work(&file),
                    Item::Problem(d) => problem(d),
                };
                if out.send(Message::Done(result)).is_err() {
                    return;
                }
            });
        }
        drop(out_tx);
        let mut progress = Progress::default();
        for message in out_rx {
            match message {
                Message::Found => progress.files_found += 1,
                Message::WalkDone => progress.walking_done = true,
                Message::Done(result) => {
                    progress.files_done += 1;
                    progress.bytes_done += bytes_of(&result);
                    on_result(result);
                }
            }
            on_progress(progress);
        }
    });
}

fn walk<T>(path: &Path, items: &mpsc::SyncSender<Item>, out: &mpsc::Sender<Message<T>>) {
    let send = |item: Item| {
        let _ = out.send(Message::Found);
        let _ = items.send(item);
    };
    visit_files(path, &mut |file| send(Item::File(file)), &mut |d| send(Item::Problem(d)));
}

/// Every regular file at or under `path`, in name order: symbolic links,
/// sockets and devices are neither followed nor read. What cannot be read
/// (a folder, an entry) goes to `problem` and the walk goes on.
pub fn visit_files(path: &Path, file: &mut dyn FnMut(PathBuf), problem: &mut dyn FnMut(Diagnostic)) {
    let unreadable = |path: &Path, e: std::io::Error| Diagnostic {
        path: display(path),
        code: "MRH-SCAN-002",
        message: format!("could not read the file: {}", e.kind()),
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) => return problem(unreadable(path, e)),
    };
    if meta.is_file() {
        return file(path.to_path_buf());
    }
    if !meta.is_dir() {
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => return problem(unreadable(path, e)),
    };
    let mut children: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => children.push(entry.path()),
            Err(e) => problem(unreadable(path, e)),
        }
    }
    children.sort();
    for child in children {
        visit_files(&child, file, problem);
    }
}

/// How a path is shown in output: as the user gave it, joined.
pub(crate) fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
