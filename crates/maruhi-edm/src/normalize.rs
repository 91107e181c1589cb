//! Japanese-aware normalisation of database values, one function per
//! column type. The index builder and the matcher call the same functions,
//! so a value written differently in a leaked file (full-width digits,
//! another hyphen, 和暦, 漢数字, an old kanji form) meets its row.
//!
//! Every function returns `None` when the input is not a value of its type;
//! the output is a canonical string that is only ever hashed.

/// Folds width and hyphen variants: full-width ASCII to ASCII, the
/// ideographic space to a space, half-width katakana to full-width (with
/// voiced marks composed), and the dash family to `-`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let u = c as u32;
        match c {
            '\u{FF01}'..='\u{FF5E}' => out.push(char::from_u32(u - 0xFEE0).unwrap_or(c)),
            '\u{3000}' => out.push(' '),
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2043}' | '\u{FE63}' | '\u{FE58}' => out.push('-'),
            '\u{FF9E}' | '\u{FF9F}' => {
                let voiced = c == '\u{FF9E}';
                if let Some(prev) = out.pop() {
                    out.push(compose_mark(prev, voiced));
                }
            }
            '\u{FF61}'..='\u{FF9D}' => out.push(half_kana(c)),
            '\u{30F6}' => out.push('ケ'),
            '\u{30F5}' => out.push('カ'),
            _ => out.push(c),
        }
    }
    out
}

const HALF_KANA: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

fn half_kana(c: char) -> char {
    let i = (c as u32 - 0xFF61) as usize;
    HALF_KANA.chars().nth(i).unwrap_or(c)
}

/// Composes a voiced (゛) or semi-voiced (゜) mark with the kana before it.
fn compose_mark(prev: char, voiced: bool) -> char {
    let u = prev as u32;
    let is = |lo: char, hi: char| (lo as u32..=hi as u32).contains(&u);
    let base = if voiced {
        if prev == 'ウ' {
            return 'ヴ';
        }
        is('カ', 'ド') || is('ハ', 'ポ')
    } else {
        is('ハ', 'ポ')
    };
    // In the katakana block the voiced form follows its base (カ ガ), the
    // semi-voiced one comes second (ハ バ パ); the bases are every third
    // code point from ハ and every second from カ to ド (with ッ/ツ aside).
    if !base {
        return prev;
    }
    let step = if voiced { 1 } else { 2 };
    char::from_u32(u + step).unwrap_or(prev)
}

/// Hiragana to katakana, so that readings written either way meet.
pub fn to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Old (旧字体) and variant forms common in names and place names, with the
/// form registered databases usually hold. Not exhaustive: the common
/// surnames' variants (髙橋, 﨑, 邊/邉, 澤, 齋/齊, 濱, 廣, 德, 櫻, 藏 …).
const OLD_FORMS: &[(char, char)] = &[
    ('髙', '高'),
    ('﨑', '崎'),
    ('嵜', '崎'),
    ('邊', '辺'),
    ('邉', '辺'),
    ('澤', '沢'),
    ('齋', '斎'),
    ('齊', '斉'),
    ('濱', '浜'),
    ('廣', '広'),
    ('德', '徳'),
    ('櫻', '桜'),
    ('藏', '蔵'),
    ('國', '国'),
    ('眞', '真'),
    ('龍', '竜'),
    ('惠', '恵'),
    ('榮', '栄'),
    ('壽', '寿'),
    ('學', '学'),
    ('實', '実'),
    ('與', '与'),
    ('圓', '円'),
    ('嶋', '島'),
    ('嶌', '島'),
    ('冨', '富'),
    ('塚', '塚'),
    ('槇', '槙'),
    ('瀨', '瀬'),
    ('淺', '浅'),
    ('關', '関'),
    ('驛', '駅'),
    ('縣', '県'),
    ('靜', '静'),
    ('檜', '桧'),
    ('埼', '埼'),
    ('穗', '穂'),
    ('祐', '祐'),
    ('禮', '礼'),
    ('萬', '万'),
    ('遙', '遥'),
    ('曻', '昇'),
    ('恆', '恒'),
    ('淵', '渕'),
    ('莊', '荘'),
];

fn new_form(c: char) -> char {
    OLD_FORMS.iter().find(|(old, _)| *old == c).map_or(c, |(_, new)| *new)
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '・' || c == '･'
}

/// A person's name in kanji (or any script): no spaces or middle dots,
/// new kanji forms, full-width katakana.
pub fn name(s: &str) -> Option<String> {
    let out: String = fold(s).chars().filter(|c| !is_space(*c)).map(new_form).collect();
    (out.chars().count() >= 1 && !out.chars().all(|c| c.is_ascii_digit())).then_some(out)
}

/// A reading in kana (フリガナ): as [`name`], hiragana as katakana.
pub fn kana(s: &str) -> Option<String> {
    name(&to_katakana(s))
}

