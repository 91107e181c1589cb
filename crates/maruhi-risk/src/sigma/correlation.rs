//! Sigma correlation rules (correlation rules specification v2.1.0): the
//! `correlation` section, and the per-group streaming state that evaluates it.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::error::{Context, RuleError};
use super::fields::Num;
use super::yaml::{Node, Yaml};
use super::Match;

/// Event ids a correlation match carries: the most recent ones of its window.
pub(crate) const MAX_MATCH_IDS: usize = 100;
/// Distinct timestamps one group keeps within a timespan. Beyond it the two
/// oldest are merged and expire with the newer one (counts and sums can then
/// only be over-, never under-estimated).
pub(crate) const MAX_SLOTS: usize = 4096;
/// Distinct values a `value_count` group keeps; thresholds above it are refused.
pub(crate) const MAX_DISTINCT: usize = 65_536;
/// Groups one correlation keeps at a time; further groups are not tracked
/// until old ones expire (see [`Evaluator::dropped_groups`](super::Evaluator::dropped_groups)).
pub(crate) const MAX_GROUPS: usize = 50_000;
/// Groups one event may join (multi-valued group-by fields: the product).
pub(crate) const MAX_GROUPS_PER_EVENT: usize = 16;
/// Values one event contributes to `value_count` (the product over fields).
pub(crate) const MAX_VALUES_PER_EVENT: usize = 64;
/// The longest timespan accepted: ten years, in days.
const MAX_TIMESPAN_DAYS: i64 = 3650;

/// The kind of a correlation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CorrelationType {
    /// `event_count`: events of the referenced rules per group.
    EventCount,
    /// `value_count`: distinct values of `condition.field` per group.
    ValueCount,
    /// `temporal`: how many of the referenced rules matched, in any order.
    Temporal,
    /// `temporal_ordered`: how many of the referenced rules matched in the
    /// order listed (the longest in-order chain from the first rule).
    TemporalOrdered,
    /// `value_sum`: the sum of the numeric `condition.field` (v2.1.0).
    ValueSum,
    /// `value_avg`: the mean of the numeric `condition.field` (v2.1.0).
    ValueAvg,
    /// `value_max`: the largest value of the numeric `condition.field` (v2.1.0).
    ValueMax,
    /// `value_min`: the smallest value of the numeric `condition.field` (v2.1.0).
    ValueMin,
}

impl CorrelationType {
    /// The name in rule files, e.g. `event_count`.
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::Temporal => "temporal",
            CorrelationType::TemporalOrdered => "temporal_ordered",
            CorrelationType::ValueSum => "value_sum",
            CorrelationType::ValueAvg => "value_avg",
            CorrelationType::ValueMax => "value_max",
            CorrelationType::ValueMin => "value_min",
        }
    }

    fn parse(s: &str) -> Option<CorrelationType> {
        Some(match s {
            "event_count" => CorrelationType::EventCount,
            "value_count" => CorrelationType::ValueCount,
            "temporal" => CorrelationType::Temporal,
            "temporal_ordered" => CorrelationType::TemporalOrdered,
            "value_sum" => CorrelationType::ValueSum,
            "value_avg" => CorrelationType::ValueAvg,
            "value_max" => CorrelationType::ValueMax,
            "value_min" => CorrelationType::ValueMin,
            _ => return None,
        })
    }

    fn temporal(self) -> bool {
        matches!(self, CorrelationType::Temporal | CorrelationType::TemporalOrdered)
    }

    fn metric(self) -> bool {
        matches!(
            self,
            CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValueMax
                | CorrelationType::ValueMin
        )
    }
}

/// The `condition` of a correlation: every bound given holds (a range is
/// `gt` plus `lte`, as the specification allows).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Threshold {
    /// `gt`: greater than.
    pub gt: Option<f64>,
    /// `gte`: greater than or equal.
    pub gte: Option<f64>,
    /// `lt`: less than.
    pub lt: Option<f64>,
    /// `lte`: less than or equal.
    pub lte: Option<f64>,
    /// `eq`: equal.
    pub eq: Option<f64>,
    /// `neq`: not equal (pySigma; not in the specification).
    pub neq: Option<f64>,
}

