//! Finding rows of a dataset in extracted text.
//!
//! Purview's EDM model: a *primary element* (a value of the primary column,
//! found by its pattern: a phone number, an e-mail address, an id) is
//! looked up; a row it names counts only when *corroborative evidence*,
//! more cells of the same row worth [`MIN_EVIDENCE`] together (one strong
//! cell, or a surname and a given name), is within a proximity window
//! around it: the same line when it is a table row (CSV, TSV, a
//! spreadsheet's row), else [`WINDOW_BYTES`] either side (the sentences
//! around a value in prose). Cells are
//! looked for with the same normalisation the index was built with, at the
//! places their type can start: tokens between delimiters and their
//! neighbours joined (`山田 太郎`, `山田,太郎`), kanji and kana runs,
//! addresses from the token start, a prefecture or the end of a hiragana
//! particle, dates wherever a number or an era name starts.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::index::Index;
use crate::normalize::{self, fold};
use crate::schema::{ColumnType, NamePart};

/// Bytes of text either side of a primary element searched for the rest of
/// its row (about 200 Japanese or 600 Latin characters).
pub const WINDOW_BYTES: usize = 600;

/// Evidence (in [`ColumnType::evidence`] units) the cells beside a primary
/// element must give together: one strong cell (a phone, an address, a
/// date of birth, a whole name), or a surname and a given name together.
/// A surname alone beside a real member id is what a look-alike document
/// shows by chance.
pub const MIN_EVIDENCE: u32 = 12;

/// Examples kept per finding.
const MAX_EXAMPLES: usize = 5;

/// One dataset the matcher looks for.
pub struct Dataset {
    pub name: String,
    pub secret_id: Option<i64>,
    pub index: Index,
}

/// How serious a finding is: grows with the rows and the columns matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// High from 100 rows, or 10 rows with 4 columns; medium from 10 rows
    /// or 4 columns (a whole customer record); low otherwise.
    pub fn of(rows: usize, columns: usize) -> Severity {
        if rows >= 100 || (rows >= 10 && columns >= 4) {
            Severity::High
        } else if rows >= 10 || columns >= 4 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// Rows of one dataset found in one text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Match {
    pub dataset: String,
    pub secret_id: Option<i64>,
    /// Distinct rows found.
    pub rows: usize,
    /// The columns matched in at least one of them, in the dataset's order.
    pub columns: Vec<String>,
    /// Primary values of some rows, masked (`09*******78`).
    pub examples: Vec<String>,
    pub severity: Severity,
}

/// Datasets to look for; built once and shared by every scanner thread.
pub struct Matcher {
    datasets: Vec<Dataset>,
}

impl Matcher {
    pub fn new(datasets: Vec<Dataset>) -> Matcher {
        Matcher { datasets }
    }

    pub fn datasets(&self) -> &[Dataset] {
        &self.datasets
    }

    pub fn is_empty(&self) -> bool {
        self.datasets.is_empty()
    }

    /// Rows of every dataset found in `text`.
    pub fn find(&self, text: &str) -> Vec<Match> {
        if self.datasets.is_empty() || !may_hold_primary(text) {
            return Vec::new();
        }
        let t = fold(text);
        let mut by_type: HashMap<ColumnType, Vec<(usize, usize, String)>> = HashMap::new();
        let mut out = Vec::new();
        for ds in &self.datasets {
            let schema = ds.index.schema();
            let p_type = schema.primary().kind;
            let cands = by_type.entry(p_type).or_insert_with(|| primary_candidates(&t, p_type));
            let mut rows: BTreeSet<usize> = BTreeSet::new();
            let mut columns = 0u64;
            let mut examples = Vec::new();
            let mut tried: HashSet<&str> = HashSet::new();
            for (start, end, value) in cands.iter() {
                let p = ds.index.key().primary(p_type, value);
                let found = ds.index.lookup(p);
                if found.is_empty() {
                    continue;
                }
                let window = window(&t, *start, *end);
                let mut cells = Cells::new(window);
                for rec in found {
                    if rows.contains(&rec) {
                        continue;
                    }
                    let mask = corroborate(&ds.index, rec, p, &mut cells);
                    if mask == 0 {
                        continue;
                    }
                    rows.insert(rec);
                    columns |= mask | (1 << schema.primary);
                    if examples.len() < MAX_EXAMPLES && tried.insert(value.as_str()) {
                        examples.push(mask_value(p_type, value));
                    }
                }
            }
            if rows.is_empty() {
                continue;
            }
            let names: Vec<String> = schema
                .columns
                .iter()
                .enumerate()
                .filter(|(i, _)| columns & (1 << i) != 0)
                .map(|(_, c)| c.name.clone())
                .collect();
            out.push(Match {
                dataset: ds.name.clone(),
                secret_id: ds.secret_id,
                rows: rows.len(),
                severity: Severity::of(rows.len(), names.len()),
                columns: names,
                examples,
            });
        }
        out
    }
}