/// A Japanese phone number: the digits of a domestic number (`0` first, 10
/// or 11 digits), whatever the separators and width; `+81` and `81` become
/// the leading `0` (`+81 (0)3 …` too).
pub fn phone(s: &str) -> Option<String> {
    let f = fold(s);
    let mut digits = String::with_capacity(12);
    let mut plus = false;
    for c in f.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() => plus = true,
            '-' | ' ' | '(' | ')' | '.' | 'ー' | '－' | '‐' => {}
            _ => return None,
        }
    }
    let national = if plus || (digits.starts_with("81") && (digits.len() == 11 || digits.len() == 12)) {
        let rest = digits.strip_prefix("81")?;
        if rest.starts_with('0') {
            rest.to_owned()
        } else {
            format!("0{rest}")
        }
    } else {
        digits
    };
    (national.starts_with('0') && (national.len() == 10 || national.len() == 11)).then_some(national)
}

/// An e-mail address, lower case.
pub fn email(s: &str) -> Option<String> {
    let f = fold(s).trim().to_ascii_lowercase();
    let (local, domain) = f.split_once('@')?;
    let ok_local = !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let ok_domain = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    (ok_local && ok_domain).then_some(f)
}

/// A member, customer or order id: letters and digits only, upper case
/// (hyphens and spaces inside ids are written either way).
pub fn id(s: &str) -> Option<String> {
    let out: String =
        fold(s).chars().filter(|c| !matches!(c, '-' | '_' | ' ' | 'ー')).map(|c| c.to_ascii_uppercase()).collect();
    (out.len() >= 3 && out.chars().all(|c| c.is_ascii_alphanumeric())).then_some(out)
}

/// A postal code: seven digits (`〒`, hyphens and width aside).
pub fn postal(s: &str) -> Option<String> {
    let f = fold(s);
    let t = f.trim().trim_start_matches('〒').trim();
    let mut out = String::with_capacity(7);
    for c in t.chars() {
        match c {
            '0'..='9' => out.push(c),
            '-' | 'ー' => {}
            _ => return None,
        }
    }
    (out.len() == 7).then_some(out)
}

/// The free text of any other column: width folded, no spaces, lower case.
pub fn free(s: &str) -> Option<String> {
    let out: String = fold(s).chars().filter(|c| !is_space(*c)).map(new_form).flat_map(char::to_lowercase).collect();
    (!out.is_empty()).then_some(out)
}

const ERAS: &[(&str, i32)] = &[
    ("明治", 1868),
    ("大正", 1912),
    ("昭和", 1926),
    ("平成", 1989),
    ("令和", 2019),
    ("M", 1868),
    ("T", 1912),
    ("S", 1926),
    ("H", 1989),
    ("R", 2019),
    ("m", 1868),
    ("t", 1912),
    ("s", 1926),
    ("h", 1989),
    ("r", 2019),
    ("㍾", 1868),
    ("㍽", 1912),
    ("㍼", 1926),
    ("㍻", 1989),
    ("㋿", 2019),
];

/// A date (of birth): `YYYYMMDD`, from `1980-01-02`, `1980/1/2`,
/// `1980年1月2日`, `19800102`, `昭和55年1月2日`, `S55.1.2`, `平成元年…`.
pub fn date(s: &str) -> Option<String> {
    let f = fold(s);
    let t = f.trim();
    let (d, used) = date_prefix(t)?;
    let rest = t.get(used..)?.trim();
    rest.is_empty().then_some(d)
}

/// A date at the start of `s` (already folded): the canonical form and the
/// bytes it took. The matcher calls it at each place a date may start.
pub fn date_prefix(s: &str) -> Option<(String, usize)> {
    let mut p = Parser { s, i: 0 };
    let year = if let Some(base) = p.era() {
        p.skip_spaces();
        let n = if p.eat("元") { 1 } else { p.number(1, 2)? };
        p.skip_spaces();
        if !(p.eat("年") || p.eat(".") || p.eat("/") || p.eat("-")) {
            return None;
        }
        base + n as i32 - 1
    } else {
        let start = p.i;
        let n = p.number(4, 8)?;
        let len = p.i - start;
        if len == 8 {
            let (y, m, d) = (n / 10000, n / 100 % 100, n % 100);
            return valid(y as i32, m, d).map(|v| (v, p.i));
        }
        if len != 4 {
            return None;
        }
        p.skip_spaces();
        if !(p.eat("年") || p.eat("/") || p.eat("-") || p.eat(".")) {
            return None;
        }
        n as i32
    };
    p.skip_spaces();
    let month = p.number(1, 2)?;
    p.skip_spaces();
    if !(p.eat("月") || p.eat("/") || p.eat("-") || p.eat(".")) {
        return None;
    }
    p.skip_spaces();
    let day = p.number(1, 2)?;
    p.skip_spaces();
    let _ = p.eat("日");
    valid(year, month, day).map(|v| (v, p.i))
}

