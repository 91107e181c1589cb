//! Scanning pages: upload a file and see what it contains, with the matching
//! passages side by side; fingerprint material from a secret's page.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maruhi_service::i18n::Msg;
use maruhi_service::scan::Collection;
use maruhi_service::views::ReferenceText;
use maruhi_service::{policy, Error};
use serde::Deserialize;

use super::{detail_or_error, parse_id, render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "scan.html")]
pub struct ScanPage {
    ctx: Ctx,
    result: Option<ResultView>,
    error: Option<String>,
}

pub struct ResultView {
    name: String,
    size: String,
    documents: usize,
    sha256: String,
    findings: Vec<FindingView>,
    /// Findings about material the viewer may not see would be neither
    /// shown nor counted.
    restricted: bool,
    diagnostics: Vec<(String, String, String)>,
    /// Rows of customer databases (exact data match): path, dataset,
    /// severity, rows, columns, masked examples.
    edm: Vec<EdmView>,
}

pub struct EdmView {
    path: String,
    dataset: String,
    severity: &'static str,
    rows: usize,
    columns: String,
    examples: String,
}

pub struct FindingView {
    path: String,
    reference: String,
    /// `exact_file`, `text`, `drawing` or `ocr` (the label's key).
    kind: &'static str,
    /// The secret's id and title, for our own material.
    secret: Option<(i64, String)>,
    third_party: bool,
    /// `high`, `medium` or `low` (the label's key and a CSS class).
    severity: &'static str,
    coverage: String,
    query_coverage: String,
    longest_passage: usize,
    matched_chars: usize,
    /// (scanned passage, its aligned chars and similarity in %, material
    /// passage or why it is not shown)
    passages: Vec<(String, usize, String, ReferenceText)>,
    /// Boilerplate that did not count: (scanned text, reference groups
    /// holding it).
    discounted: Vec<(String, usize)>,
}

fn may_scan(viewer: &Viewer) -> Result<(), PageError> {
    if policy::may_scan(viewer.actor()) {
        Ok(())
    } else {
        Err(PageError(Error::Forbidden, viewer.lang))
    }
}

pub async fn form(viewer: Viewer) -> PageResult {
    may_scan(&viewer)?;
    Ok(render(&ScanPage { ctx: viewer.ctx(), result: None, error: None }))
}

/// The fields of an upload form.
struct Upload {
    csrf: String,
    file_name: String,
    bytes: Vec<u8>,
    keep_text: bool,
    /// Keep the original in the vault too.
    store: bool,
}

async fn read_upload(mut multipart: Multipart, viewer: &Viewer) -> Result<Upload, PageError> {
    let bad = || PageError(Error::invalid("file", Msg::Required), viewer.lang);
    let mut upload =
        Upload { csrf: String::new(), file_name: String::new(), bytes: Vec::new(), keep_text: false, store: false };
    while let Some(field) = multipart.next_field().await.map_err(|_| bad())? {
        match field.name() {
            Some("csrf") => upload.csrf = field.text().await.map_err(|_| bad())?,
            Some("keep_text") => upload.keep_text = field.text().await.map_err(|_| bad())? == "on",
            Some("store") => upload.store = field.text().await.map_err(|_| bad())? == "on",
            Some("file") => {
                upload.file_name = field.file_name().unwrap_or_default().to_owned();
                upload.bytes = field.bytes().await.map_err(|_| bad())?.to_vec();
            }
            _ => {}
        }
    }
    // The token is checked before anything is done with the file.
    viewer.check_csrf(&upload.csrf)?;
    Ok(upload)
}

pub async fn upload(State(state): State<AppState>, viewer: Viewer, multipart: Multipart) -> PageResult {
    may_scan(&viewer)?;
    let upload = read_upload(multipart, &viewer).await?;
    let lang = viewer.lang;
    let actor = viewer.actor();
    if upload.file_name.is_empty() && upload.bytes.is_empty() {
        let error = Some(Msg::Required.text(lang).to_owned());
        return Ok(render(&ScanPage { ctx: viewer.ctx(), result: None, error }));
    }
    let page = match state.svc.scan_upload_page(actor, &upload.file_name, upload.bytes).await {
        Ok(p) => p,
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let error = Some(e.message(lang));
            return Ok(render(&ScanPage { ctx: viewer.ctx(), result: None, error }));
        }
        Err(e @ Error::Busy) => {
            // The form again, with the message: the user retries in a moment.
            let page = render(&ScanPage { ctx: viewer.ctx(), result: None, error: Some(e.message(lang)) });
            return Ok(busy(page));
        }
        Err(e) => return Err(PageError(e, lang)),
    };
    let outcome = page.outcome;
    let findings = outcome
        .findings
        .iter()
        .zip(page.details)
        .map(|(f, detail)| FindingView {
            path: f.path.clone(),
            reference: f.reference.clone(),
            kind: f.kind.as_str(),
            secret: detail.secret,
            third_party: f.collection == Collection::ThirdParty,
            severity: f.severity.as_str(),
            coverage: format!("{:.1}", f.coverage * 100.0),
            query_coverage: format!("{:.1}", f.query_coverage * 100.0),
            longest_passage: f.longest_passage,
            matched_chars: f.matched_chars,
            passages: detail
                .passages
                .into_iter()
                .map(|p| (p.query_text, p.aligned_chars, format!("{:.0}", p.similarity * 100.0), p.reference))
                .collect(),
            discounted: f.discounted.iter().map(|d| (d.excerpt.clone(), d.documents)).collect(),
        })
        .collect();
    let edm = outcome
        .edm
        .iter()
        .map(|f| EdmView {
            path: f.path.clone(),
            dataset: f.dataset.clone(),
            severity: f.severity.as_str(),
            rows: f.rows,
            columns: f.columns.join("、"),
            examples: f.examples.join(", "),
        })
        .collect();
    let result = ResultView {
        edm,
        name: outcome.path,
        size: format_size(outcome.bytes),
        documents: outcome.documents,
        sha256: outcome.sha256.unwrap_or_default(),
        findings,
        restricted: outcome.restricted,
        diagnostics: outcome.diagnostics.into_iter().map(|d| (d.path, d.message, d.code)).collect(),
    };
    Ok(render(&ScanPage { ctx: viewer.ctx(), result: Some(result), error: None }))
}

