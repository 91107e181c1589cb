//! The `detection` section: search identifiers compiled to field tests, the
//! value modifiers, and matching against an event.

use std::collections::BTreeSet;
use std::net::IpAddr;

use memchr::memmem;
use regex::{Regex, RegexBuilder};

use super::condition::{self, Cond};
use super::error::{Context, RuleError};
use super::fields::{Fields, Num, Value};
use super::yaml::{Key, Node, Yaml};

/// Compiled size limit of one regular expression (`re` values and wildcard
/// patterns), in bytes: plenty for rules, and a bound on hostile ones.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Deepest nesting of groups in a regular expression.
const REGEX_NEST_LIMIT: u32 = 64;

/// A compiled `detection` section.
#[derive(Debug)]
pub(crate) struct Detection {
    pub(crate) selections: Vec<Selection>,
    pub(crate) cond: Cond,
}

/// One search identifier: alternatives (a list of maps, OR), each a
/// conjunction of field tests (one map, AND).
#[derive(Debug)]
pub(crate) struct Selection {
    alternatives: Vec<Vec<FieldTest>>,
}

#[derive(Debug)]
struct FieldTest {
    field: Box<str>,
    test: Test,
}

#[derive(Debug)]
enum Test {
    /// `field: null`: the field has no value.
    Absent,
    /// `field|exists: true/false`.
    Exists(bool),
    /// Some value matches one pattern (`all`: every pattern is matched by some value).
    Match { patterns: Vec<Pattern>, all: bool },
    /// `neq`: the field has a value and no value equals the pattern (one of
    /// the patterns, or with `all` every pattern).
    NotEqual { patterns: Vec<Pattern>, all: bool },
    /// `fieldref`: some value equals some value of the other field (`neq`:
    /// the field has a value and none equals any value of the other field).
    FieldRef { fields: Vec<Box<str>>, all: bool, neq: bool, cased: bool },
}

#[derive(Debug)]
enum Pattern {
    Text(Text),
    /// A YAML integer: equal to an integer (or float) value, or text in decimal.
    Int(i64),
    /// A YAML float: numerically equal.
    Float(f64),
    Bool(bool),
    Compare(Cmp, Num),
    Regex(Regex),
    Cidr(Cidr),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A Sigma string value: wildcards resolved to the cheapest matcher.
/// Needles are lower-cased (per `char::to_lowercase`) unless `cased`.
#[derive(Debug)]
struct Text {
    cased: bool,
    kind: TextKind,
}

#[derive(Debug)]
enum TextKind {
    /// `*`: any value, the empty one included.
    Any,
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<memmem::Finder<'static>>),
    /// Wildcards inside the value: a regular expression (linear time).
    Glob(Regex),
}

#[derive(Debug)]
struct Cidr {
    net: IpAddr,
    prefix: u8,
}

/// Reusable buffers for matching one event.
pub(crate) struct Scratch<'e> {
    pub(crate) vals: Vec<Value<'e>>,
    pub(crate) other: Vec<Value<'e>>,
    pub(crate) lower: String,
    pub(crate) num: String,
}

impl Detection {
    /// Whether the event matches the condition.
    pub(crate) fn matches<'e>(&self, event: &'e dyn Fields, s: &mut Scratch<'e>) -> bool {
        eval(&self.cond, &self.selections, event, s)
    }

    /// Every field the detection reads (`fieldref` targets included).
    pub(crate) fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in self.selections.iter().flat_map(|s| &s.alternatives).flatten() {
            out.push(&t.field);
            if let Test::FieldRef { fields, .. } = &t.test {
                out.extend(fields.iter().map(|f| &**f));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The values `field` must equal (ASCII or Unicode lower-cased) for the
    /// condition to hold, if the condition implies such a set; `None` when
    /// any value (or none) may match. Used to dispatch rules by `event.action`.
    pub(crate) fn required_values(&self, field: &str) -> Option<BTreeSet<String>> {
        required(&self.cond, &self.selections, field)
    }
}

fn eval<'e>(cond: &Cond, sels: &[Selection], event: &'e dyn Fields, s: &mut Scratch<'e>) -> bool {
    match cond {
        Cond::Sel(i) => sels.get(*i).is_some_and(|sel| sel.matches(event, s)),
        Cond::Not(c) => !eval(c, sels, event, s),
        Cond::And(cs) => cs.iter().all(|c| eval(c, sels, event, s)),
        Cond::Or(cs) => cs.iter().any(|c| eval(c, sels, event, s)),
    }
}

