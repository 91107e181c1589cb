//! Maps text into the canonical character stream that fingerprints are taken
//! over, remembering for every output char the bytes of the input it came from.
//!
//! The steps, in order, for each char:
//!
//! 1. NFKC (UAX #15): full/half width forms, compatibility characters (①, ㈱,
//!    ㍻), and composition (ｶﾞ → ガ, e + U+0301 → é).
//! 2. Folding: hyphen, dash and long-vowel variants (`- ‐ – — ― − ー ｰ ─`) all
//!    become ー; katakana becomes hiragana; old kanji forms become new ones
//!    (a table of ~290 旧字体 → 新字体 pairs); everything else is lowercased.
//! 3. Filtering: only letters and numbers (Unicode Alphabetic or Numeric, which
//!    includes kanji, kana, ー and the iteration marks 々 ゝ ゞ) and private-use
//!    chars (外字) are kept. Whitespace, punctuation, symbols, controls and any
//!    combining mark NFKC could not compose are dropped, so re-wrapping lines or
//!    re-punctuating a copy does not change its stream.
//!
//! Offsets: NFKC can merge several input chars into one (ｶﾞ) and expand one
//! into several (㍻ → 平成), so the input is cut into *segments* at chars that
//! NFKC can never combine with what precedes them (a "boundary before" in the
//! sense of UAX #15 §9 and ICU). Normalising segment by segment gives exactly
//! the same text as normalising the whole, and every output char is attributed
//! to the bytes of its segment. Almost every Japanese and English char is a
//! segment of its own, which makes it the fast path: one lookup in a BMP table
//! (built once from the ICU-based slow path, see `normalize_with`) gives
//! what it becomes. Other segments go through ICU and are split further when
//! that provably gives the same text.

use std::fmt;
use std::ops::Range;

use icu_normalizer::properties::{CanonicalCombiningClassMap, CanonicalCombiningClassMapBorrowed};
use icu_normalizer::{
    ComposingNormalizer, ComposingNormalizerBorrowed, DecomposingNormalizer, DecomposingNormalizerBorrowed,
};

use crate::{kanji, Error};

/// The canonical long-vowel/dash char that every dash variant folds to.
pub const DASH: char = 'ー';

/// Documents are addressed with `u32` byte offsets, which keeps positions
/// compact in the index and in the future memory-mapped file.
pub const MAX_DOCUMENT_BYTES: usize = u32::MAX as usize;

const NFKC: ComposingNormalizerBorrowed<'static> = ComposingNormalizer::new_nfkc();
const NFKD: DecomposingNormalizerBorrowed<'static> = DecomposingNormalizer::new_nfkd();
const CCC: CanonicalCombiningClassMapBorrowed<'static> = CanonicalCombiningClassMap::new();

/// Starters (ccc 0) that canonical composition can attach to a preceding char,
/// for example Hangul vowel and trailing jamo and some Indic vowel signs.
/// Generated from the ICU data by the test `backward_combining_table_matches_icu`.
const BACKWARD_COMBINING: &[(u32, u32)] = &[
    (0x09BE, 0x09BE),
    (0x09D7, 0x09D7),
    (0x0B3E, 0x0B3E),
    (0x0B56, 0x0B57),
    (0x0BBE, 0x0BBE),
    (0x0BD7, 0x0BD7),
    (0x0CC2, 0x0CC2),
    (0x0CD5, 0x0CD6),
    (0x0D3E, 0x0D3E),
    (0x0D57, 0x0D57),
    (0x0DCF, 0x0DCF),
    (0x0DDF, 0x0DDF),
    (0x102E, 0x102E),
    (0x1161, 0x1175),
    (0x11A8, 0x11C2),
    (0x1B35, 0x1B35),
    (0x11127, 0x11127),
    (0x1133E, 0x1133E),
    (0x11357, 0x11357),
    (0x113B8, 0x113B8),
    (0x113BB, 0x113BB),
    (0x113C2, 0x113C2),
    (0x113C9, 0x113C9),
    (0x114B0, 0x114B0),
    (0x114BA, 0x114BA),
    (0x114BD, 0x114BD),
    (0x115AF, 0x115AF),
    (0x11930, 0x11930),
    (0x1611E, 0x16120),
    (0x16129, 0x16129),
    (0x16D67, 0x16D67),
];

