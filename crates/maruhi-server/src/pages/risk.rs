//! Insider-risk pages: people ranked by score with their reasons, one
//! person's timeline, alerts, and an alert's evidence with its triage form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use maruhi_service::i18n::Lang;
use maruhi_service::identity::Alias;
use maruhi_service::risk::{human_bytes, AlertView, DomainSuggestion, RiskUser, ShownReason, ALERT_STATUSES};
use maruhi_service::{policy, Error};
use serde::Deserialize;

use super::{parse_id, render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "risk.html")]
pub struct RiskPage {
    ctx: Ctx,
    as_of: String,
    users: Vec<UserRow>,
    analysed_at: String,
    events: i64,
    may_analyse: bool,
    message: Option<String>,
    /// What in the configuration skews the results, in the reader's language.
    warnings: Vec<String>,
    /// Domains that look like the company's own, to confirm.
    suggestions: Vec<DomainSuggestion>,
    may_set_domains: bool,
}

pub struct UserRow {
    rank: usize,
    user: String,
    score: String,
    /// Width of the score bar, percent of the highest score.
    bar: u32,
    watchlists: Vec<String>,
    open_alerts: i64,
    reasons: Vec<ShownReason>,
}

#[derive(Deserialize)]
pub struct RiskQuery {
    as_of: Option<String>,
    done: Option<String>,
}

fn rows(users: Vec<RiskUser>) -> Vec<UserRow> {
    let top = users.first().map(|u| u.score).unwrap_or(0.0).max(1.0);
    users
        .into_iter()
        .enumerate()
        .map(|(i, u)| UserRow {
            rank: i + 1,
            bar: ((u.score / top) * 100.0).round().clamp(0.0, 100.0) as u32,
            score: format!("{:.1}", u.score),
            user: u.user,
            watchlists: u.watchlists,
            open_alerts: u.open_alerts,
            reasons: u.reasons.into_iter().take(4).collect(),
        })
        .collect()
}

pub async fn ranked(State(state): State<AppState>, viewer: Viewer, Query(q): Query<RiskQuery>) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let as_of_text = q.as_of.clone().filter(|s| !s.is_empty());
    let as_of = match &as_of_text {
        Some(t) => Some(
            maruhi_service::risk::parse_as_of(t)
                .ok_or_else(|| err(Error::invalid("as_of", maruhi_service::i18n::Msg::BadDate)))?,
        ),
        None => None,
    };
    let users = state.svc.risk_users(viewer.actor(), as_of, 50, lang).await.map_err(err)?;
    let (analysed_at, events, _, _) = state.svc.risk_analysis(viewer.actor()).await.map_err(err)?;
    let message = q.done.as_deref().map(|d| format!("{} ({d})", viewer.ctx().t("risk.analysed")));
    let warnings = state.svc.risk_warnings(viewer.actor()).await.map_err(err)?;
    let suggestions = state.svc.suggest_company_domains(viewer.actor()).await.map_err(err)?;
    Ok(render(&RiskPage {
        ctx: viewer.ctx(),
        as_of: as_of_text.unwrap_or_default(),
        users: rows(users),
        analysed_at: analysed_at.as_deref().map(super::local_time).unwrap_or_default(),
        events,
        may_analyse: policy::may_analyse_risk(viewer.actor()),
        message,
        warnings: warnings.iter().map(|w| w.text(lang).to_owned()).collect(),
        suggestions,
        may_set_domains: policy::may_manage_risk_settings(viewer.actor()),
    }))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain: String,
}

/// Confirms a suggested domain as the company's own.
pub async fn confirm_domain(State(state): State<AppState>, viewer: Viewer, Form(form): Form<DomainForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    state.svc.set_risk_domain(viewer.actor(), &form.domain, "company").await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/risk").into_response())
}

#[derive(Template)]
#[template(path = "identities.html")]
pub struct IdentitiesPage {
    ctx: Ctx,
    aliases: Vec<Alias>,
    may_manage: bool,
    error: Option<String>,
}

