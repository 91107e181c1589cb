//! Reference sets: ranking, coverage, spans, background, parameter checks.

use maruhi_fingerprint::{DocId, Error, Fingerprinter, ReferenceSet};

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

/// Text of distinct kanji, so that no k-gram repeats by chance.
fn kanji(seed: u32, len: usize) -> String {
    (0..len as u32).filter_map(|i| char::from_u32(0x4E00 + (seed.wrapping_mul(7919) + i * 31) % 20_000)).collect()
}

#[test]
fn changed_chars_and_inserted_words_keep_one_passage() {
    let fp = fingerprinter();
    let reference = kanji(1, 600);
    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, &reference)).is_ok());
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));

    // Every 40th char changed, and a word inserted after every 100th: the
    // exact runs break into many spans on shifting diagonals, which chain
    // into one passage.
    let mut leak = String::new();
    for (i, c) in reference.chars().enumerate() {
        leak.push(if i % 40 == 39 { 'X' } else { c });
        if i % 100 == 99 {
            leak.push_str("さらに");
        }
    }
    let matches = refs.find(&fp_of(&fp, &leak)).unwrap_or_default();
    assert_eq!(matches.len(), 1);
    let m = &matches[0];
    assert!(m.spans.len() > 5, "{} spans", m.spans.len());
    assert_eq!(m.passages.len(), 1, "{:?}", m.passages);
    let p = &m.passages[0];
    assert!(p.aligned_chars > 300 && p.aligned_chars <= 600, "{}", p.aligned_chars);
    assert!(p.similarity > 0.5 && p.similarity < 1.0, "{}", p.similarity);
    assert_eq!(p.spans.len(), m.spans.len());
}

#[test]
fn reordered_parts_and_scattered_phrases_are_separate_passages() {
    let fp = fingerprinter();
    let reference = kanji(2, 900);
    let chars: Vec<char> = reference.chars().collect();
    let mut b = ReferenceSet::builder();
    assert!(b.add(&fp_of(&fp, &reference)).is_ok());
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    let part = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();

    // Two parts swapped, then three 20-char phrases far apart in unrelated
    // text: two long passages and three short ones.
    let filler = |seed| kanji(seed, 200).replace(|c: char| (c as u32).is_multiple_of(2), "の");
    let leak = format!(
        "{}\n{}\n{}{}{}{}{}{}",
        part(500..800),
        part(100..400),
        filler(50),
        part(850..870),
        filler(51),
        part(20..40),
        filler(52),
        part(450..470)
    );
    let matches = refs.find(&fp_of(&fp, &leak)).unwrap_or_default();
    let passages = &matches[0].passages;
    assert!(passages.len() >= 4, "{passages:?}");
    assert!(passages[0].aligned_chars > 250 && passages[1].aligned_chars > 250, "{passages:?}");
    assert!(passages[2..].iter().all(|p| p.aligned_chars <= 20), "{passages:?}");
    // The first part of the leak is the later one in the reference.
    let first = passages.iter().find(|p| p.query_chars.start < 40);
    assert!(first.is_some_and(|p| p.reference_chars.start >= 500), "{passages:?}");
}

#[test]
fn phrases_common_to_many_groups_are_discounted() {
    let fp = fingerprinter();
    let boilerplate = "本書は株式会社マルヒの社外秘情報であり、許可なく複製又は第三者に開示してはならない。";
    let mut b = ReferenceSet::builder();
    for seed in 0..6 {
        assert!(b
            .add(&fp_of(&fp, &format!("{}{boilerplate}{}", kanji(seed + 10, 300), kanji(seed + 20, 300))))
            .is_ok());
    }
    let mut refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    let query = fp_of(&fp, &format!("{}{boilerplate}", kanji(99, 100)));
    assert!(refs.find(&query).unwrap_or_default().len() == 6);

    // Documents 0, 1 and 2 are one secret's files: six documents, four
    // groups.
    assert_eq!(refs.discount_common(vec![0; 5], 4), Err(Error::GroupsMismatch { groups: 5, documents: 6 }));
    assert!(refs.discount_common(vec![0, 0, 0, 1, 2, 3], 5).is_ok());
    assert_eq!(refs.find(&query).unwrap_or_default().len(), 6);
    let all: Vec<DocId> = (0..6).map(DocId::for_index).collect();
    assert!(refs.discounted(&query, &all).iter().all(Vec::is_empty));
    assert!(refs.discount_common(vec![0, 0, 0, 1, 2, 3], 4).is_ok());
    // Nothing left to match; each document can still say what was left out.
    assert_eq!(refs.find(&query), Ok(vec![]));
    let discounted = refs.discounted(&query, &[DocId::for_index(5), DocId::for_index(2), DocId::for_index(9)]);
    assert_eq!(discounted.len(), 3);
    for spans in &discounted[..2] {
        assert!(spans.iter().map(|s| s.query_chars.len()).sum::<usize>() >= fp.params().k(), "{spans:?}");
    }
    assert!(discounted[2].is_empty());
    let hash = query.as_slice().iter().find(|f| refs.lookup(f.hash()).len() == 6).map(|f| f.hash());
    assert_eq!(hash.map(|h| refs.document_frequency(h)), Some(4));
    // Turned off again.
    assert!(refs.discount_common(vec![0, 0, 0, 1, 2, 3], usize::MAX).is_ok());
    assert_eq!(refs.find(&query).unwrap_or_default().len(), 6);
    assert!(refs.discounted(&query, &all).iter().all(Vec::is_empty));
}
