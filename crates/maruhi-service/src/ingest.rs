//! Activity events for insider-risk detection: imports of logs in any format
//! `maruhi-events` reads, streamed into the store, and reads for detection.
//!
//! An import runs in two halves joined by a small bounded channel: a blocking
//! thread reads and parses the input (hashing every byte for the audit
//! record) and hands over batches of 16,384 events; the async half
//! writes each batch in its own transaction with `INSERT … ON CONFLICT DO
//! NOTHING`, so memory stays bounded whatever the input size, other writers
//! get their turn between batches, and importing the same data again stores
//! nothing twice (the ids are stable). Bad records are reported by line and
//! never stop the import. The whole import is one audit event (source,
//! format, counts, the input's SHA-256), not one per activity event.

use std::io::{BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use maruhi_events::{
    ActionMap, CsvAction, CsvMapping, Event as ActivityEvent, Field, Format, Options as EventOptions,
};
use maruhi_store::events::{Cursor, EventQuery, ImportCounts, NewEvent, NewImport};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::Msg;
use crate::identity::Identities;
use crate::{policy, Actor, Error, Result, Service, StoreError};

/// How many rejected lines a report lists; the rest are only counted.
pub const REJECTED_KEPT: usize = 1000;
/// A batch is written, in one transaction, when it holds this many events…
/// Fewer, larger transactions write each index page they dirty once rather
/// than again and again (measured on SQLite: 4,096 → 16,384 took imports
/// from 20,000 to 26,000 events/s); one still holds the write lock for well
/// under a second.
const BATCH_EVENTS: usize = 16_384;
/// …or this many bytes of canonical JSON, whichever comes first (records may
/// be up to 1 MiB each, so a count alone would not bound memory).
const BATCH_BYTES: usize = 8 << 20;
/// Batches parsed ahead of the writer. Parsing and writing overlap (two
/// cores), and at most this many batches wait in memory.
const BATCHES_AHEAD: usize = 2;
/// Longer ids are stored as a digest (PostgreSQL's B-tree entries are
/// limited to about 2.7 kB, and an id is not a document).
const MAX_ID_BYTES: usize = 128;
/// Longer user names are refused: no directory has them, and they are
/// indexed.
const MAX_USER_BYTES: usize = 256;

/// A record that was not imported, by position. The message names at most a
/// field, never the record's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedLine {
    /// 1-based line where the record starts (EVTX: its `EventRecordID`).
    pub line: u64,
    pub message: String,
}

impl From<maruhi_events::BadRecord> for RejectedLine {
    fn from(b: maruhi_events::BadRecord) -> Self {
        RejectedLine { line: b.line, message: b.message }
    }
}

/// A field outside the event schema that an import read and dropped, with
/// the number of events that had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownField {
    pub name: String,
    pub count: u64,
}

/// The outcome of one import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The import's record, or `None` when no event could be read (then
    /// nothing was stored or recorded).
    pub import_id: Option<i64>,
    pub source: String,
    pub format: &'static str,
    /// Events stored by this import.
    pub accepted: u64,
    /// Events that were stored already (by an earlier import, or earlier in
    /// this one).
    pub duplicates: u64,
    /// Well-formed records outside the `event.action` vocabulary (unmapped
    /// EVTX ids or M365 operations, blank lines).
    pub skipped: u64,
    /// The first [`REJECTED_KEPT`] rejected records.
    pub rejected: Vec<RejectedLine>,
    pub rejected_total: u64,
    /// Bytes read, and their SHA-256 (hex).
    pub bytes: u64,
    pub sha256: String,
    /// Fields outside the schema whose values were dropped (JSON fields,
    /// unmapped CSV columns; at most 100 names, see
    /// `maruhi_events::Events::unknown_fields`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_fields: Vec<UnknownField>,
    /// Occurrences of further unknown fields, beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub unknown_fields_others: u64,
    /// Other tools' `event.action` (or `event.code`) values that no action
    /// table knows, so their events were skipped (see `--action-map`; at
    /// most 100 names, `maruhi_events::Events::unmapped_actions`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmapped_actions: Vec<UnknownField>,
    /// Occurrences of further unmapped actions, beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub unmapped_actions_others: u64,
    /// Events whose user name was an alias (a mail address, a UPN, a
    /// down-level logon name, a hand-made alias) and were stored under the
    /// canonical user name (see `crate::identity`).
    pub resolved_users: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ImportReport {
    /// No event could be read from the input: the import changed nothing.
    pub fn stored_nothing(&self) -> bool {
        self.import_id.is_none()
    }
}

