//! The reference set (the registered secrets' fingerprints) and matching.
//!
//! The index is deliberately flat: one `Vec<IndexEntry>` sorted by
//! `(hash, doc, ordinal)`, a directory of 2^16 + 1 offsets keyed by the top 16
//! bits of the hash, and per-document arrays of fingerprints. Every part is a
//! plain array of fixed-size little records, so a later version can write them
//! to a file and memory-map it without changing the lookup: narrow with the
//! directory, then binary-search the (on average tiny) bucket. A presence
//! filter derived from the entries (not stored) answers first for the many
//! hashes no reference has.

use std::ops::Range;

use crate::codec::{checksum, corrupt, verify_checksum, Reader, ALGORITHM_VERSION};
use crate::winnow::{read_params, BackgroundSet, Fingerprint, Fingerprints, Params};
use crate::Error;

/// Identifies a document in a [`ReferenceSet`]: the order it was added in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(u32);

impl DocId {
    /// The index of the document, in the order of [`ReferenceSetBuilder::add`].
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the document added `index`-th (an index past the set's
    /// documents names none and matches nothing).
    pub fn for_index(index: u32) -> DocId {
        DocId(index)
    }
}

#[cfg(test)]
impl DocId {
    /// The id of the document with this index, for test oracles.
    pub(crate) fn for_tests(index: u32) -> DocId {
        DocId(index)
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

#[derive(Clone, Debug, PartialEq, Eq)]
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

        let mut directory = vec![0u32; DIRECTORY_LEN];
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
        let filter = PresenceFilter::new(&entries);
        Ok(ReferenceSet { params: self.params, entries, directory, docs, filter, common: CommonHashes::default() })
    }
}

const DIRECTORY_LEN: usize = (1 << DIRECTORY_BITS) + 1;
const INDEX_MAGIC: &[u8; 8] = b"MRHFPIX1";
const INDEX_FORMAT: u16 = 1;
const INDEX_HEADER_LEN: usize = 64;

fn le_u32(c: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(c);
    u32::from_le_bytes(b)
}

fn le_u64(c: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(c);
    u64::from_le_bytes(b)
}

#[inline]
fn bucket(hash: u64) -> usize {
    (hash >> (64 - DIRECTORY_BITS)) as usize
}

/// An immutable, in-memory index of reference documents' fingerprints.
/// Shareable across threads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceSet {
    params: Option<Params>,
    entries: Vec<IndexEntry>,
    directory: Vec<u32>,
    docs: Vec<RefDoc>,
    filter: PresenceFilter,
    /// Boilerplate found by document frequency (derived, not stored).
    common: CommonHashes,
}

/// Hashes that occur in many groups of reference documents: the
/// boilerplate of a company's documents (headers, disclaimers, licences,
/// common commands), found the way search engines weigh terms, by document
/// frequency (Spärck Jones 1972). A bit per entry, set on the first entry of
/// each common hash's postings. Derived from the entries and the grouping
/// the caller gives ([`ReferenceSet::discount_common`]); empty until then.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CommonHashes {
    bits: Vec<u64>,
    /// Group of each document (documents of one group count once).
    groups: Vec<u32>,
}

impl CommonHashes {
    #[inline]
    fn contains(&self, entry: usize) -> bool {
        self.bits.get(entry / 64).is_some_and(|w| w >> (entry % 64) & 1 != 0)
    }
}

/// Which hashes may have postings: one bit per value of the hashes' top
/// bits, 8 to 16 bits per entry. Most fingerprints of a scanned document are
/// in no reference; for nearly all of them this small array (in cache)
/// answers without a visit to the directory and the entries (out of cache
/// for a large index).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PresenceFilter {
    words: Vec<u64>,
    /// A hash's bit is `hash >> shift`.
    shift: u32,
}

impl PresenceFilter {
    fn new(entries: &[IndexEntry]) -> PresenceFilter {
        let bits =
            entries.len().saturating_mul(8).checked_next_power_of_two().unwrap_or(1 << (usize::BITS - 1)).max(64);
        let shift = u64::BITS - bits.trailing_zeros();
        let mut words = vec![0u64; bits / 64];
        for e in entries {
            let bit = (e.hash >> shift) as usize;
            if let Some(word) = words.get_mut(bit / 64) {
                *word |= 1 << (bit % 64);
            }
        }
        PresenceFilter { words, shift }
    }

    /// False when no entry has `hash`.
    #[inline]
    fn may_contain(&self, hash: u64) -> bool {
        let bit = (hash >> self.shift) as usize;
        self.words.get(bit / 64).is_some_and(|word| word >> (bit % 64) & 1 != 0)
    }
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
    /// The spans chained into aligned passages, longest first.
    pub passages: Vec<Passage>,
}

/// Spans that continue one alignment, chained across the small gaps and
/// shifts that re-wrapping, changed punctuation or characters, OCR-like
/// noise and inserted or deleted words leave: the unit of evidence of a
/// leak. Chaining follows the colinear chaining of seed-and-extend aligners
/// (BLAST's two-hit method, Altschul et al. 1997; chaining in MUMmer and
/// minimap2, Li 2018), simplified to a greedy pass: consecutive spans of a
/// passage start at most [`chain_gap`] normalised chars after the previous
/// one ends, in both documents, and shift the alignment by at most
/// [`chain_shift`] chars.
#[derive(Clone, Debug, PartialEq)]
pub struct Passage {
    /// From the first span's start to the last span's end, in the query.
    pub query_chars: Range<usize>,
    /// The same in the reference.
    pub reference_chars: Range<usize>,
    /// Byte range in the query's original text.
    pub query_bytes: Range<usize>,
    /// Byte range in the reference's original text.
    pub reference_bytes: Range<usize>,
    /// Normalised chars of the query inside the passage's spans (their
    /// union): the evidence, not counting gaps.
    pub aligned_chars: usize,
    /// Aligned chars over the longer of the two extents (0..=1): 1 for a
    /// verbatim copy, lower with every change.
    pub similarity: f64,
    /// Indices of the passage's spans in [`Match::spans`], in order.
    pub spans: Vec<usize>,
}

