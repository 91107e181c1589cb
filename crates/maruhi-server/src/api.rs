//! The JSON API under `/api/v1`: bearer tokens, JSON in and out, errors as
//! RFC 9457 problem details with stable codes. Need-to-know applies exactly as
//! in the pages, because both call the same service methods.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use maruhi_service::admin::UserInput;
use maruhi_service::hr::Watchlist;
use maruhi_service::i18n::{Lang, Msg};
use maruhi_service::ingest;
use maruhi_service::model::{PrincipalKind, SecretInput};
use maruhi_service::{Error, ListParams};
use serde::Deserialize;
use serde_json::json;

use crate::pages::sort_key;
use crate::web::{problem_response, ApiActor, ApiError, ApiJson, ApiQuery, ReqLang};
use crate::AppState;

type ApiResult = Result<Response, ApiError>;

fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

fn created<T: serde::Serialize>(v: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

fn parse_id(s: &str, a: &ApiActor) -> Result<i64, ApiError> {
    s.parse().map_err(|_| ApiError(Error::NotFound, a.lang))
}

/// The OpenAPI 3.1 description of this API.
pub(crate) async fn openapi() -> Response {
    let mut resp = include_str!("../openapi.json").into_response();
    resp.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    resp
}

pub(crate) async fn not_found(ReqLang(lang): ReqLang) -> Response {
    ApiError(Error::NotFound, lang).into_response()
}

/// `GET /api/v1/metrics`: the Prometheus text exposition format 0.0.4.
pub(crate) async fn metrics(State(state): State<AppState>, a: ApiActor) -> Result<Response, ApiError> {
    let m = state.svc.metrics(&a.actor).await.map_err(|e| ApiError(e, a.lang))?;
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: &[(String, i64)]| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (labels, v) in samples {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    let one = |v: i64| vec![(String::new(), v)];
    gauge("maruhi_ledger_entries", "Entries in the evidence ledger.", &one(m.ledger_entries));
    gauge("maruhi_ledger_checkpoint_size", "Size of the latest signed checkpoint.", &one(m.checkpoint_size));
    if let Some(age) = m.checkpoint_age_seconds {
        gauge("maruhi_ledger_checkpoint_age_seconds", "Seconds since the latest checkpoint was signed.", &one(age));
    }
    gauge("maruhi_ledger_timestamped_size", "Size of the latest time-stamped checkpoint.", &one(m.timestamped_size));
    if let Some(age) = m.timestamp_age_seconds {
        gauge("maruhi_ledger_timestamp_age_seconds", "Seconds since the latest time stamp.", &one(age));
    }
    let label = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', " ");
    let secrets: Vec<_> = m
        .secrets
        .iter()
        .map(|(level, status, n)| (format!("{{level=\"{}\",status=\"{}\"}}", label(level), label(status)), *n))
        .collect();
    gauge("maruhi_secrets", "Registered secrets by level and status.", &secrets);
    gauge("maruhi_activity_events", "Stored activity events.", &one(m.events));
    let alerts: Vec<_> = m.open_alerts.iter().map(|(s, n)| (format!("{{status=\"{}\"}}", label(s)), *n)).collect();
    gauge("maruhi_alerts_open", "Insider-risk alerts not yet decided.", &alerts);
    gauge(
        "maruhi_extraction_slots_free",
        "Extraction slots (scans, attachments) free now.",
        &one(m.extraction_slots_free as i64),
    );
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(resp)
}

pub(crate) async fn me(a: ApiActor) -> ApiResult {
    ok(json!({
        "id": a.actor.user_id,
        "username": a.actor.username,
        "role": a.actor.role,
        "scope": a.actor.scope,
    }))
}

pub(crate) async fn levels(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.levels().await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    q: Option<String>,
    level: Option<String>,
    status: Option<String>,
    category: Option<String>,
    department: Option<String>,
    review_due: Option<bool>,
    sort: Option<String>,
    order: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub(crate) async fn list_secrets(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult {
    let sort = sort_key(q.sort.as_deref().unwrap_or(""));
    let params = ListParams {
        text: q.q,
        level: q.level,
        status: q.status,
        category: q.category,
        department: q.department,
        review_due: q.review_due.unwrap_or(false),
        sort,
        descending: match q.order.as_deref() {
            Some("asc") => false,
            Some("desc") => true,
            _ => sort == maruhi_service::SortKey::Updated,
        },
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
    };
    ok(state.svc.list_secrets(&a.actor, &params).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn create_secret(
    State(state): State<AppState>,
    a: ApiActor,
    ApiJson(input): ApiJson<SecretInput>,
) -> ApiResult {
    created(state.svc.create_secret(&a.actor, input).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn get_secret(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id, &a)?;
    ok(state.svc.get_secret(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn update_secret(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SecretInput>,
) -> ApiResult {
    let id = parse_id(&id, &a)?;
    ok(state.svc.update_secret(&a.actor, id, input).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    status: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn change_status(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<StatusBody>,
) -> ApiResult {
    let id = parse_id(&id, &a)?;
    ok(state.svc.change_status(&a.actor, id, &b.status, &b.reason).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GrantBody {
    principal: String,
}

pub(crate) async fn grant(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<GrantBody>,
) -> ApiResult {
    let id = parse_id(&id, &a)?;
    created(state.svc.grant(&a.actor, id, &b.principal).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    a: ApiActor,
    Path((id, kind, pid)): Path<(String, String, String)>,
) -> ApiResult {
    let id = parse_id(&id, &a)?;
    let pid = parse_id(&pid, &a)?;
    let kind = match kind.as_str() {
        "user" => PrincipalKind::User,
        "group" => PrincipalKind::Group,
        _ => return Err(ApiError(Error::NotFound, a.lang)),
    };
    state.svc.revoke(&a.actor, id, kind, pid).await.map_err(|e| ApiError(e, a.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn acknowledge(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id, &a)?;
    let version = state.svc.acknowledge(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?;
    ok(json!({"secret_id": id, "rules_version": version}))
}

pub(crate) async fn history(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id, &a)?;
    ok(state.svc.history(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn list_users(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.list_users(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn create_user(
    State(state): State<AppState>,
    a: ApiActor,
    ApiJson(input): ApiJson<UserInput>,
) -> ApiResult {
    created(state.svc.create_user(&a.actor, input).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn list_groups(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    let groups = state.svc.list_groups(&a.actor).await.map_err(|e| ApiError(e, a.lang))?;
    let out: Vec<_> = groups
        .into_iter()
        .map(|(g, members)| {
            json!({
                "id": g.id, "name": g.name, "description": g.description,
                "members": members.into_iter().map(|u| u.username).collect::<Vec<_>>(),
            })
        })
        .collect();
    ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupBody {
    name: String,
    #[serde(default)]
    description: String,
}

pub(crate) async fn create_group(
    State(state): State<AppState>,
    a: ApiActor,
    ApiJson(b): ApiJson<GroupBody>,
) -> ApiResult {
    created(state.svc.create_group(&a.actor, &b.name, &b.description).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberBody {
    username: String,
}

pub(crate) async fn add_member(
    State(state): State<AppState>,
    a: ApiActor,
    Path(name): Path<String>,
    ApiJson(b): ApiJson<MemberBody>,
) -> ApiResult {
    state.svc.set_membership(&a.actor, &name, &b.username, true).await.map_err(|e| ApiError(e, a.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    action: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

pub(crate) async fn audit(State(state): State<AppState>, a: ApiActor, ApiQuery(q): ApiQuery<AuditQuery>) -> ApiResult {
    let page = state
        .svc
        .audit_log(&a.actor, q.action.as_deref(), q.page.unwrap_or(1), q.per_page.unwrap_or(100))
        .await
        .map_err(|e| ApiError(e, a.lang))?;
    ok(page)
}

/// `GET /ledger/checkpoint`: the latest signed checkpoint note.
pub(crate) async fn checkpoint(State(state): State<AppState>, ReqLang(lang): ReqLang) -> ApiResult {
    match state.svc.latest_checkpoint().await.map_err(|e| ApiError(e, lang))? {
        Some(cp) => Ok(text_response(cp.note.into_bytes(), "text/plain; charset=utf-8", "no-cache")),
        None => Err(ApiError(Error::NotFound, lang)),
    }
}

/// `GET /ledger/tile/…`: hash tiles (public) and entry bundles (auditors).
pub(crate) async fn tile(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    actor: Option<ApiActor>,
    Path(path): Path<String>,
) -> ApiResult {
    let bytes = state
        .svc
        .ledger_tile(actor.as_ref().map(|a| &a.actor), &format!("tile/{path}"))
        .await
        .map_err(|e| ApiError(e, lang))?;
    // C2SP tlog-tiles: full tiles never change; partial ones are replaced by
    // wider ones as the log grows.
    // Entry bundles need a login: never in a shared cache.
    let cache = if path.starts_with("entries/") {
        "private, no-store"
    } else if path.contains(".p/") {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    Ok(text_response(bytes, "application/octet-stream", cache))
}

fn text_response(body: Vec<u8>, content_type: &'static str, cache: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type));
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static(cache));
    resp
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScanQuery {
    /// The scanned file's name (for archives' member paths and the record).
    name: Option<String>,
}

/// `POST /api/v1/scan`: the request body is the file, as it is (for mail and
/// proxy gateways). The answer lists the findings the token's user may see.
pub(crate) async fn scan(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<ScanQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    let name = q.name.unwrap_or_default();
    ok(state.svc.scan_upload(&a.actor, &name, body.to_vec()).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `POST /api/v1/mail/triage`: the request body is one mail or an mbox, as it is. The answer
/// is maruhi-mail's triage: each mail's verdict, score and reasons, each conversation, and what
/// could not be read. Nothing is stored.
pub(crate) async fn triage_mail(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<ScanQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    let name = q.name.filter(|n| !n.is_empty()).unwrap_or_else(|| "mail.eml".to_owned());
    let files = vec![(name, body.to_vec())];
    ok(state.svc.triage_mail(&a.actor, state.mail_triage.clone(), files).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn materials(State(state): State<AppState>, a: ApiActor, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id, &a)?;
    ok(state.svc.secret_materials(&a.actor, id).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct AttachQuery {
    name: String,
    /// Keep the extracted text sealed for side-by-side views (default true).
    keep_text: Option<bool>,
    /// Keep the original file in the vault, encrypted (default false).
    store: Option<bool>,
}

/// `POST /api/v1/secrets/{id}/materials?name=…`: the body is the file.
pub(crate) async fn attach(
    State(state): State<AppState>,
    a: ApiActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    let id = parse_id(&id, &a)?;
    let keep = q.keep_text.unwrap_or(true);
    let outcome = if q.store.unwrap_or(false) {
        state.svc.attach_and_store(&a.actor, id, &q.name, &body, keep).await
    } else {
        state.svc.attach_material(&a.actor, id, &q.name, &body, keep).await
    };
    created(outcome.map_err(|e| ApiError(e, a.lang))?)
}

/// `GET /api/v1/materials/{material}/original`: the stored original file,
/// for those entitled to the secret's content; recorded in the ledger.
pub(crate) async fn original(
    State(state): State<AppState>,
    a: ApiActor,
    Path(material): Path<String>,
) -> Result<Response, ApiError> {
    let material = parse_id(&material, &a)?;
    let original = state.svc.material_original(&a.actor, material).await.map_err(|e| ApiError(e, a.lang))?;
    Ok(crate::pages::scan::original_response(original))
}

/// The rejected-lines members of a 422 answer to an import of which no line
/// could be read, added to the problem document (RFC 9457 §3.2).
fn nothing_readable(lang: Lang, rejected: serde_json::Value, rejected_total: u64) -> Response {
    let (status, mut body) = ApiError(Error::invalid("body", Msg::NothingReadable), lang).problem();
    body["rejected"] = rejected;
    body["rejected_total"] = rejected_total.into();
    problem_response(status, body)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsQuery {
    format: String,
    source: String,
    offset: Option<String>,
    csv_map: Option<String>,
    csv_action: Option<String>,
    csv_action_values: Option<String>,
    csv_delimiter: Option<String>,
    upload_threshold: Option<u64>,
    /// jsonl: `value=action` entries separated by commas or line feeds.
    action_map: Option<String>,
}

/// `POST /api/v1/events?format=…&source=…`: the body is a batch of an
/// activity log. Good lines are kept and bad ones reported; 422 only when
/// no line could be read (then nothing changed).
pub(crate) async fn import_events(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<EventsQuery>,
    body: axum::body::Bytes,
) -> ApiResult {
    let lang = a.lang;
    let err = |e: Error| ApiError(e, lang);
    let format = ingest::parse_format(&q.format).map_err(err)?;
    // EVTX is a binary format parsed by a large third-party crate: it is read
    // from files the operator chooses (the CLI), not from the network.
    if format == ingest::Format::Evtx {
        return Err(err(Error::invalid("format", Msg::EvtxNotOverHttp)));
    }
    let offset = match q.offset.as_deref() {
        Some(o) => ingest::parse_offset(o).map_err(err)?,
        None => ingest::EventOptions::JST,
    };
    let spec = ingest::CsvMapSpec {
        columns: q.csv_map.into_iter().collect(),
        action: q.csv_action,
        action_values: q.csv_action_values.into_iter().collect(),
        delimiter: q.csv_delimiter,
    };
    let mut options = ingest::EventOptions::new(offset);
    if let Some(mapping) = spec.mapping().map_err(err)? {
        options = options.with_csv(mapping);
    }
    if let Some(bytes) = q.upload_threshold {
        options = options.with_upload_threshold(bytes);
    }
    if let Some(map) = q.action_map.as_deref().filter(|m| !m.trim().is_empty()) {
        options = options.with_action_map(ingest::parse_action_map(&map.replace(',', "\n")).map_err(err)?);
    }
    let reader = std::io::Cursor::new(body);
    let report = state.svc.import_events(&a.actor, &q.source, format, reader, &options, |_| {}).await.map_err(err)?;
    if report.stored_nothing() && report.rejected_total > 0 {
        return Ok(nothing_readable(lang, json!(report.rejected), report.rejected_total));
    }
    ok(report)
}

/// `POST /api/v1/hr`: the body is an HR CSV.
pub(crate) async fn import_hr(State(state): State<AppState>, a: ApiActor, body: axum::body::Bytes) -> ApiResult {
    let report = state.svc.import_hr(&a.actor, std::io::Cursor::new(body)).await.map_err(|e| ApiError(e, a.lang))?;
    let view = report.view(a.lang);
    if report.stored_nothing() {
        return Ok(nothing_readable(a.lang, json!(view.rejected), view.rejected_total));
    }
    ok(view)
}

pub(crate) async fn hr_records(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.hr_records(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchlistQuery {
    as_of: Option<String>,
}

fn as_of(q: &WatchlistQuery, lang: Lang) -> Result<Option<time::Date>, ApiError> {
    q.as_of
        .as_deref()
        .map(|d| maruhi_service::clock::parse_date(d).ok_or(ApiError(Error::invalid("as_of", Msg::BadDate), lang)))
        .transpose()
}

fn watchlist_of(list: &str, lang: Lang) -> Result<Watchlist, ApiError> {
    Watchlist::from_name(list).ok_or(ApiError(Error::NotFound, lang))
}

pub(crate) async fn watchlists(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<WatchlistQuery>,
) -> ApiResult {
    let date = as_of(&q, a.lang)?;
    ok(state.svc.watchlists(&a.actor, None, date).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn watchlist(
    State(state): State<AppState>,
    a: ApiActor,
    Path(list): Path<String>,
    ApiQuery(q): ApiQuery<WatchlistQuery>,
) -> ApiResult {
    let list = watchlist_of(&list, a.lang)?;
    let date = as_of(&q, a.lang)?;
    ok(state.svc.watchlists(&a.actor, Some(list), date).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WatchBody {
    user: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn watchlist_add(
    State(state): State<AppState>,
    a: ApiActor,
    Path(list): Path<String>,
    ApiJson(b): ApiJson<WatchBody>,
) -> ApiResult {
    let list = watchlist_of(&list, a.lang)?;
    ok(state.svc.watchlist_add(&a.actor, list, &b.user, &b.note).await.map_err(|e| ApiError(e, a.lang))?)
}

pub(crate) async fn watchlist_remove(
    State(state): State<AppState>,
    a: ApiActor,
    Path((list, user)): Path<(String, String)>,
) -> ApiResult {
    let list = watchlist_of(&list, a.lang)?;
    state.svc.watchlist_remove(&a.actor, list, &user).await.map_err(|e| ApiError(e, a.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/assessment`: every item scored now, per objective and overall.
pub(crate) async fn assessment(State(state): State<AppState>, a: ApiActor) -> ApiResult {
    ok(state.svc.assessment(&a.actor).await.map_err(|e| ApiError(e, a.lang))?)
}

/// `POST /api/v1/assessment/answers` with `{"item", "answer", "note", "evidence"}`.
pub(crate) async fn assessment_answer(
    State(state): State<AppState>,
    a: ApiActor,
    ApiJson(body): ApiJson<maruhi_service::assess::AnswerInput>,
) -> ApiResult {
    ok(state.svc.answer_assessment_item(&a.actor, body).await.map_err(|e| ApiError(e, a.lang))?)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    limit: Option<i64>,
}

/// `GET /api/v1/assessment/history?limit=`: saved snapshots, newest first.
pub(crate) async fn assessment_history(
    State(state): State<AppState>,
    a: ApiActor,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> ApiResult {
    let limit = q.limit.unwrap_or(50);
    ok(state.svc.assessment_history(&a.actor, limit).await.map_err(|e| ApiError(e, a.lang))?)
}
