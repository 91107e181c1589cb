//! Generic CSV with a header row and a mapping from ECS fields to columns.

use std::collections::VecDeque;
use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use csv::ByteRecord;
use time::UtcOffset;

use crate::event::{
    Attachment, Destination, Device, Email, File, Host, Http, HttpRequest, HttpResponse, Outcome, Source, Url, User,
};
use crate::util::{derived_id_parts, parse_any_time, parse_ip, url_host, Line, Lines};
use crate::{Action, ActionMap, BadRecord, Event, NameCounts, Options, Step, MAX_RECORD_BYTES};

/// A field of the schema that a CSV column can fill, named as in ECS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Field {
    /// `@timestamp` (required): RFC 3339, `YYYY-MM-DD HH:MM:SS[.f]` with or
    /// without offset, `MM/DD/YYYY HH:MM:SS`, or Unix epoch seconds.
    Timestamp,
    /// `event.id`; derived from the record when absent.
    EventId,
    /// `event.code`.
    EventCode,
    /// `event.outcome`: `success` or `failure`.
    EventOutcome,
    /// `user.name` (`DOMAIN\user` is split).
    UserName,
    /// `user.domain`.
    UserDomain,
    /// `host.name`.
    HostName,
    /// `source.ip`.
    SourceIp,
    /// `file.path`.
    FilePath,
    /// `file.name` (defaults to the last component of `file.path`).
    FileName,
    /// `file.size`.
    FileSize,
    /// `device.type`.
    DeviceType,
    /// `device.id`.
    DeviceId,
    /// `device.name`.
    DeviceName,
    /// `url.full` (also fills `destination.domain` when that has no column).
    UrlFull,
    /// `destination.domain`.
    DestinationDomain,
    /// `destination.ip`.
    DestinationIp,
    /// `destination.port`.
    DestinationPort,
    /// `http.request.method`.
    HttpRequestMethod,
    /// `http.request.bytes`.
    HttpRequestBytes,
    /// `http.response.status_code`.
    HttpResponseStatusCode,
    /// `email.from`.
    EmailFrom,
    /// `email.to`: addresses separated by `;`.
    EmailTo,
    /// `email.cc`: addresses separated by `;`.
    EmailCc,
    /// `email.bcc`: addresses separated by `;`.
    EmailBcc,
    /// `email.size`.
    EmailSize,
    /// `email.attachments`: `name` or `name(size)` entries separated by `;`.
    EmailAttachments,
}

impl Field {
    /// Every field.
    pub const ALL: [Field; 27] = [
        Field::Timestamp,
        Field::EventId,
        Field::EventCode,
        Field::EventOutcome,
        Field::UserName,
        Field::UserDomain,
        Field::HostName,
        Field::SourceIp,
        Field::FilePath,
        Field::FileName,
        Field::FileSize,
        Field::DeviceType,
        Field::DeviceId,
        Field::DeviceName,
        Field::UrlFull,
        Field::DestinationDomain,
        Field::DestinationIp,
        Field::DestinationPort,
        Field::HttpRequestMethod,
        Field::HttpRequestBytes,
        Field::HttpResponseStatusCode,
        Field::EmailFrom,
        Field::EmailTo,
        Field::EmailCc,
        Field::EmailBcc,
        Field::EmailSize,
        Field::EmailAttachments,
    ];

    /// The ECS name, e.g. `user.name`.
    pub fn name(self) -> &'static str {
        match self {
            Field::Timestamp => "@timestamp",
            Field::EventId => "event.id",
            Field::EventCode => "event.code",
            Field::EventOutcome => "event.outcome",
            Field::UserName => "user.name",
            Field::UserDomain => "user.domain",
            Field::HostName => "host.name",
            Field::SourceIp => "source.ip",
            Field::FilePath => "file.path",
            Field::FileName => "file.name",
            Field::FileSize => "file.size",
            Field::DeviceType => "device.type",
            Field::DeviceId => "device.id",
            Field::DeviceName => "device.name",
            Field::UrlFull => "url.full",
            Field::DestinationDomain => "destination.domain",
            Field::DestinationIp => "destination.ip",
            Field::DestinationPort => "destination.port",
            Field::HttpRequestMethod => "http.request.method",
            Field::HttpRequestBytes => "http.request.bytes",
            Field::HttpResponseStatusCode => "http.response.status_code",
            Field::EmailFrom => "email.from",
            Field::EmailTo => "email.to",
            Field::EmailCc => "email.cc",
            Field::EmailBcc => "email.bcc",
            Field::EmailSize => "email.size",
            Field::EmailAttachments => "email.attachments",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Field::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a field of the event schema that a CSV column can fill")]
pub struct UnknownField;

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL.into_iter().find(|f| f.name() == s).ok_or(UnknownField)
    }
}

