//! Server-rendered pages: one struct per page (askama templates in
//! `templates/`), Japanese first and complete in English.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use maruhi_service::i18n::Lang;
use maruhi_service::model::{AuditEntry, Category, PrincipalKind, Role, Secret, SecretInput, Status, User};
use maruhi_service::{policy, Error, ListParams, Scope, SortKey};
use serde::Deserialize;

use crate::web::{Ctx, PageError, ReqLang, Viewer, LANG_COOKIE, SESSION_COOKIE};
use crate::AppState;

pub mod assess;
pub mod cases;
pub mod mail;
pub mod risk;
pub mod scan;
pub mod sharing;

type PageResult = Result<Response, PageError>;

/// Renders a template; a template error is a server error with an opaque page.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Shows stored UTC times in Japan Standard Time, as the users read them.
pub fn local_time(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(rfc3339, &Rfc3339) {
        Ok(t) => {
            let jst = t.to_offset(time::macros::offset!(+9));
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                jst.year(),
                u8::from(jst.month()),
                jst.day(),
                jst.hour(),
                jst.minute()
            )
        }
        Err(_) => rfc3339.to_owned(),
    }
}

/// A secret prepared for display.
pub struct SecretView {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub level: String,
    pub level_rank: usize,
    pub department: String,
    pub manager: String,
    pub status: String,
    pub status_id: &'static str,
    pub status_reason: String,
    pub review_date: String,
    pub locations: Vec<String>,
    pub marks: Vec<String>,
    pub agreements: Vec<String>,
    pub tags: Vec<String>,
    pub usefulness: String,
    pub non_public: String,
    pub secrecy_management: String,
    pub handling_rules: String,
    pub rules_version: i64,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl SecretView {
    fn new(s: &Secret, lang: Lang, levels: &[String]) -> Self {
        SecretView {
            id: s.id,
            title: s.title.clone(),
            summary: s.summary.clone(),
            category: s.category.label(lang).to_owned(),
            level_rank: levels.iter().position(|l| *l == s.level).unwrap_or(levels.len()),
            level: s.level.clone(),
            department: s.department.clone(),
            manager: s.manager.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
            status: s.status.label(lang).to_owned(),
            status_id: s.status.id(),
            status_reason: s.status_reason.clone(),
            review_date: s.review_date.clone().unwrap_or_default(),
            locations: s.locations.clone(),
            marks: s.marks.clone(),
            agreements: s.agreements.clone(),
            tags: s.tags.clone(),
            usefulness: s.notes.usefulness.clone(),
            non_public: s.notes.non_public.clone(),
            secrecy_management: s.notes.secrecy_management.clone(),
            handling_rules: s.handling_rules.clone(),
            rules_version: s.rules_version,
            revision: s.revision,
            created_at: local_time(&s.created_at),
            updated_at: local_time(&s.updated_at),
        }
    }

    /// A CSS class that colours the level badge: the most secret is red.
    pub fn level_class(&self) -> &'static str {
        match self.level_rank {
            0 => "lv lv0",
            1 => "lv lv1",
            2 => "lv lv2",
            _ => "lv",
        }
    }
}

/// One line of a history or the audit log.
pub struct HistoryView {
    /// The event's number: the same in a secret's history, the audit log
    /// and the proof download.
    pub seq: i64,
    pub ledger_index: Option<i64>,
    pub at: String,
    pub actor: String,
    pub action: String,
    /// The action's stable id (`secret.update`), for filters and exports.
    pub action_id: String,
    pub object: String,
    /// Where the object can be opened, for secrets and alerts.
    pub link: Option<String>,
    pub details: String,
    /// What changed, field by field, as a readable diff.
    pub changes: Vec<Change>,
}

impl HistoryView {
    pub fn new(e: &AuditEntry, lang: Lang) -> Self {
        let action = maruhi_service::audit::AuditAction::parse(&e.action);
        let changes = changes(&e.summary, lang);
        HistoryView {
            seq: e.seq,
            ledger_index: e.ledger_index,
            at: local_time(&e.at),
            actor: e.actor.clone(),
            action: action.map_or_else(|| e.action.clone(), |a| a.label(lang).to_owned()),
            action_id: e.action.clone(),
            object: match &e.object_id {
                Some(id) => format!("{} {id}", object_label(&e.object_type, lang)),
                None => object_label(&e.object_type, lang).to_owned(),
            },
            link: match (e.object_type.as_str(), &e.object_id) {
                ("secret", Some(id)) => Some(format!("/secrets/{id}")),
                ("alert", Some(id)) => Some(format!("/alerts/{id}")),
                ("case", Some(id)) => Some(format!("/cases/{id}")),
                _ => None,
            },
            details: changes.iter().map(Change::short).collect::<Vec<_>>().join("; "),
            changes,
        }
    }
}

/// The reader's word for an audit object type (the id when there is none).
fn object_label(kind: &str, lang: Lang) -> &str {
    match maruhi_service::i18n::ui(lang, &format!("object.{kind}")) {
        "??" => kind,
        label => label,
    }
}

/// One field of an audit summary: a value, or a change shown as the text
/// around it (`pre`, `post`) and what was removed and added, so a changed
/// sentence in a long rule shows where it changed.
pub struct Change {
    pub label: String,
    pub pre: String,
    pub removed: String,
    pub added: String,
    pub post: String,
    /// A change (before → after), rather than a plain value.
    pub is_change: bool,
}

