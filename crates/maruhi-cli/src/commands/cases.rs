//! `maruhi case …`: incidents, their journal, legal holds and evidence
//! packages.

use anyhow::{bail, Context, Result};
use maruhi_service::cases::{Attachment, NewCase};
use maruhi_service::{Actor, Service};
use sha2::{Digest, Sha256};

use super::print_json;
use crate::args::{CaseCmd, PublishArgs};

pub(super) async fn case(svc: &Service, op: &Actor, publish: &PublishArgs, cmd: CaseCmd) -> Result<()> {
    match cmd {
        CaseCmd::Open { title, kind, severity, from_alerts, note, json } => {
            let new = NewCase { title, kind: kind.unwrap_or_default(), severity, note, alerts: from_alerts };
            let case = svc.open_case(op, new).await?;
            if json {
                print_json(&case)?;
            } else {
                println!("{}", case.id);
                eprintln!("opened case {}: {}", case.id, case.title);
            }
        }
        CaseCmd::List { json } => {
            let cases = svc.cases(op).await?;
            if json {
                print_json(&cases)?;
            } else {
                for c in cases {
                    let hold = if c.hold_since.is_some() { "\tLEGAL HOLD" } else { "" };
                    println!("{}\t{}\t{}\t{}\t{}{hold}", c.id, c.status, c.severity, c.opened_at, c.title);
                }
            }
        }
        CaseCmd::Show { id, json } => {
            let case = svc.case(op, id).await?;
            if json {
                print_json(&case)?;
            } else {
                let c = &case.case;
                println!("case {}: {}", c.id, c.title);
                println!("kind {}, severity {}, status {} {}", c.kind, c.severity, c.status, c.status_reason);
                if let Some(since) = &c.hold_since {
                    println!("under legal hold since {since}");
                }
                println!("members: {}", case.members.join(", "));
                for l in &case.links {
                    println!("concerns {} {}", l.kind, l.reference);
                }
                for s in &case.checklist {
                    match &s.done {
                        Some(d) => println!("[x] {} — {} {}: {}", s.step.id, d.at, d.author, d.text),
                        None => println!("[ ] {} — {}", s.step.id, s.step.en),
                    }
                }
                for e in &case.journal {
                    let corrects = e.refers_to.map(|r| format!(" (corrects #{r})")).unwrap_or_default();
                    println!(
                        "#{} {} {} {}{corrects} [ledger {}]: {}",
                        e.id, e.at, e.author, e.kind, e.ledger_index, e.text
                    );
                }
                for f in &case.files {
                    println!("file of #{}: {} ({} bytes, SHA-256 {})", f.entry_id, f.name, f.size, f.sha256);
                }
            }
        }
        CaseCmd::Note { id, text, attach, corrects } => {
            let mut files = Vec::new();
            for path in &attach {
                let reader =
                    tokio::fs::File::open(path).await.with_context(|| format!("cannot open {}", path.display()))?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                files.push(Attachment { name, reader });
            }
            let entry = svc.case_note(op, id, &text, corrects, files).await?;
            println!("{entry}");
        }
        CaseCmd::Add { id, alert, event, secret, finding, user } => {
            let (kind, reference) = match (alert, event, secret, finding, user) {
                (Some(a), ..) => ("alert", a.to_string()),
                (_, Some(e), ..) => ("event", e),
                (_, _, Some(s), ..) => ("secret", s.to_string()),
                (_, _, _, Some(f), _) => ("finding", f.to_string()),
                (.., Some(u)) => ("person", u),
                _ => bail!("name what the case concerns: --alert, --event, --secret, --finding or --user"),
            };
            if !svc.case_link(op, id, kind, &reference).await? {
                eprintln!("case {id} already concerns {kind} {reference}");
            }
        }
        CaseCmd::Assign { id, user } => {
            if !svc.case_assign(op, id, &user).await? {
                eprintln!("{user} is already a member of case {id}");
            }
        }
        CaseCmd::Step { id, step, text } => {
            svc.case_step(op, id, &step, &text).await?;
        }
        CaseCmd::Status { id, status, reason } => {
            svc.case_status(op, id, &status, &reason).await?;
        }
        CaseCmd::Hold { id, reason } => {
            let c = svc.case_hold(op, id, &reason).await?;
            eprintln!("case {id} is under legal hold since {}", c.hold_since.unwrap_or_default());
        }
        CaseCmd::Release { id, reason } => {
            svc.case_release(op, id, &reason).await?;
            eprintln!("released the legal hold of case {id}");
        }
        CaseCmd::Timeline { id, user, json } => {
            let items = svc.case_timeline(op, id, &user, super::lang()).await?;
            if json {
                print_json(&items)?;
            } else {
                for i in items {
                    println!("{}\t{}\t{}", i.at, i.kind, i.text);
                }
            }
        }
        CaseCmd::Export { id, out } => export(svc, op, publish, id, &out).await?,
    }
    Ok(())
}

/// Publishes a checkpoint (so every cited entry has a proof), writes the
/// package, and with a TSA time-stamps its tag manifest.
async fn export(svc: &Service, op: &Actor, publish: &PublishArgs, id: i64, out: &std::path::Path) -> Result<()> {
    let publisher = super::setup::publisher(svc, publish)?;
    publisher.publish().await?;
    if publisher.anchors() {
        publisher.anchor().await?;
    }
    let ca = publish
        .tsa_ca
        .as_ref()
        .map(|p| std::fs::read(p).with_context(|| format!("cannot read {}", p.display())))
        .transpose()?;
    let (mut files, summary) = svc.case_bag_files(op, id, ca.as_deref()).await?;
    if publisher.anchors() {
        let tagmanifest = files.get("tagmanifest-sha256.txt").cloned().unwrap_or_default();
        let imprint: [u8; 32] = Sha256::digest(&tagmanifest).into();
        let token = publisher.stamp(&imprint).await?;
        files.insert("tagmanifest-sha256.txt.tst".into(), token);
    }
    maruhi_service::evidence::write_bag(out, &files)?;
    eprintln!(
        "wrote {}: {} ledger entries, {} events ({} without a kept original), {} imported originals, {} files",
        out.display(),
        summary.entries,
        summary.events,
        summary.without_original,
        summary.originals,
        summary.files
    );
    if summary.secrets_withheld > 0 {
        eprintln!(
            "note: {} secrets the case concerns are not visible to you and were left out (legal/IP can export them)",
            summary.secrets_withheld
        );
    }
    if summary.pending > 0 {
        eprintln!("note: {} entries are not under a signed checkpoint yet and were left out", summary.pending);
    }
    if !publisher.anchors() {
        eprintln!("note: no TSA configured (--tsa-url, --tsa-ca): the package itself is not time-stamped");
    }
    Ok(())
}