async fn identities_page(state: &AppState, viewer: &Viewer, error: Option<String>) -> PageResult {
    let aliases = state.svc.identities(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(render(&IdentitiesPage { ctx: viewer.ctx(), aliases, may_manage: policy::may_manage_hr(viewer.actor()), error }))
}

/// `GET /identities`: every alias and the name it resolves to.
pub async fn identities(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    identities_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct AliasForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    alias: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    note: String,
}

/// `POST /identities`: adds a hand-made alias.
pub async fn add_identity(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AliasForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    match state.svc.identity_add(viewer.actor(), &form.alias, &form.user, &form.note).await {
        Ok(_) => Ok(Redirect::to("/identities").into_response()),
        Err(Error::Invalid(fields)) => {
            let message = fields.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" ");
            identities_page(&state, &viewer, Some(message)).await
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

/// `POST /identities/remove`: removes a hand-made alias.
pub async fn remove_identity(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AliasForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    state.svc.identity_remove(viewer.actor(), &form.alias).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/identities").into_response())
}

pub async fn analyse(State(state): State<AppState>, viewer: Viewer, Form(form): Form<CsrfForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let report = state.svc.analyse_risk(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    let done = format!("{}/{}/{}", report.events, report.alerts, report.new_alerts);
    Ok(Redirect::to(&format!("/risk?done={done}")).into_response())
}

#[derive(Template)]
#[template(path = "risk_user.html")]
pub struct PersonPage {
    ctx: Ctx,
    user: String,
    score: String,
    watchlists: Vec<String>,
    reasons: Vec<ShownReason>,
    alerts: Vec<AlertRow>,
    timeline: Vec<(String, String, String, String, usize)>,
}

pub async fn person(State(state): State<AppState>, viewer: Viewer, Path(user): Path<String>) -> PageResult {
    let lang = viewer.lang;
    let p = state.svc.risk_person(viewer.actor(), &user, None, lang).await.map_err(|e| PageError(e, lang))?;
    let timeline = p
        .indicators
        .iter()
        .take(500)
        .map(|i| {
            let reason = lang.pick(&i.reason.ja, &i.reason.en).clone();
            let title = lang.pick(&i.title_ja, &i.title).clone();
            (i.day.to_string(), title, i.level.as_str().to_owned(), reason, i.event_ids.len())
        })
        .collect();
    Ok(render(&PersonPage {
        ctx: viewer.ctx(),
        score: format!("{:.1}", p.score),
        watchlists: p.watchlists,
        reasons: p.reasons,
        alerts: p.alerts.into_iter().map(|a| alert_row(a, lang)).collect(),
        timeline,
        user: p.user,
    }))
}

pub struct AlertRow {
    id: i64,
    day: String,
    user: String,
    severity: String,
    title: String,
    reason: String,
    events: i64,
    status: String,
}

fn alert_row(a: AlertView, lang: Lang) -> AlertRow {
    let reason = a.reasons.first().map(|r| lang.pick(&r.ja, &r.en).clone()).unwrap_or_default();
    AlertRow {
        id: a.id,
        day: a.day,
        user: a.user,
        severity: a.severity,
        title: lang.pick(&a.title_ja, &a.title).clone(),
        reason,
        events: a.event_count,
        status: a.status,
    }
}

#[derive(Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    ctx: Ctx,
    status: String,
    statuses: &'static [&'static str],
    alerts: Vec<AlertRow>,
}

#[derive(Deserialize)]
pub struct AlertsQuery {
    status: Option<String>,
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(q): Query<AlertsQuery>) -> PageResult {
    let lang = viewer.lang;
    let status = q.status.filter(|s| !s.is_empty());
    let alerts = state.svc.alerts(viewer.actor(), status.as_deref(), 500).await.map_err(|e| PageError(e, lang))?;
    Ok(render(&AlertsPage {
        ctx: viewer.ctx(),
        status: status.unwrap_or_default(),
        statuses: &ALERT_STATUSES,
        alerts: alerts.into_iter().map(|a| alert_row(a, lang)).collect(),
    }))
}

#[derive(Template)]
#[template(path = "alert.html")]
pub struct AlertPage {
    ctx: Ctx,
    alert: AlertView,
    title: String,
    severity_key: String,
    status_key: String,
    reasons: Vec<String>,
    first: String,
    last: String,
    events: Vec<EventRow>,
    statuses: &'static [&'static str],
    may_triage: bool,
    may_open_case: bool,
    error: Option<String>,
}

pub struct EventRow {
    time: String,
    action: String,
    host: String,
    what: String,
    size: String,
    id: String,
}

fn event_row(e: &serde_json::Value) -> EventRow {
    let s = |path: &[&str]| {
        let mut v = e;
        for p in path {
            v = &v[*p];
        }
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Array(a) => {
                a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect::<Vec<_>>().join(", ")
            }
            _ => String::new(),
        }
    };
    let what = [s(&["file", "path"]), s(&["url", "full"]), s(&["email", "to"]), s(&["device", "name"])]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let size = e["file"]["size"]
        .as_u64()
        .or_else(|| e["http"]["request"]["bytes"].as_u64())
        .map(|b| human_bytes(b as f64))
        .unwrap_or_default();
    EventRow {
        time: super::local_time(&s(&["@timestamp"])),
        action: s(&["event", "action"]),
        host: s(&["host", "name"]),
        what,
        size,
        id: s(&["event", "id"]),
    }
}

async fn alert_page(state: &AppState, viewer: &Viewer, id: i64, error: Option<String>) -> PageResult {
    let lang = viewer.lang;
    let detail = state.svc.alert(viewer.actor(), id).await.map_err(|e| PageError(e, lang))?;
    let reasons = detail.alert.reasons.iter().map(|r| lang.pick(&r.ja, &r.en).clone()).collect();
    Ok(render(&AlertPage {
        ctx: viewer.ctx(),
        first: super::local_time(&detail.alert.first_event_time),
        last: super::local_time(&detail.alert.last_event_time),
        reasons,
        events: detail.events.iter().map(event_row).collect(),
        statuses: &ALERT_STATUSES,
        may_triage: policy::may_triage(viewer.actor()),
        may_open_case: maruhi_service::cases::may_open_case(viewer.actor()),
        error,
        title: lang.pick(&detail.alert.title_ja, &detail.alert.title).clone(),
        severity_key: format!("severity.{}", detail.alert.severity),
        status_key: format!("alert.status.{}", detail.alert.status),
        alert: detail.alert,
    }))
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    alert_page(&state, &viewer, id, None).await
}

#[derive(Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

pub async fn triage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TriageForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    match state.svc.triage_alert(viewer.actor(), id, &form.status, &form.comment).await {
        Ok(_) => Ok(Redirect::to(&format!("/alerts/{id}")).into_response()),
        Err(Error::Invalid(fields)) => {
            let message = fields.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" ");
            alert_page(&state, &viewer, id, Some(message)).await
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}