impl Change {
    /// `label: before → after`, shortened, for one-line summaries.
    fn short(&self) -> String {
        let cut = |s: &str| {
            if s.chars().count() > 40 {
                format!("{}…", s.chars().take(40).collect::<String>())
            } else {
                s.to_owned()
            }
        };
        if self.is_change {
            let before = format!("{}{}{}", self.pre, self.removed, self.post);
            let after = format!("{}{}{}", self.pre, self.added, self.post);
            format!("{}: {} → {}", self.label, cut(&before), cut(&after))
        } else {
            format!("{}: {}", self.label, cut(&self.added))
        }
    }
}

/// A field's label in the reader's language: the register's own field
/// names first, then the history's (`hist.*`), else the key itself.
fn field_label(key: &str, lang: Lang) -> String {
    let key = match key {
        "secrecy_management" => "secrecy_mgmt",
        "grants" => "access",
        other => other,
    };
    for k in [format!("field.{key}"), format!("hist.{key}")] {
        let label = maruhi_service::i18n::ui(lang, &k);
        if label != "??" {
            return label.to_owned();
        }
    }
    key.to_owned()
}

/// The label `key` names, or `raw` when there is none.
fn labelled(key: &str, raw: &str, lang: Lang) -> String {
    match maruhi_service::i18n::ui(lang, key) {
        "??" => raw.to_owned(),
        label => label.to_owned(),
    }
}

/// A value as text: lists joined, statuses and categories in words.
fn value_text(key: &str, v: &serde_json::Value, lang: Lang) -> String {
    match v {
        serde_json::Value::String(s) if key == "status" => match Status::parse(s) {
            Some(st) => st.label(lang).to_owned(),
            None => labelled(&format!("alert.status.{s}"), s, lang),
        },
        serde_json::Value::String(s) if key == "severity" => labelled(&format!("severity.{s}"), s, lang),
        serde_json::Value::String(s) if key == "role" => {
            maruhi_service::model::Role::parse(s).map_or_else(|| s.clone(), |r| r.label(lang).to_owned())
        }
        serde_json::Value::String(s) if key == "category" => {
            Category::parse(s).map_or_else(|| s.clone(), |c| c.label(lang).to_owned())
        }
        // Browsers send line breaks as CRLF (WHATWG form encoding): a rule
        // saved from a form is not a change on every line.
        serde_json::Value::String(s) => s.replace("\r\n", "\n"),
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::Array(a) => {
            a.iter().map(|x| value_text(key, x, lang)).collect::<Vec<_>>().join(lang.pick("、", ", "))
        }
        serde_json::Value::Object(o) => match o.get("name").or_else(|| o.get("username")) {
            Some(n) => value_text(key, n, lang),
            None => o
                .iter()
                .map(|(k, x)| format!("{}: {}", field_label(k, lang), value_text(k, x, lang)))
                .collect::<Vec<_>>()
                .join("; "),
        },
        other => other.to_string(),
    }
}

/// The change from `before` to `after` with its common start and end set
/// apart, keeping a little context on each side.
fn change(label: String, before: &str, after: &str) -> Change {
    const CONTEXT: usize = 12;
    let b: Vec<char> = before.chars().collect();
    let a: Vec<char> = after.chars().collect();
    let prefix = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let suffix = b[prefix..].iter().rev().zip(a[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let text = |c: &[char]| c.iter().collect::<String>();
    let pre_from = prefix.saturating_sub(CONTEXT);
    let post_to = (b.len() - suffix + CONTEXT).min(b.len());
    Change {
        label,
        pre: format!("{}{}", if pre_from > 0 { "…" } else { "" }, text(&b[pre_from..prefix])),
        removed: text(&b[prefix..b.len() - suffix]),
        added: text(&a[prefix..a.len() - suffix]),
        post: format!("{}{}", text(&b[b.len() - suffix..post_to]), if post_to < b.len() { "…" } else { "" }),
        is_change: true,
    }
}

/// Reads an audit summary: `field: before → after` for changes (nested
/// objects such as the legal notes field by field), `field: value`
/// otherwise; a creation names its title only (the rest is in the record).
fn changes(v: &serde_json::Value, lang: Lang) -> Vec<Change> {
    let Some(obj) = v.as_object() else { return Vec::new() };
    let plain = |label: String, text: String| Change {
        label,
        pre: String::new(),
        removed: String::new(),
        added: text,
        post: String::new(),
        is_change: false,
    };
    let mut out = Vec::new();
    for (k, val) in obj {
        if k == "after" && val.is_object() {
            if let Some(t) = val.get("title") {
                out.push(plain(field_label("title", lang), value_text("title", t, lang)));
            }
            continue;
        }
        match (val.get("before"), val.get("after")) {
            (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a)))
                if !a.contains_key("name") && !a.contains_key("username") =>
            {
                for (sub, av) in a {
                    let bv = b.get(sub).unwrap_or(&serde_json::Value::Null);
                    if bv != av {
                        out.push(change(
                            field_label(sub, lang),
                            &value_text(sub, bv, lang),
                            &value_text(sub, av, lang),
                        ));
                    }
                }
            }
            (Some(b), Some(a)) => {
                out.push(change(field_label(k, lang), &value_text(k, b, lang), &value_text(k, a, lang)))
            }
            _ => out.push(plain(field_label(k, lang), value_text(k, val, lang))),
        }
    }
    out
}

