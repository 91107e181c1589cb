//! What every request shares: language, the session or token behind it,
//! errors rendered as pages or RFC 9457 problem details, and security headers.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maruhi_service::i18n::{ui, Lang};
use maruhi_service::model::Role;
use maruhi_service::{policy, Actor, Error, SessionInfo};

use crate::AppState;

pub const SESSION_COOKIE: &str = "maruhi_session";
pub const LANG_COOKIE: &str = "maruhi_lang";

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// The language: the `maruhi_lang` cookie, else `Accept-Language`, else Japanese.
pub(crate) fn lang_of(headers: &HeaderMap) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The client's address: the peer, or, when the peer is one of our trusted
/// proxies, the nearest address in `X-Forwarded-For` that is not (read
/// from the right, since every proxy appends; what a client wrote itself is
/// on the left and never trusted).
pub(crate) fn remote_addr(parts: &Parts, trusted: &[Cidr]) -> String {
    let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
        return "local".to_owned();
    };
    if !trusted.iter().any(|c| c.contains(peer)) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        // An unreadable entry ends the chain: the last proxy we trust
        // received the request from the hop before it.
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else { break };
        client = ip;
        if !trusted.iter().any(|c| c.contains(ip)) {
            break;
        }
    }
    client.to_string()
}

/// An address range (`10.0.0.0/8`, `2001:db8::/32`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: std::net::IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: std::net::IpAddr = addr.parse().map_err(|_| format!("not an IP address: {addr}"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("bad prefix length: {p}"))?,
            None => max,
        };
        Ok(Cidr { net, prefix })
    }
}

/// The client's IP address, for throttling and the audit trail.
pub struct RemoteAddr(pub String);

impl FromRequestParts<AppState> for RemoteAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(RemoteAddr(remote_addr(parts, &state.trusted_proxies)))
    }
}

/// Extracts the language of a request.
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqLang(lang_of(&parts.headers)))
    }
}

/// The logged-in browser user, with what a page needs to render its frame.
#[derive(Clone)]
pub struct Viewer {
    pub session: SessionInfo,
    pub lang: Lang,
    pub cookie: String,
}

impl Viewer {
    pub fn actor(&self) -> &Actor {
        &self.session.actor
    }

    /// Rejects a form whose CSRF token is not the session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        if maruhi_service::Service::csrf_matches(&self.session, submitted) {
            Ok(())
        } else {
            Err(PageError(Error::Forbidden, self.lang))
        }
    }

    pub fn ctx(&self) -> Ctx {
        let role = self.session.actor.role;
        Ctx {
            lang: self.lang,
            user: Some(self.session.display_name.clone()),
            role_label: role.label(self.lang).to_owned(),
            csrf: self.session.csrf_token.clone(),
            is_admin: role == Role::Admin,
            may_create: policy::may_create_secret(&self.session.actor),
            may_audit: policy::may_read_audit(&self.session.actor),
            may_scan: policy::may_scan(&self.session.actor),
            may_risk: policy::may_review_risk(&self.session.actor),
            // Those who may open cases (legal/IP among them, who see every
            // case); the page itself answers by the service's rules.
            may_cases: maruhi_service::cases::may_open_case(&self.session.actor),
            may_assess: policy::may_view_assessment(self.session.actor.role),
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned) else {
            return Err(PageError(Error::Unauthenticated, lang));
        };
        let addr = remote_addr(parts, &state.trusted_proxies);
        match state.svc.session(&cookie, Some(&addr)).await {
            Ok(Some(session)) => {
                let viewer = Viewer { session, lang, cookie };
                remember_frame(viewer.ctx());
                Ok(viewer)
            }
            Ok(None) => Err(PageError(Error::Unauthenticated, lang)),
            Err(e) => Err(PageError(e, lang)),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(v) => Ok(Some(v)),
            Err(PageError(Error::Unauthenticated, _)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The frame of every page: language, the user and what the menu offers.
#[derive(Clone, Default)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<String>,
    pub role_label: String,
    pub csrf: String,
    pub is_admin: bool,
    pub may_create: bool,
    pub may_audit: bool,
    pub may_scan: bool,
    pub may_risk: bool,
    pub may_cases: bool,
    pub may_assess: bool,
}

impl Ctx {
    pub fn anonymous(lang: Lang) -> Ctx {
        Ctx { lang, ..Ctx::default() }
    }

    pub fn t(&self, key: &str) -> &'static str {
        ui(self.lang, key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The language the switch offers.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Ja => "en",
            Lang::En => "ja",
        }
    }
}

tokio::task_local! {
    /// The page frame (menu, user, language) of the request being served,
    /// once its session is known; error pages render inside it.
    static FRAME: std::sync::Mutex<Option<Ctx>>;
}

fn remember_frame(ctx: Ctx) {
    let _ = FRAME.try_with(|f| {
        if let Ok(mut f) = f.lock() {
            *f = Some(ctx);
        }
    });
}

fn current_frame() -> Option<Ctx> {
    FRAME.try_with(|f| f.lock().ok().and_then(|f| f.clone())).ok().flatten()
}

/// Serves a page request with room for its frame (see [`PageError`]), and
/// sends someone who is not signed in to the login form with the page they
/// asked for as `next`, so a deep link survives the login.
pub(crate) async fn page_frame(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let wanted = (req.method() == axum::http::Method::GET)
        .then(|| req.uri().path_and_query().map(|p| p.as_str().to_owned()))
        .flatten()
        .filter(|p| p != "/" && !p.starts_with("/login"));
    let resp = FRAME.scope(std::sync::Mutex::new(None), next.run(req)).await;
    let to_login = resp.status().is_redirection()
        && resp.headers().get(header::LOCATION).is_some_and(|l| l.as_bytes() == b"/login");
    match wanted {
        Some(path) if to_login && safe_local_path(&path) => {
            Redirect::to(&format!("/login?next={}", crate::pages::url_encode(&path))).into_response()
        }
        _ => resp,
    }
}

/// A path this site may redirect to: local (one leading `/`, not `//` nor
/// `/\`, which browsers read as another host) and free of control
/// characters, which browsers drop from URLs (WHATWG URL parsing), so
/// `/\t/evil.example` would become `//evil.example`.
pub(crate) fn safe_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(char::is_control)
        && p.len() <= 2000
}

