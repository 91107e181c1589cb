//! Self-assessment against METI's 秘密情報の保護ハンドブック (its five
//! objectives) and IPA's 組織における内部不正防止ガイドライン (its checklist's
//! areas).
//!
//! The items are data (`assess/items.json`, compiled in): each names its
//! objective, area and source, and either a measure that is computed here
//! from what maruhi recorded (the register, the audit trail, activity
//! events, alerts, HR dates, cases) or nothing, when it is answered by hand.
//! A measured value becomes a score 0–100 by the linear thresholds the item
//! gives; an answer scores yes 100, partly 50, no 0. Answers and saved
//! snapshots are state changes, each an audit event.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::{Duration, OffsetDateTime};

use crate::audit::{self, AuditAction, Event};
use crate::i18n::{Lang, Msg};
use crate::validate::Problems;
use crate::{clock, policy, Actor, Error, Result, Service};

/// How far back the register's reviews, alert triage, leavers and saved
/// assessments are looked at.
const YEAR: Duration = Duration::days(365);
/// The window of activity-log measures.
const MONTH: Duration = Duration::days(30);
/// The window of scans.
const QUARTER: Duration = Duration::days(90);
/// An alert is triaged in time when its first triage comes within this.
pub const TRIAGE_DAYS: i64 = 7;

/// The answers an item answered by hand takes.
pub const ANSWERS: [&str; 4] = ["yes", "partly", "no", "na"];

/// At most this many evidence files per answer.
const MAX_EVIDENCE: usize = 20;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ja: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(self.ja.as_str(), self.en.as_str())
    }

    fn new(ja: impl Into<String>, en: impl Into<String>) -> Text {
        Text { ja: ja.into(), en: en.into() }
    }
}

/// What an automatic item measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Registered secrets with storage locations.
    LocatedShare,
    /// Registered secrets whose access list or entry changed within a year.
    AccessReviewedShare,
    /// Registered secrets with a manager and a department.
    OwnedShare,
    /// Registered secrets with an original in the vault.
    StoredShare,
    /// Copies to removable media per 1,000 people, last 30 days.
    #[serde(rename = "removable_per_1000")]
    RemovablePer1000,
    /// Uploads per 1,000 people, last 30 days.
    #[serde(rename = "upload_per_1000")]
    UploadPer1000,
    /// People known (maruhi users, HR) seen in the activity logs, last 30 days.
    LogCoverage,
    /// Days with a recorded scan finding, last 90 days.
    #[serde(rename = "scan_days_90")]
    ScanDays90,
    /// Alerts triaged within [`TRIAGE_DAYS`].
    AlertsTriagedShare,
    /// Days since the newest time stamp over a checkpoint.
    LedgerAnchoredDays,
    /// Leavers of the last year someone looked back on.
    LeaversLookbackShare,
    /// Registered secrets with a mark.
    MarkedShare,
    /// Entitled people who acknowledged the current rules.
    AcksShare,
    /// Registered secrets with a review date not passed.
    ReviewCurrentShare,
    /// Assessments saved in the last year.
    #[serde(rename = "assessments_365")]
    Assessments365,
}

/// One of METI's objectives or IPA's areas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Named {
    pub id: String,
    pub ja: String,
    pub en: String,
}

impl Named {
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(self.ja.as_str(), self.en.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoringFile {
    measure: Option<Measure>,
    zero: Option<f64>,
    full: Option<f64>,
    why: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    id: String,
    objective: String,
    area: String,
    ja: String,
    en: String,
    source: String,
    scoring: ScoringFile,
    next: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[allow(dead_code)]
    about: String,
    objectives: Vec<Named>,
    areas: Vec<Named>,
    items: Vec<ItemFile>,
}

/// How an automatic item turns its measured value into a score: linearly
/// from `zero` (0) to `full` (100), clamped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scoring {
    pub measure: Measure,
    pub zero: f64,
    pub full: f64,
}

impl Scoring {
    pub fn score(&self, value: f64) -> u8 {
        let t = (value - self.zero) / (self.full - self.zero);
        (t.clamp(0.0, 1.0) * 100.0).round() as u8
    }
}

/// An item of the assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub objective: String,
    pub area: String,
    pub text: Text,
    /// The guidance it comes from, with the edition.
    pub source: String,
    /// `None`: answered by hand.
    pub scoring: Option<Scoring>,
    /// Why the thresholds are where they are.
    pub why: Option<String>,
    /// What to do in maruhi about a gap.
    pub next: Text,
}