// ---------------------------------------------------------------- templates

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub status: u16,
    pub message: String,
    pub code: &'static str,
    pub operation_id: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    username: String,
    /// Where to go once signed in: a local path, or empty for the dashboard.
    next: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    levels: Vec<(String, i64, i64, i64)>,
    total: i64,
    reviews_due: Vec<SecretView>,
    my_outstanding: Vec<(i64, String, i64)>,
    outstanding_total: Option<i64>,
    reminders: Vec<maruhi_service::reminders::Reminder>,
    /// Today in Japan (`YYYY-MM-DD`): reviews before it are overdue.
    today: String,
    /// For those who review insider risk: open alerts per severity.
    alerts: Option<Vec<risk::SeverityCount>>,
    /// The people at the top of the risk ranking, as of the end of the data.
    top_people: Vec<risk::UserRow>,
    /// Scan findings and contamination hits lately, for those who read the
    /// audit log.
    findings: Option<Vec<HistoryView>>,
    /// The latest changes, for those who read the audit log.
    recent: Vec<HistoryView>,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    ctx: Ctx,
    q: ListForm,
    rows: Vec<SecretView>,
    total: i64,
    page: i64,
    pages: i64,
    levels: Vec<String>,
    statuses: Vec<(&'static str, &'static str)>,
    categories: Vec<(&'static str, &'static str)>,
    departments: Vec<String>,
}

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage {
    ctx: Ctx,
    rows: Vec<SecretView>,
    total: i64,
    generated: String,
    by: String,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    ctx: Ctx,
    s: SecretView,
    access: Vec<(String, i64, String)>,
    acks: Vec<(String, i64, String)>,
    history: Vec<HistoryView>,
    may_manage: bool,
    may_download: bool,
    vault: bool,
    may_ack: bool,
    acked_current: bool,
    transitions: Vec<(&'static str, &'static str)>,
    materials: Vec<maruhi_service::scan::Material>,
    /// Material id → "existed no later than" (local time).
    anchors: HashMap<i64, String>,
    may_export_evidence: bool,
    error: Option<String>,
    /// What was just saved, to confirm it: `saved` or `status`.
    saved: Option<&'static str>,
    /// The last save changed the handling rules: everyone with access must
    /// acknowledge them again.
    reack: bool,
    /// How many people have not acknowledged the current rules.
    outstanding: usize,
    /// Exact-data-match datasets of the secret: name, rows, columns (with
    /// their types), last refreshed (local time).
    datasets: Vec<(String, i64, String, String)>,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    ctx: Ctx,
    editing: Option<i64>,
    v: SecretForm,
    errors: HashMap<&'static str, &'static str>,
    levels: Vec<String>,
    categories: Vec<(&'static str, &'static str)>,
}

#[derive(Template)]
#[template(path = "acks.html")]
struct AcksPage {
    ctx: Ctx,
    items: Vec<maruhi_service::views::OutstandingAck>,
    /// For those who oversee secrets: who has not acknowledged, per secret.
    outstanding: Option<Vec<AckGaps>>,
}

/// A secret's outstanding acknowledgements: (id, title, and per person
/// (user, department, since)).
type AckGaps = (i64, String, Vec<(String, String, String)>);

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<(User, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    errors: HashMap<&'static str, &'static str>,
}

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage {
    ctx: Ctx,
    groups: Vec<(String, String, Vec<String>)>,
    errors: HashMap<&'static str, &'static str>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<HistoryView>,
    page: i64,
    pages: i64,
    total: i64,
    q: AuditQuery,
    /// The filters as a query string (`?action=…&…`, or empty).
    query: String,
    /// (action id, label) for the action filter.
    actions: Vec<(&'static str, &'static str)>,
}

impl AuditPage {
    /// The address of page `n` of this list.
    fn page_link(&self, n: i64) -> String {
        let sep = if self.query.is_empty() { '?' } else { '&' };
        format!("/audit{}{sep}page={n}", self.query)
    }
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    ctx: Ctx,
    size: i64,
    public_key: String,
    checkpoint: Option<(i64, String, String)>,
    /// Witnesses on the latest checkpoint and when each cosigned.
    cosigners: Vec<(String, String)>,
    /// The latest time anchor: (checkpoint size, TSA, time).
    anchor: Option<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<(i64, String, String, String, bool)>,
    new_token: Option<String>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

impl UsersPage {
    fn err(&self, field: &str) -> Option<&'static str> {
        self.errors.get(field).copied()
    }
}

fn field_errors(e: &Error, lang: Lang) -> HashMap<&'static str, &'static str> {
    match e {
        Error::Invalid(fields) => fields.iter().map(|f| (f.field, f.msg.text(lang))).collect(),
        _ => HashMap::new(),
    }
}

fn statuses(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Status::ALL.iter().map(|s| (s.id(), s.label(lang))).collect()
}

fn categories(lang: Lang) -> Vec<(&'static str, &'static str)> {
    Category::ALL.iter().map(|c| (c.id(), c.label(lang))).collect()
}

// ---------------------------------------------------------------- login

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `next` if it is a local path, otherwise nothing: never an open redirect.
fn local_next(next: &str) -> String {
    if crate::web::safe_local_path(next) {
        next.to_owned()
    } else {
        String::new()
    }
}

