//! Streaming evaluation: [`Evaluator`].

use std::collections::HashMap;

use super::correlation::{Contribution, Correlation, CorrelationType, Group, GroupKey};
use super::correlation::{MAX_GROUPS, MAX_GROUPS_PER_EVENT, MAX_VALUES_PER_EVENT};
use super::detection::{lowercase_into, Scratch};
use super::fields::{Fields, Value};
use super::{Match, RuleSet};

/// Streaming state for one [`RuleSet`]: detection is stateless, correlations
/// keep per-group windows.
///
/// Feed events with [`push`](Evaluator::push) in time order and call
/// [`expire`](Evaluator::expire) now and then. One evaluator per stream; many
/// evaluators may share one rule set across threads.
#[derive(Debug)]
pub struct Evaluator<'r> {
    rules: &'r RuleSet,
    groups: Vec<HashMap<GroupKey, Group>>,
    /// Per correlation: when a full group map may next be pruned to make
    /// room (so that a flood of new groups does not scan the map per event).
    prune_at: Vec<i64>,
    /// The latest time pushed.
    now: Option<i64>,
    dropped: u64,
    // Buffers reused across events (no allocation per event on the hot path).
    vals: Vec<Value<'static>>,
    other: Vec<Value<'static>>,
    lower: String,
    num: String,
    matched: Vec<u32>,
    hits: Vec<(u32, u32)>,
    positions: Vec<usize>,
    contribution: Contribution,
}

