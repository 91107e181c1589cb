//! Per-person risk scores: indicators add up, boosted by what makes them
//! weigh more, and fade with time.
//!
//! The model is the additive indicator scoring of Microsoft Purview Insider
//! Risk Management and Code42 Incydr, made explicit so that an analyst can
//! recompute any score by hand:
//!
//! ```text
//! score(user, as_of) = Σ  weight_i × booster_i × repeat_i × 0.5^(age_i / HALF_LIFE)
//! ```
//!
//! over the person's indicators up to `as_of`, where
//! * `weight_i` is the rule's `maruhi.weight` (or its level's default,
//!   [`default_weight`]); baseline anomalies weigh [`ANOMALY_WEIGHT`];
//! * `booster_i` multiplies ×[`DEPARTING_BOOST`] when, as of `as_of`, HR has a
//!   notice for the person and the indicator falls in the look-back window
//!   (90 days before the notice to the end date), ×[`ABOVE_USUAL_BOOST`] when
//!   the person's volume that day was above their own usual,
//!   ×[`SEQUENCE_BOOST`] on a day a sequence rule matched for the person (for
//!   the other indicators of that day), and ×[`CONTRACTOR_BOOST`] for people
//!   on the contractors list;
//! * `repeat_i = 1/k × 1/(1 + d)` for the k-th indicator of the same rule
//!   for the person on its day, where `d` is the number of earlier days
//!   within [`REPEAT_WINDOW_DAYS`] on which the rule matched for the person:
//!   a habit (one person's daily USB copies) grows slowly while a new
//!   behaviour counts in full. Only recent days count, so a rule that was a
//!   habit months ago does not discount what it finds today;
//! * the half-life is [`HALF_LIFE_DAYS`].

use std::collections::{HashMap, HashSet, VecDeque};

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::context::{Context, Watchlist};
use crate::sigma::Level;

/// Days after which an indicator counts half.
pub const HALF_LIFE_DAYS: f64 = 14.0;
/// Booster for indicators in a leaver's look-back window.
pub const DEPARTING_BOOST: f64 = 2.0;
/// Booster for indicators on a day above the person's usual volume.
pub const ABOVE_USUAL_BOOST: f64 = 1.5;
/// Booster for contractors.
pub const CONTRACTOR_BOOST: f64 = 1.25;
/// Booster for the other indicators of a day on which a sequence rule
/// (a `temporal` or `temporal_ordered` correlation: archive then upload,
/// secret read then copied out) matched for the person.
pub const SEQUENCE_BOOST: f64 = 1.5;
/// Weight of a day above the person's usual volume.
pub const ANOMALY_WEIGHT: f64 = 6.0;
/// Days over which earlier matches of a rule discount a new one.
pub const REPEAT_WINDOW_DAYS: i64 = 30;
/// Indicators older than this add less than 3 % of their points and are
/// left out when the engine scores a person as events arrive.
pub const SCORE_HORIZON_DAYS: i64 = 70;

/// The weight of a rule without `maruhi.weight`.
pub fn default_weight(level: Level) -> f64 {
    match level {
        Level::Informational => 1.0,
        Level::Low => 4.0,
        Level::Medium => 10.0,
        Level::High => 25.0,
        Level::Critical => 40.0,
    }
}

/// A plain-language reason, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// 日本語.
    pub ja: String,
    /// English.
    pub en: String,
}

/// One thing that raised a person's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// The account (lower case).
    pub user: String,
    /// When the evidence ended (the last event), Unix milliseconds.
    pub time_ms: i64,
    /// The local day of `time_ms`.
    pub day: Date,
    /// The rule id, or `baseline/<measure>` for anomalies.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's title in Japanese.
    pub title_ja: String,
    /// The rule's level.
    pub level: Level,
    /// Points before boosters and decay.
    pub weight: f64,
    /// Whether the person's volume that day was above their usual.
    pub above_usual: bool,
    /// Whether the rule is a sequence (a `temporal` or `temporal_ordered`
    /// correlation).
    #[serde(default)]
    pub sequence: bool,
    /// Why, in words.
    pub reason: Reason,
    /// Evidence event ids (at most 100).
    pub event_ids: Vec<String>,
}

/// A rule's share of a person's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredReason {
    /// Rule id (or `baseline/<measure>`, or `booster/departing`).
    pub rule: String,
    /// Points it contributes as of the scoring time.
    pub points: f64,
    /// How many indicators of the rule contributed.
    pub count: usize,
    /// The latest indicator's reason (for boosters, what the booster is).
    #[serde(flatten)]
    pub reason: Reason,
}

/// A person's score as of a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserScore {
    /// The account.
    pub user: String,
    /// The score, rounded to one decimal.
    pub score: f64,
    /// The largest contributions first.
    pub reasons: Vec<ScoredReason>,
}