/// An error on a page: a login redirect, or an error page in the user's language.
#[derive(Debug)]
pub struct PageError(pub Error, pub Lang);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(err, lang) = self;
        if matches!(err, Error::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        // The error page keeps the signed-in user's menu when the request
        // got as far as knowing who they are.
        let ctx = current_frame().filter(|c| c.lang == lang).unwrap_or_else(|| Ctx::anonymous(lang));
        let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let op = log_if_server_error(&err);
        let page = crate::pages::ErrorPage {
            ctx,
            status: status.as_u16(),
            message: err.message(lang),
            code: err.code(),
            operation_id: op,
        };
        let mut resp = (status, crate::pages::render(&page)).into_response();
        if let Some(secs) = err.retry_after() {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// Logs server errors with an operation id that the user can quote; client
/// errors are not failures of ours and are not logged as such.
pub(crate) fn log_if_server_error(err: &Error) -> Option<String> {
    if !err.is_server_error() {
        return None;
    }
    let op = operation_id();
    tracing::error!(operation_id = %op, code = err.code(), error = %err, "request failed");
    Some(op)
}

/// An id that ties a user's error page to the log line; unique, not secret.
fn operation_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    #[allow(clippy::disallowed_methods, reason = "a unique operation id, not a time")]
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}-{:x}", nanos as u64, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// An API error as RFC 9457 problem details.
#[derive(Debug)]
pub(crate) struct ApiError(pub Error, pub Lang);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.problem();
        let retry_after = self.0.retry_after();
        let mut resp = problem_response(status, body);
        if let Some(secs) = retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl ApiError {
    /// The status and the problem document, for handlers that add members
    /// of their own (RFC 9457 §3.2 extensions).
    pub(crate) fn problem(&self) -> (StatusCode, serde_json::Value) {
        let ApiError(err, lang) = self;
        let lang = *lang;
        let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let op = log_if_server_error(err);
        let mut body = serde_json::json!({
            "type": format!("urn:maruhi:problem:{}", err.code()),
            "title": err.message(lang),
            "status": status.as_u16(),
            "code": err.code(),
        });
        if let Error::Invalid(fields) = err {
            body["errors"] =
                fields.iter().map(|f| serde_json::json!({"field": f.field, "message": f.msg.text(lang)})).collect();
        }
        if let Some(op) = op {
            body["operation_id"] = op.into();
        }
        (status, body)
    }
}

/// A problem document as a response.
pub(crate) fn problem_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"maruhi\""));
    }
    resp
}

/// A problem that is about the request itself (malformed JSON, wrong type).
pub(crate) fn bad_request(status: StatusCode, lang: Lang, code: &'static str, detail: String) -> Response {
    let title = match lang {
        Lang::Ja => "リクエストの形式が正しくありません。",
        Lang::En => "The request is malformed.",
    };
    let body = serde_json::json!({
        "type": format!("urn:maruhi:problem:{code}"),
        "title": title,
        "status": status.as_u16(),
        "code": code,
        "detail": detail,
    });
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    resp
}

/// The caller of an API route: a bearer token, or a browser session (so the
/// UI's own scripts could call the API; unsafe methods then need the CSRF header).
pub(crate) struct ApiActor {
    pub actor: Actor,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let addr = remote_addr(parts, &state.trusted_proxies);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        if let Some(token) = bearer {
            return match state.svc.token_actor(token, Some(&addr)).await {
                Ok(Some(actor)) => Ok(ApiActor { actor, lang }),
                Ok(None) => Err(ApiError(Error::Unauthenticated, lang)),
                Err(e) => Err(ApiError(e, lang)),
            };
        }
        if let Some(cookie) = cookie(&parts.headers, SESSION_COOKIE) {
            if let Ok(Some(session)) = state.svc.session(cookie, Some(&addr)).await {
                let safe = matches!(parts.method, Method::GET | Method::HEAD);
                let csrf = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
                if safe || maruhi_service::Service::csrf_matches(&session, csrf) {
                    return Ok(ApiActor { actor: session.actor, lang });
                }
                return Err(ApiError(Error::Forbidden, lang));
            }
        }
        Err(ApiError(Error::Unauthenticated, lang))
    }
}

/// JSON in a request body; a malformed body or an unknown field is a problem
/// document, never axum's plain-text rejection.
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(req.headers());
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(bad_request(rej.status(), lang, "MRH-INPUT-002", rej.body_text())),
        }
    }
}

/// A query string, with the same problem documents on error.
pub(crate) struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => Err(bad_request(rej.status(), lang, "MRH-INPUT-003", rej.body_text())),
        }
    }
}

impl OptionalFromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match <ApiActor as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(a) => Ok(Some(a)),
            Err(ApiError(Error::Unauthenticated, _)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