/// Where `event.action` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvAction {
    /// Every record has this action (a file that only holds, say, prints).
    Constant(Action),
    /// A column whose values map to actions. A value matches an entry of
    /// `values` ignoring ASCII case and surrounding spaces; the canonical
    /// action names always match. Other values are bad records.
    Column {
        /// The column's name in the header.
        column: String,
        /// Source value → action.
        values: Vec<(String, Action)>,
    },
}

/// How a CSV's columns fill the schema.
///
/// The default expects columns named after the ECS fields themselves
/// (`@timestamp,event.action,user.name,…`), each one optional except
/// `@timestamp` and `event.action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    delimiter: u8,
    columns: Vec<(Field, String)>,
    action: CsvAction,
    /// Whether mapped columns may be absent (true only for the default).
    lenient: bool,
}

impl Default for CsvMapping {
    fn default() -> Self {
        CsvMapping {
            delimiter: b',',
            columns: Field::ALL.into_iter().map(|f| (f, f.name().to_owned())).collect(),
            action: CsvAction::Column { column: "event.action".to_owned(), values: Vec::new() },
            lenient: true,
        }
    }
}

impl CsvMapping {
    /// A mapping with no columns yet; add them with [`CsvMapping::column`]. At
    /// least [`Field::Timestamp`] must be mapped. Every mapped column must
    /// exist in the header.
    pub fn new(action: CsvAction) -> Self {
        CsvMapping { delimiter: b',', columns: Vec::new(), action, lenient: false }
    }

    /// Maps `field` to the column named `column` (replacing an earlier one).
    pub fn column(mut self, field: Field, column: impl Into<String>) -> Self {
        self.columns.retain(|(f, _)| *f != field);
        self.columns.push((field, column.into()));
        self
    }

    /// Sets the field delimiter (default `,`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// The field → column pairs.
    pub fn columns(&self) -> &[(Field, String)] {
        &self.columns
    }

    /// Where the action comes from.
    pub fn action(&self) -> &CsvAction {
        &self.action
    }
}

/// CSV records one at a time, with the line each starts on; shared by the
/// generic, CERT and M365 readers.
///
/// Records are split here rather than by the `csv` crate so that a broken
/// record ends only itself. Quoting follows RFC 4180 as the `csv` crate reads
/// it (a quote opens a field only at its start; `""` inside quotes is a
/// quote). A quoted field may span lines, but a record whose quote is never
/// closed (at the end of the input, or within [`MAX_RECORD_BYTES`]), or
/// whose quote closes on a later line followed by more text (a stray quote
/// pairing with the next record's), is reported at the line it starts on
/// and the lines after that one are read again as records of their own. A
/// caller that finds a multi-line record malformed (the wrong number of
/// fields) does the same through [`Records::reread_continuation`].
pub(crate) struct Records<R> {
    lines: Lines<R>,
    delimiter: u8,
    /// Lines to read again, before `lines`.
    replay: VecDeque<(u64, Vec<u8>)>,
    /// Problems found while assembling a record, reported before it.
    pending_bad: VecDeque<BadRecord>,
    /// The record's text, its lines joined by `\n`, and where each line
    /// after the first starts in it (with its number).
    raw: Vec<u8>,
    continuation: Vec<(u64, usize)>,
    rec: ByteRecord,
    field: Vec<u8>,
    started: bool,
    done: bool,
}

pub(crate) enum Rec<'a> {
    /// The line a record starts on, the record, and how many lines it spans.
    Ok(u64, &'a ByteRecord, usize),
    Err(BadRecord),
}