impl Threshold {
    /// Whether `x` meets every bound.
    pub fn holds(&self, x: f64) -> bool {
        self.gt.is_none_or(|b| x > b)
            && self.gte.is_none_or(|b| x >= b)
            && self.lt.is_none_or(|b| x < b)
            && self.lte.is_none_or(|b| x <= b)
            && self.eq.is_none_or(|b| x == b)
            && self.neq.is_none_or(|b| x != b)
    }

    fn lower(&self) -> Option<f64> {
        [self.gt, self.gte, self.eq].into_iter().flatten().reduce(f64::max)
    }

    fn upper(&self) -> Option<f64> {
        [self.lt, self.lte, self.eq].into_iter().flatten().reduce(f64::min)
    }
}

/// What a correlation rule says, its references resolved to rule indices.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationMeta {
    /// The referenced detection rules, in the order listed (the order that
    /// `temporal_ordered` requires).
    pub rules: Vec<usize>,
    /// `group-by` as written (alias names where aliases are used).
    pub group_by: Vec<String>,
    /// `timespan` in milliseconds.
    pub timespan_ms: i64,
    /// `condition.field`: the field(s) counted or aggregated.
    pub fields: Vec<String>,
    /// `condition`.
    pub condition: Threshold,
    /// `generate`: whether the referenced rules also report their own matches
    /// (default false, as the specification says).
    pub generate: bool,
}

/// `aliases`: alias name → (rule reference, field) pairs.
pub(crate) type Aliases = Vec<(String, Vec<(String, String)>)>;

/// A `correlation` section as written, references not yet resolved.
#[derive(Debug)]
pub(crate) struct RawCorrelation {
    pub(crate) kind: CorrelationType,
    pub(crate) line: usize,
    /// Referenced rules by `id` or `name`, with their lines.
    pub(crate) rules: Vec<(String, usize)>,
    pub(crate) group_by: Vec<String>,
    pub(crate) span_ms: i64,
    pub(crate) threshold: Threshold,
    pub(crate) fields: Vec<String>,
    pub(crate) aliases: Aliases,
    pub(crate) generate: Option<bool>,
}

fn strings(v: &Yaml, what: &str, cx: &Context) -> Result<Vec<(String, usize)>, RuleError> {
    let one = |y: &Yaml| -> Result<(String, usize), RuleError> {
        match y.scalar_text() {
            Some(s) if !s.is_empty() => Ok((s, y.line)),
            _ => Err(cx.invalid(y.line, format!("`{what}` must hold strings, not {}", y.kind()))),
        }
    };
    match &v.node {
        Node::Seq(items) => items.iter().map(one).collect(),
        _ => one(v).map(|s| vec![s]),
    }
}