/// The normalised character stream of one document, with provenance.
///
/// Invariants (checked by the property tests): for every output char `i`,
/// `byte_range(i)` is a non-empty range of char boundaries inside the input,
/// and both ends are non-decreasing in `i`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    chars: Vec<char>,
    /// `[start, end)` input byte offsets of each output char.
    spans: Vec<[u32; 2]>,
    input_len: u32,
}

impl Normalized {
    /// The normalised chars.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// Number of normalised chars.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Whether nothing survived normalisation.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Length in bytes of the text this was made from.
    pub fn input_len(&self) -> usize {
        self.input_len as usize
    }

    /// The input bytes that produced output char `index`.
    pub fn byte_range(&self, index: usize) -> Option<Range<usize>> {
        self.spans.get(index).map(|&[s, e]| s as usize..e as usize)
    }

    /// The input bytes covering output chars `chars` (an empty or out-of-range
    /// request gives `None`).
    pub fn byte_range_of(&self, chars: Range<usize>) -> Option<Range<usize>> {
        if chars.start >= chars.end {
            return None;
        }
        let first = self.spans.get(chars.start)?;
        let last = self.spans.get(chars.end - 1)?;
        Some(first[0] as usize..last[1] as usize)
    }

    pub(crate) fn spans(&self) -> &[[u32; 2]] {
        &self.spans
    }

    fn clear(&mut self) {
        self.chars.clear();
        self.spans.clear();
        self.input_len = 0;
    }
}

impl fmt::Display for Normalized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chars.iter().try_for_each(|c| fmt::Write::write_char(f, *c))
    }
}

/// Normalises `text` into a fresh [`Normalized`].
///
/// # Errors
///
/// [`Error::DocumentTooLarge`] when `text` is longer than
/// [`MAX_DOCUMENT_BYTES`].
pub fn normalize(text: &str) -> Result<Normalized, Error> {
    let mut out = Normalized::default();
    normalize_into(text, &mut out)?;
    Ok(out)
}

/// Normalises `text` into `out`, reusing its allocations.
///
/// # Errors
///
/// [`Error::DocumentTooLarge`] when `text` is longer than
/// [`MAX_DOCUMENT_BYTES`].
pub fn normalize_into(text: &str, out: &mut Normalized) -> Result<(), Error> {
    out.clear();
    // Most text keeps well under one output char per byte; growing is cheap.
    out.chars.reserve(text.len() / 2);
    out.spans.reserve(text.len() / 2);
    normalize_with(text, out)?;
    out.input_len = text.len() as u32;
    Ok(())
}

/// Receives the normalised stream one char at a time, with the input byte
/// range it came from. Lets the fingerprinter consume the stream without
/// materialising it.
pub(crate) trait Sink {
    fn push(&mut self, c: char, start: usize, end: usize);

    /// Pushes `c` unless it is U+0000 (a dropped char). A sink may write
    /// without a branch and count the char only when it is kept: whitespace
    /// and punctuation fall at unpredictable places, and a mispredicted
    /// branch per dropped char was the largest single cost of normalising.
    #[inline]
    fn push_or_drop(&mut self, c: char, start: usize, end: usize) {
        if c != '\0' {
            self.push(c, start, end);
        }
    }

    /// Pushes the folded bytes `bytes[from..to]`, all ASCII and each a
    /// segment of its own (see [`normalize_with`]).
    #[inline]
    fn push_ascii(&mut self, bytes: &[u8], from: usize, to: usize) {
        for (i, &b) in bytes.iter().enumerate().take(to).skip(from) {
            self.push_or_drop(ASCII_FOLD[usize::from(b & 0x7F)], i, i + 1);
        }
    }
}

impl Sink for Normalized {
    #[inline]
    fn push(&mut self, c: char, start: usize, end: usize) {
        // Offsets fit: normalize_with checked the input against
        // MAX_DOCUMENT_BYTES.
        self.chars.push(c);
        self.spans.push([start as u32, end as u32]);
    }
}

