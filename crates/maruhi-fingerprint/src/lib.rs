//! Japanese-aware document fingerprinting: the core of maruhi's leak scanner.
//!
//! Given the text of registered secrets (the references) and a document found
//! somewhere (the query: a mail attachment, a file on a share, a paste), this
//! crate answers "which secrets does this document contain, how much of each,
//! and where", even when the copy was re-typed, re-wrapped, converted between
//! full and half width, katakana and hiragana, or old and new kanji.
//!
//! It is pure: no I/O, no clock, no global state, no panics on any input.
//!
//! # How
//!
//! 1. [`normalize()`] maps text to a canonical char stream (NFKC, case and kana
//!    folding, dash unification, old→new kanji, no whitespace or punctuation)
//!    and keeps, for every output char, the byte range it came from.
//! 2. A [`Fingerprinter`] hashes every k-gram of that stream under the
//!    installation [`Key`] and keeps a winnowed subset (Schleimer, Wilkerson
//!    and Aiken, "Winnowing: local algorithms for document fingerprinting",
//!    SIGMOD 2003). Any shared run of at least `t = w + k − 1` normalised
//!    chars is guaranteed to yield a common fingerprint.
//! 3. A [`ReferenceSet`] indexes the references' fingerprints in a flat sorted
//!    array and [`ReferenceSet::find`]
//!    reports, per reference, a [`Match`] with its coverage, matched length
//!    and [`MatchSpan`]s pairing byte ranges in both documents. Boilerplate in
//!    a [`BackgroundSet`] never counts.
//! 4. Both are stored: [`Fingerprints::to_bytes`] / [`Fingerprints::from_bytes`]
//!    (compact, delta-coded) and [`ReferenceSet::write_to`] /
//!    [`ReferenceSet::from_bytes`] (a flat little-endian file that loads with
//!    one copy and one validation pass). Both carry the parameters, a key
//!    check value and [`ALGORITHM_VERSION`], and are fully validated.
//!
//! # Example
//!
//! ```
//! use maruhi_fingerprint::{Fingerprinter, ReferenceSet};
//!
//! # fn main() -> Result<(), maruhi_fingerprint::Error> {
//! let fp = Fingerprinter::builder().key([42u8; 32]).build()?;
//!
//! let secret = "新製品「マルヒＸ」の原価は１台あたり３万２千円、発売日は二〇二六年四月一日とする。";
//! let mut refs = ReferenceSet::builder();
//! let id = refs.add(&fp.fingerprint(secret)?)?;
//! let refs = refs.build()?;
//!
//! // A re-typed copy: half-width katakana, ASCII digits, other punctuation.
//! let leak = "FYI 新製品 ﾏﾙﾋX の原価は1台あたり3万2千円 / 発売日は二〇二六年四月一日とする";
//! let matches = refs.find(&fp.fingerprint(leak)?)?;
//! assert_eq!(matches[0].doc, id);
//! assert!(matches[0].coverage > 0.9);
//! let span = &matches[0].spans[0];
//! assert!(leak[span.query_bytes.clone()].contains("千円"));
//! assert!(secret[span.reference_bytes.clone()].contains("千円"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod codec;
mod error;
#[cfg(test)]
mod find_tests;
mod kanji;
pub mod matcher;
pub mod normalize;
#[cfg(test)]
mod persist_tests;
pub mod winnow;

#[doc(hidden)]
pub use codec::reseal as __reseal_checksum;
pub use codec::ALGORITHM_VERSION;
pub use error::Error;
pub use matcher::{
    chain_gap, chain_shift, DocId, IndexEntry, Match, MatchSpan, Passage, ReferenceSet, ReferenceSetBuilder,
};
pub use normalize::{normalize, normalize_into, Normalized};
pub use winnow::{
    BackgroundSet, Fingerprint, Fingerprinter, FingerprinterBuilder, Fingerprints, Key, Params, DEFAULT_K,
    DEFAULT_WINDOW,
};
