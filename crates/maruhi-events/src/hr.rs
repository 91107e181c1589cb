//! HR data for insider-risk detection: a CSV with the header
//! `user,notice_date,last_working_day,end_date` (退職届, 最終出社日, 退職日;
//! dates `YYYY-MM-DD`, the last two may be empty while unknown). Each bad
//! line is reported by number (with the column at fault) while the good ones
//! are kept; a wrong header refuses the whole file. Pure: the caller reads
//! the bytes and turns problems into messages.

/// The header an HR file must start with, exactly (a UTF-8 BOM is allowed).
pub const HR_HEADER: [&str; 4] = ["user", "notice_date", "last_working_day", "end_date"];

/// A good line of an HR file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrLine {
    /// The account, as the directory names it.
    pub user: String,
    /// 退職届: the day notice was given, `YYYY-MM-DD`.
    pub notice_date: String,
    /// 最終出社日, when known.
    pub last_working_day: Option<String>,
    /// 退職日, when known.
    pub end_date: Option<String>,
}

/// Why a line was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HrProblem {
    /// Not CSV (unbalanced quotes and the like).
    MalformedCsv,
    /// Not four fields.
    FieldCount,
    /// A field is not UTF-8.
    NotUtf8,
    /// The user field is empty, too long or has control characters.
    BadPersonName,
    /// The notice date is missing.
    Required,
    /// A date is not a real `YYYY-MM-DD` date.
    BadDate,
    /// The dates are not notice ≤ last working day ≤ end date.
    DateOrder,
    /// The user appears on an earlier line.
    DuplicateUser,
}

/// A line that was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HrRejected {
    /// 1-based line number.
    pub line: u64,
    /// The column at fault (`user`, `notice_date`, …), or `line`.
    pub field: &'static str,
    /// What is wrong.
    pub problem: HrProblem,
}

/// What an HR file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HrFile {
    /// The good lines, in file order.
    pub lines: Vec<HrLine>,
    /// The first rejected lines (as many as the caller keeps).
    pub rejected: Vec<HrRejected>,
    /// How many lines were rejected in all.
    pub rejected_total: u64,
}

/// The file does not start with [`HR_HEADER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the header must be exactly user,notice_date,last_working_day,end_date")]
pub struct BadHeader;

/// A user name as HR data and logs write it: 1 to 256 bytes, no control
/// characters. (Not the stricter rule for maruhi's own login names: employees
/// are named by their directory, `tanaka` or `tanaka@example.co.jp`.)
pub fn person_name(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 256 && !s.chars().any(char::is_control)).then(|| s.to_owned())
}

/// The years an HR date may fall in: `0000-01-01` is a typo, not a date.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A strict ISO date, `YYYY-MM-DD`, within [`YEARS`].
fn iso_date(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    let date = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"));
    (shape && date.is_ok_and(|d| YEARS.contains(&d.year()))).then(|| s.to_owned())
}

/// The line a CSV record starts on. The `csv` crate's position is where the
/// previous record ended: before blank lines, and before the LF of a CRLF
/// terminator (it ends a record at the CR), so the line feeds from there to
/// the record's first byte are added.
fn start_line(data: &[u8], p: &csv::Position) -> u64 {
    let from = usize::try_from(p.byte()).unwrap_or(usize::MAX);
    let run = data.get(from..).unwrap_or_default().iter().take_while(|b| matches!(b, b'\r' | b'\n'));
    p.line() + run.filter(|b| **b == b'\n').count() as u64
}

/// Reads an HR file: the good lines, and the rejected ones with their total.
/// A wrong header refuses the whole file.
pub fn parse(data: &[u8], keep: usize) -> Result<HrFile, BadHeader> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
    let mut rows: Vec<HrLine> = Vec::new();
    let mut users = std::collections::HashSet::new();
    let mut rejected = Vec::new();
    let mut total = 0u64;
    let mut reject = |line: u64, field: &'static str, problem: HrProblem, rejected: &mut Vec<HrRejected>| {
        total += 1;
        if rejected.len() < keep {
            rejected.push(HrRejected { line, field, problem });
        }
    };
    let mut header_seen = false;
    let mut rec = csv::ByteRecord::new();
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| start_line(data, p));
                if !header_seen {
                    return Err(BadHeader);
                }
                reject(line, "line", HrProblem::MalformedCsv, &mut rejected);
                continue;
            }
        }
        let line = rec.position().map_or(line, |p| start_line(data, p));
        if !header_seen {
            let names: Vec<&[u8]> = rec.iter().collect();
            let first = names.first().map(|f| f.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(f));
            let exact = names.len() == HR_HEADER.len()
                && first == Some(HR_HEADER[0].as_bytes())
                && names.iter().zip(HR_HEADER).skip(1).all(|(n, h)| *n == h.as_bytes());
            if !exact {
                return Err(BadHeader);
            }
            header_seen = true;
            continue;
        }
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if rec.len() != HR_HEADER.len() {
            reject(line, "line", HrProblem::FieldCount, &mut rejected);
            continue;
        }
        let mut fields = [""; 4];
        let mut not_utf8 = None;
        for (i, f) in rec.iter().enumerate().take(4) {
            match std::str::from_utf8(f) {
                Ok(s) => fields[i] = s.trim(),
                Err(_) => {
                    not_utf8 = Some(HR_HEADER[i]);
                    break;
                }
            }
        }
        if let Some(field) = not_utf8 {
            reject(line, field, HrProblem::NotUtf8, &mut rejected);
            continue;
        }
        let Some(user) = person_name(fields[0]) else {
            reject(line, "user", HrProblem::BadPersonName, &mut rejected);
            continue;
        };
        if fields[1].is_empty() {
            reject(line, "notice_date", HrProblem::Required, &mut rejected);
            continue;
        }
        let mut dates = [None, None, None];
        let mut bad = None;
        for (i, slot) in dates.iter_mut().enumerate() {
            let text = fields[i + 1];
            if text.is_empty() {
                continue;
            }
            match iso_date(text) {
                Some(d) => *slot = Some(d),
                None => {
                    bad = Some(HR_HEADER[i + 1]);
                    break;
                }
            }
        }
        if let Some(field) = bad {
            reject(line, field, HrProblem::BadDate, &mut rejected);
            continue;
        }
        let [Some(notice_date), last_working_day, end_date] = dates else {
            reject(line, "notice_date", HrProblem::Required, &mut rejected);
            continue;
        };
        let ordered = [Some(&notice_date), last_working_day.as_ref(), end_date.as_ref()];
        let present: Vec<&String> = ordered.into_iter().flatten().collect();
        if present.windows(2).any(|w| w[0] > w[1]) {
            reject(line, "dates", HrProblem::DateOrder, &mut rejected);
            continue;
        }
        if !users.insert(user.clone()) {
            reject(line, "user", HrProblem::DuplicateUser, &mut rejected);
            continue;
        }
        rows.push(HrLine { user, notice_date, last_working_day, end_date });
    }
    if !header_seen {
        return Err(BadHeader);
    }
    Ok(HrFile { lines: rows, rejected, rejected_total: total })
}