/// Streams the normalised form of `text` into `out`.
pub(crate) fn normalize_with(text: &str, out: &mut impl Sink) -> Result<(), Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::DocumentTooLarge { len: text.len(), max: MAX_DOCUMENT_BYTES });
    }
    let table = table();
    let entry = |c: char| table.get(c as usize).copied().unwrap_or_else(|| derive_entry(c));
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        // Runs of ASCII: a byte below 0x80 followed by another (or the end) is
        // a segment of its own, and ASCII_FOLD is what the table holds for it
        // (checked by `table_agrees_with_slow_path_for_every_bmp_char`). The
        // last ASCII byte before a non-ASCII char may combine with it (e +
        // U+0301), so it goes with the non-ASCII run.
        let end = match ascii_end(bytes, i) {
            end if end == bytes.len() => end,
            end => end.saturating_sub(1).max(i),
        };
        out.push_ascii(bytes, i, end);
        i = end;
        if i >= bytes.len() {
            return Ok(());
        }
        i = non_ascii_run(text, out, i, &entry);
    }
}

/// The first byte at or after `i` that is not ASCII, or the length: eight
/// bytes at a time, since English text is long runs of ASCII.
#[inline]
fn ascii_end(bytes: &[u8], mut i: usize) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let high = u64::from_le_bytes(word) & HIGH;
        if high != 0 {
            return i + (high.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes.get(i..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii()).count())
}

/// Normalises from byte `i` (a char boundary) up to the next pair of ASCII
/// bytes or the end, returning where it stopped (always past `i`).
#[inline]
fn non_ascii_run(text: &str, out: &mut impl Sink, mut i: usize, entry: &impl Fn(char) -> u32) -> usize {
    let bytes = text.as_bytes();
    // The char at `i` and its table entry, decoded once and carried over: each
    // char is looked at as "the next one" (is there a boundary before it?) and
    // then as "this one".
    let mut current = decode_at(bytes, i);
    let mut current_entry = current.map_or(0, |(c, _)| entry(c));
    while let Some((c, len)) = current {
        if (c as u32) < 0x80 && bytes.get(i + 1).is_none_or(|&n| n < 0x80) {
            // Back to an ASCII run.
            return i;
        }
        let mut end = i + len;
        let mut next = decode_at(bytes, end);
        let mut next_entry = next.map_or(BOUNDARY, |(n, _)| entry(n));
        if next_entry & BOUNDARY != 0 && current_entry & SLOW == 0 {
            // The common case: the char is a segment of its own and the table
            // knows what it becomes.
            // Entries hold valid chars (0: dropped), see `table`.
            out.push_or_drop(char::from_u32(current_entry & OUTPUT).unwrap_or('\0'), i, end);
        } else {
            // The segment runs up to the next char that starts one.
            while next_entry & BOUNDARY == 0 {
                let Some((_, n_len)) = next else { break };
                end += n_len;
                next = decode_at(bytes, end);
                next_entry = next.map_or(BOUNDARY, |(n, _)| entry(n));
            }
            slow_segment(out, text, i, end);
        }
        i = end;
        current = next;
        current_entry = next_entry;
    }
    i
}

/// The reference for [`normalize_with`]: the same segmentation, decided
/// straight from ICU data for every char, and every segment normalised by
/// [`slow_segment`]. The fast path must give exactly the same stream.
#[cfg(test)]
pub(crate) fn normalize_slow(text: &str, out: &mut impl Sink) {
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start + c.len_utf8();
        while let Some(&(at, n)) = chars.peek() {
            if has_boundary_before(n) {
                break;
            }
            end = at + n.len_utf8();
            chars.next();
        }
        slow_segment(out, text, start, end);
    }
}

/// Table entry bit: NFKC can never combine the char with what precedes it, so
/// a segment starts there.
const BOUNDARY: u32 = 1 << 31;
/// Table entry bit: the char alone normalises to more than one char (㍻ → 平成);
/// it goes through [`slow_segment`].
const SLOW: u32 = 1 << 30;
/// Table entry bits: the char alone normalises to this char (0: dropped).
const OUTPUT: u32 = 0x1F_FFFF;