/// Where a running import is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Bytes of input read so far.
    pub bytes: u64,
    /// Records handled so far (events, rejected and skipped records).
    pub records: u64,
}

/// A stored activity event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub import_id: i64,
    pub event: ActivityEvent,
}

/// A page of one user's events in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    pub events: Vec<StoredEvent>,
    /// Where the next page starts; `None` after the last page.
    pub next: Option<Cursor>,
}

pub use maruhi_store::events::Cursor as EventCursor;

/// One event ready to store.
struct Row {
    id: String,
    ts_ms: i64,
    user: Option<String>,
    action: &'static str,
    body: String,
    /// Where its record starts (line, or EVTX record id).
    line: u64,
}

/// What the parsing thread hands over.
struct Batch {
    rows: Vec<Row>,
    /// Rejected records since the last batch, while fewer than
    /// [`REJECTED_KEPT`] were handed over.
    rejected: Vec<RejectedLine>,
    rejected_count: u64,
    records: u64,
    bytes: u64,
    /// Events whose user name was an alias, stored under the canonical name.
    resolved: u64,
}

/// How parsing ended.
struct ParseEnd {
    skipped: u64,
    unknown: maruhi_events::NameCounts,
    unmapped: maruhi_events::NameCounts,
    bytes: u64,
    sha256: String,
}

