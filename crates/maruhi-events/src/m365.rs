//! Microsoft 365 unified audit log records (Office 365 Management Activity API
//! common schema, SharePoint/OneDrive file operations, Exchange mailbox
//! audit), read as a JSON array, JSON Lines / concatenated JSON objects, or
//! the audit search's CSV export whose `AuditData` column holds the record.

use std::io::{self, BufRead};

use serde::Deserialize;
use time::UtcOffset;

use crate::csv_map::{Rec, Records};
use crate::event::{Attachment, Destination, Email, File, Outcome, Source, Url, User};
use crate::util::{base_name, parse_ip, parse_iso_datetime, url_host};
use crate::{Action, BadRecord, Event, Options, Step, MAX_RECORD_BYTES};

/// The fields of an audit record that we use; the rest are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuditRecord {
    creation_time: String,
    #[serde(default)]
    id: Option<String>,
    operation: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    workload: Option<String>,
    #[serde(default, rename = "ClientIP")]
    client_ip: Option<String>,
    #[serde(default, rename = "ClientIPAddress")]
    client_ip_address: Option<String>,
    #[serde(default)]
    object_id: Option<String>,
    #[serde(default)]
    site_url: Option<String>,
    #[serde(default)]
    source_file_name: Option<String>,
    #[serde(default)]
    source_relative_url: Option<String>,
    #[serde(default)]
    file_size_bytes: Option<u64>,
    #[serde(default)]
    item: Option<ExchangeItem>,
    #[serde(default)]
    result_status: Option<String>,
}

/// Exchange's `ExchangeItem` complex type (Send, SendAs, SendOnBehalf).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ExchangeItem {
    #[serde(default)]
    attachments: Option<String>,
    #[serde(default)]
    size_in_bytes: Option<u64>,
}

fn action_of(operation: &str) -> Option<Action> {
    Some(match operation {
        "FileAccessed" | "FileAccessedExtended" | "FilePreviewed" => Action::FileOpen,
        "FileModified" | "FileModifiedExtended" => Action::FileWrite,
        "FileDownloaded" | "FileSyncDownloadedFull" | "FileSyncDownloadedPartial" => Action::FileDownload,
        "FileUploaded" | "FileSyncUploadedFull" | "FileSyncUploadedPartial" => Action::FileUpload,
        "FileCopied" => Action::FileCopy,
        "FileDeleted" | "FileRecycled" | "FileDeletedFirstStageRecycleBin" | "FileDeletedSecondStageRecycleBin" => {
            Action::FileDelete
        }
        "Send" | "SendAs" | "SendOnBehalf" => Action::EmailSend,
        "UserLoggedIn" | "UserLoginFailed" => Action::Logon,
        _ => return None,
    })
}

/// Exchange's attachment list: `name (12345b); other.pdf (678b)`.
fn exchange_attachments(s: &str) -> Vec<Attachment> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|entry| {
            let sized = entry.strip_suffix("b)").and_then(|e| {
                let i = e.rfind('(')?;
                let size = e[i + 1..].trim().parse::<u64>().ok()?;
                Some(Attachment { name: e[..i].trim_end().to_owned(), size: Some(size) })
            });
            sized.unwrap_or_else(|| Attachment { name: entry.to_owned(), size: None })
        })
        .collect()
}

