//! Microsoft 365 unified audit log records (Office 365 Management Activity API
//! common schema, SharePoint/OneDrive file operations, Exchange mailbox
//! audit), read as a JSON array, JSON Lines / concatenated JSON objects, or
//! the audit search's CSV export whose `AuditData` column holds the record.

use std::io::{self, BufRead};

use crate::json_stream::{Item, JsonRecords};

use serde::Deserialize;
use time::UtcOffset;

use crate::csv_map::{Rec, Records};
use crate::event::{Attachment, Destination, Email, File, Outcome, Source, Url, User};
use crate::util::{base_name, parse_ip, parse_iso_datetime, url_host};
use crate::{Action, BadRecord, Event, Options, Step};

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
            let location = r.object_id.clone().or_else(|| match (&r.source_relative_url, &r.source_file_name) {
                (Some(dir), Some(name)) => Some(format!("{dir}/{name}")),
                _ => None,
            });
            let name = r.source_file_name.clone().or_else(|| location.as_deref().and_then(base_name));
            if matches!(action, Action::FileDownload | Action::FileUpload) {
                // A transfer: `file.path` is the local side, which the audit
                // log does not know; the document's URL is `url.full`.
                e.file = Some(File { path: None, name, size: r.file_size_bytes });
                let site = r.site_url.as_deref().or(location.as_deref());
                e.destination =
                    site.and_then(url_host).map(|d| Destination { domain: Some(d), ..Destination::default() });
                e.url = location.map(|full| Url { full });
            } else {
                // Cloud storage: the document's URL is its path.
                e.file = Some(File { path: location, name, size: r.file_size_bytes });
            }
        }
    }
    Ok(Some(e))
}

enum Source_<R> {
    /// Not yet known: the first non-blank byte decides.
    Undecided(Option<R>),
    Json(JsonRecords<R>),
    Csv {
        records: Records<R>,
        column: Option<usize>,
        header_len: usize,
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
            Some(b'{') | Some(b'[') | None => Source_::Json(JsonRecords::new(reader, false)),
            Some(_) => Source_::Csv { records: Records::new(reader, b','), column: None, header_len: 0 },
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
            Source_::Json(objects) => Some(match objects.next_item()? {
                Item::Bad(bad) => Step::Bad(bad),
                Item::Blank => Step::Meta,
                Item::Record(line, json) => to_step(line, parse_record(json, offset)),
            }),
            Source_::Csv { records, column, header_len } => {
                let (line, rec, lines) = match records.next_record()? {
                    Rec::Ok(line, rec, lines) => (line, rec, lines),
                    Rec::Err(bad) => return Some(Step::Bad(bad)),
                };
                let Some(i) = *column else {
                    let found = rec.iter().position(|f| {
                        let f = f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f);
                        f.trim_ascii().eq_ignore_ascii_case(b"AuditData")
                    });
                    *column = found;
                    *header_len = rec.len();
                    return Some(match found {
                        // The header is not a record.
                        Some(_) => Step::Meta,
                        None => {
                            records.stop();
                            Step::Bad(BadRecord::new(line, "CSV header has no AuditData column; reading stopped"))
                        }
                    });
                };
                if lines > 1 && rec.len() != *header_len {
                    // A quote left open swallowed the next lines: read them again.
                    records.reread_continuation();
                    return Some(Step::Bad(BadRecord::new(
                        line,
                        "malformed CSV record (a quoted field spans lines and the field count is wrong); the lines after it are read on their own",
                    )));
                }
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
