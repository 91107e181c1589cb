use maruhi_fingerprint::{normalize, normalize_into, Normalized};
use proptest::prelude::*;

use crate::gen::{any_char, config, text};

fn norm(s: &str) -> String {
    normalize(s).map(|n| n.to_string()).unwrap_or_default()
}

#[test]
fn japanese_and_english_fixture() {
    let text = "第１条（目的）　本規程は、当社の「営業秘密」を適切に管理することを目的とする。\n\
                Article 1 (Purpose): This Policy governs TRADE-SECRETS.";
    assert_eq!(
        norm(text),
        "第1条目的本規程は当社の営業秘密を適切に管理することを目的とする\
         article1purposethispolicygovernstradeーsecrets"
    );
}

#[test]
fn variants_normalise_alike() {
    let base = norm("コンピューター・システムの國際規格");
    for variant in
        ["ｺﾝﾋﾟｭｰﾀｰ･ｼｽﾃﾑの国際規格", "こんぴゅーたー　しすてむの国際規格", "コンピュ−タ―システムの\n國際\n規格"]
    {
        assert_eq!(norm(variant), base, "{variant}");
    }
}

#[test]
fn normalize_into_reuses_and_resets() {
    let mut out = Normalized::default();
    assert!(normalize_into("長い文書の本文です", &mut out).is_ok());
    assert!(normalize_into("ab", &mut out).is_ok());
    assert_eq!(out.to_string(), "ab");
    assert_eq!(out.input_len(), 2);
    assert_eq!(out.byte_range(2), None);
    assert_eq!(out.byte_range_of(1..1), None);
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn idempotent(s in text(any_char(), 0..80)) {
        let once = norm(&s);
        prop_assert_eq!(norm(&once), once);
    }

    #[test]
    fn idempotent_on_arbitrary_strings(s in any::<String>()) {
        let once = norm(&s);
        prop_assert_eq!(norm(&once), once);
    }

    #[test]
    fn offsets_are_monotonic_and_in_bounds(s in text(any_char(), 0..80)) {
        let n = normalize(&s).unwrap_or_default();
        let mut previous = (0, 0);
        for i in 0..n.len() {
            let r = n.byte_range(i).unwrap_or(0..0);
            prop_assert!(r.start < r.end && r.end <= s.len());
            prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end));
            prop_assert!(r.start >= previous.0 && r.end >= previous.1);
            previous = (r.start, r.end);
        }
        // Each output char is what its input bytes normalise to on their own
        // or is part of it (segments can produce several chars).
        for i in 0..n.len() {
            let r = n.byte_range(i).unwrap_or(0..0);
            let c = n.chars()[i];
            prop_assert!(norm(&s[r]).contains(c));
        }
    }
}
