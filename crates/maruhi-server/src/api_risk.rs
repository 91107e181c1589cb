//! The insider-risk part of the JSON API: ranked people, alerts with their
//! evidence, triage, and running an analysis.

use axum::extract::{Path, State};
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
pub struct UsersQuery {
    /// A day (end of day, +09:00) or an RFC 3339 instant.
    as_of: Option<String>,
    top: Option<usize>,
}

/// `GET /api/v1/risk/users?as_of=&top=`.
pub async fn users(State(state): State<AppState>, a: ApiActor, ApiQuery(q): ApiQuery<UsersQuery>) -> ApiResult {
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
pub async fn analyse(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.analyse_risk(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertsQuery {
    status: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/v1/alerts?status=&limit=`.
pub async fn alerts(State(state): State<AppState>, a: ApiActor, ApiQuery(q): ApiQuery<AlertsQuery>) -> ApiResult {
    let limit = q.limit.unwrap_or(100).clamp(1, 10_000);
    ok(state.svc.alerts(&a.actor, q.status.as_deref(), limit).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `GET /api/v1/alerts/{id}`: the alert and its evidence events.
pub async fn alert(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id: i64 = id.parse().map_err(|_| ApiError(Error::NotFound, a.lang))?;
    ok(state.svc.alert(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageBody {
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/alerts/{id}/triage` with `{"status", "comment"}`.
pub async fn triage(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TriageBody>,
) -> ApiResult {
    let id: i64 = id.parse().map_err(|_| ApiError(Error::NotFound, a.lang))?;
    ok(state.svc.triage_alert(&a.actor, id, &body.status, &body.comment).await.map_err(|e| ApiError(e, a.lang))?)
}