/// One entry per BMP char: [`BOUNDARY`], and [`SLOW`] or the [`OUTPUT`] char
/// the char becomes as a segment of its own. Built once, from the same code
/// the slow path runs ([`has_boundary_before`] and [`slow_segment`]), so the
/// two cannot disagree; chars past the BMP are rare and derived on the spot.
fn table() -> &'static [u32] {
    static TABLE: std::sync::OnceLock<Box<[u32]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..0x1_0000).map(|u| char::from_u32(u).map_or(SLOW, derive_entry)).collect())
}

/// The table entry of `c`, from ICU.
fn derive_entry(c: char) -> u32 {
    struct One(Vec<char>);
    impl Sink for One {
        fn push(&mut self, c: char, _start: usize, _end: usize) {
            self.0.push(c);
        }
    }
    let boundary = if has_boundary_before(c) { BOUNDARY } else { 0 };
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    let mut one = One(Vec::new());
    slow_segment(&mut one, s, 0, s.len());
    match one.0[..] {
        [] => boundary,
        [o] => boundary | o as u32,
        _ => boundary | SLOW,
    }
}

/// Whether NFKC can never combine `c` with what precedes it (a "boundary
/// before" in the sense of UAX #15 §9 and ICU): its NFKD starts with a starter
/// that no canonical composition takes as its second char.
fn has_boundary_before(c: char) -> bool {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    NFKD.normalize(s).chars().next().is_some_and(|first| CCC.get_u8(first) == 0 && !is_backward_combining(first))
}

/// Decodes the char starting at byte `i` of valid UTF-8 (the bytes of a
/// `&str`, `i` a char boundary), with its length; `None` at the end.
#[inline]
fn decode_at(bytes: &[u8], i: usize) -> Option<(char, usize)> {
    let b0 = *bytes.get(i)?;
    if b0 < 0x80 {
        return Some((char::from(b0), 1));
    }
    // Valid UTF-8: the sequence is whole, so one bounds check covers it.
    let (u, len) = match (b0, bytes.get(i + 1..)?) {
        (0xC0..=0xDF, [b1, ..]) => (u32::from(b0 & 0x1F) << 6 | u32::from(b1 & 0x3F), 2),
        (0xE0..=0xEF, [b1, b2, ..]) => {
            (u32::from(b0 & 0x0F) << 12 | u32::from(b1 & 0x3F) << 6 | u32::from(b2 & 0x3F), 3)
        }
        (_, [b1, b2, b3, ..]) => (
            u32::from(b0 & 0x07) << 18 | u32::from(b1 & 0x3F) << 12 | u32::from(b2 & 0x3F) << 6 | u32::from(b3 & 0x3F),
            4,
        ),
        _ => return None,
    };
    Some((char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER), len))
}

/// ASCII after folding: letters and digits lowercased, `-` to [`DASH`], the
/// rest (whitespace, punctuation, symbols, controls) dropped (`'\0'`).
const ASCII_FOLD: [char; 128] = {
    let mut t = ['\0'; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c as char
        } else if c.is_ascii_uppercase() {
            (c | 0x20) as char
        } else if c == b'-' {
            DASH
        } else {
            '\0'
        };
        b += 1;
    }
    t
};

/// [`ASCII_FOLD`] as code points, for sinks that store them.
pub(crate) const ASCII_FOLD_U32: [u32; 128] = {
    let mut t = [0u32; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = ASCII_FOLD[b] as u32;
        b += 1;
    }
    t
};

/// Folds one NFKC output char (step 2) and keeps it if it passes step 3.
#[inline]
fn push_folded(out: &mut impl Sink, c: char, start: usize, end: usize) {
    let u = c as u32;
    match u {
        0x00..=0x7F => {
            let c = ASCII_FOLD[u as usize];
            if c != '\0' {
                out.push(c, start, end);
            }
        }
        // Hiragana, 々 and the CJK ideographs of the fast path are kept as
        // they are (after the kanji table); they have no case.
        0x3041..=0x3096 | 0x309D..=0x309E | 0x30F7..=0x30FA | 0x30FC => out.push(c, start, end),
        // Every code point of these blocks is an assigned ideograph (Unicode
        // 14), a letter with ccc 0, and so is every new form in the table.
        0x3400..=0x4DBF | 0x4E00..=0x9FFF => out.push(kanji::fold(c), start, end),
        // The twelve unified ideographs that NFKC leaves in the compatibility
        // block, such as 﨑.
        0xF900..=0xFAFF => {
            let folded = kanji::fold(c);
            if keep(folded) {
                out.push(folded, start, end);
            }
        }
        // Katakana to hiragana: the blocks are laid out in parallel, 0x60 apart.
        0x30A1..=0x30F6 | 0x30FD..=0x30FE => {
            let h = char::from_u32(u - 0x60).unwrap_or(c);
            out.push(h, start, end);
        }
        _ if is_dash(c) => out.push(DASH, start, end),
        _ => {
            // Full lowercase mapping can give several chars (İ → i + U+0307);
            // marks left over are dropped by `keep` like any other.
            for l in c.to_lowercase() {
                if keep(l) {
                    out.push(l, start, end);
                }
            }
        }
    }
}

