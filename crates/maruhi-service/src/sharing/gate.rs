//! The anonymisation gate: what stands between a draft and anything that
//! leaves the installation.
//!
//! The gate works on text spans. Every detector (internal mail addresses,
//! internal host names and domains, internal IPv4 addresses, dictionary
//! terms, dates, counts, and encoded runs: MIME encoded-words, base64,
//! quoted-printable, percent-encoding) looks at the original text; the spans
//! found are resolved (earliest first, then longest) and replaced in one
//! pass, so that a pseudonym written by one detector is never read by
//! another. An encoded run is decoded, scrubbed like plain text and encoded
//! again the same way when anything inside it changed.
//!
//! Pseudonyms are keyed: HMAC-SHA-256 under a key derived from the
//! installation key, over the report's id, the kind and the value. The same
//! value is the same pseudonym within one report; across reports (and to
//! anyone without the key) pseudonyms cannot be linked or reversed.
//!
//! [`residuals`] is the second line: it looks for every dictionary term,
//! internal domain and internal address in the gate's output, through the
//! same decoders, and approval is refused while it finds any.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use regex::Regex;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The kinds of dictionary term.
pub const TERM_KINDS: [&str; 9] =
    ["company", "brand", "product", "project", "person", "employee-id", "domain", "ip-range", "host-suffix"];

/// Honorifics that follow a name and identify nobody.
const HONORIFICS: [&str; 6] = ["さん", "様", "さま", "殿", "君", "くん"];

/// Address ranges that are internal everywhere (RFC 1918, loopback, link-local).
const PRIVATE_RANGES: [(u32, u8); 5] =
    [(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16), (0x7F00_0000, 8), (0xA9FE_0000, 16)];

/// What identifies the installation, as the gate uses it.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// (kind, term), longest first.
    terms: Vec<(String, String)>,
    /// Internal domains and host-name suffixes, lower case, no leading dot.
    domains: Vec<String>,
    /// Internal IPv4 ranges (network, prefix length).
    ranges: Vec<(u32, u8)>,
    /// The terms as case-insensitive alternations, a hundred to a pattern
    /// (a dictionary of thousands would pass the regex size limit as one).
    terms_re: Vec<Regex>,
    domains_re: Vec<Regex>,
}

fn parse_ipv4(s: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut parts = 0;
    for p in s.split('.') {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = p.parse().ok()?;
        if n > 255 {
            return None;
        }
        out = (out << 8) | n;
        parts += 1;
    }
    (parts == 4).then_some(out)
}

/// `10.1.0.0/16` or a single address.
pub fn parse_range(s: &str) -> Option<(u32, u8)> {
    let (ip, len) = match s.trim().split_once('/') {
        Some((ip, len)) => (ip, len.parse::<u8>().ok().filter(|l| *l <= 32)?),
        None => (s.trim(), 32),
    };
    Some((parse_ipv4(ip)? & mask(len), len))
}

fn mask(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    }
}