/// Turns one record's JSON into an event, `Ok(None)` for operations outside
/// the vocabulary.
pub(crate) fn parse_record(json: &[u8], offset: UtcOffset) -> Result<Option<Event>, String> {
    let r: AuditRecord = serde_json::from_slice(json).map_err(|e| crate::jsonl::redact_serde_message(&e))?;
    let Some(action) = action_of(&r.operation) else { return Ok(None) };
    // CreationTime is UTC, written without an offset.
    let timestamp = parse_iso_datetime(&r.creation_time, UtcOffset::UTC)
        .ok_or("field `CreationTime`: not an ISO 8601 date-time")?
        .to_offset(offset);
    let id = match r.id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => id.to_owned(),
        None => crate::util::derived_id("m365", json),
    };
    let mut e = Event::new(timestamp, id, action);
    let workload = r.workload.as_deref().unwrap_or("unknown");
    e.event.dataset = Some(format!("m365.{}", workload.to_ascii_lowercase()));
    e.event.code = Some(r.operation.clone());
    if let Some(user) = r.user_id.as_deref().filter(|s| !s.is_empty()) {
        e.user = Some(User { name: user.to_owned(), domain: None });
    }
    if let Some(ip) = r.client_ip.as_deref().or(r.client_ip_address.as_deref()).and_then(parse_ip) {
        e.source = Some(Source { ip });
    }
    match action {
        Action::EmailSend => {
            // Exchange's Send record carries the message's attachments and
            // size, not its recipients.
            let item = r.item.as_ref();
            e.email = Some(Email {
                from: e.user.as_ref().map(|u| u.name.clone()),
                size: item.and_then(|i| i.size_in_bytes),
                attachments: item.and_then(|i| i.attachments.as_deref()).map(exchange_attachments).unwrap_or_default(),
                ..Email::default()
            });
        }
        Action::Logon => {
            e.event.outcome =
                Some(if r.operation == "UserLoginFailed" || r.result_status.as_deref() == Some("Failed") {
                    Outcome::Failure
                } else {
                    Outcome::Success
                });
        }
        _ => {
            let path = r.object_id.clone().or_else(|| match (&r.source_relative_url, &r.source_file_name) {
                (Some(dir), Some(name)) => Some(format!("{dir}/{name}")),
                _ => None,
            });
            let name = r.source_file_name.clone().or_else(|| path.as_deref().and_then(base_name));
            e.file = Some(File { path: path.clone(), name, size: r.file_size_bytes });
            if matches!(action, Action::FileDownload | Action::FileUpload) {
                let site = r.site_url.as_deref().or(path.as_deref());
                e.destination =
                    site.and_then(url_host).map(|d| Destination { domain: Some(d), ..Destination::default() });
                e.url = path.map(|full| Url { full });
            }
        }
    }
    Ok(Some(e))
}

/// Splits a byte stream into top-level JSON objects, whether they come in an
/// array, one per line, or concatenated, tracking the line each starts on.
/// Only string and nesting state is kept; the objects themselves are parsed
/// by serde.
struct Objects<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    done: bool,
}

enum Obj<'a> {
    Ok(u64, &'a [u8]),
    Err(BadRecord),
}

impl<R: BufRead> Objects<R> {
    fn next_object(&mut self) -> Option<Obj<'_>> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let mut depth: u32 = 0;
        let mut in_string = false;
        let mut escaped = false;
        let mut start_line = 0;
        let mut too_long = false;
        let mut garbage = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    return Some(Obj::Err(BadRecord::new(self.line + 1, format!("read failed: {}", e.kind()))));
                }
            };
            if available.is_empty() {
                self.done = true;
                if garbage {
                    return Some(Obj::Err(BadRecord::new(start_line, "expected a JSON object")));
                }
                if depth > 0 {
                    return Some(Obj::Err(BadRecord::new(start_line, "JSON object not closed at end of input")));
                }
                return None;
            }
            let mut used = 0;
            let mut finished = false;
            for &b in available {
                used += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if depth == 0 && garbage {
                    // Skip the rest of a line that is not JSON.
                    if b == b'\n' {
                        finished = true;
                        break;
                    }
                    continue;
                }
                if depth == 0 {
                    match b {
                        b'{' => {
                            depth = 1;
                            start_line = self.line + 1;
                            if !too_long {
                                self.buf.push(b);
                            }
                        }
                        // Array brackets, separators and whitespace between records.
                        b'[' | b']' | b',' | b' ' | b'\t' | b'\r' | b'\n' => {}
                        // A UTF-8 byte order mark at the start.
                        0xEF | 0xBB | 0xBF if self.line == 0 => {}
                        _ => {
                            garbage = true;
                            start_line = self.line + 1;
                        }
                    }
                    continue;
                }
                if !too_long {
                    if self.buf.len() >= MAX_RECORD_BYTES {
                        too_long = true;
                        self.buf.clear();
                    } else {
                        self.buf.push(b);
                    }
                }
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth = depth.saturating_add(1),
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            finished = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.reader.consume(used);
            if finished {
                break;
            }
        }
        if garbage {
            return Some(Obj::Err(BadRecord::new(start_line, "expected a JSON object")));
        }
        if too_long {
            return Some(Obj::Err(BadRecord::new(
                start_line,
                format!("record longer than {MAX_RECORD_BYTES} bytes; skipped"),
            )));
        }
        Some(Obj::Ok(start_line, &self.buf))
    }
}