/// Parses a `correlation` section (and a top-level `generate`).
pub(crate) fn parse(section: &Yaml, cx: &Context, errors: &mut Vec<RuleError>) -> Option<RawCorrelation> {
    let Node::Map(entries) = &section.node else {
        errors.push(cx.invalid(section.line, format!("`correlation` must be a mapping, not {}", section.kind())));
        return None;
    };
    let before = errors.len();
    let mut kind = None;
    let mut rules = Vec::new();
    let mut group_by = Vec::new();
    let mut span_ms = None;
    let mut condition = None;
    let mut aliases = Vec::new();
    let mut generate = None;
    for (key, v) in entries {
        match key.text.as_str() {
            "type" => match v.as_str().and_then(CorrelationType::parse) {
                Some(k) => kind = Some(k),
                None if v.as_str() == Some("value_percentile") || v.as_str() == Some("value_median") => {
                    errors.push(cx.unsupported(v.line, "correlation type `value_percentile` is not supported"))
                }
                None => errors.push(cx.invalid(
                    v.line,
                    "`type` must be one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_max, value_min",
                )),
            },
            "rules" => match strings(v, "rules", cx) {
                Ok(r) if r.is_empty() => errors.push(cx.invalid(v.line, "`rules` is empty")),
                Ok(r) => rules = r,
                Err(e) => errors.push(e),
            },
            "group-by" => match strings(v, "group-by", cx) {
                Ok(g) => group_by = g.into_iter().map(|(s, _)| s).collect(),
                Err(e) => errors.push(e),
            },
            "timespan" => match v.as_str().and_then(parse_timespan) {
                Some(ms) => span_ms = Some(ms),
                None => errors.push(cx.invalid(
                    v.line,
                    format!(
                        "`timespan` must be a positive number followed by s, m, h or d (at most {MAX_TIMESPAN_DAYS}d), such as `10m`"
                    ),
                )),
            },
            "condition" => condition = Some(v),
            "aliases" => match parse_aliases(v, cx) {
                Ok(a) => aliases = a,
                Err(e) => errors.push(e),
            },
            "generate" => match v.node {
                Node::Bool(b) => generate = Some(b),
                _ => errors.push(cx.invalid(v.line, "`generate` must be true or false")),
            },
            other => errors.push(cx.invalid(key.line, format!("unknown attribute `{other}` in `correlation`"))),
        }
    }
    let Some(kind) = kind else {
        if errors.len() == before {
            errors.push(cx.invalid(section.line, "`correlation` has no `type`"));
        }
        return None;
    };
    if rules.is_empty() && errors.len() == before {
        errors.push(cx.invalid(section.line, "`correlation` has no `rules`"));
    }
    if span_ms.is_none() && errors.len() == before {
        errors.push(cx.invalid(section.line, "`correlation` has no `timespan`"));
    }
    let (threshold, fields) = match condition {
        Some(c) => parse_condition(c, kind, cx, errors)?,
        None if kind.temporal() => {
            // Default (pySigma): every referenced rule.
            (Threshold { gte: Some(rules.len() as f64), ..Threshold::default() }, Vec::new())
        }
        None => {
            errors.push(cx.invalid(section.line, format!("a `{}` correlation needs a `condition`", kind.as_str())));
            return None;
        }
    };
    check_bounds(kind, &threshold, rules.len(), condition.map_or(section.line, |c| c.line), cx, errors);
    if errors.len() > before {
        return None;
    }
    Some(RawCorrelation {
        kind,
        line: section.line,
        rules,
        group_by,
        span_ms: span_ms?,
        threshold,
        fields,
        aliases,
        generate,
    })
}

fn parse_timespan(s: &str) -> Option<i64> {
    let unit = s.chars().last()?;
    let count: i64 = s.get(..s.len() - 1)?.parse().ok()?;
    if count <= 0 || !s.bytes().take(s.len() - 1).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let unit_ms: i64 = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return None,
    };
    let ms = count.checked_mul(unit_ms)?;
    (ms <= MAX_TIMESPAN_DAYS * 86_400_000).then_some(ms)
}

fn parse_aliases(v: &Yaml, cx: &Context) -> Result<Aliases, RuleError> {
    let Node::Map(entries) = &v.node else {
        return Err(cx.invalid(v.line, "`aliases` must map alias names to {rule: field} mappings"));
    };
    let mut out = Vec::new();
    for (alias, m) in entries {
        let Node::Map(pairs) = &m.node else {
            return Err(cx.invalid(m.line, format!("alias `{}` must map rule names to field names", alias.text)));
        };
        let mut mapping = Vec::new();
        for (rule, field) in pairs {
            match field.as_str() {
                Some(f) if !f.is_empty() => mapping.push((rule.text.clone(), f.to_owned())),
                _ => return Err(cx.invalid(field.line, format!("alias `{}`: field names must be strings", alias.text))),
            }
        }
        out.push((alias.text.clone(), mapping));
    }
    Ok(out)
}