/// Hyphen, dash, minus and long-vowel variants that survive NFKC. ー is kept
/// as a letter (it is part of words like コンピューター), so all of these fold
/// to it rather than being dropped as punctuation: `03-1234` and `03−1234`
/// and `03ー1234` then read the same.
#[inline]
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}' // HYPHEN
            | '\u{2012}' // FIGURE DASH
            | '\u{2013}' // EN DASH
            | '\u{2014}' // EM DASH
            | '\u{2015}' // HORIZONTAL BAR
            | '\u{2043}' // HYPHEN BULLET
            | '\u{2212}' // MINUS SIGN
            | '\u{2500}' // BOX DRAWINGS LIGHT HORIZONTAL, often typed for ー
            | '\u{2501}' // BOX DRAWINGS HEAVY HORIZONTAL
            | '\u{2E3A}' // TWO-EM DASH
            | '\u{2E3B}' // THREE-EM DASH
            | '\u{30FC}' // KATAKANA-HIRAGANA PROLONGED SOUND MARK
    )
}

/// Step 3: letters, numbers and private-use chars, excluding anything NFKC
/// could still combine with a preceding char. The last condition keeps the
/// output free of chars whose meaning depends on what was dropped before them,
/// which is what makes normalisation idempotent.
#[inline]
fn keep(c: char) -> bool {
    (c.is_alphanumeric() || is_private_use(c)) && CCC.get_u8(c) == 0 && !is_backward_combining(c)
}

#[inline]
fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