pub async fn login_form(ReqLang(lang): ReqLang, viewer: Option<Viewer>, Query(q): Query<NextQuery>) -> Response {
    let next = local_next(&q.next);
    if viewer.is_some() {
        return Redirect::to(if next.is_empty() { "/" } else { &next }).into_response();
    }
    render(&LoginPage { ctx: Ctx::anonymous(lang), error: None, username: String::new(), next })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn session_cookie(value: &str, secure: bool, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

pub async fn login(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    addr: crate::web::RemoteAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    match state.svc.login(&form.username, &form.password, &addr.0).await {
        Ok((token, _session)) => {
            let next = local_next(&form.next);
            let mut resp = Redirect::to(if next.is_empty() { "/" } else { &next }).into_response();
            let max_age = maruhi_service::auth::SESSION_LIFETIME.whole_seconds();
            resp.headers_mut()
                .insert(header::SET_COOKIE, session_cookie(token.expose(), state.secure_cookies, max_age));
            resp
        }
        Err(e @ (Error::BadCredentials | Error::Throttled { .. })) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let page = LoginPage {
                ctx: Ctx::anonymous(lang),
                error: Some(e.message(lang)),
                username: form.username,
                next: local_next(&form.next),
            };
            let mut resp = (status, render(&page)).into_response();
            if let Some(secs) = e.retry_after() {
                resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
        Err(e) => PageError(e, lang).into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer, Form(form): Form<CsrfForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    state.svc.logout(&viewer.cookie, viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie("", state.secure_cookies, 0));
    Ok(resp)
}

#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    #[serde(default)]
    back: String,
}

/// Sets the language cookie and returns to the page the user was on.
pub async fn switch_lang(Form(form): Form<LangForm>) -> Response {
    let lang = Lang::parse(&form.lang).unwrap_or_default();
    // Control characters are refused outright (see `safe_local_path`).
    if form.back.chars().any(char::is_control) {
        return (StatusCode::BAD_REQUEST, "bad return path").into_response();
    }
    // Only local paths: never an open redirect.
    let back = if crate::web::safe_local_path(&form.back) { form.back.as_str() } else { "/" };
    let mut resp = Redirect::to(back).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.code()))
    {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// Percent-encodes `s` for a query string value (RFC 3986 unreserved
/// characters stay as they are).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Unknown page addresses: a 404 inside the layout.
pub async fn not_found(viewer: Option<Viewer>, ReqLang(lang): ReqLang) -> Response {
    PageError(Error::NotFound, viewer.map_or(lang, |v| v.lang)).into_response()
}

// ---------------------------------------------------------------- dashboard

pub async fn dashboard(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let d = state.svc.dashboard(viewer.actor()).await.map_err(err)?;
    let actor = viewer.actor();
    let (alerts, top_people) = if policy::may_review_risk(actor) {
        let open = risk::open_by_severity(&state, actor, lang).await.map_err(err)?;
        let as_of = state
            .svc
            .risk_period(actor)
            .await
            .map_err(err)?
            .and_then(|p| maruhi_service::risk::parse_as_of(&p.last_time));
        let top = state.svc.risk_users(actor, as_of, 5, lang).await.map_err(err)?;
        (Some(open), risk::rows(top))
    } else {
        (None, Vec::new())
    };
    let (findings, recent) = if policy::may_read_audit(actor) {
        let f = state.svc.audit_log(actor, Some("scan."), 1, 5).await.map_err(err)?;
        // Changes, not sign-ins or views: the latest 40 events hold enough.
        let r = state.svc.audit_log(actor, None, 1, 40).await.map_err(err)?;
        (
            Some(f.items.iter().map(|e| HistoryView::new(e, lang)).collect()),
            r.items
                .iter()
                .filter(|e| e.action != "secret.view" && !e.action.starts_with("auth."))
                .take(8)
                .map(|e| HistoryView::new(e, lang))
                .collect(),
        )
    } else {
        (None, Vec::new())
    };
    let levels =
        d.levels.iter().map(|l| (l.clone(), d.count(l, "registered"), d.count(l, "draft"), d.level_total(l))).collect();
    let page = DashboardPage {
        ctx: viewer.ctx(),
        levels,
        total: d.total,
        reviews_due: d.reviews_due.iter().map(|s| SecretView::new(s, lang, &d.levels)).collect(),
        my_outstanding: d.my_outstanding,
        outstanding_total: d.outstanding_total,
        reminders: d.reminders,
        today: {
            let d = state.svc.now().to_offset(time::macros::offset!(+9)).date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        },
        alerts,
        top_people,
        findings,
        recent,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------- register list

/// The list's query string. Unknown values fall back to defaults rather than
/// failing, so a hand-edited URL still shows a page.
#[derive(Deserialize, Default, Clone)]
pub struct ListForm {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub order: String,
    #[serde(default)]
    pub page: Option<i64>,
}

pub fn sort_key(s: &str) -> SortKey {
    match s {
        "title" => SortKey::Title,
        "level" => SortKey::Level,
        "status" => SortKey::Status,
        "review" => SortKey::Review,
        "id" => SortKey::Id,
        _ => SortKey::Updated,
    }
}

impl ListForm {
    pub fn params(&self, per_page: i64) -> ListParams {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        ListParams {
            text: some(&self.q),
            level: some(&self.level),
            status: some(&self.status),
            category: some(&self.category),
            department: some(&self.department),
            review_due: false,
            sort: sort_key(&self.sort),
            descending: match self.order.as_str() {
                "asc" => false,
                "desc" => true,
                _ => sort_key(&self.sort) == SortKey::Updated,
            },
            page: self.page.unwrap_or(1).max(1),
            per_page,
        }
    }

    fn encode(pairs: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            out.push_str(&url_encode(v));
        }
        out
    }

    fn base_pairs(&self) -> Vec<(&str, &str)> {
        vec![
            ("q", self.q.as_str()),
            ("level", self.level.as_str()),
            ("status", self.status.as_str()),
            ("category", self.category.as_str()),
            ("department", self.department.as_str()),
        ]
    }

    /// The link that sorts by `key`, flipping the order when already sorted by it.
    pub fn sort_link(&self, key: &str) -> String {
        let order = if self.sort == key && self.order != "desc" { "desc" } else { "asc" };
        let mut p = self.base_pairs();
        p.push(("sort", key));
        p.push(("order", order));
        format!("/secrets{}", Self::encode(&p))
    }

    pub fn sort_mark(&self, key: &str) -> &'static str {
        if self.sort != key {
            ""
        } else if self.order == "desc" {
            " ▼"
        } else {
            " ▲"
        }
    }

    pub fn aria_sort(&self, key: &str) -> &'static str {
        if self.sort != key {
            "none"
        } else if self.order == "desc" {
            "descending"
        } else {
            "ascending"
        }
    }

    pub fn page_link(&self, page: i64) -> String {
        let page = page.to_string();
        let mut p = self.base_pairs();
        p.push(("sort", self.sort.as_str()));
        p.push(("order", self.order.as_str()));
        p.push(("page", page.as_str()));
        format!("/secrets{}", Self::encode(&p))
    }

    pub fn export_link(&self, path: &str) -> String {
        let mut p = self.base_pairs();
        p.push(("sort", self.sort.as_str()));
        p.push(("order", self.order.as_str()));
        format!("{path}{}", Self::encode(&p))
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        let current = match field {
            "level" => &self.level,
            "status" => &self.status,
            "category" => &self.category,
            "department" => &self.department,
            _ => return false,
        };
        current == value
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(q): Query<ListForm>) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let page = state.svc.list_secrets(viewer.actor(), &q.params(50)).await.map_err(err)?;
    let levels = state.svc.levels().await.map_err(err)?;
    let departments = state.svc.departments(viewer.actor()).await.map_err(err)?;
    let rows = page.items.iter().map(|s| SecretView::new(s, lang, &levels)).collect();
    Ok(render(&ListPage {
        ctx: viewer.ctx(),
        rows,
        total: page.total,
        page: page.page,
        pages: page.pages(),
        q,
        levels,
        statuses: statuses(lang),
        categories: categories(lang),
        departments,
    }))
}

pub async fn print(State(state): State<AppState>, viewer: Viewer, Query(q): Query<ListForm>) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let levels = state.svc.levels().await.map_err(err)?;
    let all = state.svc.all_secrets(viewer.actor(), &q.params(500)).await.map_err(err)?;
    let total = all.len() as i64;
    let rows = all.iter().map(|s| SecretView::new(s, lang, &levels)).collect();
    let generated = local_time(&maruhi_service::clock::format_time(state.svc.now()));
    Ok(render(&PrintPage { ctx: viewer.ctx(), rows, total, generated, by: viewer.session.display_name.clone() }))
}

pub async fn export_csv(State(state): State<AppState>, viewer: Viewer, Query(q): Query<ListForm>) -> PageResult {
    let csv = state
        .svc
        .export_csv(viewer.actor(), &q.params(500), viewer.lang)
        .await
        .map_err(|e| PageError(e, viewer.lang))?;
    let mut resp = csv.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"maruhi-register.csv\""));
    Ok(resp)
}

