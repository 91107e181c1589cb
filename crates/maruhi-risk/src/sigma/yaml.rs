//! YAML for rule files: a small tree built from the event parser of
//! `yaml-rust2`, with limits, and the line of every node for error messages.
//!
//! Why `yaml-rust2` (0.13, default features off): it is pure safe Rust,
//! implements YAML 1.2, keeps a stable API under basic maintenance, builds on
//! rustc 1.85+, and adds three small packages (`arraydeque`, `hashlink`,
//! `foldhash`; `hashbrown` is already in the tree). Its successor
//! `saphyr-parser` is leaner still but needs `thiserror >= 2.0.20` while the
//! workspace pins 2.0.17; `serde_yaml_ng` and `serde_norway` wrap
//! `unsafe-libyaml`, a C-to-Rust translation that is `unsafe` throughout,
//! which we do not want in front of untrusted rule files.
//!
//! Only the event parser is used (driven step by step, never its recursive
//! loader): the tree is built here, so that nesting depth, node count and
//! alias expansion ("billion laughs") are bounded, duplicate keys are refused,
//! and plain scalars resolve by the YAML 1.2 core schema.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

/// The largest rule source accepted, in bytes.
pub(crate) const MAX_SOURCE_BYTES: usize = 1 << 20;
/// The deepest nesting of sequences and mappings.
const MAX_DEPTH: usize = 64;
/// The most nodes one source may expand to, aliases counted at their full size.
const MAX_NODES: usize = 200_000;
/// The most parser events one source may produce (a guard against a parser
/// that would not terminate).
const MAX_EVENTS: usize = 4 * MAX_NODES;

/// A YAML node with the (1-based) line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Yaml {
    pub(crate) node: Node,
    pub(crate) line: usize,
}

/// The value of a node, scalars resolved by the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Yaml>),
    /// Entries in document order; keys are unique.
    Map(Vec<(Key, Yaml)>),
}

/// A mapping key: the scalar's text as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) text: String,
    pub(crate) line: usize,
}

/// A document that is not YAML, or exceeds a limit.
#[derive(Debug, Clone)]
pub(crate) struct YamlError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl Yaml {
    /// Human name of the node's kind, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self.node {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.node {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar (numbers and booleans in their canonical form).
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match &self.node {
            Node::Str(s) => Some(s.clone()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(f.to_string()),
            Node::Bool(b) => Some(b.to_string()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }

    /// The value of `key` when this is a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Yaml> {
        match &self.node {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.text == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// This node as JSON (for custom attributes). Non-finite numbers become
    /// strings, since JSON has none.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.node {
            Node::Null => J::Null,
            Node::Bool(b) => J::Bool(*b),
            Node::Int(i) => J::from(*i),
            Node::Float(f) => serde_json::Number::from_f64(*f).map_or_else(|| J::String(f.to_string()), J::Number),
            Node::Str(s) => J::String(s.clone()),
            Node::Seq(items) => J::Array(items.iter().map(Yaml::to_json).collect()),
            Node::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.text.clone(), v.to_json())).collect()),
        }
    }
}

