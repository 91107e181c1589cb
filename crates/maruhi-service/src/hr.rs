//! HR dates and watchlists: who is leaving, who is a contractor, who holds
//! privileged accounts. Detection scores these users higher and looks back
//! over a departing employee's activity (DESIGN §5).
//!
//! HR data comes as a CSV with the header `user,notice_date,last_working_day,end_date`
//! (dates `YYYY-MM-DD`; the last two may be empty while unknown). Each bad
//! line is reported by number while the good ones are kept; importing again
//! updates the dates. Every HR record puts its user on the `departing`
//! watchlist, where they count from the notice date to the end date, as of
//! whichever date the list is read for. Contractors, privileged accounts (and
//! departures HR does not know yet) are added by hand.
//!
//! All of this is personal data: user names appear in audit entries only in
//! the summary, which the ledger holds as a salted commitment (erasable),
//! never as the entry's object.

use std::io::Read;

use maruhi_store::hr::{HrDates, HrRow, NewMember, WatchRow};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::{Lang, Msg};
use crate::ingest::REJECTED_KEPT;
use crate::{policy, Actor, Error, Result, Service};

pub use maruhi_events::hr::HR_HEADER;

/// The largest HR file read (a company of 100,000 people needs about 5 MiB).
pub const MAX_HR_BYTES: u64 = 16 << 20;

/// A watchlist (departing, contractors, privileged): the same lists the
/// detection engine boosts and rules read (`maruhi.user.watchlist`).
pub use maruhi_risk::Watchlist;

/// One employee's HR dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HrRecord {
    pub user: String,
    pub notice_date: String,
    pub last_working_day: Option<String>,
    pub end_date: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

impl From<HrRow> for HrRecord {
    fn from(r: HrRow) -> Self {
        HrRecord {
            user: r.user_name,
            notice_date: r.notice_date,
            last_working_day: r.last_working_day,
            end_date: r.end_date,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        }
    }
}

/// A line of an HR file that was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HrRejected {
    /// 1-based line number.
    pub line: u64,
    /// The column at fault (`user`, `notice_date`, …), or `line`.
    pub field: &'static str,
    #[serde(skip)]
    pub msg: Msg,
}

impl HrRejected {
    pub fn message(&self, lang: Lang) -> &'static str {
        self.msg.text(lang)
    }
}

/// The outcome of an HR import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HrReport {
    /// Users whose dates were new.
    pub inserted: u64,
    /// Users whose dates changed.
    pub updated: u64,
    /// Users whose dates were already as in the file.
    pub unchanged: u64,
    /// Users put on the `departing` watchlist by this import.
    pub departing_added: u64,
    /// The first rejected lines, in file order.
    pub rejected: Vec<HrRejected>,
    pub rejected_total: u64,
    /// SHA-256 of the file (hex).
    pub sha256: String,
}

impl HrReport {
    /// No line could be read: nothing changed.
    pub fn stored_nothing(&self) -> bool {
        self.inserted + self.updated + self.unchanged == 0 && self.rejected_total > 0
    }

    /// The report as the CLI's `--json` and the API show it, with the
    /// messages in `lang`.
    pub fn view(&self, lang: Lang) -> HrReportView {
        HrReportView {
            inserted: self.inserted,
            updated: self.updated,
            unchanged: self.unchanged,
            departing_added: self.departing_added,
            rejected: self
                .rejected
                .iter()
                .map(|r| HrRejectedView { line: r.line, field: r.field, message: r.message(lang) })
                .collect(),
            rejected_total: self.rejected_total,
            sha256: self.sha256.clone(),
        }
    }
}

/// [`HrReport`] with its messages in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HrReportView {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub departing_added: u64,
    pub rejected: Vec<HrRejectedView>,
    pub rejected_total: u64,
    pub sha256: String,
}

/// A rejected line of an HR file, with its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HrRejectedView {
    pub line: u64,
    pub field: &'static str,
    pub message: &'static str,
}

