//! The detection pipeline: enrich each event, update baselines, evaluate the
//! rule pack, turn matches into indicators (for scores) and alerts (for
//! review).
//!
//! Rules are evaluated in the order events are pushed, which must be time
//! order (per person at least: the service replays one person's history at a
//! time; the harness replays the whole organisation day by day). Only events
//! with a `user.name` are evaluated: risk is about people.
//!
//! Every match, of any level, is an indicator for the score. An alert is what
//! an analyst reviews, and alerts follow the risk (CERT Common Sense Guide to
//! Mitigating Insider Threats, 6th ed.: "establish a baseline of normal
//! behavior for both networks and employees" and "deploy solutions for
//! monitoring employee actions and correlating information from multiple
//! data sources"):
//!
//! * a match of a rule of level medium or above (or with `maruhi.alert:
//!   true`), merged per rule, person and day so that one afternoon of
//!   copying is one alert with all its events, not hundreds;
//! * a person whose score crosses [`SCORE_ALERT`] (rule `score`): someone
//!   rising through many weak indicators appears in the queue too; the
//!   person is alerted again only after the score fell below half of it;
//! * a strong baseline anomaly (rule `baseline/<measure>`): a day
//!   [`STRONG_JUMP`](crate::baseline::STRONG_JUMP)× the person's own usual.
//!
//! One piece of evidence is one alert: an alert whose evidence events
//! overlap an open alert of the same person (within [`MERGE_DAYS`]), or that
//! arises on the same day as one, joins it; the more severe rule (then the
//! heavier) names the alert and the others are listed as its reasons and in
//! [`Alert::related`]. So the daily and weekly variants of a rule, the
//! generic and after-notice ones, and the anomaly behind a rule's match give
//! one alert.
//!
//! A rule that matched the same person on [`HABIT_DAYS`] or more earlier
//! days within [`HABIT_WINDOW_DAYS`] is that person's habit: it no longer
//! alerts for them (its indicators still count, discounted by
//! [`crate::score`]'s repeat rule). Analysts can suppress a rule for a person
//! by hand ([`Engine::suppress`]).
//!
//! Alert keys are `rule/user/day` with the rule's readable `name` (its
//! `id` is a UUID, as Sigma requires), so re-analysis gives the same keys and
//! triage stays attached.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};

use maruhi_events::Event;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::baseline::{Anomaly, Baselines, Measure};
use crate::context::Context;
use crate::enrich::Enriched;
use crate::score::{
    default_weight, rank, score_user, Indicator, Reason, UserScore, ANOMALY_WEIGHT, SCORE_HORIZON_DAYS,
};
use crate::sigma::{CorrelationType, Evaluator, Fields, Level, Match, RuleKind, RuleSet, Value};

/// Evidence event ids kept per alert; the count says how many there were.
pub const MAX_ALERT_EVENTS: usize = 1000;
/// A score at which a person is alerted on (rule `score`).
pub const SCORE_ALERT: f64 = 60.0;
/// Rule name of score alerts.
pub const SCORE_RULE: &str = "score";
/// Alerts of one person whose evidence overlaps within this many days are
/// one alert.
pub const MERGE_DAYS: i64 = 7;
/// Earlier days with a match that make a rule a person's habit.
pub const HABIT_DAYS: usize = 3;
/// The window in which [`HABIT_DAYS`] are counted.
pub const HABIT_WINDOW_DAYS: i64 = 42;

/// How one rule is used beyond Sigma: from its `maruhi:` block.
#[derive(Debug, Clone)]
struct RuleUse {
    key: String,
    weight: f64,
    alert: bool,
    reason: Reason,
    title_ja: String,
}

impl RuleUse {
    fn of(meta: &crate::sigma::RuleMeta) -> RuleUse {
        let block = meta.custom.get("maruhi");
        let weight = block.and_then(|b| b.get("weight")).and_then(|w| w.as_f64()).unwrap_or(default_weight(meta.level));
        let alert = block.and_then(|b| b.get("alert")).and_then(|a| a.as_bool()).unwrap_or(meta.level >= Level::Medium);
        let text = |lang: &str| {
            block
                .and_then(|b| b.get("reason"))
                .and_then(|r| r.get(lang))
                .and_then(|t| t.as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| meta.title.clone())
        };
        let title_ja = block
            .and_then(|b| b.get("title_ja"))
            .and_then(|t| t.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| meta.title.clone());
        RuleUse {
            key: rule_key(meta).to_owned(),
            weight,
            alert,
            reason: Reason { ja: text("ja"), en: text("en") },
            title_ja,
        }
    }
}

