//! From YAML sources to a [`RuleSet`]: rule metadata, detections,
//! correlations with their references resolved, and the dispatch table.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::correlation::{self, Correlation, CorrelationMeta, RawCorrelation};
use super::detection::{self, Detection};
use super::error::{Context, RuleError, RuleErrorKind};
use super::yaml::{self, Node, Yaml};
use super::{Level, RuleKind, RuleMeta, RuleSet, Status};

/// A detection rule in the set.
#[derive(Debug)]
pub(crate) struct Det {
    pub(crate) rule: usize,
    pub(crate) detection: Detection,
    /// Whether its own matches are reported.
    pub(crate) emits: bool,
    /// (correlation number, position in its `rules`) for every correlation it feeds.
    pub(crate) feeds: Vec<(u32, u32)>,
}

/// Which detection rules to evaluate for an event, by its `event.action`.
#[derive(Debug, Default)]
pub(crate) struct Dispatch {
    /// Lower-cased action → the rules that may match it (sorted), including
    /// the rules that do not depend on the action.
    pub(crate) by_action: Vec<(Box<str>, Vec<u32>)>,
    /// Rules that do not depend on the action.
    pub(crate) other: Vec<u32>,
    /// Every rule.
    pub(crate) all: Vec<u32>,
}

enum Body {
    Detection(Detection),
    Correlation(RawCorrelation),
}

struct Raw {
    meta: RuleMeta,
    cx: Context,
    line: usize,
    level_given: bool,
    body: Body,
}

/// Attributes of the Sigma rule and correlation specifications that are not
/// custom attributes.
const STANDARD: &[&str] = &[
    "title",
    "id",
    "name",
    "related",
    "taxonomy",
    "status",
    "description",
    "license",
    "author",
    "references",
    "date",
    "modified",
    "logsource",
    "detection",
    "correlation",
    "fields",
    "falsepositives",
    "level",
    "tags",
    "scope",
    "generate",
];

