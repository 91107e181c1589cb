//! Insider-risk pages: people ranked by score with their reasons, one
//! person's timeline, alerts, and an alert's evidence with its triage form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use maruhi_service::i18n::Lang;
use maruhi_service::identity::Alias;
use maruhi_service::risk::{
    human_bytes, AlertSearch, AlertView, DomainSuggestion, Person, RiskUser, ShownReason, ALERT_STATUSES,
};
use maruhi_service::{policy, Error};
use serde::Deserialize;

use super::{parse_id, render, PageResult};
use crate::web::{Ctx, PageError, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "risk.html")]
pub struct RiskPage {
    ctx: Ctx,
    as_of: String,
    users: Vec<UserRow>,
    analysed_at: String,
    events: i64,
    may_analyse: bool,
    message: Option<String>,
    /// What in the configuration skews the results, in the reader's language.
    warnings: Vec<String>,
    /// Domains that look like the company's own, to confirm.
    suggestions: Vec<DomainSuggestion>,
    may_set_domains: bool,
    /// The period the analysed data covers, in local days.
    period: Option<(String, String)>,
    /// Whether the as-of date was chosen (otherwise the end of the data).
    as_of_chosen: bool,
}

pub struct UserRow {
    pub rank: usize,
    pub user: String,
    pub person: Person,
    pub score: String,
    /// The score bar's width class, `w0` to `w100` in steps of 5 (percent
    /// of the highest score): the CSP allows no inline style.
    pub bar: String,
    pub watchlists: Vec<String>,
    pub open_alerts: i64,
    pub reasons: Vec<ShownReason>,
}

#[derive(Deserialize)]
pub struct RiskQuery {
    as_of: Option<String>,
    done: Option<String>,
}

/// The width class of a bar `part` of `whole` long (`w0` … `w100`).
pub fn bar_class(part: f64, whole: f64) -> String {
    let pct = if whole > 0.0 { (part / whole * 100.0).clamp(0.0, 100.0) } else { 0.0 };
    let step = ((pct / 5.0).round() as u32) * 5;
    format!("w{}", if part > 0.0 { step.max(5) } else { 0 })
}

pub fn rows(users: Vec<RiskUser>) -> Vec<UserRow> {
    let top = users.first().map(|u| u.score).unwrap_or(0.0).max(1.0);
    users
        .into_iter()
        .enumerate()
        .map(|(i, u)| UserRow {
            rank: i + 1,
            bar: bar_class(u.score, top),
            score: format!("{:.1}", u.score),
            person: Person::default(),
            user: u.user,
            watchlists: u.watchlists,
            open_alerts: u.open_alerts,
            reasons: u.reasons.into_iter().take(4).collect(),
        })
        .collect()
}

/// Adds names, departments and HR dates to ranked people.
pub async fn with_people(
    state: &AppState,
    actor: &maruhi_service::Actor,
    mut rows: Vec<UserRow>,
) -> Result<Vec<UserRow>, Error> {
    let people = state.svc.risk_people(actor).await?;
    for r in &mut rows {
        if let Some(p) = people.get(&r.user) {
            r.person = p.clone();
        }
    }
    Ok(rows)
}

/// The as-of time: the one asked for, or the end of the analysed data (not
/// today: imported logs usually end before today, and scores decay).
async fn as_of_or_end(
    state: &AppState,
    viewer: &Viewer,
    asked: Option<&str>,
) -> Result<(Option<time::OffsetDateTime>, Option<(String, String)>), PageError> {
    let lang = viewer.lang;
    let period = state.svc.risk_period(viewer.actor()).await.map_err(|e| PageError(e, lang))?;
    let shown = period.as_ref().map(|p| (local_day(&p.first_time), local_day(&p.last_time)));
    let as_of = match asked {
        Some(t) => Some(
            maruhi_service::risk::parse_as_of(t)
                .ok_or_else(|| PageError(Error::invalid("as_of", maruhi_service::i18n::Msg::BadDate), lang))?,
        ),
        None => period.and_then(|p| maruhi_service::risk::parse_as_of(&p.last_time)),
    };
    Ok((as_of, shown))
}

/// The local (Japan) day of an RFC 3339 time.
fn local_day(t: &str) -> String {
    super::local_time(t).get(..10).unwrap_or_default().to_owned()
}

