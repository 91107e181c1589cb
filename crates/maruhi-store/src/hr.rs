//! HR dates of departing employees and the watchlists that detection reads.
//!
//! Dates are ISO `YYYY-MM-DD` text, which compares in date order. A
//! `departing` member that came from HR data counts from its notice date to
//! its end date; [`watchlist`] decides that as of the date it is given, so
//! nothing has to be removed when an end date passes.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::query::Sql;
use crate::{Result, StoreError};

/// One employee's HR dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrRow {
    pub user_name: String,
    pub notice_date: String,
    pub last_working_day: Option<String>,
    pub end_date: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

/// The dates an HR record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HrDates<'a> {
    pub notice_date: &'a str,
    pub last_working_day: Option<&'a str>,
    pub end_date: Option<&'a str>,
}

const SELECT_HR: &str =
    "SELECT user_name, notice_date, last_working_day, end_date, updated_at, updated_by FROM hr_records";

fn decode_hr(r: &AnyRow) -> Result<HrRow> {
    Ok(HrRow {
        user_name: r.try_get("user_name")?,
        notice_date: r.try_get("notice_date")?,
        last_working_day: r.try_get("last_working_day")?,
        end_date: r.try_get("end_date")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

pub async fn get_hr(conn: &mut AnyConnection, user_name: &str) -> Result<Option<HrRow>> {
    let row = sqlx::query(&format!("{SELECT_HR} WHERE user_name = $1")).bind(user_name).fetch_optional(conn).await?;
    row.as_ref().map(decode_hr).transpose()
}

/// Every HR record, by user name.
pub async fn list_hr(conn: &mut AnyConnection) -> Result<Vec<HrRow>> {
    let rows = sqlx::query(&format!("{SELECT_HR} ORDER BY user_name")).fetch_all(conn).await?;
    rows.iter().map(decode_hr).collect()
}

/// Inserts or replaces a user's HR dates.
pub async fn upsert_hr(
    conn: &mut AnyConnection,
    user_name: &str,
    dates: &HrDates<'_>,
    updated_at: &str,
    updated_by: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO hr_records (user_name, notice_date, last_working_day, end_date, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_name) DO UPDATE SET notice_date = excluded.notice_date, \
         last_working_day = excluded.last_working_day, end_date = excluded.end_date, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(user_name)
    .bind(dates.notice_date)
    .bind(dates.last_working_day)
    .bind(dates.end_date)
    .bind(updated_at)
    .bind(updated_by)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// One watchlist entry as stored, with the HR dates of its user if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchRow {
    pub list: String,
    pub user_name: String,
    pub note: String,
    /// `manual` or `hr`.
    pub source: String,
    pub added_by: String,
    pub added_at: String,
    pub notice_date: Option<String>,
    pub end_date: Option<String>,
}

/// What adding to a watchlist writes.
#[derive(Debug, Clone, Copy)]
pub struct NewMember<'a> {
    pub list: &'a str,
    pub user_name: &'a str,
    pub note: &'a str,
    pub source: &'a str,
    pub added_by: &'a str,
    pub added_at: &'a str,
}

const SELECT_WATCH: &str = "SELECT w.list, w.user_name, w.note, w.source, w.added_by, w.added_at, \
     h.notice_date, h.end_date FROM watchlist_members w LEFT JOIN hr_records h ON h.user_name = w.user_name";

fn decode_watch(r: &AnyRow) -> Result<WatchRow> {
    Ok(WatchRow {
        list: r.try_get("list")?,
        user_name: r.try_get("user_name")?,
        note: r.try_get("note")?,
        source: r.try_get("source")?,
        added_by: r.try_get("added_by")?,
        added_at: r.try_get("added_at")?,
        notice_date: r.try_get("notice_date")?,
        end_date: r.try_get("end_date")?,
    })
}

/// The stored entry of `user_name` on `list`, whether or not it counts today.
pub async fn member(conn: &mut AnyConnection, list: &str, user_name: &str) -> Result<Option<WatchRow>> {
    let row = sqlx::query(&format!("{SELECT_WATCH} WHERE w.list = $1 AND w.user_name = $2"))
        .bind(list)
        .bind(user_name)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode_watch).transpose()
}

/// Adds an entry unless the user is on the list already; true if added.
pub async fn add_member(conn: &mut AnyConnection, m: &NewMember<'_>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO watchlist_members (list, user_name, note, source, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (list, user_name) DO NOTHING",
    )
    .bind(m.list)
    .bind(m.user_name)
    .bind(m.note)
    .bind(m.source)
    .bind(m.added_by)
    .bind(m.added_at)
    .execute(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// Replaces an entry's note and source (a hand-made entry over one from HR).
pub async fn update_member(
    conn: &mut AnyConnection,
    list: &str,
    user_name: &str,
    note: &str,
    source: &str,
) -> Result<()> {
    sqlx::query("UPDATE watchlist_members SET note = $1, source = $2 WHERE list = $3 AND user_name = $4")
        .bind(note)
        .bind(source)
        .bind(list)
        .bind(user_name)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(())
}

/// Removes an entry; false when it was not there.
pub async fn remove_member(conn: &mut AnyConnection, list: &str, user_name: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM watchlist_members WHERE list = $1 AND user_name = $2")
        .bind(list)
        .bind(user_name)
        .execute(conn)
        .await
        .map_err(StoreError::from_write)?;
    Ok(done.rows_affected() > 0)
}

/// The members of one list (or of every list) as of `as_of` (`YYYY-MM-DD`):
/// every hand-made entry, and the HR entries whose notice date has come and
/// whose end date has not passed. Ordered by list, then user name.
pub async fn watchlist(conn: &mut AnyConnection, list: Option<&str>, as_of: &str) -> Result<Vec<WatchRow>> {
    let mut sql = Sql::new(SELECT_WATCH);
    sql.push(" WHERE (w.source = 'manual' OR (h.notice_date <= ")
        .bind(as_of)
        .push(" AND (h.end_date IS NULL OR h.end_date >= ")
        .bind(as_of)
        .push(")))");
    if let Some(list) = list {
        sql.push(" AND w.list = ").bind(list);
    }
    sql.push(" ORDER BY w.list, w.user_name");
    sql.query().fetch_all(conn).await?.iter().map(decode_watch).collect()
}
