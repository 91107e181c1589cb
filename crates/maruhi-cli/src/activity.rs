//! `maruhi events …`, `maruhi hr …` and `maruhi watchlist …`: activity logs,
//! HR dates and watchlists for insider-risk detection.
//!
//! `events import` and `hr import` exit with 0 when every line was read, 1
//! when some were rejected (the good ones are kept), 2 when the import could
//! not run. Their `--json` reports are a contract.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use maruhi_service::hr::{HrReport, Watchlist};
use maruhi_service::i18n::Lang;
use maruhi_service::ingest::{CsvMapSpec, EventOptions, Format, ImportProgress, ImportReport};
use maruhi_service::{Actor, Service};

use crate::args::{EventsCmd, HrCmd, IdentityCmd, WatchlistCmd};
use crate::commands::{lang, print_json};
use crate::progress::ProgressLine;

/// The file, or standard input for `-`, and its size when known.
fn open_input(file: &Path) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
    if file == Path::new("-") {
        return Ok((Box::new(std::io::stdin()), None));
    }
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    Ok((Box::new(f), size))
}

/// `maruhi events …`; returns the exit code.
pub async fn events(svc: &Service, op: &Actor, cmd: EventsCmd) -> Result<u8> {
    let EventsCmd::Import {
        file,
        format: fmt,
        source,
        offset,
        csv_map,
        csv_action,
        csv_action_values,
        csv_delimiter,
        upload_threshold,
        action_map,
        no_analyse,
        keep_original,
        show,
        json,
    } = cmd;
    if keep_original && file == Path::new("-") {
        bail!("--keep-original needs a file, not standard input (the file is read again to keep it)");
    }
    let mut options = EventOptions::new(maruhi_service::ingest::parse_offset(&offset)?);
    let spec =
        CsvMapSpec { columns: csv_map, action: csv_action, action_values: csv_action_values, delimiter: csv_delimiter };
    let mapping = spec.mapping()?;
    if fmt != Format::Csv && spec != CsvMapSpec::default() {
        bail!("--csv-map, --csv-action, --csv-action-values and --csv-delimiter are for --format csv");
    }
    if let Some(m) = mapping {
        options = options.with_csv(m);
    }
    if let Some(path) = action_map {
        if fmt != Format::Jsonl {
            bail!("--action-map is for --format jsonl");
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let map = maruhi_service::ingest::ActionMap::parse(&text).with_context(|| path.display().to_string())?;
        options = options.with_action_map(map);
    }
    if let Some(bytes) = upload_threshold {
        options = options.with_upload_threshold(bytes);
    }
    let source = source.unwrap_or_else(|| match file.file_name() {
        Some(name) if file != Path::new("-") => name.to_string_lossy().into_owned(),
        _ => "stdin".to_owned(),
    });
    let (reader, total) = open_input(&file)?;
    // Short imports show nothing.
    let mut line = ProgressLine::new(true, Duration::from_millis(500));
    let report = svc
        .import_events(op, &source, fmt, reader, &options, |p| {
            let elapsed = line.elapsed();
            line.show(|| import_progress(&p, total, elapsed));
        })
        .await;
    line.clear();
    let report = report?;
    if json {
        print_json(&report)?;
    } else {
        print_import(&report, show)?;
    }
    if let (true, Some(import)) = (keep_original, report.import_id) {
        let reader = tokio::fs::File::open(&file).await.with_context(|| format!("cannot open {}", file.display()))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        svc.keep_import_original(op, import, &name, reader).await?;
        eprintln!("kept the original of import {import} in the vault (SHA-256 {})", report.sha256);
    }
    if !no_analyse && report.accepted > 0 {
        crate::risk::analyse_after_import(svc, op).await?;
    }
    Ok(if report.rejected_total > 0 { 1 } else { 0 })
}

fn print_import(r: &ImportReport, show: usize) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match lang() {
        Lang::Ja => writeln!(
            out,
            "{}（{}）: 新規 {} 件、重複 {} 件、対象外 {} 件、不正 {} 件",
            r.source, r.format, r.accepted, r.duplicates, r.skipped, r.rejected_total
        )?,
        Lang::En => writeln!(
            out,
            "{} ({}): {} new, {} duplicates, {} skipped, {} rejected",
            r.source, r.format, r.accepted, r.duplicates, r.skipped, r.rejected_total
        )?,
    }
    for bad in r.rejected.iter().take(show) {
        writeln!(out, "  line {}: {}", bad.line, bad.message)?;
    }
    let more = r.rejected_total.saturating_sub(show.min(r.rejected.len()) as u64);
    if more > 0 {
        match lang() {
            Lang::Ja => writeln!(out, "  …ほか {more} 行")?,
            Lang::En => writeln!(out, "  … and {more} more")?,
        }
    }
    if !r.unknown_fields.is_empty() {
        let names: Vec<String> = r.unknown_fields.iter().map(|f| format!("{} ({})", f.name, f.count)).collect();
        match lang() {
            Lang::Ja => writeln!(out, "  スキーマにない項目（値は取り込んでいません）: {}", names.join(", "))?,
            Lang::En => writeln!(out, "  fields outside the schema, not imported: {}", names.join(", "))?,
        }
    }
    if !r.unmapped_actions.is_empty() {
        let names: Vec<String> = r.unmapped_actions.iter().map(|f| format!("{} ({})", f.name, f.count)).collect();
        match lang() {
            Lang::Ja => writeln!(
                out,
                "  対応表にない操作（対象外として読み飛ばしました。--action-map で対応付けできます）: {}",
                names.join(", ")
            )?,
            Lang::En => {
                writeln!(out, "  actions no table knows, skipped (map them with --action-map): {}", names.join(", "))?
            }
        }
    }
    if r.resolved_users > 0 {
        match lang() {
            Lang::Ja => writeln!(out, "  別名を利用者名に置き換えたイベント: {} 件", r.resolved_users)?,
            Lang::En => {
                writeln!(out, "  events whose user was an alias, stored under the user's name: {}", r.resolved_users)?
            }
        }
    }
    if r.stored_nothing() && r.rejected_total > 0 {
        match lang() {
            Lang::Ja => writeln!(out, "イベントを 1 件も読めなかったため、何も取り込んでいません。")?,
            Lang::En => writeln!(out, "no event could be read: nothing was imported")?,
        }
    }
    Ok(())
}