/// Whether a text may hold a primary element at all: every primary type
/// (an id, a phone number, an e-mail address) has a digit or an `@`, in
/// ASCII or full width (`０`–`９` are EF BC 90–99 in UTF-8, `＠` EF BC A0).
/// Most prose has neither and costs one pass over its bytes.
fn may_hold_primary(text: &str) -> bool {
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, &x)| {
        x.is_ascii_digit()
            || x == b'@'
            || (x == 0xEF && b.get(i + 1) == Some(&0xBC) && b.get(i + 2).is_some_and(|&y| (0x90..=0xA0).contains(&y)))
    })
}

/// Where the rest of a row is looked for around `[start, end)`: the line
/// when it is a table row (cells separated by tabs or commas: a CSV, a
/// spreadsheet, a PDF's table with columns set apart by spaces), else [`WINDOW_BYTES`] either side, on char
/// boundaries. A table row never lends its neighbours' cells.
fn window(t: &str, start: usize, end: usize) -> &str {
    let line_start = t[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = t[end..].find('\n').map_or(t.len(), |i| end + i);
    let line = &t[line_start..line_end];
    // A PDF's table rows come out with runs of spaces between the columns.
    if line.contains('\t') || line.matches(',').count() >= 2 || line.matches("  ").count() >= 2 {
        return line;
    }
    let mut a = start.saturating_sub(WINDOW_BYTES);
    while !t.is_char_boundary(a) {
        a -= 1;
    }
    let mut z = (end + WINDOW_BYTES).min(t.len());
    while !t.is_char_boundary(z) {
        z += 1;
    }
    &t[a..z]
}

/// The columns (bits) of record `rec` other than the primary whose value is
/// in the window.
fn corroborate(index: &Index, rec: usize, p: u64, cells: &mut Cells<'_>) -> u64 {
    let schema = index.schema();
    let key = index.key();
    let mut mask = 0u64;
    for (col, c) in schema.columns.iter().enumerate() {
        if col == schema.primary {
            continue;
        }
        let stored = index.tag(rec, col);
        let w = index.tag_width(col);
        if stored == 0 || w == 0 {
            continue;
        }
        if cells.of(c.kind).iter().any(|v| key.tag(p, col, v, w) == stored) {
            mask |= 1 << col;
        }
    }
    // 姓 and 名 written together (`山田太郎`): every split of a name.
    for kind in [ColumnType::Name, ColumnType::Kana] {
        let fam = schema.columns.iter().position(|c| c.kind == kind && c.part == NamePart::Family);
        let giv = schema.columns.iter().position(|c| c.kind == kind && c.part == NamePart::Given);
        let (Some(f), Some(g)) = (fam, giv) else { continue };
        if mask & (1 << f) != 0 && mask & (1 << g) != 0 {
            continue;
        }
        let (sf, sg) = (index.tag(rec, f), index.tag(rec, g));
        let (wf, wg) = (index.tag_width(f), index.tag_width(g));
        if sf == 0 || sg == 0 {
            continue;
        }
        'names: for v in cells.of(kind).iter() {
            for (i, _) in v.char_indices().skip(1) {
                if key.tag(p, f, &v[..i], wf) == sf && key.tag(p, g, &v[i..], wg) == sg {
                    mask |= (1 << f) | (1 << g);
                    break 'names;
                }
            }
        }
    }
    // A name and its reading say one thing: the kanji and kana of the
    // same part (family, given, whole) count once, at the higher value.
    let mut names = [0u32; 3];
    let mut evidence = 0u32;
    for (i, c) in schema.columns.iter().enumerate() {
        if mask & (1 << i) == 0 {
            continue;
        }
        let e = c.kind.evidence(c.part);
        match c.kind {
            ColumnType::Name | ColumnType::Kana => {
                let slot = &mut names[c.part as usize];
                *slot = (*slot).max(e);
            }
            _ => evidence += e,
        }
    }
    let evidence = evidence + names.iter().sum::<u32>();
    if evidence >= MIN_EVIDENCE {
        mask
    } else {
        0
    }
}