/// The items, with the objectives and areas they belong to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Catalogue {
    pub objectives: Vec<Named>,
    pub areas: Vec<Named>,
    pub items: Vec<Item>,
}

impl Catalogue {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// Reads and checks the item file.
fn parse_catalogue(text: &str) -> std::result::Result<Catalogue, String> {
    let file: CatalogueFile = serde_json::from_str(text).map_err(|e| format!("items.json: {e}"))?;
    let objective_ids: HashSet<&str> = file.objectives.iter().map(|o| o.id.as_str()).collect();
    let area_ids: HashSet<&str> = file.areas.iter().map(|a| a.id.as_str()).collect();
    for n in file.objectives.iter().chain(&file.areas) {
        if n.ja.trim().is_empty() || n.en.trim().is_empty() {
            return Err(format!("{} lacks a name in one language", n.id));
        }
    }
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(file.items.len());
    for i in file.items {
        if !seen.insert(i.id.clone()) {
            return Err(format!("item {} appears twice", i.id));
        }
        if !objective_ids.contains(i.objective.as_str()) {
            return Err(format!("item {}: unknown objective {}", i.id, i.objective));
        }
        if !area_ids.contains(i.area.as_str()) {
            return Err(format!("item {}: unknown area {}", i.id, i.area));
        }
        if [&i.ja, &i.en, &i.next.ja, &i.next.en].iter().any(|t| t.trim().is_empty()) {
            return Err(format!("item {}: a text or next step lacks a language", i.id));
        }
        if i.source.trim().is_empty() {
            return Err(format!("item {}: no source", i.id));
        }
        let scoring = match (i.scoring.measure, i.scoring.zero, i.scoring.full) {
            (None, None, None) => None,
            (Some(measure), Some(zero), Some(full)) if zero != full && zero.is_finite() && full.is_finite() => {
                Some(Scoring { measure, zero, full })
            }
            _ => return Err(format!("item {}: a measure needs distinct finite zero and full thresholds", i.id)),
        };
        items.push(Item {
            id: i.id,
            objective: i.objective,
            area: i.area,
            text: Text { ja: i.ja, en: i.en },
            source: i.source,
            scoring,
            why: i.scoring.why,
            next: i.next,
        });
    }
    Ok(Catalogue { objectives: file.objectives, areas: file.areas, items })
}

static CATALOGUE: LazyLock<std::result::Result<Catalogue, String>> =
    LazyLock::new(|| parse_catalogue(include_str!("../assess/items.json")));

/// The compiled-in items (a broken file is a build of ours that a unit test
/// refuses; it is reported, never a panic).
pub fn catalogue() -> Result<&'static Catalogue> {
    CATALOGUE.as_ref().map_err(|e| Error::Internal(e.clone()))
}

/// A file named as evidence for an answer (kept wherever the company keeps
/// it; the digest pins which version was meant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub name: String,
    /// SHA-256 of the file, 64 lower-case hex digits, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// An answer to record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    pub item: String,
    /// One of [`ANSWERS`].
    pub answer: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// A recorded answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub item: String,
    pub answer: String,
    pub note: String,
    pub evidence: Vec<Evidence>,
    pub answered_by: String,
    pub answered_at: String,
}

impl Answer {
    fn from_row(r: maruhi_store::assess::AnswerRow) -> Answer {
        Answer {
            evidence: serde_json::from_str(&r.evidence).unwrap_or_default(),
            item: r.item_id,
            answer: r.answer,
            note: r.note,
            answered_by: r.answered_by_name,
            answered_at: r.answered_at,
        }
    }

    fn score(&self) -> Option<u8> {
        match self.answer.as_str() {
            "yes" => Some(100),
            "partly" => Some(50),
            "no" => Some(0),
            _ => None,
        }
    }
}

