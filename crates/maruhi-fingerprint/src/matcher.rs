//! The reference set (the registered secrets' fingerprints) and matching.
//!
//! The index is deliberately flat: one `Vec<IndexEntry>` sorted by
//! `(hash, doc, ordinal)`, a directory of 2^16 + 1 offsets keyed by the top 16
//! bits of the hash, and per-document arrays of fingerprints. Every part is a
//! plain array of fixed-size little records, so a later version can write them
//! to a file and memory-map it without changing the lookup: narrow with the
//! directory, then binary-search the (on average tiny) bucket.

use std::ops::Range;

use crate::winnow::{BackgroundSet, Fingerprint, Fingerprints, Params};
use crate::Error;

/// Identifies a document in a [`ReferenceSet`]: the order it was added in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(u32);

impl DocId {
    /// The index of the document, in the order of [`ReferenceSetBuilder::add`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One posting: reference document `doc` selected `hash` as its fingerprint
/// number `ordinal`. 16 bytes, `repr(C)`, ready for a flat file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(C)]
pub struct IndexEntry {
    /// The keyed fingerprint hash.
    pub hash: u64,
    /// The document's [`DocId`] index.
    pub doc: u32,
    /// Index into that document's fingerprints.
    pub ordinal: u32,
}

/// Directory bits: 2^16 buckets keep a bucket to a few entries up to millions
/// of entries, at 256 KiB.
const DIRECTORY_BITS: u32 = 16;

/// At most this many postings of one hash in one reference document are
/// paired with each query fingerprint. A highly repetitive document (the same
/// line a thousand times) would otherwise make matching quadratic. Coverage is
/// unaffected; spans and matched chars of such repeats may be undercounted.
pub const MAX_POSTINGS_PER_DOC: usize = 16;

#[derive(Clone, Debug)]
struct RefDoc {
    fingerprints: Vec<Fingerprint>,
    /// Distinct non-background hashes: the denominator of coverage.
    distinct: u32,
}

/// Collects reference documents, then sorts them into a [`ReferenceSet`].
#[derive(Clone, Debug, Default)]
pub struct ReferenceSetBuilder {
    params: Option<Params>,
    docs: Vec<Vec<Fingerprint>>,
    background: Option<BackgroundSet>,
}

impl ReferenceSetBuilder {
    /// Adds a reference document and returns its id.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleParameters`] if the fingerprints were made with
    /// another key or parameters than earlier ones; [`Error::ReferenceSetFull`]
    /// past 2^32 − 1 documents.
    pub fn add(&mut self, doc: &Fingerprints) -> Result<DocId, Error> {
        self.check(doc.params())?;
        let id = u32::try_from(self.docs.len()).map_err(|_| Error::ReferenceSetFull { max: u32::MAX as usize })?;
        self.docs.push(doc.as_slice().to_vec());
        Ok(DocId(id))
    }