fn parse_condition(
    c: &Yaml,
    kind: CorrelationType,
    cx: &Context,
    errors: &mut Vec<RuleError>,
) -> Option<(Threshold, Vec<String>)> {
    let entries = match &c.node {
        Node::Map(entries) => entries,
        Node::Str(_) => {
            errors.push(cx.unsupported(
                c.line,
                "boolean correlation conditions (a string) are a pySigma extension and not supported; give a mapping such as `gte: 3`",
            ));
            return None;
        }
        _ => {
            errors.push(cx.invalid(c.line, "correlation `condition` must be a mapping such as `gte: 3`"));
            return None;
        }
    };
    let mut t = Threshold::default();
    let mut fields = Vec::new();
    let before = errors.len();
    for (key, v) in entries {
        let slot = match key.text.as_str() {
            "gt" => &mut t.gt,
            "gte" => &mut t.gte,
            "lt" => &mut t.lt,
            "lte" => &mut t.lte,
            "eq" => &mut t.eq,
            "neq" => &mut t.neq,
            "field" => {
                match strings(v, "field", cx) {
                    Ok(f) => fields = f.into_iter().map(|(s, _)| s).collect(),
                    Err(e) => errors.push(e),
                }
                continue;
            }
            "percentile" => {
                errors.push(cx.unsupported(key.line, "`percentile` (value_percentile) is not supported"));
                continue;
            }
            other => {
                errors.push(cx.invalid(key.line, format!("unknown key `{other}` in correlation `condition`")));
                continue;
            }
        };
        match v.node {
            Node::Int(i) => *slot = Some(i as f64),
            Node::Float(f) if f.is_finite() => *slot = Some(f),
            _ => errors.push(cx.invalid(v.line, format!("`{}` must be a number", key.text))),
        }
    }
    if errors.len() > before {
        return None;
    }
    let needs_field = kind == CorrelationType::ValueCount || kind.metric();
    if needs_field && fields.is_empty() {
        errors.push(cx.invalid(c.line, format!("a `{}` correlation needs `field` in its condition", kind.as_str())));
    } else if !needs_field && !fields.is_empty() {
        errors.push(cx.invalid(c.line, format!("a `{}` correlation takes no `field`", kind.as_str())));
    } else if kind.metric() && fields.len() > 1 {
        errors.push(cx.invalid(c.line, format!("a `{}` correlation takes exactly one `field`", kind.as_str())));
    }
    if t == Threshold::default() {
        errors.push(cx.invalid(c.line, "correlation `condition` has no bound (gt, gte, lt, lte or eq)"));
    }
    (errors.len() == before).then_some((t, fields))
}

/// Conditions are evaluated whenever an event arrives, over the window that
/// ends with it. A condition that a count, sum or maximum meets only by
/// staying *low* ("at most 3 events per hour") could only be decided when a
/// window closes, so it is refused rather than firing on the first event.
fn check_bounds(
    kind: CorrelationType,
    t: &Threshold,
    rules: usize,
    line: usize,
    cx: &Context,
    errors: &mut Vec<RuleError>,
) {
    use CorrelationType::*;
    let name = kind.as_str();
    match kind {
        EventCount | ValueCount | Temporal | TemporalOrdered | ValueSum | ValueMax => {
            let Some(lower) = t.lower() else {
                errors.push(cx.unsupported(
                    line,
                    format!(
                        "a `{name}` condition without a lower bound (gt, gte or eq) is met by staying low, which needs the end of a window; not supported"
                    ),
                ));
                return;
            };
            if kind.temporal() && lower > rules as f64 {
                errors.push(cx.invalid(line, format!("the condition needs more than the {rules} rules listed")));
            }
            if kind == ValueCount && lower > MAX_DISTINCT as f64 {
                errors.push(
                    cx.unsupported(line, format!("value_count thresholds above {MAX_DISTINCT} are not supported")),
                );
            }
        }
        ValueMin => {
            if t.upper().is_none() {
                errors.push(cx.unsupported(
                    line,
                    "a `value_min` condition without an upper bound (lt, lte or eq) needs the end of a window; not supported",
                ));
            }
        }
        ValueAvg => {}
    }
}