/// How far apart, in normalised chars, two spans of one passage may be: two
/// guarantee lengths (2t), enough for a changed char's lost k-grams plus the
/// winnowing slack on both sides, and for a short inserted or deleted word.
pub fn chain_gap(params: Params) -> usize {
    2 * params.guarantee()
}

/// How much two spans of one passage may shift the alignment (their
/// diagonals' difference), in normalised chars: one guarantee length, an
/// inserted or deleted word or number.
pub fn chain_shift(params: Params) -> usize {
    params.guarantee()
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Hit {
    doc: u32,
    query: u32,
    reference: u32,
    /// 1 on the first hit of a (query hash, document) pair, else 0: the sum
    /// over a document's hits is the number of distinct hashes it shares
    /// with the query.
    new_hash: u32,
}

/// A query fingerprint with postings: its index and the range of its
/// postings in the entries.
#[derive(Clone, Copy)]
struct Found {
    query: u32,
    start: u32,
    end: u32,
}

/// Hits are grouped by document with a radix sort of this many bits per
/// pass: one pass up to 2048 documents, two up to 4 million.
const RADIX_BITS: u32 = 11;

/// At most this many spans are reserved for one document's hits at first.
const SPANS_RESERVED: usize = 4096;

/// How many lookups ahead `find` touches a bucket.
const LOOKAHEAD: usize = 4;

/// Fibonacci hashing multiplier (2^64 / golden ratio), for the open-addressing
/// tables of `find`.
const FIBONACCI: u64 = 0x9E37_79B9_7F4A_7C15;

impl ReferenceSet {
    /// Starts a builder.
    pub fn builder() -> ReferenceSetBuilder {
        ReferenceSetBuilder::default()
    }

    /// The key and parameters of the indexed fingerprints (`None` when the
    /// set is empty).
    pub fn params(&self) -> Option<Params> {
        self.params
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
        self.entries.get(self.postings(hash)).unwrap_or(&[])
    }

    /// The first entry's hash in the bucket of `hash` (reading it brings the
    /// bucket into the cache).
    fn bucket_head(&self, hash: u64) -> u64 {
        let lo = self.directory.get(bucket(hash)).copied().unwrap_or(0) as usize;
        self.entries.get(lo).map_or(0, |e| e.hash)
    }

    /// Where the postings of `hash` are in the entries.
    fn postings(&self, hash: u64) -> Range<usize> {
        if !self.filter.may_contain(hash) {
            return 0..0;
        }
        self.search_bucket(hash)
    }

    /// Where the postings of `hash` are in the entries, past the filter.
    fn search_bucket(&self, hash: u64) -> Range<usize> {
        let b = bucket(hash);
        let lo = self.directory.get(b).copied().unwrap_or(0) as usize;
        let hi = self.directory.get(b + 1).copied().unwrap_or(0) as usize;
        let Some(bucket) = self.entries.get(lo..hi) else {
            return 0..0;
        };
        let start = bucket.partition_point(|e| e.hash < hash);
        let len = bucket[start..].partition_point(|e| e.hash == hash);
        lo + start..lo + start + len
    }

    /// Discounts boilerplate: from now on, a hash that occurs in at least
    /// `min_groups` groups of documents (`groups[d]` is document `d`'s
    /// group; documents of one group, such as the files of one secret, count
    /// once) is left out of [`find`](Self::find) (spans, passages, coverage
    /// and matched chars); [`discounted`](Self::discounted) finds it again
    /// for explanations. `min_groups` of 0 or
    /// `usize::MAX` turns the discount off.
    ///
    /// # Errors
    ///
    /// [`Error::GroupsMismatch`] when `groups` does not have one group per
    /// document.
    pub fn discount_common(&mut self, groups: Vec<u32>, min_groups: usize) -> Result<(), Error> {
        if groups.len() != self.docs.len() {
            return Err(Error::GroupsMismatch { groups: groups.len(), documents: self.docs.len() });
        }
        let mut bits = vec![0u64; self.entries.len().div_ceil(64)];
        let mut seen = Vec::new();
        let mut start = 0;
        if min_groups > 0 && min_groups != usize::MAX {
            for run in self.entries.chunk_by(|a, b| a.hash == b.hash) {
                if run.len() >= min_groups && distinct_groups(run, &groups, &mut seen) >= min_groups {
                    if let Some(word) = bits.get_mut(start / 64) {
                        *word |= 1 << (start % 64);
                    }
                }
                start += run.len();
            }
        }
        self.common = CommonHashes { bits, groups };
        Ok(())
    }

    /// In how many groups of documents `hash` occurs (each document its own
    /// group until [`discount_common`](Self::discount_common) says
    /// otherwise): the document frequency behind a discount.
    pub fn document_frequency(&self, hash: u64) -> usize {
        let postings = self.lookup(hash);
        if self.common.groups.is_empty() {
            return postings.chunk_by(|a, b| a.doc == b.doc).count();
        }
        distinct_groups(postings, &self.common.groups, &mut Vec::new())
    }

    /// What `query` shares with each of `docs` that [`find`](Self::find)
    /// left out as boilerplate: the runs of hashes common to many groups
    /// ([`discount_common`](Self::discount_common)), by query position, for
    /// explaining findings. One pass over the query's common hashes, each
    /// one's postings merged with the documents asked about.
    pub fn discounted(&self, query: &Fingerprints, docs: &[DocId]) -> Vec<Vec<MatchSpan>> {
        let mut out = vec![Vec::new(); docs.len()];
        let Some(params) = self.params.filter(|p| *p == query.params() && !self.common.groups.is_empty()) else {
            return out;
        };
        let mut wanted: Vec<(u32, usize)> = docs.iter().enumerate().map(|(i, d)| (d.0, i)).collect();
        wanted.sort_unstable();
        let mut hits: Vec<Vec<Hit>> = vec![Vec::new(); docs.len()];
        let qfps = query.as_slice();
        for (qi, fp) in qfps.iter().enumerate() {
            let postings = self.postings(fp.hash());
            if postings.is_empty() || !self.common.contains(postings.start) {
                continue;
            }
            let Some(mut rest) = self.entries.get(postings) else { continue };
            let mut w = 0;
            while let (Some(first), Some(&(doc, slot))) = (rest.first(), wanted.get(w)) {
                let run = doc_run(rest);
                match first.doc.cmp(&doc) {
                    std::cmp::Ordering::Less => rest = &rest[run..],
                    std::cmp::Ordering::Greater => w += 1,
                    std::cmp::Ordering::Equal => {
                        for e in &rest[..run.min(MAX_POSTINGS_PER_DOC)] {
                            hits[slot].push(Hit { doc, query: qi as u32, reference: e.ordinal, new_hash: 0 });
                        }
                        w += 1;
                    }
                }
            }
        }
        let mut diagonals = Diagonals::default();
        for ((doc, hits), out) in docs.iter().zip(&hits).zip(&mut out) {
            if let Some(d) = self.docs.get(doc.index()) {
                *out = merge_spans(hits, qfps, &d.fingerprints, params, &mut diagonals);
            }
        }
        out
    }

    /// The length of reference document `doc`'s normalised text as far as
    /// its fingerprints tell (from the first fingerprint's start to the last
    /// one's end; the few chars before and after are never evidence): the
    /// denominator of passage coverage.
    pub fn reference_len(&self, doc: DocId) -> usize {
        let k = self.params.map_or(0, |p| p.k());
        let Some(fps) = self.docs.get(doc.index()).map(|d| &d.fingerprints) else { return 0 };
        match (fps.first(), fps.last()) {
            (Some(first), Some(last)) => last.position() + k - first.position(),
            _ => 0,
        }
    }

    /// Bytes of memory the index holds (entries, directory, presence
    /// filter, per-document fingerprints), for capacity planning.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<IndexEntry>()
            + self.directory.capacity() * 4
            + self.filter.words.capacity() * 8
            + self.docs.capacity() * std::mem::size_of::<RefDoc>()
            + self.docs.iter().map(|d| d.fingerprints.capacity() * std::mem::size_of::<Fingerprint>()).sum::<usize>()
    }

    /// Writes the index as one flat little-endian file (see
    /// [`to_bytes`](Self::to_bytes) for the layout).
    ///
    /// # Errors
    ///
    /// Whatever `w` reports.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        w.write_all(&self.to_bytes())
    }

    /// The index as one flat little-endian file:
    ///
    /// | bytes | content |
    /// |---|---|
    /// | 8 | magic `MRHFPIX1` |
    /// | 2 | format version (1) |
    /// | 1 | [`ALGORITHM_VERSION`] |
    /// | 1 | flags: bit 0 = has parameters (any document was added) |
    /// | 4, 4 | k, window |
    /// | 4 | directory bits (16) |
    /// | 8 | key check value |
    /// | 8, 8, 8 | document, entry and fingerprint counts |
    /// | 8 | reserved, 0 |
    /// | 16 × entries | [`IndexEntry`] `hash u64, doc u32, ordinal u32`, sorted |
    /// | 4 × (2^16 + 1) | directory: first entry of each top-16-bit bucket |
    /// | 8 × documents | per document: fingerprint count u32, distinct u32 |
    /// | 20 × fingerprints | per document in order: `hash u64, position u32, start u32, end u32` |
    /// | 8 | checksum of everything before |
    pub fn to_bytes(&self) -> Vec<u8> {
        let fingerprints: usize = self.docs.iter().map(|d| d.fingerprints.len()).sum();
        let len = INDEX_HEADER_LEN
            + 16 * self.entries.len()
            + 4 * self.directory.len()
            + 8 * self.docs.len()
            + 20 * fingerprints
            + 8;
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(INDEX_MAGIC);
        out.extend_from_slice(&INDEX_FORMAT.to_le_bytes());
        out.push(ALGORITHM_VERSION);
        let (flags, k, window, key_check) = match self.params {
            Some(p) => (1u8, p.k() as u32, p.window() as u32, p.key_check()),
            None => (0, 0, 0, 0),
        };
        out.push(flags);
        out.extend_from_slice(&k.to_le_bytes());
        out.extend_from_slice(&window.to_le_bytes());
        out.extend_from_slice(&DIRECTORY_BITS.to_le_bytes());
        out.extend_from_slice(&key_check.to_le_bytes());
        for count in [self.docs.len(), self.entries.len(), fingerprints] {
            out.extend_from_slice(&(count as u64).to_le_bytes());
        }
        out.extend_from_slice(&0u64.to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.hash.to_le_bytes());
            out.extend_from_slice(&e.doc.to_le_bytes());
            out.extend_from_slice(&e.ordinal.to_le_bytes());
        }
        for d in &self.directory {
            out.extend_from_slice(&d.to_le_bytes());
        }
        for d in &self.docs {
            out.extend_from_slice(&(d.fingerprints.len() as u32).to_le_bytes());
            out.extend_from_slice(&d.distinct.to_le_bytes());
        }
        for d in &self.docs {
            for f in &d.fingerprints {
                let r = f.byte_range();
                out.extend_from_slice(&f.hash().to_le_bytes());
                out.extend_from_slice(&(f.position() as u32).to_le_bytes());
                out.extend_from_slice(&(r.start as u32).to_le_bytes());
                out.extend_from_slice(&(r.end as u32).to_le_bytes());
            }
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Loads what [`write_to`](Self::write_to) wrote: one pass to copy the
    /// arrays out of `bytes` and one to validate them. Nothing is trusted:
    /// the checksum, versions, counts against the length, the sort order and
    /// bounds of every entry, the directory and the per-document counts are
    /// all checked, so a loaded index behaves exactly like a built one.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] for a truncated, corrupt or unknown-format file;
    /// [`Error::StaleAlgorithm`] for an index made by another
    /// [`ALGORITHM_VERSION`].
    pub fn from_bytes(bytes: &[u8]) -> Result<ReferenceSet, Error> {
        let body = verify_checksum(bytes)?;
        let mut r = Reader::new(body);
        if r.take(INDEX_MAGIC.len())? != INDEX_MAGIC {
            return Err(corrupt("not a fingerprint index (bad magic)"));
        }
        if r.u16()? != INDEX_FORMAT {
            return Err(corrupt("unsupported index format version"));
        }
        let algorithm = r.u8()?;
        if algorithm != ALGORITHM_VERSION {
            return Err(Error::StaleAlgorithm { found: algorithm, current: ALGORITHM_VERSION });
        }
        let flags = r.u8()?;
        let (k, window) = (r.u32()?, r.u32()?);
        if r.u32()? != DIRECTORY_BITS {
            return Err(corrupt("unsupported directory size"));
        }
        let key_check = r.u64()?;
        let params = match flags {
            0 if k == 0 && window == 0 && key_check == 0 => None,
            1 => Some(read_params(k.into(), window.into(), key_check)?),
            _ => return Err(corrupt("bad flags or parameters")),
        };
        let (doc_count, entry_count, fp_count) = (r.u64()?, r.u64()?, r.u64()?);
        if r.u64()? != 0 {
            return Err(corrupt("reserved header field is not zero"));
        }
        if params.is_none() && (doc_count != 0 || entry_count != 0 || fp_count != 0) {
            return Err(corrupt("documents without parameters"));
        }
        // The counts must account for the remaining bytes exactly (checked
        // arithmetic: a huge count cannot wrap around or cause a huge
        // allocation).
        let expected = [(entry_count, 16u64), (DIRECTORY_LEN as u64, 4), (doc_count, 8), (fp_count, 20)]
            .iter()
            .try_fold(0u64, |acc, &(n, size)| n.checked_mul(size).and_then(|b| acc.checked_add(b)));
        if expected != Some(r.remaining() as u64) {
            return Err(corrupt("counts do not match the file length"));
        }
        if entry_count > u64::from(u32::MAX) || doc_count > u64::from(u32::MAX) {
            return Err(corrupt("too many entries or documents"));
        }

        let entries: Vec<IndexEntry> = r
            .take(entry_count as usize * 16)?
            .chunks_exact(16)
            .map(|c| IndexEntry { hash: le_u64(&c[..8]), doc: le_u32(&c[8..12]), ordinal: le_u32(&c[12..16]) })
            .collect();
        let directory: Vec<u32> = r.take(DIRECTORY_LEN * 4)?.chunks_exact(4).map(le_u32).collect();
        let counts: Vec<(u32, u32)> =
            r.take(doc_count as usize * 8)?.chunks_exact(8).map(|c| (le_u32(&c[..4]), le_u32(&c[4..]))).collect();
        let mut fingerprints = r.take(fp_count as usize * 20)?;
        r.finish()?;

        let mut docs = Vec::with_capacity(counts.len());
        let mut total = 0u64;
        for &(count, distinct) in &counts {
            total += u64::from(count);
            if total > fp_count || distinct > count {
                return Err(corrupt("document fingerprint counts are inconsistent"));
            }
            let Some((mine, rest)) = fingerprints.split_at_checked(count as usize * 20) else {
                return Err(corrupt("document fingerprint counts are inconsistent"));
            };
            fingerprints = rest;
            let fps: Vec<Fingerprint> = mine
                .chunks_exact(20)
                .map(|c| {
                    Fingerprint::from_parts(le_u64(&c[..8]), le_u32(&c[8..12]), le_u32(&c[12..16]), le_u32(&c[16..20]))
                })
                .collect();
            let ordered = fps.windows(2).all(|w| w[0].position() < w[1].position());
            if !ordered || fps.iter().any(|f| f.byte_range().is_empty()) {
                return Err(corrupt("document fingerprints out of order or empty"));
            }
            docs.push(RefDoc { fingerprints: fps, distinct });
        }
        if total != fp_count {
            return Err(corrupt("document fingerprint counts are inconsistent"));
        }

        // Entries: strictly sorted, in bounds; recompute the directory and
        // the distinct counts and compare.
        let mut expected_directory = vec![0u32; DIRECTORY_LEN];
        let mut distinct = vec![0u32; docs.len()];
        let mut previous: Option<&IndexEntry> = None;
        for e in &entries {
            if previous.is_some_and(|p| p >= e) {
                return Err(corrupt("index entries are not strictly sorted"));
            }
            let Some(&(count, _)) = counts.get(e.doc as usize) else {
                return Err(corrupt("index entry names a missing document"));
            };
            if e.ordinal >= count {
                return Err(corrupt("index entry names a missing fingerprint"));
            }
            if previous.is_none_or(|p| (p.hash, p.doc) != (e.hash, e.doc)) {
                if let Some(d) = distinct.get_mut(e.doc as usize) {
                    *d += 1;
                }
            }
            if let Some(slot) = expected_directory.get_mut(bucket(e.hash) + 1) {
                *slot += 1;
            }
            previous = Some(e);
        }
        for i in 1..expected_directory.len() {
            expected_directory[i] += expected_directory[i - 1];
        }
        if expected_directory != directory {
            return Err(corrupt("index directory does not match the entries"));
        }
        if docs.iter().zip(&distinct).any(|(d, &n)| d.distinct != n) {
            return Err(corrupt("distinct fingerprint counts do not match the entries"));
        }
        let filter = PresenceFilter::new(&entries);
        Ok(ReferenceSet { params, entries, directory, docs, filter, common: CommonHashes::default() })
    }

    /// Matches a query document against every reference, best coverage first.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleParameters`] when the query was fingerprinted with
    /// another key or parameters than the references.
    pub fn find(&self, query: &Fingerprints) -> Result<Vec<Match>, Error> {
        self.find_with(query, 0)
    }

    /// The matches of [`find`](Self::find) that have a passage of at least
    /// `min_passage` aligned chars, each with only those passages (longest
    /// first); the rest of each match as `find` gives it. A document that
    /// shares only short phrases with a reference is paired with it on many
    /// scattered hits: this skips such references before merging their hits
    /// into spans when a bound shows that no passage can be long enough,
    /// and never keeps their many short passages.
    ///
    /// # Errors
    ///
    /// As [`find`](Self::find).
    pub fn find_passages(&self, query: &Fingerprints, min_passage: usize) -> Result<Vec<Match>, Error> {
        self.find_with(query, min_passage)
    }

    fn find_with(&self, query: &Fingerprints, min_passage: usize) -> Result<Vec<Match>, Error> {
        let Some(params) = self.params else {
            return Ok(Vec::new());
        };
        if params != query.params() {
            return Err(Error::IncompatibleParameters);
        }
        let qfps = query.as_slice();

        // Hits are grouped by document with a radix sort whose first pass,
        // on the low `bits` of the document number (all of them up to 2048
        // documents), is fused with pairing: hits are counted per digit
        // while looking up, then written straight to their place.
        let bits = RADIX_BITS.min(u32::BITS - (self.docs.len().saturating_sub(1) as u32).leading_zeros());
        let mask = (1usize << bits) - 1;
        let mut counts = vec![0usize; 1 << bits];

        // Every lookup first. Most query fingerprints are in no reference:
        // the presence filter (in cache) drops them in a pass of its own.
        // The rest are looked up in the directory and the entries (out of
        // cache in a large index), each one's bucket touched a few lookups
        // ahead so that the cache misses overlap.
        // Positions are u32 and strictly increase: at most 2^32 fingerprints.
        let candidates: Vec<u32> = (0..u32::try_from(qfps.len()).unwrap_or(u32::MAX))
            .filter(|&qi| qfps.get(qi as usize).is_some_and(|fp| self.filter.may_contain(fp.hash())))
            .collect();
        let mut found = Vec::new();
        let mut max_doc = 0;
        let mut touched = 0;
        for (i, &qi) in candidates.iter().enumerate() {
            if let Some(ahead) = candidates.get(i + LOOKAHEAD).and_then(|&qi| qfps.get(qi as usize)) {
                touched ^= self.bucket_head(ahead.hash());
            }
            let Some(fp) = qfps.get(qi as usize) else {
                continue;
            };
            let postings = self.search_bucket(fp.hash());
            let Some(mut rest) = self.entries.get(postings.clone()).filter(|p| !p.is_empty()) else {
                continue;
            };
            // Boilerplate is never paired: it counts for nothing, and it is
            // where most postings are ([`Self::discounted`] finds it again
            // for the findings that are reported, when asked).
            if self.common.contains(postings.start) {
                continue;
            }
            while let Some(first) = rest.first() {
                let run = doc_run(rest);
                counts[first.doc as usize & mask] += run.min(MAX_POSTINGS_PER_DOC);
                max_doc = max_doc.max(first.doc);
                rest = &rest[run..];
            }
            // Entries and query fingerprints number at most u32::MAX.
            found.push(Found { query: qi, start: postings.start as u32, end: postings.end as u32 });
        }
        // The touches only warm the cache; their value is not needed.
        std::hint::black_box(touched);
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut next = 0;
        for c in &mut counts {
            (*c, next) = (next, next + *c);
        }

        // Pair each with at most MAX_POSTINGS_PER_DOC postings per document.
        // Hits come out by query, and by reference within one query and
        // document (postings are sorted by hash, document, ordinal), so
        // grouping them stably by document alone puts them in (document,
        // query, reference) order.
        let mut seen = SeenHashes::new(found.len());
        let mut hits = vec![Hit::default(); next];
        for f in &found {
            let (Some(fp), Some(mut rest)) =
                (qfps.get(f.query as usize), self.entries.get(f.start as usize..f.end as usize))
            else {
                continue;
            };
            // Coverage counts each hash once, however often the query has it.
            let new_hash = u32::from(seen.insert(fp.hash()));
            while !rest.is_empty() {
                let run = doc_run(rest);
                let mut new_hash = new_hash;
                for e in &rest[..run.min(MAX_POSTINGS_PER_DOC)] {
                    let slot = &mut counts[e.doc as usize & mask];
                    if let Some(hit) = hits.get_mut(*slot) {
                        *hit = Hit { doc: e.doc, query: f.query, reference: e.ordinal, new_hash };
                    }
                    *slot += 1;
                    new_hash = 0;
                }
                rest = &rest[run..];
            }
        }
        drop(found);
        let hits = sort_by_doc(hits, max_doc, bits, RADIX_BITS);

        let mut matches = Vec::new();
        let mut diagonals = Diagonals::default();
        let mut ranges = Vec::new();
        let (gap, shift) = (chain_gap(params), chain_shift(params));
        let reach = params.k().max(params.window());
        let mut chains = Chains::default();
        for group in hits.chunk_by(|a, b| a.doc == b.doc) {
            let Some(doc) = group.first().map(|h| h.doc) else {
                continue;
            };
            let Some(ref_doc) = self.docs.get(doc as usize) else {
                continue;
            };
            if min_passage > 0 && longest_passage_bound(group, qfps, reach, gap) < min_passage {
                continue;
            }
            let shared: usize = group.iter().map(|h| h.new_hash as usize).sum();
            let coverage =
                if ref_doc.distinct == 0 { 0.0 } else { (shared as f64 / f64::from(ref_doc.distinct)).min(1.0) };
            let spans = merge_spans(group, qfps, &ref_doc.fingerprints, params, &mut diagonals);
            let matched_chars = union_len(spans.iter().map(|s| s.reference_chars.clone()), &mut ranges);
            let passages = chains.chain(&spans, gap, shift, min_passage);
            if min_passage > 0 && passages.is_empty() {
                continue;
            }
            matches.push(Match { doc: DocId(doc), coverage, matched_chars, spans, passages });
        }
        matches.sort_by(|a, b| b.coverage.total_cmp(&a.coverage).then(a.doc.cmp(&b.doc)));
        Ok(matches)
    }
}