/// A user on a watchlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchMember {
    pub list: Watchlist,
    pub user: String,
    pub note: String,
    /// `manual`, or `hr` for a departure taken from HR data.
    pub source: String,
    pub added_by: String,
    pub added_at: String,
    /// The user's HR notice and end dates, if HR data has them.
    pub notice_date: Option<String>,
    pub end_date: Option<String>,
}

fn member(r: WatchRow) -> WatchMember {
    WatchMember {
        list: Watchlist::from_name(&r.list).unwrap_or(Watchlist::Departing),
        user: r.user_name,
        note: r.note,
        source: r.source,
        added_by: r.added_by,
        added_at: r.added_at,
        notice_date: r.notice_date,
        end_date: r.end_date,
    }
}

use maruhi_events::hr::{HrLine, HrProblem};

/// The store's view of a line's dates.
fn dates(l: &HrLine) -> HrDates<'_> {
    HrDates {
        notice_date: &l.notice_date,
        last_working_day: l.last_working_day.as_deref(),
        end_date: l.end_date.as_deref(),
    }
}

/// A user name as HR data and logs write it (see [`maruhi_events::hr::person_name`]).
pub(crate) fn person_name(s: &str) -> Option<String> {
    maruhi_events::hr::person_name(s)
}

/// The message for a problem the HR parser found.
fn problem_msg(p: HrProblem) -> Msg {
    match p {
        HrProblem::MalformedCsv => Msg::MalformedCsv,
        HrProblem::FieldCount => Msg::HrFieldCount,
        HrProblem::NotUtf8 => Msg::NotUtf8,
        HrProblem::BadPersonName => Msg::BadPersonName,
        HrProblem::Required => Msg::Required,
        HrProblem::BadDate => Msg::BadDate,
        HrProblem::DateOrder => Msg::HrDateOrder,
        HrProblem::DuplicateUser => Msg::HrDuplicateUser,
    }
}

/// Reads an HR file: the good lines, and the rejected ones with their total.
/// A wrong header refuses the whole file.
fn parse_hr(data: &[u8]) -> Result<(Vec<HrLine>, Vec<HrRejected>, u64)> {
    let file = maruhi_events::hr::parse(data, REJECTED_KEPT).map_err(|_| Error::invalid("header", Msg::HrHeader))?;
    let rejected = file
        .rejected
        .iter()
        .map(|r| HrRejected { line: r.line, field: r.field, msg: problem_msg(r.problem) })
        .collect();
    Ok((file.lines, rejected, file.rejected_total))
}

impl Service {
    /// Imports HR dates from a CSV (see [`HR_HEADER`]); see the module
    /// documentation. Good lines are kept and bad ones reported; a wrong
    /// header or a file over [`MAX_HR_BYTES`] refuses the whole file. One
    /// audit event records what changed. Admin and legal/IP with write scope.
    pub async fn import_hr<R: Read + Send + 'static>(&self, actor: &Actor, reader: R) -> Result<HrReport> {
        if !policy::may_manage_hr(actor) {
            return Err(Error::Forbidden);
        }
        let (lines, rejected, rejected_total, sha256) = tokio::task::spawn_blocking(move || {
            let mut data = Vec::new();
            reader
                .take(MAX_HR_BYTES + 1)
                .read_to_end(&mut data)
                .map_err(|_| Error::invalid("file", Msg::MalformedCsv))?;
            if data.len() as u64 > MAX_HR_BYTES {
                return Err(Error::invalid("file", Msg::TooLong));
            }
            let (lines, rejected, total) = parse_hr(&data)?;
            Ok((lines, rejected, total, hex_lower(&Sha256::digest(&data))))
        })
        .await
        .map_err(Error::task)??;

