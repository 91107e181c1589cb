//! The incident part of the JSON API: cases, their journal, checklist,
//! links, members, legal hold, a person's timeline and the evidence
//! package. A case the caller may not see answers 404, exactly like one
//! that does not exist (the service decides).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maruhi_service::cases::{Attachment, NewCase};
use maruhi_service::Error;
use serde::Deserialize;

use crate::web::{ApiActor, ApiError, ApiJson, ApiQuery};
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

fn case_id(id: &str, a: &ApiActor) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError(Error::NotFound, a.lang))
}

/// `GET /api/v1/cases`: the cases the caller may see, newest first.
pub(crate) async fn list(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.cases(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCaseBody {
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    alerts: Vec<i64>,
}

/// `POST /api/v1/cases` with `{"title", "kind", "severity", "note", "alerts"}`.
pub(crate) async fn open(State(state): State<AppState>, a: ApiActor, ApiJson(b): ApiJson<NewCaseBody>) -> ApiResult {
    let new = NewCase { title: b.title, kind: b.kind, severity: b.severity, note: b.note, alerts: b.alerts };
    let case = state.svc.open_case(&a.actor, new).await.map_err(|e| ApiError(e, a.lang))?;
    Ok((StatusCode::CREATED, Json(case)).into_response())
}

/// `GET /api/v1/cases/{id}`: the case with its members, links, journal,
/// checklist and files.
pub(crate) async fn show(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = case_id(&id, &a)?;
    ok(state.svc.case(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteBody {
    text: String,
    refers_to: Option<i64>,
    /// Files to keep with the entry, their bytes in base64.
    #[serde(default)]
    files: Vec<NoteFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoteFile {
    name: String,
    content_base64: String,
}

/// `POST /api/v1/cases/{id}/notes` with `{"text", "refers_to", "files":
/// [{"name", "content_base64"}]}`; the files are kept in the vault and their
/// hashes enter the entry.
pub(crate) async fn note(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoteBody>,
) -> ApiResult {
    use base64::Engine;
    let id = case_id(&id, &a)?;
    let mut decoded = Vec::with_capacity(b.files.len());
    for f in b.files {
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(f.content_base64.as_bytes()) else {
            // Someone else's case is "no such case", whatever the input.
            state.svc.case(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?;
            return Err(ApiError(Error::invalid("files", maruhi_service::i18n::Msg::InputInvalid), a.lang));
        };
        decoded.push((f.name, bytes));
    }
    let files: Vec<Attachment<&[u8]>> =
        decoded.iter().map(|(name, bytes)| Attachment { name: name.clone(), reader: bytes.as_slice() }).collect();
    let entry =
        state.svc.case_note(&a.actor, id, &b.text, b.refers_to, files).await.map_err(|e| ApiError(e, a.lang))?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"entry": entry}))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkBody {
    kind: String,
    #[serde(rename = "ref")]
    reference: String,
}

/// `POST /api/v1/cases/{id}/links` with `{"kind", "ref"}`.
pub(crate) async fn link(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<LinkBody>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    let added = state.svc.case_link(&a.actor, id, &b.kind, &b.reference).await.map_err(|e| ApiError(e, a.lang))?;
    ok(serde_json::json!({"added": added}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberBody {
    username: String,
}

/// `POST /api/v1/cases/{id}/members` with `{"username"}`.
pub(crate) async fn assign(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MemberBody>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    let added = state.svc.case_assign(&a.actor, id, &b.username).await.map_err(|e| ApiError(e, a.lang))?;
    ok(serde_json::json!({"added": added}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    status: String,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/cases/{id}/status` with `{"status", "reason"}`.
pub(crate) async fn status(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusBody>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    ok(state.svc.case_status(&a.actor, id, &b.status, &b.reason).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepBody {
    step: String,
    #[serde(default)]
    text: String,
}

/// `POST /api/v1/cases/{id}/steps` with `{"step", "text"}`.
pub(crate) async fn step(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StepBody>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    let entry = state.svc.case_step(&a.actor, id, &b.step, &b.text).await.map_err(|e| ApiError(e, a.lang))?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"entry": entry}))).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonBody {
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/cases/{id}/hold` with `{"reason"}`.
pub(crate) async fn hold(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    ok(state.svc.case_hold(&a.actor, id, &b.reason).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `POST /api/v1/cases/{id}/release` with `{"reason"}` (legal/IP).
pub(crate) async fn release(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    ok(state.svc.case_release(&a.actor, id, &b.reason).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimelineQuery {
    user: String,
}

/// `GET /api/v1/cases/{id}/timeline?user=NAME`: a person the case concerns,
/// oldest first.
pub(crate) async fn timeline(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult {
    let id = case_id(&id, &a)?;
    ok(state.svc.case_timeline(&a.actor, id, &q.user, a.lang).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `GET /api/v1/cases/{id}/export`: the evidence package as a zipped BagIt
/// bag under `case-N/`, without a time stamp over the package itself.
pub(crate) async fn export(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = case_id(&id, &a)?;
    let zip = state.svc.case_bag_zip(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?;
    Ok(crate::pages::cases::zip_response(zip, id))
}