/// An upper bound of the aligned chars of any passage that one document's
/// hits (in query order) can make, in one pass and without merging them.
/// A span runs from a hit to at most `k` chars past its last hit, whose hits
/// are at most `window` apart, so spans lie inside the union of
/// `[position, position + reach)` over the hits (`reach` = max(k, window)); a
/// passage's aligned chars lie inside its spans, and its spans start at most
/// `gap` after an earlier one ends, so the passage lies inside one cluster of
/// those intervals where none is more than `gap` past the union so far.
fn longest_passage_bound(hits: &[Hit], qfps: &[Fingerprint], reach: usize, gap: usize) -> usize {
    let (mut longest, mut cluster, mut end) = (0, 0, 0);
    for h in hits {
        let Some(q) = qfps.get(h.query as usize) else { continue };
        let start = q.position();
        if start > end + gap {
            longest = longest.max(cluster);
            cluster = 0;
        }
        cluster += (start + reach).saturating_sub(start.max(end));
        end = end.max(start + reach);
    }
    longest.max(cluster)
}

/// How many of `postings` (sorted by document) belong to the first one's
/// document: a binary search, so that a document repeating one hash many
/// times costs no more than `MAX_POSTINGS_PER_DOC` hits.
fn doc_run(postings: &[IndexEntry]) -> usize {
    match postings {
        [first, second, ..] if second.doc == first.doc => postings.partition_point(|e| e.doc == first.doc),
        [] => 0,
        _ => 1,
    }
}