/// A page answered with 503 and `Retry-After`, when every extraction slot
/// is taken.
pub(crate) fn busy(page: axum::response::Response) -> axum::response::Response {
    let mut resp = (axum::http::StatusCode::SERVICE_UNAVAILABLE, page).into_response();
    resp.headers_mut()
        .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(maruhi_service::BUSY_RETRY_AFTER_SECS));
    resp
}

fn format_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Fingerprints an uploaded file as material of the secret.
pub async fn attach(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    let upload = read_upload(multipart, &viewer).await?;
    let (actor, name, bytes, keep) = (viewer.actor(), &upload.file_name, &upload.bytes, upload.keep_text);
    let r = if upload.store {
        state.svc.attach_and_store(actor, id, name, bytes, keep).await
    } else {
        state.svc.attach_material(actor, id, name, bytes, keep).await
    };
    detail_or_error(&state, &viewer, id, r.map(|_| ())).await
}

/// `GET /secrets/{id}/materials/{material}/original`: the stored original,
/// for those entitled to the secret's content (recorded in the ledger).
pub async fn download_original(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, material)): Path<(String, String)>,
) -> PageResult {
    let (id, material) = (parse_id(&id, viewer.lang)?, parse_id(&material, viewer.lang)?);
    let original =
        state.svc.material_original(viewer.actor(), material).await.map_err(|e| PageError(e, viewer.lang))?;
    // The material must belong to this secret, or the link would lie.
    if original.secret_id != id {
        return Err(PageError(Error::NotFound, viewer.lang));
    }
    Ok(original_response(original))
}

#[derive(Template)]
#[template(path = "trace.html")]
struct TracePage {
    ctx: Ctx,
    result: Option<maruhi_service::marking::TraceReport>,
    error: Option<String>,
}

/// `GET /trace`: upload a leaked file to name its recipient (admin,
/// legal/IP, analysts; the service decides).
pub async fn trace_form(viewer: Viewer) -> PageResult {
    if !policy::may_trace(viewer.actor()) {
        return Err(PageError(Error::Forbidden, viewer.lang));
    }
    Ok(render(&TracePage { ctx: viewer.ctx(), result: None, error: None }))
}

pub async fn trace_upload(State(state): State<AppState>, viewer: Viewer, multipart: Multipart) -> PageResult {
    let upload = read_upload(multipart, &viewer).await?;
    match state.svc.trace_copy(viewer.actor(), &upload.file_name, upload.bytes).await {
        Ok(mut report) => {
            for c in &mut report.copies {
                c.downloaded_at = super::local_time(&c.downloaded_at);
            }
            Ok(render(&TracePage { ctx: viewer.ctx(), result: Some(report), error: None }))
        }
        Err(e @ Error::Busy) => {
            Ok(busy(render(&TracePage { ctx: viewer.ctx(), result: None, error: Some(e.message(viewer.lang)) })))
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

/// A copy of a stored original marked for the viewer (banner and
/// invisible code), recorded in the ledger.
pub async fn download_marked_copy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, material)): Path<(String, String)>,
) -> PageResult {
    let (id, material) = (parse_id(&id, viewer.lang)?, parse_id(&material, viewer.lang)?);
    let copy =
        state.svc.material_marked_copy(viewer.actor(), material, None).await.map_err(|e| PageError(e, viewer.lang))?;
    if copy.secret_id != id {
        return Err(PageError(Error::NotFound, viewer.lang));
    }
    use axum::http::{header, HeaderValue};
    let name = copy.name.clone();
    let mut response = copy.bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// RFC 6266 §4.3: an ASCII fallback and the UTF-8 name.
fn content_disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A stored original as a download: streamed part by part as it is
/// decrypted, with its length and name. An object that fails to
/// authenticate midway ends the body early, so the client sees a short
/// download (Content-Length), never altered bytes.
pub(crate) fn original_response(original: maruhi_service::vault::Original) -> Response {
    use axum::http::{header, HeaderValue};
    let size = original.size;
    let name = original.name.clone();
    let stream = futures_util::stream::unfold(Some(original), |state| async move {
        let mut original = state?;
        match original.next().await {
            Ok(Some(chunk)) => Some((Ok(axum::body::Bytes::from(chunk)), Some(original))),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(code = e.code(), "a stored original failed while being sent: {e}");
                Some((Err(std::io::Error::other(e.to_string())), None))
            }
        }
    });
    let mut response = axum::body::Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn remove_material(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, material)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let material = parse_id(&material, viewer.lang)?;
    // The material must belong to this secret, or the page would lie.
    let belongs = state
        .svc
        .secret_materials(viewer.actor(), id)
        .await
        .map_err(|e| PageError(e, viewer.lang))?
        .iter()
        .any(|m| m.id == material);
    if !belongs {
        return Err(PageError(Error::NotFound, viewer.lang));
    }
    let r = state.svc.remove_material(viewer.actor(), material).await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/secrets/{id}#materials")).into_response()),
        Err(e) => detail_or_error(&state, &viewer, id, Err(e)).await,
    }
}