#[derive(serde::Deserialize)]
pub struct PriorUseQuery {
    /// Carry the stored originals (`?originals=true`), not only their hashes.
    #[serde(default)]
    originals: bool,
}

/// The secret's prior-use evidence as a zipped BagIt bag, with hashes of
/// the material or (`?originals=true`) the stored originals themselves, up
/// to the in-memory limit. No time-stamp CA is put in it: the recipient
/// checks the tokens against the TSA's own published certificate.
pub async fn prior_use_evidence(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<PriorUseQuery>,
) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    let options = maruhi_service::evidence::PriorUseOptions { hashes_only: !q.originals, tsa_ca: None };
    let zip = state.svc.prior_use_zip(viewer.actor(), id, &options).await.map_err(|e| PageError(e, viewer.lang))?;
    let mut resp = zip.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/zip"));
    let disposition = format!("attachment; filename=\"prior-use-{id}.zip\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------- detail

async fn detail_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    error: Option<String>,
) -> Result<DetailPage, PageError> {
    detail_page_with(state, viewer, id, error, None).await
}

async fn detail_page_with(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    error: Option<String>,
    saved: Option<&'static str>,
) -> Result<DetailPage, PageError> {
    let lang = viewer.lang;
    let page = state.svc.secret_page(viewer.actor(), id).await.map_err(|e| PageError(e, lang))?;
    let secret = &page.secret;
    // The save just made is the latest change: did it touch the rules?
    let reack = saved.is_some()
        && page
            .history
            .last()
            .is_some_and(|h| h.action == "secret.update" && h.summary.get("handling_rules").is_some());
    let outstanding = if page.may_manage {
        match state.svc.acknowledgement_gaps(viewer.actor()).await {
            Ok(gaps) => gaps.iter().filter(|g| g.secret_id == id).count(),
            Err(_) => 0,
        }
    } else {
        0
    };
    let datasets = state
        .svc
        .edm_for_secret(viewer.actor(), id)
        .await
        .map_err(|e| PageError(e, lang))?
        .into_iter()
        .map(|d| {
            let columns: Vec<String> = d.columns.iter().map(|c| format!("{} ({})", c.name, c.kind.as_str())).collect();
            (d.name, d.rows, columns.join(", "), local_time(&d.refreshed_at))
        })
        .collect();
    Ok(DetailPage {
        datasets,
        saved,
        reack,
        outstanding,
        ctx: viewer.ctx(),
        access: secret.access.iter().flatten().map(|g| (g.kind.id().to_owned(), g.id, g.name.clone())).collect(),
        acks: page
            .acknowledgements
            .iter()
            .map(|a| (a.user.clone(), a.rules_version, local_time(&a.acknowledged_at)))
            .collect(),
        history: page.history.iter().rev().map(|h| HistoryView::new(h, lang)).collect(),
        may_manage: page.may_manage,
        may_download: page.may_download,
        vault: page.vault,
        may_ack: page.may_acknowledge,
        acked_current: page.acknowledged_current,
        transitions: page.transitions.iter().map(|s| (s.id(), s.label(lang))).collect(),
        anchors: page.anchors.iter().map(|(id, at)| (*id, local_time(at))).collect(),
        may_export_evidence: page.may_export_evidence,
        s: SecretView::new(secret, lang, &page.levels),
        materials: page.materials,
        error,
    })
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    saved: String,
}

