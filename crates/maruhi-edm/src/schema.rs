//! Column types, detected from the header and the first values or declared
//! in a schema file.

use std::fmt;

use crate::normalize;
use crate::Error;

/// What a column holds; decides its normalisation and how the matcher
/// finds its values in text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Id,
    Phone,
    Email,
    Postal,
    Date,
    Name,
    Kana,
    Address,
    Free,
}

impl ColumnType {
    pub const ALL: [ColumnType; 9] = [
        ColumnType::Id,
        ColumnType::Phone,
        ColumnType::Email,
        ColumnType::Postal,
        ColumnType::Date,
        ColumnType::Name,
        ColumnType::Kana,
        ColumnType::Address,
        ColumnType::Free,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Id => "id",
            ColumnType::Phone => "phone",
            ColumnType::Email => "email",
            ColumnType::Postal => "postal",
            ColumnType::Date => "date",
            ColumnType::Name => "name",
            ColumnType::Kana => "kana",
            ColumnType::Address => "address",
            ColumnType::Free => "free",
        }
    }

    pub fn parse(s: &str) -> Option<ColumnType> {
        ColumnType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_code(c: u8) -> Option<ColumnType> {
        ColumnType::ALL.get(usize::from(c)).copied()
    }

    /// The canonical form of a value of this type, or `None`.
    pub fn normalize(self, s: &str) -> Option<String> {
        match self {
            ColumnType::Id => normalize::id(s),
            ColumnType::Phone => normalize::phone(s),
            ColumnType::Email => normalize::email(s),
            ColumnType::Postal => normalize::postal(s),
            ColumnType::Date => normalize::date(s),
            ColumnType::Name => normalize::name(s),
            ColumnType::Kana => normalize::kana(s),
            ColumnType::Address => normalize::address(s),
            ColumnType::Free => normalize::free(s),
        }
    }

    /// Bytes of the keyed tag kept per row for a column of this type.
    /// Patterned values are found in few places of a text, so a short tag
    /// keeps chance matches rare; whole names, addresses and free text are
    /// tried at many places and get a longer one. A surname or a given name
    /// alone never corroborates a row (see [`ColumnType::evidence`]): it
    /// counts with the other part, 32 bits together.
    pub(crate) fn tag_bytes(self, part: NamePart) -> usize {
        match (self, part) {
            (ColumnType::Name | ColumnType::Kana, NamePart::Family | NamePart::Given) => 2,
            (ColumnType::Id | ColumnType::Phone | ColumnType::Email | ColumnType::Postal | ColumnType::Date, _) => 2,
            (ColumnType::Name | ColumnType::Kana | ColumnType::Address | ColumnType::Free, _) => 3,
        }
    }

    /// How much a matching cell of this type (and name part) tells that the
    /// row is really there, in rough bits: how many people share such a
    /// value. A surname alone (佐藤 is one Japanese in 60) is weak; a phone
    /// number, an e-mail address or a street address is strong.
    pub fn evidence(self, part: NamePart) -> u32 {
        match (self, part) {
            (ColumnType::Id | ColumnType::Phone | ColumnType::Email, _) => 20,
            (ColumnType::Address, _) => 16,
            (ColumnType::Date, _) => 14,
            (ColumnType::Name, NamePart::Whole) => 14,
            (ColumnType::Kana, NamePart::Whole) => 12,
            (ColumnType::Name | ColumnType::Kana, _) => 6,
            (ColumnType::Postal, _) => 8,
            (ColumnType::Free, _) => 10,
        }
    }

    /// Whether values of this type may be a row's primary element: they
    /// must be patterned (found without a word breaker) and nearly unique.
    pub fn may_be_primary(self) -> bool {
        matches!(self, ColumnType::Id | ColumnType::Phone | ColumnType::Email)
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name column that is one part of a full name (姓 or 名, セイ or メイ):
/// the matcher also recognises the two written together (`山田太郎`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    Whole,
    Family,
    Given,
}

/// One column of a dataset.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    /// The header as exported.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    pub part: NamePart,
}

