//! `ReferenceSet::find` pinned against an oracle: the original, plainly
//! written matcher (all hits sorted by document, query and reference; hashes
//! sorted and deduplicated per document; pairs sorted by diagonal), kept here
//! verbatim in its logic, on random indexes and queries with many documents,
//! hashes repeated within and across documents (beyond
//! `MAX_POSTINGS_PER_DOC`), duplicate documents (coverage ties), several
//! hashes per directory bucket, background hashes and gaps around the window.

use std::ops::Range;

use proptest::prelude::*;

use crate::matcher::{chain_gap, chain_shift, DocId, Match, MatchSpan, Passage, ReferenceSet, MAX_POSTINGS_PER_DOC};
use crate::winnow::{BackgroundSet, Fingerprint, Fingerprinter, Fingerprints, Params};
use crate::Error;

/// The matcher as first written, over the public API only (the per-document
/// distinct counts are recomputed from the postings).
fn oracle_find(set: &ReferenceSet, query: &Fingerprints) -> Result<Vec<Match>, Error> {
    #[derive(Clone, Copy)]
    struct Hit {
        doc: u32,
        query: u32,
        reference: u32,
    }
    let Some(params) = set.params() else {
        return Ok(Vec::new());
    };
    if params != query.params() {
        return Err(Error::IncompatibleParameters);
    }
    let k = params.k();
    let qfps = query.as_slice();

    let mut distinct = vec![0u32; set.doc_count()];
    let mut previous = None;
    for e in set.entries() {
        if previous != Some((e.hash, e.doc)) {
            distinct[e.doc as usize] += 1;
            previous = Some((e.hash, e.doc));
        }
    }

    // Postings found by a plain binary search of all entries (not the
    // directory and filter of `lookup`).
    let entries = set.entries();
    let postings = |hash: u64| {
        let start = entries.partition_point(|e| e.hash < hash);
        &entries[start..start + entries[start..].partition_point(|e| e.hash == hash)]
    };
    let mut hits = Vec::new();
    for (qi, fp) in qfps.iter().enumerate() {
        assert_eq!(set.lookup(fp.hash()), postings(fp.hash()));
        let mut rest = postings(fp.hash());
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
        let doc = group[0].doc;
        let Some(rfps) = set.fingerprints(DocId::for_tests(doc)) else {
            continue;
        };
        let reference = |h: &Hit| rfps.get(h.reference as usize).copied();
        let query_fp = |h: &Hit| qfps.get(h.query as usize).copied();

        let mut hashes: Vec<u64> = group.iter().filter_map(|h| query_fp(h).map(|f| f.hash())).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let distinct = distinct[doc as usize];
        let coverage = if distinct == 0 { 0.0 } else { (hashes.len() as f64 / f64::from(distinct)).min(1.0) };

        let spans =
            oracle_merge_spans(group.iter().filter_map(|h| Some((query_fp(h)?, reference(h)?))), k, params.window());
        let matched_chars = oracle_union_len(spans.iter().map(|s| s.reference_chars.clone()));
        let passages = oracle_chain_passages(&spans, chain_gap(params), chain_shift(params));
        matches.push(Match { doc: DocId::for_tests(doc), coverage, matched_chars, spans, passages });
    }
    matches.sort_by(|a, b| b.coverage.total_cmp(&a.coverage).then(a.doc.cmp(&b.doc)));
    Ok(matches)
}

