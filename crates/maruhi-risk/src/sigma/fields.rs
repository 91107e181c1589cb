//! What rules read from an event: [`Fields`], and its implementation for
//! [`maruhi_events::Event`] by the dotted ECS names of `SCHEMA.md`.

use std::borrow::Cow;
use std::fmt::Write as _;

use maruhi_events::{Event, Outcome};
use time::format_description::well_known::Rfc3339;

/// One value of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Text (borrowed from the event where it can be).
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A number that is not an integer (or an integer beyond `i64`).
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Value<'_> {
    /// The value as text, written into `buf` unless it is text already:
    /// integers in decimal, floats by Rust's shortest round-trip form,
    /// booleans as `true`/`false`.
    pub(crate) fn text<'s>(&'s self, buf: &'s mut String) -> &'s str {
        match self {
            Value::Str(s) => s,
            Value::Int(i) => {
                buf.clear();
                let _ = write!(buf, "{i}");
                buf
            }
            Value::Float(f) => {
                buf.clear();
                let _ = write!(buf, "{f}");
                buf
            }
            Value::Bool(true) => "true",
            Value::Bool(false) => "false",
        }
    }

    /// The value as a number: integers and floats, and text that is one
    /// (`"42"`, `"1.5"`). Booleans are not numbers.
    pub(crate) fn number(&self) -> Option<Num> {
        match self {
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Float(f) if f.is_finite() => Some(Num::Float(*f)),
            Value::Float(_) | Value::Bool(_) => None,
            Value::Str(s) => Num::parse(s),
        }
    }
}

/// A number from a rule or an event, compared exactly when both are integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(crate) fn parse(s: &str) -> Option<Num> {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Num::Int(i));
        }
        // Only decimal notation: Rust also parses "inf" and "NaN".
        if !s.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
            return None;
        }
        s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Num::Float)
    }

    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    pub(crate) fn cmp(self, other: Num) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

/// An event as rules see it: values by dotted field name.
///
/// Implemented for [`maruhi_events::Event`]; other implementations (an event
/// with enrichment fields, a test map) let rules read further fields.
pub trait Fields {
    /// Append every value of the dotted field (e.g. "file.path", "email.to") to `out`; nothing when absent.
    fn values<'a>(&'a self, field: &str, out: &mut Vec<Value<'a>>);
}

/// Every field the [`Fields`] implementation of [`Event`] answers, by its
/// dotted ECS name (`SCHEMA.md`). `email.attachments.name` and
/// `email.attachments.size` give one value per attachment (an attachment
/// without a size gives none); `email.to`, `email.cc` and `email.bcc` one per
/// address. `@timestamp` is RFC 3339 text with the event's offset.
pub const EVENT_FIELDS: &[&str] = &[
    "@timestamp",
    "event.id",
    "event.action",
    "event.dataset",
    "event.code",
    "event.outcome",
    "user.name",
    "user.domain",
    "host.name",
    "source.ip",
    "file.path",
    "file.name",
    "file.size",
    "device.type",
    "device.id",
    "device.name",
    "url.full",
    "destination.domain",
    "destination.ip",
    "destination.port",
    "http.request.method",
    "http.request.bytes",
    "http.response.bytes",
    "http.response.status_code",
    "email.from",
    "email.to",
    "email.cc",
    "email.bcc",
    "email.size",
    "email.attachments.name",
    "email.attachments.size",
];

fn push_str<'a>(out: &mut Vec<Value<'a>>, s: Option<&'a String>) {
    if let Some(s) = s {
        out.push(Value::Str(Cow::Borrowed(s)));
    }
}

fn push_u64(out: &mut Vec<Value<'_>>, n: Option<u64>) {
    if let Some(n) = n {
        out.push(i64::try_from(n).map_or(Value::Float(n as f64), Value::Int));
    }
}