/// An empty vector of another lifetime, keeping the allocation (in-place
/// collection of an empty iterator reuses the buffer).
// `filter_map` rather than `filter`: the element type changes (its lifetime).
#[allow(clippy::unnecessary_filter_map)]
fn recycle<'a, 'b>(mut v: Vec<Value<'a>>) -> Vec<Value<'b>> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

impl<'r> Evaluator<'r> {
    /// An evaluator with no state yet.
    pub fn new(rules: &'r RuleSet) -> Self {
        Evaluator {
            rules,
            groups: rules.correlations.iter().map(|_| HashMap::new()).collect(),
            prune_at: vec![i64::MIN; rules.correlations.len()],
            now: None,
            dropped: 0,
            vals: Vec::with_capacity(16),
            other: Vec::with_capacity(16),
            lower: String::with_capacity(256),
            num: String::with_capacity(32),
            matched: Vec::new(),
            hits: Vec::new(),
            positions: Vec::new(),
            contribution: Contribution::default(),
        }
    }

    /// Evaluates one event and appends its matches to `out`: first the
    /// detection rules that match and report on their own (in rule order),
    /// then correlations whose condition the event completes.
    ///
    /// Events must be pushed in non-decreasing time order (`time_ms`, usually
    /// `@timestamp` in ms since the epoch). Out of order never panics: an
    /// event older than one already pushed is still matched by detection
    /// rules with its own time, but correlations count it at the latest time
    /// seen so far (time never runs backwards inside a window), so it can
    /// only join the current windows, never reopen expired ones.
    pub fn push(&mut self, event: &dyn Fields, time_ms: i64, event_id: &str, out: &mut Vec<Match>) {
        let rules = self.rules;
        let mut s = Scratch {
            vals: recycle(std::mem::take(&mut self.vals)),
            other: recycle(std::mem::take(&mut self.other)),
            lower: std::mem::take(&mut self.lower),
            num: std::mem::take(&mut self.num),
        };
        let candidates = candidates(rules, event, &mut s);
        self.matched.clear();
        for &d in candidates {
            if rules.dets.get(d as usize).is_some_and(|det| det.detection.matches(event, &mut s)) {
                self.matched.push(d);
            }
        }
        let corr_time = self.now.map_or(time_ms, |now| now.max(time_ms));
        self.now = Some(corr_time);
        if !self.matched.is_empty() {
            self.hits.clear();
            for &d in &self.matched {
                let Some(det) = rules.dets.get(d as usize) else { continue };
                if det.emits {
                    out.push(Match {
                        rule: det.rule,
                        first_time_ms: time_ms,
                        last_time_ms: time_ms,
                        event_ids: vec![event_id.to_owned()],
                        event_count: 1,
                        group: Vec::new(),
                        value: None,
                    });
                }
                self.hits.extend_from_slice(&det.feeds);
            }
            self.hits.sort_unstable();
            let hits = std::mem::take(&mut self.hits);
            let mut i = 0;
            while let Some(&(c, _)) = hits.get(i) {
                let end = hits[i..].iter().position(|h| h.0 != c).map_or(hits.len(), |n| i + n);
                self.positions.clear();
                self.positions.extend(hits[i..end].iter().map(|h| h.1 as usize));
                self.correlate(c as usize, event, corr_time, event_id, &mut s, out);
                i = end;
            }
            self.hits = hits;
        }
        self.vals = recycle(s.vals);
        self.other = recycle(s.other);
        self.lower = s.lower;
        self.num = s.num;
    }

    fn correlate<'e>(
        &mut self,
        c: usize,
        event: &'e dyn Fields,
        t: i64,
        id: &str,
        s: &mut Scratch<'e>,
        out: &mut Vec<Match>,
    ) {
        let rules = self.rules;
        let Some(corr) = rules.correlations.get(c) else { return };
        if !contribution(corr, event, s, &mut self.contribution) {
            return;
        }
        // The groups this event joins, each with the positions (referenced
        // rules) that put it there; without aliases every position gives the
        // same groups.
        let mut joined: Vec<(GroupKey, Vec<usize>)> = Vec::new();
        if corr.aliased {
            for &p in &self.positions {
                let Some(fields) = corr.group_fields.get(p) else { continue };
                for key in group_keys(fields, event, s) {
                    match joined.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, ps)) => ps.push(p),
                        None => joined.push((key, vec![p])),
                    }
                }
            }
        } else if let Some(fields) = corr.group_fields.first() {
            for key in group_keys(fields, event, s) {
                joined.push((key, self.positions.clone()));
            }
        }
        let (Some(groups), Some(prune_at)) = (self.groups.get_mut(c), self.prune_at.get_mut(c)) else { return };
        for (key, positions) in joined {
            if !groups.contains_key(&key) && groups.len() >= MAX_GROUPS {
                if t >= *prune_at {
                    let cutoff = t.saturating_sub(corr.span_ms);
                    groups.retain(|_, g| g.prune(cutoff));
                    *prune_at = t.saturating_add((corr.span_ms / 64).max(1));
                }
                if groups.len() >= MAX_GROUPS {
                    self.dropped += 1;
                    continue;
                }
            }
            let group = groups.entry(key.clone()).or_insert_with(|| Group::new(corr));
            if let Some(m) = group.observe(corr, &key, &positions, t, id, &self.contribution) {
                // Suppression: after a match the group starts afresh, so one
                // burst gives one match and a further one needs a full new
                // condition.
                groups.remove(&key);
                out.push(m);
            }
        }
    }

    /// Drops correlation state that can no longer contribute to a match at
    /// `now_ms` (everything older than each correlation's timespan), so that
    /// memory stays bounded by recent activity. Call it now and then (for
    /// example every few thousand events, or once per batch); `push` prunes
    /// the groups it touches by itself.
    pub fn expire(&mut self, now_ms: i64) {
        for (corr, groups) in self.rules.correlations.iter().zip(&mut self.groups) {
            let cutoff = now_ms.saturating_sub(corr.span_ms);
            groups.retain(|_, g| g.prune(cutoff));
        }
    }

    /// Groups not tracked because a correlation already held the maximum
    /// (50,000 groups within one timespan): each count is an event that a
    /// correlation could not consider.
    pub fn dropped_groups(&self) -> u64 {
        self.dropped
    }

    /// Groups currently held, over all correlations.
    pub fn groups(&self) -> usize {
        self.groups.iter().map(HashMap::len).sum()
    }
}

