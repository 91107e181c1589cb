//! One activity-event schema for maruhi's insider-risk detection, and streaming
//! adapters that bring logs into it.
//!
//! [`Event`] uses Elastic Common Schema (ECS) field names and a closed
//! vocabulary for `event.action` ([`Action`]); `SCHEMA.md` beside this crate's
//! `Cargo.toml` documents every field and each adapter's mapping. [`read`]
//! turns a byte stream in one of the [`Format`]s into an iterator of events,
//! reporting each bad record ([`BadRecord`], with its line or record number)
//! while keeping the good ones: a malformed record ends only itself, and
//! reading resumes on its next line or array element. [`Events`] also lists
//! the fields outside the schema that were dropped
//! ([`Events::unknown_fields`]). JSON input may be ECS from other tools, whose
//! action names go through a built-in table and the user's [`ActionMap`]. Memory stays bounded whatever the input size:
//! records are read one at a time and none may exceed [`MAX_RECORD_BYTES`].
//!
//! The crate is pure: it does no I/O of its own beyond the reader it is given
//! and reads no clock; the UTC offset for sources that write local time is a
//! parameter ([`Options::default_offset`]).
//!
//! ```
//! use maruhi_events::{read, Action, Format, Options};
//!
//! let log = "1772410500.123    250 10.0.0.7 TCP_MISS/200 5120000 POST https://up.example.net/put taro HIER_DIRECT/203.0.113.9 application/octet-stream\n";
//! let options = Options::default(); // local times are +09:00
//! let mut events = read(Format::Squid, log.as_bytes(), &options);
//! let event = events.next().unwrap().unwrap();
//! assert_eq!(event.event.action, Action::FileUpload);
//! assert_eq!(event.user.as_ref().map(|u| u.name.as_str()), Some("taro"));
//! assert!(event.to_json_line().starts_with(r#"{"@timestamp":"2026-03-02T09:15:00.123+09:00""#));
//! ```

#![forbid(unsafe_code)]

mod action_map;
mod cert;
mod csv_map;
mod decode;
mod event;
#[cfg(feature = "evtx")]
mod evtx;
pub mod hr;
mod json_stream;
mod jsonl;
mod m365;
mod squid;
mod util;

use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use time::UtcOffset;

pub use action_map::{ActionMap, ActionMapError, ActionMapProblem};
pub use csv_map::{CsvAction, CsvMapping, Field, UnknownField};
pub use event::{
    Action, Attachment, Destination, Device, Email, Event, EventInfo, File, Host, Http, HttpRequest, HttpResponse,
    Outcome, Source, UnknownAction, Url, User, REMOVABLE,
};
pub use util::percent_decode;

/// The longest record (line, CSV record, JSON object) any adapter keeps, in
/// bytes. Longer ones are reported as bad and skipped, so that a corrupt or
/// hostile file cannot exhaust memory.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// An input format, as named on the command line (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// `jsonl`: JSON events: the canonical JSON Lines form, and ECS
    /// documents from other tools (Winlogbeat, Elastic Agent, Elasticsearch
    /// `_search` responses and `_source` exports), through
    /// [`Options::action_map`].
    Jsonl,
    /// `csv`: any CSV with a header, through [`Options::csv`].
    Csv,
    /// `cert`: one CSV file of the CMU CERT insider-threat test dataset
    /// (logon, device, file, email or http; releases r1 to r6.2).
    Cert,
    /// `evtx`: a Windows event log file (Security channel). Needs the crate
    /// feature `evtx`; without it the stream is one [`BadRecord`] saying so.
    Evtx,
    /// `m365`: Microsoft 365 unified audit log records (JSON array, JSON
    /// Lines, or the audit search's CSV export with an `AuditData` column).
    M365,
    /// `squid`: Squid's native access log format.
    Squid,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [Format::Jsonl, Format::Csv, Format::Cert, Format::Evtx, Format::M365, Format::Squid];

    /// Whether this build reads the format: EVTX needs the crate feature
    /// `evtx`; every other format is always there.
    pub fn is_built(self) -> bool {
        self != Format::Evtx || cfg!(feature = "evtx")
    }

    /// The name used on the command line and in `event.dataset`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Cert => "cert",
            Format::Evtx => "evtx",
            Format::M365 => "m365",
            Format::Squid => "squid",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format (expected one of jsonl, csv, cert, evtx, m365, squid)")]
