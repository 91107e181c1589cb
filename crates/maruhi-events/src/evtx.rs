//! Windows event log files (`.evtx`), Security channel.
//!
//! The file is read front to back: its 4 KiB header, then 64 KiB chunks, each
//! parsed on its own by the `evtx` crate (a chunk is self-contained: its own
//! string and template tables). So any `Read` works, a pipe included, and
//! memory holds one chunk and its records at a time.
//!
//! | EventID | action | user | notes |
//! |---|---|---|---|
//! | 4624 | `logon` (success) | TargetUserName/TargetDomainName | `source.ip` from IpAddress |
//! | 4625 | `logon` (failure) | TargetUserName/TargetDomainName | |
//! | 4634, 4647 | `logoff` | TargetUserName/TargetDomainName | |
//! | 4663 | `file-open` / `file-write` / `file-delete`; `file-copy` on removable storage | SubjectUserName | ObjectType `File` only; AccessMask decides; Task 12812 (Removable Storage) sets `device.type = removable` |
//! | 6416 | `device-connect` | SubjectUserName | `device.id`, `device.name`; storage classes are `removable` |

use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::sync::Arc;

use evtx::{EvtxChunkData, ParserSettings};
use serde::Deserialize;
use serde_json::Value;
use time::UtcOffset;

use crate::event::{Device, File, Host, Outcome, Source, User, REMOVABLE};
use crate::util::{base_name, derived_id_parts, parse_ip, parse_iso_datetime};
use crate::{Action, BadRecord, Event, Options, Step};

const FILE_HEADER_SIZE: usize = 4096;
const CHUNK_SIZE: usize = 65536;
/// The Security log's task category for "Removable Storage" object access.
const TASK_REMOVABLE_STORAGE: u64 = 12812;

pub(crate) struct Reader<R> {
    reader: R,
    settings: Arc<ParserSettings>,
    offset: UtcOffset,
    started: bool,
    done: bool,
    chunk_number: u64,
    pending: VecDeque<Step>,
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R, options: &Options) -> Self {
        Reader {
            reader,
            settings: Arc::new(ParserSettings::new()),
            offset: options.default_offset,
            started: false,
            done: false,
            chunk_number: 0,
            pending: VecDeque::new(),
        }
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        loop {
            if let Some(step) = self.pending.pop_front() {
                return Some(step);
            }
            if self.done {
                return None;
            }
            if let Err(bad) = self.next_chunk() {
                self.done = true;
                return Some(Step::Bad(bad));
            }
        }
    }

    /// Reads the next chunk and queues what its records become.
    fn next_chunk(&mut self) -> Result<(), BadRecord> {
        if !self.started {
            self.started = true;
            let mut header = vec![0; FILE_HEADER_SIZE];
            match read_full(&mut self.reader, &mut header) {
                Ok(n) if n == FILE_HEADER_SIZE && header.starts_with(b"ElfFile\0") => {}
                Ok(0) => {
                    self.done = true;
                    return Ok(());
                }
                Ok(_) => return Err(BadRecord::new(0, "not an EVTX file (bad file header)")),
                Err(e) => return Err(BadRecord::new(0, format!("read failed: {}", e.kind()))),
            }
        }
        let mut data = vec![0; CHUNK_SIZE];
        let n = read_full(&mut self.reader, &mut data)
            .map_err(|e| BadRecord::new(0, format!("chunk {}: read failed: {}", self.chunk_number, e.kind())))?;
        let number = self.chunk_number;
        self.chunk_number += 1;
        if n == 0 {
            self.done = true;
            return Ok(());
        }
        if n < CHUNK_SIZE {
            self.done = true;
            return Err(BadRecord::new(0, format!("chunk {number}: truncated ({n} of {CHUNK_SIZE} bytes)")));
        }
        if !data.starts_with(b"ElfChnk\0") {
            // Preallocated, never-written chunks are all zeros.
            if data.iter().all(|&b| b == 0) {
                return Ok(());
            }
            self.pending.push_back(Step::Bad(BadRecord::new(0, format!("chunk {number}: bad chunk header; skipped"))));
            return Ok(());
        }
        let mut chunk = match EvtxChunkData::new(data, true) {
            Ok(c) => c,
            Err(_) => {
                self.pending.push_back(Step::Bad(BadRecord::new(
                    0,
                    format!("chunk {number}: damaged (bad header or checksum); skipped"),
                )));
                return Ok(());
            }
        };
        let first_id = chunk.header.first_event_record_id;
        let mut parsed = match chunk.parse(Arc::clone(&self.settings)) {
            Ok(p) => p,
            Err(_) => {
                self.pending
                    .push_back(Step::Bad(BadRecord::new(first_id, format!("chunk {number}: unreadable; skipped"))));
                return Ok(());
            }
        };
        let offset = self.offset;
        for record in parsed.iter() {
            let step = match record {
                Err(_) => Step::Bad(BadRecord::new(first_id, format!("chunk {number}: a record is unreadable"))),
                Ok(record) => {
                    let id = record.event_record_id;
                    match record.into_json_bytes() {
                        Err(_) => Step::Bad(BadRecord::new(id, "record cannot be rendered")),
                        Ok(json) => match to_event(&json.data, offset) {
                            Ok(Some(e)) => Step::Event(id, e),
                            Ok(None) => Step::Skip,
                            Err(m) => Step::Bad(BadRecord::new(id, m)),
                        },
                    }
                }
            };
            self.pending.push_back(step);
        }
        Ok(())
    }
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full<R: BufRead>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[derive(Deserialize)]
struct Root {
    #[serde(rename = "Event")]
    event: EventXml,
}