/// Chaining as first written: spans (in query order) into
/// passages, longest first (by aligned chars, then query position). A span
/// joins the passage with the most aligned chars among those it continues
/// (see [`Passage`]); otherwise it starts one.
fn oracle_chain_passages(spans: &[MatchSpan], gap: usize, shift: usize) -> Vec<Passage> {
    let mut passages: Vec<Passage> = Vec::new();
    // Passages whose query end is near enough to be continued.
    let mut open: Vec<usize> = Vec::new();
    let (gap, shift) = (gap as i64, shift as i64);
    for (i, s) in spans.iter().enumerate() {
        let (qs, rs) = (s.query_chars.start as i64, s.reference_chars.start as i64);
        open.retain(|&p| passages.get(p).is_some_and(|p| p.query_chars.end as i64 + gap >= qs));
        let mut best: Option<usize> = None;
        for &p in open.iter().rev().take(crate::matcher::CHAIN_CANDIDATES) {
            let Some(passage) = passages.get(p) else { continue };
            let dq = qs - passage.query_chars.end as i64;
            let dr = rs - passage.reference_chars.end as i64;
            // Forward in both documents (overlap allowed: neighbouring spans
            // of a shifted alignment share a few chars), near, and close to
            // the same alignment.
            let forward = s.query_chars.end > passage.query_chars.end
                && s.reference_chars.end > passage.reference_chars.end
                && dq >= -shift
                && dr >= -shift;
            let continues = forward && dq <= gap && dr <= gap && (dq - dr).abs() <= shift;
            if continues
                && best.is_none_or(|b| passages.get(b).is_some_and(|b| b.aligned_chars < passage.aligned_chars))
            {
                best = Some(p);
            }
        }
        match best.and_then(|b| passages.get_mut(b)) {
            Some(p) => {
                p.aligned_chars += s.query_chars.end - s.query_chars.start.max(p.query_chars.end);
                p.query_chars.end = s.query_chars.end;
                p.reference_chars.end = p.reference_chars.end.max(s.reference_chars.end);
                p.query_bytes.end = p.query_bytes.end.max(s.query_bytes.end);
                p.reference_bytes.end = p.reference_bytes.end.max(s.reference_bytes.end);
                p.spans.push(i);
            }
            None => {
                open.push(passages.len());
                if open.len() > 4 * crate::matcher::CHAIN_CANDIDATES {
                    open.drain(..crate::matcher::CHAIN_CANDIDATES);
                }
                passages.push(Passage {
                    query_chars: s.query_chars.clone(),
                    reference_chars: s.reference_chars.clone(),
                    query_bytes: s.query_bytes.clone(),
                    reference_bytes: s.reference_bytes.clone(),
                    aligned_chars: s.query_chars.len(),
                    similarity: 0.0,
                    spans: vec![i],
                });
            }
        }
    }
    for p in &mut passages {
        let extent = p.query_chars.len().max(p.reference_chars.len()).max(1);
        p.similarity = (p.aligned_chars as f64 / extent as f64).min(1.0);
    }
    passages.sort_by(|a, b| b.aligned_chars.cmp(&a.aligned_chars).then(a.query_chars.start.cmp(&b.query_chars.start)));
    passages
}

