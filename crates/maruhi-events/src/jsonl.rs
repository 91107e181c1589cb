//! JSON events: the canonical form, and ECS documents as other tools write
//! them (Winlogbeat, Elastic Agent, Elasticsearch exports).
//!
//! A record is any top-level JSON object (JSON Lines, pretty-printed or
//! concatenated objects, array elements, the hits of an Elasticsearch
//! `_search` response; see [`crate::json_stream`]). A hit
//! (`{"_index":…,"_id":…,"_source":{…}}`) stands for its `_source`. Field
//! names are ECS paths, nested (`{"user":{"name":…}}`) or dotted
//! (`{"user.name":…}`). The canonical form reads back exactly as written.

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::{Map, Value};
use time::{OffsetDateTime, UtcOffset};

use crate::action_map::{is_failed_logon, ActionMap};
use crate::event::{
    Attachment, Destination, Device, Email, File, Host, Http, HttpRequest, HttpResponse, Outcome, Source, Url, User,
    REMOVABLE,
};
use crate::json_stream::{Item, JsonRecords};
use crate::util::{base_name, derived_id, derived_id_parts, parse_any_time, parse_ip};
use crate::{Action, BadRecord, Event, NameCounts, Options, Step};

pub(crate) struct Reader<R> {
    records: JsonRecords<R>,
    offset: UtcOffset,
    map: ActionMap,
    pub(crate) unknown: NameCounts,
    pub(crate) unmapped: NameCounts,
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R, options: &Options) -> Self {
        Reader {
            records: JsonRecords::new(reader, true),
            offset: options.default_offset,
            map: options.action_map.clone(),
            unknown: NameCounts::default(),
            unmapped: NameCounts::default(),
        }
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        let (line, raw) = match self.records.next_item()? {
            Item::Record(line, raw) => (line, raw),
            Item::Bad(bad) => return Some(Step::Bad(bad)),
            Item::Blank => return Some(Step::Skip),
        };
        Some(match parse_record(raw, self.offset, &self.map, &mut self.unknown, &mut self.unmapped) {
            Ok(Some(event)) => Step::Event(line, event),
            Ok(None) => Step::Skip,
            Err(message) => Step::Bad(BadRecord::new(line, message)),
        })
    }
}

/// A record's fields by dotted path; what is taken out is used, what is
/// left was ignored.
struct Fields<'a> {
    map: HashMap<String, &'a Value>,
}

impl<'a> Fields<'a> {
    fn new(doc: &'a Map<String, Value>) -> Self {
        let mut map = HashMap::new();
        flatten(doc, &mut String::new(), &mut map);
        Fields { map }
    }

    /// The value at `path`; `null` counts as absent.
    fn take(&mut self, path: &str) -> Option<&'a Value> {
        self.map.remove(path).filter(|v| !v.is_null())
    }

    /// A text field: a string, a number (written as text) or an array whose
    /// first element is one (ECS allows an array for any field).
    fn text(&mut self, path: &str) -> Result<Option<String>, String> {
        match self.take(path) {
            None => Ok(None),
            Some(v) => text_of(v).map_err(|()| format!("field `{path}`: expected a string")),
        }
    }

    fn number<T: TryFrom<u64>>(&mut self, path: &str) -> Result<Option<T>, String> {
        match self.take(path) {
            None => Ok(None),
            Some(v) => number_of(v).map_err(|()| format!("field `{path}`: not a number")),
        }
    }
}

/// Every leaf under `obj` by its dotted path (arrays are leaves). A path
/// given twice (nested and dotted) keeps its first value.
fn flatten<'a>(obj: &'a Map<String, Value>, prefix: &mut String, out: &mut HashMap<String, &'a Value>) {
    for (k, v) in obj {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(k);
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten(inner, prefix, out),
            _ => {
                out.entry(prefix.clone()).or_insert(v);
            }
        }
        prefix.truncate(len);
    }
}

fn text_of(v: &Value) -> Result<Option<String>, ()> {
    match v {
        // Empty strings are kept: the canonical form reads back exactly.
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Array(a) => match a.first() {
            None => Ok(None),
            Some(first @ (Value::String(_) | Value::Number(_))) => text_of(first),
            Some(_) => Err(()),
        },
        _ => Err(()),
    }
}