fn required(cond: &Cond, sels: &[Selection], field: &str) -> Option<BTreeSet<String>> {
    match cond {
        Cond::Sel(i) => sels.get(*i).and_then(|s| s.required(field)),
        Cond::Not(_) => None,
        Cond::And(cs) => cs.iter().map(|c| required(c, sels, field)).fold(None, intersect),
        Cond::Or(cs) => union_all(cs.iter().map(|c| required(c, sels, field))),
    }
}

fn intersect(a: Option<BTreeSet<String>>, b: Option<BTreeSet<String>>) -> Option<BTreeSet<String>> {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
    }
}

fn union_all(mut it: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut acc = BTreeSet::new();
    for x in it.by_ref() {
        acc.extend(x?);
    }
    Some(acc)
}

impl Selection {
    fn matches<'e>(&self, event: &'e dyn Fields, s: &mut Scratch<'e>) -> bool {
        self.alternatives.iter().any(|tests| tests.iter().all(|t| t.matches(event, s)))
    }

    fn required(&self, field: &str) -> Option<BTreeSet<String>> {
        union_all(
            self.alternatives.iter().map(|tests| {
                tests.iter().filter(|t| &*t.field == field).map(FieldTest::required).fold(None, intersect)
            }),
        )
    }
}

impl FieldTest {
    fn required(&self) -> Option<BTreeSet<String>> {
        let Test::Match { patterns, all: false } = &self.test else { return None };
        patterns
            .iter()
            .map(|p| match p {
                Pattern::Text(Text { kind: TextKind::Exact(s), .. }) => Some(lowercase(s)),
                _ => None,
            })
            .collect()
    }

    fn matches<'e>(&self, event: &'e dyn Fields, s: &mut Scratch<'e>) -> bool {
        s.vals.clear();
        event.values(&self.field, &mut s.vals);
        let Scratch { vals, other, lower, num } = s;
        match &self.test {
            Test::Absent => vals.is_empty(),
            Test::Exists(want) => vals.is_empty() != *want,
            Test::Match { patterns, all } => {
                let mut hit = |p: &Pattern| vals.iter().any(|v| p.matches(v, lower, num));
                if *all {
                    patterns.iter().all(&mut hit)
                } else {
                    patterns.iter().any(&mut hit)
                }
            }
            Test::NotEqual { patterns, all } => {
                if vals.is_empty() {
                    return false;
                }
                let mut differs = |p: &Pattern| vals.iter().all(|v| !p.matches(v, lower, num));
                if *all {
                    patterns.iter().all(&mut differs)
                } else {
                    patterns.iter().any(&mut differs)
                }
            }
            Test::FieldRef { fields, all, neq, cased } => {
                if vals.is_empty() {
                    return false;
                }
                let mut check = |f: &str| {
                    other.clear();
                    event.values(f, other);
                    if other.is_empty() {
                        return false;
                    }
                    let equal = vals.iter().any(|a| other.iter().any(|b| values_equal(a, b, *cased)));
                    equal != *neq
                };
                if *all {
                    fields.iter().map(AsRef::as_ref).all(&mut check)
                } else {
                    fields.iter().map(AsRef::as_ref).any(&mut check)
                }
            }
        }
    }
}

fn values_equal(a: &Value<'_>, b: &Value<'_>, cased: bool) -> bool {
    if let (Some(x), Some(y)) = (a.number(), b.number()) {
        return x.cmp(y) == Some(std::cmp::Ordering::Equal);
    }
    let (mut ba, mut bb) = (String::new(), String::new());
    let (ta, tb) = (a.text(&mut ba), b.text(&mut bb));
    if cased {
        ta == tb
    } else {
        lowercase(ta) == lowercase(tb)
    }
}

/// Lower case by `char::to_lowercase`, the folding every case-insensitive
/// comparison of this module uses.
pub(crate) fn lowercase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    lowercase_into(s, &mut out);
    out
}