/// Open alerts (new or under investigation) of one severity.
pub struct SeverityCount {
    pub severity: &'static str,
    pub new: usize,
    pub investigating: usize,
    /// The day of the oldest open alert.
    pub oldest: String,
}

/// Severities, most severe first (Sigma's levels).
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "informational"];

/// Open alerts counted by severity and status, with the oldest day.
pub async fn open_by_severity(
    state: &AppState,
    actor: &maruhi_service::Actor,
    _lang: Lang,
) -> Result<Vec<SeverityCount>, Error> {
    let mut out: Vec<SeverityCount> = SEVERITIES
        .iter()
        .map(|s| SeverityCount { severity: s, new: 0, investigating: 0, oldest: String::new() })
        .collect();
    for status in ["new", "investigating"] {
        let search = AlertSearch { status: Some(status.to_owned()), limit: 10_000, ..AlertSearch::default() };
        for a in state.svc.search_alerts(actor, &search).await?.alerts {
            let Some(c) = out.iter_mut().find(|c| c.severity == a.severity) else { continue };
            if status == "new" {
                c.new += 1;
            } else {
                c.investigating += 1;
            }
            if c.oldest.is_empty() || a.day < c.oldest {
                c.oldest = a.day.clone();
            }
        }
    }
    out.retain(|c| c.new + c.investigating > 0);
    Ok(out)
}

pub async fn ranked(State(state): State<AppState>, viewer: Viewer, Query(q): Query<RiskQuery>) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let as_of_text = q.as_of.clone().filter(|s| !s.is_empty());
    let (as_of, period) = as_of_or_end(&state, &viewer, as_of_text.as_deref()).await?;
    let users = state.svc.risk_users(viewer.actor(), as_of, 50, lang).await.map_err(err)?;
    let users = with_people(&state, viewer.actor(), rows(users)).await.map_err(err)?;
    let (analysed_at, events, _, _) = state.svc.risk_analysis(viewer.actor()).await.map_err(err)?;
    let message = q.done.as_deref().map(|d| format!("{} ({d})", viewer.ctx().t("risk.analysed")));
    let warnings = state.svc.risk_warnings(viewer.actor()).await.map_err(err)?;
    let suggestions = state.svc.suggest_company_domains(viewer.actor()).await.map_err(err)?;
    Ok(render(&RiskPage {
        ctx: viewer.ctx(),
        as_of_chosen: as_of_text.is_some(),
        as_of: as_of_text.or_else(|| period.as_ref().map(|p| p.1.clone())).unwrap_or_default(),
        period,
        users,
        analysed_at: analysed_at.as_deref().map(super::local_time).unwrap_or_default(),
        events,
        may_analyse: policy::may_analyse_risk(viewer.actor()),
        message,
        warnings: warnings.iter().map(|w| w.text(lang).to_owned()).collect(),
        suggestions,
        may_set_domains: policy::may_manage_risk_settings(viewer.actor()),
    }))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    domain: String,
}

/// Confirms a suggested domain as the company's own.
pub async fn confirm_domain(State(state): State<AppState>, viewer: Viewer, Form(form): Form<DomainForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    state.svc.set_risk_domain(viewer.actor(), &form.domain, "company").await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/risk").into_response())
}

#[derive(Template)]
#[template(path = "identities.html")]
pub struct IdentitiesPage {
    ctx: Ctx,
    aliases: Vec<Alias>,
    may_manage: bool,
    error: Option<String>,
}

async fn identities_page(state: &AppState, viewer: &Viewer, error: Option<String>) -> PageResult {
    let aliases = state.svc.identities(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(render(&IdentitiesPage { ctx: viewer.ctx(), aliases, may_manage: policy::may_manage_hr(viewer.actor()), error }))
}

/// `GET /identities`: every alias and the name it resolves to.
pub async fn identities(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    identities_page(&state, &viewer, None).await
}

#[derive(Deserialize)]
pub struct AliasForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    alias: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    note: String,
}

