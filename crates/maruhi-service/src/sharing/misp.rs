//! MISP core format (the MISP project's JSON event, as `pymisp` and MISP's
//! feeds read it): an approved report as an event, and a received event
//! read back.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{Draft, Indicator, Shared};
use crate::Result;

fn uuid(key: &[u8; 32], report: &str, what: &str) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(report.as_bytes());
    h.update(b"\0misp\0");
    h.update(what.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    super::format_uuid(b, 4)
}

/// (MISP type, category, to_ids) of an indicator kind.
fn attribute_type(kind: &str) -> (&'static str, &'static str, bool) {
    match kind {
        "sender" => ("email-src", "Payload delivery", true),
        "domain" => ("domain", "Network activity", true),
        "url" => ("url", "Network activity", true),
        "sha256" => ("sha256", "Payload delivery", true),
        "sha1" => ("sha1", "Payload delivery", true),
        "md5" => ("md5", "Payload delivery", true),
        "attachment" => ("email-attachment", "Payload delivery", false),
        "subject" => ("email-subject", "Payload delivery", false),
        "header" => ("email-header", "Payload delivery", false),
        "malware" => ("text", "Payload type", false),
        _ => ("text", "Other", false),
    }
}

/// The report as a MISP event (`{"Event": …}`); `approved_at` is its
/// timestamp.
pub fn event(shared: &Shared, key: &[u8; 32], approved_at: &str) -> Result<Value> {
    let date = super::week_start(&shared.week).map(crate::clock::format_date).unwrap_or_default();
    let ts = crate::clock::parse_time(approved_at).map(|t| t.unix_timestamp()).unwrap_or(0).to_string();
    let mut attributes = Vec::new();
    let mut tags = vec![json!({"name": format!("tlp:{}", shared.tlp)})];
    let mut push = |kind: &str, value: &str, comment: &str, i: usize| {
        let (t, category, to_ids) = attribute_type(kind);
        attributes.push(json!({
            "uuid": uuid(key, &shared.uuid, &format!("attribute {i} {kind}")),
            "type": t, "category": category, "to_ids": to_ids, "value": value, "comment": comment,
            "distribution": "5", "timestamp": ts,
        }));
    };
    for (i, ind) in shared.indicators.iter().enumerate() {
        if ind.kind == "attack" {
            tags.push(json!({"name": format!("mitre-attack:technique=\"{}\"", ind.value)}));
            push("text", &ind.value, "ATT&CK technique", i);
        } else if ind.kind == "body" {
            push("text", &ind.value, "mail body sample", i);
        } else {
            push(&ind.kind, &ind.value, "", i);
        }
    }
    let n = shared.indicators.len();
    for (j, (label, text)) in [
        ("method (手口)", &shared.method),
        ("how it was found", &shared.detection),
        ("countermeasures (対策)", &shared.countermeasures),
        ("notes", &shared.text),
    ]
    .into_iter()
    .enumerate()
    {
        if !text.is_empty() {
            push("text", text, label, n + j);
        }
    }
    for (j, c) in shared.counts.iter().enumerate() {
        push("text", &format!("{}: {}", c.label, c.approx), "count (rounded)", n + 4 + j);
    }
    let threat = match shared.tlp.as_str() {
        "red" | "amber+strict" => "1",
        _ => "2",
    };
    Ok(json!({"Event": {
        "uuid": shared.uuid,
        "info": shared.title,
        "date": date,
        "threat_level_id": threat,
        "analysis": "2",
        "distribution": "0",
        "published": true,
        "timestamp": ts,
        "publish_timestamp": ts,
        "Orgc": {"name": shared.producer, "uuid": uuid(key, "", "forum identity")},
        "Tag": tags,
        "Attribute": attributes,
    }}))
}

/// Our reading of a received MISP event: its title, TLP tag and attributes.
pub fn read(value: &Value) -> Option<Draft> {
    let e = value.get("Event").unwrap_or(value);
    let info = e.get("info")?.as_str()?;
    let mut d = Draft {
        title: info.to_owned(),
        uuid: e.get("uuid").and_then(Value::as_str).unwrap_or_default().to_owned(),
        ..Draft::default()
    };
    for t in e.get("Tag").and_then(Value::as_array).into_iter().flatten() {
        if let Some(level) = t.get("name").and_then(Value::as_str).and_then(|n| n.strip_prefix("tlp:")) {
            d.tlp = level.to_ascii_lowercase();
        }
    }
    for a in e.get("Attribute").and_then(Value::as_array).into_iter().flatten() {
        let (Some(t), Some(v)) = (a.get("type").and_then(Value::as_str), a.get("value").and_then(Value::as_str)) else {
            continue;
        };
        let comment = a.get("comment").and_then(Value::as_str).unwrap_or_default();
        let kind = match t {
            "email-src" | "email" => "sender",
            "domain" | "hostname" => "domain",
            "url" | "link" => "url",
            "sha256" => "sha256",
            "sha1" => "sha1",
            "md5" => "md5",
            "email-attachment" | "filename" => "attachment",
            "email-subject" => "subject",
            "email-header" => "header",
            "text" if comment == "ATT&CK technique" => "attack",
            "text" if comment.starts_with("method") => {
                d.method = v.to_owned();
                continue;
            }
            "text" if comment.starts_with("countermeasures") => {
                d.countermeasures = v.to_owned();
                continue;
            }
            "text" | "comment" => {
                if !d.text.is_empty() {
                    d.text.push('\n');
                }
                d.text.push_str(v);
                continue;
            }
            _ => continue,
        };
        d.indicators.push(Indicator { kind: kind.into(), value: v.to_owned() });
    }
    d.indicators.truncate(1000);
    Some(d)
}