/// Sorts hits already grouped by the document number's bits below `shift`
/// by the rest of it, keeping the order of equal documents: a least
/// significant digit first radix sort, `bits` per pass, as many passes as
/// `max_doc` (the largest document number among the hits) needs.
fn sort_by_doc(mut hits: Vec<Hit>, max_doc: u32, mut shift: u32, bits: u32) -> Vec<Hit> {
    let radix = 1usize << bits;
    let mut counts = vec![0usize; radix];
    let mut sorted = Vec::new();
    while shift < u32::BITS && max_doc >> shift != 0 {
        let digit = |h: &Hit| (h.doc >> shift) as usize & (radix - 1);
        counts.fill(0);
        for h in &hits {
            counts[digit(h)] += 1;
        }
        let mut next = 0;
        for c in &mut counts {
            (*c, next) = (next, next + *c);
        }
        sorted.clear();
        sorted.resize(hits.len(), Hit::default());
        for h in &hits {
            let slot = &mut counts[digit(h)];
            sorted[*slot] = *h;
            *slot += 1;
        }
        std::mem::swap(&mut hits, &mut sorted);
        shift += bits;
    }
    hits
}

/// The hashes seen so far in a query: an open-addressing set. The hashes
/// are keyed, so any of their bits is as good as random.
struct SeenHashes {
    /// 0 marks a free slot; hash 0 itself is `zero`.
    slots: Vec<u64>,
    zero: bool,
    shift: u32,
}