/// A non-negative integer, as a number or as a string of digits.
fn number_of<T: TryFrom<u64>>(v: &Value) -> Result<Option<T>, ()> {
    let n = match v {
        Value::Number(n) => n.as_u64().ok_or(())?,
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().parse::<u64>().map_err(|_| ())?,
        Value::Array(a) if a.len() == 1 => return number_of(&a[0]),
        _ => return Err(()),
    };
    T::try_from(n).map(Some).map_err(|_| ())
}

/// A list of strings: an array of strings, or one string.
fn list_of(v: Option<&Value>, path: &str) -> Result<Vec<String>, String> {
    let bad = || format!("field `{path}`: expected a list of strings");
    match v {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => {
            items.iter().filter(|i| !i.is_null()).map(|i| i.as_str().map(str::to_owned).ok_or_else(bad)).collect()
        }
        Some(_) => Err(bad()),
    }
}

/// `@timestamp`: RFC 3339 or ISO 8601 with `T` or a space (with or without
/// offset; local times take the default offset), CERT's US form, or epoch
/// seconds or milliseconds, as a number or a string.
fn timestamp_of(v: &Value, offset: UtcOffset) -> Option<OffsetDateTime> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if s.len() >= 13 && s.bytes().all(|b| b.is_ascii_digit()) {
                return epoch_millis(s.parse().ok()?, offset);
            }
            parse_any_time(s, offset)
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if i.unsigned_abs() >= 100_000_000_000 {
                    return epoch_millis(i, offset);
                }
                let t = OffsetDateTime::from_unix_timestamp(i).ok()?;
                return crate::util::in_years(t).map(|t| t.to_offset(offset));
            }
            let f = n.as_f64()?;
            let nanos = if f.abs() >= 1e11 { f * 1e6 } else { f * 1e9 };
            if !nanos.is_finite() {
                return None;
            }
            let t = OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).ok()?;
            crate::util::in_years(t).map(|t| t.to_offset(offset))
        }
        _ => None,
    }
}

fn epoch_millis(ms: i64, offset: UtcOffset) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    crate::util::in_years(t).map(|t| t.to_offset(offset))
}

/// Names of an Elasticsearch hit around its `_source`; not event fields.
const HIT_KEYS: [&str; 9] = ["_index", "_id", "_score", "_type", "_source", "_ignored", "_routing", "sort", "fields"];

// Access rights of 4663 (winnt.h, file objects), as in the EVTX adapter.
const READ_DATA: u64 = 0x1;
const WRITE_DATA: u64 = 0x2;
const APPEND_DATA: u64 = 0x4;
const DELETE: u64 = 0x10000;

/// Turns one record into an event; `Ok(None)` for a record outside the
/// vocabulary. Fields outside the schema are counted in `unknown`.
pub(crate) fn parse_record(
    raw: &[u8],
    offset: UtcOffset,
    map: &ActionMap,
    unknown: &mut NameCounts,
    unmapped: &mut NameCounts,
) -> Result<Option<Event>, String> {
    let value: Value = serde_json::from_slice(raw).map_err(|e| redact_serde_message(&e))?;
    let Value::Object(top) = &value else { return Err("expected a JSON object".to_owned()) };
    // An Elasticsearch hit: the event is its `_source`.
    let (doc, hit) = match top.get("_source") {
        Some(Value::Object(source)) => (source, Some(top)),
        Some(_) => return Err("field `_source`: expected an object".to_owned()),
        None => (top, None),
    };
    let mut f = Fields::new(doc);
    let result = build(&mut f, raw, hit, offset, map, unmapped);
    if result.as_ref().is_ok_and(Option::is_some) {
        for name in f.map.keys() {
            unknown.add(name);
        }
        if let Some(hit) = hit {
            for name in hit.keys().filter(|k| !HIT_KEYS.contains(&k.as_str())) {
                unknown.add(name);
            }
        }
    }
    result
}