/// The detection rules to evaluate: by `event.action` where every rule that
/// could match needs a particular action, else all.
fn candidates<'r, 'e>(rules: &'r RuleSet, event: &'e dyn Fields, s: &mut Scratch<'e>) -> &'r [u32] {
    let d = &rules.dispatch;
    if d.by_action.is_empty() {
        return &d.all;
    }
    s.vals.clear();
    event.values("event.action", &mut s.vals);
    let [value] = s.vals.as_slice() else { return &d.all };
    let text = value.text(&mut s.num);
    let key: &str = if text.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        text
    } else {
        lowercase_into(text, &mut s.lower);
        &s.lower
    };
    match d.by_action.binary_search_by(|(a, _)| (**a).cmp(key)) {
        Ok(i) => d.by_action.get(i).map_or(&d.all, |(_, list)| list),
        Err(_) => &d.other,
    }
}

/// Fills `out` with what the event adds to `corr` besides itself; false when
/// the event does not take part (no value of the counted or summed field).
fn contribution<'e>(corr: &Correlation, event: &'e dyn Fields, s: &mut Scratch<'e>, out: &mut Contribution) -> bool {
    out.nums.clear();
    out.keys.clear();
    match corr.kind {
        CorrelationType::ValueCount => {
            // One value per field; several fields count distinct combinations.
            let mut combos: Vec<String> = vec![String::new()];
            for (i, f) in corr.fields.iter().enumerate() {
                s.vals.clear();
                event.values(f, &mut s.vals);
                let mut texts: Vec<String> = s.vals.iter().map(|v| v.text(&mut s.num).to_owned()).collect();
                texts.sort_unstable();
                texts.dedup();
                let mut next = Vec::new();
                for c in &combos {
                    for t in &texts {
                        if next.len() == MAX_VALUES_PER_EVENT {
                            break;
                        }
                        let mut k = c.clone();
                        if i > 0 {
                            k.push('\u{1f}');
                        }
                        k.push_str(t);
                        next.push(k);
                    }
                }
                combos = next;
            }
            out.keys.extend(combos.into_iter().map(String::into_boxed_str));
            !out.keys.is_empty()
        }
        CorrelationType::ValueSum
        | CorrelationType::ValueAvg
        | CorrelationType::ValueMax
        | CorrelationType::ValueMin => {
            for f in &corr.fields {
                s.vals.clear();
                event.values(f, &mut s.vals);
                out.nums.extend(s.vals.iter().filter_map(Value::number));
            }
            !out.nums.is_empty()
        }
        CorrelationType::EventCount | CorrelationType::Temporal | CorrelationType::TemporalOrdered => true,
    }
}

/// The groups an event belongs to: one per combination of its group-by
/// values (several for multi-valued fields, at most
/// `MAX_GROUPS_PER_EVENT`); none when a group-by field is missing, since
/// such an event has no group (as with `stats … by` or a terms aggregation).
fn group_keys<'e>(fields: &[Box<str>], event: &'e dyn Fields, s: &mut Scratch<'e>) -> Vec<GroupKey> {
    let mut keys: Vec<Vec<Box<str>>> = vec![Vec::with_capacity(fields.len())];
    for f in fields {
        s.vals.clear();
        event.values(f, &mut s.vals);
        let mut texts: Vec<Box<str>> = s.vals.iter().map(|v| Box::from(v.text(&mut s.num))).collect();
        texts.sort_unstable();
        texts.dedup();
        if texts.is_empty() {
            return Vec::new();
        }
        let mut next = Vec::new();
        for k in &keys {
            for t in &texts {
                if next.len() == MAX_GROUPS_PER_EVENT {
                    break;
                }
                let mut k = k.clone();
                k.push(t.clone());
                next.push(k);
            }
        }
        keys = next;
    }
    keys.into_iter().map(Vec::into_boxed_slice).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycle_keeps_the_allocation() {
        let v: Vec<Value<'static>> = Vec::with_capacity(16);
        let p = v.as_ptr() as usize;
        let w: Vec<Value<'_>> = recycle(v);
        assert_eq!((w.capacity(), w.as_ptr() as usize), (16, p));
    }
}