pub async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    let saved = match q.saved.as_str() {
        "1" => Some("saved"),
        "status" => Some("status"),
        _ => None,
    };
    Ok(render(&detail_page_with(&state, &viewer, id, None, saved).await?))
}

pub(crate) fn parse_id(s: &str, lang: Lang) -> Result<i64, PageError> {
    s.parse::<i64>().map_err(|_| PageError(Error::NotFound, lang))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    /// The confirmation box: a status change is not undone by a click.
    #[serde(default)]
    confirm: String,
}

/// Re-renders the detail page with the error when a small form on it fails.
pub(crate) async fn detail_or_error(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    result: Result<(), Error>,
) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/secrets/{id}")).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let msg = match &e {
                Error::Invalid(f) => f.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" "),
                other => other.message(viewer.lang),
            };
            let page = detail_page(state, viewer, id, Some(msg)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e @ Error::Busy) => {
            let page = detail_page(state, viewer, id, Some(e.message(viewer.lang))).await?;
            Ok(scan::busy(render(&page)))
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

pub async fn change_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    if form.confirm != "yes" {
        let page = detail_page(&state, &viewer, id, Some(viewer.ctx().t("detail.confirm_needed").to_owned())).await?;
        if !page.may_manage {
            return Err(PageError(Error::Forbidden, viewer.lang));
        }
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    match state.svc.change_status(viewer.actor(), id, &form.status, &form.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/secrets/{id}?saved=status")).into_response()),
        Err(e) => detail_or_error(&state, &viewer, id, Err(e)).await,
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    principal: String,
}

pub async fn grant(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let r = state.svc.grant(viewer.actor(), id, &form.principal).await.map(|_| ());
    detail_or_error(&state, &viewer, id, r).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    kind: String,
    principal_id: i64,
}

pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let kind = if form.kind == "group" { PrincipalKind::Group } else { PrincipalKind::User };
    let r = state.svc.revoke(viewer.actor(), id, kind, form.principal_id).await;
    detail_or_error(&state, &viewer, id, r).await
}

pub async fn acknowledge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    state.svc.acknowledge(viewer.actor(), id).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to(&format!("/secrets/{id}")).into_response())
}