fn build(
    f: &mut Fields<'_>,
    raw: &[u8],
    hit: Option<&Map<String, Value>>,
    offset: UtcOffset,
    map: &ActionMap,
    unmapped: &mut NameCounts,
) -> Result<Option<Event>, String> {
    let ts = f.take("@timestamp").ok_or("field `@timestamp`: missing")?;
    let timestamp = timestamp_of(ts, offset).ok_or("field `@timestamp`: unrecognised date-time")?;

    let action_value = f.text("event.action")?;
    let code = f.text("event.code")?;
    let outcome = match f.text("event.outcome")? {
        None => None,
        Some(o) if o.eq_ignore_ascii_case("success") => Some(Outcome::Success),
        Some(o) if o.eq_ignore_ascii_case("failure") => Some(Outcome::Failure),
        Some(o) if o.eq_ignore_ascii_case("unknown") => None,
        Some(_) => return Err("field `event.outcome`: expected success or failure".to_owned()),
    };

    // The action: our own name; else the user's table and the built-in one
    // on `event.action`, then on `event.code`; else the Windows Security
    // event codes. Anything else is outside the vocabulary.
    let by_name = action_value.as_deref().and_then(|a| a.parse::<Action>().ok().map(Some).or_else(|| map.resolve(a)));
    let by_code = || code.as_deref().and_then(|c| map.get(c));
    let mut windows_code = None;
    let action = match by_name.or_else(by_code) {
        Some(Some(a)) => a,
        Some(None) => return Ok(None),
        None => match code.as_deref().map(str::trim) {
            Some("4624" | "4625") => Action::Logon,
            Some("4634" | "4647") => Action::Logoff,
            Some("6416") => Action::DeviceConnect,
            Some("4663") => {
                windows_code = Some(4663);
                match object_access(f, action_value.as_deref())? {
                    Some(a) => a,
                    None => return Ok(None),
                }
            }
            // Another tool's event (it names its source's code, its agent
            // or ECS version, or comes from Elasticsearch) that is none of
            // ours: outside the vocabulary, so skipped, and listed for the
            // report so the table can be extended. A record with nothing but
            // an unknown action is more likely a mistake in the canonical
            // form, and is rejected as before.
            _ if hit.is_some()
                || code.is_some()
                || f.map.keys().any(|k| k.starts_with("ecs.") || k.starts_with("agent.")) =>
            {
                unmapped.add(action_value.as_deref().or(code.as_deref()).unwrap_or("(none)"));
                return Ok(None);
            }
            _ if action_value.is_some() => return Err("field `event.action`: not in the vocabulary".to_owned()),
            _ => return Err("field `event.action`: missing".to_owned()),
        },
    };

    let id = match f.text("event.id")? {
        Some(id) => id,
        None => {
            let record_id = f.text("winlog.record_id")?;
            let computer = f.text("winlog.computer_name")?;
            let channel = f.text("winlog.channel")?;
            let es = hit.and_then(|h| Some((h.get("_index")?.as_str()?, h.get("_id")?.as_str()?)));
            match (record_id, computer, es) {
                // The EVTX adapter's id for the same Windows event, so a log
                // read both ways is stored once.
                (Some(r), Some(c), _) => derived_id_parts(
                    "evtx",
                    &[c.as_bytes(), channel.as_deref().unwrap_or("").as_bytes(), r.trim().as_bytes()],
                ),
                (_, _, Some((index, id))) => derived_id_parts("es", &[index.as_bytes(), id.as_bytes()]),
                _ => derived_id("jsonl", raw),
            }
        }
    };

    let mut e = Event::new(timestamp, id, action);
    e.event.dataset = f.text("event.dataset")?;
    e.event.code = code.clone();
    e.event.outcome = outcome;
    if e.event.outcome.is_none()
        && action == Action::Logon
        && (action_value.as_deref().is_some_and(is_failed_logon) || code.as_deref().is_some_and(is_failed_logon))
    {
        e.event.outcome = Some(Outcome::Failure);
    }

    // Windows Security events keep some fields only in `winlog.event_data`
    // when Winlogbeat's security module did not process them.
    let windows = code
        .as_deref()
        .and_then(|c| c.trim().parse::<u32>().ok())
        .filter(|c| matches!(c, 4624 | 4625 | 4634 | 4647 | 4663 | 6416));
    let mut user_name = f.text("user.name")?;
    let mut user_domain = f.text("user.domain")?;
    if user_name.is_none() {
        // Winlogbeat without the security module's processing: the
        // account is only in the event data.
        let (name_key, domain_key) = match windows {
            Some(4624 | 4625 | 4634 | 4647) => {
                ("winlog.event_data.TargetUserName", "winlog.event_data.TargetDomainName")
            }
            Some(_) => ("winlog.event_data.SubjectUserName", "winlog.event_data.SubjectDomainName"),
            None => ("", ""),
        };
        if !name_key.is_empty() {
            user_name = f.text(name_key)?.filter(|n| !n.is_empty() && n != "-");
            user_domain = user_domain.or(f.text(domain_key)?.filter(|d| !d.is_empty() && d != "-"));
        }
    }
    if let Some(name) = user_name {
        e.user = Some(User { name, domain: user_domain });
    }
    let host = match f.text("host.name")? {
        Some(h) => Some(h),
        None if windows.is_some() => f.text("winlog.computer_name")?,
        None => None,
    };
    e.host = host.map(|name| Host { name });
    if let Some(ip) = f.text("source.ip")?.filter(|s| !s.is_empty() && s != "-") {
        e.source = Some(Source { ip: parse_ip(&ip).ok_or("field `source.ip`: not an IP address")? });
    }

    let mut file = File { path: f.text("file.path")?, name: f.text("file.name")?, size: f.number("file.size")? };
    if windows_code == Some(4663) && file.path.is_none() {
        file.path = f.text("winlog.event_data.ObjectName")?;
        file.name = file.name.or_else(|| file.path.as_deref().and_then(base_name));
    }
    if file != File::default() {
        e.file = Some(file);
    }
    let mut device = Device { kind: f.text("device.type")?, id: f.text("device.id")?, name: f.text("device.name")? };
    if windows == Some(6416) {
        device.id = device.id.or(f.text("winlog.event_data.DeviceId")?);
        device.name = device.name.or(f.text("winlog.event_data.DeviceDescription")?);
        if device.kind.is_none() {
            let class = f.text("winlog.event_data.ClassName")?;
            let storage = class.as_deref().is_some_and(|c| {
                ["DiskDrive", "WPD", "CDROM", "Volume", "USBSTOR"].iter().any(|s| s.eq_ignore_ascii_case(c))
            });
            device.kind = if storage { Some(REMOVABLE.to_owned()) } else { class.map(|c| c.to_ascii_lowercase()) };
        }
    }
    if windows_code == Some(4663) && device.kind.is_none() && removable_task(f, action_value.as_deref())? {
        device.kind = Some(REMOVABLE.to_owned());
    }
    if device != Device::default() {
        e.device = Some(device);
    }
    let url = match f.text("url.full")? {
        Some(u) => Some(u),
        None => f.text("url.original")?,
    };
    e.url = url.map(|full| Url { full });
    let destination = Destination {
        domain: f.text("destination.domain")?,
        ip: f
            .text("destination.ip")?
            .filter(|s| !s.is_empty() && s != "-")
            .map(|s| parse_ip(&s).ok_or("field `destination.ip`: not an IP address"))
            .transpose()?,
        port: f.number("destination.port")?,
    };
    if destination != Destination::default() {
        e.destination = Some(destination);
    }
    let http = Http {
        request: HttpRequest { method: f.text("http.request.method")?, bytes: f.number("http.request.bytes")? },
        response: HttpResponse {
            status_code: f.number("http.response.status_code")?,
            bytes: f.number("http.response.bytes")?,
        },
    };
    if http != Http::default() {
        e.http = Some(http);
    }
    let email = email(f)?;
    if email != Email::default() {
        e.email = Some(email);
    }
    Ok(Some(e))
}