fn valid(y: i32, m: u32, d: u32) -> Option<String> {
    ((1850..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| format!("{y:04}{m:02}{d:02}"))
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.i..).unwrap_or("")
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn skip_spaces(&mut self) {
        while self.eat(" ") {}
    }
    fn era(&mut self) -> Option<i32> {
        for (name, base) in ERAS {
            if self.rest().starts_with(name) {
                // A Latin era letter must be followed by a digit (`S55`), not a word.
                let after = self.rest().get(name.len()..).and_then(|r| r.chars().next());
                if name.is_ascii() && !after.is_some_and(|c| c.is_ascii_digit()) {
                    continue;
                }
                self.i += name.len();
                return Some(*base);
            }
        }
        None
    }
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let digits: String = self.rest().chars().take_while(char::is_ascii_digit).take(max + 1).collect();
        if digits.len() < min || digits.len() > max {
            return None;
        }
        self.i += digits.len();
        digits.parse().ok()
    }
}

/// The prefectures (都道府県), which an address may omit.
pub const PREFECTURES: &[&str] = &[
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九".chars().position(|k| k == c).map(|p| p as u32)
}

fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || matches!(c, '十' | '百' | '千')
}

/// The value of a run of 漢数字: positional (`二〇三`) or with 十/百/千 (`二十三`).
fn kanji_number(run: &[char]) -> Option<u32> {
    if run.iter().any(|c| matches!(c, '十' | '百' | '千')) {
        let (mut total, mut digit) = (0u32, None);
        for &c in run {
            match c {
                '十' | '百' | '千' => {
                    let unit = match c {
                        '十' => 10,
                        '百' => 100,
                        _ => 1000,
                    };
                    total = total.checked_add(digit.take().unwrap_or(1) * unit)?;
                }
                _ => digit = Some(kanji_digit(c)?),
            }
        }
        total.checked_add(digit.unwrap_or(0))
    } else {
        run.iter().try_fold(0u32, |acc, &c| acc.checked_mul(10)?.checked_add(kanji_digit(c)?))
    }
}

const BLOCK_MARKERS: &[&str] = &["丁目", "番地", "番", "号", "丁"];

/// An address up to its block number: no prefecture, no spaces, 大字/字
/// dropped, 丁目/番地/番/号 and の between numbers as `-`, 漢数字 before those
/// markers as digits, and the building and room (whatever follows the first
/// block number) cut off. `東京都千代田区丸の内一丁目2番3号 丸の内ビル5F`
/// and `千代田区丸の内1-2-3` give the same value.
pub fn address(s: &str) -> Option<String> {
    let folded: String = fold(s).chars().filter(|c| !c.is_whitespace()).map(new_form).collect();
    let mut t = folded.as_str();
    for p in PREFECTURES {
        if let Some(rest) = t.strip_prefix(p) {
            t = rest;
            break;
        }
    }
    let t = t.replace("大字", "");
    let chars: Vec<char> = t.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    let markers: Vec<Vec<char>> = BLOCK_MARKERS.iter().map(|m| m.chars().collect()).collect();
    let marker_at = |i: usize| -> Option<usize> {
        let rest = chars.get(i..)?;
        markers.iter().find(|m| rest.starts_with(m)).map(Vec::len)
    };
    while i < chars.len() {
        let c = chars[i];
        if is_kanji_numeral(c) {
            let start = i;
            while i < chars.len() && is_kanji_numeral(chars[i]) {
                i += 1;
            }
            let before_dash = out.last() == Some(&'-');
            let marker_after = marker_at(i).is_some() || chars.get(i) == Some(&'-') || chars.get(i) == Some(&'の');
            match kanji_number(&chars[start..i]) {
                Some(n) if marker_after || before_dash => out.extend(n.to_string().chars()),
                _ => out.extend(&chars[start..i]),
            }
            continue;
        }
        let after_digit = out.last().is_some_and(char::is_ascii_digit);
        if after_digit {
            if let Some(len) = marker_at(i) {
                out.push('-');
                i += len;
                continue;
            }
            if matches!(c, 'の' | 'ー' | '-')
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit() || is_kanji_numeral(*n))
            {
                out.push('-');
                i += 1;
                continue;
            }
        }
        // `12番地の3`: the marker already gave the `-`.
        if out.last() == Some(&'-')
            && matches!(c, 'の' | 'ー' | '-')
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit() || is_kanji_numeral(*n))
        {
            i += 1;
            continue;
        }
        if c == '字' && out.last().is_some_and(|p| matches!(p, '町' | '村' | '郡')) {
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    // Cut after the first run of digits joined by `-` (the block number).
    let mut end = out.len();
    let mut j = 0;
    while j < out.len() {
        if out[j].is_ascii_digit() {
            let start = j;
            while j < out.len() && (out[j].is_ascii_digit() || out[j] == '-') {
                j += 1;
            }
            if out[start..j].contains(&'-') {
                end = j;
                break;
            }
        } else {
            j += 1;
        }
    }
    let mut v: String = out[..end].iter().collect();
    while v.ends_with('-') {
        v.pop();
    }
    (v.chars().count() >= 4 && v.chars().any(|c| !c.is_ascii_digit() && c != '-')).then_some(v)
}