impl SeenHashes {
    /// A set for up to `n` hashes, at most half full.
    fn new(n: usize) -> SeenHashes {
        let len = n.saturating_mul(2).next_power_of_two().max(2);
        SeenHashes { slots: vec![0; len], zero: false, shift: u64::BITS - len.trailing_zeros() }
    }

    /// Adds `hash`; whether it was new.
    fn insert(&mut self, hash: u64) -> bool {
        if hash == 0 {
            return !std::mem::replace(&mut self.zero, true);
        }
        let mask = self.slots.len() - 1;
        let mut i = (hash.wrapping_mul(FIBONACCI) >> self.shift) as usize;
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = hash;
                    return true;
                }
                s if s == hash => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }
}

/// For each diagonal (reference − query position) seen in one document's
/// hits, the index of its latest span: an open-addressing map, emptied per
/// document.
#[derive(Default)]
struct Diagonals {
    /// (diagonal, span index); `usize::MAX` marks a free slot.
    slots: Vec<(i64, usize)>,
    /// Slots in use: at most half of them.
    used: usize,
    shift: u32,
}

impl Diagonals {
    /// Empties the map and sizes it for `n` diagonals (a first guess: it
    /// grows when needed).
    fn reset(&mut self, n: usize) {
        self.resize(n.min(SPANS_RESERVED));
        self.used = 0;
    }