    /// Sets the boilerplate whose hashes never count (replacing any earlier).
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleParameters`] as for [`add`](Self::add).
    pub fn background(&mut self, background: BackgroundSet) -> Result<&mut Self, Error> {
        self.check(background.params())?;
        self.background = Some(background);
        Ok(self)
    }

    fn check(&mut self, params: Params) -> Result<(), Error> {
        match self.params {
            Some(p) if p != params => Err(Error::IncompatibleParameters),
            _ => {
                self.params = Some(params);
                Ok(())
            }
        }
    }

    /// Sorts the postings and builds the directory.
    ///
    /// # Errors
    ///
    /// [`Error::ReferenceSetFull`] when a document has more than 2^32 − 1
    /// fingerprints (which a 4 GiB document cannot reach).
    pub fn build(self) -> Result<ReferenceSet, Error> {
        let background = self.background;
        let is_background = |h: u64| background.as_ref().is_some_and(|b| b.contains(h));
        let mut entries = Vec::with_capacity(self.docs.iter().map(Vec::len).sum());
        for (doc, fps) in self.docs.iter().enumerate() {
            for (ordinal, fp) in fps.iter().enumerate() {
                if is_background(fp.hash()) {
                    continue;
                }
                entries.push(IndexEntry {
                    hash: fp.hash(),
                    doc: doc as u32,
                    ordinal: u32::try_from(ordinal).map_err(|_| Error::ReferenceSetFull { max: u32::MAX as usize })?,
                });
            }
        }
        entries.sort_unstable();

        let mut distinct = vec![0u32; self.docs.len()];
        let mut previous: Option<(u64, u32)> = None;
        for e in &entries {
            if previous != Some((e.hash, e.doc)) {
                distinct[e.doc as usize] += 1;
                previous = Some((e.hash, e.doc));
            }
        }

        let mut directory = vec![0u32; (1 << DIRECTORY_BITS) + 1];
        for e in &entries {
            directory[bucket(e.hash) + 1] += 1;
        }
        for i in 1..directory.len() {
            directory[i] += directory[i - 1];
        }
        if entries.len() > u32::MAX as usize {
            return Err(Error::ReferenceSetFull { max: u32::MAX as usize });
        }

        let docs = self
            .docs
            .into_iter()
            .zip(distinct)
            .map(|(fingerprints, distinct)| RefDoc { fingerprints, distinct })
            .collect();
        Ok(ReferenceSet { params: self.params, entries, directory, docs })
    }
}

#[inline]
fn bucket(hash: u64) -> usize {
    (hash >> (64 - DIRECTORY_BITS)) as usize
}

/// An immutable, in-memory index of reference documents' fingerprints.
/// Shareable across threads.
#[derive(Clone, Debug)]
pub struct ReferenceSet {
    params: Option<Params>,
    entries: Vec<IndexEntry>,
    directory: Vec<u32>,
    docs: Vec<RefDoc>,
}

/// How much of one reference document a query contains.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    /// The reference document.
    pub doc: DocId,
    /// Fraction (0..=1) of the reference's distinct non-background
    /// fingerprints that the query also has.
    pub coverage: f64,
    /// Normalised chars of the reference covered by the spans (their union).
    pub matched_chars: usize,
    /// Maximal runs of matched k-grams that line up in both documents (gaps
    /// shorter than a window bridged), by
    /// query position.
    pub spans: Vec<MatchSpan>,
}

/// A run of matching text: where it is in the query and in the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchSpan {
    /// Normalised char range in the query.
    pub query_chars: Range<usize>,
    /// Normalised char range in the reference.
    pub reference_chars: Range<usize>,
    /// Byte range in the query's original text.
    pub query_bytes: Range<usize>,
    /// Byte range in the reference's original text.
    pub reference_bytes: Range<usize>,
}

/// One pairing of a query fingerprint with a reference fingerprint.
#[derive(Clone, Copy)]
struct Hit {
    doc: u32,
    query: u32,
    reference: u32,
}

impl ReferenceSet {
    /// Starts a builder.
    pub fn builder() -> ReferenceSetBuilder {
        ReferenceSetBuilder::default()
    }

    /// Number of reference documents.
    pub fn doc_count(&self) -> usize {
        self.docs.len()
    }

    /// The sorted postings (for serialising).
    pub fn entries(&self) -> &[IndexEntry] {
        &self.entries
    }

    /// The fingerprints of reference document `doc`.
    pub fn fingerprints(&self, doc: DocId) -> Option<&[Fingerprint]> {
        self.docs.get(doc.index()).map(|d| d.fingerprints.as_slice())
    }

    /// The postings of `hash`.
    pub fn lookup(&self, hash: u64) -> &[IndexEntry] {
        let b = bucket(hash);
        let lo = self.directory.get(b).copied().unwrap_or(0) as usize;
        let hi = self.directory.get(b + 1).copied().unwrap_or(0) as usize;
        let Some(bucket) = self.entries.get(lo..hi) else {
            return &[];
        };
        let start = bucket.partition_point(|e| e.hash < hash);
        let end = start + bucket[start..].partition_point(|e| e.hash == hash);
        &bucket[start..end]
    }

    /// Matches a query document against every reference, best coverage first.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleParameters`] when the query was fingerprinted with
    /// another key or parameters than the references.
    pub fn find(&self, query: &Fingerprints) -> Result<Vec<Match>, Error> {
        let Some(params) = self.params else {
            return Ok(Vec::new());
        };
        if params != query.params() {
            return Err(Error::IncompatibleParameters);
        }
        let k = params.k();
        let qfps = query.as_slice();

        let mut hits = Vec::new();
        for (qi, fp) in qfps.iter().enumerate() {
            let postings = self.lookup(fp.hash());
            let mut rest = postings;
            while let Some(first) = rest.first() {
                let same_doc = rest.partition_point(|e| e.doc == first.doc);
                for e in &rest[..same_doc.min(MAX_POSTINGS_PER_DOC)] {
                    hits.push(Hit { doc: e.doc, query: qi as u32, reference: e.ordinal });
                }
                rest = &rest[same_doc..];
            }
        }
        hits.sort_unstable_by_key(|h| (h.doc, h.query, h.reference));

        let mut matches = Vec::new();
        for group in hits.chunk_by(|a, b| a.doc == b.doc) {
            let Some(doc) = group.first().map(|h| h.doc) else {
                continue;
            };
            let Some(ref_doc) = self.docs.get(doc as usize) else {
                continue;
            };
            let rfps = &ref_doc.fingerprints;
            let reference = |h: &Hit| rfps.get(h.reference as usize).copied();
            let query_fp = |h: &Hit| qfps.get(h.query as usize).copied();

            let mut hashes: Vec<u64> = group.iter().filter_map(|h| query_fp(h).map(|f| f.hash())).collect();
            hashes.sort_unstable();
            hashes.dedup();
            let coverage =
                if ref_doc.distinct == 0 { 0.0 } else { (hashes.len() as f64 / f64::from(ref_doc.distinct)).min(1.0) };

            let spans =
                merge_spans(group.iter().filter_map(|h| Some((query_fp(h)?, reference(h)?))), k, params.window());
            let matched_chars = union_len(spans.iter().map(|s| s.reference_chars.clone()));
            matches.push(Match { doc: DocId(doc), coverage, matched_chars, spans });
        }
        matches.sort_by(|a, b| b.coverage.total_cmp(&a.coverage).then(a.doc.cmp(&b.doc)));
        Ok(matches)
    }
}

