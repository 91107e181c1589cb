//! Insider-risk detection inside an installation: replays the stored
//! activity events through the rule pack (maruhi-risk) with what the
//! installation knows (HR dates, watchlists, registered secrets' locations and
//! access lists, the company's and competitors' domains), stores indicators
//! and alerts, ranks people, and records alerts and triage decisions in the
//! audit trail.
//!
//! An analysis replays every stored event in time order, so a resignation
//! notice imported today re-scores the 90 days before it, and a rule changed
//! today applies to the past. Alerts keep their triage state across analyses
//! by their stable key (rule/user/day).

use std::sync::Arc;

use maruhi_risk::sigma::{Level, RuleSet};
use maruhi_risk::{Category, Context, Engine, Indicator, Pack, Reason, SecretArea};
use maruhi_store::risk::{AlertFilter, AlertRow, IndicatorRow, NewAlert};
use serde::Serialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

pub use maruhi_risk::engine::human_bytes;

use crate::audit::{self, AuditAction, Event};
use crate::i18n::{Lang, Msg};
use crate::identity::Identities;
use crate::{policy, Actor, Error, Result, Service};

/// Events read per page when replaying the store.
const PAGE: i64 = 20_000;

/// A loaded rule pack: the compiled rules and the pack's domain lists.
pub struct RulePack {
    pack: Pack,
    rules: RuleSet,
}

impl std::fmt::Debug for RulePack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulePack").field("rules", &self.rules.rules().len()).finish()
    }
}

impl RulePack {
    /// Compiles a pack; every rule error is reported, one per line.
    pub fn load(pack: Pack) -> std::result::Result<RulePack, String> {
        let rules =
            pack.compile().map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
        Ok(RulePack { pack, rules })
    }

    /// The pack compiled into maruhi.
    pub fn builtin() -> std::result::Result<RulePack, String> {
        RulePack::load(Pack::builtin())
    }

    /// The compiled rules.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Reads a rule folder: every `*.yml`/`*.yaml` in it, and the domain
    /// lists in `lists/` (a list missing there is the built-in one).
    pub fn from_dir(dir: &std::path::Path) -> std::result::Result<RulePack, String> {
        let read_dir = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names: Vec<std::path::PathBuf> = read_dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(format!("{}: no rule files (*.yml)", dir.display()));
        }
        let mut pack = Pack { rules: Vec::new(), lists: Vec::new() };
        for path in names {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            pack.rules.push((path.display().to_string(), text));
        }
        for (category, builtin) in Pack::builtin().lists {
            let path = dir.join(Pack::list_file(category));
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            pack.lists.push((category, text));
        }
        RulePack::load(pack)
    }

    /// Writes the built-in pack's files into `dir`, which must not hold rule
    /// files yet.
    pub fn export_builtin(dir: &std::path::Path) -> std::result::Result<Vec<std::path::PathBuf>, String> {
        let pack = Pack::builtin();
        std::fs::create_dir_all(dir.join("lists")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut written = Vec::new();
        let files = pack
            .rules
            .iter()
            .map(|(n, t)| (n.clone(), t))
            .chain(pack.lists.iter().map(|(c, t)| (Pack::list_file(*c), t)));
        for (name, text) in files {
            let path = dir.join(&name);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// What one analysis did.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisReport {
    pub events: u64,
    pub skipped_without_user: u64,
    pub unreadable: u64,
    pub indicators: usize,
    pub alerts: usize,
    pub new_alerts: usize,
    pub people: usize,
    pub seconds: f64,
    /// Configuration that makes results less trustworthy (see
    /// [`Service::risk_warnings`]).
    pub warnings: Vec<RiskWarning>,
}

/// Something in the installation's configuration that skews detection, in
/// both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskWarning {
    /// `no-company-domain`, `secret-department-fallback` or
    /// `secret-access-unknown`.
    pub code: &'static str,
    pub ja: String,
    pub en: String,
}

impl RiskWarning {
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.ja, &self.en)
    }
}

/// A domain the company probably owns, inferred from where its people's
/// names and addresses point, for an administrator to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainSuggestion {
    /// The registrable domain (`example.co.jp` for `corp.example.co.jp`).
    pub domain: String,
    /// How many distinct people's addresses or names are under it.
    pub people: usize,
    /// Where it was seen: `user-email`, `hr`.
    pub sources: Vec<&'static str>,
}

/// A page of alerts and how many there are in all.
#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub alerts: Vec<AlertView>,
}

/// A reason as shown to a reader: the text in their language and both
/// originals.
#[derive(Debug, Clone, Serialize)]
pub struct ShownReason {
    pub rule: String,
    pub points: f64,
    pub count: usize,
    pub text: String,
    pub ja: String,
    pub en: String,
}