// ---------------------------------------------------------------------------
// Compiled correlations and their state

/// A correlation with its references resolved.
#[derive(Debug)]
pub(crate) struct Correlation {
    /// Its own rule index.
    pub(crate) rule: usize,
    pub(crate) kind: CorrelationType,
    pub(crate) span_ms: i64,
    pub(crate) threshold: Threshold,
    /// Group-by names as written (alias names for aliases).
    pub(crate) group_names: Vec<String>,
    /// Group-by fields for each referenced rule (position), aliases resolved.
    pub(crate) group_fields: Vec<Vec<Box<str>>>,
    /// Whether `group_fields` differ between positions.
    pub(crate) aliased: bool,
    pub(crate) fields: Vec<Box<str>>,
    pub(crate) positions: usize,
}

/// A group's identity: the group-by values in order.
pub(crate) type GroupKey = Box<[Box<str>]>;

/// What one event adds to a windowed correlation besides itself.
#[derive(Debug, Default)]
pub(crate) struct Contribution {
    pub(crate) nums: Vec<Num>,
    pub(crate) keys: Vec<Box<str>>,
}

/// The state of one group.
#[derive(Debug)]
pub(crate) enum Group {
    Window(Box<Window>),
    Temporal(Vec<Option<(i64, Box<str>)>>),
    /// `chains[i]`: the in-order chain over rules `0..=i` with the latest start.
    Ordered(Vec<Option<Chain>>),
}

#[derive(Debug, Clone)]
pub(crate) struct Chain {
    start: i64,
    steps: Vec<(i64, Box<str>)>,
}

#[derive(Debug, Default)]
pub(crate) struct Window {
    slots: VecDeque<Slot>,
    events: u64,
    vals: u64,
    int_sum: i128,
    float_sum: f64,
    ids: VecDeque<(i64, Box<str>)>,
    /// value_count: value → (last time seen, sequence), and the same ordered by time.
    distinct: HashMap<Box<str>, (i64, u64)>,
    order: BTreeMap<(i64, u64), Box<str>>,
    seq: u64,
    /// value_max / value_min: a monotonic deque (sliding-window extreme).
    extreme: VecDeque<(i64, f64)>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    first: i64,
    time: i64,
    events: u64,
    vals: u64,
    int_sum: i128,
    float_sum: f64,
}

impl Slot {
    fn absorb(&mut self, older: &Slot) {
        self.first = self.first.min(older.first);
        self.events += older.events;
        self.vals += older.vals;
        self.int_sum = self.int_sum.saturating_add(older.int_sum);
        self.float_sum += older.float_sum;
    }
}

impl Group {
    pub(crate) fn new(c: &Correlation) -> Group {
        match c.kind {
            CorrelationType::Temporal => Group::Temporal(vec![None; c.positions]),
            CorrelationType::TemporalOrdered => Group::Ordered(vec![None; c.positions]),
            _ => Group::Window(Box::default()),
        }
    }

    /// Drops everything older than `cutoff`; returns whether anything is left.
    pub(crate) fn prune(&mut self, cutoff: i64) -> bool {
        match self {
            Group::Window(w) => w.prune(cutoff),
            Group::Temporal(last) => {
                for l in last.iter_mut() {
                    if l.as_ref().is_some_and(|(t, _)| *t < cutoff) {
                        *l = None;
                    }
                }
                last.iter().any(Option::is_some)
            }
            Group::Ordered(chains) => {
                for c in chains.iter_mut() {
                    if c.as_ref().is_some_and(|c| c.start < cutoff) {
                        *c = None;
                    }
                }
                chains.iter().any(Option::is_some)
            }
        }
    }

