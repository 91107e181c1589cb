//! `maruhi mail triage`: targeted-mail triage from the terminal, with no installation needed.
//!
//! `--format jsonl` is a contract: one `mail` object per mail in input order, then with
//! `--thread` one `thread` object per conversation, and a `problem` object for each input that
//! was not mail.

use std::io::Write;

use anyhow::{bail, Context, Result};
use maruhi_mail::{Config, Reason, Triage, Triager, Verdict};
use serde_json::json;

use crate::args::{MailCmd, ScanFormat};

/// Runs a mail command; returns the exit code (0 all clean, 1 something suspicious or
/// malicious). Errors mean it could not run (exit code 2).
pub fn mail(cmd: MailCmd) -> Result<u8> {
    let MailCmd::Triage { paths, format, thread, own_domains, partner_domains, authserv_ids, dkim_keys, lang } = cmd;
    let mut keys = Vec::new();
    for file in &dkim_keys {
        let text = std::fs::read_to_string(file).with_context(|| format!("{}: cannot read", file.display()))?;
        let before = keys.len();
        keys.extend(text.lines().filter_map(maruhi_mail::DkimKey::parse_line));
        if keys.len() == before {
            bail!("{}: no DKIM key (lines `selector._domainkey.domain v=DKIM1; k=rsa; p=…`)", file.display());
        }
    }
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or folder", p.display());
        }
    }
    let (inputs, read_problems) = maruhi_mail::read_paths(&paths);
    if inputs.is_empty() && !read_problems.is_empty() {
        bail!("no mail could be read: {}: {}", read_problems[0].path, read_problems[0].message);
    }
    let triager = Triager::new(Config { own_domains, partner_domains, authserv_ids, dkim_keys: keys });
    let mut triage = triager.triage(inputs);
    triage.problems.splice(0..0, read_problems);
    let ja = match lang.as_deref() {
        Some(l) => l == "ja",
        None => crate::commands::lang() == maruhi_service::i18n::Lang::Ja,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        ScanFormat::Jsonl => jsonl(&mut out, &triage, thread)?,
        ScanFormat::Text => text(&mut out, &triage, thread, ja)?,
    }
    out.flush()?;
    Ok(if triage.worst() == Verdict::Clean { 0 } else { 1 })
}

fn reasons_json(reasons: &[Reason]) -> serde_json::Value {
    reasons.iter().map(|r| json!({"code": r.code, "ja": r.ja, "en": r.en})).collect()
}

fn jsonl(out: &mut impl Write, t: &Triage, thread: bool) -> Result<()> {
    for m in &t.mails {
        let line = json!({
            "type": "mail",
            "path": m.path,
            "message_id": m.message_id,
            "from": m.from,
            "subject": m.subject,
            "verdict": m.verdict,
            "score": m.score,
            "reasons": reasons_json(&m.reasons),
            "thread": m.thread,
        });
        writeln!(out, "{line}")?;
    }
    if thread {
        for th in &t.threads {
            let line = json!({
                "type": "thread",
                "id": th.id,
                "subject": th.subject,
                "mails": th.mails,
                "turned_by": th.turned_by,
                "verdict": th.verdict,
                "score": th.score,
                "reasons": reasons_json(&th.reasons),
            });
            writeln!(out, "{line}")?;
        }
    }
    for p in &t.problems {
        writeln!(out, "{}", json!({"type": "problem", "path": p.path, "message": p.message}))?;
    }
    Ok(())
}

fn verdict_word(v: Verdict, ja: bool) -> &'static str {
    if ja {
        v.ja()
    } else {
        v.as_str()
    }
}

fn mail_text(out: &mut impl Write, m: &maruhi_mail::MailReport, ja: bool, indent: &str) -> Result<()> {
    writeln!(
        out,
        "{indent}{:<10} {:>3}  {}  {}",
        verdict_word(m.verdict, ja),
        m.score,
        m.path,
        m.subject.as_deref().unwrap_or("")
    )?;
    for r in &m.reasons {
        writeln!(out, "{indent}    {} {}", r.code, if ja { &r.ja } else { &r.en })?;
    }
    Ok(())
}

fn text(out: &mut impl Write, t: &Triage, thread: bool, ja: bool) -> Result<()> {
    if thread {
        for th in &t.threads {
            let turned = th.turned_by.as_deref().map_or(String::new(), |p| {
                if ja {
                    format!("  転換点: {p}")
                } else {
                    format!("  turned by: {p}")
                }
            });
            writeln!(
                out,
                "{} {} {}  {} ({}){turned}",
                th.id,
                verdict_word(th.verdict, ja),
                th.score,
                th.subject,
                th.mails.len()
            )?;
            for path in &th.mails {
                if let Some(m) = t.mails.iter().find(|m| &m.path == path) {
                    mail_text(out, m, ja, "  ")?;
                }
            }
        }
    } else {
        for m in &t.mails {
            mail_text(out, m, ja, "")?;
        }
    }
    for p in &t.problems {
        writeln!(out, "{}: {}", p.path, p.message)?;
    }
    let count = |v: Verdict| t.mails.iter().filter(|m| m.verdict == v).count();
    let (bad, sus, clean) = (count(Verdict::Malicious), count(Verdict::Suspicious), count(Verdict::Clean));
    if ja {
        writeln!(out, "{} 通: 危険 {bad}、要確認 {sus}、問題なし {clean}", t.mails.len())?;
    } else {
        writeln!(out, "{} mails: {bad} malicious, {sus} suspicious, {clean} clean", t.mails.len())?;
    }
    Ok(())
}
