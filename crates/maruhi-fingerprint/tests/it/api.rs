//! Public contract: error codes, thread safety, limits.

use maruhi_fingerprint::{Error, Fingerprinter, ReferenceSet};

#[test]
fn error_codes_are_stable() {
    let cases = [
        (Error::MissingKey, "MRH-FP-001"),
        (Error::InvalidParameter { name: "k", value: 0, expected: "1..=1024" }, "MRH-FP-002"),
        (Error::DocumentTooLarge { len: 1, max: 0 }, "MRH-FP-003"),
        (Error::IncompatibleParameters, "MRH-FP-004"),
        (Error::ReferenceSetFull { max: 0 }, "MRH-FP-005"),
        (Error::Corrupt { what: "truncated" }, "MRH-FP-006"),
        (Error::StaleAlgorithm { found: 0, current: 1 }, "MRH-FP-007"),
        (Error::GroupsMismatch { groups: 1, documents: 2 }, "MRH-FP-008"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code, "{error}");
    }
    assert_eq!(
        Error::InvalidParameter { name: "k", value: 0, expected: "1..=1024" }.to_string(),
        "parameter k = 0 is out of range (1..=1024)"
    );
}

#[test]
fn engines_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Fingerprinter>();
    assert_send_sync::<ReferenceSet>();

    let fp = crate::gen::fingerprinter();
    let texts = ["一つ目の文書の本文です。十分な長さがあります。", "second document body, long enough to fingerprint"];
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = texts.iter().map(|t| s.spawn(|| fp.fingerprint(t))).collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    for (t, r) in texts.iter().zip(results) {
        assert_eq!(r, Some(fp.fingerprint(t)));
    }
}