    /// Empty slots for `n` diagonals, at most half full.
    fn resize(&mut self, n: usize) {
        let len = n.saturating_mul(2).next_power_of_two().max(2);
        self.slots.clear();
        self.slots.resize(len, (0, usize::MAX));
        self.shift = u64::BITS - len.trailing_zeros();
    }

    fn index(&self, diagonal: i64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = ((diagonal as u64).wrapping_mul(FIBONACCI) >> self.shift) as usize;
        while self.slots[i].1 != usize::MAX && self.slots[i].0 != diagonal {
            i = (i + 1) & mask;
        }
        i
    }

    /// The span index stored for `diagonal`: `usize::MAX` if none yet, and
    /// then the caller stores one.
    fn get_mut(&mut self, diagonal: i64) -> &mut usize {
        if (self.used + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.resize(self.used + 1);
            for (d, span) in old.into_iter().filter(|&(_, span)| span != usize::MAX) {
                let i = self.index(d);
                self.slots[i] = (d, span);
            }
        }
        let i = self.index(diagonal);
        let slot = &mut self.slots[i];
        if slot.1 == usize::MAX {
            self.used += 1;
            slot.0 = diagonal;
        }
        &mut slot.1
    }
}

/// The number of distinct groups among the documents of `postings`.
fn distinct_groups(postings: &[IndexEntry], groups: &[u32], scratch: &mut Vec<u32>) -> usize {
    scratch.clear();
    scratch.extend(postings.iter().map(|e| groups.get(e.doc as usize).copied().unwrap_or(e.doc)));
    scratch.sort_unstable();
    scratch.dedup();
    scratch.len()
}