/// A person in the ranked list.
#[derive(Debug, Clone, Serialize)]
pub struct RiskUser {
    pub user: String,
    pub score: f64,
    pub reasons: Vec<ShownReason>,
    pub watchlists: Vec<String>,
    pub open_alerts: i64,
}

/// An alert as shown.
#[derive(Debug, Clone, Serialize)]
pub struct AlertView {
    pub id: i64,
    pub key: String,
    pub user: String,
    pub rule: String,
    pub title: String,
    pub title_ja: String,
    pub severity: String,
    pub day: String,
    pub first_event_time: String,
    pub last_event_time: String,
    pub event_count: i64,
    pub event_ids: Vec<String>,
    pub reasons: Vec<Reason>,
    pub status: String,
    pub comment: String,
    pub stale: bool,
    pub updated_at: String,
    pub updated_by: Option<String>,
    /// Who works the alert: login name and display name.
    pub assignee: Option<Assignee>,
}

/// The user an alert is assigned to.
#[derive(Debug, Clone, Serialize)]
pub struct Assignee {
    pub username: String,
    pub name: String,
}

/// An alert with its evidence events (canonical JSON), oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    pub alert: AlertView,
    pub events: Vec<serde_json::Value>,
    /// For each event (same order), the registered secrets its file
    /// belongs to by their storage locations. Ids only: titles are
    /// need-to-know.
    #[serde(skip)]
    pub secrets: Vec<Vec<FileSecret>>,
}

/// A registered secret an event's file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSecret {
    pub secret_id: String,
    /// The alert's person is on the secret's access list (or who needs to
    /// know it is unknown).
    pub entitled: bool,
}

/// One person's indicators, newest first, with their score.
#[derive(Debug, Clone, Serialize)]
pub struct RiskPerson {
    pub user: String,
    pub score: f64,
    pub reasons: Vec<ShownReason>,
    pub watchlists: Vec<String>,
    pub indicators: Vec<Indicator>,
    pub alerts: Vec<AlertView>,
}

/// Which alerts to list; empty strings are no condition.
#[derive(Debug, Clone, Default)]
pub struct AlertSearch {
    pub status: Option<String>,
    /// Any of the person's names.
    pub user: Option<String>,
    pub severity: Option<String>,
    pub rule: Option<String>,
    /// Alerts assigned to this user (login name).
    pub assignee: Option<String>,
    pub day_from: Option<String>,
    pub day_to: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// A person as the risk pages name them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Person {
    pub name: String,
    pub department: String,
    pub notice_date: Option<String>,
    pub last_working_day: Option<String>,
    pub end_date: Option<String>,
}

/// The period the analysed activity covers.
#[derive(Debug, Clone, Serialize)]
pub struct RiskPeriod {
    /// The first indicator's time (RFC 3339).
    pub first_time: String,
    /// The last indicator's time (RFC 3339).
    pub last_time: String,
}

/// Triage states of an alert.
pub const ALERT_STATUSES: [&str; 4] = ["new", "investigating", "dismissed", "confirmed"];

impl Service {
    /// Uses `pack` for detection instead of the built-in rules.
    pub fn with_rule_pack(mut self, pack: RulePack) -> Service {
        self.rule_pack = Some(Ok(Arc::new(pack)));
        self
    }

    /// The installation's rule folder does not load (`why` names the files
    /// and problems): analyses are refused until it is fixed, while
    /// everything else, stored results included, works as before.
    pub fn with_broken_rule_pack(mut self, why: String) -> Service {
        self.rule_pack = Some(Err(why));
        self
    }

    /// The rules to analyse with.
    fn rule_pack(&self) -> Result<Arc<RulePack>> {
        match &self.rule_pack {
            Some(Ok(p)) => Ok(p.clone()),
            Some(Err(_)) => Err(Error::Conflict(Msg::RulesBroken)),
            None => self.builtin_rule_pack(),
        }
    }

    /// The pack whose domain lists scoring reads: the installation's when it
    /// loads, else the built-in one.
    fn list_pack(&self) -> Result<Arc<RulePack>> {
        match &self.rule_pack {
            Some(Ok(p)) => Ok(p.clone()),
            _ => self.builtin_rule_pack(),
        }
    }

    fn builtin_rule_pack(&self) -> Result<Arc<RulePack>> {
        let mut cached = self.builtin_pack.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cached.as_ref() {
            return Ok(p.clone());
        }
        // The built-in pack is tested to load; failing here is a build error.
        let pack = Arc::new(
            RulePack::builtin().map_err(|e| Error::Internal(format!("the built-in rule pack does not load: {e}")))?,
        );
        *cached = Some(pack.clone());
        Ok(pack)
    }