/// `POST /identities`: adds a hand-made alias.
pub async fn add_identity(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AliasForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    match state.svc.identity_add(viewer.actor(), &form.alias, &form.user, &form.note).await {
        Ok(_) => Ok(Redirect::to("/identities").into_response()),
        Err(Error::Invalid(fields)) => {
            let message = fields.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" ");
            identities_page(&state, &viewer, Some(message)).await
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

/// `POST /identities/remove`: removes a hand-made alias.
pub async fn remove_identity(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AliasForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    state.svc.identity_remove(viewer.actor(), &form.alias).await.map_err(|e| PageError(e, viewer.lang))?;
    Ok(Redirect::to("/identities").into_response())
}

pub async fn analyse(State(state): State<AppState>, viewer: Viewer, Form(form): Form<CsrfForm>) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let report = state.svc.analyse_risk(viewer.actor()).await.map_err(|e| PageError(e, viewer.lang))?;
    let done = format!("{}/{}/{}", report.events, report.alerts, report.new_alerts);
    Ok(Redirect::to(&format!("/risk?done={done}")).into_response())
}

#[derive(Template)]
#[template(path = "risk_user.html")]
pub struct PersonPage {
    ctx: Ctx,
    user: String,
    person: Person,
    score: String,
    watchlists: Vec<String>,
    reasons: Vec<ShownReason>,
    alerts: Vec<AlertRow>,
    /// Activity by day, newest first.
    days: Vec<DayRow>,
    as_of: String,
    period: Option<(String, String)>,
}

/// One day of a person's indicators: a bar for the day's points, the
/// behaviours (rules) seen and the indicators behind them.
pub struct DayRow {
    day: String,
    bar: String,
    points: String,
    /// (behaviour, severity, how many) that day.
    kinds: Vec<(String, String, usize)>,
    /// (behaviour, severity, reason, evidence events) that day.
    items: Vec<(String, String, String, usize)>,
}

#[derive(Deserialize)]
pub struct PersonQuery {
    as_of: Option<String>,
}

pub async fn person(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(user): Path<String>,
    Query(q): Query<PersonQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let asked = q.as_of.filter(|s| !s.is_empty());
    let (as_of, period) = as_of_or_end(&state, &viewer, asked.as_deref()).await?;
    let p = state.svc.risk_person(viewer.actor(), &user, as_of, lang).await.map_err(err)?;
    let people = state.svc.risk_people(viewer.actor()).await.map_err(err)?;
    // Indicators come newest first; group them by day, keeping that order.
    let mut days: Vec<DayRow> = Vec::new();
    let mut totals: Vec<f64> = Vec::new();
    for i in &p.indicators {
        let day = i.day.to_string();
        if days.last().is_none_or(|d| d.day != day) {
            days.push(DayRow { day, bar: String::new(), points: String::new(), kinds: Vec::new(), items: Vec::new() });
            totals.push(0.0);
        }
        let (Some(d), Some(total)) = (days.last_mut(), totals.last_mut()) else { continue };
        *total += i.weight;
        let title = lang.pick(&i.title_ja, &i.title).clone();
        let level = i.level.as_str().to_owned();
        match d.kinds.iter_mut().find(|k| k.0 == title) {
            Some(k) => k.2 += 1,
            None => d.kinds.push((title.clone(), level.clone(), 1)),
        }
        d.items.push((title, level, lang.pick(&i.reason.ja, &i.reason.en).clone(), i.event_ids.len()));
    }
    let top = totals.iter().copied().fold(0.0, f64::max);
    for (d, t) in days.iter_mut().zip(&totals) {
        d.bar = bar_class(*t, top);
        d.points = format!("{t:.1}");
    }
    Ok(render(&PersonPage {
        ctx: viewer.ctx(),
        score: format!("{:.1}", p.score),
        watchlists: p.watchlists,
        reasons: p.reasons,
        alerts: p.alerts.into_iter().map(|a| alert_row(a, lang)).collect(),
        days,
        as_of: asked.or_else(|| period.as_ref().map(|p| p.1.clone())).unwrap_or_default(),
        period,
        person: people.get(&p.user).cloned().unwrap_or_default(),
        user: p.user,
    }))
}

pub struct AlertRow {
    id: i64,
    day: String,
    user: String,
    name: String,
    severity: String,
    rule: String,
    title: String,
    reason: String,
    events: i64,
    status: String,
    /// Alerts in the row: more than one when grouped by person and rule.
    count: usize,
    /// Who works it (display name).
    assignee: String,
    /// The alerts the row stands for (several when grouped).
    ids: Vec<i64>,
}

impl AlertRow {
    /// The row's checkbox name in the bulk form: `a<id>` for one alert,
    /// `g<id>-<id>-…` for a group, so ticking a group decides all of it.
    fn pick_name(&self) -> String {
        if self.ids.len() > 1 {
            format!("g{}", self.ids.iter().map(i64::to_string).collect::<Vec<_>>().join("-"))
        } else {
            format!("a{}", self.id)
        }
    }
}

fn alert_row(a: AlertView, lang: Lang) -> AlertRow {
    let reason = a.reasons.first().map(|r| lang.pick(&r.ja, &r.en).clone()).unwrap_or_default();
    AlertRow {
        id: a.id,
        day: a.day,
        user: a.user,
        name: String::new(),
        severity: a.severity,
        rule: a.rule,
        title: lang.pick(&a.title_ja, &a.title).clone(),
        reason,
        events: a.event_count,
        status: a.status,
        count: 1,
        assignee: a.assignee.map(|a| a.name).unwrap_or_default(),
        ids: vec![a.id],
    }
}

fn severity_rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(SEVERITIES.len())
}

