//! `maruhi share …`: sharing reports for an industry forum, the
//! anonymisation gate, approval, STIX 2.1 / MISP export and TAXII 2.1 push
//! and pull.

use std::io::Write;

use anyhow::{Context, Result};
use maruhi_server::taxii_client::{self, Auth, Collection};
use maruhi_service::sharing::{Draft, Format, NewDraft};
use maruhi_service::{Actor, Service};

use super::print_json;
use crate::args::{DictionaryCmd, ShareCmd, TaxiiArgs};

fn read_draft(path: &std::path::Path) -> Result<Draft> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a sharing draft", path.display()))
}

fn collection(t: &TaxiiArgs) -> Result<Collection> {
    let auth = match &t.user {
        Some(user) => Auth::Basic { user: user.clone(), password: t.token.clone() },
        None => Auth::Bearer(t.token.clone()),
    };
    Ok(Collection::new(&t.taxii, &t.collection, auth)?)
}

pub(super) async fn share(svc: &Service, op: &Actor, cmd: ShareCmd) -> Result<()> {
    match cmd {
        ShareCmd::Draft { from_case, title, file, json } => {
            let draft = file.as_deref().map(read_draft).transpose()?;
            let new = NewDraft { from_case, title: title.unwrap_or_default(), draft };
            let report = svc.share_draft(op, new).await?;
            if json {
                print_json(&report)?;
            } else {
                println!("{}", report.id);
                eprintln!(
                    "drafted sharing report {}: {} (see `maruhi share show {}`)",
                    report.id, report.title, report.id
                );
            }
        }
        ShareCmd::Edit { id, file } => {
            let report = svc.share_edit(op, id, read_draft(&file)?).await?;
            eprintln!("sharing report {} changed; it needs approval again", report.id);
        }
        ShareCmd::List { json } => {
            let reports = svc.share_reports(op).await?;
            if json {
                print_json(&reports)?;
            } else {
                for r in reports {
                    let state = match (&r.approved, r.origin.as_str()) {
                        (_, "received") => format!("received from {}", r.received_from),
                        (Some(a), _) => format!("approved {}", a.at),
                        (None, _) => "draft".to_owned(),
                    };
                    println!("{}\tTLP:{}\t{}\t{}", r.id, r.tlp.to_uppercase(), state, r.title);
                }
            }
        }
        ShareCmd::Show { id, json } => {
            let view = svc.share_report(op, id).await?;
            if json {
                print_json(&view)?;
            } else {
                let r = &view.report;
                println!("sharing report {}: {} (TLP:{})", r.id, r.title, r.tlp.to_uppercase());
                match &r.approved {
                    Some(a) => {
                        println!("approved by {} at {}, SHA-256 {} [ledger {}]", a.by, a.at, a.sha256, a.ledger_index)
                    }
                    None => println!("not approved"),
                }
                if let Some(g) = &view.gated {
                    println!("\nwhat would leave:\n{}", serde_json::to_string_pretty(g)?);
                }
                if !view.removals.is_empty() {
                    println!("\nremoved by the gate:");
                    for rm in &view.removals {
                        println!("  {}\t{}\t{} → {}", rm.field, rm.kind, rm.original, rm.replacement);
                    }
                }
                for (kind, text) in &view.residuals {
                    println!("STILL PRESENT ({kind}): {text}");
                }
            }
        }
        ShareCmd::Approve { id, json } => {
            let approval = svc.share_approve(op, id).await?;
            if json {
                print_json(&approval)?;
            } else {
                println!("{}", approval.sha256);
                eprintln!("approved sharing report {id} [ledger {}]", approval.ledger_index);
            }
        }
        ShareCmd::Export { id, format, out } => {
            let format = Format::parse(&format).context("unknown format")?;
            let bytes = svc.share_export(op, id, format, "cli").await?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout.write_all(&bytes)?;
                    writeln!(stdout)?;
                }
            }
        }
        ShareCmd::Feed { out } => {
            let written = feed(svc, op, &out).await?;
            eprintln!("wrote {written} events to the MISP feed in {}", out.display());
        }
        ShareCmd::Import { file, from } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = svc.share_import(op, &bytes, &from).await?;
            println!("{}", report.id);
        }
        ShareCmd::Push { id, taxii } => {
            let target = collection(&taxii)?;
            let bytes = svc.share_export(op, id, Format::Stix, &format!("taxii {}", taxii.taxii)).await?;
            let bundle: serde_json::Value = serde_json::from_slice(&bytes)?;
            let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
            let status = target.push(objects).await?;
            println!("{}", status["id"].as_str().unwrap_or_default());
            eprintln!(
                "pushed sharing report {id}: {} objects accepted",
                status["success_count"].as_u64().unwrap_or_default()
            );
        }
        ShareCmd::Pull { taxii, added_after } => {
            let source = collection(&taxii)?;
            let pulled = source.pull(added_after.as_deref(), 100, 1000).await?;
            let known = svc.share_received_ids(op).await?;
            let from = format!("{} {}", taxii.taxii, taxii.collection);
            let mut added = 0;
            for bundle in taxii_client::bundles(&pulled.objects) {
                let report_uuid = bundle["objects"]
                    .as_array()
                    .and_then(|o| o.iter().find(|o| o["type"] == "report"))
                    .and_then(|r| r["id"].as_str())
                    .and_then(|id| id.rsplit("--").next())
                    .unwrap_or_default()
                    .to_owned();
                if known.contains(&report_uuid) {
                    continue;
                }
                let report = svc.share_import(op, &serde_json::to_vec(&bundle)?, &from).await?;
                println!("{}", report.id);
                added += 1;
            }
            eprintln!(
                "pulled {} objects, {added} new reports{}",
                pulled.objects.len(),
                pulled.added_last.map(|t| format!("; next time --added-after {t}")).unwrap_or_default()
            );
        }
        ShareCmd::Dictionary(DictionaryCmd::Add { kind, term }) => {
            if svc.share_dictionary_add(op, &kind, &term).await? {
                eprintln!("added a {kind} term");
            } else {
                eprintln!("the {kind} term was there already");
            }
        }
        ShareCmd::Dictionary(DictionaryCmd::List { json }) => {
            let terms = svc.share_dictionary(op).await?;
            if json {
                print_json(&terms)?;
            } else {
                for t in terms {
                    println!("{}\t{}\t{}", t.kind, t.source, t.term);
                }
            }
        }
    }
    Ok(())
}