/// At most this many recent passages are candidates for the next span: a
/// highly repetitive document (the same row a thousand times) would
/// otherwise make chaining quadratic.
pub(crate) const CHAIN_CANDIDATES: usize = 64;

/// A passage being chained: a [`Passage`] without its list of spans, which
/// most passages (short phrases) never need.
#[derive(Clone)]
struct Chain {
    query_chars: Range<usize>,
    reference_chars: Range<usize>,
    query_bytes: Range<usize>,
    reference_bytes: Range<usize>,
    aligned_chars: usize,
}

/// Working memory for chaining, reused across the documents of one query.
#[derive(Default)]
struct Chains {
    chains: Vec<Chain>,
    /// The chain of each span.
    chain_of: Vec<u32>,
    /// Passages whose query end is near enough to be continued.
    open: Vec<usize>,
    /// The passage each kept chain becomes (`u32::MAX`: not kept).
    kept: Vec<u32>,
}

impl Chains {
    /// Chains spans (in query order, as [`merge_spans`] makes them) into
    /// passages, longest first (by aligned chars, then query position), and
    /// keeps those of at least `min_passage` aligned chars. A span joins the
    /// passage with the most aligned chars among those it continues (see
    /// [`Passage`]); otherwise it starts one. Only the passages kept get
    /// their list of spans.
    fn chain(&mut self, spans: &[MatchSpan], gap: usize, shift: usize, min_passage: usize) -> Vec<Passage> {
        let Chains { chains, chain_of, open, kept } = self;
        chains.clear();
        chain_of.clear();
        open.clear();
        let (gap, shift) = (gap as i64, shift as i64);
        for s in spans {
            let (qs, rs) = (s.query_chars.start as i64, s.reference_chars.start as i64);
            open.retain(|&p| chains.get(p).is_some_and(|p| p.query_chars.end as i64 + gap >= qs));
            let mut best: Option<usize> = None;
            for &p in open.iter().rev().take(CHAIN_CANDIDATES) {
                let Some(passage) = chains.get(p) else { continue };
                let dq = qs - passage.query_chars.end as i64;
                let dr = rs - passage.reference_chars.end as i64;
                // Forward in both documents (overlap allowed: neighbouring
                // spans of a shifted alignment share a few chars), near, and
                // close to the same alignment.
                let forward = s.query_chars.end > passage.query_chars.end
                    && s.reference_chars.end > passage.reference_chars.end
                    && dq >= -shift
                    && dr >= -shift;
                let continues = forward && dq <= gap && dr <= gap && (dq - dr).abs() <= shift;
                if continues
                    && best.is_none_or(|b| chains.get(b).is_some_and(|b| b.aligned_chars < passage.aligned_chars))
                {
                    best = Some(p);
                }
            }
            match best.and_then(|b| Some((b, chains.get_mut(b)?))) {
                Some((b, p)) => {
                    p.aligned_chars += s.query_chars.end - s.query_chars.start.max(p.query_chars.end);
                    p.query_chars.end = s.query_chars.end;
                    p.reference_chars.end = p.reference_chars.end.max(s.reference_chars.end);
                    p.query_bytes.end = p.query_bytes.end.max(s.query_bytes.end);
                    p.reference_bytes.end = p.reference_bytes.end.max(s.reference_bytes.end);
                    // Chains number at most the spans, which fit in u32
                    // (each is a hit, and hits are indexed by u32 positions).
                    chain_of.push(b as u32);
                }
                None => {
                    open.push(chains.len());
                    if open.len() > 4 * CHAIN_CANDIDATES {
                        open.drain(..CHAIN_CANDIDATES);
                    }
                    chain_of.push(chains.len() as u32);
                    chains.push(Chain {
                        query_chars: s.query_chars.clone(),
                        reference_chars: s.reference_chars.clone(),
                        query_bytes: s.query_bytes.clone(),
                        reference_bytes: s.reference_bytes.clone(),
                        aligned_chars: s.query_chars.len(),
                    });
                }
            }
        }
        let mut passages = Vec::new();
        kept.clear();
        for c in chains.iter() {
            if c.aligned_chars >= min_passage {
                kept.push(passages.len() as u32);
                let extent = c.query_chars.len().max(c.reference_chars.len()).max(1);
                passages.push(Passage {
                    query_chars: c.query_chars.clone(),
                    reference_chars: c.reference_chars.clone(),
                    query_bytes: c.query_bytes.clone(),
                    reference_bytes: c.reference_bytes.clone(),
                    aligned_chars: c.aligned_chars,
                    similarity: (c.aligned_chars as f64 / extent as f64).min(1.0),
                    spans: Vec::new(),
                });
            } else {
                kept.push(u32::MAX);
            }
        }
        for (i, &c) in chain_of.iter().enumerate() {
            if let Some(p) = kept.get(c as usize).and_then(|&p| passages.get_mut(p as usize)) {
                p.spans.push(i);
            }
        }
        // Stable: equal passages keep the order they were started in.
        passages
            .sort_by(|a, b| b.aligned_chars.cmp(&a.aligned_chars).then(a.query_chars.start.cmp(&b.query_chars.start)));
        passages
    }
}

