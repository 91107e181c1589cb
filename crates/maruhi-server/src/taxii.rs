//! The TAXII 2.1 server (OASIS, 2021) under `/taxii2/`: discovery, one API
//! root (`forum`) with one read-only collection of the installation's
//! approved sharing reports, their objects (with `added_after`, `limit` and
//! `next`), manifest and versions.
//!
//! Only approved reports are served: the objects come from
//! [`maruhi_service::Service::share_published`], which renders each report
//! from its approved bytes after the same checks as an export. Members sign
//! in with their API token, as a bearer token or as the password of HTTP
//! Basic with their user name (TAXII clients such as taxii2-client speak
//! Basic). Every answer has the media type
//! `application/taxii+json;version=2.1`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use maruhi_service::{Actor, Error};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::taxii_client::MEDIA_TYPE;
use crate::AppState;

/// The API root's name under `/taxii2/`.
pub(crate) const API_ROOT: &str = "forum";
/// The collection of approved reports (a fixed id: one per server).
pub(crate) const COLLECTION: &str = "3d1c6b9e-5f0a-4c47-9e2b-8a6f4d2c1e70";
/// Objects per page when the client does not ask for fewer.
const PAGE: usize = 100;

fn taxii(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    resp
}

/// A TAXII error message (§3.6.1).
fn problem(status: StatusCode, title: &str) -> Response {
    let mut resp = taxii(status, json!({"title": title, "http_status": status.as_u16().to_string()}));
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"maruhi TAXII\", Bearer"));
    }
    resp
}

fn failed(e: &Error) -> Response {
    if e.is_server_error() {
        tracing::error!(code = e.code(), error = %e, "TAXII request failed");
    }
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    problem(status, &e.message(maruhi_service::i18n::Lang::En))
}

/// The member asking: a bearer token, or Basic with the token as password.
async fn member(state: &AppState, headers: &HeaderMap) -> Result<Actor, Response> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = if let Some(t) = auth.strip_prefix("Bearer ").or_else(|| auth.strip_prefix("bearer ")) {
        Some((None, t.trim().to_owned()))
    } else if let Some(b) = auth.strip_prefix("Basic ").or_else(|| auth.strip_prefix("basic ")) {
        base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .and_then(|s| s.split_once(':').map(|(u, p)| (Some(u.to_owned()), p.to_owned())))
    } else {
        None
    };
    let Some((user, secret)) = token else {
        return Err(problem(StatusCode::UNAUTHORIZED, "Authentication required"));
    };
    match state.svc.token_actor(&secret, None).await {
        Ok(Some(actor)) if user.as_deref().is_none_or(|u| u == actor.username) => Ok(actor),
        Ok(_) => Err(problem(StatusCode::UNAUTHORIZED, "Authentication required")),
        Err(e) => Err(failed(&e)),
    }
}

/// The server's base URL as the client reached it (TAXII wants absolute
/// URLs in discovery).
fn base(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
    let host: String =
        host.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']')).collect();
    let scheme = if state.hsts { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// `GET /taxii2/`: discovery.
pub(crate) async fn discovery(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    let root = format!("{}/taxii2/{API_ROOT}/", base(&state, &headers));
    taxii(
        StatusCode::OK,
        json!({"title": "maruhi", "description": "Approved sharing reports of this maruhi installation",
               "default": root, "api_roots": [root]}),
    )
}

/// `GET /taxii2/forum/`: the API root.
pub(crate) async fn api_root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    taxii(
        StatusCode::OK,
        json!({"title": "Forum sharing", "versions": [MEDIA_TYPE], "max_content_length": 10 * 1024 * 1024}),
    )
}

fn collection() -> Value {
    json!({"id": COLLECTION, "title": "Approved sharing reports",
           "description": "Reports approved by this installation's legal/IP for the forum",
           "can_read": true, "can_write": false, "media_types": ["application/stix+json;version=2.1"]})
}

/// `GET /taxii2/forum/collections/`.
pub(crate) async fn collections(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    taxii(StatusCode::OK, json!({"collections": [collection()]}))
}

/// `GET /taxii2/forum/collections/{id}/`.
pub(crate) async fn collection_info(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    if id != COLLECTION {
        return problem(StatusCode::NOT_FOUND, "No such collection");
    }
    taxii(StatusCode::OK, collection())
}

#[derive(Deserialize, Default)]
pub(crate) struct ObjectsQuery {
    added_after: Option<String>,
    limit: Option<usize>,
    next: Option<String>,
    #[serde(rename = "match[id]")]
    match_id: Option<String>,
    #[serde(rename = "match[type]")]
    match_type: Option<String>,
}

/// One served object with when it was added.
struct Served {
    added: time::OffsetDateTime,
    object: Value,
}