pub(crate) fn lowercase_into(s: &str, out: &mut String) {
    out.clear();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        out.extend(s.chars().flat_map(char::to_lowercase));
    }
}

impl Pattern {
    fn matches(&self, v: &Value<'_>, lower: &mut String, num: &mut String) -> bool {
        match self {
            Pattern::Text(t) => t.matches(v.text(num), lower),
            Pattern::Int(i) => match v {
                Value::Int(x) => x == i,
                Value::Float(f) => *f == *i as f64,
                Value::Str(s) => s.parse::<i64>().is_ok_and(|x| x == *i),
                Value::Bool(_) => false,
            },
            Pattern::Float(f) => v.number().is_some_and(|n| n.as_f64() == *f),
            Pattern::Bool(b) => match v {
                Value::Bool(x) => x == b,
                Value::Str(s) => s.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
                Value::Int(_) | Value::Float(_) => false,
            },
            Pattern::Compare(op, n) => v.number().and_then(|x| x.cmp(*n)).is_some_and(|o| match op {
                Cmp::Gt => o.is_gt(),
                Cmp::Gte => o.is_ge(),
                Cmp::Lt => o.is_lt(),
                Cmp::Lte => o.is_le(),
            }),
            Pattern::Regex(re) => re.is_match(v.text(num)),
            Pattern::Cidr(c) => match v {
                Value::Str(s) => s.trim().parse::<IpAddr>().is_ok_and(|ip| c.contains(ip)),
                _ => false,
            },
        }
    }
}