#[derive(Deserialize)]
struct EventXml {
    #[serde(rename = "System")]
    system: System,
    #[serde(rename = "EventData", default)]
    data: Value,
}

/// The `System` element, read leniently: Windows Event Forwarding and
/// other renderers write numbers as strings (`EventRecordID`) and add
/// elements (`RenderingInfo`), and a record of a channel we skip must be
/// skipped whatever shape its other fields have.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct System {
    #[serde(rename = "EventID", default)]
    event_id: Value,
    #[serde(default)]
    task: Value,
    #[serde(default)]
    channel: Value,
    #[serde(default)]
    computer: Value,
    #[serde(rename = "EventRecordID", default)]
    event_record_id: Value,
    #[serde(default)]
    time_created: Value,
}

/// A text element as the renderer writes it: a string, or an element with
/// attributes (`{"#attributes": …, "#text": "Security"}`).
fn element_text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("#text").and_then(element_text),
        _ => None,
    }
}

/// A number that the renderer wrote as a number, a string, or an element
/// with attributes (`{"#attributes": …, "#text": 4624}`).
fn number_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Object(o) => o.get("#text").and_then(number_of),
        _ => None,
    }
}

fn text_of<'a>(data: &'a Value, key: &str) -> Option<&'a str> {
    match data.get(key)? {
        Value::String(s) if !s.is_empty() && s != "-" => Some(s.as_str()),
        _ => None,
    }
}