/// Total length of the union of char ranges (`scratch` is working memory).
pub fn union_len(ranges: impl Iterator<Item = Range<usize>>, scratch: &mut Vec<(usize, usize)>) -> usize {
    scratch.clear();
    scratch.extend(ranges.map(|r| (r.start, r.end)));
    // By start only: the order of equal starts does not change the union.
    scratch.sort_unstable_by_key(|&(start, _)| start);
    let mut total = 0;
    let mut covered_to = 0;
    for &(start, end) in scratch.iter() {
        let start = start.max(covered_to);
        if end > start {
            total += end - start;
            covered_to = end;
        }
    }
    total
}

/// Merges one document's hits into spans: pairs on the same diagonal (the
/// same reference − query offset) become one span when the next k-gram
/// starts at most `window` positions after the previous one. Winnowing
/// selects a k-gram in every `window` consecutive ones of a shared run, so
/// inside a copied passage matches are never further apart and the span
/// covers the whole passage, not only the selected k-grams; a gap that short
/// can hide a changed char or two, which the span then includes.
///
/// The hits come by query, then reference fingerprint, and positions
/// increase with both, so each diagonal's pairs come in position order and
/// the spans are created in the order of their starts (query, then
/// reference): no sorting.
fn merge_spans(
    hits: &[Hit],
    qfps: &[Fingerprint],
    rfps: &[Fingerprint],
    params: Params,
    diagonals: &mut Diagonals,
) -> Vec<MatchSpan> {
    let (k, window) = (params.k(), params.window());
    diagonals.reset(hits.len());
    // At most one span per hit: no regrowing (and copying) while pushing,
    // unless the document has very many hits (then the spans grow from a
    // bounded first guess, since a repetitive document has far fewer spans
    // than hits).
    let mut spans: Vec<MatchSpan> = Vec::with_capacity(hits.len().min(SPANS_RESERVED));
    for h in hits {
        let (Some(q), Some(r)) = (qfps.get(h.query as usize), rfps.get(h.reference as usize)) else {
            continue;
        };
        let latest = diagonals.get_mut(r.position() as i64 - q.position() as i64);
        if let Some(span) = spans.get_mut(*latest) {
            if q.position() <= span.query_chars.end.saturating_sub(k) + window {
                span.query_chars.end = span.query_chars.end.max(q.position() + k);
                span.reference_chars.end = span.reference_chars.end.max(r.position() + k);
                span.query_bytes.end = span.query_bytes.end.max(q.byte_range().end);
                span.reference_bytes.end = span.reference_bytes.end.max(r.byte_range().end);
                continue;
            }
        }
        *latest = spans.len();
        spans.push(MatchSpan {
            query_chars: q.position()..q.position() + k,
            reference_chars: r.position()..r.position() + k,
            query_bytes: q.byte_range(),
            reference_bytes: r.byte_range(),
        });
    }
    spans.shrink_to_fit();
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_len_merges_overlaps() {
        let mut scratch = Vec::new();
        assert_eq!(union_len(std::iter::empty(), &mut scratch), 0);
        assert_eq!(union_len(std::iter::once(0..5), &mut scratch), 5);
        assert_eq!(union_len([10..15, 0..5, 3..8].into_iter(), &mut scratch), 13);
        assert_eq!(union_len([0..5, 5..10].into_iter(), &mut scratch), 10);
    }

    #[test]
    fn sort_by_doc_is_stable_over_several_passes() {
        // A small digit forces several passes; the query numbers record the
        // original order, which equal documents must keep.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for (n, max_doc, bits) in [(10, 3, 1), (200, 1000, 2), (5000, 70_000, 3), (3000, u32::MAX, 11), (100, 0, 11)] {
            let hits: Vec<Hit> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let doc = if max_doc == 0 { 0 } else { (x % (u64::from(max_doc) + 1)) as u32 };
                    Hit { doc, query: i, reference: 0, new_hash: 0 }
                })
                .collect();
            let max = hits.iter().map(|h| h.doc).max().unwrap_or(0);
            let mut expected = hits.clone();
            expected.sort_by_key(|h| h.doc);
            assert_eq!(sort_by_doc(hits, max, 0, bits), expected);
        }
    }

    #[test]
    fn diagonals_grow_and_keep_their_spans() {
        let mut diagonals = Diagonals::default();
        for round in 0..2 {
            diagonals.reset(round);
            for d in -5000i64..5000 {
                let slot = diagonals.get_mut(d * 7919);
                assert_eq!(*slot, usize::MAX);
                *slot = (d + 5000) as usize;
            }
            for d in -5000i64..5000 {
                assert_eq!(*diagonals.get_mut(d * 7919), (d + 5000) as usize);
            }
            assert_eq!(diagonals.used, 10_000);
            assert!(diagonals.slots.len() >= 20_000);
        }
    }

    #[test]
    fn index_entry_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<IndexEntry>(), 16);
    }
}