fn oracle_union_len(ranges: impl Iterator<Item = Range<usize>>) -> usize {
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

fn oracle_merge_spans(
    pairs: impl Iterator<Item = (Fingerprint, Fingerprint)>,
    k: usize,
    window: usize,
) -> Vec<MatchSpan> {
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

/// SplitMix64: the documents are drawn from one proptest seed, so the
/// structure (copied runs, duplicates, repeats) is easy to control.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Shape {
    k: usize,
    window: usize,
    docs: usize,
    hashes: usize,
    doc_len: usize,
    query_len: usize,
}

fn params(k: usize, window: usize) -> Params {
    Fingerprinter::builder()
        .key([9u8; 32])
        .k(k)
        .window(window)
        .build()
        .unwrap_or_else(|e| unreachable!("valid parameters: {e}"))
        .params()
}

/// Hashes from a small pool (so they repeat), some sharing a directory
/// bucket (the same top 16 bits), including 0 and `u64::MAX`.
fn pool(rng: &mut Rng, n: usize) -> Vec<u64> {
    let buckets = [0u64, 0x1234, 0xFFFF, rng.next() >> 48];
    (0..n)
        .map(|i| match (i, rng.below(4)) {
            (0, _) if rng.chance(30) => 0,
            (1, _) if rng.chance(30) => u64::MAX,
            (_, 0) => rng.next(),
            (_, b) => (buckets[b] << 48) | (rng.next() >> 16),
        })
        .collect()
}

/// A skewed pick: the first few hashes of the pool are more common (by
/// `skew` percent), so some repeat more than `MAX_POSTINGS_PER_DOC` times in
/// one document.
fn pick(rng: &mut Rng, pool: &[u64], skew: usize) -> u64 {
    let i = if rng.chance(skew) { rng.below(pool.len().min(3)) } else { rng.below(pool.len()) };
    pool[i]
}

/// Fingerprints in strictly increasing position order with non-decreasing
/// byte starts, from (gap, hash) steps.
fn fingerprints(params: Params, steps: impl IntoIterator<Item = (usize, u64)>, rng: &mut Rng) -> Fingerprints {
    let mut items = Vec::new();
    let mut position = 0usize;
    let mut start = 0usize;
    for (i, (gap, hash)) in steps.into_iter().enumerate() {
        if i > 0 {
            position += gap.max(1);
            start += rng.below(2 * gap + 1);
        } else {
            position = gap;
            start = gap;
        }
        let end = start + 1 + rng.below(3 * params.k());
        items.push(Fingerprint::from_parts(hash, position as u32, start as u32, end as u32));
    }
    Fingerprints::for_tests(params, items)
}

/// A gap around the window: merging spans turns on `gap <= window`.
fn gap(rng: &mut Rng, window: usize) -> usize {
    match rng.below(10) {
        0 => window,
        1 => window + 1,
        2 => 1 + rng.below(4 * window + 8),
        _ => 1 + rng.below(window + 1),
    }
}

fn case(seed: u64, shape: &Shape) -> (ReferenceSet, Vec<Fingerprints>) {
    let mut rng = Rng(seed);
    let params = params(shape.k, shape.window);
    let pool = pool(&mut rng, shape.hashes);
    let skew = [0, 10, 40][rng.below(3)];
    let mut docs: Vec<Fingerprints> = Vec::new();
    for _ in 0..shape.docs {
        if !docs.is_empty() && rng.chance(15) {
            let copy = docs[rng.below(docs.len())].clone();
            docs.push(copy);
            continue;
        }
        let len = rng.below(shape.doc_len + 1);
        let steps: Vec<(usize, u64)> =
            (0..len).map(|_| (gap(&mut rng, shape.window), pick(&mut rng, &pool, skew))).collect();
        docs.push(fingerprints(params, steps, &mut rng));
    }
    let mut builder = ReferenceSet::builder();
    for d in &docs {
        builder.add(d).unwrap_or_else(|e| unreachable!("{e}"));
    }
    if rng.chance(30) {
        let background = (0..1 + rng.below(4)).map(|_| pick(&mut rng, &pool, skew)).collect();
        builder.background(BackgroundSet::for_tests(params, background)).unwrap_or_else(|e| unreachable!("{e}"));
    }
    let set = builder.build().unwrap_or_else(|e| unreachable!("{e}"));

    // Queries: runs copied from documents (the same gaps and hashes, so
    // they line up on one diagonal), occasionally edited, between random
    // stretches.
    let mut queries = Vec::new();
    for _ in 0..3 {
        let mut steps: Vec<(usize, u64)> = Vec::new();
        while steps.len() < shape.query_len {
            let source = &docs[rng.below(docs.len())];
            let fps = source.as_slice();
            if !fps.is_empty() && rng.chance(60) {
                let from = rng.below(fps.len());
                let to = (from + 1 + rng.below(fps.len() - from)).min(fps.len());
                for i in from..to {
                    let g =
                        if i == from { gap(&mut rng, shape.window) } else { fps[i].position() - fps[i - 1].position() };
                    let h = if rng.chance(5) { pick(&mut rng, &pool, skew) } else { fps[i].hash() };
                    steps.push((g, h));
                }
            } else {
                for _ in 0..1 + rng.below(10) {
                    steps.push((gap(&mut rng, shape.window), pick(&mut rng, &pool, skew)));
                }
            }
        }
        queries.push(fingerprints(params, steps, &mut rng));
    }
    (set, queries)
}

fn check(set: &ReferenceSet, query: &Fingerprints) {
    let expected = oracle_find(set, query);
    let actual = set.find(query);
    assert_eq!(actual, expected);
    // `find_passages` is `find` keeping the long passages and the matches
    // that have one.
    for min_passage in [1, 8, 20, 40, 80] {
        let long = |m: &Match| -> Option<Match> {
            let passages: Vec<Passage> =
                m.passages.iter().filter(|p| p.aligned_chars >= min_passage).cloned().collect();
            (!passages.is_empty()).then(|| Match { passages, ..m.clone() })
        };
        let expected = expected.as_ref().map(|e| e.iter().filter_map(long).collect::<Vec<_>>());
        let actual = set.find_passages(query, min_passage);
        assert_eq!(actual.as_ref(), expected.as_ref().map_err(|e| *e), "min_passage {min_passage}");
    }
    // Coverage compared bit for bit, not only as equal floats.
    if let (Ok(a), Ok(e)) = (&actual, &expected) {
        let bits = |m: &[Match]| m.iter().map(|m| m.coverage.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(a), bits(e));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x6d61_7275_6869),
        ..ProptestConfig::default()
    })]

    #[test]
    fn find_matches_the_oracle(
        seed in any::<u64>(),
        k in 1usize..20,
        window in 1usize..20,
        docs in 1usize..40,
        hashes_log2 in 0u32..12,
        doc_len in 0usize..120,
        query_len in 1usize..300,
    ) {
        let shape = Shape { k, window, docs, hashes: 1 << hashes_log2, doc_len, query_len };
        let (set, queries) = case(seed, &shape);
        for q in &queries {
            check(&set, q);
        }
        // The stored form loads to an index that matches the same way.
        let loaded = ReferenceSet::from_bytes(&set.to_bytes()).unwrap_or_else(|e| unreachable!("{e}"));
        check(&loaded, &queries[0]);
    }
}

