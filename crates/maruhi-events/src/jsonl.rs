//! The canonical JSON Lines form: one [`Event`] per line.

use std::io::BufRead;

use crate::util::{derived_id, Line, Lines};
use crate::{BadRecord, Event, Step};

pub(crate) struct Reader<R> {
    lines: Lines<R>,
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R) -> Self {
        Reader { lines: Lines::new(reader) }
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        let (n, line) = match self.lines.next_line()? {
            Line::Ok(n, line) => (n, line),
            Line::Err(bad) => return Some(Step::Bad(bad)),
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            return Some(Step::Skip);
        }
        Some(match parse_line(line) {
            Ok(event) => Step::Event(n, event),
            Err(message) => Step::Bad(BadRecord::new(n, message)),
        })
    }
}

/// Parses one canonical line; an absent or empty `event.id` is derived from
/// the line's bytes.
pub(crate) fn parse_line(line: &[u8]) -> Result<Event, String> {
    let mut event: Event = match serde_json::from_slice(line) {
        Ok(e) => e,
        Err(_) => return Err(json_error(line)),
    };
    if event.event.id.is_empty() {
        event.event.id = derived_id("jsonl", line);
    }
    Ok(event)
}

/// Explains why `line` is not a valid [`Event`], naming the field but never
/// quoting the input: serde's own messages can contain the offending value,
/// which may be personal data.
fn json_error(line: &[u8]) -> String {
    let mut de = serde_json::Deserializer::from_slice(line);
    match serde_path_to_error::deserialize::<_, Event>(&mut de) {
        Ok(_) => "invalid JSON".to_owned(),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let what = redact_serde_message(&inner);
            if path.is_empty() || path == "." {
                what
            } else {
                format!("field `{path}`: {what}")
            }
        }
    }
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