/// Quote state at the end of a line.
#[derive(Clone, Copy, Default)]
struct Quotes {
    /// Inside a quoted field.
    open: bool,
    /// A quote closed a field and more text followed before the delimiter.
    text_after_close: bool,
}

/// Scans `line` from `state`: whether a quoted field is still open at its end.
fn scan_quotes(line: &[u8], delimiter: u8, mut q: Quotes) -> Quotes {
    // Whether the next byte starts a field, and whether the previous byte
    // was a quote inside a quoted field (a close, or half of `""`).
    let mut at_start = !q.open;
    let mut quote_seen = false;
    for &b in line {
        if q.open {
            if quote_seen {
                quote_seen = false;
                if b == b'"' {
                    continue;
                }
                q.open = false;
                if b == delimiter {
                    at_start = true;
                } else {
                    q.text_after_close = true;
                }
                continue;
            }
            if b == b'"' {
                quote_seen = true;
            }
            continue;
        }
        if b == delimiter {
            at_start = true;
        } else if at_start && b == b'"' {
            q.open = true;
            at_start = false;
        } else {
            at_start = false;
        }
    }
    if quote_seen {
        // The quote closed the field at the end of the line.
        q.open = false;
    }
    q
}

impl<R: BufRead> Records<R> {
    pub(crate) fn new(reader: R, delimiter: u8) -> Self {
        Records {
            lines: Lines::new(reader),
            delimiter,
            replay: VecDeque::new(),
            pending_bad: VecDeque::new(),
            raw: Vec::new(),
            continuation: Vec::new(),
            rec: ByteRecord::new(),
            field: Vec::new(),
            started: false,
            done: false,
        }
    }

    /// Ends the stream (after a fatal header problem).
    pub(crate) fn stop(&mut self) {
        self.done = true;
    }

    /// Reads the lines after the first of the last record again, as records
    /// of their own (the caller found the record malformed).
    pub(crate) fn reread_continuation(&mut self) {
        let mut ends: Vec<usize> = self.continuation.iter().skip(1).map(|(_, at)| at - 1).collect();
        ends.push(self.raw.len());
        for (i, (n, at)) in self.continuation.iter().enumerate().rev() {
            self.replay.push_front((*n, self.raw[*at..ends[i]].to_vec()));
        }
        self.continuation.clear();
    }

    /// The next physical line, from the replay queue first. `Err` for an
    /// overlong line (skipped) or a read error (the end).
    fn next_line(&mut self) -> Option<Result<(u64, Vec<u8>), BadRecord>> {
        if let Some(l) = self.replay.pop_front() {
            return Some(Ok(l));
        }
        match self.lines.next_line()? {
            Line::Ok(n, line) => Some(Ok((n, line.to_vec()))),
            Line::Err(bad) => {
                if bad.message.starts_with("read failed") {
                    self.done = true;
                    return Some(Err(BadRecord::new(bad.line, format!("{}; reading stopped", bad.message))));
                }
                Some(Err(bad))
            }
        }
    }