/// `maruhi hr …`; returns the exit code.
pub async fn hr(svc: &Service, op: &Actor, cmd: HrCmd) -> Result<u8> {
    match cmd {
        HrCmd::Import { file, no_analyse, json } => {
            let (reader, _) = open_input(&file)?;
            let report = svc.import_hr(op, reader).await?;
            if json {
                print_json(&report.view(lang()))?;
            } else {
                print_hr(&report)?;
            }
            // A notice re-scores the 90 days before it: analyse again.
            if !no_analyse && !report.stored_nothing() {
                crate::risk::analyse_after_import(svc, op).await?;
            }
            Ok(if report.rejected_total > 0 { 1 } else { 0 })
        }
        HrCmd::List { json } => {
            let records = svc.hr_records(op).await?;
            if json {
                print_json(&records)?;
            } else {
                let mut out = std::io::stdout().lock();
                for r in records {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        r.user,
                        r.notice_date,
                        r.last_working_day.as_deref().unwrap_or("-"),
                        r.end_date.as_deref().unwrap_or("-")
                    )?;
                }
            }
            Ok(0)
        }
    }
}

fn print_hr(r: &HrReport) -> Result<()> {
    let l = lang();
    let mut out = std::io::stdout().lock();
    match l {
        Lang::Ja => writeln!(
            out,
            "人事データ: 新規 {} 人、更新 {} 人、変更なし {} 人、退職予定者リストに追加 {} 人、不正 {} 行",
            r.inserted, r.updated, r.unchanged, r.departing_added, r.rejected_total
        )?,
        Lang::En => writeln!(
            out,
            "HR data: {} new, {} updated, {} unchanged, {} added to the departing list, {} rejected",
            r.inserted, r.updated, r.unchanged, r.departing_added, r.rejected_total
        )?,
    }
    for bad in &r.rejected {
        writeln!(out, "  line {} ({}): {}", bad.line, bad.field, bad.message(l))?;
    }
    Ok(())
}

fn watchlist_arg(list: &str) -> Result<Watchlist> {
    Watchlist::from_name(list)
        .with_context(|| format!("unknown watchlist `{list}`: use departing, contractors or privileged"))
}

/// `maruhi watchlist …`.
pub async fn watchlist(svc: &Service, op: &Actor, cmd: WatchlistCmd) -> Result<()> {
    match cmd {
        WatchlistCmd::Add { list, user, note } => {
            svc.watchlist_add(op, watchlist_arg(&list)?, &user, &note).await?;
        }
        WatchlistCmd::Remove { list, user } => {
            svc.watchlist_remove(op, watchlist_arg(&list)?, &user).await?;
        }
        WatchlistCmd::List { list, as_of, json } => {
            let list = list.as_deref().map(watchlist_arg).transpose()?;
            let as_of = as_of
                .as_deref()
                .map(|d| maruhi_service::clock::parse_date(d).context("--as-of is a date, YYYY-MM-DD"))
                .transpose()?;
            let members = svc.watchlists(op, list, as_of).await?;
            if json {
                print_json(&members)?;
            } else {
                let mut out = std::io::stdout().lock();
                for m in members {
                    let until = m.end_date.as_deref().map(|d| format!(" (until {d})")).unwrap_or_default();
                    writeln!(out, "{}\t{}\t{}{until}\t{}", m.list.name(), m.user, m.source, m.note)?;
                }
            }
        }
    }
    Ok(())
}

/// The progress of an import: bytes read (of the total, when known),
/// records and their rate.
fn import_progress(p: &ImportProgress, total: Option<u64>, elapsed: std::time::Duration) -> String {
    let mb = |b: u64| b as f64 / 1e6;
    let read = match total {
        Some(t) if t > 0 => format!("{:.1}/{:.1} MB ({:.0}%)", mb(p.bytes), mb(t), p.bytes as f64 * 100.0 / t as f64),
        _ => format!("{:.1} MB", mb(p.bytes)),
    };
    let rate = p.records as f64 / elapsed.as_secs_f64().max(0.001);
    format!("{read}, {} records, {rate:.0} records/s", p.records)
}

/// `maruhi identity …`.
pub async fn identity(svc: &Service, op: &Actor, cmd: IdentityCmd) -> Result<()> {
    match cmd {
        IdentityCmd::Add { alias, user, note } => {
            let a = svc.identity_add(op, &alias, &user, &note).await?;
            println!("{} -> {}", a.alias, a.canonical);
        }
        IdentityCmd::Remove { alias } => {
            svc.identity_remove(op, &alias).await?;
            println!("{}: removed", alias.trim().to_lowercase());
        }
        IdentityCmd::List { json } => {
            let aliases = svc.identities(op).await?;
            if json {
                print_json(&aliases)?;
            } else {
                let mut out = std::io::stdout().lock();
                for a in aliases {
                    writeln!(out, "{}\t{}\t{}\t{}", a.canonical, a.alias, a.source.name(), a.note)?;
                }
            }
        }
    }
    Ok(())
}