/// Every document of `text`, in order. Empty documents are `Node::Null`.
pub(crate) fn parse(text: &str) -> Result<Vec<Yaml>, YamlError> {
    if text.len() > MAX_SOURCE_BYTES {
        return Err(YamlError { line: 0, message: format!("larger than {MAX_SOURCE_BYTES} bytes") });
    }
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder::default();
    for _ in 0..MAX_EVENTS {
        let (event, mark) = parser
            .next_token()
            .map_err(|e| YamlError { line: e.marker().line(), message: format!("not valid YAML: {}", e.info()) })?;
        let line = mark.line();
        match event {
            Event::StreamEnd => return Ok(b.docs),
            Event::Nothing | Event::StreamStart | Event::DocumentStart => {}
            Event::DocumentEnd => {
                if !b.stack.is_empty() {
                    return Err(YamlError { line, message: "not valid YAML: unexpected end of document".into() });
                }
                if !b.root_seen {
                    b.docs.push(Yaml { node: Node::Null, line });
                }
                b.root_seen = false;
                b.anchors.clear();
            }
            Event::Alias(id) => {
                let (node, size) = b
                    .anchors
                    .get(&id)
                    .map(|(y, n)| (y.clone(), *n))
                    .ok_or_else(|| YamlError { line, message: "not valid YAML: unknown alias".into() })?;
                b.count(size, line)?;
                b.complete(Yaml { node: node.node, line }, size)?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                b.count(1, line)?;
                let forced_str = check_tag(tag.as_ref(), line)?;
                if b.key_expected() {
                    // Keys keep their text as written (`1:` is the key "1").
                    b.set_key(Key { text: value.clone(), line });
                    if anchor > 0 {
                        b.anchors.insert(anchor, (Yaml { node: Node::Str(value), line }, 1));
                    }
                    continue;
                }
                let node =
                    if style == TScalarStyle::Plain && !forced_str { resolve_plain(&value) } else { Node::Str(value) };
                let y = Yaml { node, line };
                if anchor > 0 {
                    b.anchors.insert(anchor, (y.clone(), 1));
                }
                b.complete(y, 1)?;
            }
            Event::SequenceStart(anchor, tag) => {
                b.count(1, line)?;
                check_tag(tag.as_ref(), line)?;
                b.open(Open { kind: OpenKind::Seq(Vec::new()), line, anchor, size: 1 }, line)?;
            }
            Event::MappingStart(anchor, tag) => {
                b.count(1, line)?;
                check_tag(tag.as_ref(), line)?;
                b.open(Open { kind: OpenKind::Map(Vec::new(), None), line, anchor, size: 1 }, line)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open =
                    b.stack.pop().ok_or_else(|| YamlError { line, message: "not valid YAML: unbalanced".into() })?;
                let node = match open.kind {
                    OpenKind::Seq(items) => Node::Seq(items),
                    OpenKind::Map(entries, _) => {
                        check_unique(&entries)?;
                        Node::Map(entries)
                    }
                };
                let y = Yaml { node, line: open.line };
                if open.anchor > 0 {
                    b.anchors.insert(open.anchor, (y.clone(), open.size));
                }
                b.complete(y, open.size)?;
            }
        }
    }
    Err(YamlError { line: 0, message: "too many YAML events".into() })
}

/// Only `!!str` is understood (it keeps a plain scalar a string); any other
/// tag is refused rather than ignored. Returns whether the tag forces a string.
fn check_tag(tag: Option<&Tag>, line: usize) -> Result<bool, YamlError> {
    match tag {
        None => Ok(false),
        Some(t) if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" => Ok(true),
        Some(t) => Err(YamlError { line, message: format!("YAML tag {}{} is not supported", t.handle, t.suffix) }),
    }
}

fn check_unique(entries: &[(Key, Yaml)]) -> Result<(), YamlError> {
    let mut keys: Vec<&Key> = entries.iter().map(|(k, _)| k).collect();
    keys.sort_by(|a, b| a.text.cmp(&b.text).then(a.line.cmp(&b.line)));
    for pair in keys.windows(2) {
        if let [a, b] = pair {
            if a.text == b.text {
                return Err(YamlError { line: b.line, message: format!("duplicate key `{}`", b.text) });
            }
        }
    }
    Ok(())
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    /// Anchor id to the anchored node and its node count.
    anchors: HashMap<usize, (Yaml, usize)>,
    nodes: usize,
    docs: Vec<Yaml>,
    root_seen: bool,
}

struct Open {
    kind: OpenKind,
    line: usize,
    anchor: usize,
    /// Nodes in this subtree so far, itself included.
    size: usize,
}

enum OpenKind {
    Seq(Vec<Yaml>),
    /// Entries, and the key waiting for its value.
    Map(Vec<(Key, Yaml)>, Option<Key>),
}

