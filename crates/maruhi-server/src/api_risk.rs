//! The insider-risk part of the JSON API: ranked people, alerts with their
//! evidence, triage, and running an analysis.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maruhi_service::Error;
use serde::Deserialize;

use crate::web::{ApiActor, ApiError, ApiJson, ApiQuery};
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsersQuery {
    /// A day (end of day, +09:00) or an RFC 3339 instant.
    as_of: Option<String>,
    top: Option<usize>,
}

/// `GET /api/v1/risk/users?as_of=&top=`.
pub(crate) async fn users(State(state): State<AppState>, a: ApiActor, ApiQuery(q): ApiQuery<UsersQuery>) -> ApiResult {
    let as_of = match q.as_of.as_deref() {
        Some(t) => Some(
            maruhi_service::risk::parse_as_of(t)
                .ok_or_else(|| ApiError(Error::invalid("as_of", maruhi_service::i18n::Msg::BadDate), a.lang))?,
        ),
        None => None,
    };
    let top = q.top.unwrap_or(20).clamp(1, 10_000);
    ok(state.svc.risk_users(&a.actor, as_of, top, a.lang).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `POST /api/v1/risk/analyse`.
pub(crate) async fn analyse(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.analyse_risk(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertsQuery {
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// `true`: the body is `{"total","limit","offset","alerts"}` instead of
    /// the array of alerts.
    paged: Option<bool>,
}

/// `GET /api/v1/alerts?status=&limit=&offset=&paged=`: newest first. The
/// body stays the array of alerts (for existing clients) unless `paged`;
/// the total of all matching alerts is always in `X-Total-Count`, and the
/// next and previous pages in `Link` (RFC 8288).
pub(crate) async fn alerts(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    let offset = q.offset.unwrap_or(0).max(0);
    let status = q.status.as_deref();
    let page = state.svc.alert_page(&a.actor, status, limit, offset).await.map_err(|e| ApiError(e, a.lang))?;
    let link = |offset: i64, rel: &str| {
        let status = status.map(|s| format!("&status={s}")).unwrap_or_default();
        let paged = if q.paged == Some(true) { "&paged=true" } else { "" };
        format!("</api/v1/alerts?limit={limit}&offset={offset}{status}{paged}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if offset + limit < page.total {
        links.push(link(offset + limit, "next"));
    }
    if offset > 0 {
        links.push(link((offset - limit).max(0), "prev"));
    }
    let total = page.total;
    let mut response =
        if q.paged == Some(true) { Json(page).into_response() } else { Json(page.alerts).into_response() };
    let headers = response.headers_mut();
    headers.insert("x-total-count", HeaderValue::from(total));
    if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
        if !links.is_empty() {
            headers.insert(header::LINK, v);
        }
    }
    Ok(response)
}

/// `GET /api/v1/risk/warnings`: what in the configuration skews detection,
/// in the caller's language.
pub(crate) async fn warnings(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    let warnings = state.svc.risk_warnings(&a.actor).await.map_err(|e| ApiError(e, a.lang))?;
    ok(warnings.iter().map(|w| serde_json::json!({"code": w.code, "message": w.text(a.lang)})).collect::<Vec<_>>())
}

/// `GET /api/v1/risk/domains/suggestions`: domains that look like the
/// company's own, to confirm.
pub(crate) async fn domain_suggestions(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.suggest_company_domains(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `GET /api/v1/identities`: every alias and the name it resolves to.
pub(crate) async fn identities(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.identities(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AliasBody {
    alias: String,
    user: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/identities` with `{"alias", "user", "note"}`.
pub(crate) async fn add_identity(
    State(state): State<AppState>,
    a: ApiActor,
    ApiJson(b): ApiJson<AliasBody>,
) -> ApiResult {
    ok(state.svc.identity_add(&a.actor, &b.alias, &b.user, &b.note).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `DELETE /api/v1/identities/{alias}`.
pub(crate) async fn remove_identity(
    State(state): State<AppState>,
    a: ApiActor,
    Path(alias): Path<String>,
) -> ApiResult {
    state.svc.identity_remove(&a.actor, &alias).await.map_err(|e| ApiError(e, a.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/alerts/{id}`: the alert and its evidence events.
pub(crate) async fn alert(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id: i64 = id.parse().map_err(|_| ApiError(Error::NotFound, a.lang))?;
    ok(state.svc.alert(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageBody {
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/alerts/{id}/triage` with `{"status", "comment"}`.
pub(crate) async fn triage(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TriageBody>,
) -> ApiResult {
    let id: i64 = id.parse().map_err(|_| ApiError(Error::NotFound, a.lang))?;
    ok(state.svc.triage_alert(&a.actor, id, &body.status, &body.comment).await.map_err(|e| ApiError(e, a.lang))?)
}
