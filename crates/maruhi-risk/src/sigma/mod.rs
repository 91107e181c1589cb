//! Sigma rules and correlations over activity events, evaluated as a stream.
//!
//! [`RuleSet::load`] reads rule files (YAML, several documents per file
//! separated by `---`) into compiled rules; an [`Evaluator`] takes events in
//! time order and reports [`Match`]es. Events are read through [`Fields`],
//! which [`maruhi_events::Event`] implements with the dotted ECS names of its
//! schema ([`EVENT_FIELDS`]).
//!
//! ```
//! use maruhi_risk::sigma::{Evaluator, RuleSet};
//! use maruhi_events::{Action, Event, File};
//!
//! let rule = r#"
//! title: Large copy to removable media
//! id: 7d3c1b1e-0000-4000-8000-000000000001
//! level: high
//! detection:
//!     copy:
//!         event.action: file-copy
//!         file.size|gte: 100000000
//!     condition: copy
//! "#;
//! let rules = RuleSet::load(&[("usb.yml".to_string(), rule.to_string())]).expect("valid rule");
//! let mut eval = Evaluator::new(&rules);
//! let mut event = Event::new(time::OffsetDateTime::UNIX_EPOCH, "ev-1".into(), Action::FileCopy);
//! event.file = Some(File { size: Some(200_000_000), ..File::default() });
//! let mut out = Vec::new();
//! eval.push(&event, 0, "ev-1", &mut out);
//! assert_eq!(rules.rules()[out[0].rule].title, "Large copy to removable media");
//! ```
//!
//! # What of Sigma is implemented
//!
//! Sigma rules specification v2.0.0 (2024-08-08), modifiers appendix v2.1.0
//! (2025-08-02) and correlation rules specification v2.1.0 (2025-06-25), as
//! published in SigmaHQ/sigma-specification. Anything outside what is listed
//! here is refused with a [`RuleError`] of kind
//! [`Unsupported`](RuleErrorKind::Unsupported) or
//! [`Invalid`](RuleErrorKind::Invalid), never evaluated approximately.
//!
//! **Rules.** Metadata: `title` (required), `id`, `name`, `status`,
//! `description`, `author`, `references`, `level`, `tags`, `falsepositives`;
//! the other standard attributes (`logsource`, `date`, `related`, …) are
//! accepted and not kept; any other top-level attribute (such as maruhi's
//! `maruhi:` block) is kept as JSON in [`RuleMeta::custom`]. A rule whose
//! matches are reported must have a `level`. `logsource` is optional: every
//! rule sees every event.
//!
//! **Detection.** Search identifiers are maps (AND of fields) or lists of
//! maps (OR); a list of values is an OR (AND with `all`). Plain values match
//! case-insensitively (Unicode lower case) with the wildcards `*` and `?`;
//! `\*`, `\?` and `\\` are the literal characters and any other backslash is
//! itself. Integers, floats and booleans compare as such (and as text against
//! text values). `null` means the field is absent. A field with several
//! values (`email.to`) matches when any value matches. Modifiers:
//! `contains`, `startswith`, `endswith`, `all`, `cased`, `exists`, `neq`,
//! `re` (with `i`, `m`, `s`; the `regex` crate's syntax, unanchored,
//! case-sensitive by default, compiled once with a size limit), `cidr` (IPv4
//! and IPv6), `gt`, `gte`, `lt`, `lte`, `fieldref` (with `neq`, `cased`).
//! `neq` holds when the field has a value and no value equals the given one.
//! Conditions: `and`, `or`, `not`, parentheses, `1 of`/`any of`/`all of` a
//! pattern or `them` (without `_`-prefixed identifiers), a list of conditions
//! (OR); precedence `or` < `and` < `not` < `x of` < parentheses.
//!
//! Not supported (refused): keyword searches (values without a field name),
//! the modifiers `windash`, `base64`, `base64offset`, `utf16*`, `wide`,
//! `expand` (placeholders) and the time modifiers, `N of` for N other than 1,
//! Sigma v1 aggregations (`| count()`, `timeframe`, `near`) and rule
//! collections (`action:`), Sigma filters, YAML tags other than `!!str`.
//!
//! **Correlations.** `event_count`, `value_count` (`field` one name or
//! several, counting distinct combinations), `temporal`, `temporal_ordered`,
//! `value_sum`, `value_avg`, `value_max`, `value_min`; `rules` by `id` or
//! `name`; `group-by` (any fields; empty or absent means one group);
//! `timespan` with `s`, `m`, `h`, `d`; `condition` with `gt`, `gte`, `lt`,
//! `lte`, `eq` (and pySigma's `neq`), several meaning all (a range);
//! `aliases`; `generate` (inside `correlation` as pySigma reads it, or at
//! the top level as the JSON schema has it). `temporal` and
//! `temporal_ordered` without a condition need every listed rule.
//! Not supported (refused): `value_percentile`, correlations of correlations,
//! pySigma's boolean (string) correlation conditions, and conditions a count,
//! sum or maximum meets by staying low (only `lt`/`lte`), since those can
//! only be decided when a window closes (a minimum needs an upper bound).
//!
//! # Streaming semantics
//!
//! - **Windows** slide: a correlation's condition is evaluated whenever one
//!   of its events arrives, over the group's events in `[t − timespan, t]`
//!   (both ends included).
//! - **Group-by**: events of different groups never count together. An event
//!   missing a group-by field takes no part in that correlation (as in a
//!   `stats … by` or a terms aggregation); a multi-valued field puts the event
//!   in one group per value. Group values compare exactly (case-sensitive).
//! - **One match per burst**: when the condition first holds for a group, one
//!   [`Match`] is reported and the group's state is cleared: the window
//!   restarts with the next event, so a further match needs the full
//!   condition again (another N events, another set of rules in order, …).
//! - **Counting**: an event matching several rules of one correlation counts
//!   once for `event_count` and the value types, and once per rule for
//!   `temporal`. `value_count` and the value types ignore events without a
//!   value of the field (numbers, or text that is a number, for the value
//!   types; every value of a multi-valued field counts). Distinct values
//!   compare exactly.
//! - **Order**: `temporal_ordered` follows push order (events with equal
//!   times count in the order pushed); its value is the length of the longest
//!   chain of the listed rules, in order from the first, within the window.
//! - **generate**: as the specification says, by default a rule referenced
//!   by a correlation reports only through the correlation; it reports its
//!   own matches too when every correlation referencing it has
//!   `generate: true` ([`RuleMeta::emits`]).
//! - **Memory**: per group at most 4,096 distinct timestamps (beyond that the
//!   oldest are merged and expire with the newer, so counts and sums may be
//!   over-, never under-estimated), 65,536 distinct values and 100 event ids;
//!   per correlation at most 50,000 groups ([`Evaluator::dropped_groups`]
//!   counts events refused beyond that). [`Evaluator::expire`] drops expired
//!   state. A match's `event_ids` are the most recent 100 of its window, in
//!   time order; `event_count` counts them all.