/// `email.*`, in our shape (`email.to` a list of addresses) or ECS's
/// (`email.to.address`, `email.attachments[].file.name`).
fn email(f: &mut Fields<'_>) -> Result<Email, String> {
    let mut addresses = |name: &str| -> Result<Vec<String>, String> {
        let ours = f.take(&format!("email.{name}"));
        let ecs = f.take(&format!("email.{name}.address"));
        match (ours, ecs) {
            (Some(v), _) => list_of(Some(v), &format!("email.{name}")),
            (None, v) => list_of(v, &format!("email.{name}.address")),
        }
    };
    let from = addresses("from")?.into_iter().next();
    let (to, cc, bcc) = (addresses("to")?, addresses("cc")?, addresses("bcc")?);
    let size = f.number("email.size")?;
    let attachments = match f.take("email.attachments") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(attachment).collect::<Result<_, _>>()?,
        Some(Value::Object(one)) => vec![attachment(&Value::Object(one.clone()))?],
        Some(_) => return Err("field `email.attachments`: expected a list of objects".to_owned()),
    };
    Ok(Email { from, to, cc, bcc, size, attachments: attachments.into_iter().flatten().collect() })
}

/// One attachment: `{name, size}` or ECS's `{file: {name, size}}`.
fn attachment(v: &Value) -> Result<Option<Attachment>, String> {
    let Value::Object(obj) = v else { return Err("field `email.attachments`: expected a list of objects".to_owned()) };
    let mut f = Fields::new(obj);
    let name = match f.text("name").map_err(|_| "field `email.attachments.name`: expected a string")? {
        Some(n) => Some(n),
        None => f.text("file.name").map_err(|_| "field `email.attachments.file.name`: expected a string")?,
    };
    let size = match f.number("size").map_err(|_| "field `email.attachments.size`: not a number")? {
        Some(s) => Some(s),
        None => f.number("file.size").map_err(|_| "field `email.attachments.file.size`: not a number")?,
    };
    Ok(name.map(|name| Attachment { name, size }))
}