    /// What detection knows beside the events, with every person under
    /// their canonical name (`ids`). A secret with neither an access list
    /// nor an owning department is unrestricted: who needs to know it is
    /// unknown, so no access to it is a violation (see
    /// [`Service::risk_warnings`]).
    async fn risk_context(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        pack: &Pack,
        ids: &Identities,
    ) -> Result<Context> {
        let mut ctx = Context::new();
        pack.classify_domains(&mut ctx);
        for (domain, category) in maruhi_store::risk::domains(conn).await? {
            let category = if category == "company" { Category::Company } else { Category::Competitor };
            ctx.set_domain(&domain, category);
        }
        let users = maruhi_store::users::list(conn).await?;
        for s in maruhi_store::risk::secret_scopes(conn).await? {
            let mut need_to_know: std::collections::BTreeSet<String> =
                s.need_to_know.iter().map(|u| ids.canonical(u)).collect();
            if !s.granted && !s.department.is_empty() {
                // No access list: the owning department needs to know
                // (METI's guidelines: access restricted to those who need
                // it, which a department usually is).
                need_to_know
                    .extend(users.iter().filter(|u| u.department == s.department).map(|u| ids.canonical(&u.username)));
            }
            ctx.add_secret(SecretArea {
                secret_id: s.id.to_string(),
                title: s.title,
                paths: s.locations,
                need_to_know,
                // Nobody is known to need it, so nobody is known not to.
                unrestricted: !s.granted && s.department.is_empty(),
            });
        }
        // Everything known of a person, by canonical name: department
        // (maruhi's users), HR dates and the lists they were put on by hand
        // (the departing list's HR entries follow the HR dates).
        let mut people: std::collections::BTreeMap<String, maruhi_risk::Person> = Default::default();
        for u in users.into_iter().filter(|u| !u.department.is_empty()) {
            people.entry(ids.canonical(&u.username)).or_default().department = Some(u.department);
        }
        for h in maruhi_store::hr::list_hr(conn).await? {
            let Some(notice_date) = parse_day(&h.notice_date) else { continue };
            people.entry(ids.canonical(&h.user_name)).or_default().departure = Some(maruhi_risk::Departure {
                notice_date,
                last_working_day: h.last_working_day.as_deref().and_then(parse_day),
                end_date: h.end_date.as_deref().and_then(parse_day),
            });
        }
        let today = self.now().date().to_string();
        for w in maruhi_store::hr::watchlist(conn, None, &today).await?.into_iter().filter(|w| w.source == "manual") {
            if let Some(list) = maruhi_risk::Watchlist::from_name(&w.list) {
                people.entry(ids.canonical(&w.user_name)).or_default().watchlists.insert(list);
            }
        }
        for (user, person) in people {
            ctx.set_person(&user, person);
        }
        Ok(ctx)
    }

    /// Replays every stored event through the rule pack and stores the
    /// indicators and alerts; new alerts and the analysis itself go to the
    /// audit trail.
    pub async fn analyse_risk(&self, actor: &Actor) -> Result<AnalysisReport> {
        if !policy::may_analyse_risk(actor) {
            return Err(Error::Forbidden);
        }
        #[allow(clippy::disallowed_methods, reason = "how long the analysis took, for the log only")]
        let started = std::time::Instant::now();
        let pack = self.rule_pack()?;
        let mut conn = self.db.read().await?;
        let ids = self.identities_from(&mut conn).await?;
        let ctx = self.risk_context(&mut conn, &pack.pack, &ids).await?;
        let warnings = self.warnings_from(&mut conn).await?;
        let mut engine = Engine::new(&pack.rules, ctx);
        let (mut events, mut unreadable) = (0u64, 0u64);
        let mut after: Option<maruhi_store::events::Cursor> = None;
        loop {
            let query = maruhi_store::events::EventQuery {
                user_name: None,
                from_ms: i64::MIN,
                to_ms: i64::MAX,
                after: after.as_ref(),
                limit: PAGE,
            };
            let page = maruhi_store::events::page(&mut conn, &query).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.cursor());
            for row in &page {
                match serde_json::from_str::<maruhi_events::Event>(&row.body) {
                    Ok(mut e) => {
                        // Events imported before an alias was known carry
                        // the source's name: read it as the person's.
                        if let Some(user) = e.user.as_mut() {
                            if let Some(canonical) = ids.resolve(&user.name) {
                                user.name = canonical;
                            }
                        }
                        engine.push(&e);
                        events += 1;
                    }
                    Err(_) => unreadable += 1,
                }
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        drop(conn);

        let indicators: Vec<IndicatorRow> = engine.indicators().iter().map(indicator_row).collect();
        let alerts: Vec<NewAlert> = engine.alerts().iter().map(alert_row).collect();
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let fresh = maruhi_store::risk::store_analysis(&mut tx, &indicators, &alerts, &at, events as i64).await?;
        let mut audit_events = Vec::with_capacity(fresh.len() + 1);
        let people = indicators.iter().map(|i| i.user_name.as_str()).collect::<std::collections::HashSet<_>>().len();
        audit_events.push(Event::new(actor, AuditAction::RiskAnalyse, "risk", "analysis").summary(json!({
            "events": events, "indicators": indicators.len(), "alerts": alerts.len(), "new_alerts": fresh.len(),
        })));
        let mut fresh_rows = Vec::with_capacity(fresh.len());
        for key in &fresh {
            if let Some(row) = maruhi_store::risk::alert_by_key(tx.conn(), key).await? {
                fresh_rows.push(row);
            }
        }
        for row in &fresh_rows {
            audit_events.push(Event::new(actor, AuditAction::RiskAlert, "alert", row.id).summary(json!({
                "user": row.alert.user_name, "rule": row.alert.rule, "severity": row.alert.severity, "day": row.alert.day,
                "event_count": row.alert.event_count,
            })));
        }
        audit::record_many(&mut tx, &at, &audit_events).await?;
        tx.commit().await?;
        Ok(AnalysisReport {
            events,
            skipped_without_user: engine.skipped(),
            unreadable,
            indicators: indicators.len(),
            alerts: alerts.len(),
            new_alerts: fresh.len(),
            people,
            seconds: started.elapsed().as_secs_f64(),
            warnings,
        })
    }

    /// People ranked by score as of `as_of` (default now), at most `top`.
    pub async fn risk_users(
        &self,
        actor: &Actor,
        as_of: Option<OffsetDateTime>,
        top: usize,
        lang: Lang,
    ) -> Result<Vec<RiskUser>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let as_of = as_of.unwrap_or_else(|| self.now());
        let pack = self.list_pack()?;
        let mut conn = self.db.read().await?;
        let ids = self.identities_from(&mut conn).await?;
        let ctx = self.risk_context(&mut conn, &pack.pack, &ids).await?;
        let rows = maruhi_store::risk::indicators(&mut conn, unix_ms(as_of)).await?;
        let indicators: Vec<Indicator> = rows.iter().filter_map(indicator_from_row).collect();
        let open: std::collections::HashMap<String, i64> =
            maruhi_store::risk::open_alert_counts(&mut conn).await?.into_iter().collect();
        Ok(maruhi_risk::rank(&indicators, &ctx, as_of)
            .into_iter()
            .take(top)
            .map(|s| RiskUser {
                watchlists: watchlists_of(&ctx, &s.user, as_of.date()),
                open_alerts: open.get(&s.user).copied().unwrap_or(0),
                reasons: s.reasons.iter().map(|r| shown(r, lang)).collect(),
                score: s.score,
                user: s.user,
            })
            .collect())
    }

