//! Sharing pages: the reports a user sees, and one report side by side for
//! the reviewer (the draft, what the anonymisation gate makes of it, every
//! removal, anything it could not remove) with the approval form. Who sees
//! and who approves is the service's decision.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use maruhi_service::sharing::{may_approve, may_draft, Draft, Indicator, NewDraft, Removal, ReportSummary, TERM_KINDS};
use maruhi_service::Error;
use serde::Deserialize;

use super::{local_time, parse_id, render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

pub struct ReportRow {
    id: i64,
    title: String,
    tlp: String,
    origin: String,
    approved: bool,
    updated: String,
}

fn row(r: ReportSummary) -> ReportRow {
    ReportRow {
        id: r.id,
        title: r.title,
        tlp: r.tlp.to_uppercase(),
        origin: r.origin,
        approved: r.approved.is_some(),
        updated: local_time(&r.updated_at),
    }
}

#[derive(Template)]
#[template(path = "share_list.html")]
pub struct SharePage {
    ctx: Ctx,
    reports: Vec<ReportRow>,
}

/// `GET /share`: drafts the user sees and the library received from forums.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let reports = state.svc.share_reports(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(render(&SharePage { ctx: viewer.ctx(), reports: reports.into_iter().map(row).collect() }))
}

#[derive(Template)]
#[template(path = "share.html")]
pub struct ReportPage {
    ctx: Ctx,
    report: ReportRow,
    approval: Option<(String, String, String, i64)>,
    removals: Vec<Removal>,
    residuals: Vec<(String, String)>,
    draft: String,
    gated: String,
    received: String,
    may_approve: bool,
    /// Whether the viewer may add dictionary terms (those who draft or approve).
    may_add_terms: bool,
    kinds: &'static [&'static str],
    error: Option<String>,
}

async fn report_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    error: Option<String>,
) -> Result<ReportPage, PageError> {
    let view = state.svc.share_report(viewer.actor(), id).await.map_err(|e| PageError(e, viewer.lang))?;
    let approval =
        view.report.approved.as_ref().map(|a| (a.by.clone(), local_time(&a.at), a.sha256.clone(), a.ledger_index));
    let local = view.report.origin == "local";
    Ok(ReportPage {
        ctx: viewer.ctx(),
        approval,
        removals: view.removals.clone(),
        residuals: view.residuals.clone(),
        draft: if local { pretty(&view.draft) } else { String::new() },
        gated: view.gated.as_ref().map(pretty).unwrap_or_default(),
        received: view.received.as_ref().map(pretty).unwrap_or_default(),
        may_approve: local && may_approve(viewer.actor()),
        may_add_terms: local && (may_approve(viewer.actor()) || may_draft(viewer.actor())),
        kinds: &TERM_KINDS,
        report: row(view.report),
        error,
    })
}

/// JSON for the page's `<pre>` blocks.
fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// `GET /share/{id}`: the report side by side.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    Ok(render(&report_page(&state, &viewer, id, None).await?))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /share/{id}/approve`: approves what the gate makes of the report now.
pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    match state.svc.share_approve(viewer.actor(), id).await {
        Ok(_) => Ok(Redirect::to(&format!("/share/{id}")).into_response()),
        Err(e @ (Error::Conflict(_) | Error::Forbidden)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::CONFLICT);
            let page = report_page(&state, &viewer, id, Some(e.message(viewer.lang))).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    detection: String,
    #[serde(default)]
    first_seen: String,
    /// One indicator a line: its kind, a tab, its value.
    #[serde(default)]
    indicators: String,
}

/// `POST /share`: a draft from a form (the 標的型メール page drafts one
/// from a mail it judged suspicious or malicious), then its page.
pub async fn draft(State(state): State<AppState>, viewer: Viewer, Form(form): Form<DraftForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let indicators = form
        .indicators
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(kind, value)| Indicator { kind: kind.trim().to_owned(), value: value.trim().to_owned() })
        .collect();
    // Browsers send line breaks in form fields as CRLF.
    let lf = |s: String| s.replace("\r\n", "\n");
    let draft = Draft {
        title: form.title.clone(),
        method: lf(form.method),
        detection: lf(form.detection),
        first_seen: form.first_seen,
        indicators,
        ..Draft::default()
    };
    let new = NewDraft { from_case: None, title: form.title, draft: Some(draft) };
    let made = state.svc.share_draft(viewer.actor(), new).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to(&format!("/share/{}", made.id)).into_response())
}

#[derive(Deserialize)]
pub struct TermForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    term: String,
}

/// `POST /share/{id}/terms`: the reviewer adds a term the gate missed, and
/// sees the report again with it applied.
pub async fn add_term(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TermForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    // The report first: nobody learns of a report from this form.
    state.svc.share_report(viewer.actor(), id).await.map_err(|e| PageError(e, viewer.lang))?;
    match state.svc.share_dictionary_add(viewer.actor(), &form.kind, &form.term).await {
        Ok(_) => Ok(Redirect::to(&format!("/share/{id}")).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Forbidden)) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            let page = report_page(&state, &viewer, id, Some(e.message(viewer.lang))).await?;
            Ok((status, render(&page)).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}
