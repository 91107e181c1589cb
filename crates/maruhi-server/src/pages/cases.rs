//! Incident pages: the cases a user may see, one case with its journal,
//! checklist, links, members and legal hold, and the evidence package as a
//! download. Whether a case may be seen or changed is the service's
//! decision (need-to-know: members and legal/IP); these handlers only show
//! what it answers.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use maruhi_service::cases::{Attachment, CaseSummary, NewCase, CASE_KINDS, LINK_KINDS, SEVERITIES, STATUSES};
use maruhi_service::i18n::{Lang, Msg};
use maruhi_service::{policy, Error};
use serde::Deserialize;

use super::{local_time, parse_id, render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

/// The message of an error a form can recover from, in the reader's language.
fn form_message(e: &Error, lang: Lang) -> String {
    match e {
        Error::Invalid(fields) => fields.iter().map(|f| f.msg.text(lang)).collect::<Vec<_>>().join(" "),
        other => other.message(lang),
    }
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage {
    ctx: Ctx,
    cases: Vec<CaseRow>,
    may_open: bool,
    kinds: &'static [&'static str],
    severities: &'static [&'static str],
    error: Option<String>,
    /// What the user typed, when the form comes back with an error.
    title: String,
    note: String,
}

pub struct CaseRow {
    id: i64,
    title: String,
    kind: String,
    severity: String,
    status: String,
    hold: bool,
    opened: String,
    updated: String,
}

fn case_row(c: CaseSummary) -> CaseRow {
    CaseRow {
        id: c.id,
        title: c.title,
        kind: c.kind,
        severity: c.severity,
        status: c.status,
        hold: c.hold_since.is_some(),
        opened: local_time(&c.opened_at),
        updated: local_time(&c.updated_at),
    }
}

async fn cases_page(
    state: &AppState,
    viewer: &Viewer,
    error: Option<String>,
    form: Option<&NewCaseForm>,
) -> PageResult {
    let cases = state.svc.cases(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    let page = CasesPage {
        ctx: viewer.ctx(),
        cases: cases.into_iter().map(case_row).collect(),
        may_open: maruhi_service::cases::may_open_case(viewer.actor()),
        kinds: &CASE_KINDS,
        severities: &SEVERITIES,
        title: form.map(|f| f.title.clone()).unwrap_or_default(),
        note: form.map(|f| f.note.clone()).unwrap_or_default(),
        error,
    };
    Ok(render(&page))
}

/// `GET /cases`: the cases the user is a member of (all of them for legal/IP).
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    cases_page(&state, &viewer, None, None).await
}

#[derive(Deserialize)]
pub struct NewCaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    note: String,
}