/// Counts and hashes every byte read through it.
struct Tap<R> {
    inner: R,
    hasher: Sha256,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Service {
    /// Imports the activity log read from `reader` in `format` under the
    /// name `source` (where it came from: `proxy-tokyo`, `m365-2026-03`).
    ///
    /// Bad records are reported (the first [`REJECTED_KEPT`] by line) while
    /// the good ones are stored; events stored before are counted as
    /// duplicates. `progress` is called after every batch. When no event
    /// can be read at all, nothing is stored or recorded and the report has
    /// no `import_id`. If writing fails midway, the batches written stay and
    /// the import is recorded as incomplete (`"complete": false`) before the
    /// error is returned. Admin and analysts with write scope.
    pub async fn import_events<R>(
        &self,
        actor: &Actor,
        source: &str,
        format: Format,
        reader: R,
        options: &EventOptions,
        mut progress: impl FnMut(ImportProgress) + Send,
    ) -> Result<ImportReport>
    where
        R: Read + Send + 'static,
    {
        if !policy::may_import_events(actor) {
            return Err(Error::Forbidden);
        }
        let source = source_name(source)?;
        if !format.is_built() {
            return Err(Error::invalid("format", Msg::EvtxNotBuilt));
        }
        let identities = {
            let mut conn = self.db.read().await?;
            Arc::new(self.identities_from(&mut conn).await?)
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(BATCHES_AHEAD);
        let options = options.clone();
        let parser = tokio::task::spawn_blocking(move || parse(format, reader, &options, &identities, &tx));

        let started_at = self.now_text();
        let mut report = ImportReport {
            import_id: None,
            source,
            format: format.name(),
            accepted: 0,
            duplicates: 0,
            skipped: 0,
            rejected: Vec::new(),
            rejected_total: 0,
            bytes: 0,
            sha256: String::new(),
            unknown_fields: Vec::new(),
            unknown_fields_others: 0,
            unmapped_actions: Vec::new(),
            unmapped_actions_others: 0,
            resolved_users: 0,
        };
        let mut records = 0u64;
        let written: Result<()> = async {
            while let Some(batch) = rx.recv().await {
                if !batch.rows.is_empty() {
                    let mut wtx = self.db.begin().await?;
                    let id = match report.import_id {
                        Some(id) => id,
                        None => {
                            let new = NewImport {
                                source: &report.source,
                                format: format.name(),
                                actor_id: actor.user_id,
                                actor_name: &actor.username,
                                started_at: &started_at,
                            };
                            maruhi_store::events::create_import(wtx.conn(), &new).await?
                        }
                    };
                    let new: Vec<NewEvent<'_>> = batch
                        .rows
                        .iter()
                        .map(|r| NewEvent {
                            id: &r.id,
                            ts_ms: r.ts_ms,
                            user_name: r.user.as_deref(),
                            action: r.action,
                            body: &r.body,
                            source_line: to_i64(r.line),
                        })
                        .collect();
                    let inserted = maruhi_store::events::insert_batch(wtx.conn(), id, &new).await?;
                    wtx.commit().await?;
                    report.import_id = Some(id);
                    report.accepted += inserted;
                    report.duplicates += batch.rows.len() as u64 - inserted;
                }
                report.rejected_total += batch.rejected_count;
                report.resolved_users += batch.resolved;
                report.rejected.extend(batch.rejected);
                records += batch.records;
                progress(ImportProgress { bytes: batch.bytes, records });
            }
            Ok(())
        }
        .await;
        if let Err(e) = written {
            // Batches committed so far stay (they are idempotent); the import
            // is still recorded, as interrupted, so that no stored event is
            // unaccounted for in the audit trail.
            drop(rx);
            if report.import_id.is_some() {
                if let Err(again) = self.finish_import(actor, &report, false).await {
                    tracing::warn!(error = %again, "could not record an interrupted import");
                }
            }
            return Err(e);
        }
        let end = parser.await.map_err(Error::task)?;
        report.rejected.truncate(REJECTED_KEPT);
        report.skipped = end.skipped;
        report.unknown_fields =
            end.unknown.iter().map(|(name, count)| UnknownField { name: name.to_owned(), count }).collect();
        report.unknown_fields_others = end.unknown.others();
        report.unmapped_actions =
            end.unmapped.iter().map(|(name, count)| UnknownField { name: name.to_owned(), count }).collect();
        report.unmapped_actions_others = end.unmapped.others();
        report.bytes = end.bytes;
        report.sha256 = end.sha256;
        if report.import_id.is_some() {
            self.finish_import(actor, &report, true).await?;
        }
        if report.accepted > 0 {
            self.risk_inputs_changed(actor);
        }
        Ok(report)
    }

    /// Keeps the file of a finished import in the vault (`events import
    /// --keep-original`), so that an event cited in a case can be shown as
    /// its original record. The file must be the one imported: its SHA-256
    /// must equal the import's, which its ledger entry records. Admin and
    /// analysts with write scope.
    pub async fn keep_import_original<R>(&self, actor: &Actor, import_id: i64, name: &str, reader: R) -> Result<i64>
    where
        R: tokio::io::AsyncRead + Unpin,
    {
        if !policy::may_import_events(actor) {
            return Err(Error::Forbidden);
        }
        let import = {
            let mut conn = self.db.read().await?;
            maruhi_store::events::get_import(&mut conn, import_id).await?.ok_or(Error::NotFound)?
        };
        if import.original_id.is_some() {
            return Err(Error::Conflict(Msg::OriginalAlreadyKept));
        }
        let expected = import.sha256.clone().ok_or(Error::Conflict(Msg::ImportUnfinished))?;
        self.ensure_master_key().await?;
        let vault = self.vault()?;
        let object = vault.put(reader).await?;
        let result = async {
            if object.sha256 != expected {
                return Err(Error::Conflict(Msg::OriginalDiffers));
            }
            let at = self.now_text();
            let mut tx = self.db.begin().await?;
            let name = name.replace(['/', '\\'], "_");
            let file = self.insert_file(&mut tx, actor, &name, &object, &at).await?;
            maruhi_store::events::set_import_original(tx.conn(), import_id, file).await?;
            let event = Event::new(actor, AuditAction::EventsKeepOriginal, "event_import", import_id)
                .summary(json!({"file": file, "name": name, "sha256": object.sha256, "size": object.size}));
            audit::record(&mut tx, &at, event).await?;
            tx.commit().await?;
            Ok(file)
        }
        .await;
        if result.is_err() {
            let _ = vault.store().delete(&object.object_key).await;
        }
        result
    }

    /// Records how an import ended: its counts, and its audit event.
    async fn finish_import(&self, actor: &Actor, report: &ImportReport, complete: bool) -> Result<()> {
        let Some(id) = report.import_id else { return Ok(()) };
        let counts = ImportCounts {
            accepted: to_i64(report.accepted),
            duplicates: to_i64(report.duplicates),
            rejected: to_i64(report.rejected_total),
            skipped: to_i64(report.skipped),
            bytes: to_i64(report.bytes),
        };
        let at = self.now_text();
        let mut wtx = self.db.begin().await?;
        maruhi_store::events::finish_import(wtx.conn(), id, &counts, &report.sha256, &at).await?;
        let summary = json!({
            "source": report.source, "format": report.format, "accepted": report.accepted,
            "duplicates": report.duplicates, "rejected": report.rejected_total, "skipped": report.skipped,
            "bytes": report.bytes, "sha256": report.sha256, "complete": complete,
            "resolved_users": report.resolved_users,
        });
        audit::record(&mut wtx, &at, Event::new(actor, AuditAction::EventsImport, "event_import", id).summary(summary))
            .await?;
        wtx.commit().await?;
        Ok(())
    }

    /// One page of a user's events with `from <= @timestamp < to`, in time
    /// order (ties by id), starting after `after`. The detection engine walks
    /// months of a user's activity this way with bounded memory.
    pub async fn user_events(
        &self,
        actor: &Actor,
        user: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<EventPage> {
        if !policy::may_read_events(actor.role) {
            return Err(Error::Forbidden);
        }
        let limit = limit.clamp(1, 10_000);
        let q =
            EventQuery { user_name: Some(user), from_ms: millis(from), to_ms: millis(to), after, limit: limit as i64 };
        let mut conn = self.db.read().await?;
        let rows = maruhi_store::events::page(&mut conn, &q).await?;
        let next = if rows.len() == limit { rows.last().map(|r| r.cursor()) } else { None };
        let events = rows
            .into_iter()
            .map(|r| {
                let event = serde_json::from_str(&r.body)
                    .map_err(|_| Error::Store(StoreError::Corrupt { what: format!("stored event {}", r.id) }))?;
                Ok(StoredEvent { import_id: r.import_id, event })
            })
            .collect::<Result<_>>()?;
        Ok(EventPage { events, next })
    }

    /// The users with events at or after `since`, for a detection run.
    pub async fn active_users(&self, actor: &Actor, since: OffsetDateTime) -> Result<Vec<String>> {
        if !policy::may_read_events(actor.role) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::events::users_since(&mut conn, millis(since)).await?)
    }

    /// How many activity events are stored.
    pub async fn event_count(&self, actor: &Actor) -> Result<i64> {
        if !policy::may_read_events(actor.role) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::events::count(&mut conn).await?)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Milliseconds since the Unix epoch, rounded down.
fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(if t.year() < 1970 {
        i64::MIN
    } else {
        i64::MAX
    })
}

fn source_name(s: &str) -> Result<String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 200 || s.chars().any(char::is_control) {
        return Err(Error::invalid("source", Msg::BadSourceName));
    }
    Ok(s.to_owned())
}

/// An id short enough to index: long ones become `sha256:` and their digest,
/// which is as stable across imports as the id itself.
fn storable_id(id: String) -> String {
    if id.len() <= MAX_ID_BYTES {
        id
    } else {
        format!("sha256:{}", hex_lower(&Sha256::digest(id.as_bytes())))
    }
}

/// Reads and parses the whole input on a blocking thread, handing batches to
/// `tx`. Stops early if the receiver is gone (the writer failed).
fn parse<R: Read>(
    format: Format,
    reader: R,
    options: &EventOptions,
    identities: &Identities,
    tx: &tokio::sync::mpsc::Sender<Batch>,
) -> ParseEnd {
    let bytes = Arc::new(AtomicU64::new(0));
    let tap = Tap { inner: reader, hasher: Sha256::new(), bytes: Arc::clone(&bytes) };
    let mut buffered = BufReader::with_capacity(1 << 16, tap);
    let mut kept = 0usize;
    let mut batch = new_batch();
    let mut batch_bytes = 0usize;
    let mut events = maruhi_events::read(format, &mut buffered, options);
    let mut stopped = false;
    while let Some(item) = events.next() {
        batch.records += 1;
        let bad = match item {
            Ok(mut event) => {
                event.event.id = storable_id(std::mem::take(&mut event.event.id));
                if let Some(user) = event.user.as_mut() {
                    if let Some(canonical) = identities.resolve(&user.name) {
                        user.name = canonical;
                        batch.resolved += 1;
                    }
                }
                let body = event.to_json_line();
                if event.user.as_ref().is_some_and(|u| u.name.len() > MAX_USER_BYTES) {
                    Some(RejectedLine {
                        line: events.line(),
                        message: format!("field `user.name`: longer than {MAX_USER_BYTES} bytes"),
                    })
                } else if body.is_empty() {
                    // `to_json_line` is empty only if the event cannot be
                    // written in the canonical form (a date beyond RFC 3339).
                    Some(RejectedLine { line: events.line(), message: "`@timestamp` cannot be stored".to_owned() })
                } else {
                    batch_bytes += body.len();
                    batch.rows.push(Row {
                        ts_ms: millis(event.timestamp),
                        action: event.event.action.as_str(),
                        user: event.user.map(|u| u.name),
                        id: event.event.id,
                        body,
                        line: events.line(),
                    });
                    None
                }
            }
            Err(bad) => Some(bad.into()),
        };
        if let Some(bad) = bad {
            batch.rejected_count += 1;
            if kept < REJECTED_KEPT {
                kept += 1;
                batch.rejected.push(bad);
            }
        }
        if batch.rows.len() >= BATCH_EVENTS || batch_bytes >= BATCH_BYTES || batch.records >= BATCH_EVENTS as u64 {
            batch.bytes = bytes.load(Ordering::Relaxed);
            if tx.blocking_send(std::mem::replace(&mut batch, new_batch())).is_err() {
                stopped = true;
                break;
            }
            batch_bytes = 0;
        }
    }
    let skipped = events.skipped();
    let unknown = events.unknown_fields().clone();
    let unmapped = events.unmapped_actions().clone();
    drop(events);
    // The digest covers the whole input even where a format's reader stops
    // early (a damaged CSV, an EVTX read error).
    if !stopped {
        let _ = std::io::copy(&mut buffered, &mut std::io::sink());
    }
    batch.bytes = bytes.load(Ordering::Relaxed);
    let _ = tx.blocking_send(batch);
    let tap = buffered.into_inner();
    ParseEnd {
        skipped,
        unknown,
        unmapped,
        bytes: bytes.load(Ordering::Relaxed),
        sha256: hex_lower(&tap.hasher.finalize()),
    }
}

fn new_batch() -> Batch {
    Batch { rows: Vec::new(), rejected: Vec::new(), rejected_count: 0, records: 0, bytes: 0, resolved: 0 }
}

/// Parses `±HH:MM` (or `Z`, `UTC`): the offset of sources that write local
/// time without one.
pub fn parse_offset(s: &str) -> Result<UtcOffset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s.eq_ignore_ascii_case("utc") {
        return Ok(UtcOffset::UTC);
    }
    let fmt = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    UtcOffset::parse(s, &fmt).map_err(|_| Error::invalid("offset", Msg::BadOffset))
}