impl Fields for Event {
    fn values<'a>(&'a self, field: &str, out: &mut Vec<Value<'a>>) {
        match field {
            "event.action" => out.push(Value::Str(Cow::Borrowed(self.event.action.as_str()))),
            "user.name" => push_str(out, self.user.as_ref().map(|u| &u.name)),
            "device.type" => push_str(out, self.device.as_ref().and_then(|d| d.kind.as_ref())),
            "file.path" => push_str(out, self.file.as_ref().and_then(|f| f.path.as_ref())),
            "file.name" => push_str(out, self.file.as_ref().and_then(|f| f.name.as_ref())),
            "file.size" => push_u64(out, self.file.as_ref().and_then(|f| f.size)),
            "destination.domain" => push_str(out, self.destination.as_ref().and_then(|d| d.domain.as_ref())),
            "host.name" => push_str(out, self.host.as_ref().map(|h| &h.name)),
            "event.id" => out.push(Value::Str(Cow::Borrowed(&self.event.id))),
            "event.dataset" => push_str(out, self.event.dataset.as_ref()),
            "event.code" => push_str(out, self.event.code.as_ref()),
            "event.outcome" => {
                if let Some(o) = self.event.outcome {
                    let s = match o {
                        Outcome::Success => "success",
                        Outcome::Failure => "failure",
                    };
                    out.push(Value::Str(Cow::Borrowed(s)));
                }
            }
            "user.domain" => push_str(out, self.user.as_ref().and_then(|u| u.domain.as_ref())),
            "source.ip" => {
                if let Some(s) = &self.source {
                    out.push(Value::Str(Cow::Owned(s.ip.to_string())));
                }
            }
            "device.id" => push_str(out, self.device.as_ref().and_then(|d| d.id.as_ref())),
            "device.name" => push_str(out, self.device.as_ref().and_then(|d| d.name.as_ref())),
            "url.full" => push_str(out, self.url.as_ref().map(|u| &u.full)),
            "destination.ip" => {
                if let Some(ip) = self.destination.as_ref().and_then(|d| d.ip) {
                    out.push(Value::Str(Cow::Owned(ip.to_string())));
                }
            }
            "destination.port" => {
                if let Some(p) = self.destination.as_ref().and_then(|d| d.port) {
                    out.push(Value::Int(i64::from(p)));
                }
            }
            "http.request.method" => push_str(out, self.http.as_ref().and_then(|h| h.request.method.as_ref())),
            "http.request.bytes" => push_u64(out, self.http.as_ref().and_then(|h| h.request.bytes)),
            "http.response.bytes" => push_u64(out, self.http.as_ref().and_then(|h| h.response.bytes)),
            "http.response.status_code" => {
                if let Some(c) = self.http.as_ref().and_then(|h| h.response.status_code) {
                    out.push(Value::Int(i64::from(c)));
                }
            }
            "email.from" => push_str(out, self.email.as_ref().and_then(|e| e.from.as_ref())),
            "email.to" | "email.cc" | "email.bcc" => {
                if let Some(e) = &self.email {
                    let list = match field {
                        "email.to" => &e.to,
                        "email.cc" => &e.cc,
                        _ => &e.bcc,
                    };
                    out.extend(list.iter().map(|a| Value::Str(Cow::Borrowed(a.as_str()))));
                }
            }
            "email.size" => push_u64(out, self.email.as_ref().and_then(|e| e.size)),
            "email.attachments.name" => {
                if let Some(e) = &self.email {
                    out.extend(e.attachments.iter().map(|a| Value::Str(Cow::Borrowed(a.name.as_str()))));
                }
            }
            "email.attachments.size" => {
                if let Some(e) = &self.email {
                    for a in &e.attachments {
                        push_u64(out, a.size);
                    }
                }
            }
            "@timestamp" => {
                if let Ok(t) = self.timestamp.format(&Rfc3339) {
                    out.push(Value::Str(Cow::Owned(t)));
                }
            }
            _ => {}
        }
    }
}
