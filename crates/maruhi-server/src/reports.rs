//! Reports that prove 秘密管理性, for the browser and the API: a secret's
//! report, the register as it stood on a date, and acknowledgements
//! outstanding. The service decides who may see each.

use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use maruhi_service::i18n::Msg;
use maruhi_service::report::render::{self, Rendered};
use maruhi_service::Error;
use serde::Deserialize;

use crate::web::{ApiActor, ApiError, ApiQuery, PageError, Viewer};
use crate::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
}

fn as_of(q: &ReportQuery) -> Result<Option<time::OffsetDateTime>, Error> {
    match q.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => {
            maruhi_service::risk::parse_as_of(t).map(Some).ok_or_else(|| Error::invalid("as_of", Msg::InputInvalid))
        }
    }
}

fn download(r: Rendered) -> Response {
    let mut resp = r.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(r.content_type));
    // An HTML report opens in the browser; other forms download.
    let how = if r.content_type.starts_with("text/html") { "inline" } else { "attachment" };
    if let Ok(v) = HeaderValue::from_str(&format!("{how}; filename=\"{}\"", r.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

async fn secret_report(
    state: &AppState,
    actor: &maruhi_service::Actor,
    id: &str,
    q: &ReportQuery,
    default: &str,
) -> Result<Rendered, Error> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let report = state.svc.secret_report(actor, id, as_of(q)?).await?;
    render::secret_document(&report, q.format.as_deref().unwrap_or(default))
}

async fn register(
    state: &AppState,
    actor: &maruhi_service::Actor,
    q: &ReportQuery,
    default: &str,
) -> Result<Rendered, Error> {
    let register = state.svc.register_as_of(actor, as_of(q)?).await?;
    render::register_document(&register, q.format.as_deref().unwrap_or(default))
}

async fn gaps(state: &AppState, actor: &maruhi_service::Actor, format: &str) -> Result<Response, Error> {
    let gaps = state.svc.acknowledgement_gaps(actor).await?;
    Ok(match format {
        "json" => Json(gaps).into_response(),
        "csv" => download(Rendered {
            content_type: "text/csv; charset=utf-8",
            file_name: "acknowledgements-outstanding.csv".into(),
            bytes: maruhi_service::report::gaps_csv(&gaps)?,
        }),
        _ => return Err(Error::invalid("format", Msg::InputInvalid)),
    })
}

/// `GET /secrets/{id}/report?format=pdf|html|json&as_of=DATE`.
pub(crate) async fn secret_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    secret_report(&state, viewer.actor(), &id, &q, "pdf").await.map(download).map_err(|e| PageError(e, viewer.lang))
}

/// `GET /register/as-of?as_of=DATE&format=csv|html|pdf|json`.
pub(crate) async fn register_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ReportQuery>,
) -> Result<Response, PageError> {
    register(&state, viewer.actor(), &q, "html").await.map(download).map_err(|e| PageError(e, viewer.lang))
}

/// `GET /acknowledgements/outstanding.csv`.
pub(crate) async fn gaps_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    gaps(&state, viewer.actor(), "csv").await.map_err(|e| PageError(e, viewer.lang))
}

/// `GET /api/v1/secrets/{id}/report?format=json|pdf|html&as_of=DATE`.
pub(crate) async fn secret_api(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    secret_report(&state, &a.actor, &id, &q, "json").await.map(download).map_err(|e| ApiError(e, a.lang))
}

/// `GET /api/v1/register?as_of=DATE&format=json|csv|html|pdf`.
pub(crate) async fn register_api(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    register(&state, &a.actor, &q, "json").await.map(download).map_err(|e| ApiError(e, a.lang))
}

/// `GET /api/v1/acknowledgements/outstanding?format=json|csv`.
pub(crate) async fn gaps_api(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    gaps(&state, &a.actor, q.format.as_deref().unwrap_or("json")).await.map_err(|e| ApiError(e, a.lang))
}
