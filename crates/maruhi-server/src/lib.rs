//! maruhi's HTTP server: the only crate that speaks HTTP and HTML.
//!
//! [`app`] builds the whole router from an [`AppState`] without opening a
//! socket, so tests drive it directly; [`serve`] runs it with graceful
//! shutdown. Routes are grouped by what protects them: public (login, static
//! files, the OpenAPI document), browser session (pages; every form carries a
//! CSRF token and unsafe requests must come from our own origin) and bearer
//! token (`/api/v1`). Authorization itself is decided in the service layer,
//! never here.
//!
//! ```no_run
//! # async fn demo(svc: maruhi_service::Service) -> std::io::Result<()> {
//! let app = maruhi_server::app(maruhi_server::AppState::new(svc, false));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! maruhi_server::serve(listener, app, std::future::pending()).await
//! # }
//! ```

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use maruhi_service::Service;

mod api;
mod api_cases;
mod api_risk;
mod api_sharing;
pub mod mail;
pub mod pages;
mod reports;
pub mod s3;
mod taxii;
pub mod taxii_client;
pub mod transport;
mod web;
pub mod witness;

pub use web::{Cidr, LANG_COOKIE, SESSION_COOKIE};

/// The largest request body accepted anywhere (forms and JSON)...
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// ...except files to scan or fingerprint, and activity logs and HR data to
/// import.
pub const MAX_UPLOAD_BYTES: usize = 64 * 1024 * 1024;