/// `POST /cases`: opens a case; the opener is its first member.
pub async fn create(State(state): State<AppState>, viewer: Viewer, Form(form): Form<NewCaseForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let new = NewCase {
        title: form.title.clone(),
        kind: form.kind.clone(),
        severity: form.severity.clone(),
        note: form.note.clone(),
        alerts: Vec::new(),
    };
    match state.svc.open_case(viewer.actor(), new).await {
        Ok(case) => Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response()),
        Err(e @ Error::Invalid(_)) => {
            let page = cases_page(&state, &viewer, Some(form_message(&e, viewer.lang)), Some(&form)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /alerts/{id}/case`: opens a case from an alert (it then concerns
/// the alert and its person) and goes to it.
pub async fn open_from_alert(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let lang = viewer.lang;
    let id = parse_id(&id, lang)?;
    let detail = state.svc.alert(viewer.actor(), id).await.map_err(|e| PageError(e, lang))?;
    let alert = detail.alert;
    let title = format!(
        "{} #{id}: {} ({})",
        lang.pick("アラート", "Alert"),
        lang.pick(&alert.title_ja, &alert.title),
        alert.user
    );
    // Alerts may be informational; a case starts at low at the least.
    let severity = if SEVERITIES.contains(&alert.severity.as_str()) { alert.severity } else { "low".to_owned() };
    let new = NewCase { title, kind: "alert".into(), severity, note: String::new(), alerts: vec![id] };
    let case = state.svc.open_case(viewer.actor(), new).await.map_err(|e| PageError(e, lang))?;
    Ok(Redirect::to(&format!("/cases/{}", case.id)).into_response())
}

// ---------------------------------------------------------------- one case

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    ctx: Ctx,
    id: i64,
    title: String,
    severity: String,
    status: String,
    status_reason: String,
    opened: String,
    updated: String,
    hold_since: Option<String>,
    /// Label keys of the kind, severity and status.
    kind_key: String,
    severity_key: String,
    status_key: String,
    members: Vec<String>,
    links: Vec<LinkRow>,
    steps: Vec<StepRow>,
    entries: Vec<EntryRow>,
    timelines: Vec<PersonTimeline>,
    statuses: &'static [&'static str],
    link_kinds: &'static [&'static str],
    error: Option<String>,
}

pub struct LinkRow {
    kind: String,
    reference: String,
    /// Where the linked thing has a page of its own.
    href: Option<String>,
}

pub struct StepRow {
    id: &'static str,
    label: &'static str,
    /// (when, who, what was done)
    done: Option<(String, String, String)>,
}

pub struct FileRow {
    name: String,
    sha256: String,
    size: i64,
}

pub struct EntryRow {
    id: i64,
    at: String,
    author: String,
    kind: String,
    text: String,
    /// What the entry changed, for entries that are not notes.
    detail: String,
    files: Vec<FileRow>,
    ledger_index: i64,
    corrects: Option<i64>,
}

pub struct PersonTimeline {
    person: String,
    items: Vec<(String, String, String)>,
    /// Items left out of a long timeline.
    more: usize,
}

/// The most timeline lines shown per person (the package carries them all).
const TIMELINE_ROWS: usize = 300;

fn link_href(kind: &str, reference: &str) -> Option<String> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    match kind {
        "alert" => Some(format!("/alerts/{}", enc(reference))),
        "secret" => Some(format!("/secrets/{}", enc(reference))),
        "person" => Some(format!("/risk/users/{}", enc(reference))),
        "finding" => Some(format!("/ledger/proof/{}", enc(reference))),
        _ => None,
    }
}

/// What an entry that is not a note changed, in a line.
fn entry_detail(e: &maruhi_service::cases::JournalEntry, lang: Lang) -> String {
    let b = &e.body;
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    match e.kind.as_str() {
        "opened" => format!("{} ({}, {})", s(&b["title"]), s(&b["kind"]), s(&b["severity"])),
        "link" => format!("{} {}", s(&b["link"]["kind"]), s(&b["link"]["ref"])),
        "member" => s(&b["member"]),
        "status" => format!("{} → {}", s(&b["status"]["before"]), s(&b["status"]["after"])),
        "checklist" => {
            let step = e.step.as_deref().unwrap_or_default();
            maruhi_service::cases::CHECKLIST
                .iter()
                .find(|c| c.id == step)
                .map(|c| lang.pick(c.ja, c.en).to_string())
                .unwrap_or_else(|| step.to_owned())
        }
        "release" => format!("{} {}", lang.pick("ホールド開始", "held since"), local_time(&s(&b["held_since"]))),
        _ => String::new(),
    }
}

async fn case_page(state: &AppState, viewer: &Viewer, id: i64, error: Option<String>) -> Result<CasePage, PageError> {
    let lang = viewer.lang;
    let actor = viewer.actor();
    let view = state.svc.case(actor, id).await.map_err(|e| PageError(e, lang))?;
    let steps = view
        .checklist
        .iter()
        .map(|s| StepRow {
            id: s.step.id,
            label: lang.pick(s.step.ja, s.step.en),
            done: s.done.as_ref().map(|d| (local_time(&d.at), d.author.clone(), d.text.clone())),
        })
        .collect();
    let entries = view
        .journal
        .iter()
        .map(|e| EntryRow {
            id: e.id,
            at: local_time(&e.at),
            author: e.author.clone(),
            kind: e.kind.clone(),
            text: e.text.clone(),
            detail: entry_detail(e, lang),
            files: view
                .files
                .iter()
                .filter(|f| f.entry_id == e.id)
                .map(|f| FileRow { name: f.name.clone(), sha256: f.sha256.clone(), size: f.size })
                .collect(),
            ledger_index: e.ledger_index,
            corrects: e.refers_to,
        })
        .collect();
    let mut timelines = Vec::new();
    if policy::may_review_risk(actor) {
        for link in view.links.iter().filter(|l| l.kind == "person") {
            // A person whose name no longer resolves as when they were
            // linked (an alias added since) has no timeline here; the rest
            // of the case is still shown.
            let items = match state.svc.case_timeline(actor, id, &link.reference, lang).await {
                Ok(items) => items,
                Err(Error::NotFound) => continue,
                Err(e) => return Err(PageError(e, lang)),
            };
            let more = items.len().saturating_sub(TIMELINE_ROWS);
            let items = items
                .into_iter()
                .take(TIMELINE_ROWS)
                .map(|i| {
                    let at = if i.at.len() > 10 { local_time(&i.at) } else { i.at };
                    (at, i.kind, i.text)
                })
                .collect();
            timelines.push(PersonTimeline { person: link.reference.clone(), items, more });
        }
    }
    let c = view.case;
    Ok(CasePage {
        ctx: viewer.ctx(),
        kind_key: format!("case.kind.{}", c.kind),
        severity_key: format!("severity.{}", c.severity),
        status_key: format!("case.status.{}", c.status),
        id: c.id,
        title: c.title,
        severity: c.severity,
        status: c.status,
        status_reason: c.status_reason,
        opened: local_time(&c.opened_at),
        updated: local_time(&c.updated_at),
        hold_since: c.hold_since.as_deref().map(local_time),
        members: view.members,
        links: view
            .links
            .into_iter()
            .map(|l| LinkRow { href: link_href(&l.kind, &l.reference), kind: l.kind, reference: l.reference })
            .collect(),
        steps,
        entries,
        timelines,
        statuses: &STATUSES,
        link_kinds: &LINK_KINDS,
        error,
    })
}

/// `GET /cases/{id}`.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    Ok(render(&case_page(&state, &viewer, id, None).await?))
}

/// After a form on the case page: back to the case, or the case again with
/// the service's refusal beside the forms (a release by someone who is not
/// legal/IP, a missing reason).
async fn case_or_error<T>(state: &AppState, viewer: &Viewer, id: i64, result: Result<T, Error>) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_) | Error::Forbidden)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let page = case_page(state, viewer, id, Some(form_message(&e, viewer.lang))).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e @ Error::Busy) => {
            let page = case_page(state, viewer, id, Some(e.message(viewer.lang))).await?;
            Ok(super::scan::busy(render(&page)))
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

/// `POST /cases/{id}/notes` (multipart): a journal entry, optionally with
/// files and optionally correcting an earlier entry.
pub async fn note(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> PageResult {
    let lang = viewer.lang;
    let id = parse_id(&id, lang)?;
    let bad = || PageError(Error::invalid("file", Msg::InputInvalid), lang);
    let (mut csrf, mut text, mut refers_to) = (String::new(), String::new(), String::new());
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| bad())?,
            Some("text") => text = field.text().await.map_err(|_| bad())?,
            Some("refers_to") => refers_to = field.text().await.map_err(|_| bad())?,
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| bad())?.to_vec();
                // A file input left empty still sends a part, without a name.
                if !name.is_empty() || !bytes.is_empty() {
                    files.push((name, bytes));
                }
            }
            _ => {}
        }
    }
    // The token is checked before anything is done with the files.
    viewer.check_csrf(&csrf)?;
    let refers_to = match refers_to.trim().trim_start_matches('#') {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return case_or_error::<()>(&state, &viewer, id, Err(Error::invalid("refers_to", Msg::InputInvalid)))
                    .await
            }
        },
    };
    let attachments =
        files.iter().map(|(name, bytes)| Attachment { name: name.clone(), reader: bytes.as_slice() }).collect();
    let result = state.svc.case_note(viewer.actor(), id, &text, refers_to, attachments).await;
    case_or_error(&state, &viewer, id, result).await
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reference: String,
}

/// `POST /cases/{id}/links`: the case concerns an alert, an event, a
/// finding, a secret or a person.
pub async fn link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let result = state.svc.case_link(viewer.actor(), id, &form.kind, &form.reference).await;
    case_or_error(&state, &viewer, id, result).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
}

/// `POST /cases/{id}/members`: another user joins the case (and sees it).
pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<MemberForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let result = state.svc.case_assign(viewer.actor(), id, &form.username).await;
    case_or_error(&state, &viewer, id, result).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// `POST /cases/{id}/status`.
pub async fn status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let result = state.svc.case_status(viewer.actor(), id, &form.status, &form.reason).await;
    case_or_error(&state, &viewer, id, result).await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    text: String,
}

/// `POST /cases/{id}/steps`: a checklist step was done.
pub async fn step(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let result = state.svc.case_step(viewer.actor(), id, &form.step, &form.text).await;
    case_or_error(&state, &viewer, id, result).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /cases/{id}/hold`: places the case under legal hold.
pub async fn hold(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let result = state.svc.case_hold(viewer.actor(), id, &form.reason).await;
    case_or_error(&state, &viewer, id, result).await
}

/// `POST /cases/{id}/release`: releases the hold (legal/IP; the service
/// refuses anyone else, and the page says so).
pub async fn release(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let result = state.svc.case_release(viewer.actor(), id, &form.reason).await;
    case_or_error(&state, &viewer, id, result).await
}

/// `GET /cases/{id}/evidence.zip`: the evidence package as a zipped BagIt
/// bag. The server holds no time-stamp authority, so the package carries
/// no time stamp over its tag manifest (`maruhi case export` adds one);
/// the ledger entries in it carry their checkpoints' time stamps as usual.
pub async fn export(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    let zip = state.svc.case_bag_zip(viewer.actor(), id).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(zip_response(zip, id))
}

/// A zipped case package as a download.
pub(crate) fn zip_response(zip: Vec<u8>, id: i64) -> axum::response::Response {
    let mut resp = zip.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    let disposition = format!("attachment; filename=\"case-{id}.zip\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