/// Letters and digits join a word; `_` does not, since file names use it
/// as a separator (`Nightingale_spec.zip` names Nightingale).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The character before `at`, where a percent-escape (`%40`, `%2F`) counts
/// as no character: `u=kimura%40acme.example` names acme.example.
fn char_before(s: &str, at: usize) -> Option<char> {
    let head = &s[..at];
    let b = head.as_bytes();
    if b.len() >= 3 && b[b.len() - 3] == b'%' && b[b.len() - 2..].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    head.chars().next_back()
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

impl Dictionary {
    /// Builds the dictionary from (kind, term) pairs; unknown kinds count as
    /// plain terms. A person's name also counts by its parts (a family name
    /// alone identifies as well), honorifics aside.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Dictionary {
        let mut terms = BTreeSet::new();
        let mut domains = BTreeSet::new();
        let mut ranges: Vec<(u32, u8)> = PRIVATE_RANGES.to_vec();
        for (kind, term) in pairs {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            match kind.as_str() {
                "domain" | "host-suffix" => {
                    let d = term.trim_start_matches(['.', '*']).to_ascii_lowercase();
                    if d.contains('.') || kind == "host-suffix" {
                        domains.insert(d);
                    }
                }
                "ip-range" => {
                    if let Some(r) = parse_range(term) {
                        ranges.push(r);
                    }
                }
                _ => {
                    if kind == "person" {
                        for part in term.split_whitespace() {
                            if !HONORIFICS.contains(&part) && long_enough(part) && part != term {
                                terms.insert((kind.clone(), part.to_owned()));
                            }
                        }
                    }
                    let whole: String =
                        term.split_whitespace().filter(|p| !HONORIFICS.contains(p)).collect::<Vec<_>>().join(" ");
                    if long_enough(&whole) {
                        terms.insert((kind.clone(), whole));
                    }
                }
            }
        }
        let mut terms: Vec<(String, String)> = terms.into_iter().collect();
        terms.sort_by(|a, b| b.1.chars().count().cmp(&a.1.chars().count()).then_with(|| a.cmp(b)));
        // One kind per term: the first (longest, then by kind) wins.
        let mut seen = BTreeSet::new();
        terms.retain(|(_, t)| seen.insert(t.to_lowercase()));
        let domains: Vec<String> = domains.into_iter().collect();
        ranges.sort_unstable();
        ranges.dedup();
        let term_list: Vec<&str> = terms.iter().map(|(_, t)| t.as_str()).collect();
        let terms_re = alternations("", &term_list);
        let domain_list: Vec<&str> = domains.iter().map(String::as_str).collect();
        let domains_re = alternations("(?:[a-z0-9-]+\\.)*", &domain_list);
        Dictionary { terms, domains, ranges, terms_re, domains_re }
    }

    /// How many terms, domains and ranges the gate looks for.
    pub fn len(&self) -> usize {
        self.terms.len() + self.domains.len() + self.ranges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn term_kind(&self, found: &str) -> &str {
        let lower = found.to_lowercase();
        self.terms.iter().find(|(_, t)| t.to_lowercase() == lower).map(|(k, _)| k.as_str()).unwrap_or("term")
    }

    fn is_internal_domain(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.domains.iter().any(|d| host == *d || host.ends_with(&format!(".{d}")))
    }

    fn is_internal_ip(&self, ip: u32) -> bool {
        self.ranges.iter().any(|&(net, len)| ip & mask(len) == net)
    }
}

fn long_enough(term: &str) -> bool {
    // Two ASCII letters match too much ordinary text; two kanji are a name.
    if term.is_ascii() {
        term.len() >= 3
    } else {
        term.chars().count() >= 2
    }
}

/// Case-insensitive patterns matching any of `items` after `prefix`. A
/// chunk that does not compile is split into one pattern per item, so no
/// term is ever dropped.
fn alternations(prefix: &str, items: &[&str]) -> Vec<Regex> {
    let build = |chunk: &[&str]| {
        let alts: Vec<String> = chunk.iter().map(|t| regex::escape(t)).collect();
        Regex::new(&format!("(?i){prefix}(?:{})", alts.join("|")))
    };
    let mut out = Vec::new();
    for chunk in items.chunks(100) {
        match build(chunk) {
            Ok(re) => out.push(re),
            Err(_) => out.extend(chunk.iter().filter_map(|t| build(std::slice::from_ref(t)).ok())),
        }
    }
    out
}

/// One thing the gate removed or changed, for the reviewer's side-by-side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// Where: `title`, `method`, `indicators[2].value`, …
    pub field: String,
    /// What it was: a dictionary kind, `internal-address`, `internal-domain`,
    /// `internal-ip`, `date`, `count`, `encoded`, `indicator`.
    pub kind: String,
    pub original: String,
    pub replacement: String,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // A constant pattern, checked by the tests.
    // `%40` is an `@` percent-encoded in a URL's query.
    Regex::new(r"(?i)[a-z0-9._%+\-]+(?:@|%40)([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)").expect("email pattern")
});
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b").expect("ipv4 pattern")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(
        r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*\d{1,2}(?::\d{2}|時(?:\d{1,2}分)?))?|(\d{4})/(\d{1,2})/(\d{1,2})",
    )
    .expect("date pattern")
});
static COUNT: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(
        r"(?i)(\d[\d,]*)(\s*)(通|件|名|人|台|回|社|(?:messages?|mails?|e-?mails?|users?|employees?|people|recipients?|times|hosts?|devices?|files?)\b)",
    )
    .expect("count pattern")
});
static ENCODED_WORD: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=").expect("encoded-word pattern")
});
static BASE64_RUN: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"[A-Za-z0-9+/]{12,}={0,2}").expect("base64 pattern")
});
static QP_RUN: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"(?:=[0-9A-F]{2}|=\r?\n)(?:[\x21-\x3C\x3E-\x7E ]{0,4}(?:=[0-9A-F]{2}|=\r?\n))+").expect("qp pattern")
});
static PERCENT_RUN: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"(?:%[0-9A-Fa-f]{2})+").expect("percent pattern")
});