impl Text {
    fn matches(&self, s: &str, lower: &mut String) -> bool {
        let hay: &str = match &self.kind {
            TextKind::Any => return true,
            TextKind::Glob(re) => return re.is_match(s),
            _ if self.cased => s,
            kind if s.is_ascii() => {
                // Needles are lower case: compare without copying where we can.
                let b = s.as_bytes();
                match kind {
                    TextKind::Exact(n) => return b.eq_ignore_ascii_case(n.as_bytes()),
                    TextKind::Prefix(n) => {
                        return b.get(..n.len()).is_some_and(|head| head.eq_ignore_ascii_case(n.as_bytes()))
                    }
                    TextKind::Suffix(n) => {
                        return b
                            .len()
                            .checked_sub(n.len())
                            .and_then(|start| b.get(start..))
                            .is_some_and(|tail| tail.eq_ignore_ascii_case(n.as_bytes()))
                    }
                    _ if b.iter().any(u8::is_ascii_uppercase) => {
                        lowercase_into(s, lower);
                        lower
                    }
                    _ => s,
                }
            }
            _ => {
                lowercase_into(s, lower);
                lower
            }
        };
        match &self.kind {
            TextKind::Exact(n) => hay == &**n,
            TextKind::Prefix(n) => hay.starts_with(&**n),
            TextKind::Suffix(n) => hay.ends_with(&**n),
            TextKind::Contains(f) => f.find(hay.as_bytes()).is_some(),
            TextKind::Any | TextKind::Glob(_) => true,
        }
    }
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = s.trim().split_once('/')?;
        let net: IpAddr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => masked(u32::from(n).into(), u32::from(a).into(), 32, self.prefix),
            (IpAddr::V4(n), IpAddr::V6(a)) => {
                a.to_ipv4_mapped().is_some_and(|a| masked(u32::from(n).into(), u32::from(a).into(), 32, self.prefix))
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => masked(u128::from(n), u128::from(a), 128, self.prefix),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

fn masked(net: u128, addr: u128, bits: u32, prefix: u8) -> bool {
    let shift = bits.saturating_sub(u32::from(prefix));
    let (n, a) = (net.checked_shr(shift).unwrap_or(0), addr.checked_shr(shift).unwrap_or(0));
    n == a
}

// ---------------------------------------------------------------------------
// Compilation

/// Compiles `detection`. Errors are collected (one per bad field or
/// identifier) so that a rule reports everything wrong at once.
pub(crate) fn compile(detection: &Yaml, cx: &Context, errors: &mut Vec<RuleError>) -> Option<Detection> {
    let Node::Map(entries) = &detection.node else {
        errors.push(cx.invalid(detection.line, format!("`detection` must be a mapping, not {}", detection.kind())));
        return None;
    };
    let before = errors.len();
    let mut names = Vec::new();
    let mut selections = Vec::new();
    let mut condition = None;
    for (key, value) in entries {
        match key.text.as_str() {
            "condition" => condition = Some(value),
            "timeframe" => errors.push(cx.unsupported(
                key.line,
                "`timeframe` belongs to Sigma v1 aggregations, which are not supported; write a correlation rule",
            )),
            name => {
                if let Some(sel) = compile_selection(key, value, cx, errors) {
                    names.push(name.to_owned());
                    selections.push(sel);
                }
            }
        }
    }
    let Some(condition) = condition else {
        errors.push(cx.invalid(detection.line, "`detection` has no `condition`"));
        return None;
    };
    let texts: Vec<(&str, usize)> = match &condition.node {
        Node::Str(s) => vec![(s.as_str(), condition.line)],
        Node::Seq(items) if !items.is_empty() => {
            let mut texts = Vec::new();
            for item in items {
                match &item.node {
                    Node::Str(s) => texts.push((s.as_str(), item.line)),
                    _ => {
                        errors.push(cx.invalid(item.line, "every `condition` in a list must be a string"));
                        return None;
                    }
                }
            }
            texts
        }
        _ => {
            errors.push(cx.invalid(condition.line, "`condition` must be a string or a list of strings"));
            return None;
        }
    };
    if errors.len() > before {
        return None;
    }
    // Sigma: a list of conditions is their disjunction.
    let mut conds = Vec::new();
    for (text, line) in texts {
        match condition::parse(text, &names) {
            Ok(c) => conds.push(c),
            Err(e) => errors.push(cx.error(e.kind, line, format!("condition `{text}`: {}", e.message))),
        }
    }
    if errors.len() > before {
        return None;
    }
    let cond = if conds.len() == 1 { conds.pop()? } else { Cond::Or(conds) };
    Some(Detection { selections, cond })
}

fn compile_selection(key: &Key, value: &Yaml, cx: &Context, errors: &mut Vec<RuleError>) -> Option<Selection> {
    let keyword = || {
        cx.unsupported(
            value.line,
            format!("search identifier `{}` is a keyword search (a list of values without field names), which is not supported; name the field", key.text),
        )
    };
    let maps: Vec<&Yaml> = match &value.node {
        Node::Map(_) => vec![value],
        Node::Seq(items) if items.is_empty() => {
            errors.push(cx.invalid(value.line, format!("search identifier `{}` is an empty list", key.text)));
            return None;
        }
        Node::Seq(items) => {
            if items.iter().any(|i| !matches!(i.node, Node::Map(_))) {
                errors.push(keyword());
                return None;
            }
            items.iter().collect()
        }
        _ => {
            errors.push(keyword());
            return None;
        }
    };
    let before = errors.len();
    let mut alternatives = Vec::new();
    for map in maps {
        let Node::Map(entries) = &map.node else { continue };
        if entries.is_empty() {
            errors.push(cx.invalid(map.line, format!("search identifier `{}` has an empty mapping", key.text)));
            continue;
        }
        let mut tests = Vec::new();
        for (k, v) in entries {
            match compile_field(k, v) {
                Ok(t) => tests.push(t),
                Err((kind, msg)) => {
                    errors.push(cx.error(kind, k.line, format!("`{}` in `{}`: {msg}", k.text, key.text)))
                }
            }
        }
        alternatives.push(tests);
    }
    (errors.len() == before).then_some(Selection { alternatives })
}

type FieldError = (super::error::RuleErrorKind, String);

fn invalid(msg: impl Into<String>) -> FieldError {
    (super::error::RuleErrorKind::Invalid, msg.into())
}

fn unsupported(msg: impl Into<String>) -> FieldError {
    (super::error::RuleErrorKind::Unsupported, msg.into())
}

#[derive(Default)]
struct Mods {
    anchor: Option<&'static str>,
    all: bool,
    re: bool,
    re_flags: (bool, bool, bool),
    cidr: bool,
    cmp: Option<Cmp>,
    exists: bool,
    cased: bool,
    neq: bool,
    fieldref: bool,
}

fn parse_mods(names: &[&str]) -> Result<Mods, FieldError> {
    let mut m = Mods::default();
    let mut seen: Vec<&str> = Vec::new();
    for &name in names {
        if seen.contains(&name) {
            return Err(invalid(format!("modifier `{name}` is repeated")));
        }
        seen.push(name);
        match name {
            "contains" | "startswith" | "endswith" => {
                if let Some(other) = m.anchor {
                    return Err(invalid(format!("modifiers `{other}` and `{name}` exclude each other")));
                }
                m.anchor = Some(match name {
                    "contains" => "contains",
                    "startswith" => "startswith",
                    _ => "endswith",
                });
            }
            "all" => m.all = true,
            "re" => m.re = true,
            "i" | "m" | "s" if m.re => match name {
                "i" => m.re_flags.0 = true,
                "m" => m.re_flags.1 = true,
                _ => m.re_flags.2 = true,
            },
            "i" | "m" | "s" => return Err(invalid(format!("modifier `{name}` only follows `re`"))),
            "cidr" => m.cidr = true,
            "gt" | "gte" | "lt" | "lte" => {
                if m.cmp.is_some() {
                    return Err(invalid("only one of `gt`, `gte`, `lt`, `lte` may be given"));
                }
                m.cmp = Some(match name {
                    "gt" => Cmp::Gt,
                    "gte" => Cmp::Gte,
                    "lt" => Cmp::Lt,
                    _ => Cmp::Lte,
                });
            }
            "exists" => m.exists = true,
            "cased" => m.cased = true,
            "neq" => m.neq = true,
            "fieldref" => m.fieldref = true,
            "windash" | "base64" | "base64offset" | "utf16le" | "utf16be" | "utf16" | "wide" | "expand" | "minute"
            | "hour" | "day" | "week" | "month" | "year" => {
                return Err(unsupported(format!("modifier `{name}` is not supported")));
            }
            "" => return Err(invalid("empty modifier (`||`)")),
            other => return Err(invalid(format!("unknown modifier `{other}`"))),
        }
    }
    // Which modifiers go together (Sigma modifiers appendix v2.1.0).
    let others = |allowed: &[&str]| seen.iter().find(|n| !allowed.contains(n)).copied();
    let clash = |main: &str, allowed: &[&str]| -> Result<(), FieldError> {
        match others(allowed) {
            Some(o) => Err(invalid(format!("modifier `{o}` cannot be combined with `{main}`"))),
            None => Ok(()),
        }
    };
    if m.exists {
        clash("exists", &["exists"])?;
    } else if m.re {
        clash("re", &["re", "i", "m", "s", "all"])?;
    } else if m.cidr {
        clash("cidr", &["cidr", "all"])?;
    } else if m.cmp.is_some() {
        clash("gt/gte/lt/lte", &["gt", "gte", "lt", "lte", "all"])?;
    } else if m.fieldref {
        clash("fieldref", &["fieldref", "neq", "cased", "all"])?;
    } else if m.neq {
        clash("neq", &["neq", "cased", "all"])?;
    }
    Ok(m)
}

fn compile_field(key: &Key, value: &Yaml) -> Result<FieldTest, FieldError> {
    let mut parts = key.text.split('|');
    let field = parts.next().unwrap_or_default();
    if field.is_empty() {
        return Err(unsupported(
            "keyword searches (a modifier without a field name) are not supported; name the field",
        ));
    }
    let mod_names: Vec<&str> = parts.collect();
    let m = parse_mods(&mod_names)?;
    let field: Box<str> = field.into();

    let values: Vec<&Yaml> = match &value.node {
        Node::Seq(items) => {
            if items.is_empty() {
                return Err(invalid("empty list of values"));
            }
            if items.iter().any(|i| matches!(i.node, Node::Null)) {
                return Err(invalid("`null` cannot be part of a list of values; put it in a selection of its own"));
            }
            items.iter().collect()
        }
        Node::Map(_) => return Err(invalid("a field's value must be a scalar or a list of scalars, not a mapping")),
        _ => vec![value],
    };
    if let Some(v) = values.iter().find(|v| matches!(v.node, Node::Seq(_) | Node::Map(_))) {
        return Err(invalid(format!("list items must be scalars, not {}", v.kind())));
    }
    if m.all && values.len() < 2 {
        return Err(invalid("modifier `all` needs a list of two or more values"));
    }

    if matches!(value.node, Node::Null) {
        if !mod_names.is_empty() {
            return Err(invalid("`null` takes no modifiers"));
        }
        return Ok(FieldTest { field, test: Test::Absent });
    }
    if m.exists {
        return match (&value.node, values.len()) {
            (Node::Bool(b), 1) => Ok(FieldTest { field, test: Test::Exists(*b) }),
            _ => Err(invalid("modifier `exists` takes `true` or `false`")),
        };
    }
    if m.fieldref {
        let fields = values
            .iter()
            .map(|v| v.as_str().filter(|s| !s.is_empty()).map(Box::from))
            .collect::<Option<Vec<Box<str>>>>()
            .ok_or_else(|| invalid("modifier `fieldref` takes field names"))?;
        return Ok(FieldTest { field, test: Test::FieldRef { fields, all: m.all, neq: m.neq, cased: m.cased } });
    }
    let patterns = values.iter().map(|v| compile_value(v, &m)).collect::<Result<Vec<_>, _>>()?;
    let test = if m.neq { Test::NotEqual { patterns, all: m.all } } else { Test::Match { patterns, all: m.all } };
    Ok(FieldTest { field, test })
}

fn compile_value(v: &Yaml, m: &Mods) -> Result<Pattern, FieldError> {
    if m.re {
        let Some(src) = v.as_str() else {
            return Err(invalid(format!("modifier `re` takes a string, not {}", v.kind())));
        };
        let (i, ml, s) = m.re_flags;
        let re = RegexBuilder::new(src)
            .case_insensitive(i)
            .multi_line(ml)
            .dot_matches_new_line(s)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .nest_limit(REGEX_NEST_LIMIT)
            .build()
            .map_err(|e| invalid(format!("invalid regular expression: {}", one_line(&e.to_string()))))?;
        return Ok(Pattern::Regex(re));
    }
    if m.cidr {
        return v
            .as_str()
            .and_then(Cidr::parse)
            .map(Pattern::Cidr)
            .ok_or_else(|| invalid("modifier `cidr` takes a network such as `10.0.0.0/8` or `fd00::/8`"));
    }
    if let Some(op) = m.cmp {
        return match v.node {
            Node::Int(i) => Ok(Pattern::Compare(op, Num::Int(i))),
            Node::Float(f) if f.is_finite() => Ok(Pattern::Compare(op, Num::Float(f))),
            _ => Err(invalid(format!("modifiers `gt`, `gte`, `lt`, `lte` take a number, not {}", v.kind()))),
        };
    }
    if m.anchor.is_none() {
        match v.node {
            Node::Int(i) => return Ok(Pattern::Int(i)),
            Node::Float(f) => return Ok(Pattern::Float(f)),
            Node::Bool(b) => return Ok(Pattern::Bool(b)),
            _ => {}
        }
    }
    let mut tokens = match &v.node {
        Node::Str(s) => sigma_tokens(s),
        // Numbers under contains/startswith/endswith match as their text.
        _ => v.scalar_text().map(|t| t.chars().map(Tok::Lit).collect()).unwrap_or_default(),
    };
    match m.anchor {
        Some("contains") => {
            tokens.insert(0, Tok::Star);
            tokens.push(Tok::Star);
        }
        Some("startswith") => tokens.push(Tok::Star),
        Some(_) => tokens.insert(0, Tok::Star),
        None => {}
    }
    Ok(Pattern::Text(compile_text(&tokens, m.cased)?))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Lit(char),
    /// `*`
    Star,
    /// `?`
    One,
}

/// Sigma string escapes: `\*`, `\?` and `\\` are the literal characters;
/// any other backslash is itself (so `C:\Windows` needs no doubling).
fn sigma_tokens(s: &str) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    chars.next();
                    out.push(Tok::Lit(n));
                }
                _ => out.push(Tok::Lit('\\')),
            },
            '*' => out.push(Tok::Star),
            '?' => out.push(Tok::One),
            c => out.push(Tok::Lit(c)),
        }
    }
    out
}

