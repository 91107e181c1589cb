//! The winnowing guarantee and robustness to the edits a leaker makes.

use std::collections::HashMap;

use icu_normalizer::{ComposingNormalizer, DecomposingNormalizer};
use maruhi_fingerprint::{normalize, Fingerprinter, Match, ReferenceSet};
use proptest::prelude::*;

use crate::gen::{any_char, config, fingerprinter, kept_char, text};

fn find(fp: &Fingerprinter, reference: &str, query: &str) -> Vec<Match> {
    let mut refs = ReferenceSet::builder();
    let fps = fp.fingerprint(reference).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(refs.add(&fps).is_ok());
    let refs = refs.build().unwrap_or_else(|e| unreachable!("{e}"));
    refs.find(&fp.fingerprint(query).unwrap_or_else(|e| unreachable!("{e}"))).unwrap_or_else(|e| unreachable!("{e}"))
}

fn position(haystack: &[char], needle: &[char]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Checks that every span pairs equal normalised text and valid byte ranges.
fn spans_are_genuine(m: &Match, query: &str, reference: &str) -> Result<(), TestCaseError> {
    let q = normalize(query).unwrap_or_default();
    let r = normalize(reference).unwrap_or_default();
    for s in &m.spans {
        prop_assert_eq!(&q.chars()[s.query_chars.clone()], &r.chars()[s.reference_chars.clone()]);
        prop_assert!(query.get(s.query_bytes.clone()).is_some());
        prop_assert!(reference.get(s.reference_bytes.clone()).is_some());
        prop_assert_eq!(q.byte_range_of(s.query_chars.clone()), Some(s.query_bytes.clone()));
        prop_assert_eq!(r.byte_range_of(s.reference_chars.clone()), Some(s.reference_bytes.clone()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    /// THE GUARANTEE (Schleimer et al. 2003, §3): texts that share a normalised
    /// run of at least t = w + k − 1 chars share a fingerprint inside it, so
    /// matching finds a span over that run.
    #[test]
    fn shared_run_of_t_chars_is_always_found(
        extra in 0usize..40,
        run_chars in proptest::collection::vec(kept_char(), 80),
        a_pre in text(any_char(), 0..120),
        a_post in text(any_char(), 0..120),
        b_pre in text(any_char(), 0..120),
        b_post in text(any_char(), 0..120),
    ) {
        let fp = fingerprinter();
        let t = fp.params().guarantee();
        let shared: String = run_chars[..t + extra].iter().collect();
        // Spaces keep the run's chars intact under NFKC (nothing can compose
        // across an ASCII char) and are dropped, so the neighbours still touch
        // the run in the normalised stream.
        let a = format!("{a_pre} {shared} {a_post}");
        let b = format!("{b_pre} {shared} {b_post}");

        let run_norm = normalize(&shared).unwrap_or_default();
        prop_assert_eq!(run_norm.len(), t + extra);
        let b_norm = normalize(&b).unwrap_or_default();
        let at = position(b_norm.chars(), run_norm.chars());
        prop_assert!(at.is_some());
        let run_range = at.unwrap_or(0)..at.unwrap_or(0) + run_norm.len();

        let matches = find(&fp, &a, &b);
        prop_assert!(!matches.is_empty(), "no match for a shared run of {} chars", run_norm.len());
        let m = &matches[0];
        let k = fp.params().k();
        let overlap = m.spans.iter().map(|s| {
            s.query_chars.end.min(run_range.end).saturating_sub(s.query_chars.start.max(run_range.start))
        }).max().unwrap_or(0);
        prop_assert!(overlap >= k, "best span overlaps the run by {overlap} < k = {k}");
        prop_assert!(m.matched_chars >= k);
        spans_are_genuine(m, &b, &a)?;
    }

    /// Width, kana, case, spacing, punctuation and line wrapping changes are
    /// normalised away entirely, so the copy matches with full coverage.
    #[test]
    fn transformed_copies_still_match(
        base in text(kept_char(), 40..200),
        edits in proptest::collection::vec((0u8..6, 0u8..8), 200),
    ) {
        let fp = fingerprinter();
        let copy = transform(&base, &edits);
        prop_assert_eq!(normalize(&copy).unwrap_or_default().to_string(), normalize(&base).unwrap_or_default().to_string());
        let matches = find(&fp, &base, &copy);
        prop_assert_eq!(matches.len(), 1);
        prop_assert!(matches[0].coverage >= 0.99, "coverage {}", matches[0].coverage);
        spans_are_genuine(&matches[0], &copy, &base)?;
    }

    /// The guarantee's other half: text shorter than k never matches.
    #[test]
    fn runs_shorter_than_k_never_match(
        a in text(kept_char(), 0..12),
    ) {
        let fp = fingerprinter();
        prop_assert!(find(&fp, &a, &a).is_empty());
    }
}

/// Applies per-char edits: `(how, insert)` where `how` picks a width/kana/case
/// variant and `insert` may add whitespace, punctuation or a line break after.
fn transform(base: &str, edits: &[(u8, u8)]) -> String {
    let halfwidth = halfwidth_katakana();
    let mut out = String::new();
    for (c, &(how, insert)) in base.chars().zip(edits.iter().cycle()) {
        let u = c as u32;
        match (how, u) {
            (0, 0x3041..=0x3096) => out.extend(char::from_u32(u + 0x60)),
            (1, 0x30A1..=0x30F6) => out.extend(char::from_u32(u - 0x60)),
            (2, 0x30A1..=0x30F6) => match halfwidth.get(&c) {
                Some(h) => out.push_str(h),
                None => out.push(c),
            },
            (3, 0x21..=0x7E) => out.extend(char::from_u32(u + 0xFEE0)),
            (4, _) => out.extend(c.to_uppercase()),
            _ => out.push(c),
        }
        match insert {
            0 => out.push(' '),
            1 => out.push('\n'),
            2 => out.push('、'),
            3 => out.push('\u{3000}'),
            4 => out.push_str("。\r\n"),
            _ => {}
        }
    }
    out
}

/// Katakana to halfwidth katakana (voiced ones as base + ﾞ or ﾟ), derived
/// from NFKC of the halfwidth block.
fn halfwidth_katakana() -> HashMap<char, String> {
    let nfkc = ComposingNormalizer::new_nfkc();
    let nfd = DecomposingNormalizer::new_nfd();
    let mut plain = HashMap::new();
    for h in (0xFF66..=0xFF9D).filter_map(char::from_u32) {
        if let Some(full) = nfkc.normalize(&h.to_string()).chars().next() {
            plain.insert(full, h);
        }
    }
    let mut map = HashMap::new();
    for k in (0x30A1..=0x30F6).filter_map(char::from_u32) {
        let decomposed: Vec<char> = nfd.normalize(&k.to_string()).chars().collect();
        let half = match decomposed.as_slice() {
            [base] => plain.get(base).map(|h| h.to_string()),
            [base, '\u{3099}'] => plain.get(base).map(|h| format!("{h}ﾞ")),
            [base, '\u{309A}'] => plain.get(base).map(|h| format!("{h}ﾟ")),
            _ => None,
        };
        if let Some(half) = half {
            map.insert(k, half);
        }
    }
    map
}
