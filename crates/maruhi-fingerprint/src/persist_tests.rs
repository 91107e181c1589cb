//! Stored formats: round trips, version and key checks, and corruption
//! (truncation, bit flips, and arbitrary edits with a repaired checksum, which
//! must give an error or a fully working index, never a panic).

use proptest::prelude::*;

use crate::codec::checksum;
use crate::{BackgroundSet, Error, Fingerprinter, Fingerprints, ReferenceSet, ALGORITHM_VERSION};

const JA: &str = "営業秘密管理規程。第一条、本規程は当社が保有する営業秘密の管理について定める。\
    第二条、営業秘密とは秘密として管理されている生産方法、販売方法その他の事業活動に有用な技術上又は営業上の情報であって、\
    公然と知られていないものをいう。ｶﾀｶﾅ ＡＢＣ 國學院";
const EN: &str = "Formulation X-17: dissolve 12.5 g of the binder in 200 ml of warm solvent, \
    stir for forty minutes at sixty degrees, then add the pigment paste slowly while cooling.";

fn fp() -> Fingerprinter {
    Fingerprinter::builder().key(*b"maruhi test key, not a real one!").build().unwrap_or_else(|e| unreachable!("{e}"))
}

fn fps(f: &Fingerprinter, text: &str) -> Fingerprints {
    f.fingerprint(text).unwrap_or_else(|e| unreachable!("{e}"))
}

fn index(f: &Fingerprinter) -> ReferenceSet {
    let mut b = ReferenceSet::builder();
    for t in [JA, EN, "", "短い"] {
        assert!(b.add(&fps(f, t)).is_ok());
    }
    let bg = f.background(["営業秘密管理規程。第一条"]).unwrap_or_else(|e| unreachable!("{e}"));
    assert!(b.background(bg).is_ok());
    b.build().unwrap_or_else(|e| unreachable!("{e}"))
}

/// Replaces the trailing checksum so edits reach the structural checks.
fn reseal(bytes: &mut [u8]) {
    let n = bytes.len().saturating_sub(8);
    let sum = checksum(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn fingerprints_round_trip_with_positions_and_ranges() {
    let f = fp();
    for text in [JA, EN, "", "短い", &JA.repeat(50)] {
        let original = fps(&f, text);
        let bytes = original.to_bytes();
        let back = Fingerprints::from_bytes(&bytes);
        assert_eq!(back.as_ref(), Ok(&original));
        let back = back.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(back.normalized_len(), original.normalized_len());
        assert_eq!(back.params(), f.params());
        for (a, b) in back.as_slice().iter().zip(original.as_slice()) {
            assert_eq!((a.position(), a.byte_range()), (b.position(), b.byte_range()));
        }
        assert!(bytes.len() <= 40 + 13 * original.len(), "{} bytes for {}", bytes.len(), original.len());
    }
}

#[test]
fn stored_fingerprints_keep_the_key_check() {
    let f = fp();
    let other = Fingerprinter::builder().key([1u8; 32]).build().unwrap_or_else(|e| unreachable!("{e}"));
    let theirs = Fingerprints::from_bytes(&fps(&other, JA).to_bytes()).unwrap_or_else(|e| unreachable!("{e}"));
    let mut b = ReferenceSet::builder();
    assert!(b.add(&fps(&f, JA)).is_ok());
    assert_eq!(b.add(&theirs), Err(Error::IncompatibleParameters));
    let refs = b.build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&theirs), Err(Error::IncompatibleParameters));
    let ours = Fingerprints::from_bytes(&fps(&f, JA).to_bytes()).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(refs.find(&ours).map(|m| m.len()), Ok(1));
}

#[test]
fn index_round_trips_and_finds_the_same() {
    let f = fp();
    let refs = index(&f);
    let mut bytes = Vec::new();
    assert!(refs.write_to(&mut bytes).is_ok());
    assert_eq!(&bytes[..8], b"MRHFPIX1");
    let back = ReferenceSet::from_bytes(&bytes);
    assert_eq!(back.as_ref(), Ok(&refs));
    let back = back.unwrap_or_else(|e| unreachable!("{e}"));
    let query = fps(&f, &format!("{EN} fwd: {JA}"));
    assert_eq!(back.find(&query), refs.find(&query));
    assert!(!refs.find(&query).unwrap_or_default().is_empty());

    let empty = ReferenceSet::builder().build().unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(ReferenceSet::from_bytes(&empty.to_bytes()).as_ref(), Ok(&empty));
}

#[test]
fn background_sets_round_trip_unite_and_refuse_damage() {
    let f = fp();
    let a = f.background([JA]).unwrap_or_else(|e| unreachable!("{e}"));
    let b = f.background([EN]).unwrap_or_else(|e| unreachable!("{e}"));
    let bytes = a.to_bytes();
    assert_eq!(BackgroundSet::from_bytes(&bytes), Ok(a.clone()));
    let both = BackgroundSet::union([&a, &b]).unwrap_or_default().unwrap_or_else(|| unreachable!());
    assert_eq!(both, f.background([JA, EN]).unwrap_or_else(|e| unreachable!("{e}")));
    assert_eq!(BackgroundSet::union([]), Ok(None));
    for cut in 0..bytes.len() {
        assert!(BackgroundSet::from_bytes(&bytes[..cut]).is_err());
    }
    let mut flipped = bytes.clone();
    flipped[12] ^= 1;
    assert!(BackgroundSet::from_bytes(&flipped).is_err());
    let other = Fingerprinter::builder().key([1u8; 32]).build().unwrap_or_else(|e| unreachable!("{e}"));
    let c = other.background([EN]).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(BackgroundSet::union([&a, &c]), Err(Error::IncompatibleParameters));
}

