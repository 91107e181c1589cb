//! Load errors of rule files.

use std::fmt;

/// What is wrong with a rule file or rule. Each kind has a stable code
/// ([`RuleErrorKind::code`]) for messages operators see and search for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// The source is not YAML, or exceeds a size, depth or node limit.
    Yaml,
    /// The rule breaks the Sigma specification (a missing or mistyped
    /// attribute, a bad condition, an invalid regular expression, …).
    Invalid,
    /// Valid Sigma that this engine does not implement (keyword searches,
    /// encoding modifiers, correlations of correlations, …). Refused rather
    /// than evaluated approximately.
    Unsupported,
    /// A correlation names a rule (by `id` or `name`) that is not loaded, or
    /// that is ambiguous.
    Reference,
    /// Two rules share an `id` or a `name`.
    Duplicate,
}

impl RuleErrorKind {
    /// The stable code: `MRH-SIGMA-001` to `MRH-SIGMA-005`.
    pub fn code(self) -> &'static str {
        match self {
            RuleErrorKind::Yaml => "MRH-SIGMA-001",
            RuleErrorKind::Invalid => "MRH-SIGMA-002",
            RuleErrorKind::Unsupported => "MRH-SIGMA-003",
            RuleErrorKind::Reference => "MRH-SIGMA-004",
            RuleErrorKind::Duplicate => "MRH-SIGMA-005",
        }
    }
}

/// One problem found while loading rules: where (source name, line), which
/// rule (id and title, where known) and what is wrong.
///
/// Displays as `rules/usb.yml:12: rule 'USB bulk copy' (id 5638f7c0-…): unknown modifier `foo` [MRH-SIGMA-002]`.
/// Messages name attributes, fields and modifiers of the rule, which are the
/// operator's own text; they never quote events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct RuleError {
    /// The origin name given to [`RuleSet::load`](super::RuleSet::load), usually the file name.
    pub origin: String,
    /// The 1-based line in the source, where known.
    pub line: Option<usize>,
    /// The rule's `id`, where known.
    pub rule_id: Option<String>,
    /// The rule's `title`, where known.
    pub rule_title: Option<String>,
    /// The kind, with its stable code.
    pub kind: RuleErrorKind,
    /// What is wrong, in one sentence without trailing period.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        match (&self.rule_title, &self.rule_id) {
            (Some(t), Some(i)) => write!(f, ": rule '{t}' (id {i})")?,
            (Some(t), None) => write!(f, ": rule '{t}'")?,
            (None, Some(i)) => write!(f, ": rule id {i}")?,
            (None, None) => {}
        }
        write!(f, ": {} [{}]", self.message, self.kind.code())
    }
}

/// Where in a source a problem was found: the rule being read, if any.
#[derive(Debug, Clone, Default)]
pub(crate) struct Context {
    pub(crate) origin: String,
    pub(crate) rule_id: Option<String>,
    pub(crate) rule_title: Option<String>,
}

impl Context {
    pub(crate) fn error(&self, kind: RuleErrorKind, line: usize, message: impl Into<String>) -> RuleError {
        RuleError {
            origin: self.origin.clone(),
            line: (line > 0).then_some(line),
            rule_id: self.rule_id.clone(),
            rule_title: self.rule_title.clone(),
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(&self, line: usize, message: impl Into<String>) -> RuleError {
        self.error(RuleErrorKind::Invalid, line, message)
    }

    pub(crate) fn unsupported(&self, line: usize, message: impl Into<String>) -> RuleError {
        self.error(RuleErrorKind::Unsupported, line, message)
    }
}