struct Span {
    start: usize,
    end: usize,
    kind: String,
    replacement: String,
}

/// Decoded text: valid UTF-8 with few control characters (so random bytes
/// that happen to decode are not taken for text).
fn as_text(bytes: Vec<u8>) -> Option<String> {
    let s = String::from_utf8(bytes).ok()?;
    let control = s.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    (!s.is_empty() && control == 0).then_some(s)
}

fn decode_base64(run: &str) -> Option<String> {
    let t = run.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(t).ok()?;
    as_text(bytes)
}

fn decode_qp(run: &str) -> Option<Vec<u8>> {
    let b = run.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            if b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Base64 with padding when the run it replaces had it.
fn encode_base64_like(run: &str, s: &str) -> String {
    if run.ends_with('=') {
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(s.as_bytes())
    }
}

fn encode_qp(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b == b'=' || !(0x20..0x80).contains(&b) {
            out.push_str(&format!("={b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn decode_percent(run: &str) -> Option<String> {
    let b = run.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 3);
    for chunk in b.chunks(3) {
        let hex = std::str::from_utf8(chunk.get(1..3)?).ok()?;
        out.push(u8::from_str_radix(hex, 16).ok()?);
    }
    as_text(out)
}

fn encode_percent(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An encoded-word's text (RFC 2047), when its charset is one we read.
fn decode_encoded_word(charset: &str, enc: &str, text: &str) -> Option<String> {
    let cs = charset.split('*').next().unwrap_or_default().to_ascii_lowercase();
    if cs != "utf-8" && cs != "us-ascii" {
        return None;
    }
    if enc.eq_ignore_ascii_case("b") {
        return as_text(base64::engine::general_purpose::STANDARD.decode(text).ok()?);
    }
    as_text(decode_qp(&text.replace('_', " "))?)
}

/// The ISO week of a date, `2026-W45`.
fn iso_week(y: i32, m: u8, d: u8) -> Option<String> {
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    let (year, week, _) = date.to_iso_week_date();
    Some(format!("{year:04}-W{week:02}"))
}

/// A date in any form the gate reads, as its ISO week.
pub fn coarsen_date(s: &str) -> Option<String> {
    let c = DATE.captures(s)?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    let (y, m, d) = if c.get(1).is_some() {
        (n(1)?, n(2)?, n(3)?)
    } else if c.get(4).is_some() {
        (n(4)?, n(5)?, n(6)?)
    } else {
        (n(7)?, n(8)?, n(9)?)
    };
    iso_week(i32::try_from(y).ok()?, u8::try_from(m).ok()?, u8::try_from(d).ok()?)
}

/// A count rounded so that it does not identify: under ten is "a few";
/// above, one significant figure.
pub fn round_count(n: u64) -> Option<u64> {
    if n < 10 {
        return None;
    }
    let mut scale = 1u64;
    while n / scale >= 10 {
        scale *= 10;
    }
    Some((n + scale / 2) / scale * scale)
}

/// A rounded count as text: `<10` or `~40`.
pub fn approx(n: u64) -> String {
    match round_count(n) {
        None => "<10".to_owned(),
        Some(r) => format!("~{r}"),
    }
}

/// The gate for one report.
pub struct Gate<'a> {
    dict: &'a Dictionary,
    key: [u8; 32],
    report: String,
    pub removals: Vec<Removal>,
}

impl<'a> Gate<'a> {
    /// `key` is the installation's sharing key, `report` the report's id.
    pub fn new(dict: &'a Dictionary, key: [u8; 32], report: &str) -> Gate<'a> {
        Gate { dict, key, report: report.to_owned(), removals: Vec::new() }
    }

    /// A keyed pseudonym: the same (kind, value) gives the same one within
    /// this report.
    pub fn pseudonym(&self, kind: &str, value: &str) -> String {
        #[allow(clippy::expect_used)] // HMAC takes keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("hmac key");
        mac.update(self.report.as_bytes());
        mac.update(b"\0");
        mac.update(kind.as_bytes());
        mac.update(b"\0");
        mac.update(value.to_lowercase().as_bytes());
        let tag = mac.finalize().into_bytes();
        hex::encode(&tag[..3])
    }

    /// Scrubs one text field, recording what changed under `field`.
    pub fn text(&mut self, field: &str, s: &str) -> String {
        // Spans that overlap are resolved by dropping the later one; what
        // it covered is caught by running the gate again over its own
        // output, until nothing changes.
        let mut out = s.to_owned();
        for pass in 0..4 {
            let (next, removals) = self.scrub(&out, true, pass == 0);
            let changed = next != out;
            for (kind, original, replacement) in removals {
                // Written again unchanged (an encoded-word already decoded).
                if original != replacement {
                    self.removals.push(Removal { field: field.to_owned(), kind, original, replacement });
                }
            }
            out = next;
            if !changed {
                break;
            }
        }
        out
    }

    /// Notes a removal the caller made itself (a dropped indicator).
    pub fn record(&mut self, field: &str, kind: &str, original: &str, replacement: &str) {
        self.removals.push(Removal {
            field: field.to_owned(),
            kind: kind.to_owned(),
            original: original.to_owned(),
            replacement: replacement.to_owned(),
        });
    }

    #[allow(clippy::type_complexity)]
    fn scrub(&self, s: &str, decode: bool, coarsen: bool) -> (String, Vec<(String, String, String)>) {
        let mut spans: Vec<Span> = Vec::new();
        let mut nested: Vec<(String, String, String)> = Vec::new();
        if decode {
            // Encoded runs, decoded and scrubbed like plain text.
            for c in ENCODED_WORD.captures_iter(s) {
                let (Some(all), Some(cs), Some(enc), Some(text)) = (c.get(0), c.get(1), c.get(2), c.get(3)) else {
                    continue;
                };
                match decode_encoded_word(cs.as_str(), enc.as_str(), text.as_str()) {
                    Some(plain) => {
                        // Written back decoded: a reviewer reads it, and
                        // nothing downstream needs the encoding.
                        let (inner, found) = self.scrub(&plain, true, coarsen);
                        nested.extend(found);
                        spans.push(Span {
                            start: all.start(),
                            end: all.end(),
                            kind: "encoded".into(),
                            replacement: inner,
                        });
                    }
                    None => spans.push(Span {
                        start: all.start(),
                        end: all.end(),
                        kind: "encoded".into(),
                        replacement: "[encoded text in an unread charset removed]".into(),
                    }),
                }
            }
            // Base64, quoted-printable and percent-encoded runs: decoded,
            // scrubbed, and encoded again the same way when anything changed.
            type Decode = fn(&str) -> Option<String>;
            type Encode = fn(&str, &str) -> String;
            let codecs: [(&Regex, Decode, Encode); 3] = [
                (&BASE64_RUN, decode_base64, encode_base64_like),
                (&QP_RUN, |run| decode_qp(run).and_then(as_text), |_, inner| encode_qp(inner)),
                (&PERCENT_RUN, decode_percent, |_, inner| encode_percent(inner)),
            ];
            for (run, decode, encode) in codecs {
                for m in run.find_iter(s) {
                    let Some(plain) = decode(m.as_str()) else { continue };
                    let (inner, found) = self.scrub(&plain, true, coarsen);
                    if inner != plain {
                        nested.extend(found);
                        let replacement = encode(m.as_str(), &inner);
                        spans.push(Span { start: m.start(), end: m.end(), kind: "encoded".into(), replacement });
                    }
                }
            }
        }
        for c in EMAIL.captures_iter(s) {
            let (Some(all), Some(domain)) = (c.get(0), c.get(1)) else { continue };
            let exact = self.dict.terms.iter().any(|(_, t)| t.eq_ignore_ascii_case(all.as_str()));
            if exact || self.dict.is_internal_domain(domain.as_str()) {
                let p = self.pseudonym("address", all.as_str());
                spans.push(Span {
                    start: all.start(),
                    end: all.end(),
                    kind: "internal-address".into(),
                    replacement: format!("person-{p}@redacted.invalid"),
                });
            }
        }
        for re in &self.dict.domains_re {
            for m in re.find_iter(s) {
                let before = char_before(s, m.start());
                let after = s[m.end()..].chars().next();
                if before.is_some_and(is_label_char) || after.is_some_and(is_label_char) {
                    continue;
                }
                let p = self.pseudonym("domain", m.as_str());
                spans.push(Span {
                    start: m.start(),
                    end: m.end(),
                    kind: "internal-domain".into(),
                    replacement: format!("host-{p}.invalid"),
                });
            }
        }
        for m in IPV4.find_iter(s) {
            if parse_ipv4(m.as_str()).is_some_and(|ip| self.dict.is_internal_ip(ip)) {
                let p = self.pseudonym("ip", m.as_str());
                spans.push(Span {
                    start: m.start(),
                    end: m.end(),
                    kind: "internal-ip".into(),
                    replacement: format!("IP-{}", p.to_uppercase()),
                });
            }
        }
        for re in &self.dict.terms_re {
            for m in re.find_iter(s) {
                let found = m.as_str();
                // ASCII terms are words: `sato` is not in `satori`.
                let first_ascii = found.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
                let last_ascii = found.chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric());
                let before = char_before(s, m.start());
                let after = s[m.end()..].chars().next();
                if (first_ascii && before.is_some_and(is_word_char)) || (last_ascii && after.is_some_and(is_word_char))
                {
                    continue;
                }
                let kind = self.dict.term_kind(found).to_owned();
                let p = self.pseudonym(&kind, found);
                spans.push(Span {
                    start: m.start(),
                    end: m.end(),
                    replacement: format!("{}-{}", kind.to_uppercase(), p.to_uppercase()),
                    kind,
                });
            }
        }
        for m in DATE.find_iter(s).filter(|_| coarsen) {
            if let Some(week) = coarsen_date(m.as_str()) {
                spans.push(Span { start: m.start(), end: m.end(), kind: "date".into(), replacement: week });
            }
        }
        for c in COUNT.captures_iter(s).filter(|_| coarsen) {
            let (Some(all), Some(num), Some(space), Some(unit)) = (c.get(0), c.get(1), c.get(2), c.get(3)) else {
                continue;
            };
            let Ok(n) = num.as_str().replace(',', "").parse::<u64>() else { continue };
            let ascii_unit = unit.as_str().is_ascii();
            let text = match (round_count(n), ascii_unit) {
                (None, true) => format!("a few{}{}", space.as_str(), unit.as_str()),
                (None, false) => format!("数{}", unit.as_str()),
                (Some(r), true) => format!("about {r}{}{}", space.as_str(), unit.as_str()),
                (Some(r), false) => format!("約{r}{}", unit.as_str()),
            };
            if text != all.as_str() {
                spans.push(Span { start: all.start(), end: all.end(), kind: "count".into(), replacement: text });
            }
        }
        // Earliest first, then longest; overlapping later spans are dropped
        // (their text is inside one already replaced).
        spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        let mut removals = Vec::new();
        for sp in spans {
            if sp.start < at {
                continue;
            }
            out.push_str(&s[at..sp.start]);
            out.push_str(&sp.replacement);
            removals.push((sp.kind, s[sp.start..sp.end].to_owned(), sp.replacement));
            at = sp.end;
        }
        out.push_str(&s[at..]);
        removals.extend(nested);
        (out, removals)
    }
}

/// What of the dictionary is still in `text`, also inside encoded runs:
/// (kind, what was found). Empty when the text may leave.
pub fn residuals(dict: &Dictionary, text: &str) -> Vec<(String, String)> {
    let mut found = BTreeMap::new();
    let mut layers = vec![text.to_owned()];
    let mut i = 0;
    // Decoded layers are checked in turn; each decoding shrinks the text,
    // so this ends.
    while i < layers.len() && i < 256 {
        let s = layers[i].clone();
        i += 1;
        for c in ENCODED_WORD.captures_iter(&s) {
            if let (Some(cs), Some(enc), Some(t)) = (c.get(1), c.get(2), c.get(3)) {
                if let Some(p) = decode_encoded_word(cs.as_str(), enc.as_str(), t.as_str()) {
                    layers.push(p);
                }
            }
        }
        for m in BASE64_RUN.find_iter(&s) {
            if let Some(p) = decode_base64(m.as_str()) {
                layers.push(p);
            }
        }
        for m in QP_RUN.find_iter(&s) {
            if let Some(p) = decode_qp(m.as_str()).and_then(as_text) {
                layers.push(p);
            }
        }
        for m in PERCENT_RUN.find_iter(&s) {
            if let Some(p) = decode_percent(m.as_str()) {
                layers.push(p);
            }
        }
        // The plain-text detectors, without replacing: a fresh gate finds
        // exactly what it would have replaced.
        let gate = Gate::new(dict, [0u8; 32], "");
        let (_, removals) = gate.scrub(&s, false, false);
        for (kind, original, _) in removals {
            if kind != "date" && kind != "count" {
                found.insert(original, kind);
            }
        }
    }
    found.into_iter().map(|(t, k)| (k, t)).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // A panic is the failure report.
mod tests {
    use super::*;

    fn dict() -> Dictionary {
        Dictionary::new([
            ("company".to_owned(), "Acme Seiki".to_owned()),
            ("company".to_owned(), "アクメ精機".to_owned()),
            ("project".to_owned(), "Nightingale".to_owned()),
            ("person".to_owned(), "佐藤 太郎".to_owned()),
            ("employee-id".to_owned(), "sato".to_owned()),
            ("domain".to_owned(), "acme-seiki.co.jp".to_owned()),
            ("host-suffix".to_owned(), "corp.acme.local".to_owned()),
            ("ip-range".to_owned(), "203.0.113.0/24".to_owned()),
        ])
    }

    #[test]
    fn terms_addresses_hosts_and_ranges_are_replaced() {
        let d = dict();
        let mut g = Gate::new(&d, [1; 32], "r1");
        let s = "To: sato@acme-seiki.co.jp; u=kimura%40acme-seiki.co.jp see https://wiki.acme-seiki.co.jp/Nightingale?x=1 from 203.0.113.7 \
                 and 10.2.3.4 on fs01.corp.acme.local; アクメ精機の佐藤さん (satori stays)";
        let out = g.text("t", s);
        for gone in [
            "sato@",
            "kimura",
            "acme-seiki",
            "Nightingale",
            "203.0.113.7",
            "10.2.3.4",
            "corp.acme",
            "アクメ精機",
            "佐藤",
        ] {
            assert!(!out.contains(gone), "{gone} left in {out}");
        }
        assert!(out.contains("satori"), "{out}");
        assert!(residuals(&d, &out).is_empty(), "{out}");
        assert!(!residuals(&d, s).is_empty());
    }

    #[test]
    fn same_value_same_pseudonym_within_a_report_only() {
        let d = dict();
        let mut a = Gate::new(&d, [1; 32], "r1");
        let one = a.text("t", "Nightingale and nightingale");
        let words: Vec<&str> = one.split(" and ").collect();
        assert_eq!(words[0], words[1]);
        let mut b = Gate::new(&d, [1; 32], "r2");
        assert_ne!(b.text("t", "Nightingale"), words[0]);
    }

    #[test]
    fn encoded_text_is_scrubbed_and_stays_encoded() {
        let d = dict();
        let b64 = base64::engine::general_purpose::STANDARD.encode("report from Acme Seiki about Nightingale");
        let qp = encode_qp("アクメ精機 のお知らせ");
        let word = format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode("佐藤 太郎 様"));
        let pct = "https://x.example/?q=%E3%82%A2%E3%82%AF%E3%83%A1%E7%B2%BE%E6%A9%9F";
        for s in [b64.as_str(), qp.as_str(), word.as_str(), pct] {
            assert!(!residuals(&d, s).is_empty(), "not detected in {s}");
            let mut g = Gate::new(&d, [1; 32], "r1");
            let out = g.text("t", s);
            assert!(residuals(&d, &out).is_empty(), "left in {out}");
            assert!(!g.removals.is_empty());
        }
    }

    #[test]
    fn dates_coarsen_to_the_week_and_counts_round() {
        let d = Dictionary::default();
        let mut g = Gate::new(&d, [1; 32], "r1");
        let out = g.text("t", "2026-11-02T09:06:00+09:00 に 37通、2026年11月4日 に 3 users, 1,234 messages");
        assert_eq!(out, "2026-W45 に 約40通、2026-W45 に a few users, about 1000 messages");
        assert_eq!(round_count(149), Some(100));
        assert_eq!(round_count(150), Some(200));
        assert_eq!(approx(7), "<10");
    }

    #[test]
    fn a_large_dictionary_still_matches_every_term() {
        let pairs: Vec<(String, String)> = (0..5000).map(|i| ("product".to_owned(), format!("製品名{i:05}"))).collect();
        let d = Dictionary::new(pairs);
        let mut g = Gate::new(&d, [1; 32], "r1");
        let out = g.text("t", "製品名04999 と 製品名00000");
        assert!(!out.contains("製品名"), "{out}");
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_range("10.1.2.3/16"), Some((0x0A01_0000, 16)));
        assert_eq!(parse_range("300.1.1.1"), None);
        assert_eq!(parse_range("1.2.3.4/33"), None);
    }
}
