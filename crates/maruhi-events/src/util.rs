//! Helpers the adapters share: stable ids, time parsing, URL hosts, bounded
//! line reading.

use std::io::{self, BufRead};
use std::net::IpAddr;

use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::{BadRecord, MAX_RECORD_BYTES};

/// A stable `event.id` for a record that has no id of its own: the first 128
/// bits of SHA-256 over the format name, a NUL, and the raw record, in hex.
/// Re-importing the same bytes yields the same id; two records that differ
/// in any byte do not collide in practice.
pub(crate) fn derived_id(format: &str, raw: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(format.as_bytes());
    h.update([0]);
    h.update(raw);
    hex16(&h.finalize())
}

/// As [`derived_id`], over several parts separated by NUL.
pub(crate) fn derived_id_parts(format: &str, parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    h.update(format.as_bytes());
    for p in parts {
        h.update([0]);
        h.update(p);
    }
    hex16(&h.finalize())
}

fn hex16(digest: &[u8]) -> String {
    hex::encode(&digest[..digest.len().min(16)])
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// Years an event may carry. Far beyond any real log, and narrow enough that
/// shifting a time by any UTC offset stays inside `time`'s range and RFC 3339's
/// four-digit years, so conversions and formatting cannot fail.
const YEARS: std::ops::RangeInclusive<i32> = 1601..=9000;

fn ymd_hms(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> Option<PrimitiveDateTime> {
    if !YEARS.contains(&i32::try_from(y).ok()?) {
        return None;
    }
    let year = i32::try_from(y).ok()?;
    let month = Month::try_from(u8::try_from(mo).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(d).ok()?).ok()?;
    let time = Time::from_hms_nano(u8::try_from(h).ok()?, u8::try_from(mi).ok()?, u8::try_from(s).ok()?, nanos).ok()?;
    Some(PrimitiveDateTime::new(date, time))
}

/// Parses `HH:MM:SS` with an optional fraction (`.` or `,`); 1- or 2-digit
/// hours, as older CERT releases write them.
fn hms(s: &str) -> Option<(u32, u32, u32, u32)> {
    let (main, frac) = match s.find(['.', ',']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut it = main.split(':');
    let h = digits(it.next()?.as_bytes())?;
    let m = digits(it.next()?.as_bytes())?;
    let sec = match it.next() {
        Some(x) => digits(x.as_bytes())?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) => {
            let f = f.as_bytes();
            if f.is_empty() || f.len() > 9 {
                return None;
            }
            let n = digits(f)?;
            n * 10u32.pow(9 - u32::try_from(f.len()).ok()?)
        }
    };
    Some((h, m, sec, nanos))
}

/// CERT's `MM/DD/YYYY HH:MM:SS` (zero padding optional), a local time.
pub(crate) fn parse_us_datetime(s: &str) -> Option<PrimitiveDateTime> {
    let (date, time) = s.trim().split_once(' ')?;
    let mut it = date.split('/');
    let mo = digits(it.next()?.as_bytes())?;
    let d = digits(it.next()?.as_bytes())?;
    let y = it.next()?;
    if y.len() != 4 || it.next().is_some() {
        return None;
    }
    let y = digits(y.as_bytes())?;
    let (h, mi, sec, nanos) = hms(time.trim())?;
    ymd_hms(y, mo, d, h, mi, sec, nanos)
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.fff]` with optional `Z` or `±HH:MM`. Without an
/// offset, `default_offset` applies (the source wrote local time).
pub(crate) fn parse_iso_datetime(s: &str, default_offset: UtcOffset) -> Option<OffsetDateTime> {
    let s = s.trim();
    if s.len() < 16 || !s.is_char_boundary(10) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let mut it = date.split(['-', '/']);
    let y = it.next()?;
    if y.len() != 4 {
        return None;
    }
    let y = digits(y.as_bytes())?;
    let mo = digits(it.next()?.as_bytes())?;
    let d = digits(it.next()?.as_bytes())?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    // Split the offset off the time.
    let (time, offset) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, Some(UtcOffset::UTC))
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, o) = rest.split_at(i);
        (t, Some(parse_offset(o)?))
    } else {
        (rest, None)
    };
    let (h, mi, sec, nanos) = hms(time.trim_end())?;
    let local = ymd_hms(y, mo, d, h, mi, sec, nanos)?;
    Some(local.assume_offset(offset.unwrap_or(default_offset)))
}

/// `+09:00`, `+0900` or `+09`.
pub(crate) fn parse_offset(s: &str) -> Option<UtcOffset> {
    let sign: i8 = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = &s[1..];
    if !body.is_ascii() {
        return None;
    }
    let (h, m) = match body.len() {
        2 => (body, "00"),
        4 => body.split_at(2),
        5 if body.as_bytes()[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    let h = i8::try_from(digits(h.as_bytes())?).ok()?;
    let m = i8::try_from(digits(m.as_bytes())?).ok()?;
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
}

/// Seconds since the Unix epoch with an optional fraction (squid's `%ts.%03tu`).
pub(crate) fn parse_epoch(s: &str) -> Option<OffsetDateTime> {
    let (secs, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    if secs.is_empty() || secs.len() > 12 || !secs.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    let nanos = match frac {
        None => 0,
        Some(f) => {
            if f.is_empty() || f.len() > 9 {
                return None;
            }
            i64::from(digits(f.as_bytes())? * 10u32.pow(9 - u32::try_from(f.len()).ok()?))
        }
    };
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(secs) * 1_000_000_000 + i128::from(nanos)).ok()?;
    YEARS.contains(&t.year()).then_some(t)
}

/// `t` if its year is one an event may carry.
pub(crate) fn in_years(t: OffsetDateTime) -> Option<OffsetDateTime> {
    YEARS.contains(&t.year()).then_some(t)
}

/// Any of the time forms a generic CSV may hold: RFC 3339 / ISO 8601 (with or
/// without offset), CERT's US form, or Unix epoch seconds.
pub(crate) fn parse_any_time(s: &str, default_offset: UtcOffset) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Some(t) = parse_iso_datetime(s, default_offset) {
        return Some(t);
    }
    if let Some(t) = parse_us_datetime(s) {
        return Some(t.assume_offset(default_offset));
    }
    parse_epoch(s).map(|t| t.to_offset(default_offset))
}

/// The host of an absolute URL (`scheme://[user@]host[:port]/…`) or of
/// squid's `host:port` CONNECT target, lower-cased, without port or brackets.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(inner) = host_port.strip_prefix('[') {
        inner.split_once(']').map(|(h, _)| h)?
    } else {
        host_port.split_once(':').map_or(host_port, |(h, _)| h)
    };
    if host.is_empty() {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// The file name a download's URL ends in: its last path segment,
/// percent-decoded, when it looks like a file name (has a `.` that is not
/// its first character). `https://h/d/spec%20v2.xlsx?x=1` → `spec v2.xlsx`.
pub(crate) fn url_file_name(url: &str) -> Option<String> {
    let rest = url.find("://").map_or(url, |i| &url[i + 3..]);
    let path = &rest[rest.find('/')?..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let segment = path.rsplit('/').next()?;
    let name = percent_decode(segment);
    let dot = name.rfind('.')?;
    (dot > 0 && dot + 1 < name.len() && !name.contains(['/', '\\'])).then_some(name)
}

/// `%XX` escapes decoded; the original text when the result is not UTF-8.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

/// The port of squid's `host:port`, or of a URL authority.
pub(crate) fn authority_port(target: &str) -> Option<u16> {
    let (_, port) = target.rsplit_once(':')?;
    port.parse().ok()
}

/// A client address as sources write it: bare, `ip:port`, or `[v6]:port`.
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(inner) = s.strip_prefix('[') {
        return inner.split_once(']').and_then(|(h, _)| h.parse().ok());
    }
    s.rsplit_once(':').and_then(|(h, _)| h.parse().ok())
}

/// The last component of a Windows or POSIX path.
pub(crate) fn base_name(path: &str) -> Option<String> {
    let name = path.rsplit(['\\', '/']).next()?;
    if name.is_empty() {
        None
    } else {
        Some(name.to_owned())
    }
}

/// `DOMAIN\user` → (`user`, `DOMAIN`); CERT r1's `DTAA/user` too.
pub(crate) fn split_domain(account: &str) -> (String, Option<String>) {
    match account.split_once(['\\', '/']) {
        Some((d, u)) if !d.is_empty() && !u.is_empty() => (u.to_owned(), Some(d.to_owned())),
        _ => (account.to_owned(), None),
    }
}

/// Reads lines with a bound on their length, so one enormous line cannot
/// exhaust memory. A longer line is reported and skipped, not kept.
pub(crate) struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    done: bool,
}

pub(crate) enum Line<'a> {
    Ok(u64, &'a [u8]),
    Err(BadRecord),
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(reader: R) -> Self {
        Lines { reader, buf: Vec::new(), line: 0, done: false }
    }

    /// The next line without its terminator (`\n` or `\r\n`), or `None` at
    /// the end. An I/O error is reported once and ends the stream.
    pub(crate) fn next_line(&mut self) -> Option<Line<'_>> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let mut too_long = false;
        let mut saw_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some(Line::Err(BadRecord::new(self.line, format!("read failed: {}", e.kind()))));
                }
            };
            if available.is_empty() {
                self.done = true;
                if !saw_any {
                    return None;
                }
                break;
            }
            saw_any = true;
            let (chunk, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], Some(i)),
                None => (available, None),
            };
            if !too_long {
                if self.buf.len() + chunk.len() > MAX_RECORD_BYTES {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(chunk);
                }
            }
            let used = found.map_or(chunk.len(), |i| i + 1);
            self.reader.consume(used);
            if found.is_some() {
                break;
            }
        }
        self.line += 1;
        if too_long {
            return Some(Line::Err(BadRecord::new(
                self.line,
                format!("line longer than {MAX_RECORD_BYTES} bytes; skipped"),
            )));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Some(Line::Ok(self.line, &self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn times() {
        let jst = offset!(+9);
        assert_eq!(parse_us_datetime("01/02/2010 07:12:32"), Some(datetime!(2010-01-02 07:12:32)));
        assert_eq!(parse_us_datetime("1/4/2010 8:47:00"), Some(datetime!(2010-01-04 08:47:00)));
        assert_eq!(parse_us_datetime("13/04/2010 8:47:00"), None);
        assert_eq!(parse_iso_datetime("2026-03-02T09:15:00+09:00", jst), Some(datetime!(2026-03-02 09:15:00 +9)));
        assert_eq!(parse_iso_datetime("2026-03-02T00:15:00", offset!(UTC)), Some(datetime!(2026-03-02 00:15:00 UTC)));
        assert_eq!(parse_iso_datetime("2026-03-02 09:15:00.5", jst), Some(datetime!(2026-03-02 09:15:00.5 +9)));
        assert_eq!(
            parse_iso_datetime("2026-03-02T00:15:00.1234567Z", jst),
            Some(datetime!(2026-03-02 00:15:00.1234567 UTC))
        );
        assert_eq!(parse_epoch("1286536309.450"), Some(datetime!(2010-10-08 11:11:49.45 UTC)));
        assert_eq!(parse_any_time("01/02/2010 07:12:32", jst), Some(datetime!(2010-01-02 07:12:32 +9)));
    }

    #[test]
    fn hosts() {
        assert_eq!(url_host("https://User@Example.COM:8443/a?b").as_deref(), Some("example.com"));
        assert_eq!(url_host("drive.google.com:443").as_deref(), Some("drive.google.com"));
        assert_eq!(url_host("http://[2001:db8::1]:80/").as_deref(), Some("2001:db8::1"));
        assert_eq!(url_host("http:///x"), None);
        assert_eq!(parse_ip("[2001:db8::1]:443"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip("10.0.0.1:5000"), "10.0.0.1".parse().ok());
        assert_eq!(split_domain(r"CORP\taro"), ("taro".to_owned(), Some("CORP".to_owned())));
    }

    #[test]
    fn bounded_lines() {
        let long = vec![b'a'; MAX_RECORD_BYTES + 10];
        let mut input = b"one\r\n".to_vec();
        input.extend_from_slice(&long);
        input.extend_from_slice(b"\nthree");
        let mut lines = Lines::new(&input[..]);
        assert!(matches!(lines.next_line(), Some(Line::Ok(1, b"one"))));
        assert!(matches!(lines.next_line(), Some(Line::Err(BadRecord { line: 2, .. }))));
        assert!(matches!(lines.next_line(), Some(Line::Ok(3, b"three"))));
        assert!(lines.next_line().is_none());
    }
}
