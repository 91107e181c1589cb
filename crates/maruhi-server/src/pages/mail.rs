//! Targeted-mail triage for the CSIRT: upload reported mail (`.eml`, several at once, or an
//! mbox), see each conversation with its mails' verdicts and reasons in the page's language and
//! the mail that turned it, and open a case from a mail with one click (the existing `POST
//! /cases`, its note prefilled with the evidence).

use askama::Template;
use axum::extract::{Multipart, State};
use maruhi_mail::{MailReport, Triage, Verdict};
use maruhi_service::i18n::{Lang, Msg};
use maruhi_service::{policy, Error};

use super::{render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "mail.html")]
pub struct MailPage {
    ctx: Ctx,
    result: Option<ResultView>,
    error: Option<String>,
    /// Partners and the border server this server was configured with.
    partners: String,
    authserv: String,
    may_open_case: bool,
    may_share: bool,
}

pub struct ResultView {
    counts: (usize, usize, usize),
    threads: Vec<ThreadView>,
    problems: Vec<(String, String)>,
}

pub struct ThreadView {
    id: String,
    subject: String,
    verdict: &'static str,
    score: u32,
    turned_by: Option<String>,
    mails: Vec<MailView>,
}

pub struct MailView {
    path: String,
    from: String,
    subject: String,
    message_id: String,
    verdict: &'static str,
    score: u32,
    turned: bool,
    /// (code, text in the page's language)
    reasons: Vec<(&'static str, String)>,
    /// The case a confirmed mail opens: (title, severity, note).
    case: Option<(String, &'static str, String)>,
    /// The sharing report a confirmed mail drafts: (title, method,
    /// indicators as `kind\tvalue` lines, first seen).
    share: Option<(String, String, String, String)>,
}

fn may_triage(viewer: &Viewer) -> Result<(), PageError> {
    if policy::may_triage_mail(viewer.actor()) {
        Ok(())
    } else {
        Err(PageError(Error::Forbidden, viewer.lang))
    }
}

fn page(state: &AppState, viewer: &Viewer, result: Option<ResultView>, error: Option<String>) -> MailPage {
    let config = &state.mail_triage;
    let none = viewer.lang.pick("(未設定)", "(none)").to_owned();
    let list = |l: &[String]| if l.is_empty() { none.clone() } else { l.join(", ") };
    MailPage {
        ctx: viewer.ctx(),
        result,
        error,
        partners: list(&config.partner_domains),
        authserv: list(&config.authserv_ids),
        may_open_case: viewer.actor().scope == maruhi_service::Scope::Write,
        may_share: maruhi_service::sharing::may_draft(viewer.actor()),
    }
}

/// `GET /mail`: the upload form.
pub async fn form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    may_triage(&viewer)?;
    Ok(render(&page(&state, &viewer, None, None)))
}

/// `POST /mail`: triage the uploaded files.
pub async fn upload(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult {
    may_triage(&viewer)?;
    let lang = viewer.lang;
    let bad = || PageError(Error::invalid("file", Msg::Required), lang);
    let mut csrf = String::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| bad())?,
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| bad())?.to_vec();
                if !(name.is_empty() && bytes.is_empty()) {
                    files.push((name, bytes));
                }
            }
            _ => {}
        }
    }
    // The token is checked before anything is done with the files.
    viewer.check_csrf(&csrf)?;
    if files.is_empty() {
        return Ok(render(&page(&state, &viewer, None, Some(Msg::Required.text(lang).to_owned()))));
    }
    let triage = state
        .svc
        .triage_mail(viewer.actor(), state.mail_triage.clone(), files)
        .await
        .map_err(|e| PageError(e, lang))?;
    Ok(render(&page(&state, &viewer, Some(view(&triage, lang)), None)))
}

fn verdict_key(v: Verdict) -> &'static str {
    v.as_str()
}

fn case_of(m: &MailReport, lang: Lang) -> Option<(String, &'static str, String)> {
    if m.verdict == Verdict::Clean {
        return None;
    }
    let subject = m.subject.as_deref().unwrap_or("");
    let title =
        format!("{}: {subject} ({})", lang.pick("標的型メール", "Targeted mail"), m.from.as_deref().unwrap_or(""));
    let severity = if m.verdict == Verdict::Malicious { "high" } else { "medium" };
    let mut note = format!(
        "{}\nFrom: {}\nSubject: {subject}\nMessage-ID: {}\n{}: {} ({})\n",
        m.path,
        m.from.as_deref().unwrap_or(""),
        m.message_id.as_deref().unwrap_or(""),
        lang.pick("判定", "Verdict"),
        lang.pick(m.verdict.ja(), m.verdict.as_str()),
        m.score
    );
    for r in &m.reasons {
        note.push_str(&format!("- {} {}\n", r.code, lang.pick(&r.ja, &r.en)));
    }
    Some((title.chars().take(200).collect(), severity, note))
}

/// A sharing draft of a mail judged suspicious or malicious: what the
/// forum would learn (the signs, in the page's language) and the indicators
/// (sender, its domain, subject); the gate removes what identifies the
/// company when the report is reviewed.
fn share_of(m: &MailReport, lang: Lang) -> Option<(String, String, String, String)> {
    if m.verdict == Verdict::Clean {
        return None;
    }
    let subject = m.subject.as_deref().unwrap_or("");
    let title = format!("{}: {subject}", lang.pick("標的型メール", "Targeted mail"));
    let method: String = m.reasons.iter().map(|r| format!("{} {}\n", r.code, lang.pick(&r.ja, &r.en))).collect();
    let mut indicators = String::new();
    if let Some(from) = m.from.as_deref().filter(|f| !f.is_empty()) {
        indicators.push_str(&format!("sender\t{from}\n"));
        if let Some((_, domain)) = from.rsplit_once('@') {
            indicators.push_str(&format!("domain\t{domain}\n"));
        }
    }
    if !subject.is_empty() {
        indicators.push_str(&format!("subject\t{subject}\n"));
    }
    let first_seen = m
        .date
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|d| d.date().to_string())
        .unwrap_or_default();
    Some((title.chars().take(200).collect(), method, indicators, first_seen))
}

fn view(t: &Triage, lang: Lang) -> ResultView {
    let count = |v: Verdict| t.mails.iter().filter(|m| m.verdict == v).count();
    let threads = t
        .threads
        .iter()
        .map(|th| ThreadView {
            id: th.id.clone(),
            subject: th.subject.clone(),
            verdict: verdict_key(th.verdict),
            score: th.score,
            turned_by: th.turned_by.clone(),
            mails: th
                .mails
                .iter()
                .filter_map(|p| t.mails.iter().find(|m| &m.path == p))
                .map(|m| MailView {
                    path: m.path.clone(),
                    from: m.from.clone().unwrap_or_default(),
                    subject: m.subject.clone().unwrap_or_default(),
                    message_id: m.message_id.clone().unwrap_or_default(),
                    verdict: verdict_key(m.verdict),
                    score: m.score,
                    turned: th.turned_by.as_deref() == Some(m.path.as_str()),
                    reasons: m.reasons.iter().map(|r| (r.code, lang.pick(&r.ja, &r.en).to_owned())).collect(),
                    case: case_of(m, lang),
                    share: share_of(m, lang),
                })
                .collect(),
        })
        .collect();
    ResultView {
        counts: (count(Verdict::Malicious), count(Verdict::Suspicious), count(Verdict::Clean)),
        threads,
        problems: t.problems.iter().map(|p| (p.path.clone(), p.message.clone())).collect(),
    }
}