enum Source_<R> {
    /// Not yet known: the first non-blank byte decides.
    Undecided(Option<R>),
    Json(Objects<R>),
    Csv {
        records: Records<R>,
        column: Option<usize>,
    },
}

pub(crate) struct Reader<R> {
    source: Source_<R>,
    offset: UtcOffset,
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R, options: &Options) -> Self {
        Reader { source: Source_::Undecided(Some(reader)), offset: options.default_offset }
    }

    fn decide(&mut self) -> Option<BadRecord> {
        let Source_::Undecided(reader) = &mut self.source else { return None };
        let mut reader = reader.take()?;
        // Peek past a BOM and whitespace without consuming the first record.
        let first = loop {
            match reader.fill_buf() {
                Ok([]) => break None,
                Ok(buf) => {
                    let skip = buf
                        .iter()
                        .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0xEF | 0xBB | 0xBF))
                        .unwrap_or(buf.len());
                    let first = buf.get(skip).copied();
                    if first.is_some() {
                        break first;
                    }
                    // All blank: these bytes can go; the line count of the
                    // JSON reader does not see them, which only matters for
                    // inputs that start with a blank buffer's worth of lines.
                    let n = buf.len();
                    reader.consume(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Some(BadRecord::new(1, format!("read failed: {}", e.kind()))),
            }
        };
        self.source = match first {
            Some(b'{') | Some(b'[') | None => Source_::Json(Objects { reader, buf: Vec::new(), line: 0, done: false }),
            Some(_) => Source_::Csv { records: Records::new(reader, b','), column: None },
        };
        None
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        if let Some(bad) = self.decide() {
            return Some(Step::Bad(bad));
        }
        let offset = self.offset;
        match &mut self.source {
            Source_::Undecided(_) => None,
            Source_::Json(objects) => Some(match objects.next_object()? {
                Obj::Err(bad) => Step::Bad(bad),
                Obj::Ok(line, json) => to_step(line, parse_record(json, offset)),
            }),
            Source_::Csv { records, column } => {
                let (line, rec) = match records.next_record()? {
                    Rec::Ok(line, rec) => (line, rec),
                    Rec::Err(bad) => return Some(Step::Bad(bad)),
                };
                let Some(i) = *column else {
                    let found = rec.iter().position(|f| {
                        let f = f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f);
                        f.trim_ascii().eq_ignore_ascii_case(b"AuditData")
                    });
                    *column = found;
                    return Some(match found {
                        Some(_) => Step::Skip,
                        None => {
                            records.stop();
                            Step::Bad(BadRecord::new(line, "CSV header has no AuditData column; reading stopped"))
                        }
                    });
                };
                Some(match rec.get(i) {
                    Some(json) if !json.trim_ascii().is_empty() => to_step(line, parse_record(json, offset)),
                    _ => Step::Bad(BadRecord::new(line, "field `AuditData`: missing")),
                })
            }
        }
    }
}

fn to_step(line: u64, r: Result<Option<Event>, String>) -> Step {
    match r {
        Ok(Some(e)) => Step::Event(line, e),
        Ok(None) => Step::Skip,
        Err(m) => Step::Bad(BadRecord::new(line, m)),
    }
}
