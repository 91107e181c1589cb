//! Shared fixtures and proptest strategies.

use maruhi_fingerprint::Fingerprinter;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Deterministic proptest configuration: a fixed seed and no files written.
pub fn config(cases: u32) -> Config {
    Config { cases, failure_persistence: None, rng_seed: RngSeed::Fixed(0x6d61_7275_6869), ..Config::default() }
}

pub fn fingerprinter() -> Fingerprinter {
    Fingerprinter::builder()
        .key(*b"maruhi test key, not a real one!")
        .build()
        .unwrap_or_else(|e| unreachable!("default parameters are valid: {e}"))
}

/// Chars that normalise one-to-one and start a segment: hiragana, katakana,
/// kanji (some old forms), ASCII letters and digits.
pub fn kept_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => (0x3041u32..=0x3093).prop_filter_map("hiragana", char::from_u32),
        2 => (0x30A1u32..=0x30F3).prop_filter_map("katakana", char::from_u32),
        3 => (0x4E00u32..=0x9FA0).prop_filter_map("kanji", char::from_u32),
        1 => proptest::sample::select("國學會體廣澤邊齋髙櫻藝氣圓賣當發關數".chars().collect::<Vec<_>>()),
        3 => proptest::sample::select(('a'..='z').chain('A'..='Z').chain('0'..='9').collect::<Vec<_>>()),
    ]
}

/// Anything a real document mixes in, including chars that normalisation
/// drops, merges or expands.
pub fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => kept_char(),
        2 => proptest::sample::select(" \n\t、。「」・！？（）.,;:!?\"'()[]-ー―ｰ〜".chars().collect::<Vec<_>>()),
        1 => proptest::sample::select("ｱｶﾞﾊﾟﾞ①㍻㈱ＡＺ０９é\u{301}\u{3099}ß".chars().collect::<Vec<_>>()),
        1 => any::<char>(),
    ]
}

pub fn text(chars: impl Strategy<Value = char>, len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(chars, len).prop_map(|v| v.into_iter().collect())
}
