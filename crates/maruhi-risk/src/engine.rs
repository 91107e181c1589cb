//! The detection pipeline: enrich each event, update baselines, evaluate the
//! rule pack, turn matches into indicators (for scores) and alerts (for
//! review).
//!
//! Rules are evaluated in the order events are pushed, which must be time
//! order (per person at least: the service replays one person's history at a
//! time; the harness replays the whole organisation day by day). Only events
//! with a `user.name` are evaluated: risk is about people.
//!
//! An alert is what an analyst reviews: every match of a rule of level
//! medium or above (or with `maruhi.alert: true`), merged per rule, person and
//! day so that one afternoon of copying is one alert with all its events, not
//! hundreds. Every match, of any level, is an indicator for the score.

use std::borrow::Cow;
use std::collections::HashMap;

use maruhi_events::Event;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::baseline::{Anomaly, Baselines, Measure};
use crate::context::Context;
use crate::enrich::Enriched;
use crate::score::{default_weight, rank, Indicator, Reason, UserScore, ANOMALY_WEIGHT};
use crate::sigma::{CorrelationType, Evaluator, Fields, Level, Match, RuleKind, RuleSet, Value};

/// Evidence event ids kept per alert; the count says how many there were.
pub const MAX_ALERT_EVENTS: usize = 1000;

/// How one rule is used beyond Sigma: from its `maruhi:` block.
#[derive(Debug, Clone)]
struct RuleUse {
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
        RuleUse { weight, alert, reason: Reason { ja: text("ja"), en: text("en") }, title_ja }
    }
}

/// An alert: one rule's matches for one person on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable key: `rule/user/day`. Re-running detection over the same
    /// events gives the same keys, so triage decisions stay attached.
    pub key: String,
    /// The account.
    pub user: String,
    /// The rule id.
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
    alert_at: HashMap<(usize, String, Date), usize>,
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
            alert_at: HashMap::new(),
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

        let above_usual = self.baselines.above_usual(&user, day);
        for anomaly in anomalies.drain(..) {
            self.indicators.push(Indicator {
                user: user.to_string(),
                time_ms,
                day,
                rule: format!("baseline/{}", anomaly.measure.name()),
                title: anomaly_title(anomaly.measure).en,
                title_ja: anomaly_title(anomaly.measure).ja,
                level: Level::Low,
                weight: ANOMALY_WEIGHT,
                above_usual: true,
                sequence: false,
                reason: anomaly_reason(&anomaly),
                event_ids: vec![event.event.id.clone()],
            });
        }
        for m in matches.drain(..) {
            let Some(meta) = self.rules.rules().get(m.rule) else { continue };
            let Some(rule_use) = self.uses.get(m.rule) else { continue };
            let reason = fill(&rule_use.reason, &m, &enriched);
            self.indicators.push(Indicator {
                user: user.to_string(),
                time_ms: m.last_time_ms,
                day,
                rule: meta.id.clone(),
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
            let key = (m.rule, user.to_string(), day);
            match self.alert_at.get(&key) {
                Some(&i) => {
                    if let Some(a) = self.alerts.get_mut(i) {
                        a.first_event_ms = a.first_event_ms.min(m.first_time_ms);
                        a.last_event_ms = a.last_event_ms.max(m.last_time_ms);
                        a.event_count += m.event_count;
                        for id in &m.event_ids {
                            if a.event_ids.len() < MAX_ALERT_EVENTS && !a.event_ids.contains(id) {
                                a.event_ids.push(id.clone());
                            }
                        }
                        if a.reasons.len() < 20 && !a.reasons.contains(&reason) {
                            a.reasons.push(reason);
                        }
                    }
                }
                None => {
                    self.alert_at.insert(key, self.alerts.len());
                    self.alerts.push(Alert {
                        key: format!("{}/{}/{}", meta.id, user, day),
                        user: user.to_string(),
                        rule: meta.id.clone(),
                        title: meta.title.clone(),
                        title_ja: rule_use.title_ja.clone(),
                        severity: meta.level,
                        day,
                        first_event_ms: m.first_time_ms,
                        last_event_ms: m.last_time_ms,
                        event_ids: m.event_ids.iter().take(MAX_ALERT_EVENTS).cloned().collect(),
                        event_count: m.event_count,
                        reasons: vec![reason],
                    });
                }
            }
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

fn anomaly_title(m: Measure) -> Reason {
    let (ja, en) = match m {
        Measure::RemovableBytes => ("リムーバブルメディアへのコピー量", "bytes copied to removable media"),
        Measure::RemovableFiles => ("リムーバブルメディアへのコピー件数", "files copied to removable media"),
        Measure::UploadBytes => ("社外へのアップロード量", "bytes uploaded outside the company"),
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
/// the match `{file}`, `{domain}`, `{device}`, `{to}`, `{secret}`.
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
    let render = |t: &str| {
        if !t.contains('{') {
            return t.to_owned();
        }
        let value = m.value.unwrap_or(m.event_count as f64);
        let mut out = t.replace("{count}", &m.event_count.to_string());
        out = out.replace("{value}", &format!("{value:.0}"));
        out = out.replace("{size}", &human_bytes(value));
        for (key, field) in [
            ("{file}", "file.path"),
            ("{domain}", "destination.domain"),
            ("{device}", "device.name"),
            ("{to}", "email.to"),
            ("{secret}", "maruhi.file.secret_title"),
        ] {
            if out.contains(key) {
                out = out.replace(key, &one(field));
            }
        }
        // A placeholder with nothing to fill leaves empty brackets behind.
        out.replace("（）", "").replace(" ()", "").replace("()", "")
    };
    Reason { ja: render(&template.ja), en: render(&template.en) }
}