/// Total length of the union of char ranges.
fn union_len(ranges: impl Iterator<Item = Range<usize>>) -> usize {
    let mut ranges: Vec<Range<usize>> = ranges.collect();
    ranges.sort_unstable_by_key(|r| r.start);
    let mut total = 0;
    let mut covered_to = 0;
    for r in ranges {
        let start = r.start.max(covered_to);
        if r.end > start {
            total += r.end - start;
            covered_to = r.end;
        }
    }
    total
}

/// Merges paired k-grams into spans: pairs on the same diagonal (the same
/// reference − query offset) become one span when the next k-gram starts at
/// most `window` positions after the previous one. Winnowing selects a
/// k-gram in every `window` consecutive ones of a shared run, so inside a
/// copied passage matches are never further apart and the span covers the
/// whole passage, not only the selected k-grams; a gap that short can hide a
/// changed char or two, which the span then includes.
fn merge_spans(pairs: impl Iterator<Item = (Fingerprint, Fingerprint)>, k: usize, window: usize) -> Vec<MatchSpan> {
    let mut pairs: Vec<(i64, Fingerprint, Fingerprint)> =
        pairs.map(|(q, r)| (r.position() as i64 - q.position() as i64, q, r)).collect();
    pairs.sort_unstable_by_key(|(diag, q, _)| (*diag, q.position()));

    let mut spans: Vec<(i64, MatchSpan)> = Vec::new();
    for (diag, q, r) in pairs {
        let q_chars = q.position()..q.position() + k;
        let r_chars = r.position()..r.position() + k;
        if let Some((d, span)) = spans.last_mut() {
            if *d == diag && q_chars.start <= span.query_chars.end.saturating_sub(k) + window {
                span.query_chars.end = span.query_chars.end.max(q_chars.end);
                span.reference_chars.end = span.reference_chars.end.max(r_chars.end);
                span.query_bytes.end = span.query_bytes.end.max(q.byte_range().end);
                span.reference_bytes.end = span.reference_bytes.end.max(r.byte_range().end);
                continue;
            }
        }
        spans.push((
            diag,
            MatchSpan {
                query_chars: q_chars,
                reference_chars: r_chars,
                query_bytes: q.byte_range(),
                reference_bytes: r.byte_range(),
            },
        ));
    }
    let mut spans: Vec<MatchSpan> = spans.into_iter().map(|(_, s)| s).collect();
    spans.sort_by_key(|s| (s.query_chars.start, s.reference_chars.start));
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_len_merges_overlaps() {
        assert_eq!(union_len(std::iter::empty()), 0);
        assert_eq!(union_len([0..5].into_iter()), 5);
        assert_eq!(union_len([10..15, 0..5, 3..8].into_iter()), 13);
        assert_eq!(union_len([0..5, 5..10].into_iter()), 10);
    }

    #[test]
    fn index_entry_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<IndexEntry>(), 16);
    }
}