#[test]
fn stale_algorithm_versions_are_refused() {
    let f = fp();
    let mut doc = fps(&f, JA).to_bytes();
    doc[9] = ALGORITHM_VERSION.wrapping_add(1);
    reseal(&mut doc);
    assert_eq!(
        Fingerprints::from_bytes(&doc),
        Err(Error::StaleAlgorithm { found: ALGORITHM_VERSION.wrapping_add(1), current: ALGORITHM_VERSION })
    );
    let mut idx = index(&f).to_bytes();
    idx[10] = ALGORITHM_VERSION.wrapping_add(1);
    reseal(&mut idx);
    assert!(matches!(ReferenceSet::from_bytes(&idx), Err(Error::StaleAlgorithm { .. })));
}

#[test]
fn every_truncation_and_bit_flip_is_an_error() {
    let f = fp();
    let doc = fps(&f, JA).to_bytes();
    let idx = index(&f).to_bytes();
    for n in 0..doc.len() {
        assert!(matches!(Fingerprints::from_bytes(&doc[..n]), Err(Error::Corrupt { .. })), "doc cut at {n}");
    }
    // The index is mostly directory: cut at every point of the header and
    // entries, and at a stride through the rest.
    for n in (0..idx.len()).filter(|n| *n < 2048 || n % 97 == 0) {
        assert!(matches!(ReferenceSet::from_bytes(&idx[..n]), Err(Error::Corrupt { .. })), "index cut at {n}");
    }
    for bit in 0..doc.len() * 8 {
        let mut d = doc.clone();
        d[bit / 8] ^= 1 << (bit % 8);
        assert!(Fingerprints::from_bytes(&d).is_err(), "doc bit {bit}");
    }
    // Every bit of the header and the first entries, then a stride: each
    // parse checksums the whole (mostly directory) file.
    for bit in (0..idx.len() * 8).filter(|b| *b < 4096 || b % 4099 == 0) {
        let mut d = idx.clone();
        d[bit / 8] ^= 1 << (bit % 8);
        assert!(ReferenceSet::from_bytes(&d).is_err(), "index bit {bit}");
    }
}

/// Found by the `fingerprints_parse` fuzz target: a position near 2^64 made
/// the end-of-document check overflow.
#[test]
fn huge_position_is_an_error_not_an_overflow() {
    let mut bytes = b"MRHFPDOC\x01".to_vec();
    bytes.push(ALGORITHM_VERSION);
    bytes.extend_from_slice(&[13, 17]);
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(&[100, 1]);
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 1]);
    bytes.extend_from_slice(&[0; 8]);
    reseal(&mut bytes);
    assert!(matches!(Fingerprints::from_bytes(&bytes), Err(Error::Corrupt { .. })));
}

#[test]
fn resealed_structural_damage_is_caught() {
    let f = fp();
    let idx = index(&f).to_bytes();
    let header = 64;
    let entries = u64::from_le_bytes(idx[40..48].try_into().unwrap_or_default()) as usize;
    assert!(entries >= 2);
    // Swap the first two entries: unsorted.
    let mut d = idx.clone();
    let (a, b) = (header, header + 16);
    let first: Vec<u8> = d[a..b].to_vec();
    d.copy_within(b..b + 16, a);
    d[b..b + 16].copy_from_slice(&first);
    reseal(&mut d);
    assert!(matches!(ReferenceSet::from_bytes(&d), Err(Error::Corrupt { .. })));
    // An entry naming a document that does not exist.
    let mut d = idx.clone();
    d[header + 8..header + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    reseal(&mut d);
    assert!(matches!(ReferenceSet::from_bytes(&d), Err(Error::Corrupt { .. })));
    // A count that claims more than the file holds.
    let mut d = idx.clone();
    d[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    reseal(&mut d);
    assert!(matches!(ReferenceSet::from_bytes(&d), Err(Error::Corrupt { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6d61_7275_6869),
        ..ProptestConfig::default()
    })]

    /// Arbitrary byte edits with a repaired checksum: an error, or data that
    /// re-encodes to the same bytes and that matching accepts without panic.
    #[test]
    fn edited_data_is_an_error_or_valid(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let f = fp();
        let query = fps(&f, JA);
        let mut doc = query.to_bytes();
        let mut idx = index(&f).to_bytes();
        for (at, byte) in &edits {
            let n = doc.len() - 8;
            doc[at % n] = *byte;
            // Aim most index edits at the header, entries and documents.
            let n = if at % 2 == 0 { 64 + 16 * 8 } else { idx.len() - 8 };
            idx[at % n] = *byte;
        }
        reseal(&mut doc);
        reseal(&mut idx);
        if let Ok(d) = Fingerprints::from_bytes(&doc) {
            prop_assert_eq!(d.to_bytes(), doc);
        }
        if let Ok(refs) = ReferenceSet::from_bytes(&idx) {
            prop_assert_eq!(refs.to_bytes(), idx);
            let _ = refs.find(&query);
        }
    }
}