/// Thousands of documents: grouping hits by document must hold across
/// several digits of the document number.
#[test]
fn find_matches_the_oracle_with_thousands_of_documents() {
    for seed in 0..4 {
        let shape = Shape { k: 5, window: 4, docs: 5000, hashes: 30, doc_len: 6, query_len: 400 };
        let (set, queries) = case(seed, &shape);
        assert!(set.doc_count() >= 5000);
        for q in &queries {
            check(&set, q);
        }
    }
}

/// A hash repeated far beyond the cap in every document, and a query of
/// nothing else: the cap, ties and coverage 1.0 at once.
#[test]
fn find_matches_the_oracle_on_pure_repetition() {
    let params = params(3, 2);
    let mut rng = Rng(7);
    let doc = fingerprints(params, (0..100).map(|_| (1, 42u64)), &mut rng);
    let mut builder = ReferenceSet::builder();
    for _ in 0..5 {
        builder.add(&doc).unwrap_or_else(|e| unreachable!("{e}"));
    }
    let set = builder.build().unwrap_or_else(|e| unreachable!("{e}"));
    let query = fingerprints(params, (0..60).map(|i| (1 + i % 3, 42u64)), &mut rng);
    check(&set, &query);
    let matches = set.find(&query).unwrap_or_else(|e| unreachable!("{e}"));
    assert_eq!(matches.len(), 5);
    assert!(matches.iter().all(|m| m.coverage == 1.0));

    // Another key: refused by both.
    let other = Fingerprints::for_tests(self::params(4, 2), Vec::new());
    check(&set, &other);
    // An empty set: nothing.
    check(&ReferenceSet::builder().build().unwrap_or_else(|e| unreachable!("{e}")), &query);
}