/// The label of an answer value.
pub fn answer_label(answer: &str, lang: Lang) -> &'static str {
    let (ja, en) = match answer {
        "yes" => ("はい", "Yes"),
        "partly" => ("一部", "Partly"),
        "no" => ("いいえ", "No"),
        "na" => ("該当なし", "Not applicable"),
        _ => ("未回答", "Not answered"),
    };
    lang.pick(ja, en)
}

/// One item's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    pub id: String,
    pub objective: String,
    pub area: String,
    pub text: Text,
    pub source: String,
    /// `auto` or `manual`.
    pub kind: &'static str,
    pub measure: Option<Measure>,
    /// `None`: nothing to score yet (no data, not answered, not applicable).
    pub score: Option<u8>,
    /// The measured value (a share 0–1, a rate, a count of days).
    pub value: Option<f64>,
    /// The measured value for people.
    pub value_text: Option<Text>,
    /// The counts behind the value.
    pub facts: Map<String, Value>,
    pub answer: Option<Answer>,
    /// Below 100, or not yet known: the next step applies.
    pub gap: bool,
    pub next: Text,
}

/// An objective's score: the mean of its scored items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveScore {
    pub id: String,
    pub name: Text,
    pub score: Option<u8>,
    pub scored: usize,
    pub items: usize,
}

/// The assessment as of now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub at: String,
    /// The mean of the objectives' scores.
    pub overall: Option<u8>,
    pub objectives: Vec<ObjectiveScore>,
    pub areas: Vec<Named>,
    pub items: Vec<ItemResult>,
    /// The viewer may answer items and save snapshots.
    pub may_answer: bool,
}

impl Assessment {
    pub fn objective_name(&self, id: &str, lang: Lang) -> String {
        self.objectives.iter().find(|o| o.id == id).map(|o| o.name.get(lang).to_owned()).unwrap_or_default()
    }

    pub fn area_name(&self, id: &str, lang: Lang) -> String {
        self.areas.iter().find(|a| a.id == id).map(|a| a.name(lang).to_owned()).unwrap_or_default()
    }
}

/// A saved assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub taken_at: String,
    pub taken_by: String,
    pub overall: Option<u8>,
    /// Objective id → score.
    pub objectives: BTreeMap<String, Option<u8>>,
    /// Per item: id, score, value, answer.
    pub items: Value,
}

fn mean(scores: impl Iterator<Item = u8>) -> Option<u8> {
    let (sum, n) = scores.fold((0u32, 0u32), |(s, n), x| (s + u32::from(x), n + 1));
    (n > 0).then(|| ((f64::from(sum) / f64::from(n)).round()) as u8)
}

