//! `maruhi scan`, `maruhi secret attach` and `maruhi material …`: the leak
//! and contamination scanner from the terminal.
//!
//! `--format jsonl` is a contract: one object per line, `finding` and
//! `diagnostic` lines as they come, then one `summary` line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use maruhi_scan::{Collection, FileReport, Progress, Reference, Scanner, Summary, Thresholds};
use maruhi_service::i18n::Lang;
use maruhi_service::scan::{AttachOutcome, MaterialCollection};
use maruhi_service::{Actor, Service};
use serde_json::json;
use sha2::Digest;

use crate::args::{EdmCmd, MaterialCmd, ScanFormat, VaultCmd};
use crate::commands::{lang, print_json};
use crate::progress::ProgressLine;

/// Options of `maruhi scan`.
pub struct ScanArgs {
    pub paths: Vec<PathBuf>,
    pub reference: Option<PathBuf>,
    pub background: Option<PathBuf>,
    pub format: ScanFormat,
    pub threads: Option<usize>,
    pub min_passage: usize,
    pub min_chars: usize,
    pub explain: bool,
    /// With `--reference` on an installation's machine: its key.
    pub adhoc_key: Option<[u8; 32]>,
}

/// Runs a scan; returns the exit code (0 nothing found, 1 findings).
/// Errors mean the scan could not run (exit code 2).
pub async fn scan(svc: Option<Service>, op: &Actor, args: ScanArgs) -> Result<u8> {
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or folder", p.display());
        }
    }
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let thresholds =
        Thresholds { min_passage: args.min_passage, min_matched_chars: args.min_chars, ..Thresholds::default() };
    let format = args.format;
    let mut out = Output::new(format);
    let started = Instant::now();

    let scanner = match (&args.reference, &svc) {
        (Some(dir), _) => {
            let background = args.background.clone();
            let dir = dir.clone();
            let key = args.adhoc_key;
            let (scanner, diagnostics) =
                tokio::task::spawn_blocking(move || adhoc_scanner(&dir, background.as_deref(), threads, key))
                    .await
                    .context("the reference build stopped")??;
            for d in diagnostics {
                out.diagnostic(&d)?;
            }
            // Nothing is recorded, so no file needs its hash.
            scanner.with_thresholds(thresholds).with_explanations(args.explain).with_file_hashes(false)
        }
        (None, Some(svc)) => {
            let scanner = svc.scanner().await?;
            if scanner.reference_count() == 0 && scanner.edm_dataset_count() == 0 {
                eprintln!(
                    "{}",
                    match lang() {
                        Lang::Ja => "注意: 指紋を登録した資料がありません（maruhi secret attach で登録します）",
                        Lang::En => "note: no material is fingerprinted yet (maruhi secret attach adds some)",
                    }
                );
            }
            scanner.with_thresholds(thresholds).with_explanations(args.explain)
        }
        (None, None) => bail!("no installation to scan against: give --reference DIR or a data directory"),
    };

    let paths = args.paths.clone();
    let record = svc.is_some() && args.reference.is_none();
    let (summary, reports, out) = tokio::task::spawn_blocking(move || -> Result<(Summary, Vec<FileReport>, Output)> {
        let mut to_record = Vec::new();
        let mut failed: Option<std::io::Error> = None;
        let progress = std::cell::RefCell::new(ProgressLine::new(format == ScanFormat::Text, Duration::ZERO));
        let summary = maruhi_scan::scan_paths(
            &scanner,
            &paths,
            threads,
            &mut |p| progress.borrow_mut().show(|| scan_progress(&p)),
            &mut |report| {
                if failed.is_some() {
                    return;
                }
                progress.borrow_mut().clear();
                if let Err(e) = out.report(&report) {
                    failed = Some(e);
                }
                if record && (!report.findings.is_empty() || !report.edm.is_empty()) {
                    to_record.push(report);
                }
            },
        );
        progress.borrow_mut().clear();
        if let Some(e) = failed {
            return Err(e.into());
        }
        Ok((summary, to_record, out))
    })
    .await
    .context("the scan stopped")??;
    let mut out = out;

    if let Some(svc) = &svc {
        if !reports.is_empty() {
            svc.record_findings(op, &reports).await.context("the findings could not be recorded in the audit trail")?;
        }
    }
    out.summary(&summary, started.elapsed())?;
    Ok(if summary.findings > 0 { 1 } else { 0 })
}