/// The columns of a dataset and which one is primary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    pub columns: Vec<Column>,
    pub primary: usize,
}

/// What a schema file declares: types by header, the primary column, and
/// headers to leave out of the index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Declared {
    pub primary: Option<String>,
    pub types: Vec<(String, ColumnType)>,
    pub ignore: Vec<String>,
}

impl Declared {
    /// Parses a schema file, a small subset of TOML:
    ///
    /// ```toml
    /// primary = "会員番号"
    /// ignore = ["備考"]
    /// [columns]
    /// "会員番号" = "id"
    /// "電話番号" = "phone"
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Schema`] with the line number of what it cannot read.
    pub fn parse(text: &str) -> Result<Declared, Error> {
        let mut d = Declared::default();
        let mut in_columns = false;
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let bad = |what: &str| Error::Schema { line: line_no, message: what.to_owned() };
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('[') {
                match line {
                    "[columns]" => in_columns = true,
                    _ => return Err(bad("unknown table (only [columns])")),
                }
                continue;
            }
            let (key, value) = line.split_once('=').ok_or_else(|| bad("expected key = value"))?;
            let key = unquote(key.trim()).ok_or_else(|| bad("bad key"))?;
            let value = value.trim();
            if in_columns {
                let v = unquote(value).ok_or_else(|| bad("expected a quoted type"))?;
                let t = ColumnType::parse(&v).ok_or_else(|| bad("unknown column type"))?;
                d.types.push((key, t));
            } else {
                match key.as_str() {
                    "primary" => d.primary = Some(unquote(value).ok_or_else(|| bad("expected a quoted header"))?),
                    "ignore" => {
                        let inner = value
                            .strip_prefix('[')
                            .and_then(|v| v.strip_suffix(']'))
                            .ok_or_else(|| bad("expected a list"))?;
                        for item in inner.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                            d.ignore.push(unquote(item).ok_or_else(|| bad("expected a quoted header"))?);
                        }
                    }
                    _ => return Err(bad("unknown key (primary, ignore, [columns])")),
                }
            }
        }
        Ok(d)
    }
}

fn strip_comment(line: &str) -> &str {
    let mut in_quote = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '#' if !in_quote => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        if inner.contains('"') || inner.contains('\\') {
            return None;
        }
        return Some(inner.to_owned());
    }
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')).then(|| s.to_owned())
}

/// The type a header suggests, with the name part.
fn from_header(h: &str) -> Option<(ColumnType, NamePart)> {
    let f = normalize::fold(h).to_lowercase();
    let f = f.trim();
    let has = |words: &[&str]| words.iter().any(|w| f.contains(w));
    match f {
        "セイ" | "せい" => return Some((ColumnType::Kana, NamePart::Family)),
        "メイ" | "めい" => return Some((ColumnType::Kana, NamePart::Given)),
        _ => {}
    }
    if has(&["フリガナ", "ふりがな", "カナ", "かな", "よみ", "読み", "kana", "furigana"]) {
        let part = if has(&["セイ", "せい", "姓"]) {
            NamePart::Family
        } else if has(&["メイ", "めい"]) || f.ends_with('名') && !f.contains("氏名") {
            NamePart::Given
        } else {
            NamePart::Whole
        };
        return Some((ColumnType::Kana, part));
    }
    if has(&["メール", "mail"]) {
        return Some((ColumnType::Email, NamePart::Whole));
    }
    if has(&["電話", "tel", "phone", "携帯", "fax", "mobile"]) {
        return Some((ColumnType::Phone, NamePart::Whole));
    }
    if has(&["郵便", "〒", "zip", "postal", "postcode"]) {
        return Some((ColumnType::Postal, NamePart::Whole));
    }
    if has(&["生年月日", "誕生日", "birth", "dob", "日付", "date"]) {
        return Some((ColumnType::Date, NamePart::Whole));
    }
    if has(&["住所", "所在地", "address"]) {
        return Some((ColumnType::Address, NamePart::Whole));
    }
    if matches!(f, "姓" | "苗字" | "名字" | "last name" | "family name" | "surname" | "last_name" | "lastname") {
        return Some((ColumnType::Name, NamePart::Family));
    }
    if matches!(f, "名" | "first name" | "given name" | "first_name" | "firstname") {
        return Some((ColumnType::Name, NamePart::Given));
    }
    if has(&["氏名", "名前", "name", "顧客名", "会員名"]) {
        return Some((ColumnType::Name, NamePart::Whole));
    }
    if has(&["id", "番号", "no", "コード", "code", "会員", "顧客", "customer", "member", "order", "注文"]) {
        return Some((ColumnType::Id, NamePart::Whole));
    }
    None
}

/// The type the values of a column suggest, when its header does not.
fn from_values(values: &[&str]) -> ColumnType {
    let filled: Vec<&str> = values.iter().copied().filter(|v| !v.trim().is_empty()).collect();
    if filled.is_empty() {
        return ColumnType::Free;
    }
    for t in [ColumnType::Email, ColumnType::Phone, ColumnType::Postal, ColumnType::Date] {
        if filled.iter().all(|v| t.normalize(v).is_some()) {
            return t;
        }
    }
    ColumnType::Free
}

impl Schema {
    /// Detects the schema of a CSV export from its header and first rows,
    /// with what a schema file declares taking precedence. Returns the
    /// schema and, for each CSV field, the schema column it feeds.
    ///
    /// # Errors
    ///
    /// [`Error::NoPrimary`] when no column can be primary, [`Error::Schema`]
    /// when a declared header is not in the file.
    pub fn detect(
        header: &[String],
        sample: &[Vec<String>],
        declared: &Declared,
    ) -> Result<(Schema, Vec<Option<usize>>), Error> {
        for (h, _) in &declared.types {
            if !header.iter().any(|x| x.trim() == h) {
                return Err(Error::Schema {
                    line: 0,
                    message: format!("the declared column {h:?} is not in the header"),
                });
            }
        }
        let mut columns = Vec::new();
        let mut fields = Vec::new();
        for (i, h) in header.iter().enumerate() {
            let h = h.trim();
            if h.is_empty() || declared.ignore.iter().any(|x| x == h) {
                fields.push(None);
                continue;
            }
            let detected = from_header(h);
            let (kind, part) = match declared.types.iter().find(|(x, _)| x == h) {
                Some((_, t)) => (*t, detected.filter(|(k, _)| k == t).map_or(NamePart::Whole, |(_, p)| p)),
                None => detected.unwrap_or_else(|| {
                    let values: Vec<&str> = sample.iter().filter_map(|r| r.get(i).map(String::as_str)).collect();
                    (from_values(&values), NamePart::Whole)
                }),
            };
            fields.push(Some(columns.len()));
            columns.push(Column { name: h.to_owned(), kind, part });
        }
        let primary = match &declared.primary {
            Some(p) => columns.iter().position(|c| &c.name == p).ok_or_else(|| Error::Schema {
                line: 0,
                message: format!("the primary column {p:?} is not in the header"),
            })?,
            None => [ColumnType::Id, ColumnType::Phone, ColumnType::Email]
                .iter()
                .find_map(|t| columns.iter().position(|c| c.kind == *t))
                .ok_or(Error::NoPrimary)?,
        };
        let Some(p) = columns.get(primary) else { return Err(Error::NoPrimary) };
        if !p.kind.may_be_primary() {
            return Err(Error::NoPrimary);
        }
        if columns.len() < 2 {
            return Err(Error::Schema {
                line: 0,
                message: "a dataset needs a primary column and at least one more".into(),
            });
        }
        if columns.len() > 64 {
            return Err(Error::Schema { line: 0, message: "at most 64 columns".into() });
        }
        Ok((Schema { columns, primary }, fields))
    }

    pub fn primary(&self) -> &Column {
        &self.columns[self.primary]
    }
}