    /// One person's score, indicators and alerts as of `as_of` (default
    /// now: what was known then, scored then). `user` may be any of the
    /// person's names (an alias, a mail address, a UPN).
    pub async fn risk_person(
        &self,
        actor: &Actor,
        user: &str,
        as_of: Option<OffsetDateTime>,
        lang: Lang,
    ) -> Result<RiskPerson> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let now = as_of.unwrap_or_else(|| self.now());
        let until = unix_ms(now);
        let pack = self.list_pack()?;
        let mut conn = self.db.read().await?;
        let ids = self.identities_from(&mut conn).await?;
        let user = ids.canonical(user);
        let ctx = self.risk_context(&mut conn, &pack.pack, &ids).await?;
        let rows = maruhi_store::risk::indicators_of(&mut conn, &user).await?;
        let mut indicators: Vec<Indicator> =
            rows.iter().filter(|r| r.time_ms <= until).filter_map(indicator_from_row).collect();
        let mut alerts = maruhi_store::risk::alerts(
            &mut conn,
            &AlertFilter { user_name: Some(user.clone()), include_stale: true, limit: 1000, ..AlertFilter::default() },
        )
        .await?;
        alerts.retain(|a| a.alert.first_event_ms <= until);
        if indicators.is_empty() && alerts.is_empty() {
            return Err(Error::NotFound);
        }
        let score = maruhi_risk::rank(&indicators, &ctx, now).into_iter().next();
        indicators.reverse();
        Ok(RiskPerson {
            watchlists: watchlists_of(&ctx, &user, now.date()),
            score: score.as_ref().map(|s| s.score).unwrap_or(0.0),
            reasons: score.map(|s| s.reasons.iter().map(|r| shown(r, lang)).collect()).unwrap_or_default(),
            indicators,
            alerts: alerts.into_iter().map(alert_view).collect(),
            user,
        })
    }

    /// Alerts, newest first (the first `limit`).
    pub async fn alerts(&self, actor: &Actor, status: Option<&str>, limit: i64) -> Result<Vec<AlertView>> {
        Ok(self.alert_page(actor, status, limit, 0).await?.alerts)
    }

    /// Alerts, newest first: `limit` (1 to 10,000) after the first `offset`,
    /// with how many there are in all.
    pub async fn alert_page(&self, actor: &Actor, status: Option<&str>, limit: i64, offset: i64) -> Result<AlertPage> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        if let Some(s) = status {
            if !ALERT_STATUSES.contains(&s) {
                return Err(Error::invalid("status", Msg::UnknownAlertStatus));
            }
        }
        let (limit, offset) = (limit.clamp(1, 10_000), offset.max(0));
        let mut conn = self.db.read().await?;
        let filter = AlertFilter { status: status.map(str::to_owned), limit, offset, ..AlertFilter::default() };
        let total = maruhi_store::risk::count_alerts(&mut conn, &filter).await?;
        let alerts = maruhi_store::risk::alerts(&mut conn, &filter).await?.into_iter().map(alert_view).collect();
        Ok(AlertPage { total, limit, offset, alerts })
    }

    /// Alerts that match `filter` (its limit clamped to 1 to 10,000), newest
    /// first, with how many match in all. Stale alerts are left out.
    pub async fn search_alerts(&self, actor: &Actor, filter: &AlertSearch) -> Result<AlertPage> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        if let Some(s) = &filter.status {
            if !ALERT_STATUSES.contains(&s.as_str()) {
                return Err(Error::invalid("status", Msg::UnknownAlertStatus));
            }
        }
        let some = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (limit, offset) = (filter.limit.clamp(1, 10_000), filter.offset.max(0));
        let mut conn = self.db.read().await?;
        let user_name = match some(&filter.user) {
            Some(u) => Some(self.identities_from(&mut conn).await?.canonical(&u)),
            None => None,
        };
        let f = AlertFilter {
            status: some(&filter.status),
            user_name,
            severity: some(&filter.severity),
            rule: some(&filter.rule),
            assignee: some(&filter.assignee),
            day_from: some(&filter.day_from),
            day_to: some(&filter.day_to),
            limit,
            offset,
            ..AlertFilter::default()
        };
        let total = maruhi_store::risk::count_alerts(&mut conn, &f).await?;
        let alerts = maruhi_store::risk::alerts(&mut conn, &f).await?.into_iter().map(alert_view).collect();
        Ok(AlertPage { total, limit, offset, alerts })
    }

    /// The period the analysed activity covers: the times of the first and
    /// the last indicator (the last is a sensible "as of").
    pub async fn risk_period(&self, actor: &Actor) -> Result<Option<RiskPeriod>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let Some((first, last)) = maruhi_store::risk::indicator_period(&mut conn).await? else { return Ok(None) };
        Ok(Some(RiskPeriod { first_time: ms_text(first), last_time: ms_text(last) }))
    }

    /// Who the people in the risk data are: name, department (from maruhi's
    /// users) and HR dates, by the canonical name the analysis uses.
    pub async fn risk_people(&self, actor: &Actor) -> Result<std::collections::HashMap<String, Person>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let ids = self.identities_from(&mut conn).await?;
        let mut out: std::collections::HashMap<String, Person> = std::collections::HashMap::new();
        for u in maruhi_store::users::list(&mut conn).await? {
            let p = out.entry(ids.canonical(&u.username)).or_default();
            p.name = u.display_name;
            p.department = u.department;
        }
        for h in maruhi_store::hr::list_hr(&mut conn).await? {
            let p = out.entry(ids.canonical(&h.user_name)).or_default();
            p.notice_date = Some(h.notice_date);
            p.last_working_day = h.last_working_day;
            p.end_date = h.end_date;
        }
        Ok(out)
    }

    /// Who changed an alert's triage state, and when, oldest first (from the
    /// audit trail).
    pub async fn alert_history(&self, actor: &Actor, id: i64) -> Result<Vec<crate::model::AuditEntry>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let rows = maruhi_store::audit::for_object(&mut conn, "alert", &id.to_string()).await?;
        Ok(rows.into_iter().map(crate::registry::audit_entry).collect())
    }

    /// What in the configuration skews detection: registered secrets with
    /// storage locations but no access list (their owning department
    /// stands in for it; without one, access to them is not judged), and
    /// no company domain (colleagues' mail and the company's own services
    /// then count as outside). Admin, legal/IP and analysts.
    pub async fn risk_warnings(&self, actor: &Actor) -> Result<Vec<RiskWarning>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        self.warnings_from(&mut conn).await
    }

    async fn warnings_from(&self, conn: &mut maruhi_store::AnyConnection) -> Result<Vec<RiskWarning>> {
        let mut out = Vec::new();
        let company = maruhi_store::risk::domains(conn).await?.into_iter().filter(|(_, c)| c == "company").count();
        if company == 0 {
            let suggested = self.suggestions_from(conn).await?;
            let list = suggested.iter().take(3).map(|s| s.domain.as_str()).collect::<Vec<_>>().join(", ");
            let (ja_hint, en_hint) = if list.is_empty() {
                (String::new(), String::new())
            } else {
                (format!("候補: {list}。"), format!(" Suggested: {list}."))
            };
            out.push(RiskWarning {
                code: "no-company-domain",
                ja: format!(
                    "自社のドメインが設定されていないため、同僚へのメールや自社の SharePoint などへの送信も社外として数えています。\
                     {ja_hint}maruhi risk domain add company ドメイン で設定してください。"
                ),
                en: format!(
                    "No company domain is configured, so mail to colleagues and uploads to the company's own services \
                     (SharePoint, …) count as leaving the company.{en_hint} Set them with maruhi risk domain add company DOMAIN."
                ),
            });
        }
        let scopes = maruhi_store::risk::secret_scopes(conn).await?;
        let (by_department, unknown): (Vec<_>, Vec<_>) =
            scopes.iter().filter(|s| !s.granted).partition(|s| !s.department.is_empty());
        let ids_text = |v: &[&maruhi_store::risk::SecretScope]| {
            v.iter().map(|s| format!("#{}", s.id)).collect::<Vec<_>>().join(", ")
        };
        if !by_department.is_empty() {
            let list = ids_text(&by_department);
            out.push(RiskWarning {
                code: "secret-department-fallback",
                ja: format!(
                    "アクセス権者が登録されていない営業秘密が {} 件あります（{list}）。保管場所へのアクセスは、管理部署の所属者と管理責任者にアクセス権があるものとして判定しています。",
                    by_department.len()
                ),
                en: format!(
                    "{} registered secrets have storage locations but no access list ({list}): their owning department's members and manager are treated as entitled.",
                    by_department.len()
                ),
            });
        }
        if !unknown.is_empty() {
            let list = ids_text(&unknown);
            out.push(RiskWarning {
                code: "secret-access-unknown",
                ja: format!(
                    "アクセス権者も管理部署も登録されていない営業秘密が {} 件あります（{list}）。誰にアクセス権があるか分からないため、これらへのアクセスはアクセス権のないアクセスとして数えていません。",
                    unknown.len()
                ),
                en: format!(
                    "{} registered secrets have storage locations but neither an access list nor an owning department ({list}): who needs to know them is unknown, so no access to them counts as a need-to-know violation.",
                    unknown.len()
                ),
            });
        }
        Ok(out)
    }

    /// Domains the company probably owns, inferred from maruhi users' mail
    /// addresses and the names in HR data (`user@domain`), most people
    /// first; those configured already and public mail services are left
    /// out. For an administrator to confirm (`maruhi risk domain add
    /// company …`). Admin, legal/IP and analysts.
    pub async fn suggest_company_domains(&self, actor: &Actor) -> Result<Vec<DomainSuggestion>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        self.suggestions_from(&mut conn).await
    }

    async fn suggestions_from(&self, conn: &mut maruhi_store::AnyConnection) -> Result<Vec<DomainSuggestion>> {
        let pack = self.list_pack()?;
        let mut lists = Context::new();
        pack.pack.classify_domains(&mut lists);
        let configured: Vec<String> = maruhi_store::risk::domains(conn).await?.into_iter().map(|(d, _)| d).collect();
        let known = Identities::new([], configured.iter().map(String::as_str));
        let mut seen: std::collections::BTreeMap<String, (std::collections::BTreeSet<String>, Vec<&'static str>)> =
            Default::default();
        let mut note = |address: &str, who: &str, source: &'static str| {
            let Some((_, domain)) = address.trim().rsplit_once('@') else { return };
            let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
            let valid = domain.contains('.')
                && domain
                    .split('.')
                    .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            if !valid
                || known.is_company_domain(&domain)
                || lists.mail_category(&domain).is_some()
                || lists.category(&domain).is_some()
            {
                return;
            }
            let entry = seen.entry(maruhi_risk::context::registrable_domain(&domain)).or_default();
            entry.0.insert(crate::identity::fold(who));
            if !entry.1.contains(&source) {
                entry.1.push(source);
            }
        };
        for u in maruhi_store::users::list(conn).await? {
            note(&u.email, &u.username, "user-email");
        }
        for h in maruhi_store::hr::list_hr(conn).await? {
            note(&h.user_name, &h.user_name, "hr");
        }
        let mut out: Vec<DomainSuggestion> = seen
            .into_iter()
            .map(|(domain, (people, sources))| DomainSuggestion { domain, people: people.len(), sources })
            .collect();
        out.sort_by(|a, b| b.people.cmp(&a.people).then_with(|| a.domain.cmp(&b.domain)));
        Ok(out)
    }

    /// One alert with its evidence events.
    pub async fn alert(&self, actor: &Actor, id: i64) -> Result<AlertDetail> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let row = maruhi_store::risk::alert(&mut conn, id).await?.ok_or(Error::NotFound)?;
        let alert = alert_view(row);
        let events: Vec<serde_json::Value> = maruhi_store::events::by_ids(&mut conn, &alert.event_ids)
            .await?
            .into_iter()
            .filter_map(|row| serde_json::from_str(&row.body).ok())
            .collect();
        let pack = self.list_pack()?;
        let ids = self.identities_from(&mut conn).await?;
        let ctx = self.risk_context(&mut conn, &pack.pack, &ids).await?;
        let secrets = events
            .iter()
            .map(|e| match e["file"]["path"].as_str() {
                Some(path) => ctx
                    .secrets_at(path, Some(alert.user.as_str()))
                    .map(|(area, entitled)| FileSecret { secret_id: area.secret_id.clone(), entitled })
                    .collect(),
                None => Vec::new(),
            })
            .collect();
        Ok(AlertDetail { alert, events, secrets })
    }

    /// Records a triage decision on an alert (and in the audit trail).
    pub async fn triage_alert(&self, actor: &Actor, id: i64, status: &str, comment: &str) -> Result<AlertView> {
        if !policy::may_triage(actor) {
            return Err(Error::Forbidden);
        }
        if !ALERT_STATUSES.contains(&status) {
            return Err(Error::invalid("status", Msg::UnknownAlertStatus));
        }
        let comment = comment.trim();
        if comment.chars().count() > 4000 {
            return Err(Error::invalid("comment", Msg::TooLong));
        }
        if matches!(status, "dismissed" | "confirmed") && comment.is_empty() {
            return Err(Error::invalid("comment", Msg::ReasonRequired));
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let before = maruhi_store::risk::alert(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        maruhi_store::risk::triage(tx.conn(), id, status, comment, actor.user_id, &at).await?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::RiskTriage, "alert", id).summary(json!({
                "user": before.alert.user_name, "rule": before.alert.rule,
                "status": {"before": before.status, "after": status}, "comment": comment,
            })),
        )
        .await?;
        let after = maruhi_store::risk::alert(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(alert_view(after))
    }

    /// Assigns an alert to a user who may triage alerts, or to no one
    /// (`username` empty), and records who did so in the audit trail.
    pub async fn assign_alert(&self, actor: &Actor, id: i64, username: &str) -> Result<AlertView> {
        if !policy::may_triage(actor) {
            return Err(Error::Forbidden);
        }
        let username = username.trim();
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let before = maruhi_store::risk::alert(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        let assignee = if username.is_empty() {
            None
        } else {
            let user = maruhi_store::users::by_username(tx.conn(), username)
                .await?
                .filter(|u| !u.disabled)
                .ok_or_else(|| Error::invalid("assignee", Msg::UnknownUser))?;
            let role = crate::model::Role::parse(&user.role);
            let as_actor = role.map(|role| Actor {
                user_id: Some(user.id),
                username: user.username.clone(),
                role,
                scope: crate::Scope::Write,
                remote_addr: None,
            });
            if !as_actor.is_some_and(|a| policy::may_triage(&a)) {
                return Err(Error::invalid("assignee", Msg::AssigneeMayNotTriage));
            }
            Some((user.id, user.username))
        };
        maruhi_store::risk::assign(tx.conn(), id, assignee.as_ref().map(|a| a.0)).await?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::RiskAssign, "alert", id).summary(json!({
                "user": before.alert.user_name,
                "assignee": {
                    "before": before.assignee.map(|a| a.0),
                    "after": assignee.map(|a| a.1),
                },
            })),
        )
        .await?;
        let after = maruhi_store::risk::alert(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(alert_view(after))
    }

    /// The users an alert may be assigned to (those who may triage), as
    /// (login name, display name).
    pub async fn alert_assignees(&self, actor: &Actor) -> Result<Vec<(String, String)>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::users::list(&mut conn)
            .await?
            .into_iter()
            .filter(|u| {
                !u.disabled
                    && crate::model::Role::parse(&u.role).is_some_and(|role| {
                        policy::may_triage(&Actor {
                            user_id: Some(u.id),
                            username: u.username.clone(),
                            role,
                            scope: crate::Scope::Write,
                            remote_addr: None,
                        })
                    })
            })
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    /// Classifies a domain as the company's own (`company`) or a
    /// competitor's (`competitor`).
    pub async fn set_risk_domain(&self, actor: &Actor, domain: &str, category: &str) -> Result<()> {
        if !policy::may_manage_risk_settings(actor) {
            return Err(Error::Forbidden);
        }
        if !matches!(category, "company" | "competitor") {
            return Err(Error::invalid("category", Msg::UnknownDomainCategory));
        }
        let domain = domain.trim().trim_start_matches("*.").trim_end_matches('.').to_ascii_lowercase();
        let valid = !domain.is_empty()
            && domain.len() <= 253
            && domain.contains('.')
            && domain
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !valid {
            return Err(Error::invalid("domain", Msg::BadDomain));
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        maruhi_store::risk::set_domain(tx.conn(), &domain, category, actor.user_id, &at).await?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::RiskDomainSet, "domain", &domain).summary(json!({"category": category})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn remove_risk_domain(&self, actor: &Actor, domain: &str) -> Result<()> {
        if !policy::may_manage_risk_settings(actor) {
            return Err(Error::Forbidden);
        }
        let domain = domain.trim().to_ascii_lowercase();
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        if !maruhi_store::risk::remove_domain(tx.conn(), &domain).await? {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, &at, Event::new(actor, AuditAction::RiskDomainRemove, "domain", &domain)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `(domain, category)` of the company's and competitors' domains.
    pub async fn risk_domains(&self, actor: &Actor) -> Result<Vec<(String, String)>> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::risk::domains(&mut conn).await?)
    }

    /// When the events were last analysed: (time, events, indicators, alerts).
    pub async fn risk_analysis(&self, actor: &Actor) -> Result<(Option<String>, i64, i64, i64)> {
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::risk::analysis(&mut conn).await?)
    }
}

/// Reads an as-of time: a day (`YYYY-MM-DD`, its last millisecond in Japan
/// time, +09:00) or an RFC 3339 instant.
pub fn parse_as_of(text: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let day = crate::clock::parse_date(text)?;
    Some(day.with_hms_milli(23, 59, 59, 999).ok()?.assume_offset(JST))
}

/// Japan Standard Time, the offset days are read in.
const JST: UtcOffset = time::macros::offset!(+9);

fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn ms_text(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .map(|t| t.to_offset(JST))
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn indicator_row(i: &Indicator) -> IndicatorRow {
    IndicatorRow {
        user_name: i.user.clone(),
        time_ms: i.time_ms,
        day: i.day.to_string(),
        rule: i.rule.clone(),
        title: i.title.clone(),
        title_ja: i.title_ja.clone(),
        level: i.level.as_str().to_owned(),
        weight: i.weight,
        above_usual: i.above_usual,
        sequence: i.sequence,
        reason_ja: i.reason.ja.clone(),
        reason_en: i.reason.en.clone(),
        event_ids: serde_json::to_string(&i.event_ids).unwrap_or_else(|_| "[]".into()),
    }
}

fn parse_day(s: &str) -> Option<Date> {
    crate::clock::parse_date(s)
}

fn indicator_from_row(r: &IndicatorRow) -> Option<Indicator> {
    Some(Indicator {
        user: r.user_name.clone(),
        time_ms: r.time_ms,
        day: parse_day(&r.day)?,
        rule: r.rule.clone(),
        title: r.title.clone(),
        title_ja: r.title_ja.clone(),
        level: Level::parse(&r.level)?,
        weight: r.weight,
        above_usual: r.above_usual,
        sequence: r.sequence,
        reason: Reason { ja: r.reason_ja.clone(), en: r.reason_en.clone() },
        event_ids: serde_json::from_str(&r.event_ids).unwrap_or_default(),
    })
}

fn alert_row(a: &maruhi_risk::Alert) -> NewAlert {
    NewAlert {
        key: a.key.clone(),
        user_name: a.user.clone(),
        rule: a.rule.clone(),
        title: a.title.clone(),
        title_ja: a.title_ja.clone(),
        severity: a.severity.as_str().to_owned(),
        day: a.day.to_string(),
        first_event_ms: a.first_event_ms,
        last_event_ms: a.last_event_ms,
        event_count: i64::try_from(a.event_count).unwrap_or(i64::MAX),
        event_ids: serde_json::to_string(&a.event_ids).unwrap_or_else(|_| "[]".into()),
        reasons: serde_json::to_string(&a.reasons).unwrap_or_else(|_| "[]".into()),
    }
}

fn alert_view(r: AlertRow) -> AlertView {
    let a = r.alert;
    AlertView {
        id: r.id,
        first_event_time: ms_text(a.first_event_ms),
        last_event_time: ms_text(a.last_event_ms),
        event_ids: serde_json::from_str(&a.event_ids).unwrap_or_default(),
        reasons: serde_json::from_str(&a.reasons).unwrap_or_default(),
        key: a.key,
        user: a.user_name,
        rule: a.rule,
        title: a.title,
        title_ja: a.title_ja,
        severity: a.severity,
        day: a.day,
        event_count: a.event_count,
        status: r.status,
        comment: r.comment,
        stale: r.stale,
        updated_at: r.updated_at,
        updated_by: r.updated_by_name,
        assignee: r.assignee.map(|(username, name)| Assignee { username, name }),
    }
}

fn shown(r: &maruhi_risk::ScoredReason, lang: Lang) -> ShownReason {
    ShownReason {
        rule: r.rule.clone(),
        points: r.points,
        count: r.count,
        text: lang.pick(&r.reason.ja, &r.reason.en).clone(),
        ja: r.reason.ja.clone(),
        en: r.reason.en.clone(),
    }
}

fn watchlists_of(ctx: &Context, user: &str, day: Date) -> Vec<String> {
    ctx.person(user)
        .map(|p| p.watchlists_on(day).into_iter().map(|w| w.name().to_owned()).collect())
        .unwrap_or_default()
}