/// Scores every person with indicators up to `as_of`, highest first (ties by
/// name). Indicators may come in any order.
pub fn rank(indicators: &[Indicator], ctx: &Context, as_of: OffsetDateTime) -> Vec<UserScore> {
    let as_of_ms = i64::try_from(as_of.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let mut by_user: HashMap<&str, Vec<&Indicator>> = HashMap::new();
    for i in indicators.iter().filter(|i| i.time_ms <= as_of_ms) {
        by_user.entry(i.user.as_str()).or_default().push(i);
    }
    let mut out: Vec<UserScore> = by_user.into_iter().map(|(user, list)| score_user(user, list, ctx, as_of)).collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.user.cmp(&b.user)));
    out
}

/// Scores one person's indicators (up to `as_of`, in any order) as of
/// `as_of`: what [`rank`] does per person.
pub fn score_user(user: &str, mut list: Vec<&Indicator>, ctx: &Context, as_of: OffsetDateTime) -> UserScore {
    let as_of_ms = i64::try_from(as_of.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    let as_of_day = as_of.date();
    list.sort_by(|a, b| a.time_ms.cmp(&b.time_ms).then_with(|| a.rule.cmp(&b.rule)));
    let person = ctx.person(user);
    let departure = person.and_then(|p| p.departure).filter(|d| d.known_on(as_of_day));
    let contractor = person.is_some_and(|p| p.watchlists.contains(&Watchlist::Contractors));
    // Per rule: the days it matched within the repeat window, and how many
    // times on the latest of them.
    let mut seen: HashMap<&str, (VecDeque<Date>, usize)> = HashMap::new();
    let mut per_rule: HashMap<&str, (f64, usize, &Indicator)> = HashMap::new();
    let mut boosted = 0.0;
    let mut applied = [false; 4];
    let sequence_days: HashSet<Date> = list.iter().filter(|i| i.sequence).map(|i| i.day).collect();
    for i in &list {
        let (days, k) = seen.entry(i.rule.as_str()).or_default();
        while days.front().is_some_and(|d| (i.day - *d).whole_days() > REPEAT_WINDOW_DAYS) {
            days.pop_front();
        }
        if days.back() == Some(&i.day) {
            *k += 1;
        } else {
            days.push_back(i.day);
            *k = 1;
        }
        let earlier_days = days.len() - 1;
        let age_days = (as_of_ms - i.time_ms) as f64 / 86_400_000.0;
        let decay = 0.5f64.powf(age_days / HALF_LIFE_DAYS);
        // A steeper discount for habits (1/(1+d)², tried) kept weekly tasks
        // out of the review budget but also an insider who snoops on a few
        // days a week: the alert side suppresses habits instead.
        let base = i.weight / *k as f64 / (1 + earlier_days) as f64 * decay;
        let mut boost = 1.0;
        if departure.is_some_and(|d| d.covers(i.day)) {
            boost *= DEPARTING_BOOST;
            applied[0] = true;
        }
        if i.above_usual {
            boost *= ABOVE_USUAL_BOOST;
            applied[1] = true;
        }
        if contractor {
            boost *= CONTRACTOR_BOOST;
            applied[2] = true;
        }
        if !i.sequence && sequence_days.contains(&i.day) {
            boost *= SEQUENCE_BOOST;
            applied[3] = true;
        }
        let entry = per_rule.entry(i.rule.as_str()).or_insert((0.0, 0, i));
        entry.0 += base;
        entry.1 += 1;
        entry.2 = i;
        boosted += base * (boost - 1.0);
    }
    let mut reasons: Vec<ScoredReason> = per_rule
        .into_iter()
        .map(|(rule, (points, count, last))| ScoredReason {
            rule: rule.to_owned(),
            points: round1(points),
            count,
            reason: last.reason.clone(),
        })
        .collect();
    if boosted > 0.0 {
        reasons.push(ScoredReason {
            rule: "booster".into(),
            points: round1(boosted),
            count: 1,
            reason: booster_reason(
                departure.filter(|_| applied[0]).map(|d| d.notice_date),
                applied[1],
                applied[2],
                applied[3],
            ),
        });
    }
    reasons.sort_by(|a, b| b.points.total_cmp(&a.points).then_with(|| a.rule.cmp(&b.rule)));
    let score = reasons.iter().map(|r| r.points).sum::<f64>();
    UserScore { user: user.to_owned(), score: round1(score), reasons }
}

/// Says which boosters raised the score. The reason's points are what the
/// multipliers added on top of the indicators' own points, so the text says
/// so rather than presenting a multiplier as points.
fn booster_reason(notice: Option<Date>, above_usual: bool, contractor: bool, sequence: bool) -> Reason {
    let mut ja = Vec::new();
    let mut en = Vec::new();
    if let Some(n) = notice {
        ja.push(format!("退職予定者（{n} 退職届）の届出前90日以降の行動は2倍"));
        en.push(format!("a leaver (notice {n}): activity from 90 days before the notice counts double"));
    }
    if above_usual {
        ja.push("普段の量を超えた日の行動は1.5倍".to_owned());
        en.push("activity on days above the person's usual volume counts 1.5×".to_owned());
    }
    if contractor {
        ja.push("委託・派遣の利用者は1.25倍".to_owned());
        en.push("contractor accounts count 1.25×".to_owned());
    }
    if sequence {
        ja.push("一連の持ち出し手順が見られた日の行動は1.5倍".to_owned());
        en.push("activity on a day with an exfiltration sequence counts 1.5×".to_owned());
    }
    Reason {
        ja: format!("倍率による上乗せ分（{}）", ja.join("、")),
        en: format!("Added by multipliers ({})", en.join("; ")),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Departure, Person};
    use time::macros::{date, datetime};

    fn indicator(user: &str, rule: &str, at: OffsetDateTime, weight: f64) -> Indicator {
        Indicator {
            user: user.into(),
            time_ms: (at.unix_timestamp_nanos() / 1_000_000) as i64,
            day: at.date(),
            rule: rule.into(),
            title: rule.into(),
            title_ja: rule.into(),
            level: Level::Medium,
            weight,
            above_usual: false,
            sequence: false,
            reason: Reason { ja: "理由".into(), en: "reason".into() },
            event_ids: vec![],
        }
    }

    #[test]
    fn scores_decay_repeat_and_boost() {
        let mut ctx = Context::new();
        let t = datetime!(2026-05-01 10:00 +09:00);
        let list = vec![
            indicator("a", "usb", t, 10.0),
            indicator("a", "usb", t, 10.0),
            indicator("b", "usb", t - time::Duration::days(14), 10.0),
        ];
        let r = rank(&list, &ctx, t);
        assert_eq!((r[0].user.as_str(), r[0].score), ("a", 15.0), "second of a rule counts half");
        assert_eq!((r[1].user.as_str(), r[1].score), ("b", 5.0), "one half-life later");

        ctx.set_person(
            "b",
            Person {
                departure: Some(Departure {
                    notice_date: date!(2026 - 05 - 01),
                    last_working_day: None,
                    end_date: None,
                }),
                ..Person::default()
            },
        );
        let r = rank(&list, &ctx, t);
        assert_eq!((r[0].user.as_str(), r[0].score), ("a", 15.0));
        assert_eq!(r[1].score, 10.0, "the notice doubles what lies in the look-back");
        let before_notice = rank(&list, &ctx, t - time::Duration::days(1));
        assert_eq!(before_notice.iter().find(|s| s.user == "b").map(|s| s.score), Some(5.3));
        assert!(rank(&list, &ctx, t - time::Duration::days(30)).is_empty(), "nothing counts before it happened");
    }

    #[test]
    fn only_recent_repeats_discount() {
        let ctx = Context::new();
        let now = datetime!(2026-05-01 10:00 +09:00);
        // A rule that matched on fifty days, the last of them 40 days ago.
        let mut list: Vec<Indicator> =
            (40..90).map(|d| indicator("a", "upload", now - time::Duration::days(d), 10.0)).collect();
        let before = rank(&list, &ctx, now)[0].score;
        list.push(indicator("a", "upload", now, 10.0));
        let after = rank(&list, &ctx, now)[0].score;
        assert!((after - before - 10.0).abs() < 0.11, "a match after a quiet month counts in full: {before} → {after}");
        // Within the window, earlier days discount: the fifth day in a row
        // counts 1/5.
        let recent: Vec<Indicator> =
            (0..5).map(|d| indicator("b", "usb", now - time::Duration::days(4 - d), 10.0)).collect();
        let without_last = rank(&recent[..4], &ctx, now)[0].score;
        let with_last = rank(&recent, &ctx, now)[0].score;
        assert!((with_last - without_last - 2.0).abs() < 0.11, "{without_last} → {with_last}");
    }

    #[test]
    fn a_sequence_boosts_the_other_indicators_of_its_day() {
        let ctx = Context::new();
        let t = datetime!(2026-05-01 10:00 +09:00);
        let mut seq = indicator("a", "archive-then-exfiltrate", t, 20.0);
        seq.sequence = true;
        let list = vec![indicator("a", "usb", t, 10.0), seq, indicator("a", "mail", t - time::Duration::days(1), 0.0)];
        let r = rank(&list, &ctx, t);
        assert_eq!(r[0].score, 35.0, "20 + 10 × 1.5: {r:?}");
        assert!(r[0].reasons.iter().any(|x| x.rule == "booster" && x.reason.en.contains("sequence")), "{r:?}");
    }
}