    pub(crate) fn next_record(&mut self) -> Option<Rec<'_>> {
        loop {
            if let Some(bad) = self.pending_bad.pop_front() {
                return Some(Rec::Err(bad));
            }
            if self.done && self.replay.is_empty() {
                return None;
            }
            let (line, first) = match self.next_line() {
                None => {
                    self.done = true;
                    continue;
                }
                Some(Err(bad)) => return Some(Rec::Err(bad)),
                Some(Ok(l)) => l,
            };
            let first_of_input = !self.started;
            self.started = true;
            if first.is_empty() {
                continue;
            }
            // Windows PowerShell 5.1's Export-Csv writes the object's type
            // first (`#TYPE System.Management.Automation.PSCustomObject`)
            // unless told -NoTypeInformation.
            if first_of_input && first.starts_with(b"#TYPE ") {
                continue;
            }
            self.raw.clear();
            self.continuation.clear();
            self.raw.extend_from_slice(&first);
            let mut q = if memchr::memchr(b'"', &first).is_some() {
                scan_quotes(&first, self.delimiter, Quotes::default())
            } else {
                Quotes::default()
            };
            let mut broken = None;
            while q.open {
                match self.next_line() {
                    None => {
                        broken = Some("quoted field not closed at end of input");
                        break;
                    }
                    Some(Err(bad)) => {
                        self.pending_bad.push_back(bad);
                        broken = Some("quoted field runs into an unreadable line");
                        break;
                    }
                    Some(Ok((n, next))) => {
                        if self.raw.len() + 1 + next.len() > MAX_RECORD_BYTES {
                            self.replay.push_front((n, next));
                            broken = Some("quoted field not closed within the record size limit");
                            break;
                        }
                        self.raw.push(b'\n');
                        self.continuation.push((n, self.raw.len()));
                        self.raw.extend_from_slice(&next);
                        q = scan_quotes(
                            &next,
                            self.delimiter,
                            Quotes { open: true, text_after_close: q.text_after_close },
                        );
                    }
                }
            }
            if broken.is_none() && !self.continuation.is_empty() && q.text_after_close {
                broken = Some("quote closed on a later line followed by more text");
            }
            if let Some(why) = broken {
                self.reread_continuation();
                return Some(Rec::Err(BadRecord::new(
                    line,
                    format!("malformed CSV record ({why}); the lines after it are read on their own"),
                )));
            }
            split_fields(&self.raw, self.delimiter, &mut self.rec, &mut self.field);
            return Some(Rec::Ok(line, &self.rec, 1 + self.continuation.len()));
        }
    }
}

/// Splits one record's text into fields, as the `csv` crate does (flexible,
/// no trimming; text after a closing quote joins the field).
fn split_fields(raw: &[u8], delimiter: u8, rec: &mut ByteRecord, field: &mut Vec<u8>) {
    rec.clear();
    if memchr::memchr(b'"', raw).is_none() {
        for f in raw.split(|b| *b == delimiter) {
            rec.push_field(f);
        }
        return;
    }
    field.clear();
    let mut i = 0;
    let mut at_start = true;
    let mut quoted = false;
    while i < raw.len() {
        let b = raw[i];
        i += 1;
        if quoted {
            if b == b'"' {
                if raw.get(i) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else {
                field.push(b);
            }
            continue;
        }
        if b == delimiter {
            rec.push_field(field);
            field.clear();
            at_start = true;
            continue;
        }
        if at_start && b == b'"' {
            quoted = true;
        } else {
            field.push(b);
        }
        at_start = false;
    }
    rec.push_field(field);
}

/// The UTF-8 text of field `i`, or `None` if absent or empty.
pub(crate) fn text<'a>(rec: &'a ByteRecord, i: Option<usize>, name: &str) -> Result<Option<&'a str>, String> {
    let Some(bytes) = i.and_then(|i| rec.get(i)) else { return Ok(None) };
    let s = std::str::from_utf8(bytes).map_err(|_| format!("field `{name}`: not UTF-8"))?.trim();
    Ok(if s.is_empty() { None } else { Some(s) })
}

pub(crate) fn number<T: FromStr>(s: Option<&str>, name: &str) -> Result<Option<T>, String> {
    s.map(|s| s.parse::<T>().map_err(|_| format!("field `{name}`: not a number"))).transpose()
}

pub(crate) fn list(s: Option<&str>) -> Vec<String> {
    s.map(|s| s.split(';').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
}

/// `name(size)` or `name` entries separated by `;` (CERT r5+ attachments).
pub(crate) fn attachments(s: Option<&str>) -> Vec<Attachment> {
    let Some(s) = s else { return Vec::new() };
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|entry| {
            if let Some(open) = entry.strip_suffix(')').and_then(|e| e.rfind('(').map(|i| (e, i))) {
                let (e, i) = open;
                if let Ok(size) = e[i + 1..].trim().parse::<u64>() {
                    return Attachment { name: e[..i].trim_end().to_owned(), size: Some(size) };
                }
            }
            Attachment { name: entry.to_owned(), size: None }
        })
        .collect()
}

pub(crate) struct Reader<R> {
    records: Records<R>,
    mapping: CsvMapping,
    offset: UtcOffset,
    action_map: ActionMap,
    /// Column index of each field in `Field::ALL` order, once the header is read.
    index: Option<Vec<Option<usize>>>,
    action_index: Option<usize>,
    /// The header's columns that no field reads, by index and name.
    unread: Vec<(usize, String)>,
    header_len: usize,
    unknown: NameCounts,
}