        let mut report =
            HrReport { inserted: 0, updated: 0, unchanged: 0, departing_added: 0, rejected, rejected_total, sha256 };
        if lines.is_empty() {
            return Ok(report);
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let mut changes = Vec::new();
        let mut added = Vec::new();
        for line in &lines {
            let existing = maruhi_store::hr::get_hr(tx.conn(), &line.user).await?;
            let same = existing.as_ref().is_some_and(|e| {
                e.notice_date == line.notice_date
                    && e.last_working_day == line.last_working_day
                    && e.end_date == line.end_date
            });
            if same {
                report.unchanged += 1;
            } else {
                maruhi_store::hr::upsert_hr(tx.conn(), &line.user, &dates(line), &at, &actor.username).await?;
                if existing.is_some() {
                    report.updated += 1;
                } else {
                    report.inserted += 1;
                }
                changes.push(json!({
                    "user": line.user, "notice_date": line.notice_date,
                    "last_working_day": line.last_working_day, "end_date": line.end_date,
                }));
            }
            let new = NewMember {
                list: Watchlist::Departing.name(),
                user_name: &line.user,
                note: "",
                source: "hr",
                added_by: &actor.username,
                added_at: &at,
            };
            if maruhi_store::hr::add_member(tx.conn(), &new).await? {
                report.departing_added += 1;
                added.push(line.user.as_str());
            }
        }
        if !changes.is_empty() || !added.is_empty() {
            let summary = json!({
                "inserted": report.inserted, "updated": report.updated, "unchanged": report.unchanged,
                "rejected": report.rejected_total, "sha256": report.sha256,
                "changes": changes, "departing_added": added,
            });
            let event = Event { action: AuditAction::HrImport, object_type: "hr", object_id: None, summary, actor };
            audit::record(&mut tx, &at, event).await?;
        }
        tx.commit().await?;
        if !changes.is_empty() || !added.is_empty() {
            self.risk_inputs_changed(actor);
        }
        Ok(report)
    }