fn mask_value(t: ColumnType, v: &str) -> String {
    if t == ColumnType::Email {
        if let Some((local, domain)) = v.split_once('@') {
            let first: String = local.chars().take(1).collect();
            return format!("{first}***@{domain}");
        }
    }
    let chars: Vec<char> = v.chars().collect();
    let n = chars.len();
    let keep = if n >= 8 { 2 } else { usize::from(n >= 4) };
    chars.iter().enumerate().map(|(i, c)| if i < keep || i + keep >= n { *c } else { '*' }).collect()
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | '、'
                | '。'
                | '，'
                | ';'
                | '；'
                | ':'
                | '：'
                | '|'
                | '｜'
                | '「'
                | '」'
                | '『'
                | '』'
                | '('
                | ')'
                | '（'
                | '）'
                | '['
                | ']'
                | '【'
                | '】'
                | '<'
                | '>'
                | '＜'
                | '＞'
                | '"'
                | '\''
                | '“'
                | '”'
                | '‘'
                | '’'
                | '!'
                | '?'
                | '！'
                | '？'
                | '='
                | '＝'
        )
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々' | '〆' | 'ヶ')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー')
}

fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}')
}

const HONORIFICS: &[&str] = &["様", "殿", "氏", "君", "さん", "さま", "くん", "ちゃん"];

/// The candidate values of each type in a window, normalised, computed the
/// first time a type is asked for.
struct Cells<'a> {
    text: &'a str,
    tokens: Vec<&'a str>,
    by_type: HashMap<ColumnType, Vec<String>>,
}

impl<'a> Cells<'a> {
    fn new(text: &'a str) -> Cells<'a> {
        let tokens = text.split(is_delimiter).filter(|s| !s.is_empty()).collect();
        Cells { text, tokens, by_type: HashMap::new() }
    }

    fn of(&mut self, t: ColumnType) -> &[String] {
        if !self.by_type.contains_key(&t) {
            let raw = self.raw(t);
            let mut seen = HashSet::new();
            let vals: Vec<String> =
                raw.into_iter().filter_map(|s| t.normalize(&s)).filter(|v| seen.insert(v.clone())).collect();
            self.by_type.insert(t, vals);
        }
        self.by_type.get(&t).map_or(&[], Vec::as_slice)
    }

    /// Tokens joined with up to `n - 1` following ones, within `max_chars`.
    fn joined(&self, n: usize, max_chars: usize) -> Vec<String> {
        let mut out = Vec::new();
        for i in 0..self.tokens.len() {
            let mut s = String::new();
            for tok in self.tokens.iter().skip(i).take(n) {
                s.push_str(tok);
                if s.chars().count() > max_chars {
                    break;
                }
                out.push(s.clone());
            }
        }
        out
    }

    fn runs(&self, pred: fn(char) -> bool) -> Vec<&'a str> {
        let mut out = Vec::new();
        let mut start = None;
        for (i, c) in self.text.char_indices() {
            match (pred(c), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push(&self.text[s..i]);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(&self.text[s..]);
        }
        out
    }

    fn raw(&self, t: ColumnType) -> Vec<String> {
        match t {
            ColumnType::Phone => primary_candidates(self.text, t).into_iter().map(|(_, _, v)| v).collect(),
            ColumnType::Email => primary_candidates(self.text, t).into_iter().map(|(_, _, v)| v).collect(),
            ColumnType::Id => {
                let mut v: Vec<String> = self.tokens.iter().map(|s| (*s).to_owned()).collect();
                v.extend(primary_candidates(self.text, t).into_iter().map(|(_, _, v)| v));
                v
            }
            ColumnType::Postal => {
                let mut v: Vec<String> = self.tokens.iter().map(|s| (*s).to_owned()).collect();
                v.extend(self.runs(|c| c.is_ascii_digit() || c == '-').into_iter().map(str::to_owned));
                v
            }
            ColumnType::Date => dates(self.text),
            ColumnType::Name => {
                let mut v = self.joined(3, 12);
                for run in self.runs(is_kanji).into_iter().chain(self.runs(is_katakana)) {
                    let run = strip_honorific(run);
                    let chars: Vec<(usize, char)> = run.char_indices().collect();
                    v.push(run.to_owned());
                    // A name starts or ends a run (`山田太郎様`, `お客様山田太郎`).
                    for len in 2..=6.min(chars.len()) {
                        let end = chars.get(len).map_or(run.len(), |(i, _)| *i);
                        v.push(run[..end].to_owned());
                        let start = chars[chars.len() - len].0;
                        v.push(run[start..].to_owned());
                    }
                }
                v.into_iter().map(|s| strip_honorific(&s).to_owned()).collect()
            }
            ColumnType::Kana => {
                let mut v = self.joined(3, 20);
                v.extend(self.runs(is_katakana).into_iter().map(str::to_owned));
                v.extend(self.runs(is_hiragana).into_iter().map(|s| strip_honorific(s).to_owned()));
                v
            }
            ColumnType::Address => {
                let mut v = Vec::new();
                for s in self.joined(3, 60) {
                    v.extend(address_starts(&s));
                }
                v
            }
            ColumnType::Free => self.joined(2, 40),
        }
    }
}

fn strip_honorific(s: &str) -> &str {
    HONORIFICS.iter().find_map(|h| s.strip_suffix(h)).filter(|r| !r.is_empty()).unwrap_or(s)
}

/// The places an address may start in a token: its start, after a
/// prefecture, and after a hiragana particle before a kanji (`住所は東京都…`).
fn address_starts(s: &str) -> Vec<String> {
    let mut starts = vec![0usize];
    for p in normalize::PREFECTURES {
        if let Some(i) = s.find(p) {
            starts.push(i);
        }
    }
    let mut prev = None;
    for (i, c) in s.char_indices() {
        if prev.is_some_and(is_hiragana) && is_kanji(c) {
            starts.push(i);
        }
        prev = Some(c);
    }
    starts.sort_unstable();
    starts.dedup();
    starts.into_iter().take(8).filter_map(|i| s.get(i..)).map(str::to_owned).collect()
}

/// Every date in a (folded) text, canonical.
fn dates(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in t.char_indices() {
        let starts = (c.is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_digit()))
            || matches!(
                c,
                '明' | '大'
                    | '昭'
                    | '平'
                    | '令'
                    | 'M'
                    | 'T'
                    | 'S'
                    | 'H'
                    | 'R'
                    | 'm'
                    | 't'
                    | 's'
                    | 'h'
                    | 'r'
                    | '㍾'
                    | '㍽'
                    | '㍼'
                    | '㍻'
                    | '㋿'
            );
        if starts {
            if let Some((d, _)) = t.get(i..).and_then(normalize::date_prefix) {
                out.push(d);
            }
        }
        prev = Some(c);
    }
    out
}

