//! The sharing part of the JSON API: sharing reports, the gate's
//! side-by-side, approval, export of approved reports, the dictionary. A
//! report the caller may not see answers 404; an export of anything not
//! approved is refused (409), as on every other route.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maruhi_service::sharing::{Draft, Format, NewDraft};
use maruhi_service::Error;
use serde::Deserialize;

use crate::web::{ApiActor, ApiError, ApiJson, ApiQuery};
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

fn report_id(id: &str, a: &ApiActor) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError(Error::NotFound, a.lang))
}

/// `GET /api/v1/share/reports`: drafts the caller sees and the library received.
pub(crate) async fn list(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    Ok(Json(state.svc.share_reports(&a.actor).await.map_err(|e| ApiError(e, a.lang))?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DraftBody {
    #[serde(default)]
    from_case: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    draft: Option<Draft>,
}

/// `POST /api/v1/share/reports` with `{"from_case", "title", "draft"}`.
pub(crate) async fn draft(State(state): State<AppState>, a: ApiActor, ApiJson(b): ApiJson<DraftBody>) -> ApiResult {
    let new = NewDraft { from_case: b.from_case, title: b.title, draft: b.draft };
    let report = state.svc.share_draft(&a.actor, new).await.map_err(|e| ApiError(e, a.lang))?;
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

/// `GET /api/v1/share/reports/{id}`: the report side by side with what the
/// gate makes of it and what it removed.
pub(crate) async fn show(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = report_id(&id, &a)?;
    Ok(Json(state.svc.share_report(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?).into_response())
}

/// `POST /api/v1/share/reports/{id}/approve`.
pub(crate) async fn approve(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = report_id(&id, &a)?;
    Ok(Json(state.svc.share_approve(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportQuery {
    format: Format,
}

/// `GET /api/v1/share/reports/{id}/export?format=stix|misp`.
pub(crate) async fn export(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult {
    let id = report_id(&id, &a)?;
    let bytes = state.svc.share_export(&a.actor, id, q.format, "api").await.map_err(|e| ApiError(e, a.lang))?;
    let media = match q.format {
        Format::Stix => "application/stix+json;version=2.1",
        Format::Misp => "application/json",
    };
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    Ok(resp)
}

/// `GET /api/v1/share/dictionary`: terms by hand and those read from the data.
pub(crate) async fn dictionary(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    Ok(Json(state.svc.share_dictionary(&a.actor).await.map_err(|e| ApiError(e, a.lang))?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TermBody {
    kind: String,
    term: String,
}

/// `POST /api/v1/share/dictionary` with `{"kind", "term"}`.
pub(crate) async fn add_term(State(state): State<AppState>, a: ApiActor, ApiJson(b): ApiJson<TermBody>) -> ApiResult {
    let added = state.svc.share_dictionary_add(&a.actor, &b.kind, &b.term).await.map_err(|e| ApiError(e, a.lang))?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(serde_json::json!({"added": added}))).into_response())
}