#[derive(Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    ctx: Ctx,
    q: AlertsQuery,
    statuses: &'static [&'static str],
    severities: &'static [&'static str],
    /// (rule id, title) of the rules that raised alerts.
    rules: Vec<(String, String)>,
    alerts: Vec<AlertRow>,
    total: i64,
    /// This list's address, to come back to after a bulk decision.
    here: String,
    error: Option<String>,
    /// The bulk form's input, kept when it is refused.
    bulk_status: String,
    bulk_comment: String,
    done: Option<usize>,
    /// (login name, display name) of those alerts may be assigned to.
    assignees: Vec<(String, String)>,
    /// The viewer's login name, for "assigned to me".
    me: String,
}

impl AlertsPage {
    /// The address of this list sorted by `key`: a second click on the
    /// current key turns the order round.
    fn sort_link(&self, key: &str) -> String {
        let order = if self.q.sort == key && self.q.order != "asc" { "asc" } else { "desc" };
        let mut q = self.q.clone();
        q.sort = key.to_owned();
        q.order = order.to_owned();
        format!("/alerts{}", q.encode())
    }

    /// `ascending`, `descending` or `none`, for `aria-sort`.
    fn aria_sort(&self, key: &str) -> &'static str {
        match (self.q.sort == key || (self.q.sort.is_empty() && key == "day"), self.q.order == "asc") {
            (false, _) => "none",
            (true, true) => "ascending",
            (true, false) => "descending",
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct AlertsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    done: Option<usize>,
}

impl AlertsQuery {
    fn encode(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("severity", &self.severity),
            ("user", &self.user),
            ("department", &self.department),
            ("rule", &self.rule),
            ("assignee", &self.assignee),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
            ("order", &self.order),
            ("group", &self.group),
        ];
        let mut out = String::new();
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            out.push_str(&super::url_encode(v));
        }
        out
    }

    fn search(&self) -> AlertSearch {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        AlertSearch {
            status: some(&self.status).filter(|s| ALERT_STATUSES.contains(&s.as_str())),
            user: some(&self.user),
            severity: some(&self.severity),
            rule: some(&self.rule),
            assignee: some(&self.assignee),
            day_from: some(&self.from),
            day_to: some(&self.to),
            limit: 10_000,
            offset: 0,
        }
    }
}