fn is_phone_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | '.' | ' ' | '+' | 'ー')
}

/// Candidates of a patterned type in a (folded) text: byte range and the
/// normalised value. Other types yield tokens.
pub(crate) fn primary_candidates(t: &str, kind: ColumnType) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    match kind {
        ColumnType::Phone => {
            let chars: Vec<(usize, char)> = t.char_indices().collect();
            let mut i = 0;
            while i < chars.len() {
                let (b, c) = chars[i];
                let prev_alnum = i > 0 && chars[i - 1].1.is_ascii_alphanumeric();
                if (c.is_ascii_digit() || c == '+' || c == '(') && !prev_alnum {
                    let mut j = i;
                    let mut digits = 0;
                    while j < chars.len() && is_phone_char(chars[j].1) && digits <= 13 {
                        if chars[j].1 == ' ' && chars.get(j + 1).is_some_and(|n| n.1 == ' ') {
                            break;
                        }
                        if chars[j].1.is_ascii_digit() {
                            digits += 1;
                        }
                        j += 1;
                    }
                    let end = chars.get(j).map_or(t.len(), |x| x.0);
                    let span = &t[b..end];
                    let pieces: Vec<&str> = span.split(' ').filter(|p| !p.is_empty()).collect();
                    let mut found = false;
                    for a in 0..pieces.len() {
                        for z in (a + 1..=pieces.len()).rev() {
                            let joined = pieces[a..z].join(" ");
                            let trimmed = joined.trim_end_matches(|c: char| !c.is_ascii_digit());
                            if let Some(v) = normalize::phone(trimmed) {
                                out.push((b, end, v));
                                found = true;
                                break;
                            }
                        }
                    }
                    i = if found || j == i { j.max(i + 1) } else { j };
                } else {
                    i += 1;
                }
            }
        }
        ColumnType::Email => {
            let is_local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
            let is_domain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
            for (at, _) in t.match_indices('@') {
                let start =
                    t[..at].char_indices().rev().take_while(|(_, c)| is_local(*c)).last().map_or(at, |(i, _)| i);
                let end = t[at + 1..].char_indices().find(|(_, c)| !is_domain(*c)).map_or(t.len(), |(i, _)| at + 1 + i);
                let cand = t[start..end].trim_end_matches('.');
                if let Some(v) = normalize::email(cand) {
                    out.push((start, start + cand.len(), v));
                }
            }
        }
        ColumnType::Id => {
            let is_id = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            let mut start = None;
            for (i, c) in t.char_indices().chain(std::iter::once((t.len(), ' '))) {
                match (is_id(c), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        let tok = &t[s..i];
                        if (3..=40).contains(&tok.len()) && tok.chars().any(|c| c.is_ascii_digit()) {
                            if let Some(v) = normalize::id(tok) {
                                out.push((s, i, v));
                            }
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        _ => {
            let mut pos = 0;
            for tok in t.split(is_delimiter) {
                let s = pos;
                pos += tok.len() + 1;
                if let Some(v) = kind.normalize(tok) {
                    out.push((s, s + tok.len(), v));
                }
            }
        }
    }
    out
}