/// `0x10000`-style hex, as Windows writes access masks.
fn hex_of(data: &Value, key: &str) -> Option<u64> {
    match data.get(key)? {
        Value::String(s) => u64::from_str_radix(s.trim().trim_start_matches("0x").trim_start_matches("0X"), 16).ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

// Access rights of 4663 (winnt.h, file objects).
const READ_DATA: u64 = 0x1;
const WRITE_DATA: u64 = 0x2;
const APPEND_DATA: u64 = 0x4;
const DELETE: u64 = 0x10000;

/// The EventID as the renderer writes it first (`"EventID":4624`), found
/// without parsing the record: most records of a Security log are events we
/// do not map, and skipping them before serde saves their parse.
/// `None` when it is written another way (with attributes); then the full
/// parse decides.
fn quick_event_id(json: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(json, b"\"EventID\":")? + 10;
    let digits = json.get(at..)?.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(json.get(at..at + digits)?).ok()?.parse().ok()
}

fn mapped(code: u64) -> bool {
    matches!(code, 4624 | 4625 | 4634 | 4647 | 4663 | 6416)
}

pub(crate) fn to_event(json: &[u8], offset: UtcOffset) -> Result<Option<Event>, String> {
    if quick_event_id(json).is_some_and(|code| !mapped(code)) {
        return Ok(None);
    }
    let root: Root = serde_json::from_slice(json).map_err(|e| crate::jsonl::redact_serde_message(&e))?;
    let sys = &root.event.system;
    let data = &root.event.data;
    let channel = element_text(&sys.channel);
    // Other channels (a ForwardedEvents log collects many) are outside what
    // we map: skipped, whatever else the record holds.
    if channel.is_some_and(|c| c != "Security") {
        return Ok(None);
    }
    let Some(code) = number_of(&sys.event_id) else { return Err("field `EventID`: missing".to_owned()) };
    let (action, user_key, domain_key) = match code {
        4624 | 4625 => (Action::Logon, "TargetUserName", "TargetDomainName"),
        4634 | 4647 => (Action::Logoff, "TargetUserName", "TargetDomainName"),
        4663 => (Action::FileOpen, "SubjectUserName", "SubjectDomainName"),
        6416 => (Action::DeviceConnect, "SubjectUserName", "SubjectDomainName"),
        _ => return Ok(None),
    };
    let system_time = sys.time_created.get("#attributes").and_then(|a| a.get("SystemTime")).and_then(Value::as_str);
    let timestamp = system_time
        .and_then(|t| parse_iso_datetime(t, UtcOffset::UTC))
        .ok_or("field `TimeCreated`: not an ISO 8601 date-time")?
        .to_offset(offset);
    let computer = element_text(&sys.computer).unwrap_or("");
    // EventRecordID is unique only within one channel of one computer. WEF
    // writes it as a string; both forms give the same id.
    let record_id = match number_of(&sys.event_record_id) {
        Some(n) => n.to_string(),
        None if sys.event_record_id.is_null() => "0".to_owned(),
        None => return Err("field `EventRecordID`: not a number".to_owned()),
    };
    let id = derived_id_parts("evtx", &[computer.as_bytes(), channel.unwrap_or("").as_bytes(), record_id.as_bytes()]);
    let mut e = Event::new(timestamp, id, action);
    e.event.dataset = Some("evtx.security".to_owned());
    e.event.code = Some(code.to_string());
    if let Some(name) = text_of(data, user_key) {
        e.user = Some(User { name: name.to_owned(), domain: text_of(data, domain_key).map(str::to_owned) });
    }
    if !computer.is_empty() {
        e.host = Some(Host { name: computer.to_owned() });
    }
    match code {
        4624 | 4625 => {
            e.event.outcome = Some(if code == 4624 { Outcome::Success } else { Outcome::Failure });
            if let Some(ip) = text_of(data, "IpAddress").and_then(parse_ip) {
                e.source = Some(Source { ip });
            }
        }
        4663 => {
            if text_of(data, "ObjectType") != Some("File") {
                return Ok(None);
            }
            let mask = hex_of(data, "AccessMask").ok_or("field `AccessMask`: not a hex number")?;
            let removable = number_of(&sys.task) == Some(TASK_REMOVABLE_STORAGE);
            e.event.action = if mask & DELETE != 0 {
                Action::FileDelete
            } else if mask & (WRITE_DATA | APPEND_DATA) != 0 {
                // Writing a file onto removable storage is how Windows
                // records a copy to it.
                if removable {
                    Action::FileCopy
                } else {
                    Action::FileWrite
                }
            } else if mask & READ_DATA != 0 {
                Action::FileOpen
            } else {
                // Attribute reads and permission queries are not file use.
                return Ok(None);
            };
            let path = text_of(data, "ObjectName");
            e.file = Some(File { path: path.map(str::to_owned), name: path.and_then(base_name), size: None });
            if removable {
                e.device = Some(Device { kind: Some(REMOVABLE.to_owned()), ..Device::default() });
            }
        }
        6416 => {
            let class = text_of(data, "ClassName");
            let storage = class.is_some_and(|c| {
                ["DiskDrive", "WPD", "CDROM", "Volume", "USBSTOR"].iter().any(|s| s.eq_ignore_ascii_case(c))
            });
            e.device = Some(Device {
                kind: if storage { Some(REMOVABLE.to_owned()) } else { class.map(str::to_ascii_lowercase) },
                id: text_of(data, "DeviceId").map(str::to_owned),
                name: text_of(data, "DeviceDescription").map(str::to_owned),
            });
        }
        _ => {}
    }
    Ok(Some(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::offset;

    /// A 4663 record as the `evtx` crate renders it to JSON.
    fn object_access(task: u64, object_type: &str, mask: &str) -> Vec<u8> {
        serde_json::json!({"Event": {
            "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
                "EventID": 4663, "Version": 1, "Level": 0, "Task": task, "Opcode": 0,
                "Keywords": "0x8020000000000000",
                "TimeCreated": {"#attributes": {"SystemTime": "2026-03-02T00:15:00.123456Z"}},
                "EventRecordID": 42, "Correlation": null,
                "Execution": {"#attributes": {"ProcessID": 4, "ThreadID": 100}},
                "Channel": "Security", "Computer": "PC-0042.corp.example", "Security": null
            },
            "EventData": {
                "SubjectUserSid": "S-1-5-21-1-2-3-1001", "SubjectUserName": "tanaka", "SubjectDomainName": "CORP",
                "SubjectLogonId": "0x3e7", "ObjectServer": "Security", "ObjectType": object_type,
                "ObjectName": "\\Device\\HarddiskVolume5\\設計\\spec.xlsx", "HandleId": "0x1a4",
                "AccessList": "%%4417", "AccessMask": mask, "ProcessId": "0x1234",
                "ProcessName": "C:\\Windows\\explorer.exe", "ResourceAttributes": "S:AI"
            }
        }})
        .to_string()
        .into_bytes()
    }

    fn action(json: &[u8]) -> Option<(Action, Option<String>)> {
        to_event(json, offset!(+9)).ok().flatten().map(|e| (e.event.action, e.device.and_then(|d| d.kind)))
    }

    #[test]
    fn object_access_by_mask_and_task() {
        let removable = Some(REMOVABLE.to_owned());
        assert_eq!(action(&object_access(12812, "File", "0x2")), Some((Action::FileCopy, removable.clone())));
        assert_eq!(action(&object_access(12812, "File", "0x1")), Some((Action::FileOpen, removable)));
        assert_eq!(action(&object_access(12800, "File", "0x2")), Some((Action::FileWrite, None)));
        assert_eq!(action(&object_access(12800, "File", "0x4")), Some((Action::FileWrite, None)));
        assert_eq!(action(&object_access(12800, "File", "0x10000")), Some((Action::FileDelete, None)));
        assert_eq!(action(&object_access(12800, "File", "0x80")), None);
        // Kernel objects (task 12802) such as processes are not files.
        assert_eq!(action(&object_access(12802, "Process", "0x10")), None);
        assert!(to_event(&object_access(12800, "File", "garbage"), offset!(+9)).is_err());
    }

    /// The same record as Windows Event Forwarding renders it: numbers as
    /// strings, the EventID with attributes, a RenderingInfo element.
    fn forwarded(channel: &str, record_id: serde_json::Value) -> Vec<u8> {
        serde_json::json!({"Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
                "EventID": {"#attributes": {"Qualifiers": ""}, "#text": "4624"}, "Version": "2", "Level": "0",
                "Task": "12544", "Keywords": "0x8020000000000000",
                "TimeCreated": {"#attributes": {"SystemTime": "2026-03-02T00:15:00.1234567Z"}},
                "EventRecordID": record_id, "Channel": channel, "Computer": "PC-0042.corp.example"
            },
            "EventData": {"TargetUserName": "tanaka", "TargetDomainName": "CORP", "IpAddress": "192.0.2.10"},
            "RenderingInfo": {"#attributes": {"Culture": "ja-JP"}, "Message": "…", "Level": "情報"}
        }})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn forwarded_events_with_string_record_ids() {
        let e = to_event(&forwarded("Security", "4213".into()), offset!(+9)).ok().flatten();
        let same = to_event(&forwarded("Security", 4213.into()), offset!(+9)).ok().flatten();
        assert!(e.is_some());
        assert_eq!(e.as_ref().map(|e| &e.event.id), same.as_ref().map(|e| &e.event.id));
        assert_eq!(e.as_ref().and_then(|e| e.user.as_ref()).map(|u| u.name.as_str()), Some("tanaka"));
        assert_eq!(e.and_then(|e| e.event.outcome), Some(Outcome::Success));
        assert!(to_event(&forwarded("Security", "x".into()), offset!(+9)).is_err());
        // Another channel's records are skipped, not rejected, whatever their shape.
        assert_eq!(to_event(&forwarded("Microsoft-Windows-Sysmon/Operational", "x".into()), offset!(+9)), Ok(None));
        assert_eq!(to_event(br#"{"Event":{"System":{"EventID":4624,"Channel":"System"}}}"#, offset!(+9)), Ok(None));
    }

    #[test]
    fn quick_event_id_agrees_with_the_parse() {
        assert_eq!(quick_event_id(&object_access(12800, "File", "0x1")), Some(4663));
        assert_eq!(quick_event_id(br##"{"EventID":{"#attributes":{"Qualifiers":0},"#text":4624}}"##), None);
        assert_eq!(quick_event_id(br#"{"EventID":"#), None);
    }

    #[test]
    fn object_access_fields() {
        let e = to_event(&object_access(12812, "File", "0x6"), offset!(+9)).ok().flatten();
        let e = e.as_ref();
        assert_eq!(e.and_then(|e| e.file.as_ref()).and_then(|f| f.name.as_deref()), Some("spec.xlsx"));
        assert_eq!(e.and_then(|e| e.user.as_ref()).map(|u| u.name.as_str()), Some("tanaka"));
        assert_eq!(e.map(|e| e.timestamp), Some(time::macros::datetime!(2026-03-02 09:15:00.123456 +9)));
    }
}