pub async fn acks(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let items = state.svc.outstanding_acks(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    let outstanding = match state.svc.acknowledgement_gaps(viewer.actor()).await {
        Ok(gaps) => {
            let mut by_secret: Vec<AckGaps> = Vec::new();
            for g in gaps {
                if by_secret.last().is_none_or(|s| s.0 != g.secret_id) {
                    by_secret.push((g.secret_id, g.title.clone(), Vec::new()));
                }
                if let Some(s) = by_secret.last_mut() {
                    s.2.push((g.user, g.user_department, local_time(&g.since)));
                }
            }
            Some(by_secret)
        }
        Err(Error::Forbidden) => None,
        Err(e) => return Err(PageError(e, viewer.lang)),
    };
    Ok(render(&AcksPage { ctx: viewer.ctx(), items, outstanding }))
}

// ---------------------------------------------------------------- create / edit

/// The secret form as posted: list fields are one item per line.
#[derive(Deserialize, Default, Clone)]
pub struct SecretForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub manager: String,
    #[serde(default)]
    pub review_date: String,
    #[serde(default)]
    pub locations: String,
    #[serde(default)]
    pub marks: String,
    #[serde(default)]
    pub agreements: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub usefulness: String,
    #[serde(default)]
    pub non_public: String,
    #[serde(default)]
    pub secrecy_management: String,
    #[serde(default)]
    pub handling_rules: String,
    #[serde(default)]
    pub grants: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub revision: Option<i64>,
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn commas(s: &str) -> Vec<String> {
    s.split([',', '、', '，']).map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

impl SecretForm {
    fn input(&self) -> SecretInput {
        SecretInput {
            title: self.title.clone(),
            summary: self.summary.clone(),
            category: self.category.clone(),
            level: self.level.clone(),
            department: self.department.clone(),
            manager: Some(self.manager.clone()).filter(|m| !m.trim().is_empty()),
            review_date: Some(self.review_date.clone()).filter(|d| !d.trim().is_empty()),
            locations: lines(&self.locations),
            marks: lines(&self.marks),
            agreements: lines(&self.agreements),
            tags: commas(&self.tags),
            notes: maruhi_service::model::LegalNotes {
                usefulness: self.usefulness.clone(),
                non_public: self.non_public.clone(),
                secrecy_management: self.secrecy_management.clone(),
            },
            handling_rules: self.handling_rules.clone(),
            grants: commas(&self.grants),
            status: Some(self.status.clone()).filter(|s| !s.is_empty()),
            revision: self.revision,
        }
    }

    fn from_secret(s: &Secret, manager_username: String) -> Self {
        SecretForm {
            csrf: String::new(),
            title: s.title.clone(),
            summary: s.summary.clone(),
            category: s.category.id().to_owned(),
            level: s.level.clone(),
            department: s.department.clone(),
            manager: manager_username,
            review_date: s.review_date.clone().unwrap_or_default(),
            locations: s.locations.join("\n"),
            marks: s.marks.join("\n"),
            agreements: s.agreements.join("\n"),
            tags: s.tags.join(", "),
            usefulness: s.notes.usefulness.clone(),
            non_public: s.notes.non_public.clone(),
            secrecy_management: s.notes.secrecy_management.clone(),
            handling_rules: s.handling_rules.clone(),
            grants: String::new(),
            status: s.status.id().to_owned(),
            revision: Some(s.revision),
        }
    }
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    editing: Option<i64>,
    v: SecretForm,
    errors: HashMap<&'static str, &'static str>,
) -> Result<FormPage, PageError> {
    let levels = state.svc.levels().await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(FormPage { ctx: viewer.ctx(), editing, v, errors, levels, categories: categories(viewer.lang) })
}

pub async fn new_form(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    if !policy::may_create_secret(viewer.actor()) {
        return Err(PageError(Error::Forbidden, viewer.lang));
    }
    let v = SecretForm {
        manager: if viewer.actor().role == Role::Manager { viewer.actor().username.clone() } else { String::new() },
        status: "draft".to_owned(),
        ..SecretForm::default()
    };
    Ok(render(&form_page(&state, &viewer, None, v, HashMap::new()).await?))
}

pub async fn create(State(state): State<AppState>, viewer: Viewer, Form(form): Form<SecretForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    match state.svc.create_secret(viewer.actor(), form.input()).await {
        Ok(s) => Ok(Redirect::to(&format!("/secrets/{}", s.id)).into_response()),
        Err(e @ Error::Invalid(_)) => {
            let errors = field_errors(&e, viewer.lang);
            let page = form_page(&state, &viewer, None, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

pub async fn edit_form(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let lang = viewer.lang;
    let id = parse_id(&id, lang)?;
    let (secret, manager) = state.svc.secret_for_edit(viewer.actor(), id).await.map_err(|e| PageError(e, lang))?;
    let v = SecretForm::from_secret(&secret, manager);
    Ok(render(&form_page(&state, &viewer, Some(id), v, HashMap::new()).await?))
}

pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<SecretForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    match state.svc.update_secret(viewer.actor(), id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/secrets/{id}?saved=1")).into_response()),
        Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
            let mut errors = field_errors(&e, viewer.lang);
            if let Error::Conflict(m) = &e {
                errors.insert("form", m.text(viewer.lang));
            }
            let page = form_page(&state, &viewer, Some(id), form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

// ---------------------------------------------------------------- administration

async fn users_page(state: &AppState, viewer: &Viewer, errors: HashMap<&'static str, &'static str>) -> PageResult {
    let lang = viewer.lang;
    let users = state.svc.list_users(viewer.actor()).await.map_err(|e| PageError(e, lang))?;
    let page = UsersPage {
        ctx: viewer.ctx(),
        users: users
            .into_iter()
            .map(|u| {
                let label = u.role.label(lang);
                (u, label)
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| (r.id(), r.label(lang))).collect(),
        errors,
    };
    Ok(render(&page))
}

pub async fn users(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    users_page(&state, &viewer, HashMap::new()).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn add_user(State(state): State<AppState>, viewer: Viewer, Form(f): Form<NewUserForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let input = maruhi_service::admin::UserInput {
        username: f.username,
        display_name: f.display_name,
        email: f.email,
        department: f.department,
        role: f.role,
        password: Some(f.password).filter(|p| !p.is_empty()),
    };
    match state.svc.create_user(viewer.actor(), input).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e @ Error::Invalid(_)) => {
            let errors = field_errors(&e, viewer.lang);
            let resp = users_page(&state, &viewer, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, resp).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

#[derive(Deserialize)]
pub struct UpdateUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    disabled: Option<String>,
}

pub async fn update_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<UpdateUserForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    let upd = maruhi_service::admin::UserUpdate {
        display_name: f.display_name,
        email: f.email,
        department: f.department,
        role: f.role,
        disabled: f.disabled.is_some(),
    };
    match state.svc.update_user(viewer.actor(), id, upd).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(e @ Error::Invalid(_)) => {
            let errors = field_errors(&e, viewer.lang);
            let resp = users_page(&state, &viewer, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, resp).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

async fn groups_page(state: &AppState, viewer: &Viewer, errors: HashMap<&'static str, &'static str>) -> PageResult {
    let groups = state.svc.list_groups(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    let groups = groups
        .into_iter()
        .map(|(g, members)| {
            (
                g.name,
                g.description,
                members.into_iter().map(|u| format!("{} ({})", u.display_name, u.username)).collect(),
            )
        })
        .collect();
    Ok(render(&GroupsPage { ctx: viewer.ctx(), groups, errors }))
}

pub async fn groups(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    groups_page(&state, &viewer, HashMap::new()).await
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn add_group(State(state): State<AppState>, viewer: Viewer, Form(f): Form<GroupForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    match state.svc.create_group(viewer.actor(), &f.name, &f.description).await {
        Ok(_) => Ok(Redirect::to("/admin/groups").into_response()),
        Err(e @ Error::Invalid(_)) => {
            let resp = groups_page(&state, &viewer, field_errors(&e, viewer.lang)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, resp).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    remove: Option<String>,
}

pub async fn group_member(State(state): State<AppState>, viewer: Viewer, Form(f): Form<MemberForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    match state.svc.set_membership(viewer.actor(), &f.group, &f.username, f.remove.is_none()).await {
        Ok(()) => Ok(Redirect::to("/admin/groups").into_response()),
        Err(e @ Error::Invalid(_)) => {
            let resp = groups_page(&state, &viewer, field_errors(&e, viewer.lang)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, resp).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

/// The audit log's filters as the form sends them.
#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    object_type: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

impl AuditQuery {
    fn search(&self) -> maruhi_service::AuditSearch {
        maruhi_service::AuditSearch {
            action: self.action.clone(),
            actor: self.actor.clone(),
            object_type: self.object_type.clone(),
            object_id: self.object_id.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }

    fn encode(&self) -> String {
        ListForm::encode(&[
            ("action", self.action.as_str()),
            ("actor", self.actor.as_str()),
            ("object_type", self.object_type.as_str()),
            ("object_id", self.object_id.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ])
    }
}

pub async fn audit(State(state): State<AppState>, viewer: Viewer, Query(q): Query<AuditQuery>) -> PageResult {
    let lang = viewer.lang;
    let page = state
        .svc
        .audit_search(viewer.actor(), &q.search(), q.page.unwrap_or(1), 100)
        .await
        .map_err(|e| PageError(e, lang))?;
    let mut actions: Vec<(&'static str, &'static str)> =
        maruhi_service::audit::AuditAction::ALL.iter().map(|a| (a.id(), a.label(lang))).collect();
    actions.sort_by_key(|a| a.0);
    Ok(render(&AuditPage {
        ctx: viewer.ctx(),
        rows: page.items.iter().map(|e| HistoryView::new(e, lang)).collect(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
        query: q.encode(),
        actions,
        q,
    }))
}

/// `GET /audit/export.csv`: the filtered audit log as CSV.
pub async fn audit_csv(State(state): State<AppState>, viewer: Viewer, Query(q): Query<AuditQuery>) -> PageResult {
    let csv =
        state.svc.audit_csv(viewer.actor(), &q.search(), viewer.lang).await.map_err(|e| PageError(e, viewer.lang))?;
    let mut resp = csv.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"maruhi-audit.csv\""));
    Ok(resp)
}

async fn tokens_page(state: &AppState, viewer: &Viewer, new_token: Option<String>) -> PageResult {
    let uid = viewer.actor().user_id.unwrap_or(-1);
    let tokens = state.svc.tokens(viewer.actor(), uid).await.map_err(|e| PageError(e, viewer.lang))?;
    let tokens = tokens
        .into_iter()
        .map(|t| (t.id, t.name, t.scope, local_time(&t.created_at), t.revoked_at.is_some()))
        .collect();
    Ok(render(&TokensPage { ctx: viewer.ctx(), tokens, new_token }))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    error: Option<String>,
}

/// A signed-in user changes their own password.
pub async fn password_form(viewer: Viewer) -> PageResult {
    Ok(render(&PasswordPage { ctx: viewer.ctx(), error: None }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Every session of the user ends with the change, so the next page is the
/// login form.
pub async fn change_password(State(state): State<AppState>, viewer: Viewer, Form(f): Form<PasswordForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    match state.svc.change_own_password(viewer.actor(), &f.current_password, &f.new_password).await {
        Ok(()) => Ok(Redirect::to("/login").into_response()),
        Err(Error::Invalid(fields)) => {
            let error = fields.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" ");
            let page = render(&PasswordPage { ctx: viewer.ctx(), error: Some(error) });
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

pub async fn tokens(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    tokens_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

pub async fn create_token(State(state): State<AppState>, viewer: Viewer, Form(f): Form<TokenForm>) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let scope = Scope::parse(&f.scope).unwrap_or(Scope::Read);
    let username = viewer.actor().username.clone();
    let token = state
        .svc
        .create_token(viewer.actor(), &username, &f.name, scope)
        .await
        .map_err(|e| PageError(e, viewer.lang))?;
    tokens_page(&state, &viewer, Some(token.expose().to_owned())).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    state.svc.revoke_token(viewer.actor(), id).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/tokens").into_response())
}

pub async fn ledger(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let status = state.svc.ledger_status().await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(render(&LedgerPage {
        ctx: viewer.ctx(),
        size: status.size,
        public_key: status.public_key.unwrap_or_default(),
        checkpoint: status.latest.map(|c| (c.size, c.note, local_time(&c.signed_at))),
        cosigners: status
            .cosigners
            .into_iter()
            .map(|(name, ts)| {
                let at = ts
                    .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t as i64).ok())
                    .map(|t| local_time(&maruhi_service::clock::format_time(t)))
                    .unwrap_or_default();
                (name, at)
            })
            .collect(),
        anchor: status.anchor.map(|(size, tsa, at)| (size, tsa, local_time(&at))),
    }))
}

/// Downloads the offline proof of one ledger entry.
pub async fn ledger_proof(State(state): State<AppState>, viewer: Viewer, Path(index): Path<String>) -> PageResult {
    let index = parse_id(&index, viewer.lang)?;
    let proof = state.svc.ledger_proof_for(viewer.actor(), index).await.map_err(|e| PageError(e, viewer.lang))?;
    let mut resp = proof.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"maruhi-entry-{index}.tlog-proof\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

pub async fn stylesheet() -> impl IntoResponse {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    (headers, include_str!("../static/app.css"))
}