pub struct UnknownFormat;

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL.into_iter().find(|f| f.name() == s).ok_or(UnknownFormat)
    }
}

/// How to read: parameters that the input does not carry itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The UTC offset of sources that write local time without one (CERT,
    /// offset-less CSV times). Events from sources in UTC or epoch time are
    /// shown in this offset too; the instant is unchanged.
    pub default_offset: UtcOffset,
    /// The column mapping for [`Format::Csv`].
    pub csv: CsvMapping,
    /// Squid: a `POST` or `PUT` whose logged size is at least this many
    /// bytes is a `file-upload`; smaller ones are `http-request`s.
    pub upload_threshold: u64,
    /// JSON (and CSV action columns): the user's meanings of other tools'
    /// `event.action` and `event.code` values, consulted before the
    /// built-in table (see `SCHEMA.md` and [`ActionMap::parse`]).
    pub action_map: ActionMap,
}

impl Options {
    /// Japan's offset, +09:00: the default for [`Options::default_offset`].
    pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
        Ok(o) => o,
        Err(_) => UtcOffset::UTC,
    };

    /// Options with the given offset for local times, and defaults otherwise.
    pub fn new(default_offset: UtcOffset) -> Self {
        Options { default_offset, ..Options::default() }
    }

    /// Sets the CSV column mapping.
    pub fn with_csv(mut self, csv: CsvMapping) -> Self {
        self.csv = csv;
        self
    }

    /// Sets the user's action map (see [`Options::action_map`]).
    pub fn with_action_map(mut self, map: ActionMap) -> Self {
        self.action_map = map;
        self
    }

    /// Sets the squid upload threshold in bytes.
    pub fn with_upload_threshold(mut self, bytes: u64) -> Self {
        self.upload_threshold = bytes;
        self
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_offset: Options::JST,
            csv: CsvMapping::default(),
            upload_threshold: 1 << 20,
            action_map: ActionMap::default(),
        }
    }
}

/// A record that could not be read. The message names at most a field, never
/// the record's content, because records hold personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct BadRecord {
    /// The 1-based line number where the record starts; for EVTX, the
    /// record's `EventRecordID` (or the first one of a damaged chunk).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl BadRecord {
    pub(crate) fn new(line: u64, message: impl Into<String>) -> Self {
        BadRecord { line, message: message.into() }
    }
}

/// What one step of an adapter produced.
// Boxing the event would cost an allocation per event for nothing: a step is
// moved once, straight into the iterator's item, which is as large anyway.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Step {
    /// An event and the line (EVTX: record id) its record starts on.
    Event(u64, Event),
    Bad(BadRecord),
    /// A well-formed record that has no counterpart in the vocabulary (an
    /// EVTX event id we do not map, an email read rather than sent).
    Skip,
    /// Something read that is not a record (a CSV header); not counted.
    Meta,
}

/// Names seen while reading, with how often: bounded to [`NameCounts::KEPT`]
/// distinct names of at most [`NameCounts::MAX_NAME_BYTES`]; the rest are
/// only counted together ([`NameCounts::others`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameCounts {
    counts: BTreeMap<String, u64>,
    others: u64,
}

impl NameCounts {
    /// How many distinct names are kept.
    pub const KEPT: usize = 100;
    /// Longer names are only counted among the others.
    pub const MAX_NAME_BYTES: usize = 128;

    pub(crate) fn add(&mut self, name: &str) {
        if let Some(n) = self.counts.get_mut(name) {
            *n += 1;
        } else if self.counts.len() < Self::KEPT
            && name.len() <= Self::MAX_NAME_BYTES
            && !name.chars().any(char::is_control)
        {
            self.counts.insert(name.to_owned(), 1);
        } else {
            self.others += 1;
        }
    }

    /// The kept names and their counts, in byte order of the names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.counts.iter().map(|(k, n)| (k.as_str(), *n))
    }

    /// Occurrences of names that were not kept (beyond [`NameCounts::KEPT`]
    /// distinct names, or too long).
    pub fn others(&self) -> u64 {
        self.others
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.others == 0
    }
}

/// The events of one input, in input order; see [`read`].
pub struct Events<R> {
    inner: Inner<decode::Decoded<R>>,
    skipped: u64,
    line: u64,
}