impl<R> Reader<R> {
    pub(crate) fn unknown(&self) -> &NameCounts {
        &self.unknown
    }
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R, options: &Options) -> Self {
        Reader {
            records: Records::new(reader, options.csv.delimiter),
            mapping: options.csv.clone(),
            offset: options.default_offset,
            action_map: options.action_map.clone(),
            index: None,
            action_index: None,
            unread: Vec::new(),
            header_len: 0,
            unknown: NameCounts::default(),
        }
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        let (line, rec, lines) = match self.records.next_record()? {
            Rec::Ok(line, rec, lines) => (line, rec, lines),
            Rec::Err(bad) => return Some(Step::Bad(bad)),
        };
        let Some(index) = &self.index else {
            self.header_len = rec.len();
            return Some(header(rec, line, &self.mapping, &mut self.index, &mut self.action_index, &mut self.unread));
        };
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            return Some(Step::Skip);
        }
        if lines > 1 && rec.len() != self.header_len {
            // A quote left open swallowed the next lines: read them again.
            self.records.reread_continuation();
            return Some(Step::Bad(BadRecord::new(
                line,
                "malformed CSV record (a quoted field spans lines and the field count is wrong); the lines after it are read on their own",
            )));
        }
        let result = record(rec, index, self.action_index, &self.mapping.action, &self.action_map, self.offset);
        if result.is_ok() {
            for (i, name) in &self.unread {
                if rec.get(*i).is_some_and(|v| !v.trim_ascii().is_empty()) {
                    self.unknown.add(name);
                }
            }
        }
        Some(match result {
            Ok(e) => Step::Event(line, e),
            Err(m) => Step::Bad(BadRecord::new(line, m)),
        })
    }
}

fn header(
    rec: &ByteRecord,
    line: u64,
    mapping: &CsvMapping,
    index: &mut Option<Vec<Option<usize>>>,
    action_index: &mut Option<usize>,
    unread: &mut Vec<(usize, String)>,
) -> Step {
    let names: Vec<String> =
        rec.iter().map(|f| String::from_utf8_lossy(f).trim().trim_start_matches('\u{feff}').to_owned()).collect();
    let find = |column: &str| names.iter().position(|n| n == column);
    let mut missing = Vec::new();
    let mut found = vec![None; Field::ALL.len()];
    for (field, column) in &mapping.columns {
        let i = find(column);
        if i.is_none() && (!mapping.lenient || *field == Field::Timestamp) {
            missing.push(column.as_str());
        }
        if let Some(slot) = Field::ALL.iter().position(|f| f == field) {
            found[slot] = i;
        }
    }
    if let CsvAction::Column { column, .. } = &mapping.action {
        *action_index = find(column);
        if action_index.is_none() {
            missing.push(column);
        }
    }
    if !mapping.columns.iter().any(|(f, _)| *f == Field::Timestamp) {
        missing.push("@timestamp");
    }
    *unread = names
        .iter()
        .enumerate()
        .filter(|(i, n)| !n.is_empty() && !found.contains(&Some(*i)) && *action_index != Some(*i))
        .map(|(i, n)| (i, n.clone()))
        .collect();
    *index = Some(found);
    if missing.is_empty() {
        Step::Meta
    } else {
        // Column names come from the mapping, not from the data.
        Step::Bad(BadRecord::new(line, format!("header lacks mapped columns: {}", missing.join(", "))))
    }
}