impl Builder {
    fn count(&mut self, n: usize, line: usize) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(YamlError { line, message: format!("more than {MAX_NODES} YAML nodes (aliases included)") });
        }
        Ok(())
    }

    fn open(&mut self, open: Open, line: usize) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError { line, message: format!("nested deeper than {MAX_DEPTH} levels") });
        }
        if self.key_expected() {
            return Err(YamlError { line, message: "mapping keys must be scalars".into() });
        }
        self.stack.push(open);
        Ok(())
    }

    fn key_expected(&self) -> bool {
        matches!(self.stack.last(), Some(Open { kind: OpenKind::Map(_, None), .. }))
    }

    fn set_key(&mut self, key: Key) {
        if let Some(Open { kind: OpenKind::Map(_, slot), .. }) = self.stack.last_mut() {
            *slot = Some(key);
        }
    }

    /// Attaches a finished node to its parent, or makes it the document.
    fn complete(&mut self, y: Yaml, size: usize) -> Result<(), YamlError> {
        let Some(top) = self.stack.last_mut() else {
            self.docs.push(y);
            self.root_seen = true;
            return Ok(());
        };
        top.size = top.size.saturating_add(size);
        match &mut top.kind {
            OpenKind::Seq(items) => items.push(y),
            OpenKind::Map(entries, slot) => match slot.take() {
                Some(key) => entries.push((key, y)),
                None => {
                    // An alias used as a key.
                    let text = y
                        .scalar_text()
                        .ok_or_else(|| YamlError { line: y.line, message: "mapping keys must be scalars".into() })?;
                    *slot = Some(Key { text, line: y.line });
                }
            },
        }
        Ok(())
    }
}

/// A plain scalar by the YAML 1.2 core schema.
fn resolve_plain(s: &str) -> Node {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Node::Null,
        "true" | "True" | "TRUE" => return Node::Bool(true),
        "false" | "False" | "FALSE" => return Node::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Node::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Node::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Node::Float(f64::NAN),
        _ => {}
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return i64::from_str_radix(oct, 8).map_or_else(|_| Node::Str(s.to_owned()), Node::Int);
        }
    }
    if let Some(hex) = s.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return i64::from_str_radix(hex, 16).map_or_else(|_| Node::Str(s.to_owned()), Node::Int);
        }
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<i64>() {
            Ok(i) => Node::Int(i),
            Err(_) => s.parse::<f64>().map_or_else(|_| Node::Str(s.to_owned()), Node::Float),
        };
    }
    if is_core_float(digits) {
        if let Ok(f) = s.parse::<f64>() {
            return Node::Float(f);
        }
    }
    Node::Str(s.to_owned())
}

/// `( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?` (sign removed).
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        match parse(text) {
            Ok(mut docs) if docs.len() == 1 => docs.remove(0).node,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn core_schema() {
        assert_eq!(one("1"), Node::Int(1));
        assert_eq!(one("-12"), Node::Int(-12));
        assert_eq!(one("0x1F"), Node::Int(31));
        assert_eq!(one("0o17"), Node::Int(15));
        assert_eq!(one("1.5"), Node::Float(1.5));
        assert_eq!(one("1e3"), Node::Float(1000.0));
        assert_eq!(one("'1'"), Node::Str("1".into()));
        assert_eq!(one("!!str 1"), Node::Str("1".into()));
        assert_eq!(one("~"), Node::Null);
        assert_eq!(one("True"), Node::Bool(true));
        assert_eq!(one("yes"), Node::Str("yes".into()));
        assert_eq!(one("1.2.3"), Node::Str("1.2.3".into()));
        assert_eq!(one("e3"), Node::Str("e3".into()));
    }

    #[test]
    fn documents_and_limits() {
        let docs = parse("a: 1\n---\nb: [1, 2]\n---\n").unwrap_or_default();
        assert_eq!(docs.len(), 3);
        assert!(matches!(docs[2].node, Node::Null));
        assert!(parse("a: 1\na: 2\n").is_err());
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&deep).is_err());
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, c) in ('b'..='k').enumerate() {
            let prev = (b'a' + i as u8) as char;
            laughs.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let err = parse(&laughs).err().map(|e| e.message).unwrap_or_default();
        assert!(err.contains("nodes"), "{err}");
        assert!(parse("!!binary abc").is_err());
        assert!(parse("[a, b]: c").is_err());
    }
}