async fn alerts_page(
    state: &AppState,
    viewer: &Viewer,
    q: AlertsQuery,
    error: Option<String>,
    bulk: (String, String),
) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let found = state.svc.search_alerts(viewer.actor(), &q.search()).await.map_err(err)?;
    let people = state.svc.risk_people(viewer.actor()).await.map_err(err)?;
    let mut rules: Vec<(String, String)> = Vec::new();
    let mut alerts: Vec<AlertRow> = Vec::new();
    for a in found.alerts {
        let person = people.get(&a.user);
        let department = person.map(|p| p.department.as_str()).unwrap_or("");
        if !q.department.is_empty() && department != q.department {
            continue;
        }
        let mut row = alert_row(a, lang);
        row.name = person.map(|p| p.name.clone()).unwrap_or_default();
        if !rules.iter().any(|(r, _)| *r == row.rule) {
            rules.push((row.rule.clone(), row.title.clone()));
        }
        alerts.push(row);
    }
    rules.sort_by(|a, b| a.1.cmp(&b.1));
    if q.group == "1" {
        // One row per person and rule: the newest alert stands for the
        // group, with the highest severity and how many there are.
        let mut groups: Vec<AlertRow> = Vec::new();
        for a in alerts {
            match groups.iter_mut().find(|g| g.user == a.user && g.rule == a.rule) {
                Some(g) => {
                    g.count += 1;
                    g.ids.push(a.id);
                    g.events += a.events;
                    if severity_rank(&a.severity) < severity_rank(&g.severity) {
                        g.severity = a.severity;
                    }
                }
                None => groups.push(a),
            }
        }
        alerts = groups;
    }
    let asc = q.order == "asc";
    match q.sort.as_str() {
        "user" => alerts.sort_by(|a, b| a.user.cmp(&b.user)),
        "severity" => alerts.sort_by_key(|a| std::cmp::Reverse(severity_rank(&a.severity))),
        "rule" => alerts.sort_by(|a, b| a.title.cmp(&b.title)),
        "status" => alerts.sort_by(|a, b| a.status.cmp(&b.status)),
        "events" => alerts.sort_by_key(|a| a.events),
        _ => alerts.sort_by(|a, b| a.day.cmp(&b.day).then(a.id.cmp(&b.id))),
    }
    if !asc {
        alerts.reverse();
    }
    let here = format!("/alerts{}", q.encode());
    Ok(render(&AlertsPage {
        ctx: viewer.ctx(),
        statuses: &ALERT_STATUSES,
        severities: &SEVERITIES,
        rules,
        total: alerts.len() as i64,
        alerts,
        here,
        error,
        bulk_status: bulk.0,
        bulk_comment: bulk.1,
        done: q.done,
        assignees: state.svc.alert_assignees(viewer.actor()).await.map_err(err)?,
        me: viewer.actor().username.clone(),
        q,
    }))
}

pub async fn list(State(state): State<AppState>, viewer: Viewer, Query(q): Query<AlertsQuery>) -> PageResult {
    alerts_page(&state, &viewer, q, None, (String::new(), String::new())).await
}