fn record(
    rec: &ByteRecord,
    index: &[Option<usize>],
    action_index: Option<usize>,
    action: &CsvAction,
    action_map: &ActionMap,
    offset: UtcOffset,
) -> Result<Event, String> {
    let get = |field: Field| -> Result<Option<&str>, String> {
        let slot = Field::ALL.iter().position(|f| *f == field).and_then(|i| index.get(i).copied().flatten());
        text(rec, slot, field.name())
    };
    let ts = get(Field::Timestamp)?.ok_or("field `@timestamp`: missing")?;
    let timestamp = parse_any_time(ts, offset).ok_or("field `@timestamp`: unrecognised date-time")?;
    let action = match action {
        CsvAction::Constant(a) => *a,
        CsvAction::Column { column: _, values } => {
            let v = text(rec, action_index, "event.action")?.ok_or("field `event.action`: missing")?;
            values
                .iter()
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(v))
                .map(|(_, a)| *a)
                .or_else(|| v.parse().ok())
                // The user's action map and the built-in names of other
                // tools (a Kibana CSV export of Winlogbeat events).
                .or_else(|| action_map.resolve(v).flatten())
                .ok_or("field `event.action`: value not in the action mapping")?
        }
    };
    let id = match get(Field::EventId)? {
        Some(id) => id.to_owned(),
        None => {
            let parts: Vec<&[u8]> = rec.iter().collect();
            derived_id_parts("csv", &parts)
        }
    };
    let mut e = Event::new(timestamp, id, action);
    e.event.dataset = Some("csv".to_owned());
    e.event.code = get(Field::EventCode)?.map(str::to_owned);
    e.event.outcome = match get(Field::EventOutcome)? {
        None => None,
        Some(o) if o.eq_ignore_ascii_case("success") => Some(Outcome::Success),
        Some(o) if o.eq_ignore_ascii_case("failure") => Some(Outcome::Failure),
        Some(_) => return Err("field `event.outcome`: expected success or failure".to_owned()),
    };
    if let Some(name) = get(Field::UserName)? {
        let (name, domain) = crate::util::split_domain(name);
        let domain = get(Field::UserDomain)?.map(str::to_owned).or(domain);
        e.user = Some(User { name, domain });
    }
    e.host = get(Field::HostName)?.map(|n| Host { name: n.to_owned() });
    if let Some(ip) = get(Field::SourceIp)? {
        e.source = Some(Source { ip: parse_ip(ip).ok_or("field `source.ip`: not an IP address")? });
    }
    let file = File {
        path: get(Field::FilePath)?.map(str::to_owned),
        name: get(Field::FileName)?.map(str::to_owned),
        size: number(get(Field::FileSize)?, "file.size")?,
    };
    if file != File::default() {
        e.file = Some(File {
            name: file.name.clone().or_else(|| file.path.as_deref().and_then(crate::util::base_name)),
            ..file
        });
    }
    let device = Device {
        kind: get(Field::DeviceType)?.map(str::to_ascii_lowercase),
        id: get(Field::DeviceId)?.map(str::to_owned),
        name: get(Field::DeviceName)?.map(str::to_owned),
    };
    if device != Device::default() {
        e.device = Some(device);
    }
    let url = get(Field::UrlFull)?;
    e.url = url.map(|u| Url { full: u.to_owned() });
    let destination = Destination {
        domain: get(Field::DestinationDomain)?.map(str::to_ascii_lowercase).or_else(|| url.and_then(url_host)),
        ip: get(Field::DestinationIp)?
            .map(|s| parse_ip(s).ok_or("field `destination.ip`: not an IP address"))
            .transpose()?,
        port: number(get(Field::DestinationPort)?, "destination.port")?,
    };
    if destination != Destination::default() {
        e.destination = Some(destination);
    }
    let http = Http {
        request: HttpRequest {
            method: get(Field::HttpRequestMethod)?.map(str::to_ascii_uppercase),
            bytes: number(get(Field::HttpRequestBytes)?, "http.request.bytes")?,
        },
        response: HttpResponse {
            status_code: number(get(Field::HttpResponseStatusCode)?, "http.response.status_code")?,
            bytes: None,
        },
    };
    if http != Http::default() {
        e.http = Some(http);
    }
    let email = Email {
        from: get(Field::EmailFrom)?.map(str::to_owned),
        to: list(get(Field::EmailTo)?),
        cc: list(get(Field::EmailCc)?),
        bcc: list(get(Field::EmailBcc)?),
        size: number(get(Field::EmailSize)?, "email.size")?,
        attachments: attachments(get(Field::EmailAttachments)?),
    };
    if email != Email::default() {
        e.email = Some(email);
    }
    Ok(e)
}