fn taxii_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Every approved object once (the first report that carries it decides
/// when it was added), oldest first, filtered as asked.
async fn served(state: &AppState, q: &ObjectsQuery, only: Option<&str>) -> Result<Vec<Served>, Response> {
    let after = match q.added_after.as_deref() {
        Some(a) => Some(
            time::OffsetDateTime::parse(a, &time::format_description::well_known::Rfc3339)
                .map_err(|_| problem(StatusCode::BAD_REQUEST, "added_after is not an RFC 3339 time"))?,
        ),
        None => None,
    };
    let published = state.svc.share_published().await.map_err(|e| failed(&e))?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let ids: Option<Vec<&str>> = q.match_id.as_deref().map(|m| m.split(',').collect());
    let types: Option<Vec<&str>> = q.match_type.as_deref().map(|m| m.split(',').collect());
    for (at, objects) in published {
        let Some(added) = maruhi_service::clock::parse_time(&at) else { continue };
        for o in objects {
            let id = o["id"].as_str().unwrap_or_default().to_owned();
            if !seen.insert(id.clone()) {
                continue;
            }
            if after.is_some_and(|a| added <= a)
                || only.is_some_and(|x| x != id)
                || ids.as_ref().is_some_and(|l| !l.contains(&id.as_str()))
                || types.as_ref().is_some_and(|l| !l.contains(&o["type"].as_str().unwrap_or_default()))
            {
                continue;
            }
            out.push(Served { added, object: o });
        }
    }
    Ok(out)
}

/// A page of `items` from `next` (an offset we handed out), with the
/// headers of §3.4.
/// The page of `items` after a `next` we handed out; a `next` we did not is
/// a bad request.
type Page = (Vec<Served>, bool, Option<String>, HeaderMap);

fn page(items: Vec<Served>, q: &ObjectsQuery) -> Result<Page, &'static str> {
    let start: usize = match &q.next {
        Some(n) => n.parse().map_err(|_| "next is not one this server gave")?,
        None => 0,
    };
    let limit = q.limit.unwrap_or(PAGE).clamp(1, 1000);
    let total = items.len();
    let page: Vec<Served> = items.into_iter().skip(start).take(limit).collect();
    let end = start + page.len();
    let more = end < total;
    let mut headers = HeaderMap::new();
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        for (name, t) in [("x-taxii-date-added-first", first.added), ("x-taxii-date-added-last", last.added)] {
            if let Ok(v) = HeaderValue::from_str(&taxii_time(t)) {
                headers.insert(name, v);
            }
        }
    }
    Ok((page, more, more.then(|| end.to_string()), headers))
}

fn with_headers(mut resp: Response, headers: HeaderMap) -> Response {
    resp.headers_mut().extend(headers);
    resp
}

/// `GET /taxii2/forum/collections/{id}/objects/`: an envelope.
pub(crate) async fn objects(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ObjectsQuery>,
) -> Response {
    objects_of(state, headers, id, None, q).await
}

/// `GET /taxii2/forum/collections/{id}/objects/{object_id}/`.
pub(crate) async fn object(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    Query(q): Query<ObjectsQuery>,
) -> Response {
    objects_of(state, headers, id, Some(object_id), q).await
}

async fn objects_of(
    state: AppState,
    headers: HeaderMap,
    id: String,
    only: Option<String>,
    q: ObjectsQuery,
) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    if id != COLLECTION {
        return problem(StatusCode::NOT_FOUND, "No such collection");
    }
    let items = match served(&state, &q, only.as_deref()).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    if only.is_some() && items.is_empty() {
        return problem(StatusCode::NOT_FOUND, "No such object");
    }
    let (page, more, next, extra) = match page(items, &q) {
        Ok(p) => p,
        Err(why) => return problem(StatusCode::BAD_REQUEST, why),
    };
    let mut body = json!({"more": more, "objects": page.into_iter().map(|s| s.object).collect::<Vec<_>>()});
    if let Some(n) = next {
        body["next"] = json!(n);
    }
    with_headers(taxii(StatusCode::OK, body), extra)
}

fn version(s: &Served) -> String {
    s.object
        .get("modified")
        .or_else(|| s.object.get("created"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| taxii_time(s.added))
}

/// `GET /taxii2/forum/collections/{id}/objects/{object_id}/versions/`.
pub(crate) async fn versions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((id, object_id)): Path<(String, String)>,
    Query(q): Query<ObjectsQuery>,
) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    if id != COLLECTION {
        return problem(StatusCode::NOT_FOUND, "No such collection");
    }
    let items = match served(&state, &q, Some(&object_id)).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    if items.is_empty() {
        return problem(StatusCode::NOT_FOUND, "No such object");
    }
    let (page, more, _, extra) = match page(items, &q) {
        Ok(p) => p,
        Err(why) => return problem(StatusCode::BAD_REQUEST, why),
    };
    let versions: Vec<String> = page.iter().map(version).collect();
    with_headers(taxii(StatusCode::OK, json!({"more": more, "versions": versions})), extra)
}

/// `GET /taxii2/forum/collections/{id}/manifest/`.
pub(crate) async fn manifest(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<ObjectsQuery>,
) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    if id != COLLECTION {
        return problem(StatusCode::NOT_FOUND, "No such collection");
    }
    let items = match served(&state, &q, None).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let (page, more, next, extra) = match page(items, &q) {
        Ok(p) => p,
        Err(why) => return problem(StatusCode::BAD_REQUEST, why),
    };
    let objects: Vec<Value> = page
        .iter()
        .map(|s| {
            json!({"id": s.object["id"], "date_added": taxii_time(s.added), "version": version(s),
                   "media_type": "application/stix+json;version=2.1"})
        })
        .collect();
    let mut body = json!({"more": more, "objects": objects});
    if let Some(n) = next {
        body["next"] = json!(n);
    }
    with_headers(taxii(StatusCode::OK, body), extra)
}

/// `POST /taxii2/forum/collections/{id}/objects/`: the collection is read-only
/// (reports leave through approval, not through a write here).
pub(crate) async fn add_objects(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    if id != COLLECTION {
        return problem(StatusCode::NOT_FOUND, "No such collection");
    }
    problem(StatusCode::FORBIDDEN, "This collection cannot be written to")
}

/// `GET /taxii2/forum/status/{id}/`: no writes, so no status resources.
pub(crate) async fn status(State(state): State<AppState>, headers: HeaderMap, Path(_id): Path<String>) -> Response {
    if let Err(r) = member(&state, &headers).await {
        return r;
    }
    problem(StatusCode::NOT_FOUND, "No such status")
}