pub(crate) fn load(sources: &[(String, String)], known_fields: Option<&[&str]>) -> Result<RuleSet, Vec<RuleError>> {
    let mut errors = Vec::new();
    let mut raws = Vec::new();
    // Ids and names of rules that failed, so that references to them do not
    // add a second, confusing error.
    let mut failed: HashSet<String> = HashSet::new();
    for (origin, text) in sources {
        let file = Context { origin: origin.clone(), ..Context::default() };
        let docs = match yaml::parse(text) {
            Ok(docs) => docs,
            Err(e) => {
                errors.push(file.error(RuleErrorKind::Yaml, e.line, e.message));
                continue;
            }
        };
        for doc in &docs {
            if matches!(doc.node, Node::Null) {
                continue;
            }
            let before = errors.len();
            let raw = parse_rule(doc, origin, known_fields, &mut errors);
            match raw {
                Some(raw) if errors.len() == before => raws.push(raw),
                _ => {
                    for key in ["id", "name"] {
                        if let Some(s) = doc.get(key).and_then(Yaml::scalar_text) {
                            failed.insert(s);
                        }
                    }
                }
            }
        }
    }

    // Unique ids and names (Sigma: `id` globally unique, `name` unique).
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, r) in raws.iter().enumerate() {
        for (value, map, what) in [(Some(&r.meta.id), &mut by_id, "id"), (r.meta.name.as_ref(), &mut by_name, "name")] {
            let Some(value) = value.filter(|v| !v.is_empty()) else { continue };
            if let Some(&first) = map.get(value) {
                let first = &raws[first];
                errors.push(r.cx.error(
                    RuleErrorKind::Duplicate,
                    r.line,
                    format!("{what} `{value}` is already used by the rule at {}:{}", first.cx.origin, first.line),
                ));
            } else {
                map.insert(value.clone(), i);
            }
        }
    }

    // Resolve correlations; collect which detections feed which correlation.
    let det_number: HashMap<usize, u32> = raws
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.body, Body::Detection(_)))
        .enumerate()
        .map(|(n, (i, _))| (i, n as u32))
        .collect();
    let mut feeds: HashMap<usize, Vec<(u32, u32)>> = HashMap::new();
    let mut generate: HashMap<usize, bool> = HashMap::new();
    let mut correlations = Vec::new();
    for (i, r) in raws.iter().enumerate() {
        let Body::Correlation(c) = &r.body else { continue };
        let resolve = |reference: &str, line: usize| -> Result<usize, Option<RuleError>> {
            let id = by_id.get(reference);
            let name = by_name.get(reference);
            match (id, name) {
                (Some(a), Some(b)) if a != b => Err(Some(r.cx.error(
                    RuleErrorKind::Reference,
                    line,
                    format!("`{reference}` is the id of one rule and the name of another"),
                ))),
                (Some(&t), _) | (None, Some(&t)) => Ok(t),
                (None, None) if failed.contains(reference) => Err(None),
                (None, None) => Err(Some(r.cx.error(
                    RuleErrorKind::Reference,
                    line,
                    format!("rule `{reference}` is not loaded (no rule has this id or name)"),
                ))),
            }
        };
        let before = errors.len();
        let mut targets = Vec::new();
        let mut broken = false;
        for (reference, line) in &c.rules {
            match resolve(reference, *line) {
                Ok(t) if !det_number.contains_key(&t) => errors.push(r.cx.error(
                    RuleErrorKind::Unsupported,
                    *line,
                    format!("`{reference}` is a correlation; correlations of correlations are not supported"),
                )),
                Ok(t) if targets.contains(&t) => {
                    errors.push(r.cx.invalid(*line, format!("rule `{reference}` is listed twice")));
                }
                Ok(t) => targets.push(t),
                Err(Some(e)) => errors.push(e),
                Err(None) => broken = true,
            }
        }
        // Aliases: per group-by entry, the field of each referenced rule.
        let mut alias_map: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
        for (alias, pairs) in &c.aliases {
            let mut resolved = Vec::new();
            for (reference, field) in pairs {
                match resolve(reference, c.line) {
                    Ok(t) if targets.contains(&t) => resolved.push((t, field.as_str())),
                    Ok(_) => errors.push(r.cx.invalid(
                        c.line,
                        format!("alias `{alias}` names rule `{reference}`, which the correlation does not list"),
                    )),
                    Err(Some(e)) => errors.push(e),
                    Err(None) => broken = true,
                }
            }
            alias_map.insert(alias.as_str(), resolved);
        }
        let mut group_fields = vec![Vec::new(); targets.len()];
        for g in &c.group_by {
            for (pos, t) in targets.iter().enumerate() {
                let field = match alias_map.get(g.as_str()) {
                    None => g.as_str(),
                    Some(pairs) => match pairs.iter().find(|(rule, _)| rule == t) {
                        Some((_, f)) => f,
                        None => {
                            errors.push(r.cx.invalid(
                                c.line,
                                format!("alias `{g}` gives no field for rule `{}`", raws[*t].cx_name()),
                            ));
                            continue;
                        }
                    },
                };
                if let Some(fields) = group_fields.get_mut(pos) {
                    fields.push(Box::<str>::from(field));
                }
            }
        }
        if let Some(known) = known_fields {
            let mut used: Vec<&str> = group_fields.iter().flatten().map(|f| &**f).collect();
            used.extend(c.fields.iter().map(String::as_str));
            for f in used {
                if !known.contains(&f) {
                    errors.push(r.cx.invalid(c.line, format!("unknown field `{f}`")));
                }
            }
        }
        if broken || errors.len() > before {
            continue;
        }
        let number = correlations.len() as u32;
        for (pos, t) in targets.iter().enumerate() {
            feeds.entry(*t).or_default().push((number, pos as u32));
            // pySigma: a referenced rule stands alone only if every
            // correlation using it says `generate: true`.
            let g = generate.entry(*t).or_insert(true);
            *g &= r.meta.correlation.as_ref().is_some_and(|m| m.generate);
        }
        let aliased = group_fields.windows(2).any(|w| w[0] != w[1]);
        correlations.push((
            i,
            Correlation {
                rule: i,
                kind: c.kind,
                span_ms: c.span_ms,
                threshold: c.threshold,
                group_names: c.group_by.clone(),
                positions: targets.len(),
                group_fields,
                aliased,
                fields: c.fields.iter().map(|f| Box::from(f.as_str())).collect(),
            },
            targets,
        ));
    }

    // Levels: every rule whose matches are reported needs one.
    for (i, r) in raws.iter().enumerate() {
        let emits = match r.body {
            Body::Detection(_) => generate.get(&i).copied().unwrap_or(true),
            Body::Correlation(_) => true,
        };
        if emits && !r.level_given {
            errors.push(r.cx.invalid(
                r.line,
                "`level` is missing; a rule whose matches are reported needs one (informational, low, medium, high or critical)",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Assemble. Rule indices are the order of the sources and documents.
    let mut metas = Vec::with_capacity(raws.len());
    let mut dets = Vec::new();
    for (i, raw) in raws.into_iter().enumerate() {
        let mut meta = raw.meta;
        if let Body::Detection(detection) = raw.body {
            let emits = generate.get(&i).copied().unwrap_or(true);
            meta.emits = emits;
            dets.push(Det { rule: i, detection, emits, feeds: feeds.remove(&i).unwrap_or_default() });
        }
        metas.push(meta);
    }
    let mut compiled = Vec::with_capacity(correlations.len());
    for (i, c, targets) in correlations {
        if let Some(m) = metas.get_mut(i).and_then(|m| m.correlation.as_mut()) {
            m.rules = targets;
        }
        compiled.push(c);
    }
    let dispatch = build_dispatch(&dets);
    let max_span_ms = compiled.iter().map(|c| c.span_ms).max().unwrap_or(0);
    Ok(RuleSet { metas, dets, correlations: compiled, dispatch, max_span_ms })
}

impl Raw {
    fn cx_name(&self) -> String {
        self.meta.name.clone().unwrap_or_else(|| self.meta.id.clone())
    }
}

fn build_dispatch(dets: &[Det]) -> Dispatch {
    let mut by_action: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut other = Vec::new();
    for (n, d) in dets.iter().enumerate() {
        match d.detection.required_values("event.action") {
            None => other.push(n as u32),
            Some(set) => {
                for a in set {
                    by_action.entry(a).or_default().push(n as u32);
                }
            }
        }
    }
    let by_action = by_action
        .into_iter()
        .map(|(a, mut list)| {
            list.extend_from_slice(&other);
            list.sort_unstable();
            list.dedup();
            (a.into_boxed_str(), list)
        })
        .collect();
    Dispatch { by_action, other, all: (0..dets.len() as u32).collect() }
}

fn parse_rule(doc: &Yaml, origin: &str, known_fields: Option<&[&str]>, errors: &mut Vec<RuleError>) -> Option<Raw> {
    let mut cx = Context { origin: origin.to_owned(), ..Context::default() };
    let Node::Map(entries) = &doc.node else {
        errors.push(cx.invalid(doc.line, format!("a rule must be a mapping, not {}", doc.kind())));
        return None;
    };
    cx.rule_id = doc.get("id").and_then(Yaml::scalar_text);
    cx.rule_title = doc.get("title").and_then(Yaml::scalar_text);
    let before = errors.len();

    let text = |key: &str, errors: &mut Vec<RuleError>| -> Option<String> {
        let v = doc.get(key)?;
        match &v.node {
            Node::Str(s) => Some(s.clone()),
            _ => {
                errors.push(cx.invalid(v.line, format!("`{key}` must be a string, not {}", v.kind())));
                None
            }
        }
    };
    let list = |key: &str, errors: &mut Vec<RuleError>| -> Vec<String> {
        let Some(v) = doc.get(key) else { return Vec::new() };
        let items: Vec<&Yaml> = match &v.node {
            Node::Seq(items) => items.iter().collect(),
            Node::Null => Vec::new(),
            _ => vec![v],
        };
        let mut out = Vec::new();
        for item in items {
            match item.scalar_text() {
                Some(s) => out.push(s),
                None => errors.push(cx.invalid(item.line, format!("`{key}` must hold strings, not {}", item.kind()))),
            }
        }
        out
    };

    let title = text("title", errors);
    if title.is_none() && doc.get("title").is_none() {
        errors.push(cx.invalid(doc.line, "`title` is missing"));
    }
    let id = match doc.get("id") {
        None => String::new(),
        Some(v) => match &v.node {
            Node::Str(s) if !s.is_empty() => s.clone(),
            Node::Int(_) => v.scalar_text().unwrap_or_default(),
            _ => {
                errors.push(cx.invalid(v.line, "`id` must be a non-empty string"));
                String::new()
            }
        },
    };
    let name = text("name", errors);
    let description = text("description", errors);
    let author = text("author", errors);
    let status = text("status", errors).and_then(|s| {
        let status = Status::parse(&s);
        if status.is_none() {
            let line = doc.get("status").map_or(0, |v| v.line);
            errors.push(cx.invalid(line, "`status` must be stable, test, experimental, deprecated or unsupported"));
        }
        status
    });
    let level = text("level", errors).and_then(|s| {
        let level = Level::parse(&s);
        if level.is_none() {
            let line = doc.get("level").map_or(0, |v| v.line);
            errors.push(cx.invalid(line, "`level` must be informational, low, medium, high or critical"));
        }
        level
    });
    let tags = list("tags", errors);
    let falsepositives = list("falsepositives", errors);
    let references = list("references", errors);

    let mut custom = serde_json::Map::new();
    for (key, v) in entries {
        match key.text.as_str() {
            "filter" => errors.push(cx.unsupported(key.line, "Sigma filters (`filter`) are not supported")),
            "action" => errors.push(
                cx.unsupported(key.line, "Sigma v1 rule collections (`action: global/repeat/reset`) are not supported"),
            ),
            k if STANDARD.contains(&k) => {}
            k => {
                custom.insert(k.to_owned(), v.to_json());
            }
        }
    }
    let generate_top = match doc.get("generate") {
        None => None,
        Some(Yaml { node: Node::Bool(b), .. }) => Some(*b),
        Some(v) => {
            errors.push(cx.invalid(v.line, "`generate` must be true or false"));
            None
        }
    };

    let body = match (doc.get("detection"), doc.get("correlation")) {
        (Some(_), Some(c)) => {
            errors.push(cx.invalid(c.line, "a rule has either `detection` or `correlation`, not both"));
            None
        }
        (None, None) => {
            errors.push(cx.invalid(doc.line, "a rule needs `detection` (or `correlation` for a correlation rule)"));
            None
        }
        (Some(d), None) => {
            if generate_top.is_some() {
                let line = doc.get("generate").map_or(0, |v| v.line);
                errors.push(cx.invalid(line, "`generate` belongs to correlation rules"));
            }
            let detection = detection::compile(d, &cx, errors);
            if let (Some(known), Some(det)) = (known_fields, &detection) {
                for f in det.fields() {
                    if !known.contains(&f) {
                        errors.push(cx.invalid(d.line, format!("unknown field `{f}`")));
                    }
                }
            }
            detection.map(Body::Detection)
        }
        (None, Some(c)) => correlation::parse(c, &cx, errors).and_then(|mut raw| {
            match (raw.generate, generate_top) {
                (Some(a), Some(b)) if a != b => {
                    errors.push(cx.invalid(raw.line, "`generate` is given twice with different values"));
                    return None;
                }
                (None, g) => raw.generate = g,
                _ => {}
            }
            Some(Body::Correlation(raw))
        }),
    };
    let body = body?;
    if errors.len() > before {
        return None;
    }
    let kind = match &body {
        Body::Detection(_) => RuleKind::Detection,
        Body::Correlation(c) => RuleKind::Correlation(c.kind),
    };
    let correlation = match &body {
        Body::Detection(_) => None,
        Body::Correlation(c) => Some(CorrelationMeta {
            rules: Vec::new(),
            group_by: c.group_by.clone(),
            timespan_ms: c.span_ms,
            fields: c.fields.clone(),
            condition: c.threshold,
            // Sigma: by default only the correlation is generated.
            generate: c.generate.unwrap_or(false),
        }),
    };
    let meta = RuleMeta {
        id,
        name,
        title: title.unwrap_or_default(),
        description,
        status,
        level: level.unwrap_or(Level::Informational),
        tags,
        falsepositives,
        author,
        references,
        kind,
        emits: true,
        correlation,
        custom,
        origin: origin.to_owned(),
        line: doc.line,
    };
    Some(Raw { meta, cx, line: doc.line, level_given: level.is_some(), body })
}