mod condition;
mod correlation;
mod detection;
mod error;
mod eval;
mod fields;
mod load;
mod yaml;

pub use correlation::{CorrelationMeta, CorrelationType, Threshold};
pub use error::{RuleError, RuleErrorKind};
pub use eval::Evaluator;
pub use fields::{Fields, Value, EVENT_FIELDS};

/// The index of a rule in [`RuleSet::rules`].
pub type RuleIndex = usize;

/// Compiled detection and correlation rules, built once and shared (it is
/// `Send + Sync`; each stream gets its own [`Evaluator`]).
#[derive(Debug)]
pub struct RuleSet {
    metas: Vec<RuleMeta>,
    dets: Vec<load::Det>,
    correlations: Vec<correlation::Correlation>,
    dispatch: load::Dispatch,
    max_span_ms: i64,
}

impl RuleSet {
    /// Loads rules from `(origin name, YAML text)` pairs (the origin, usually
    /// a file name, appears in errors). Empty documents are skipped. Every
    /// problem in every source is reported, not only the first; on any error
    /// no rule set is built.
    pub fn load(sources: &[(String, String)]) -> Result<RuleSet, Vec<RuleError>> {
        load::load(sources, None)
    }

    /// Like [`load`](RuleSet::load), and also refuses fields outside
    /// `known` (for rules over [`maruhi_events::Event`], pass
    /// [`EVENT_FIELDS`] plus any enrichment fields), so that a misspelt field
    /// is an error rather than a rule that never matches.
    pub fn load_with_fields(sources: &[(String, String)], known: &[&str]) -> Result<RuleSet, Vec<RuleError>> {
        load::load(sources, Some(known))
    }