/// Builds a scanner from a reference folder. The fingerprints never leave
/// this process, so the key needs no secrecy; a fixed one makes the same
/// scan give the same coverage every time, which an investigator must be
/// able to show. On an installation's machine its key is used instead, so
/// that the same material gives the verdict the installation gives.
fn adhoc_scanner(
    dir: &Path,
    background: Option<&Path>,
    threads: usize,
    installation_key: Option<[u8; 32]>,
) -> Result<(Scanner, Vec<maruhi_scan::Diagnostic>)> {
    if !dir.is_dir() {
        bail!("{}: not a folder", dir.display());
    }
    let fp = match installation_key {
        Some(key) => Service::installation_fingerprinter(&key)?,
        None => {
            let key: [u8; 32] = sha2::Sha256::digest(b"maruhi ad-hoc scan key v1").into();
            maruhi_fingerprint::Fingerprinter::builder().key(key).build()?
        }
    };
    let limits = maruhi_extract::Limits::default();
    let mut progress = ProgressLine::new(true, Duration::ZERO);
    let refs = maruhi_scan::fingerprint_dir(dir, &fp, &limits, threads, &mut |p| progress.show(|| scan_progress(&p)));
    progress.clear();
    let (docs, mut diagnostics) = (refs.documents, refs.diagnostics);
    let mut builder = Scanner::builder(fp.clone());
    for doc in &docs {
        builder.add(Reference::new(doc.name.clone(), Collection::Reference), &doc.fingerprints)?;
    }
    // Every file and member is also found as this exact file: drawings and
    // other binary material have no text to match.
    let exact_files = refs.files.len();
    for file in refs.files {
        builder.add_exact(Reference::new(file.name, Collection::Reference), file.sha256);
    }
    if let Some(bg) = background {
        if !bg.is_dir() {
            bail!("{}: not a folder", bg.display());
        }
        let texts = maruhi_scan::extract_dir(bg, &limits, threads, &mut diagnostics);
        builder.background(fp.background(texts.iter().map(String::as_str))?)?;
    }
    if docs.is_empty() && exact_files == 0 {
        bail!("{}: no reference files found", dir.display());
    }
    Ok((builder.build()?, diagnostics))
}

/// Where results go: text for people (findings on stdout, problems on
/// stderr) or JSON Lines on stdout.
struct Output {
    format: ScanFormat,
    stdout: std::io::Stdout,
}

/// A JSON Lines record: `"type"` beside the item's own fields.
#[derive(serde::Serialize)]
struct Tagged<'a, T: serde::Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    item: &'a T,
}

impl Output {
    fn new(format: ScanFormat) -> Output {
        Output { format, stdout: std::io::stdout() }
    }