/// Reads a table of other tools' action names (`value=action` lines, `#`
/// comments; see `maruhi_events::ActionMap::parse`) for
/// `EventOptions::with_action_map`. The first bad line refuses the table
/// (`ActionMap::parse` itself names its line).
pub fn parse_action_map(text: &str) -> Result<ActionMap> {
    ActionMap::parse(text).map_err(|_| Error::invalid("action_map", Msg::ActionMapSyntax))
}

/// Parses a format name as on the command line.
pub fn parse_format(s: &str) -> Result<Format> {
    s.trim().parse().map_err(|_| Error::invalid("format", Msg::UnknownFormat))
}

/// How the columns of a CSV fill the event schema, as given on the command
/// line or in the API's query string. Everything empty means the default:
/// columns named after the schema's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvMapSpec {
    /// `FIELD=COLUMN` entries, e.g. `@timestamp=time`, `user.name=account`;
    /// `event.action=COLUMN` names the column that holds the action.
    pub columns: Vec<String>,
    /// A constant action for every record, instead of an action column.
    pub action: Option<String>,
    /// `VALUE=ACTION` entries: what the action column's values mean
    /// (`Copy=file-copy`); canonical action names always work.
    pub action_values: Vec<String>,
    /// One ASCII character, or `tab`.
    pub delimiter: Option<String>,
}