    /// Adds one event (matching the rules at `positions`) at time `t` and
    /// returns a match when the condition now holds.
    pub(crate) fn observe(
        &mut self,
        c: &Correlation,
        key: &GroupKey,
        positions: &[usize],
        t: i64,
        id: &str,
        contribution: &Contribution,
    ) -> Option<Match> {
        self.prune(t.saturating_sub(c.span_ms));
        let group = || c.group_names.iter().cloned().zip(key.iter().map(|v| v.to_string())).collect();
        match self {
            Group::Window(w) => {
                w.add(c.kind, t, id, contribution);
                let value = w.value(c.kind)?;
                c.threshold.holds(value).then(|| Match {
                    rule: c.rule,
                    first_time_ms: w.slots.front().map_or(t, |s| s.first),
                    last_time_ms: t,
                    event_ids: w.ids.iter().map(|(_, id)| id.to_string()).collect(),
                    event_count: w.events,
                    group: group(),
                    value: Some(value),
                })
            }
            Group::Temporal(last) => {
                for &p in positions {
                    if let Some(slot) = last.get_mut(p) {
                        *slot = Some((t, id.into()));
                    }
                }
                let present = last.iter().filter(|l| l.is_some()).count();
                if !c.threshold.holds(present as f64) {
                    return None;
                }
                let mut steps: Vec<(i64, &str)> = last.iter().flatten().map(|(t, id)| (*t, &**id)).collect();
                steps.sort();
                steps.dedup();
                Some(Match {
                    rule: c.rule,
                    first_time_ms: steps.first().map_or(t, |s| s.0),
                    last_time_ms: t,
                    event_count: steps.len() as u64,
                    event_ids: steps.iter().map(|(_, id)| id.to_string()).collect(),
                    group: group(),
                    value: Some(present as f64),
                })
            }
            Group::Ordered(chains) => {
                // Highest position first, so that one event never fills two steps.
                for &p in positions.iter().rev() {
                    let candidate = if p == 0 {
                        Some(Chain { start: t, steps: Vec::new() })
                    } else {
                        chains.get(p - 1).cloned().flatten()
                    };
                    let Some(mut chain) = candidate else { continue };
                    let better = match chains.get(p) {
                        Some(Some(existing)) => chain.start > existing.start,
                        _ => true,
                    };
                    if better {
                        chain.steps.push((t, id.into()));
                        if let Some(slot) = chains.get_mut(p) {
                            *slot = Some(chain);
                        }
                    }
                }
                let (len, chain) = chains.iter().enumerate().rev().find_map(|(i, c)| c.as_ref().map(|c| (i + 1, c)))?;
                c.threshold.holds(len as f64).then(|| Match {
                    rule: c.rule,
                    first_time_ms: chain.start,
                    last_time_ms: t,
                    event_count: chain.steps.len() as u64,
                    event_ids: chain.steps.iter().map(|(_, id)| id.to_string()).collect(),
                    group: group(),
                    value: Some(len as f64),
                })
            }
        }
    }
}

impl Window {
    fn prune(&mut self, cutoff: i64) -> bool {
        while let Some(s) = self.slots.front().copied() {
            if s.time >= cutoff {
                break;
            }
            self.slots.pop_front();
            self.events = self.events.saturating_sub(s.events);
            self.vals = self.vals.saturating_sub(s.vals);
            self.int_sum = self.int_sum.saturating_sub(s.int_sum);
            self.float_sum -= s.float_sum;
        }
        if self.slots.is_empty() {
            // No drift survives an empty window.
            self.float_sum = 0.0;
            self.int_sum = 0;
        }
        while self.ids.front().is_some_and(|(t, _)| *t < cutoff) {
            self.ids.pop_front();
        }
        while let Some(entry) = self.order.first_entry() {
            if entry.key().0 >= cutoff {
                break;
            }
            let ((time, seq), value) = entry.remove_entry();
            if self.distinct.get(&value) == Some(&(time, seq)) {
                self.distinct.remove(&value);
            }
        }
        while self.extreme.front().is_some_and(|(t, _)| *t < cutoff) {
            self.extreme.pop_front();
        }
        !self.slots.is_empty()
    }