fn is_backward_combining(c: char) -> bool {
    let u = c as u32;
    BACKWARD_COMBINING
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Normalises the segment `text[start..end]`, attributing output to the
/// smallest groups of input chars for which that provably gives the same text.
fn slow_segment(out: &mut impl Sink, text: &str, start: usize, end: usize) {
    let seg = &text[start..end];
    let whole = NFKC.normalize(seg);
    let mut chars = seg.char_indices();
    let single = chars.next().is_some() && chars.next().is_none();
    if single {
        for c in whole.chars() {
            push_folded(out, c, start, end);
        }
        return;
    }

    // Greedy grouping: a char starts a new group when normalising the group so
    // far and the char separately gives the same as normalising them together.
    let mut groups: Vec<(usize, usize, String)> = Vec::new();
    for (off, c) in seg.char_indices() {
        let c_end = off + c.len_utf8();
        let alone = NFKC.normalize(&seg[off..c_end]);
        match groups.last_mut() {
            Some((g_start, g_end, g_norm)) => {
                let joined = NFKC.normalize(&seg[*g_start..c_end]);
                if joined.len() == g_norm.len() + alone.len()
                    && joined.starts_with(g_norm.as_str())
                    && joined.ends_with(alone.as_ref())
                {
                    groups.push((off, c_end, alone.into_owned()));
                } else {
                    *g_end = c_end;
                    *g_norm = joined.into_owned();
                }
            }
            None => groups.push((off, c_end, alone.into_owned())),
        }
    }

    // The grouping is only used when it reproduces the whole segment exactly;
    // otherwise every output char is attributed to the whole segment.
    let mut rest = whole.as_ref();
    let exact = groups.iter().all(|(_, _, g)| match rest.strip_prefix(g.as_str()) {
        Some(r) => {
            rest = r;
            true
        }
        None => false,
    }) && rest.is_empty();
    if exact {
        for (g_start, g_end, g) in &groups {
            for c in g.chars() {
                push_folded(out, c, start + g_start, start + g_end);
            }
        }
    } else {
        for c in whole.chars() {
            push_folded(out, c, start, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use icu_normalizer::properties::{CanonicalComposition, CanonicalDecomposition, Decomposed};

    fn norm(s: &str) -> String {
        normalize(s).map(|n| n.to_string()).unwrap_or_default()
    }

    /// The straightforward pipeline over the whole text: the oracle that the
    /// segmenting normaliser must agree with.
    pub(crate) fn oracle(s: &str) -> String {
        let mut out = Normalized::default();
        for c in NFKC.normalize(s).chars() {
            push_folded(&mut out, c, 0, 0);
        }
        out.to_string()
    }

    /// The reference normaliser's output, as a [`Normalized`].
    pub(crate) fn slow(s: &str) -> Normalized {
        let mut out = Normalized::default();
        normalize_slow(s, &mut out);
        out.input_len = s.len() as u32;
        out
    }

    #[test]
    fn folds_widths_kana_case_and_dashes() {
        assert_eq!(norm("ＡＢＣ１２３ abc"), "abc123abc");
        assert_eq!(norm("ｶﾀｶﾅ カタカナ かたかな"), "かたかなかたかなかたかな");
        assert_eq!(norm("ｶﾞｲﾄﾞ"), "がいど");
        assert_eq!(norm("コンピューター コンピュ－タ− ｺﾝﾋﾟｭｰﾀｰ"), "こんぴゅーたーこんぴゅーたーこんぴゅーたー");
        assert_eq!(norm("03-1234—5678"), "03ー1234ー5678");
        assert_eq!(norm("「営業秘密」、管理。・※"), "営業秘密管理");
        assert_eq!(norm("㈱㍻①"), "株平成1");
        assert_eq!(norm("Café CAFE\u{301}"), "cafécafé");
    }

    #[test]
    fn folds_old_kanji_and_keeps_iteration_marks() {
        assert_eq!(norm("髙橋 山﨑 齋藤 渡邊 國學院"), "高橋山崎斎藤渡辺国学院");
        assert_eq!(norm("人々 いすゞ ほゞ"), "人々いすゞほゞ");
    }

    #[test]
    fn offsets_point_back_into_the_input() {
        let text = "Aｶﾞ　㍻x";
        let n = normalize(text).unwrap_or_default();
        assert_eq!(n.to_string(), "aが平成x");
        let ranges: Vec<&str> = (0..n.len()).filter_map(|i| n.byte_range(i)).map(|r| &text[r]).collect();
        assert_eq!(ranges, ["A", "ｶﾞ", "㍻", "㍻", "x"]);
        assert_eq!(n.byte_range_of(1..3).map(|r| &text[r]), Some("ｶﾞ　㍻"));
    }

    #[test]
    fn agrees_with_whole_text_oracle_on_tricky_sequences() {
        for s in [
            "e\u{301}\u{323}x",
            "a、\u{301}b",
            "\u{1100}\u{1161}\u{11A8}가\u{11A8}",
            "ㄱㅏ ﾊﾟﾟ",
            "ｶﾞﾞ゙ か\u{3099}",
            "\u{FDFA}\u{0F73}\u{0344}",
            "İSTANBUL ΣΑΣ ß",
            "\u{0B47}\u{0B3E}\u{0B47}、\u{0B3E}",
        ] {
            assert_eq!(norm(s), oracle(s), "{s:?}");
            assert_eq!(norm(&norm(s)), norm(s), "idempotent {s:?}");
        }
    }

    #[test]
    fn backward_combining_table_matches_icu() {
        let ccc = CanonicalCombiningClassMap::new();
        let comp = CanonicalComposition::new();
        let dec = CanonicalDecomposition::new();
        let mut expected = Vec::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            if let Decomposed::Expansion(a, b) = dec.decompose(c) {
                if ccc.get_u8(b) == 0 && comp.compose(a, b) == Some(c) {
                    expected.push(b as u32);
                }
            }
        }
        expected.sort_unstable();
        expected.dedup();
        let table: Vec<u32> = BACKWARD_COMBINING.iter().flat_map(|&(lo, hi)| lo..=hi).collect();
        assert_eq!(table, expected);
    }

    /// The table path against the ICU reference for every BMP char alone,
    /// before ASCII, before a combining mark and before a half-width voiced
    /// mark, with the byte ranges.
    #[test]
    fn table_agrees_with_slow_path_for_every_bmp_char() {
        let mut s = String::new();
        for c in (0..=0xFFFF).filter_map(char::from_u32) {
            for tail in ["", "a", "\u{301}", "\u{FF9E}", "\u{3099}", "ｶ"] {
                s.clear();
                s.push(c);
                s.push_str(tail);
                assert_eq!(normalize(&s), Ok(slow(&s)), "{s:?}");
            }
        }
    }

    /// Idempotence and agreement with the oracle for every scalar value alone
    /// and after a few contexts that exercise segment joins.
    #[test]
    fn every_char_is_idempotent_and_agrees_with_oracle() {
        let mut s = String::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            s.clear();
            s.push(c);
            let once = norm(&s);
            assert_eq!(once, oracle(&s), "{c:?}");
            assert_eq!(norm(&once), once, "{c:?}");
        }
    }

    #[test]
    fn ideograph_blocks_are_all_kept_letters() {
        for c in (0x3400..=0x4DBF).chain(0x4E00..=0x9FFF).filter_map(char::from_u32) {
            assert!(keep(c), "{c:?}");
        }
    }

    #[test]
    fn rejects_nothing_valid_and_handles_empty() {
        assert_eq!(norm(""), "");
        assert_eq!(norm(" \n\t、。"), "");
    }
}

#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::tests::{oracle, slow};
    use super::*;

    /// Chars chosen to stress segmentation: combining marks, halfwidth voiced
    /// marks, Hangul jamo, Indic two-part vowels, compatibility chars.
    fn tricky() -> impl Strategy<Value = String> {
        let pool: Vec<char> = "aeAE zｶﾊﾞﾟ゙゚か\u{3099}\u{309A}\u{301}\u{323}\u{327}\u{1100}\u{1161}\u{11A8}ㄱㅏ가\
            \u{0B47}\u{0B3E}\u{0B56}、。・ー－ｰ-①㍻㈱ＡＢ１İΣς\u{FDFA}\u{0F73}\u{0344}\u{200B}\u{FEFF}"
            .chars()
            .collect();
        proptest::collection::vec(proptest::sample::select(pool), 0..40).prop_map(|v| v.into_iter().collect())
    }

    /// Runs of ordinary Japanese and English mixed with the tricky chars.
    fn mixed() -> impl Strategy<Value = String> {
        let common: Vec<char> =
            "営業秘密國學院髙の管理はかたカタｶﾀｶﾅﾊﾟﾝ ＡＢｃ１２ Ab9-_.,、。「」・ー－\n\t　".chars().collect();
        let run = prop_oneof![
            3 => proptest::collection::vec(proptest::sample::select(common), 1..12)
                .prop_map(|v| v.into_iter().collect::<String>()),
            1 => tricky(),
            1 => "[\\u{3040}-\\u{30FF}\\u{FF61}-\\u{FF9F}\\u{0300}-\\u{036F}\\u{3099}-\\u{309C}a-zA-Z ]{0,12}",
        ];
        proptest::collection::vec(run, 0..8).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x6d61_7275_6869),
            ..ProptestConfig::default()
        })]

        #[test]
        fn segmenting_agrees_with_whole_text_nfkc(s in tricky()) {
            prop_assert_eq!(normalize(&s).map(|n| n.to_string()).unwrap_or_default(), oracle(&s));
        }

        /// The table-driven fast path gives exactly the slow path's chars and
        /// byte ranges on mixed text: kana, kanji, ASCII, full and half width,
        /// combining and half-width voiced marks, compatibility chars.
        #[test]
        fn fast_path_equals_slow_path(s in mixed()) {
            prop_assert_eq!(normalize(&s), Ok(slow(&s)));
        }

        #[test]
        fn fast_path_equals_slow_path_on_any_text(s in any::<String>()) {
            prop_assert_eq!(normalize(&s), Ok(slow(&s)));
        }

        #[test]
        fn segmenting_agrees_on_any_text(s in any::<String>()) {
            prop_assert_eq!(normalize(&s).map(|n| n.to_string()).unwrap_or_default(), oracle(&s));
        }
    }
}