/// What handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    pub svc: Service,
    /// Mark cookies `Secure` (set when served over HTTPS or not on loopback).
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security`: the server is reached over HTTPS
    /// only (`--behind-tls`).
    pub hsts: bool,
    /// Proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<Cidr>,
    /// Targeted-mail triage: partners' domains and the border server's
    /// authserv-id (the company's own domains come from the installation).
    pub mail_triage: maruhi_mail::Config,
}

impl AppState {
    /// The state of a server: the service re-analyses risk in the
    /// background whenever what the analysis reads changes.
    pub fn new(svc: Service, secure_cookies: bool) -> Self {
        AppState {
            svc: svc.with_background_analysis(),
            secure_cookies,
            hsts: false,
            trusted_proxies: Vec::new(),
            mail_triage: maruhi_mail::Config::default(),
        }
    }

    /// Partners' domains and the border server's authserv-id for
    /// targeted-mail triage.
    pub fn with_mail_triage(mut self, config: maruhi_mail::Config) -> Self {
        self.mail_triage = config.normalised();
        self
    }

    /// The server is reached over HTTPS only (a TLS-terminating proxy in
    /// front): `Secure` cookies and `Strict-Transport-Security`, wherever it
    /// listens.
    pub fn behind_tls(mut self) -> Self {
        self.secure_cookies = true;
        self.hsts = true;
        self
    }

    /// Trusts `X-Forwarded-For` from these proxies (and only from them) for
    /// the client's address, which throttling and the audit trail use.
    pub fn with_trusted_proxies(mut self, proxies: Vec<Cidr>) -> Self {
        self.trusted_proxies = proxies;
        self
    }
}

/// Readiness: 200 when the database answers, 503 otherwise (liveness is
/// `/healthz`, which answers while the process runs).
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.svc.readiness().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(code = e.code(), error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready [{}]", e.code())).into_response()
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    router(state.hsts).0.with_state(state)
}

/// Every path [`app`] routes, as axum templates (`/secrets/{id}`), in the
/// order they were added; API paths carry their `/api/v1` prefix. axum cannot
/// list a router's routes, so the router records them as it is built (tests
/// check each against the authorization table and the OpenAPI document; a
/// path's methods are in the `Allow` header of a 405 to any other method).
pub fn route_paths() -> Vec<String> {
    router(false).1
}

fn router(hsts: bool) -> (Router<AppState>, Vec<String>) {
    let (pages, page_paths) = Routes::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/lang", post(pages::switch_lang))
        .route("/secrets", get(pages::list).post(pages::create))
        .route("/secrets/new", get(pages::new_form))
        .route("/secrets/print", get(pages::print))
        .route("/secrets/export.csv", get(pages::export_csv))
        .route("/secrets/{id}/report", get(reports::secret_page))
        .route("/register/as-of", get(reports::register_page))
        .route("/acknowledgements/outstanding.csv", get(reports::gaps_page))
        .route("/secrets/{id}", get(pages::detail).post(pages::update))
        .route("/secrets/{id}/edit", get(pages::edit_form))
        .route("/secrets/{id}/status", post(pages::change_status))
        .route("/secrets/{id}/grants", post(pages::grant))
        .route("/secrets/{id}/grants/revoke", post(pages::revoke))
        .route("/secrets/{id}/acknowledge", post(pages::acknowledge))
        .route("/secrets/{id}/evidence/prior-use.zip", get(pages::prior_use_evidence))
        .route("/secrets/{id}/materials/{material}/remove", post(pages::scan::remove_material))
        .route("/secrets/{id}/materials/{material}/original", get(pages::scan::download_original))
        .route("/secrets/{id}/materials/{material}/copy", get(pages::scan::download_marked_copy))
        .route("/secrets/{id}/materials", post(pages::scan::attach).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route(
            "/trace",
            get(pages::scan::trace_form).post(pages::scan::trace_upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/scan", get(pages::scan::form).post(pages::scan::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/mail", get(pages::mail::form).post(pages::mail::upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/risk", get(pages::risk::ranked))
        .route("/risk/analyse", post(pages::risk::analyse))
        .route("/risk/users/{user}", get(pages::risk::person))
        .route("/risk/domains", post(pages::risk::confirm_domain))
        .route("/identities", get(pages::risk::identities).post(pages::risk::add_identity))
        .route("/identities/remove", post(pages::risk::remove_identity))
        .route("/alerts", get(pages::risk::list))
        .route("/alerts/bulk", post(pages::risk::bulk_triage))
        .route("/alerts/{id}", get(pages::risk::show))
        .route("/alerts/{id}/triage", post(pages::risk::triage))
        .route("/alerts/{id}/assign", post(pages::risk::assign))
        .route("/alerts/{id}/case", post(pages::cases::open_from_alert))
        .route("/cases", get(pages::cases::list).post(pages::cases::create))
        .route("/cases/{id}", get(pages::cases::show))
        .route("/cases/{id}/notes", post(pages::cases::note).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/cases/{id}/links", post(pages::cases::link))
        .route("/cases/{id}/members", post(pages::cases::assign))
        .route("/cases/{id}/status", post(pages::cases::status))
        .route("/cases/{id}/steps", post(pages::cases::step))
        .route("/cases/{id}/hold", post(pages::cases::hold))
        .route("/cases/{id}/release", post(pages::cases::release))
        .route("/cases/{id}/evidence.zip", get(pages::cases::export))
        .route("/share", get(pages::sharing::list).post(pages::sharing::draft))
        .route("/share/{id}", get(pages::sharing::show))
        .route("/share/{id}/approve", post(pages::sharing::approve))
        .route("/share/{id}/terms", post(pages::sharing::add_term))
        .route("/acknowledgements", get(pages::acks))
        .route("/assessment", get(pages::assess::page))
        .route("/assessment/answers", post(pages::assess::answer))
        .route("/assessment/save", post(pages::assess::save))
        .route("/admin/users", get(pages::users).post(pages::add_user))
        .route("/admin/users/{id}", post(pages::update_user))
        .route("/admin/groups", get(pages::groups).post(pages::add_group))
        .route("/admin/groups/members", post(pages::group_member))
        .route("/audit", get(pages::audit))
        .route("/audit/export.csv", get(pages::audit_csv))
        .route("/tokens", get(pages::tokens).post(pages::create_token))
        .route("/account/password", get(pages::password_form).post(pages::change_password))
        .route("/tokens/{id}/revoke", post(pages::revoke_token))
        .route("/ledger", get(pages::ledger))
        .route("/ledger/proof/{index}", get(pages::ledger_proof))
        .route("/static/app.css", get(pages::stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .into_parts();
    let pages = pages
        .fallback(pages::not_found)
        .layer(middleware::from_fn(web::page_frame))
        .layer(middleware::from_fn(same_origin_forms));

    let (api, api_paths) = Routes::new()
        .route("/openapi.json", get(api::openapi))
        .route("/me", get(api::me))
        .route("/metrics", get(api::metrics))
        .route("/levels", get(api::levels))
        .route("/secrets", get(api::list_secrets).post(api::create_secret))
        .route("/secrets/{id}", get(api::get_secret).put(api::update_secret))
        .route("/secrets/{id}/status", post(api::change_status))
        .route("/secrets/{id}/grants", post(api::grant))
        .route("/secrets/{id}/grants/{kind}/{principal_id}", delete(api::revoke))
        .route("/secrets/{id}/acknowledge", post(api::acknowledge))
        .route("/secrets/{id}/history", get(api::history))
        .route(
            "/secrets/{id}/materials",
            get(api::materials).post(api::attach).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/materials/{material}/original", get(api::original))
        .route("/scan", post(api::scan).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/mail/triage", post(api::triage_mail).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/users", get(api::list_users).post(api::create_user))
        .route("/groups", get(api::list_groups).post(api::create_group))
        .route("/groups/{name}/members", post(api::add_member))
        .route("/audit", get(api::audit))
        .route("/events", post(api::import_events).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/hr", get(api::hr_records).post(api::import_hr).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)))
        .route("/watchlists", get(api::watchlists))
        .route("/watchlists/{list}", get(api::watchlist).post(api::watchlist_add))
        .route("/watchlists/{list}/{user}", delete(api::watchlist_remove))
        .route("/risk/users", get(api_risk::users))
        .route("/risk/analyse", post(api_risk::analyse))
        .route("/risk/warnings", get(api_risk::warnings))
        .route("/risk/domains/suggestions", get(api_risk::domain_suggestions))
        .route("/identities", get(api_risk::identities).post(api_risk::add_identity))
        .route("/identities/{alias}", delete(api_risk::remove_identity))
        .route("/alerts", get(api_risk::alerts))
        .route("/alerts/{id}", get(api_risk::alert))
        .route("/alerts/{id}/triage", post(api_risk::triage))
        .route("/secrets/{id}/report", get(reports::secret_api))
        .route("/register", get(reports::register_api))
        .route("/acknowledgements/outstanding", get(reports::gaps_api))
        .route("/cases", get(api_cases::list).post(api_cases::open))
        .route("/cases/{id}", get(api_cases::show))
        // Attachments come base64-encoded in the JSON (a third larger).
        .route("/cases/{id}/notes", post(api_cases::note).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES / 3 * 4)))
        .route("/cases/{id}/links", post(api_cases::link))
        .route("/cases/{id}/members", post(api_cases::assign))
        .route("/cases/{id}/status", post(api_cases::status))
        .route("/cases/{id}/steps", post(api_cases::step))
        .route("/cases/{id}/hold", post(api_cases::hold))
        .route("/cases/{id}/release", post(api_cases::release))
        .route("/cases/{id}/timeline", get(api_cases::timeline))
        .route("/cases/{id}/export", get(api_cases::export))
        .route("/assessment", get(api::assessment))
        .route("/assessment/answers", post(api::assessment_answer))
        .route("/assessment/history", get(api::assessment_history))
        .route("/share/reports", get(api_sharing::list).post(api_sharing::draft))
        .route("/share/reports/{id}", get(api_sharing::show))
        .route("/share/reports/{id}/approve", post(api_sharing::approve))
        .route("/share/reports/{id}/export", get(api_sharing::export))
        .route("/share/dictionary", get(api_sharing::dictionary).post(api_sharing::add_term))
        .into_parts();
    let api = api.fallback(api::not_found).layer(middleware::from_fn(api_too_large));

    // The C2SP tlog-tiles read API, for any tlog client.
    let (tlog, tlog_paths) = Routes::new()
        .route("/ledger/checkpoint", get(api::checkpoint))
        .route("/ledger/tile/{*path}", get(api::tile))
        .into_parts();

    // TAXII 2.1 for forum members: approved sharing reports only.
    let (taxii, taxii_paths) = Routes::new()
        .route("/taxii2/", get(taxii::discovery))
        .route("/taxii2/forum/", get(taxii::api_root))
        .route("/taxii2/forum/collections/", get(taxii::collections))
        .route("/taxii2/forum/collections/{id}/", get(taxii::collection_info))
        .route("/taxii2/forum/collections/{id}/objects/", get(taxii::objects).post(taxii::add_objects))
        .route("/taxii2/forum/collections/{id}/objects/{object_id}/", get(taxii::object))
        .route("/taxii2/forum/collections/{id}/objects/{object_id}/versions/", get(taxii::versions))
        .route("/taxii2/forum/collections/{id}/manifest/", get(taxii::manifest))
        .route("/taxii2/forum/status/{id}/", get(taxii::status))
        .into_parts();

    let router = Router::new()
        .merge(pages)
        .merge(tlog)
        .merge(taxii)
        .nest(API_PREFIX, api)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(hsts, security_headers));
    let paths = page_paths
        .into_iter()
        .chain(tlog_paths)
        .chain(taxii_paths)
        .map(str::to_owned)
        .chain(api_paths.into_iter().map(|p| format!("{API_PREFIX}{p}")))
        .collect();
    (router, paths)
}

/// Where the JSON API is nested.
const API_PREFIX: &str = "/api/v1";

/// A router that writes down each path it is given (see [`route_paths`]).
struct Routes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl Routes {
    fn new() -> Self {
        Routes { router: Router::new(), paths: Vec::new() }
    }

    fn route(mut self, path: &'static str, method_router: axum::routing::MethodRouter<AppState>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, method_router);
        self
    }

    fn into_parts(self) -> (Router<AppState>, Vec<&'static str>) {
        (self.router, self.paths)
    }
}

/// A body over the limit is refused by axum's extractors with plain text;
/// the API answers every error as RFC 9457 problem details.
async fn api_too_large(req: Request, next: Next) -> Response {
    let lang = web::lang_of(req.headers());
    let resp = next.run(req).await;
    let is_problem =
        resp.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_problem {
        return web::bad_request(
            StatusCode::PAYLOAD_TOO_LARGE,
            lang,
            "MRH-INPUT-002",
            "the request body is larger than this route accepts".to_owned(),
        );
    }
    resp
}

/// Browsers send `Origin` with every unsafe request; a form posted from
/// another site is refused before any handler runs (defence in depth beside
/// the CSRF token and `SameSite=Strict` cookies).
async fn same_origin_forms(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        if let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin == "null" || origin_host != host {
                return (StatusCode::FORBIDDEN, "cross-origin request refused").into_response();
            }
        }
    }
    next.run(req).await
}

async fn security_headers(
    axum::extract::State(hsts): axum::extract::State<bool>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if hsts {
        // RFC 6797: browsers then refuse plain HTTP to this host for a year.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