    fn add(&mut self, kind: CorrelationType, t: i64, id: &str, c: &Contribution) {
        let mut slot = Slot { first: t, time: t, events: 1, vals: c.nums.len() as u64, int_sum: 0, float_sum: 0.0 };
        for n in &c.nums {
            match n {
                Num::Int(i) => slot.int_sum = slot.int_sum.saturating_add(i128::from(*i)),
                Num::Float(f) => slot.float_sum += f,
            }
        }
        self.events += slot.events;
        self.vals += slot.vals;
        self.int_sum = self.int_sum.saturating_add(slot.int_sum);
        self.float_sum += slot.float_sum;
        match self.slots.back_mut() {
            Some(back) if back.time == t => back.absorb(&slot),
            _ => self.slots.push_back(slot),
        }
        if self.slots.len() > MAX_SLOTS {
            if let Some(oldest) = self.slots.pop_front() {
                if let Some(next) = self.slots.front_mut() {
                    next.absorb(&oldest);
                }
            }
        }
        self.ids.push_back((t, id.into()));
        if self.ids.len() > MAX_MATCH_IDS {
            self.ids.pop_front();
        }
        for key in &c.keys {
            self.seq += 1;
            if let Some(old) = self.distinct.insert(key.clone(), (t, self.seq)) {
                self.order.remove(&old);
            }
            self.order.insert((t, self.seq), key.clone());
            if self.distinct.len() > MAX_DISTINCT {
                if let Some((_, v)) = self.order.pop_first() {
                    self.distinct.remove(&v);
                }
            }
        }
        let keep_max = match kind {
            CorrelationType::ValueMax => true,
            CorrelationType::ValueMin => false,
            _ => return,
        };
        for n in &c.nums {
            let v = n.as_f64();
            while self.extreme.back().is_some_and(|(_, b)| if keep_max { *b <= v } else { *b >= v }) {
                self.extreme.pop_back();
            }
            self.extreme.push_back((t, v));
        }
        if self.extreme.len() > MAX_SLOTS {
            // Merge the two oldest: the more extreme value, the newer time.
            if let (Some((_, v)), Some(next)) = (self.extreme.pop_front(), self.extreme.front_mut()) {
                next.1 = v;
            }
        }
    }

    fn value(&self, kind: CorrelationType) -> Option<f64> {
        let sum = || self.int_sum as f64 + self.float_sum;
        match kind {
            CorrelationType::EventCount => Some(self.events as f64),
            CorrelationType::ValueCount => Some(self.distinct.len() as f64),
            CorrelationType::ValueSum => (self.vals > 0).then(sum),
            CorrelationType::ValueAvg => (self.vals > 0).then(|| sum() / self.vals as f64),
            CorrelationType::ValueMax | CorrelationType::ValueMin => self.extreme.front().map(|(_, v)| *v),
            CorrelationType::Temporal | CorrelationType::TemporalOrdered => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("10s"), Some(10_000));
        assert_eq!(parse_timespan("90m"), Some(5_400_000));
        assert_eq!(parse_timespan("1h"), Some(3_600_000));
        assert_eq!(parse_timespan("2d"), Some(172_800_000));
        for bad in ["", "h", "0m", "-1m", "+1m", "1w", "1H", "1.5h", "99999999999999999999d", "4000d", "1 h"] {
            assert_eq!(parse_timespan(bad), None, "{bad}");
        }
    }

    #[test]
    fn thresholds() {
        let t = Threshold { gt: Some(100.0), lte: Some(200.0), ..Threshold::default() };
        assert!(!t.holds(100.0) && t.holds(101.0) && t.holds(200.0) && !t.holds(201.0));
        assert_eq!(t.lower(), Some(100.0));
        assert_eq!(t.upper(), Some(200.0));
    }
}