    /// Every HR record. Admin, legal/IP and analysts.
    pub async fn hr_records(&self, actor: &Actor) -> Result<Vec<HrRecord>> {
        if !policy::may_read_hr(actor.role) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::hr::list_hr(&mut conn).await?.into_iter().map(HrRecord::from).collect())
    }

    /// Today's date where the installation is: Japan (+09:00), where HR dates
    /// are written.
    pub fn today(&self) -> time::Date {
        self.now().to_offset(maruhi_events::Options::JST).date()
    }

    /// The members of one watchlist (or all) as of `as_of` (default: today):
    /// every hand-made entry, and departures from HR data between their
    /// notice and end dates. Admin, legal/IP and analysts.
    pub async fn watchlists(
        &self,
        actor: &Actor,
        list: Option<Watchlist>,
        as_of: Option<time::Date>,
    ) -> Result<Vec<WatchMember>> {
        if !policy::may_read_hr(actor.role) {
            return Err(Error::Forbidden);
        }
        let as_of = crate::clock::format_date(as_of.unwrap_or_else(|| self.today()));
        let mut conn = self.db.read().await?;
        let rows = maruhi_store::hr::watchlist(&mut conn, list.map(Watchlist::name), &as_of).await?;
        Ok(rows.into_iter().map(member).collect())
    }

    /// Puts a user on a watchlist by hand (or changes the note). A departure
    /// that came from HR data becomes a hand-made entry, which no end date
    /// takes off the list. Admin and legal/IP with write scope.
    pub async fn watchlist_add(&self, actor: &Actor, list: Watchlist, user: &str, note: &str) -> Result<WatchMember> {
        if !policy::may_manage_hr(actor) {
            return Err(Error::Forbidden);
        }
        let user = person_name(user).ok_or_else(|| Error::invalid("user", Msg::BadPersonName))?;
        let mut problems = crate::validate::Problems::default();
        let note = problems.text("note", note, false, 500);
        problems.finish()?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let existing = maruhi_store::hr::member(tx.conn(), list.name(), &user).await?;
        let replaced = match &existing {
            None => {
                let new = NewMember {
                    list: list.name(),
                    user_name: &user,
                    note: &note,
                    source: "manual",
                    added_by: &actor.username,
                    added_at: &at,
                };
                maruhi_store::hr::add_member(tx.conn(), &new).await?;
                None
            }
            Some(e) if e.source == "manual" && e.note == note => return Ok(member(e.clone())),
            Some(e) => {
                maruhi_store::hr::update_member(tx.conn(), list.name(), &user, &note, "manual").await?;
                Some(e.source.clone())
            }
        };
        let summary = json!({"user": user, "note": note, "replaces": replaced});
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::WatchlistAdd, "watchlist", list.name()).summary(summary),
        )
        .await?;
        let row = maruhi_store::hr::member(tx.conn(), list.name(), &user).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        self.risk_inputs_changed(actor);
        Ok(member(row))
    }

    /// Takes a user off a watchlist (a departure from HR data comes back
    /// with the next HR import that lists them). Admin and legal/IP with
    /// write scope.
    pub async fn watchlist_remove(&self, actor: &Actor, list: Watchlist, user: &str) -> Result<()> {
        if !policy::may_manage_hr(actor) {
            return Err(Error::Forbidden);
        }
        let user = person_name(user).ok_or(Error::NotFound)?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        if !maruhi_store::hr::remove_member(tx.conn(), list.name(), &user).await? {
            return Err(Error::NotFound);
        }
        let summary = json!({ "user": user });
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::WatchlistRemove, "watchlist", list.name()).summary(summary),
        )
        .await?;
        tx.commit().await?;
        self.risk_inputs_changed(actor);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<HrLine>, Vec<(u64, &'static str, Msg)>) {
        let (lines, rejected, total) = parse_hr(text.as_bytes()).unwrap_or_default();
        assert_eq!(total as usize, rejected.len());
        (lines, rejected.into_iter().map(|r| (r.line, r.field, r.msg)).collect())
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_good_ones_kept() {
        let (lines, bad) = parse(
            "\u{feff}user,notice_date,last_working_day,end_date\n\
             tanaka,2026-10-01,2026-11-30,2026-12-31\n\
             sato,2026-10-01,,\n\
             suzuki,2026/10/01,,\n\
             ito,2026-12-01,2026-11-01,\n\
             tanaka,2026-10-02,,\n\
             ,2026-10-01,,\n\
             kato,2026-10-01\n\
             \n\
             mori,2026-02-30,,\n\
             \"yamada\",2026-10-05,,2026-10-31\n",
        );
        assert_eq!(lines.iter().map(|l| l.user.as_str()).collect::<Vec<_>>(), ["tanaka", "sato", "yamada"]);
        assert_eq!(lines[1].last_working_day, None);
        assert_eq!(lines[2].end_date.as_deref(), Some("2026-10-31"));
        assert_eq!(
            bad,
            [
                (4, "notice_date", Msg::BadDate),
                (5, "dates", Msg::HrDateOrder),
                (6, "user", Msg::HrDuplicateUser),
                (7, "user", Msg::BadPersonName),
                (8, "line", Msg::HrFieldCount),
                (10, "notice_date", Msg::BadDate),
            ]
        );
    }

    #[test]
    fn lines_are_counted_in_crlf_files_too() {
        let (lines, bad) =
            parse("user,notice_date,last_working_day,end_date\r\na,2026-10-01,,\r\n\r\nb,x,,\r\nc,2026-10-01,,");
        assert_eq!(lines.len(), 2);
        assert_eq!(bad, [(4, "notice_date", Msg::BadDate)]);
    }

    #[test]
    fn the_header_must_be_exact() {
        for text in ["", "user,notice,last,end\n", "User,notice_date,last_working_day,end_date\n", "user,notice_date\n"]
        {
            assert!(
                matches!(parse_hr(text.as_bytes()), Err(Error::Invalid(f)) if f[0].msg == Msg::HrHeader),
                "{text:?}"
            );
        }
    }
}
