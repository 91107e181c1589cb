//! `maruhi assess …`: the self-assessment against METI's and IPA's guidance,
//! answers to the items answered by hand, and the scores over time.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use maruhi_service::assess::{answer_label, AnswerInput, Assessment, Evidence};
use maruhi_service::i18n::Lang;
use maruhi_service::{Actor, Service};
use sha2::{Digest, Sha256};

use super::print_json;
use crate::args::{AssessCmd, AssessFormat};

/// `maruhi assess` without a subcommand.
pub(super) struct ReportArgs {
    pub json: bool,
    pub save: bool,
    pub format: AssessFormat,
    pub out: Option<PathBuf>,
    pub lang: Option<String>,
}

pub(super) async fn assess(svc: &Service, op: &Actor, cmd: Option<AssessCmd>, args: ReportArgs) -> Result<()> {
    match cmd {
        None => report(svc, op, args).await,
        Some(AssessCmd::Answer { item, answer, note, evidence, json }) => {
            let evidence = evidence.iter().map(|p| evidence_of(p)).collect::<Result<Vec<_>>>()?;
            let recorded = svc.answer_assessment_item(op, AnswerInput { item, answer, note, evidence }).await?;
            if json {
                print_json(&recorded)?;
            } else {
                eprintln!("recorded {} = {} (in the audit trail)", recorded.item, recorded.answer);
            }
            Ok(())
        }
        Some(AssessCmd::History { limit, json }) => {
            let history = svc.assessment_history(op, limit).await?;
            if json {
                return print_json(&history);
            }
            for s in &history {
                let per: Vec<String> = s
                    .objectives
                    .iter()
                    .map(|(id, score)| format!("{id}={}", score.map(|x| x.to_string()).unwrap_or_else(|| "-".into())))
                    .collect();
                let overall = s.overall.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
                println!("{}\t{overall}\t{}\t{}", s.taken_at, per.join(" "), s.taken_by);
            }
            Ok(())
        }
    }
}

/// An evidence file: its name and SHA-256 (its content stays where it is).
fn evidence_of(path: &Path) -> Result<Evidence> {
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).with_context(|| format!("cannot read {}", path.display()))?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Evidence { name, sha256: Some(sha256) })
}

async fn report(svc: &Service, op: &Actor, args: ReportArgs) -> Result<()> {
    let lang = args.lang.as_deref().and_then(Lang::parse).unwrap_or_else(super::lang);
    let a = if args.save {
        let (a, snap) = svc.save_assessment(op).await?;
        eprintln!("saved snapshot {} at {}", snap.id, snap.taken_at);
        a
    } else {
        svc.assessment(op).await?
    };
    let format = if args.json { AssessFormat::Json } else { args.format };
    let body = match format {
        AssessFormat::Json => serde_json::to_string_pretty(&a)? + "\n",
        AssessFormat::Text => text(&a, lang),
        AssessFormat::Html => {
            let history = svc.assessment_history(op, 50).await?;
            maruhi_server::pages::assess::assessment_report(&a, &history, lang)
                .context("cannot render the assessment report")?
        }
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, body).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => std::io::stdout().lock().write_all(body.as_bytes())?,
    }
    Ok(())
}

fn score(s: Option<u8>) -> String {
    s.map(|s| format!("{s:>3}")).unwrap_or_else(|| "  -".to_owned())
}

/// The assessment for people: per objective, each item with its score,
/// measured value or answer, and the next step where there is a gap.
fn text(a: &Assessment, lang: Lang) -> String {
    let mut out = String::new();
    let (overall, next) = match lang {
        Lang::Ja => ("総合スコア", "次の一手"),
        Lang::En => ("Overall score", "next step"),
    };
    out.push_str(&format!("{overall}: {}/100 ({})\n", score(a.overall).trim(), a.at));
    for o in &a.objectives {
        out.push_str(&format!("\n{} {}  [{}/{}]\n", score(o.score), o.name.get(lang), o.scored, o.items));
        for i in a.items.iter().filter(|i| i.objective == o.id) {
            let value = match (&i.value_text, &i.answer) {
                (Some(t), _) => t.get(lang).to_owned(),
                (None, Some(ans)) if ans.note.is_empty() => answer_label(&ans.answer, lang).to_owned(),
                (None, Some(ans)) => format!("{}: {}", answer_label(&ans.answer, lang), ans.note),
                (None, None) => answer_label("", lang).to_owned(),
            };
            out.push_str(&format!("  {} {} {}\n      {value}\n", score(i.score), i.id, i.text.get(lang)));
            if i.gap {
                out.push_str(&format!("      → {next}: {}\n", i.next.get(lang)));
            }
        }
    }
    out
}