enum Inner<R> {
    Jsonl(jsonl::Reader<R>),
    Csv(Box<csv_map::Reader<R>>),
    Cert(Box<cert::Reader<R>>),
    #[cfg(feature = "evtx")]
    Evtx(Box<evtx::Reader<R>>),
    /// One message, then the end (a format this build cannot read).
    #[cfg(not(feature = "evtx"))]
    Unsupported(Option<BadRecord>),
    M365(Box<m365::Reader<R>>),
    Squid(squid::Reader<R>),
}

impl<R> Events<R> {
    /// How many well-formed records were passed over so far because they
    /// describe nothing in the `event.action` vocabulary (blank lines,
    /// unmapped EVTX event ids or M365 operations, CERT emails that were
    /// viewed rather than sent).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Where the record of the event yielded last starts: its 1-based line,
    /// or for EVTX its `EventRecordID`, as in [`BadRecord::line`]; 0 before
    /// the first event. Lets a caller that refuses an event for reasons of
    /// its own report it by position, like the adapters do.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Names of the fields that were read but are not in the schema, so
    /// their values were dropped, with the number of events that had them:
    /// JSON fields (dotted ECS paths) and unmapped CSV columns with a value.
    /// Formats with a fixed mapping (CERT, EVTX, M365, squid) read only the
    /// documented fields and list nothing here.
    pub fn unknown_fields(&self) -> &NameCounts {
        match &self.inner {
            Inner::Jsonl(r) => &r.unknown,
            Inner::Csv(r) => r.unknown(),
            _ => &NO_NAMES,
        }
    }

    /// JSON: the `event.action` values (or, without one, `event.code`)
    /// of records skipped because neither the vocabulary, the user's
    /// [`ActionMap`] nor the built-in table knows them, with counts: what an
    /// action map could add.
    pub fn unmapped_actions(&self) -> &NameCounts {
        match &self.inner {
            Inner::Jsonl(r) => &r.unmapped,
            _ => &NO_NAMES,
        }
    }
}

static NO_NAMES: NameCounts = NameCounts { counts: BTreeMap::new(), others: 0 };

impl<R: BufRead> Iterator for Events<R> {
    type Item = Result<Event, BadRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let step = match &mut self.inner {
                Inner::Jsonl(r) => r.step(),
                Inner::Csv(r) => r.step(),
                Inner::Cert(r) => r.step(),
                #[cfg(feature = "evtx")]
                Inner::Evtx(r) => r.step(),
                #[cfg(not(feature = "evtx"))]
                Inner::Unsupported(message) => message.take().map(Step::Bad),
                Inner::M365(r) => r.step(),
                Inner::Squid(r) => r.step(),
            }?;
            match step {
                Step::Event(line, e) => {
                    self.line = line;
                    return Some(Ok(e));
                }
                Step::Bad(b) => return Some(Err(b)),
                Step::Skip => self.skipped += 1,
                Step::Meta => {}
            }
        }
    }
}

/// Reads `reader` as `format`, one record at a time.
///
/// Every item is an event or the reason one record was rejected; a bad record
/// never stops the stream, except that a read error ends it (after being
/// reported). For EVTX the reader is consumed sequentially, chunk by chunk, so
/// a pipe works as well as a file. Text formats may be UTF-8 (with or without
/// a byte order mark) or UTF-16 (as Windows PowerShell writes it).
pub fn read<R: BufRead>(format: Format, reader: R, options: &Options) -> Events<R> {
    // EVTX is binary; `Decoded` passes it through untouched when it has no
    // byte order mark, which an EVTX file (`ElfFile\0`) never has.
    let reader = decode::Decoded::new(reader);
    let inner = match format {
        Format::Jsonl => Inner::Jsonl(jsonl::Reader::new(reader, options)),
        Format::Csv => Inner::Csv(Box::new(csv_map::Reader::new(reader, options))),
        Format::Cert => Inner::Cert(Box::new(cert::Reader::new(reader, options))),
        #[cfg(feature = "evtx")]
        Format::Evtx => Inner::Evtx(Box::new(evtx::Reader::new(reader, options))),
        #[cfg(not(feature = "evtx"))]
        Format::Evtx => {
            drop(reader);
            Inner::Unsupported(Some(BadRecord::new(0, "EVTX support is not built in (crate feature `evtx`)")))
        }
        Format::M365 => Inner::M365(Box::new(m365::Reader::new(reader, options))),
        Format::Squid => Inner::Squid(squid::Reader::new(reader, options)),
    };
    Events { inner, skipped: 0, line: 0 }
}