    /// Detection and correlation rules; a rule's index is its [`RuleIndex`]
    /// (sources in the order given, documents in file order).
    pub fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    /// The longest correlation timespan in milliseconds (0 without
    /// correlations): state older than this is never needed.
    pub fn max_timespan_ms(&self) -> i64 {
        self.max_span_ms
    }
}

/// A rule as loaded: its metadata, kind and custom attributes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RuleMeta {
    /// `id`, or empty when the rule has none.
    pub id: String,
    /// `name` (how correlations may refer to the rule).
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `description`.
    pub description: Option<String>,
    /// `status`.
    pub status: Option<Status>,
    /// `level`; `Informational` for a rule without one (allowed only when
    /// its matches are not reported on their own).
    pub level: Level,
    /// `tags`.
    pub tags: Vec<String>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `author`.
    pub author: Option<String>,
    /// `references`.
    pub references: Vec<String>,
    /// Detection or correlation (and which).
    pub kind: RuleKind,
    /// Whether the rule's own matches are reported: always for correlations;
    /// for a detection rule unless a correlation uses it without `generate: true`.
    pub emits: bool,
    /// The correlation's parameters, for correlation rules.
    pub correlation: Option<CorrelationMeta>,
    /// Top-level attributes outside the Sigma specification (e.g. `maruhi:`),
    /// as JSON.
    pub custom: serde_json::Map<String, serde_json::Value>,
    /// The origin name of the source the rule came from.
    pub origin: String,
    /// The line of the rule's document in its source.
    pub line: usize,
}

/// Detection or correlation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// A rule with a `detection` section: matches single events.
    Detection,
    /// A correlation rule over other rules' matches.
    Correlation(CorrelationType),
}

/// `level`: how severe a match is, least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `informational`.
    Informational,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Level {
    /// The name in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// The level with this name in rule files.
    pub fn parse(s: &str) -> Option<Level> {
        [Level::Informational, Level::Low, Level::Medium, Level::High, Level::Critical]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// `status` of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `stable`.
    Stable,
    /// `test`.
    Test,
    /// `experimental`.
    Experimental,
    /// `deprecated`.
    Deprecated,
    /// `unsupported`.
    Unsupported,
}

impl Status {
    /// The name in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Test => "test",
            Status::Experimental => "experimental",
            Status::Deprecated => "deprecated",
            Status::Unsupported => "unsupported",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        [Status::Stable, Status::Test, Status::Experimental, Status::Deprecated, Status::Unsupported]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// A rule that matched: one event for a detection rule, the events of the
/// window for a correlation.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The rule, an index into [`RuleSet::rules`].
    pub rule: RuleIndex,
    /// Time of the earliest event of the match (as pushed, in ms).
    pub first_time_ms: i64,
    /// Time of the event that completed the match.
    pub last_time_ms: i64,
    /// The events' ids in time order: the event for a detection rule; for a
    /// correlation the most recent 100 of its window (`temporal`: the latest
    /// event of each rule; `temporal_ordered`: the chain in order).
    pub event_ids: Vec<String>,
    /// How many events the match covers (may exceed `event_ids.len()`).
    pub event_count: u64,
    /// The correlation's group: `(group-by field or alias, value)` in
    /// `group-by` order; empty for detection rules.
    pub group: Vec<(String, String)>,
    /// For a correlation, the value that met the condition: the event count,
    /// distinct count, number of rules, sum, mean, maximum or minimum.
    pub value: Option<f64>,
}