/// How indicators and alerts name a rule: its readable `name`, else its id
/// (Sigma ids are UUIDs; names stay stable and say what the rule is).
pub fn rule_key(meta: &crate::sigma::RuleMeta) -> &str {
    meta.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&meta.id)
}

/// An alert: one piece of evidence about one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable key: `rule/user/day`. Re-running detection over the same
    /// events gives the same keys, so triage decisions stay attached.
    pub key: String,
    /// The account.
    pub user: String,
    /// The rule's name (`score` and `baseline/<measure>` for alerts on the
    /// score and on strong anomalies).
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's title in Japanese (`maruhi.title_ja`, else the title).
    pub title_ja: String,
    /// The rule's level.
    pub severity: Level,
    /// The local day.
    pub day: Date,
    /// The first evidence event's time, Unix milliseconds.
    pub first_event_ms: i64,
    /// The last evidence event's time.
    pub last_event_ms: i64,
    /// Evidence event ids, oldest first (at most [`MAX_ALERT_EVENTS`]).
    pub event_ids: Vec<String>,
    /// How many evidence events there were.
    pub event_count: u64,
    /// Why, in words (one per match merged into the alert, at most 20).
    pub reasons: Vec<Reason>,
    /// Other rules whose alerts were merged into this one (same evidence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
}

/// A candidate alert before merging.
struct Raised {
    rule: String,
    title: String,
    title_ja: String,
    severity: Level,
    weight: f64,
    first_ms: i64,
    last_ms: i64,
    event_ids: Vec<String>,
    event_count: u64,
    reasons: Vec<Reason>,
}

/// Per person: whether a score alert may be raised (re-armed when the score
/// falls below half of [`SCORE_ALERT`]).
#[derive(Debug, Default)]
struct ScoreState {
    indicators: Vec<usize>,
    alerted: bool,
}

/// The detection pipeline over one rule pack and context.
pub struct Engine<'r> {
    rules: &'r RuleSet,
    uses: Vec<RuleUse>,
    evaluator: Evaluator<'r>,
    ctx: Context,
    baselines: Baselines,
    indicators: Vec<Indicator>,
    alerts: Vec<Alert>,
    alert_weight: Vec<f64>,
    alert_at: HashMap<(String, String, Date), usize>,
    alert_of_day: HashMap<(String, Date), usize>,
    evidence: HashMap<String, usize>,
    habits: HashMap<(String, String), VecDeque<Date>>,
    suppressions: HashSet<(String, String)>,
    people: HashMap<String, ScoreState>,
    suppressed: u64,
    matches: Vec<Match>,
    anomalies: Vec<Anomaly>,
    expired_at_ms: i64,
    skipped: u64,
}

impl<'r> Engine<'r> {
    /// A pipeline with no history.
    pub fn new(rules: &'r RuleSet, ctx: Context) -> Engine<'r> {
        Engine {
            rules,
            uses: rules.rules().iter().map(RuleUse::of).collect(),
            evaluator: Evaluator::new(rules),
            ctx,
            baselines: Baselines::new(),
            indicators: Vec::new(),
            alerts: Vec::new(),
            alert_weight: Vec::new(),
            alert_at: HashMap::new(),
            alert_of_day: HashMap::new(),
            evidence: HashMap::new(),
            habits: HashMap::new(),
            suppressions: HashSet::new(),
            people: HashMap::new(),
            suppressed: 0,
            matches: Vec::new(),
            anomalies: Vec::new(),
            expired_at_ms: i64::MIN,
            skipped: 0,
        }
    }

    /// The context the pipeline was made with.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Stops alerts of `rule` (its name, `score`, or `baseline/<measure>`)
    /// for `user`, as an analyst decides after review ("this is their job").
    /// The rule's indicators still count for the score. Call before pushing
    /// events (the service does not store such decisions yet). User names
    /// are folded as [`push`](Self::push) folds them.
    pub fn suppress(&mut self, user: &str, rule: &str) {
        self.suppressions.insert((user.to_ascii_lowercase(), rule.to_owned()));
    }

    /// Alerts not raised: by habit or by an analyst's suppression.
    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }

    /// Evaluates one event.
    pub fn push(&mut self, event: &Event) {
        let Some(user) = event.user.as_ref().map(|u| u.name.as_str()).filter(|u| !u.is_empty()) else {
            self.skipped += 1;
            return;
        };
        let user: Cow<'_, str> =
            if user.bytes().any(|b| b.is_ascii_uppercase()) { user.to_ascii_lowercase().into() } else { user.into() };
        let time_ms = i64::try_from(event.timestamp.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let day = event.timestamp.date();
        let hour = event.timestamp.hour();

        // The scratch buffers are taken out for the loops below (which
        // borrow `self`) and put back, so their allocations are reused.
        let mut anomalies = std::mem::take(&mut self.anomalies);
        let mut matches = std::mem::take(&mut self.matches);
        anomalies.clear();
        matches.clear();
        let facts = self.baselines.observe(&user, day, hour, event, &self.ctx, &mut anomalies);
        let enriched = Enriched { event, user: Some(&user), day, ctx: &self.ctx, facts };
        self.evaluator.push(&enriched, time_ms, &event.event.id, &mut matches);

        let indicators_before = self.indicators.len();
        let above_usual = self.baselines.above_usual(&user, day);
        let mut raised = Vec::new();
        for m in matches.drain(..) {
            let Some(meta) = self.rules.rules().get(m.rule) else { continue };
            let Some(rule_use) = self.uses.get(m.rule) else { continue };
            let reason = fill(&rule_use.reason, &m, &enriched);
            self.indicators.push(Indicator {
                user: user.to_string(),
                time_ms: m.last_time_ms,
                day,
                rule: rule_use.key.clone(),
                title: meta.title.clone(),
                title_ja: rule_use.title_ja.clone(),
                level: meta.level,
                weight: rule_use.weight,
                above_usual,
                sequence: matches!(
                    meta.kind,
                    RuleKind::Correlation(CorrelationType::Temporal | CorrelationType::TemporalOrdered)
                ),
                reason: reason.clone(),
                event_ids: m.event_ids.iter().take(100).cloned().collect(),
            });
            if !rule_use.alert {
                continue;
            }
            if habit(&mut self.habits, &self.suppressions, &user, &rule_use.key, day) {
                self.suppressed += 1;
                continue;
            }
            raised.push(Raised {
                rule: rule_use.key.clone(),
                title: meta.title.clone(),
                title_ja: rule_use.title_ja.clone(),
                severity: meta.level,
                weight: rule_use.weight,
                first_ms: m.first_time_ms,
                last_ms: m.last_time_ms,
                event_ids: m.event_ids,
                event_count: m.event_count,
                reasons: vec![reason],
            });
        }
        for r in raised {
            self.raise(&user, day, r);
        }
        for anomaly in anomalies.drain(..) {
            let rule = format!("baseline/{}", anomaly.measure.name());
            let title = anomaly_title(anomaly.measure);
            let reason = anomaly_reason(&anomaly);
            let ids = vec![event.event.id.clone()];
            if !anomaly.escalation {
                self.indicators.push(Indicator {
                    user: user.to_string(),
                    time_ms,
                    day,
                    rule: rule.clone(),
                    title: title.en.clone(),
                    title_ja: title.ja.clone(),
                    level: Level::Low,
                    weight: ANOMALY_WEIGHT,
                    above_usual: true,
                    sequence: false,
                    reason: reason.clone(),
                    event_ids: ids.clone(),
                });
            }
            // An escalation is the same day's anomaly: recording it again
            // changes nothing, and a habit stays a habit when it grows.
            let habit = habit(&mut self.habits, &self.suppressions, &user, &rule, day);
            if !anomaly.strong {
                continue;
            }
            if habit {
                self.suppressed += 1;
                continue;
            }
            self.raise(
                &user,
                day,
                Raised {
                    rule,
                    title: title.en,
                    title_ja: title.ja,
                    severity: Level::Medium,
                    weight: ANOMALY_WEIGHT,
                    first_ms: time_ms,
                    last_ms: time_ms,
                    event_ids: ids,
                    event_count: 1,
                    reasons: vec![reason],
                },
            );
        }
        if self.indicators.len() > indicators_before {
            self.follow_score(&user, day, time_ms, indicators_before);
        }

        self.anomalies = anomalies;
        self.matches = matches;

        // Correlation windows are at most days long; dropping expired state
        // once an hour of event time keeps memory bounded.
        if time_ms.saturating_sub(self.expired_at_ms) > 3_600_000 {
            self.evaluator.expire(time_ms);
            self.expired_at_ms = time_ms;
        }
    }

    /// Rescores `user` after new indicators (from `new_from` on) and raises a
    /// score alert when the score crosses [`SCORE_ALERT`].
    fn follow_score(&mut self, user: &str, day: Date, time_ms: i64, new_from: usize) {
        let state = self.people.entry(user.to_owned()).or_default();
        state.indicators.extend(new_from..self.indicators.len());
        let horizon = time_ms - SCORE_HORIZON_DAYS * 86_400_000;
        let cut = state.indicators.partition_point(|&i| self.indicators.get(i).is_none_or(|x| x.time_ms < horizon));
        state.indicators.drain(..cut);
        let list: Vec<&Indicator> = state.indicators.iter().filter_map(|&i| self.indicators.get(i)).collect();
        let Ok(as_of) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(time_ms) * 1_000_000) else {
            return;
        };
        let score = score_user(user, list, &self.ctx, as_of);
        if score.score < SCORE_ALERT / 2.0 {
            state.alerted = false;
        }
        if state.alerted || score.score < SCORE_ALERT {
            return;
        }
        state.alerted = true;
        if self.suppressions.contains(&(user.to_owned(), SCORE_RULE.to_owned())) {
            self.suppressed += 1;
            return;
        }
        // The evidence: the events behind the largest contributions.
        let top: HashSet<&str> = score.reasons.iter().take(5).map(|r| r.rule.as_str()).collect();
        let mut ids: Vec<String> = Vec::new();
        let mut first_ms = time_ms;
        for &i in &state.indicators {
            let Some(x) = self.indicators.get(i) else { continue };
            if top.contains(x.rule.as_str()) {
                first_ms = first_ms.min(x.time_ms);
                for id in &x.event_ids {
                    if ids.len() < MAX_ALERT_EVENTS && !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
            }
        }
        let mut reasons = vec![Reason {
            ja: format!("リスクスコアが {:.0} に到達（しきい値 {SCORE_ALERT:.0}）", score.score),
            en: format!("Risk score reached {:.0} (threshold {SCORE_ALERT:.0})", score.score),
        }];
        reasons.extend(score.reasons.iter().take(8).map(|r| r.reason.clone()));
        let count = ids.len() as u64;
        self.raise(
            user,
            day,
            Raised {
                rule: SCORE_RULE.to_owned(),
                title: "Risk score above threshold".to_owned(),
                title_ja: "リスクスコアがしきい値を超過".to_owned(),
                severity: Level::Medium,
                // Below any rule's weight: a rule alert on the same evidence
                // names the alert, the score adds its reasons.
                weight: 0.0,
                first_ms,
                last_ms: time_ms,
                event_ids: ids,
                event_count: count,
                reasons,
            },
        );
    }

    /// Opens an alert, or adds to the one for the same rule, person and
    /// day, or to an open alert of the person with overlapping evidence.
    fn raise(&mut self, user: &str, day: Date, r: Raised) {
        let key = (r.rule.clone(), user.to_owned(), day);
        // The same rule that day; else an alert of the person sharing
        // evidence (a weekly window over a daily one, a window across
        // midnight); else the person's alert of the day: a day's alerts
        // about one person are one case for an analyst.
        let target = self
            .alert_at
            .get(&key)
            .copied()
            .or_else(|| {
                r.event_ids.iter().filter_map(|id| self.evidence.get(id)).copied().find(|&i| {
                    self.alerts.get(i).is_some_and(|a| a.user == user && (day - a.day).whole_days() <= MERGE_DAYS)
                })
            })
            .or_else(|| self.alert_of_day.get(&(user.to_owned(), day)).copied());
        let Some(i) = target else {
            let i = self.alerts.len();
            self.alert_at.insert(key, i);
            self.alert_of_day.insert((user.to_owned(), day), i);
            for id in r.event_ids.iter().take(MAX_ALERT_EVENTS) {
                self.evidence.insert(id.clone(), i);
            }
            self.alert_weight.push(r.weight);
            let event_ids = r.event_ids.iter().take(MAX_ALERT_EVENTS).cloned().collect();
            self.alerts.push(Alert {
                key: format!("{}/{}/{}", r.rule, user, day),
                user: user.to_owned(),
                rule: r.rule,
                title: r.title,
                title_ja: r.title_ja,
                severity: r.severity,
                day,
                first_event_ms: r.first_ms,
                last_event_ms: r.last_ms,
                event_ids,
                event_count: r.event_count,
                reasons: r.reasons,
                related: Vec::new(),
            });
            return;
        };
        self.alert_at.insert(key, i);
        let (Some(a), Some(weight)) = (self.alerts.get_mut(i), self.alert_weight.get_mut(i)) else { return };
        a.first_event_ms = a.first_event_ms.min(r.first_ms);
        a.last_event_ms = a.last_event_ms.max(r.last_ms);
        let known: HashSet<&String> = a.event_ids.iter().collect();
        let fresh: Vec<String> = r.event_ids.iter().filter(|id| !known.contains(id)).cloned().collect();
        a.event_count += fresh.len() as u64;
        for id in fresh {
            if a.event_ids.len() < MAX_ALERT_EVENTS {
                self.evidence.insert(id.clone(), i);
                a.event_ids.push(id);
            }
        }
        if a.rule != r.rule {
            // The more severe rule, then the heavier, names the alert; the
            // key keeps the alert's first day.
            if (r.severity, r.weight) > (a.severity, *weight) {
                a.related.retain(|x| *x != r.rule);
                a.related.push(std::mem::replace(&mut a.rule, r.rule.clone()));
                a.key = format!("{}/{}/{}", a.rule, a.user, a.day);
                a.title = r.title;
                a.title_ja = r.title_ja;
                a.severity = r.severity;
                *weight = r.weight;
            } else if !a.related.contains(&r.rule) {
                a.related.push(r.rule.clone());
            }
        }
        for reason in r.reasons {
            if a.reasons.len() < 20 && !a.reasons.contains(&reason) {
                a.reasons.push(reason);
            }
        }
    }

    /// Every indicator so far, in the order they arose.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// Every alert so far, in the order they were opened.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// Events pushed without a user (not evaluated).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// People ranked by score as of `as_of` (see [`crate::score`]).
    pub fn scores(&self, as_of: time::OffsetDateTime) -> Vec<UserScore> {
        rank(&self.indicators, &self.ctx, as_of)
    }
}

/// Records that `rule` matched `user` on `day` and says whether it is
/// suppressed for them: by an analyst, or by habit ([`HABIT_DAYS`] earlier
/// days within [`HABIT_WINDOW_DAYS`]).
fn habit(
    habits: &mut HashMap<(String, String), VecDeque<Date>>,
    suppressions: &HashSet<(String, String)>,
    user: &str,
    rule: &str,
    day: Date,
) -> bool {
    let key = (user.to_owned(), rule.to_owned());
    if suppressions.contains(&key) {
        return true;
    }
    let days = habits.entry(key).or_default();
    while days.front().is_some_and(|d| (day - *d).whole_days() > HABIT_WINDOW_DAYS) {
        days.pop_front();
    }
    let earlier = days.iter().filter(|d| **d < day).count();
    if days.back() != Some(&day) {
        days.push_back(day);
    }
    earlier >= HABIT_DAYS
}

fn anomaly_title(m: Measure) -> Reason {
    let (ja, en) = match m {
        Measure::RemovableBytes => ("リムーバブルメディアへのコピー量", "bytes copied to removable media"),
        Measure::RemovableFiles => ("リムーバブルメディアへのコピー件数", "files copied to removable media"),
        Measure::UploadBytes => ("社外へのアップロード量", "bytes uploaded outside the company"),
        Measure::DownloadBytes => ("ダウンロード量", "bytes downloaded"),
        Measure::FilesRead => ("ファイルの閲覧・ダウンロード件数", "files opened or downloaded"),
        Measure::Prints => ("印刷件数", "documents printed"),
        Measure::MailedAttachments => ("社外へのメール添付件数", "attachments mailed outside the company"),
    };
    Reason { ja: ja.into(), en: en.into() }
}

fn anomaly_reason(a: &Anomaly) -> Reason {
    let title = anomaly_title(a.measure);
    let show = |x: f64| if a.measure.is_bytes() { human_bytes(x) } else { format!("{x:.0}") };
    let (who_ja, who_en) = if a.from_peers {
        ("同じ部署の平均", "the department's usual")
    } else {
        ("本人の普段", "their usual")
    };
    if a.usual <= 0.0 {
        return Reason {
            ja: format!("1日の{}が {}（{}では例のない量）", title.ja, show(a.value), who_ja),
            en: format!("{} in one day: {} (none is {})", capitalise(&title.en), show(a.value), who_en),
        };
    }
    let times = format!("{:.0}", a.value / a.usual);
    Reason {
        ja: format!("1日の{}が {}（{}の {} 倍、普段は {}/日）", title.ja, show(a.value), who_ja, times, show(a.usual)),
        en: format!(
            "{} in one day: {} ({}× {}, {}/day)",
            capitalise(&title.en),
            show(a.value),
            times,
            who_en,
            show(a.usual)
        ),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// `1.2 GB`, `850 MB`, `12 KB` (decimal units, as file managers in Japan show).
pub fn human_bytes(x: f64) -> String {
    match x {
        x if x >= 1e9 => format!("{:.1} GB", x / 1e9),
        x if x >= 1e6 => format!("{:.0} MB", x / 1e6),
        x if x >= 1e3 => format!("{:.0} KB", x / 1e3),
        x => format!("{x:.0} B"),
    }
}

/// Fills a reason template: `{count}` events, `{value}` (the correlation's
/// value), `{size}` (the value as bytes), and from the event that completed
/// the match `{file}`, `{domain}`, `{device}`, `{host}`, `{to}`, `{secret}`.
fn fill(template: &Reason, m: &Match, e: &Enriched<'_>) -> Reason {
    let one = |field: &str| {
        let mut v = Vec::new();
        e.values(field, &mut v);
        match v.into_iter().next() {
            Some(Value::Str(s)) => s.into_owned(),
            Some(Value::Int(i)) => i.to_string(),
            Some(Value::Float(f)) => f.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            None => String::new(),
        }
    };
    let value = m.value.unwrap_or(m.event_count as f64);
    let lookup = |key: &str| -> Option<String> {
        Some(match key {
            "count" => m.event_count.to_string(),
            "value" => format!("{value:.0}"),
            "size" => human_bytes(value),
            "file" => one("file.path"),
            "domain" => one("destination.domain"),
            "device" => one("device.name"),
            "host" => one("host.name"),
            "to" => one("email.to"),
            "secret" => one("maruhi.file.secret_title"),
            _ => return None,
        })
    };
    // Placeholders side by side (`{file}{domain}{to}`) are alternatives:
    // the values found are joined with the language's separator, so they
    // are never glued together.
    let render = |t: &str, separator: &str| {
        let mut out = String::with_capacity(t.len());
        let mut rest = t;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            rest = &rest[open..];
            let mut values: Vec<String> = Vec::new();
            while let Some(close) = rest.strip_prefix('{').and_then(|r| r.find('}')) {
                let key = &rest[1..=close];
                let Some(v) = lookup(key) else { break };
                if !v.is_empty() {
                    values.push(v);
                }
                rest = &rest[close + 2..];
            }
            if values.is_empty() && rest.starts_with('{') {
                // Not a placeholder of ours: kept as written.
                out.push('{');
                rest = &rest[1..];
                continue;
            }
            out.push_str(&values.join(separator));
        }
        out.push_str(rest);
        // A placeholder with nothing to fill leaves empty brackets behind.
        out.replace("（）", "").replace(" ()", "").replace("()", "")
    };
    Reason { ja: render(&template.ja, "、"), en: render(&template.en, ", ") }
}