/// A measured value, what it says, and the counts behind it.
struct Measured {
    value: Option<f64>,
    /// Scores 0 when there is no value (nothing done, rather than nothing to measure).
    none_is_zero: bool,
    text: Text,
    facts: Map<String, Value>,
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn facts(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A share of registered secrets.
fn share(part: i64, whole: i64, ja: &str, en: &str) -> Measured {
    let f = facts(json!({"registered": whole, "with": part}));
    if whole == 0 {
        return Measured {
            value: None,
            none_is_zero: false,
            text: Text::new("登録済みの営業秘密がありません", "no registered secrets yet"),
            facts: f,
        };
    }
    let v = part as f64 / whole as f64;
    Measured {
        value: Some(v),
        none_is_zero: false,
        text: Text::new(
            format!("{part} / {whole} 件（{}）{ja}", pct(v)),
            format!("{part} of {whole} ({}) {en}", pct(v)),
        ),
        facts: f,
    }
}

/// Every fact the automatic items read, gathered once.
struct Facts {
    register: maruhi_store::assess::RegisterFacts,
    entitled: i64,
    outstanding: i64,
    sources: Vec<maruhi_store::assess::SourceFacts>,
    known_people: usize,
    maruhi_users: usize,
    hr_people: usize,
    seen_in_logs: usize,
    seen_known: usize,
    removable: i64,
    uploads: i64,
    scan_days: i64,
    alerts: Vec<maruhi_store::assess::AlertTriage>,
    leavers: usize,
    leavers_looked_back: usize,
    last_anchor: Option<String>,
    snapshots: i64,
    now: OffsetDateTime,
}

impl Facts {
    fn measure(&self, m: Measure) -> Measured {
        let r = &self.register;
        match m {
            Measure::LocatedShare => share(r.located, r.registered, "に保管場所あり", "have storage locations"),
            Measure::AccessReviewedShare => {
                share(r.access_reviewed, r.registered, "が1年以内に見直し", "reviewed within a year")
            }
            Measure::OwnedShare => {
                share(r.owned, r.registered, "に管理責任者と部署あり", "have a manager and department")
            }
            Measure::StoredShare => {
                share(r.stored, r.registered, "の原本を保管庫に保管", "have an original in the vault")
            }
            Measure::MarkedShare => share(r.marked, r.registered, "に表示あり", "are marked"),
            Measure::ReviewCurrentShare => {
                share(r.review_current, r.registered, "の見直し期限が有効", "have a review date not yet passed")
            }
            Measure::AcksShare => {
                let f = facts(json!({"entitled_pairs": self.entitled, "outstanding": self.outstanding}));
                if self.entitled == 0 {
                    return Measured {
                        value: None,
                        none_is_zero: false,
                        text: Text::new("アクセス権の付与がありません", "no one is on an access list yet"),
                        facts: f,
                    };
                }
                let v = (self.entitled - self.outstanding) as f64 / self.entitled as f64;
                Measured {
                    value: Some(v),
                    none_is_zero: false,
                    text: Text::new(
                        format!("未確認 {} 件 / {} 件（確認済み {}）", self.outstanding, self.entitled, pct(v)),
                        format!("{} of {} outstanding ({} acknowledged)", self.outstanding, self.entitled, pct(v)),
                    ),
                    facts: f,
                }
            }
            Measure::LogCoverage => {
                let f = facts(json!({
                    "known_people": self.known_people, "maruhi_users": self.maruhi_users,
                    "hr_people": self.hr_people, "seen_in_logs": self.seen_in_logs,
                    "known_seen_in_logs": self.seen_known,
                    "sources": self.sources.iter().map(|s| json!({"source": s.source, "events": s.events, "users": s.users})).collect::<Vec<_>>(),
                }));
                if self.known_people == 0 {
                    return Measured {
                        value: None,
                        none_is_zero: false,
                        text: Text::new("利用者・人事データがありません", "no users or HR people known"),
                        facts: f,
                    };
                }
                let v = self.seen_known as f64 / self.known_people as f64;
                let sources = self.sources.len();
                Measured {
                    value: Some(v),
                    none_is_zero: true,
                    text: Text::new(
                        format!(
                            "{} / {} 人（{}）が過去30日のログに記録（取込元 {sources} 件）",
                            self.seen_known,
                            self.known_people,
                            pct(v)
                        ),
                        format!(
                            "{} of {} people ({}) in the last 30 days' logs ({sources} sources)",
                            self.seen_known,
                            self.known_people,
                            pct(v)
                        ),
                    ),
                    facts: f,
                }
            }
            Measure::RemovablePer1000 | Measure::UploadPer1000 => {
                let (n, ja, en) = if m == Measure::RemovablePer1000 {
                    (self.removable, "外部記憶媒体への書き出し", "copies to removable media")
                } else {
                    (self.uploads, "アップロード", "uploads")
                };
                let events: i64 = self.sources.iter().map(|s| s.events).sum();
                let people = self.known_people.max(self.seen_in_logs);
                let f = facts(json!({"events": n, "people": people, "all_events": events}));
                if events == 0 || people == 0 {
                    return Measured {
                        value: None,
                        none_is_zero: false,
                        text: Text::new("過去30日の行動ログがありません", "no activity logs in the last 30 days"),
                        facts: f,
                    };
                }
                let v = n as f64 * 1000.0 / people as f64;
                Measured {
                    value: Some(v),
                    none_is_zero: false,
                    text: Text::new(
                        format!("{ja} {n} 件 / {people} 人（1,000人あたり {v:.0} 件、過去30日）"),
                        format!("{n} {en} / {people} people ({v:.0} per 1,000, last 30 days)"),
                    ),
                    facts: f,
                }
            }
            Measure::ScanDays90 => Measured {
                value: Some(self.scan_days as f64),
                none_is_zero: true,
                text: Text::new(
                    format!("過去90日でスキャン結果の記録がある日: {} 日", self.scan_days),
                    format!("{} days with recorded scan results in the last 90 days", self.scan_days),
                ),
                facts: facts(json!({"scan_days": self.scan_days})),
            },
            Measure::AlertsTriagedShare => {
                let due_before = self.now - Duration::days(TRIAGE_DAYS);
                let mut due = 0;
                let mut in_time = 0;
                let mut late = 0;
                for a in &self.alerts {
                    let Some(created) = clock::parse_time(&a.created_at) else { continue };
                    if created > due_before {
                        continue;
                    }
                    due += 1;
                    match a.first_triaged_at.as_deref().and_then(clock::parse_time) {
                        Some(t) if t - created <= Duration::days(TRIAGE_DAYS) => in_time += 1,
                        Some(_) => late += 1,
                        None => {}
                    }
                }
                let f = facts(json!({
                    "alerts": self.alerts.len(), "due": due, "triaged_in_time": in_time,
                    "triaged_late": late, "untriaged": due - in_time - late,
                }));
                if due == 0 {
                    return Measured {
                        value: None,
                        none_is_zero: false,
                        text: Text::new("判定期限を過ぎたアラートはありません", "no alerts old enough to judge"),
                        facts: f,
                    };
                }
                let v = f64::from(in_time) / f64::from(due);
                Measured {
                    value: Some(v),
                    none_is_zero: false,
                    text: Text::new(
                        format!("{in_time} / {due} 件（{}）を{TRIAGE_DAYS}日以内に判定", pct(v)),
                        format!("{in_time} of {due} ({}) triaged within {TRIAGE_DAYS} days", pct(v)),
                    ),
                    facts: f,
                }
            }
            Measure::LedgerAnchoredDays => {
                let days = self
                    .last_anchor
                    .as_deref()
                    .and_then(clock::parse_time)
                    .map(|t| ((self.now - t).whole_seconds().max(0) as f64) / 86_400.0);
                let f = facts(json!({"last_time_stamp": self.last_anchor}));
                match days {
                    None => Measured {
                        value: None,
                        none_is_zero: true,
                        text: Text::new("時刻印がまだありません", "no time stamp yet"),
                        facts: f,
                    },
                    Some(d) => Measured {
                        value: Some(d),
                        none_is_zero: true,
                        text: Text::new(
                            format!("最新の時刻印から {d:.0} 日"),
                            format!("{d:.0} days since the newest time stamp"),
                        ),
                        facts: f,
                    },
                }
            }
            Measure::LeaversLookbackShare => {
                let f = facts(json!({"leavers": self.leavers, "looked_back": self.leavers_looked_back}));
                if self.leavers == 0 {
                    return Measured {
                        value: None,
                        none_is_zero: false,
                        text: Text::new("過去1年の退職者の記録がありません", "no leavers recorded in the last year"),
                        facts: f,
                    };
                }
                let v = self.leavers_looked_back as f64 / self.leavers as f64;
                Measured {
                    value: Some(v),
                    none_is_zero: false,
                    text: Text::new(
                        format!(
                            "過去1年の退職者 {} 人のうち {} 人（{}）を振り返り済み",
                            self.leavers,
                            self.leavers_looked_back,
                            pct(v)
                        ),
                        format!(
                            "{} of {} leavers of the last year ({}) looked back on",
                            self.leavers_looked_back,
                            self.leavers,
                            pct(v)
                        ),
                    ),
                    facts: f,
                }
            }
            Measure::Assessments365 => Measured {
                value: Some(self.snapshots as f64),
                none_is_zero: true,
                text: Text::new(
                    format!("過去1年に保存した自己評価: {} 回", self.snapshots),
                    format!("{} assessments saved in the last year", self.snapshots),
                ),
                facts: facts(json!({"saved": self.snapshots})),
            },
        }
    }
}

impl Service {
    async fn assessment_facts(&self) -> Result<Facts> {
        let now = self.now();
        let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
        let today = now.to_offset(jst).date();
        let year_ago = clock::format_time(now - YEAR);
        let mut conn = self.db.read().await?;
        let c = &mut *conn;
        use maruhi_store::assess as q;
        let register = q::register_facts(c, &year_ago, &clock::format_date(today)).await?;
        let entitled = q::entitled_pairs(c).await?;
        let outstanding = maruhi_store::acks::outstanding_total(c).await?;
        let month_ms = ((now - MONTH).unix_timestamp_nanos() / 1_000_000) as i64;
        let sources = q::events_by_source(c, month_ms).await?;
        let (removable, uploads) = q::carry_out_events(c, month_ms).await?;
        let ids = self.identities_from(c).await?;
        let users: BTreeSet<String> = q::active_usernames(c).await?.iter().map(|u| ids.canonical(u)).collect();
        let hr: BTreeSet<String> =
            maruhi_store::hr::list_hr(c).await?.iter().map(|h| ids.canonical(&h.user_name)).collect();
        let known: BTreeSet<&String> = users.iter().chain(&hr).collect();
        let seen: BTreeSet<String> =
            maruhi_store::events::users_since(c, month_ms).await?.iter().map(|u| ids.canonical(u)).collect();
        let seen_known = known.iter().filter(|k| seen.contains(k.as_str())).count();
        let scan_days = q::scan_days(c, &clock::format_time(now - QUARTER)).await?;
        let alerts = q::alert_triage(c, &year_ago).await?;
        let leavers: BTreeSet<String> = q::leavers(c, &clock::format_date(today - YEAR), &clock::format_date(today))
            .await?
            .iter()
            .map(|u| ids.canonical(u))
            .collect();
        let looked: HashSet<String> = q::looked_back_people(c).await?.iter().map(|u| ids.canonical(u)).collect();
        let leavers_looked_back = leavers.iter().filter(|l| looked.contains(*l)).count();
        let last_anchor = maruhi_store::ledger::latest_timestamp(c).await?.map(|t| t.stamped_at);
        let snapshots = q::snapshots_since(c, &year_ago).await?;
        Ok(Facts {
            register,
            entitled,
            outstanding,
            sources,
            known_people: known.len(),
            maruhi_users: users.len(),
            hr_people: hr.len(),
            seen_in_logs: seen.len(),
            seen_known,
            removable,
            uploads,
            scan_days,
            alerts,
            leavers: leavers.len(),
            leavers_looked_back,
            last_anchor,
            snapshots,
            now,
        })
    }

    async fn compute_assessment(&self, actor: &Actor) -> Result<Assessment> {
        let cat = catalogue()?;
        let facts = self.assessment_facts().await?;
        let answers: BTreeMap<String, Answer> = {
            let mut conn = self.db.read().await?;
            maruhi_store::assess::answers(&mut conn)
                .await?
                .into_iter()
                .map(|r| (r.item_id.clone(), Answer::from_row(r)))
                .collect()
        };
        let items: Vec<ItemResult> = cat
            .items
            .iter()
            .map(|item| {
                let base = |kind, measure| ItemResult {
                    id: item.id.clone(),
                    objective: item.objective.clone(),
                    area: item.area.clone(),
                    text: item.text.clone(),
                    source: item.source.clone(),
                    kind,
                    measure,
                    score: None,
                    value: None,
                    value_text: None,
                    facts: Map::new(),
                    answer: None,
                    gap: true,
                    next: item.next.clone(),
                };
                match item.scoring {
                    Some(s) => {
                        let m = facts.measure(s.measure);
                        let score = match m.value {
                            Some(v) => Some(s.score(v)),
                            None if m.none_is_zero => Some(0),
                            None => None,
                        };
                        ItemResult {
                            score,
                            value: m.value,
                            value_text: Some(m.text),
                            facts: m.facts,
                            gap: score != Some(100),
                            ..base("auto", Some(s.measure))
                        }
                    }
                    None => {
                        let answer = answers.get(&item.id).cloned();
                        let score = answer.as_ref().and_then(Answer::score);
                        let na = answer.as_ref().is_some_and(|a| a.answer == "na");
                        ItemResult { score, gap: !na && score != Some(100), answer, ..base("manual", None) }
                    }
                }
            })
            .collect();
        let objectives: Vec<ObjectiveScore> = cat
            .objectives
            .iter()
            .map(|o| {
                let mine: Vec<&ItemResult> = items.iter().filter(|i| i.objective == o.id).collect();
                ObjectiveScore {
                    id: o.id.clone(),
                    name: Text::new(o.ja.clone(), o.en.clone()),
                    score: mean(mine.iter().filter_map(|i| i.score)),
                    scored: mine.iter().filter(|i| i.score.is_some()).count(),
                    items: mine.len(),
                }
            })
            .collect();
        Ok(Assessment {
            at: clock::format_time(facts.now),
            overall: mean(objectives.iter().filter_map(|o| o.score)),
            objectives,
            areas: cat.areas.clone(),
            items,
            may_answer: policy::may_answer_assessment(actor),
        })
    }

    /// The assessment as of now: every item scored from the facts or the
    /// answers on record. Admin, legal/IP and auditors.
    pub async fn assessment(&self, actor: &Actor) -> Result<Assessment> {
        if !policy::may_view_assessment(actor.role) {
            return Err(Error::Forbidden);
        }
        self.compute_assessment(actor).await
    }

    /// Records the answer to an item answered by hand (replacing an earlier
    /// one) with an `assessment.answer` audit event. Admin and legal/IP with
    /// write scope.
    pub async fn answer_assessment_item(&self, actor: &Actor, input: AnswerInput) -> Result<Answer> {
        if !policy::may_answer_assessment(actor) {
            return Err(Error::Forbidden);
        }
        let cat = catalogue()?;
        let mut p = Problems::default();
        let item_id = input.item.trim().to_owned();
        match cat.item(&item_id) {
            None => p.add("item", Msg::UnknownAssessmentItem),
            Some(i) if i.scoring.is_some() => p.add("item", Msg::AssessmentItemAutomatic),
            Some(_) => {}
        }
        let answer = input.answer.trim().to_ascii_lowercase();
        if !ANSWERS.contains(&answer.as_str()) {
            p.add("answer", Msg::UnknownAnswer);
        }
        let note = p.text("note", &input.note, false, 2000);
        if input.evidence.len() > MAX_EVIDENCE {
            p.add("evidence", Msg::TooMany);
        }
        let mut evidence = Vec::with_capacity(input.evidence.len());
        for e in input.evidence.iter().take(MAX_EVIDENCE) {
            let name = p.text("evidence", &e.name, true, 255);
            let sha256 = match e.sha256.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Some(h.to_ascii_lowercase()),
                Some(_) => {
                    p.add("evidence", Msg::BadSha256);
                    None
                }
                None => None,
            };
            evidence.push(Evidence { name, sha256 });
        }
        p.finish()?;
        let at = self.now_text();
        let row = maruhi_store::assess::AnswerRow {
            item_id: item_id.clone(),
            answer: answer.clone(),
            note: note.clone(),
            evidence: serde_json::to_string(&evidence).map_err(|e| Error::Internal(e.to_string()))?,
            answered_by: actor.user_id,
            answered_by_name: actor.username.clone(),
            answered_at: at.clone(),
        };
        let mut tx = self.db.begin().await?;
        maruhi_store::assess::upsert_answer(tx.conn(), &row).await?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::AssessmentAnswer, "assessment_item", &item_id)
                .summary(json!({"answer": answer, "note": note, "evidence": evidence})),
        )
        .await?;
        tx.commit().await?;
        Ok(Answer::from_row(row))
    }

    /// Computes the assessment and saves it as a snapshot (an
    /// `assessment.save` audit event), so scores can be shown over time.
    pub async fn save_assessment(&self, actor: &Actor) -> Result<(Assessment, Snapshot)> {
        if !policy::may_answer_assessment(actor) {
            return Err(Error::Forbidden);
        }
        let a = self.compute_assessment(actor).await?;
        let objectives: BTreeMap<String, Option<u8>> = a.objectives.iter().map(|o| (o.id.clone(), o.score)).collect();
        let items: Value = a
            .items
            .iter()
            .map(|i| json!({"id": i.id, "score": i.score, "value": i.value, "answer": i.answer.as_ref().map(|x| &x.answer)}))
            .collect();
        let at = self.now_text();
        let mut row = maruhi_store::assess::SnapshotRow {
            id: 0,
            taken_at: at.clone(),
            taken_by: actor.user_id,
            taken_by_name: actor.username.clone(),
            overall: a.overall.map(i64::from),
            objectives: audit::canonical_json(&json!(objectives)),
            items: audit::canonical_json(&items),
        };
        let mut tx = self.db.begin().await?;
        row.id = maruhi_store::assess::insert_snapshot(tx.conn(), &row).await?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::AssessmentSave, "assessment", row.id)
                .summary(json!({"overall": a.overall, "objectives": objectives})),
        )
        .await?;
        tx.commit().await?;
        Ok((a, snapshot_from(row)))
    }

    /// Saved snapshots, newest first.
    pub async fn assessment_history(&self, actor: &Actor, limit: i64) -> Result<Vec<Snapshot>> {
        if !policy::may_view_assessment(actor.role) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::assess::snapshots(&mut conn, limit.clamp(1, 1000))
            .await?
            .into_iter()
            .map(snapshot_from)
            .collect())
    }
}