    fn report(&mut self, report: &FileReport) -> std::io::Result<()> {
        for d in &report.diagnostics {
            self.diagnostic(d)?;
        }
        let mut out = self.stdout.lock();
        for f in &report.edm {
            match self.format {
                ScanFormat::Jsonl => {
                    serde_json::to_writer(&mut out, &Tagged { kind: "edm", item: f })?;
                    writeln!(out)?;
                }
                ScanFormat::Text => {
                    let secret = f.secret_id.map(|id| format!(" (secret {id})")).unwrap_or_default();
                    let examples = f.examples.join(", ");
                    match lang() {
                        Lang::Ja => writeln!(
                            out,
                            "{}: [{}] 顧客データ「{}」{secret}の {} 行（列: {}）例: {examples}",
                            f.path,
                            match f.severity {
                                maruhi_service::edm::Severity::High => "重大",
                                maruhi_service::edm::Severity::Medium => "中",
                                maruhi_service::edm::Severity::Low => "軽微",
                            },
                            f.dataset,
                            f.rows,
                            f.columns.join("、"),
                        )?,
                        Lang::En => writeln!(
                            out,
                            "{}: [{}] {} rows of dataset {}{secret} (columns: {}), e.g. {examples}",
                            f.path,
                            f.severity.as_str(),
                            f.rows,
                            f.dataset,
                            f.columns.join(", "),
                        )?,
                    }
                }
            }
        }
        for f in &report.findings {
            match self.format {
                ScanFormat::Jsonl => {
                    // Written as it is serialised, without a JSON tree.
                    serde_json::to_writer(&mut out, &Tagged { kind: "finding", item: f })?;
                    writeln!(out)?;
                }
                ScanFormat::Text => {
                    let what = match (lang(), f.collection) {
                        (Lang::Ja, Collection::ThirdParty) => "第三者資料",
                        (Lang::En, Collection::ThirdParty) => "third-party material",
                        (Lang::Ja, _) => "一致",
                        (Lang::En, _) => "matches",
                    };
                    let secret = f.secret_id.map(|id| format!(" (secret {id})")).unwrap_or_default();
                    let (severity, passage, coverage) = match (lang(), f.severity) {
                        (Lang::Ja, s) => (
                            match s {
                                maruhi_scan::Severity::High => "重大",
                                maruhi_scan::Severity::Medium => "中",
                                maruhi_scan::Severity::Low => "軽微",
                            },
                            "最長一致",
                            "被覆率",
                        ),
                        (Lang::En, s) => (s.as_str(), "longest passage", "coverage"),
                    };
                    let kind = match (lang(), f.kind) {
                        (Lang::Ja, maruhi_scan::MatchKind::ExactFile) => "同一ファイル",
                        (Lang::Ja, maruhi_scan::MatchKind::Text) => "本文",
                        (Lang::Ja, maruhi_scan::MatchKind::Drawing) => "図面",
                        (Lang::Ja, maruhi_scan::MatchKind::Ocr) => "OCR",
                        (Lang::En, k) => k.as_str(),
                    };
                    if f.kind == maruhi_scan::MatchKind::ExactFile {
                        writeln!(out, "{}: [{severity}] {what} {}{secret}: {kind}", f.path, f.reference)?;
                    } else {
                        writeln!(
                            out,
                            "{}: [{severity}] {what} {}{secret} ({kind}): {passage} {} chars, {coverage} {:.1}%",
                            f.path,
                            f.reference,
                            f.longest_passage,
                            f.coverage * 100.0,
                        )?;
                    }
                    if !f.excerpt.is_empty() {
                        writeln!(out, "    「{}」", f.excerpt)?;
                    }
                    for d in &f.discounted {
                        match lang() {
                            Lang::Ja => writeln!(
                                out,
                                "    定型文のため数えず（{} 件の登録資料に共通）:「{}」",
                                d.documents, d.excerpt
                            )?,
                            Lang::En => writeln!(
                                out,
                                "    not counted, boilerplate shared by {} references: 「{}」",
                                d.documents, d.excerpt
                            )?,
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn diagnostic(&mut self, d: &maruhi_scan::Diagnostic) -> std::io::Result<()> {
        match self.format {
            ScanFormat::Jsonl => {
                let line = json!({"type": "diagnostic", "path": d.path, "code": d.code, "message": d.message});
                writeln!(self.stdout.lock(), "{line}")
            }
            ScanFormat::Text => {
                eprintln!("warning: {}: {} [{}]", d.path, d.message, d.code);
                Ok(())
            }
        }
    }

    fn summary(&mut self, s: &Summary, elapsed: Duration) -> std::io::Result<()> {
        match self.format {
            ScanFormat::Jsonl => {
                let mut v = serde_json::to_value(s).map_err(std::io::Error::other)?;
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("type".into(), json!("summary"));
                    obj.insert("elapsed_ms".into(), json!(elapsed.as_millis() as u64));
                }
                writeln!(self.stdout.lock(), "{v}")
            }
            ScanFormat::Text => {
                let mb = s.bytes as f64 / 1e6;
                let secs = elapsed.as_secs_f64();
                match lang() {
                    Lang::Ja => eprintln!(
                        "{} ファイル（{mb:.1} MB、文書 {}）を {secs:.2} 秒でスキャン: 検出 {} 件、診断 {} 件",
                        s.files, s.documents, s.findings, s.diagnostics
                    ),
                    Lang::En => eprintln!(
                        "scanned {} files ({mb:.1} MB, {} documents) in {secs:.2} s: {} findings, {} diagnostics",
                        s.files, s.documents, s.findings, s.diagnostics
                    ),
                }
                Ok(())
            }
        }
    }
}

/// The progress of a scan: files done (of those found so far) and bytes.
fn scan_progress(p: &Progress) -> String {
    let total = if p.walking_done { p.files_found.to_string() } else { format!("{}+", p.files_found) };
    format!("{}/{} files, {:.1} MB", p.files_done, total, p.bytes_done as f64 / 1e6)
}

/// `maruhi secret attach`.
pub async fn attach(
    svc: &Service,
    op: &Actor,
    id: i64,
    files: &[PathBuf],
    no_text: bool,
    store: bool,
    json: bool,
) -> Result<()> {
    let outcomes = add_each(files, |file, bytes| async move {
        if store {
            svc.attach_and_store(op, id, &display_name(&file), &bytes, !no_text).await
        } else {
            svc.attach_material(op, id, &display_name(&file), &bytes, !no_text).await
        }
    })
    .await?;
    print_outcomes(&outcomes, json)
}

/// Adds every file of `paths` with `add`: a folder stands for every file
/// below it ([`maruhi_scan::visit_files`]: name order, links not followed); a
/// file named on the command line is read even through a link. A file that
/// cannot be read or that the service refuses is reported by name and the
/// rest are still added; then the command fails, saying how many were left
/// out. Anything else (no permission, the database) stops at once.
async fn add_each<F, Fut>(paths: &[PathBuf], add: F) -> Result<Vec<AttachOutcome>>
where
    F: Fn(PathBuf, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = maruhi_service::Result<AttachOutcome>>,
{
    let (mut files, mut unreadable) = (Vec::new(), 0);
    for path in paths {
        if path.is_dir() {
            maruhi_scan::visit_files(path, &mut |f| files.push(f), &mut |d| {
                eprintln!("error: {}: {} [{}]", d.path, d.message, d.code);
                unreadable += 1;
            });
        } else {
            files.push(path.clone());
        }
    }
    let mut progress = ProgressLine::new(true, Duration::ZERO);
    let (mut outcomes, mut failed) = (Vec::new(), unreadable);
    for (n, file) in files.iter().enumerate() {
        progress.show(|| format!("{}/{} {}", n + 1, files.len(), display_name(file)));
        let result = match read_file(file) {
            Ok(bytes) => add(file.clone(), bytes).await.map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match result {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) if per_file(&e) => {
                progress.clear();
                eprintln!("error: {}: {}", file.display(), crate::commands::describe(&e));
                failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    progress.clear();
    if failed > 0 {
        print_outcomes(&outcomes, false)?;
        bail!("{failed} of {} file(s) could not be added; the others were", files.len() + unreadable);
    }
    Ok(outcomes)
}

/// Whether an error concerns one file (unreadable, refused as input) rather
/// than the whole command.
fn per_file(e: &anyhow::Error) -> bool {
    match e.downcast_ref::<maruhi_service::Error>() {
        Some(maruhi_service::Error::Invalid(_)) => true,
        Some(_) => false,
        None => true,
    }
}

/// `maruhi material …`.
pub async fn material(svc: &Service, op: &Actor, cmd: MaterialCmd) -> Result<()> {
    match cmd {
        MaterialCmd::Add { collection, note, no_text, files } => {
            let collection = MaterialCollection::parse(&collection)
                .filter(|c| *c != MaterialCollection::Secret)
                .with_context(|| format!("unknown collection `{collection}`: use third_party or background"))?;
            let note = note.as_str();
            let outcomes = add_each(&files, |file, bytes| async move {
                svc.add_collection_material(op, collection, &display_name(&file), note, &bytes, !no_text).await
            })
            .await?;
            print_outcomes(&outcomes, false)
        }
        MaterialCmd::List { secret, collection, json } => {
            let materials = match (secret, collection) {
                (Some(id), _) => svc.secret_materials(op, id).await?,
                (None, Some(c)) => {
                    let c = MaterialCollection::parse(&c)
                        .with_context(|| format!("unknown collection `{c}`: use third_party or background"))?;
                    svc.collection_materials(op, c).await?
                }
                (None, None) => bail!("give --secret ID or --collection third_party|background"),
            };
            if json {
                return print_json(&materials);
            }
            let mut out = std::io::stdout().lock();
            for m in materials {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    m.format,
                    m.normalized_chars,
                    m.fingerprints,
                    &m.sha256[..16.min(m.sha256.len())],
                    // Whether `material get` can download the original.
                    if m.stored { "stored" } else { "-" },
                    m.name
                )?;
            }
            Ok(())
        }
        MaterialCmd::Remove { id } => {
            svc.remove_material(op, id).await?;
            Ok(())
        }
        MaterialCmd::Get { material_id, out, recipient: Some(recipient) } => {
            if out.exists() {
                bail!("{} exists; choose another --out", out.display());
            }
            let copy = svc.material_marked_copy(op, material_id, Some(&recipient)).await?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            std::io::Write::write_all(&mut file, &copy.bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!(
                "{}: {} marked for {} (copy {}), ledger entry {}",
                out.display(),
                copy.name,
                copy.recipient,
                copy.code,
                copy.ledger_index
            );
            Ok(())
        }
        MaterialCmd::Get { material_id, out, recipient: None } => {
            if out.exists() {
                bail!("{} exists; choose another --out", out.display());
            }
            let original = svc.material_original(op, material_id).await?;
            let (name, sha256, index) = (original.name.clone(), original.sha256.clone(), original.ledger_index);
            // A partial file never takes the output's name: the bytes go to
            // a temporary file beside it, renamed once the hash checked out.
            let tmp = out.with_file_name(format!(
                ".{}.partial",
                out.file_name().and_then(|n| n.to_str()).unwrap_or("maruhi-download")
            ));
            let mut file =
                tokio::fs::File::create(&tmp).await.with_context(|| format!("cannot create {}", tmp.display()))?;
            let copied = original.copy_to(&mut file).await;
            drop(file);
            let bytes = match copied {
                Ok(n) => n,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.into());
                }
            };
            std::fs::rename(&tmp, &out)
                .with_context(|| format!("cannot rename {} to {}", tmp.display(), out.display()))?;
            eprintln!("{}: {bytes} bytes of {name} (sha256 {sha256}), ledger entry {index}", out.display());
            Ok(())
        }
    }
}

pub async fn vault(svc: &Service, op: &Actor, cmd: VaultCmd) -> Result<()> {
    match cmd {
        VaultCmd::RotateKey { json } => {
            let rotation = svc.rotate_vault_key(op).await?;
            if json {
                return print_json(&rotation);
            }
            eprintln!(
                "rewrapped {} data key(s): master key {} replaced by {}; back up {} now",
                rotation.objects,
                rotation.old_key_id,
                rotation.new_key_id,
                svc.vault()?.master_key_file().path.display()
            );
            Ok(())
        }
    }
}

fn print_outcomes(outcomes: &[AttachOutcome], json: bool) -> Result<()> {
    if json {
        return print_json(&outcomes);
    }
    let mut out = std::io::stdout().lock();
    for o in outcomes {
        for m in &o.materials {
            writeln!(
                out,
                "{}\t{}\t{} chars\t{} fingerprints\t{}",
                m.id, m.format, m.normalized_chars, m.fingerprints, m.name
            )?;
        }
        for d in &o.diagnostics {
            eprintln!("warning: {}: {} [{}]", d.path, d.message, d.code);
        }
    }
    Ok(())
}

fn read_file(file: &Path) -> Result<Vec<u8>> {
    let limit = maruhi_extract::Limits::default().max_file_bytes;
    maruhi_scan::read_limited(file, limit)
        .map_err(|d| anyhow::anyhow!("{}: {} [{}]", file.display(), d.message, d.code))
}

/// The name material is registered under: the file name without folders
/// (folder names can say more than the file does).
fn display_name(file: &Path) -> String {
    file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// `maruhi edm …`: exact-data-match datasets.
pub async fn edm(svc: &Service, op: &Actor, cmd: EdmCmd) -> Result<()> {
    match cmd {
        EdmCmd::Add { name, file, secret, schema, json } => {
            let schema = match schema {
                Some(p) => Some(std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?),
                None => None,
            };
            let csv = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let outcome = svc.edm_add(op, &name, secret, std::io::BufReader::new(csv), schema.as_deref()).await?;
            print_edm_outcome(&outcome, json)
        }
        EdmCmd::Refresh { name, file, json } => {
            let csv = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let outcome = svc.edm_refresh(op, &name, std::io::BufReader::new(csv)).await?;
            print_edm_outcome(&outcome, json)
        }
        EdmCmd::List { json } => {
            let list = svc.edm_list(op).await?;
            if json {
                return print_json(&list);
            }
            let mut out = std::io::stdout().lock();
            for d in &list {
                let cols: Vec<String> = d.columns.iter().map(|c| format!("{}:{}", c.name, c.kind)).collect();
                let secret = d.secret_id.map(|id| format!(" secret {id}")).unwrap_or_default();
                writeln!(
                    out,
                    "{}\t{} rows\tprimary {}\trefreshed {}{secret}\t{}",
                    d.name,
                    d.rows,
                    d.primary,
                    d.refreshed_at,
                    cols.join(", ")
                )?;
            }
            Ok(())
        }
        EdmCmd::Remove { name } => {
            svc.edm_remove(op, &name).await?;
            eprintln!(
                "{}",
                match lang() {
                    Lang::Ja => format!("照合データ {name} を削除しました"),
                    Lang::En => format!("removed dataset {name}"),
                }
            );
            Ok(())
        }
    }
}

fn print_edm_outcome(o: &maruhi_service::edm::EdmOutcome, json: bool) -> Result<()> {
    if json {
        return print_json(o);
    }
    let d = &o.dataset;
    let delta = o.delta.as_ref().map(|x| format!(", +{} -{} ={}", x.added, x.removed, x.unchanged)).unwrap_or_default();
    match lang() {
        Lang::Ja => eprintln!(
            "照合データ {}: {} 行を索引（元データ {} 行、主キーなしで除外 {} 行{delta}）、{} バイト",
            d.name, d.rows, d.source_rows, o.skipped, d.bytes
        ),
        Lang::En => eprintln!(
            "dataset {}: {} rows indexed ({} in the export, {} without a primary value{delta}), {} bytes",
            d.name, d.rows, d.source_rows, o.skipped, d.bytes
        ),
    }
    let mut out = std::io::stdout().lock();
    for c in &d.columns {
        let mark = if c.name == d.primary { " (primary)" } else { "" };
        writeln!(out, "{}\t{}{mark}", c.name, c.kind)?;
    }
    Ok(())
}