fn compile_text(tokens: &[Tok], cased: bool) -> Result<Text, FieldError> {
    let lead = tokens.iter().take_while(|t| **t == Tok::Star).count();
    if lead == tokens.len() && lead > 0 {
        return Ok(Text { cased, kind: TextKind::Any });
    }
    let trail = tokens.iter().rev().take_while(|t| **t == Tok::Star).count();
    let middle = tokens.get(lead..tokens.len() - trail).unwrap_or_default();
    let literal: Option<String> = middle.iter().map(|t| if let Tok::Lit(c) = t { Some(*c) } else { None }).collect();
    let kind = match literal {
        Some(text) => {
            let text = if cased { text } else { lowercase(&text) };
            match (lead > 0, trail > 0) {
                (false, false) => TextKind::Exact(text.into()),
                (false, true) => TextKind::Prefix(text.into()),
                (true, false) => TextKind::Suffix(text.into()),
                (true, true) => TextKind::Contains(Box::new(memmem::Finder::new(text.as_bytes()).into_owned())),
            }
        }
        None => {
            let mut re = String::from(if cased { "(?s)^" } else { "(?si)^" });
            for t in tokens {
                match t {
                    Tok::Lit(c) => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
                    Tok::Star => re.push_str(".*"),
                    Tok::One => re.push('.'),
                }
            }
            re.push('$');
            let re = RegexBuilder::new(&re)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| invalid(format!("wildcard pattern too large: {}", one_line(&e.to_string()))))?;
            TextKind::Glob(re)
        }
    };
    Ok(Text { cased, kind })
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn text(s: &str, cased: bool) -> Text {
        compile_text(&sigma_tokens(s), cased).unwrap_or(Text { cased, kind: TextKind::Any })
    }

    #[test]
    fn wildcards_pick_the_cheapest_matcher() {
        assert!(matches!(text("abc", false).kind, TextKind::Exact(_)));
        assert!(matches!(text("abc*", false).kind, TextKind::Prefix(_)));
        assert!(matches!(text("*abc", false).kind, TextKind::Suffix(_)));
        assert!(matches!(text("**abc*", false).kind, TextKind::Contains(_)));
        assert!(matches!(text("*", false).kind, TextKind::Any));
        assert!(matches!(text("a*c", false).kind, TextKind::Glob(_)));
        assert!(matches!(text("a\\*c", false).kind, TextKind::Exact(_)));
    }

    #[test]
    fn escapes() {
        assert_eq!(sigma_tokens(r"C:\Windows"), "C:\\Windows".chars().map(Tok::Lit).collect::<Vec<_>>());
        assert_eq!(sigma_tokens(r"a\*"), vec![Tok::Lit('a'), Tok::Lit('*')]);
        assert_eq!(sigma_tokens(r"a\\*"), vec![Tok::Lit('a'), Tok::Lit('\\'), Tok::Star]);
        assert_eq!(sigma_tokens(r"\\\*"), vec![Tok::Lit('\\'), Tok::Lit('*')]);
        assert_eq!(sigma_tokens(r"\\\\"), vec![Tok::Lit('\\'), Tok::Lit('\\')]);
        assert_eq!(sigma_tokens("a\\"), vec![Tok::Lit('a'), Tok::Lit('\\')]);
    }

    #[test]
    fn cidr() {
        let c = Cidr::parse("10.0.0.0/8").unwrap_or(Cidr { net: IpAddr::from([0u8; 4]), prefix: 32 });
        assert!(c.contains("10.1.2.3".parse().unwrap_or(IpAddr::from([0u8; 4]))));
        assert!(!c.contains("11.1.2.3".parse().unwrap_or(IpAddr::from([0u8; 4]))));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        let all = Cidr::parse("0.0.0.0/0").unwrap_or(Cidr { net: IpAddr::from([1u8; 4]), prefix: 32 });
        assert!(all.contains(IpAddr::from([8u8, 8, 8, 8])));
    }
}