/// `POST /alerts/bulk`: one decision and one comment for the ticked alerts
/// (checkboxes named `a<id>`). A refused decision changes nothing and the
/// list comes back with the input kept.
pub async fn bulk_triage(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    viewer.check_csrf(&field("csrf"))?;
    if !policy::may_triage(viewer.actor()) {
        return Err(PageError(Error::Forbidden, viewer.lang));
    }
    let back = field("back");
    let back = if crate::web::safe_local_path(&back) && back.starts_with("/alerts") { back } else { "/alerts".into() };
    let query: AlertsQuery = back
        .split_once('?')
        .and_then(|(_, q)| Query::<AlertsQuery>::try_from_uri(&format!("/?{q}").parse().ok()?).ok())
        .map(|Query(q)| q)
        .unwrap_or_default();
    // `a<id>` ticks one alert, `g<id>-<id>-…` a group of them.
    let mut ids: Vec<i64> = form
        .keys()
        .filter_map(|k| k.strip_prefix('a').or_else(|| k.strip_prefix('g')))
        .flat_map(|v| v.split('-'))
        .filter_map(|id| id.parse::<i64>().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let (status, comment, assignee) = (field("status"), field("comment"), field("assignee"));
    let lang = viewer.lang;
    let refuse = |msg: String| (Some(msg), (status.clone(), comment.clone()));
    let (error, bulk) = if ids.is_empty() {
        refuse(viewer.ctx().t("alerts.bulk_none").to_owned())
    } else {
        let mut refused = None;
        // Check the decision once before recording it on every alert, so
        // a refusal leaves all of them as they were.
        if !ALERT_STATUSES.contains(&status.as_str()) {
            refused = Some(Error::invalid("status", maruhi_service::i18n::Msg::UnknownAlertStatus));
        } else if matches!(status.as_str(), "dismissed" | "confirmed") && comment.trim().is_empty() {
            refused = Some(Error::invalid("comment", maruhi_service::i18n::Msg::ReasonRequired));
        }
        if refused.is_none() && assignee != "-" && !assignee.is_empty() {
            let known = state.svc.alert_assignees(viewer.actor()).await.map_err(|e| PageError(e, lang))?;
            if !known.iter().any(|(u, _)| *u == assignee) {
                refused = Some(Error::invalid("assignee", maruhi_service::i18n::Msg::AssigneeMayNotTriage));
            }
        }
        match refused {
            Some(Error::Invalid(fields)) => {
                refuse(fields.iter().map(|f| f.msg.text(lang)).collect::<Vec<_>>().join(" "))
            }
            Some(e) => return Err(PageError(e, lang)),
            None => {
                // Every ticked alert must exist before any is decided: a
                // refused request changes nothing.
                let all = AlertSearch { limit: 10_000, ..AlertSearch::default() };
                let known: std::collections::HashSet<i64> = state
                    .svc
                    .search_alerts(viewer.actor(), &all)
                    .await
                    .map_err(|e| PageError(e, lang))?
                    .alerts
                    .iter()
                    .map(|a| a.id)
                    .collect();
                if ids.iter().any(|id| !known.contains(id)) {
                    return Err(PageError(Error::NotFound, lang));
                }
                for id in &ids {
                    state
                        .svc
                        .triage_alert(viewer.actor(), *id, &status, &comment)
                        .await
                        .map_err(|e| PageError(e, lang))?;
                    // `-` keeps each alert's assignee; empty assigns to no one.
                    if assignee != "-" {
                        state.svc.assign_alert(viewer.actor(), *id, &assignee).await.map_err(|e| PageError(e, lang))?;
                    }
                }
                let sep = if back.contains('?') { '&' } else { '?' };
                return Ok(Redirect::to(&format!("{back}{sep}done={}", ids.len())).into_response());
            }
        }
    };
    alerts_page(&state, &viewer, query, error, bulk).await
}

#[derive(Template)]
#[template(path = "alert.html")]
pub struct AlertPage {
    ctx: Ctx,
    alert: AlertView,
    title: String,
    severity_key: String,
    status_key: String,
    reasons: Vec<String>,
    first: String,
    last: String,
    events: Vec<EventRow>,
    statuses: &'static [&'static str],
    may_triage: bool,
    may_open_case: bool,
    error: Option<String>,
    /// The form's input: what was chosen and written, kept on an error.
    form_status: String,
    form_comment: String,
    person: Person,
    /// Other alerts of the same person, newest first.
    related: Vec<AlertRow>,
    /// (when, who, what changed, comment), oldest first.
    history: Vec<(String, String, String, String)>,
    assignees: Vec<(String, String)>,
    /// The assignee form's message when it was refused.
    assign_error: Option<String>,
}

pub struct EventRow {
    time: String,
    /// The action in words (the code when it is not in the vocabulary).
    action: String,
    host: String,
    what: String,
    size: String,
    id: String,
    /// Mail attachments: (name, size).
    attachments: Vec<(String, String)>,
    /// Registered secrets the file belongs to: (id, the person may access it).
    secrets: Vec<(String, bool)>,
}