/// A Windows 4663 (an attempt to access an object) by its access mask, as
/// the EVTX adapter reads it; `None` for objects other than files and for
/// accesses that are not file use.
fn object_access(f: &mut Fields<'_>, action_value: Option<&str>) -> Result<Option<Action>, String> {
    if let Some(kind) = f.text("winlog.event_data.ObjectType")? {
        if kind != "File" {
            return Ok(None);
        }
    }
    let mask = match f.take("winlog.event_data.AccessMask") {
        Some(Value::String(s)) => {
            u64::from_str_radix(s.trim().trim_start_matches("0x").trim_start_matches("0X"), 16).ok()
        }
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    }
    .ok_or("field `winlog.event_data.AccessMask`: not a hex number")?;
    let removable = removable_task(f, action_value)?;
    Ok(if mask & DELETE != 0 {
        Some(Action::FileDelete)
    } else if mask & (WRITE_DATA | APPEND_DATA) != 0 {
        Some(if removable { Action::FileCopy } else { Action::FileWrite })
    } else if mask & READ_DATA != 0 {
        Some(Action::FileOpen)
    } else {
        None
    })
}

/// Whether a 4663 is in the "Removable Storage" task (12812), by its name
/// (`winlog.task`, which Winlogbeat also copies into `event.action`).
fn removable_task(f: &mut Fields<'_>, action_value: Option<&str>) -> Result<bool, String> {
    let task = f.map.get("winlog.task").and_then(|v| text_of(v).ok().flatten());
    let removable = [task.as_deref(), action_value]
        .into_iter()
        .flatten()
        .any(|t| t.eq_ignore_ascii_case("Removable Storage") || t.trim() == "12812");
    Ok(removable)
}

