//! Reference sets: ranking, coverage, spans, background, parameter checks.

use maruhi_fingerprint::{Error, Fingerprinter, ReferenceSet};

use crate::gen::fingerprinter;

const POLICY: &str = "営業秘密管理規程。第一条、本規程は当社が保有する営業秘密の管理について定める。\
    第二条、営業秘密とは秘密として管理されている生産方法、販売方法その他の事業活動に有用な技術上又は営業上の情報であって、\
    公然と知られていないものをいう。";
const RECIPE: &str = "Formulation X-17: dissolve 12.5 g of the binder in 200 ml of warm solvent, \
    stir for forty minutes at sixty degrees, then add the pigment paste slowly while cooling.";
const NOTICE: &str = "この文書には株式会社マルヒの秘密情報が含まれています。無断での複製及び第三者への開示を禁じます。";

fn fp_of(fp: &Fingerprinter, text: &str) -> maruhi_fingerprint::Fingerprints {
    fp.fingerprint(text).unwrap_or_else(|e| unreachable!("{e}"))
}

#[test]
fn finds_the_leaked_reference_and_ranks_by_coverage() {
    let fp = fingerprinter();
    let mut b = ReferenceSet::builder();
    let policy = b.add(&fp_of(&fp, POLICY));
    let recipe = b.add(&fp_of(&fp, RECIPE));
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.doc_count(), 2);

    // The whole recipe and a sentence of the policy, re-typed.
    let leak = format!(
        "fwd: see below\n\n{}\n\nalso: 営業秘密とは、秘密として管理されている生産方法、販売方法その他の事業活動に有用な",
        RECIPE.to_uppercase()
    );
    let matches = refs.find(&fp_of(&fp, &leak)).unwrap_or_default();
    assert_eq!(matches.len(), 2);
    assert_eq!(Ok(matches[0].doc), recipe);
    assert_eq!(Ok(matches[1].doc), policy);
    assert!((matches[0].coverage - 1.0).abs() < 1e-9);
    assert!(matches[1].coverage > 0.1 && matches[1].coverage < 0.6);

    // Matched k-grams less than a window apart on one diagonal make one span,
    // so the excerpt shows as one passage, from its first selected k-gram to
    // the end of its last.
    assert_eq!(matches[1].spans.len(), 1);
    let span = &matches[1].spans[0];
    assert_eq!(&leak[span.query_bytes.clone()], "営業秘密とは、秘密として管理されている生産方法、販売方法その他の事業");
    assert_eq!(
        &POLICY[span.reference_bytes.clone()],
        "営業秘密とは秘密として管理されている生産方法、販売方法その他の事業"
    );
    assert_eq!(matches[1].matched_chars, span.reference_chars.len());
    assert!(matches[1].matched_chars > 2 * fp.params().k());
}

#[test]
fn unrelated_text_does_not_match() {
    let fp = fingerprinter();
    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, POLICY)).is_ok());
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&fp_of(&fp, RECIPE)), Ok(vec![]));
}

#[test]
fn background_never_counts() {
    let fp = fingerprinter();
    let secret = format!("{NOTICE}\n{POLICY}");
    let other_doc_with_notice = format!("{NOTICE}\n来週の会議室の予約について連絡します。");

    let mut plain = ReferenceSet::builder();
    assert!(plain.add(&fp_of(&fp, &secret)).is_ok());
    let plain = plain.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(plain.find(&fp_of(&fp, &other_doc_with_notice)).map(|m| m.len()), Ok(1));

    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, &secret)).is_ok());
    let background = fp.background([NOTICE]).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(!background.is_empty());
    assert!(b.background(background).is_ok());
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&fp_of(&fp, &other_doc_with_notice)), Ok(vec![]));
    // The secret itself still matches fully: coverage ignores background.
    let full = refs.find(&fp_of(&fp, &secret)).unwrap_or_default();
    assert!((full[0].coverage - 1.0).abs() < 1e-9);
}

#[test]
fn rejects_fingerprints_from_another_key_or_parameters() {
    let fp = fingerprinter();
    let other_key = Fingerprinter::builder().key([1u8; 32]).build().unwrap_or_else(|e| unreachable!("{e}"));
    let other_k = Fingerprinter::builder()
        .key(*b"maruhi test key, not a real one!")
        .k(8)
        .build()
        .unwrap_or_else(|e| unreachable!("{e}"));

    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, POLICY)).is_ok());
    assert_eq!(b.add(&fp_of(&other_key, POLICY)), Err(Error::IncompatibleParameters));
    assert_eq!(b.add(&fp_of(&other_k, POLICY)), Err(Error::IncompatibleParameters));
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&fp_of(&other_key, POLICY)), Err(Error::IncompatibleParameters));
}

#[test]
fn empty_set_and_tiny_documents() {
    let fp = fingerprinter();
    let refs = ReferenceSet::builder().build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&fp_of(&fp, POLICY)), Ok(vec![]));

    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, "")).is_ok());
    assert!(b.add(&fp_of(&fp, "短い")).is_ok());
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&fp_of(&fp, "短い")), Ok(vec![]));
}

#[test]
fn repetitive_text_stays_bounded() {
    let fp = fingerprinter();
    let line = "同じ行を何度も繰り返す。".repeat(2000);
    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, &line)).is_ok());
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    let matches = refs.find(&fp_of(&fp, &line)).unwrap_or_default();
    assert_eq!(matches.len(), 1);
    assert!((matches[0].coverage - 1.0).abs() < 1e-9);
}

#[test]
fn index_is_sorted_for_flat_serialisation() {
    let fp = fingerprinter();
    let mut b = ReferenceSet::builder();
    for text in [POLICY, RECIPE, NOTICE] {
        assert!(b.add(&fp_of(&fp, text)).is_ok());
    }
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    let entries = refs.entries();
    assert!(entries.windows(2).all(|w| w[0] <= w[1]));
    for e in entries {
        assert!(refs.lookup(e.hash).contains(e));
    }
    assert!(refs.lookup(0x1234_5678).is_empty());
}