fn event_row(e: &serde_json::Value, ctx: &Ctx) -> EventRow {
    let s = |path: &[&str]| {
        let mut v = e;
        for p in path {
            v = &v[*p];
        }
        match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Array(a) => {
                a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect::<Vec<_>>().join(", ")
            }
            _ => String::new(),
        }
    };
    let what = [s(&["file", "path"]), s(&["url", "full"]), s(&["email", "to"]), s(&["device", "name"])]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let size = e["file"]["size"]
        .as_u64()
        .or_else(|| e["http"]["request"]["bytes"].as_u64())
        .or_else(|| e["email"]["size"].as_u64())
        .map(|b| human_bytes(b as f64))
        .unwrap_or_default();
    let attachments = e["email"]["attachments"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    let name = x["name"].as_str().unwrap_or_default().to_owned();
                    (name, x["size"].as_u64().map(|b| human_bytes(b as f64)).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    let code = s(&["event", "action"]);
    let label = ctx.t(&format!("action.{code}"));
    EventRow {
        time: super::local_time(&s(&["@timestamp"])),
        action: if label == "??" { code } else { label.to_owned() },
        host: s(&["host", "name"]),
        what,
        size,
        id: s(&["event", "id"]),
        attachments,
        secrets: Vec::new(),
    }
}

async fn alert_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    form: Option<(TriageForm, String)>,
    assign_error: Option<String>,
) -> PageResult {
    let lang = viewer.lang;
    let err = |e| PageError(e, lang);
    let ctx = viewer.ctx();
    let detail = state.svc.alert(viewer.actor(), id).await.map_err(err)?;
    let reasons = detail.alert.reasons.iter().map(|r| lang.pick(&r.ja, &r.en).clone()).collect();
    let people = state.svc.risk_people(viewer.actor()).await.map_err(err)?;
    let search = AlertSearch { user: Some(detail.alert.user.clone()), limit: 20, ..AlertSearch::default() };
    let related = state
        .svc
        .search_alerts(viewer.actor(), &search)
        .await
        .map_err(err)?
        .alerts
        .into_iter()
        .filter(|a| a.id != id)
        .map(|a| alert_row(a, lang))
        .collect();
    let status_text =
        |v: &serde_json::Value| v.as_str().map(|s| ctx.t(&format!("alert.status.{s}")).to_owned()).unwrap_or_default();
    let history = state
        .svc
        .alert_history(viewer.actor(), id)
        .await
        .map_err(err)?
        .into_iter()
        .filter_map(|e| {
            let what = match e.action.as_str() {
                "risk.triage" => format!(
                    "{} → {}",
                    status_text(&e.summary["status"]["before"]),
                    status_text(&e.summary["status"]["after"])
                ),
                "risk.assign" => format!(
                    "{}: {} → {}",
                    ctx.t("alert.assignee"),
                    e.summary["assignee"]["before"].as_str().unwrap_or("—"),
                    e.summary["assignee"]["after"].as_str().unwrap_or("—")
                ),
                _ => return None,
            };
            Some((
                super::local_time(&e.at),
                e.actor.clone(),
                what,
                e.summary["comment"].as_str().unwrap_or_default().to_owned(),
            ))
        })
        .collect();
    let (error, form_status, form_comment) = match form {
        Some((f, message)) => (Some(message), f.status, f.comment),
        None => (None, detail.alert.status.clone(), detail.alert.comment.clone()),
    };
    Ok(render(&AlertPage {
        first: super::local_time(&detail.alert.first_event_time),
        last: super::local_time(&detail.alert.last_event_time),
        reasons,
        events: detail
            .events
            .iter()
            .zip(detail.secrets.iter().map(Some).chain(std::iter::repeat(None)))
            .map(|(e, secrets)| EventRow {
                secrets: secrets.into_iter().flatten().map(|f| (f.secret_id.clone(), f.entitled)).collect(),
                ..event_row(e, &ctx)
            })
            .collect(),
        statuses: &ALERT_STATUSES,
        may_triage: policy::may_triage(viewer.actor()),
        may_open_case: maruhi_service::cases::may_open_case(viewer.actor()),
        error,
        form_status,
        form_comment,
        person: people.get(&detail.alert.user).cloned().unwrap_or_default(),
        related,
        history,
        assignees: state.svc.alert_assignees(viewer.actor()).await.map_err(err)?,
        assign_error,
        title: lang.pick(&detail.alert.title_ja, &detail.alert.title).clone(),
        severity_key: format!("severity.{}", detail.alert.severity),
        status_key: format!("alert.status.{}", detail.alert.status),
        alert: detail.alert,
        ctx,
    }))
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id, viewer.lang)?;
    alert_page(&state, &viewer, id, None, None).await
}

#[derive(Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

pub async fn triage(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TriageForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    match state.svc.triage_alert(viewer.actor(), id, &form.status, &form.comment).await {
        Ok(_) => Ok(Redirect::to(&format!("/alerts/{id}#record")).into_response()),
        Err(Error::Invalid(fields)) => {
            let message = fields.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" ");
            alert_page(&state, &viewer, id, Some((form, message)), None).await
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    assignee: String,
}

/// `POST /alerts/{id}/assign`: gives the alert to someone who may triage
/// alerts, or to no one.
pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> PageResult {
    viewer.check_csrf(&form.csrf)?;
    let id = parse_id(&id, viewer.lang)?;
    match state.svc.assign_alert(viewer.actor(), id, &form.assignee).await {
        Ok(_) => Ok(Redirect::to(&format!("/alerts/{id}#record")).into_response()),
        Err(Error::Invalid(fields)) => {
            let message = fields.iter().map(|f| f.msg.text(viewer.lang)).collect::<Vec<_>>().join(" ");
            alert_page(&state, &viewer, id, None, Some(message)).await
        }
        Err(e) => Err(PageError(e, viewer.lang)),
    }
}