fn snapshot_from(r: maruhi_store::assess::SnapshotRow) -> Snapshot {
    Snapshot {
        id: r.id,
        taken_at: r.taken_at,
        taken_by: r.taken_by_name,
        overall: r.overall.and_then(|o| u8::try_from(o).ok()),
        objectives: serde_json::from_str(&r.objectives).unwrap_or_default(),
        items: serde_json::from_str(&r.items).unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_items_file_parses_and_is_complete() {
        let cat = catalogue().expect("items.json");
        assert!((25..=40).contains(&cat.items.len()), "{} items", cat.items.len());
        let ids: HashSet<_> = cat.items.iter().map(|i| &i.id).collect();
        assert_eq!(ids.len(), cat.items.len(), "ids are unique");
        for i in &cat.items {
            assert!(!i.text.ja.is_empty() && !i.text.en.is_empty(), "{} lacks a language", i.id);
            assert!(!i.next.ja.is_empty() && !i.next.en.is_empty(), "{} lacks a next step", i.id);
            assert!(i.source.contains("経済産業省") || i.source.contains("IPA"), "{} names no source", i.id);
            assert!(i.source.contains("年"), "{} names no edition", i.id);
        }
        for o in &cat.objectives {
            assert!(cat.items.iter().any(|i| i.objective == o.id), "objective {} has no item", o.id);
        }
        assert_eq!(cat.objectives.len(), 5, "METI's five objectives");
        for area in ["policy", "assets", "physical", "technical", "human", "aftermath"] {
            assert!(cat.items.iter().any(|i| i.area == area), "IPA area {area} has no item");
        }
        assert!(cat.items.iter().filter(|i| i.scoring.is_some()).count() >= 10);
    }

    #[test]
    fn a_broken_file_is_refused() {
        let good = include_str!("../assess/items.json");
        let twice = good.replacen("\"id\": \"A02\"", "\"id\": \"A01\"", 1);
        assert!(matches!(parse_catalogue(&twice), Err(e) if e.contains("twice")));
        let no_full = good.replacen("\"zero\": 0.0, \"full\": 1.0}", "\"zero\": 0.0}", 1);
        assert!(parse_catalogue(&no_full).is_err());
        let bad_objective = good.replacen("\"objective\": \"access\"", "\"objective\": \"nowhere\"", 1);
        assert!(matches!(parse_catalogue(&bad_objective), Err(e) if e.contains("unknown objective")));
    }

    #[test]
    fn thresholds_map_linearly_either_way() {
        let up = Scoring { measure: Measure::MarkedShare, zero: 0.0, full: 1.0 };
        assert_eq!((up.score(0.0), up.score(0.5), up.score(1.2)), (0, 50, 100));
        let down = Scoring { measure: Measure::RemovablePer1000, zero: 1000.0, full: 50.0 };
        assert_eq!((down.score(2000.0), down.score(50.0), down.score(0.0), down.score(525.0)), (0, 100, 100, 50));
    }
}