/// A static MISP feed (the layout MISP's feed fetcher reads): one
/// `<uuid>.json` per event and `manifest.json` naming them. Every approved
/// report the operator sees is exported through the same checks as
/// `share export`; a report that does not pass is left out and named.
async fn feed(svc: &Service, op: &Actor, dir: &std::path::Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let manifest_path = dir.join("manifest.json");
    let mut manifest: serde_json::Map<String, serde_json::Value> = match std::fs::read(&manifest_path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("{} is not JSON", manifest_path.display()))?
        }
        Err(_) => serde_json::Map::new(),
    };
    let mut written = 0;
    for r in svc.share_reports(op).await? {
        if r.origin != "local" || r.approved.is_none() {
            continue;
        }
        let bytes = match svc.share_export(op, r.id, Format::Misp, "misp feed").await {
            Ok(b) => b,
            Err(e) => {
                eprintln!("sharing report {} left out: {}", r.id, super::describe(&anyhow::Error::from(e)));
                continue;
            }
        };
        let event: serde_json::Value = serde_json::from_slice(&bytes)?;
        let e = &event["Event"];
        let uuid = e["uuid"].as_str().context("an event without uuid")?.to_owned();
        let mut entry = serde_json::Map::new();
        for key in ["Orgc", "Tag", "info", "date", "analysis", "threat_level_id", "timestamp"] {
            entry.insert(key.to_owned(), e[key].clone());
        }
        manifest.insert(uuid.clone(), serde_json::Value::Object(entry));
        let path = dir.join(format!("{uuid}.json"));
        std::fs::write(&path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
        written += 1;
    }
    let text = serde_json::to_vec_pretty(&manifest)?;
    std::fs::write(&manifest_path, text).with_context(|| format!("cannot write {}", manifest_path.display()))?;
    Ok(written)
}