/// serde_json's message with any quoted input removed.
pub(crate) fn redact_serde_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    match e.classify() {
        Category::Syntax | Category::Eof => format!("malformed JSON at column {}", e.column()),
        Category::Io => "read failed".to_owned(),
        Category::Data => {
            // Messages that start with our own words or name only schema
            // fields are safe to keep; for the others keep serde's "expected …",
            // which comes from the schema, and drop what was found.
            let body = text.rsplit_once(" at line ").map_or(text.as_str(), |(b, _)| b);
            if body.starts_with("missing field") || body.starts_with("not an RFC 3339") {
                body.to_owned()
            } else if body.starts_with("unknown variant") {
                "not in the vocabulary".to_owned()
            } else if let Some((kind, expected)) = body.rsplit_once(", expected ") {
                let kind = kind.split_once(':').map_or(kind, |(k, _)| k);
                format!("{kind}, expected {expected}")
            } else {
                "invalid value".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    fn one(json: &str) -> Result<Option<Event>, String> {
        parse_record(
            json.as_bytes(),
            offset!(+9),
            &ActionMap::new(),
            &mut NameCounts::default(),
            &mut NameCounts::default(),
        )
    }

    /// A Winlogbeat event gets the id the EVTX adapter gives the same
    /// Windows record (computer, channel, record id), whatever else the
    /// line holds, so a log read both ways is stored once.
    #[test]
    fn winlogbeat_ids_are_the_evtx_adapters() {
        let line = |extra: &str| {
            format!(
                r#"{{"@timestamp":"2026-11-30T00:12:00Z","event":{{"action":"logged-in","code":"4624"}},"user":{{"name":"tanaka"}},"winlog":{{"record_id":"21913","computer_name":"PC-0042.corp.example","channel":"Security"}}{extra}}}"#
            )
        };
        let expected = derived_id_parts("evtx", &[b"PC-0042.corp.example", b"Security", b"21913"]);
        let plain = line("");
        let a = one(&plain).ok().flatten().map(|e| e.event.id);
        let b = one(&line(r#","message":"An account was successfully logged on.""#)).ok().flatten().map(|e| e.event.id);
        assert_eq!(a.as_deref(), Some(expected.as_str()));
        assert_eq!(b.as_deref(), Some(expected.as_str()));
        assert_ne!(expected, derived_id("jsonl", plain.as_bytes()));
    }

    #[test]
    fn timestamps() {
        let t = |v: Value| timestamp_of(&v, offset!(+9));
        let at = datetime!(2026-03-02 09:15:00 +9);
        assert_eq!(t(Value::from(1_772_410_500)), Some(at));
        assert_eq!(t(Value::from(1_772_410_500_000i64)), Some(at));
        assert_eq!(t(Value::from("1772410500000")), Some(at));
        assert_eq!(t(Value::from("1772410500")), Some(at));
        assert_eq!(t(Value::from(1_772_410_500.5)), Some(datetime!(2026-03-02 09:15:00.5 +9)));
        assert_eq!(t(Value::from("2026-03-02 09:15:00")), Some(at));
        assert_eq!(t(Value::from("2026-03-02 00:15:00Z")), Some(datetime!(2026-03-02 00:15:00 UTC)));
        assert_eq!(t(Value::from("2026-03-02T00:15:00.000Z")), Some(datetime!(2026-03-02 00:15:00 UTC)));
        assert_eq!(t(Value::from("yesterday")), None);
        assert_eq!(t(Value::from(1e300)), None);
        assert_eq!(t(Value::Bool(true)), None);
    }

    #[test]
    fn dotted_and_nested_agree() {
        let a = one(
            r#"{"@timestamp":"2026-03-02T09:15:00+09:00","event":{"id":"x","action":"logon"},"user":{"name":"a"}}"#,
        );
        let b =
            one(r#"{"@timestamp":"2026-03-02T09:15:00+09:00","event.id":"x","event.action":"logon","user.name":"a"}"#);
        assert!(a.as_ref().is_ok_and(Option::is_some));
        assert_eq!(a, b);
    }

    #[test]
    fn numbers_as_strings_and_bad_numbers() {
        let e = one(
            r#"{"@timestamp":"2026-03-02 09:15:00","event.action":"file-write","file":{"size":"1234"},"destination.port":"443"}"#,
        );
        let e = e.ok().flatten();
        assert_eq!(e.as_ref().and_then(|e| e.file.as_ref()).and_then(|f| f.size), Some(1234));
        assert_eq!(e.as_ref().and_then(|e| e.destination.as_ref()).and_then(|d| d.port), Some(443));
        let bad = one(r#"{"@timestamp":"2026-03-02 09:15:00","event.action":"file-write","destination.port":"70000"}"#);
        assert_eq!(bad, Err("field `destination.port`: not a number".to_owned()));
    }

    #[test]
    fn unknown_fields_are_counted_by_name() {
        let mut unknown = NameCounts::default();
        let line = r#"{"@timestamp":"2026-03-02T09:15:00+09:00","event":{"action":"logon","kind":"event"},"agent":{"type":"winlogbeat"},"message":"x"}"#;
        for _ in 0..2 {
            let _ =
                parse_record(line.as_bytes(), offset!(+9), &ActionMap::new(), &mut unknown, &mut NameCounts::default());
        }
        let seen: Vec<_> = unknown.iter().collect();
        assert_eq!(seen, [("agent.type", 2), ("event.kind", 2), ("message", 2)]);
    }
}
