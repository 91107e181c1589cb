//! Server tests through `app()`, without a socket.

// Tests state their expectations by unwrapping; a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod authz;
mod http;
mod mail;
mod mail_triage;
mod tlog_client;
mod tls;
mod vault_s3;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use maruhi_service::admin::UserInput;
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, Scope, Service};
use tower::ServiceExt;

pub const PW: &str = "correct-horse-battery";

/// The fixture secret's fingerprinted material.
pub const MATERIAL: &str =
    "MX-7 組立手順: 第一工程でフレームを治具に固定し、トルク十二ニュートンメートルで四本のボルトを対角に締める。\
    第二工程ではセンサー基板を防振ゴムの上に載せ、コネクタを奥まで差し込んでからロックを確認する。\
    第三工程で筐体を閉じ、気密試験を五十キロパスカルで三十秒行う。";

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth {
    None,
    Token(String),
    /// Session cookie and its CSRF token.
    Session(String, String),
}

pub struct Fixture {
    pub svc: Service,
    pub app: axum::Router,
    pub secret_id: i64,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl Fixture {
    /// An installation with one user per role, a secret managed by `sato`
    /// and granted to `watanabe`, and groups `empty` (granted) and `other`.
    pub async fn new() -> Fixture {
        let svc = Service::open(&maruhi_store::testing::fresh_sqlite()).await.expect("open");
        let op = Actor::operator();
        for (u, r) in [
            ("admin", "admin"),
            ("sato", "manager"),
            ("yamada", "legal"),
            ("tanaka", "analyst"),
            ("ito", "auditor"),
            ("kato", "employee"),
            ("watanabe", "employee"),
        ] {
            let input = UserInput {
                username: u.into(),
                display_name: u.into(),
                role: r.into(),
                password: Some(PW.into()),
                ..UserInput::default()
            };
            svc.create_user(&op, input).await.expect("user");
        }
        svc.create_group(&op, "empty", "").await.expect("group");
        svc.create_group(&op, "other", "").await.expect("group");
        let secret = svc
            .create_secret(
                &op,
                SecretInput {
                    title: "MX-7 組立図".into(),
                    category: "drawing".into(),
                    level: "極秘".into(),
                    manager: Some("sato".into()),
                    grants: vec!["watanabe".into(), "group:empty".into()],
                    status: Some("registered".into()),
                    ..SecretInput::default()
                },
            )
            .await
            .expect("secret");
        let key = maruhi_service::ledger::new_log_key("test.example/log").expect("key");
        let svc = svc.with_ledger_key(&key).expect("key").with_installation_key([7u8; 32]);
        // A vault in a folder of its own (the data directory's layout).
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let vault_dir = std::env::temp_dir().join(format!("maruhi-server-vault-{}-{n}", std::process::id()));
        let svc = svc.with_vault(maruhi_service::vault::Vault::new(
            std::sync::Arc::new(maruhi_service::vault::LocalStore::new(vault_dir.join("objects"))),
            maruhi_service::vault::MasterKeyFile { path: vault_dir.join("master.key"), create_if_missing: true },
        ));
        svc.attach_material(&op, secret.id, "組立手順.txt", MATERIAL.as_bytes(), true).await.expect("material");
        svc.publish_checkpoint().await.expect("checkpoint");
        let app = maruhi_server::app(maruhi_server::AppState::new(svc.clone(), false));
        Fixture { svc, app, secret_id: secret.id }
    }

    pub async fn token(&self, user: &str, scope: Scope) -> Auth {
        Auth::Token(
            self.svc.create_token(&Actor::operator(), user, "test", scope).await.expect("token").expose().to_owned(),
        )
    }

    pub async fn session(&self, user: &str) -> Auth {
        let (cookie, s) = self.svc.login(user, PW, "127.0.0.1").await.expect("login");
        Auth::Session(cookie.expose().to_owned(), s.csrf_token)
    }

    /// Posts a browser upload form (`multipart/form-data`) with the
    /// session's CSRF token and the file.
    pub async fn upload(
        &self,
        path: &str,
        auth: &Auth,
        file_name: &str,
        content: &[u8],
        extra: &[(&str, &str)],
    ) -> Reply {
        let boundary = "maruhi-test-boundary-7d1f";
        let mut body = Vec::new();
        let mut field = |name: &str, value: &str| {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        };
        let mut req = Request::builder().method(Method::POST).uri(path);
        if let Auth::Session(cookie, csrf) = auth {
            field("csrf", csrf);
            req = req.header("cookie", format!("maruhi_session={cookie}"));
        }
        for (k, v) in extra {
            field(k, v);
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = req
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    pub async fn call(&self, method: Method, path: &str, auth: &Auth, body: Option<&str>) -> Reply {
        self.call_with(method, path, auth, body, &[]).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = Request::builder().method(method.clone()).uri(path);
        let is_api = path.starts_with("/api/");
        let mut form_body = body.map(str::to_owned);
        match auth {
            Auth::None => {}
            Auth::Token(t) => req = req.header("authorization", format!("Bearer {t}")),
            Auth::Session(cookie, csrf) => {
                req = req.header("cookie", format!("maruhi_session={cookie}"));
                if !is_api && method == Method::POST {
                    let b = form_body.unwrap_or_default();
                    form_body = Some(if b.is_empty() { format!("csrf={csrf}") } else { format!("{b}&csrf={csrf}") });
                }
            }
        }
        if form_body.is_some() {
            let ct = if is_api { "application/json" } else { "application/x-www-form-urlencoded" };
            req = req.header("content-type", ct);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(form_body.map(Body::from).unwrap_or_else(Body::empty)).expect("request");
        let resp = self.app.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }
}

impl Fixture {
    /// Every (method, path template) `app()` serves, read from the router
    /// itself: its paths from [`maruhi_server::route_paths`], each path's
    /// methods from the `Allow` header axum sends with a 405 to a method no
    /// route has.
    pub async fn served_routes(&self) -> Vec<(Method, String)> {
        let probe = Method::from_bytes(b"PROBE").unwrap();
        let mut routes = Vec::new();
        for template in maruhi_server::route_paths() {
            let path: String = template
                .split('/')
                .map(|seg| if seg.starts_with('{') { "0" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            let r = self.call(probe.clone(), &path, &Auth::None, None).await;
            assert_eq!(r.status, 405, "{template} ({path}) did not reach its method router");
            let allow = r.headers.get("allow").and_then(|v| v.to_str().ok()).unwrap_or("");
            for m in allow.split(',').map(str::trim).filter(|m| !m.is_empty() && *m != "HEAD") {
                routes.push((Method::from_bytes(m.as_bytes()).unwrap(), template.clone()));
            }
        }
        routes
    }
}

/// The template among `templates` that routes `path` (its query ignored), as
/// axum picks it: literal segments win over parameters, parameters over a
/// trailing wildcard.
pub fn template_of<'a>(path: &str, templates: &'a [String]) -> Option<&'a String> {
    let path = path.split('?').next().unwrap_or(path);
    let segs: Vec<&str> = path.split('/').collect();
    let score = |template: &str| -> Option<usize> {
        let t: Vec<&str> = template.split('/').collect();
        let mut literal = 0;
        for (i, ts) in t.iter().enumerate() {
            if ts.starts_with("{*") {
                return (segs.len() > i).then_some(literal);
            }
            let s = segs.get(i)?;
            if ts.starts_with('{') {
                continue;
            }
            if ts != s {
                return None;
            }
            literal += 1;
        }
        (t.len() == segs.len()).then_some(literal + 1)
    };
    templates.iter().filter_map(|t| score(t).map(|s| (s, t))).max_by_key(|(s, _)| *s).map(|(_, t)| t)
}