impl CsvMapSpec {
    /// Builds the mapping; `None` when the spec is empty (use the default).
    pub fn mapping(&self) -> Result<Option<CsvMapping>> {
        let pairs = |entries: &[String]| -> Result<Vec<(String, String)>> {
            entries
                .iter()
                .flat_map(|e| e.split(','))
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| match e.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                        Ok((k.trim().to_owned(), v.trim().to_owned()))
                    }
                    _ => Err(Error::invalid("csv_map", Msg::CsvMapSyntax)),
                })
                .collect()
        };
        let columns = pairs(&self.columns)?;
        let values = pairs(&self.action_values)?;
        let delimiter = match self.delimiter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("tab" | "\\t" | "\t") => Some(b'\t'),
            Some(d) if d.len() == 1 && d.is_ascii() => d.bytes().next(),
            Some(_) => return Err(Error::invalid("csv_delimiter", Msg::BadDelimiter)),
        };
        let constant = self.action.as_deref().map(str::trim).filter(|a| !a.is_empty());
        if columns.is_empty() && values.is_empty() && constant.is_none() {
            return Ok(delimiter.map(|d| CsvMapping::default().delimiter(d)));
        }
        let action_column = columns.iter().find(|(f, _)| f == "event.action").map(|(_, c)| c.clone());
        let action = match (action_column, constant) {
            (Some(_), Some(_)) | (None, None) => return Err(Error::invalid("csv_map", Msg::CsvMapAction)),
            (None, Some(a)) => {
                CsvAction::Constant(a.parse().map_err(|_| Error::invalid("csv_action", Msg::UnknownAction))?)
            }
            (Some(column), None) => CsvAction::Column {
                column,
                values: values
                    .into_iter()
                    .map(|(v, a)| {
                        Ok((v, a.parse().map_err(|_| Error::invalid("csv_action_values", Msg::UnknownAction))?))
                    })
                    .collect::<Result<_>>()?,
            },
        };
        let mut mapping = CsvMapping::new(action);
        for (field, column) in columns.into_iter().filter(|(f, _)| f != "event.action") {
            let field: Field = field.parse().map_err(|_| Error::invalid("csv_map", Msg::CsvMapField))?;
            mapping = mapping.column(field, column);
        }
        if !mapping.columns().iter().any(|(f, _)| *f == Field::Timestamp) {
            return Err(Error::invalid("csv_map", Msg::CsvMapAction));
        }
        if let Some(d) = delimiter {
            mapping = mapping.delimiter(d);
        }
        Ok(Some(mapping))
    }
}
