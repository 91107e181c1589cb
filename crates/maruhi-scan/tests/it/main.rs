//! maruhi-scan tests: scanning files, folders and archives, ad-hoc
//! references, thresholds and diagnostics.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use maruhi_fingerprint::Fingerprinter;
use maruhi_scan::{fingerprint_dir, scan_paths, Collection, FileReport, Reference, Scanner, Summary, Thresholds};

const SECRET: &str = "新型センサーの較正手順: 恒温槽を二十五度に保ち、基準圧力を三段階で印加して出力電圧を記録する。\
    各段階で三十秒待ってから読み取り、直線性の誤差が零点五パーセント以内であることを確認する。\
    範囲外なら補正係数を再計算し、EEPROM の領域 0x40 から書き込む。";

fn fingerprinter() -> Fingerprinter {
    Fingerprinter::builder().key([5u8; 32]).build().unwrap()
}

fn scanner(refs: &[(&str, &str)]) -> Scanner {
    let fp = fingerprinter();
    let mut b = Scanner::builder(fp.clone());
    for (name, text) in refs {
        b.add(Reference::new(*name, Collection::Reference), &fp.fingerprint(text).unwrap()).unwrap();
    }
    b.build().unwrap()
}

fn scan_dir(s: &Scanner, dir: &Path, threads: usize) -> (Summary, Vec<FileReport>) {
    let mut reports = Vec::new();
    let summary = scan_paths(s, &[dir.to_path_buf()], threads, &mut |_| {}, &mut |r| reports.push(r));
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    (summary, reports)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("maruhi-scan-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn finds_a_reworded_excerpt_in_a_folder_tree_and_nothing_elsewhere() {
    let s = scanner(&[("較正手順.txt", SECRET)]);
    let dir = temp_dir("tree");
    std::fs::create_dir_all(dir.join("a/b")).unwrap();
    // Half width digits and katakana, other punctuation, new lines.
    let leak = "転送します。\n恒温槽を二十五度に保ち,基準圧力を三段階で印加して\n出力電圧を記録する｡各段階で三十秒待ってから読み取り,\n直線性の誤差が零点五ﾊﾟｰｾﾝﾄ以内であることを確認する｡以上";
    std::fs::write(dir.join("a/b/mail.txt"), leak).unwrap();
    std::fs::write(
        dir.join("a/other.txt"),
        "来週の定例会議は第二会議室で行います。資料は前日までに共有してください。".repeat(10),
    )
    .unwrap();
    for threads in [1, 3] {
        let (summary, reports) = scan_dir(&s, &dir, threads);
        assert_eq!((summary.files, summary.findings, summary.diagnostics), (2, 1, 0), "{reports:?}");
        let f = &reports[0].findings[0];
        assert!(reports[0].path.ends_with("a/b/mail.txt"));
        assert_eq!((f.reference.as_str(), f.collection), ("較正手順.txt", Collection::Reference));
        assert!(f.coverage > 0.3 && f.coverage < 1.0, "{f:?}");
        assert!(f.matched_chars >= Thresholds::default().min_matched_chars, "{f:?}");
        assert!(reports[0].sha256.as_ref().is_some_and(|h| h.len() == 64));
        // Spans point at the passage in both texts.
        for span in &f.spans {
            let q = &leak[span.query_bytes[0]..span.query_bytes[1]];
            let r = &SECRET[span.reference_bytes[0]..span.reference_bytes[1]];
            assert!(!q.is_empty() && !r.is_empty());
        }
    }
}

#[test]
fn thresholds_decide_what_is_reported() {
    let s = scanner(&[("較正手順.txt", SECRET)]);
    let exact = s.scan_bytes("copy.txt", SECRET.as_bytes());
    assert_eq!(exact.findings.len(), 1);
    assert!(exact.findings[0].coverage > 0.99);
    let strict = s.with_thresholds(Thresholds { min_matched_chars: 10_000, min_coverage: 0.0 });
    assert!(strict.scan_bytes("copy.txt", SECRET.as_bytes()).findings.is_empty());
    let whole = s.with_thresholds(Thresholds { min_matched_chars: 0, min_coverage: 0.9 });
    let half = (0..=SECRET.len() / 2).rev().find(|i| SECRET.is_char_boundary(*i)).unwrap();
    let part = &SECRET[..half];
    assert!(whole.scan_bytes("part.txt", part.as_bytes()).findings.is_empty());
}

#[test]
fn unreadable_paths_are_diagnostics_and_the_scan_goes_on() {
    let s = scanner(&[("較正手順.txt", SECRET)]);
    let dir = temp_dir("diag");
    std::fs::write(dir.join("copy.txt"), SECRET).unwrap();
    let missing = dir.join("missing.txt");
    let mut reports = Vec::new();
    let summary = scan_paths(&s, &[dir.clone(), missing], 2, &mut |_| {}, &mut |r| reports.push(r));
    assert_eq!((summary.findings, summary.diagnostics), (1, 1));
    assert!(reports.iter().any(|r| r.diagnostics.iter().any(|d| d.code == "MRH-SCAN-002")));
}

#[test]
fn a_reference_folder_becomes_an_index_sorted_by_name() {
    let dir = temp_dir("refs");
    std::fs::create_dir_all(dir.join("z")).unwrap();
    std::fs::write(dir.join("z/b.txt"), SECRET).unwrap();
    std::fs::write(dir.join("a.txt"), "短い").unwrap();
    std::fs::write(dir.join("m.txt"), SECRET.replace("恒温槽", "試験槽")).unwrap();
    let (docs, diagnostics) =
        fingerprint_dir(&dir, &fingerprinter(), &maruhi_extract::Limits::default(), 2, &mut |_| {});
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    // Too short to fingerprint: left out, silently; the rest by name,
    // whichever worker finished first.
    assert_eq!(docs.len(), 2);
    assert!(docs[0].name.ends_with("/m.txt") && docs[1].name.ends_with("/z/b.txt"), "{:?}", docs[0].name);
}

#[test]
fn excerpts_are_one_line_and_cut_on_char_boundaries() {
    assert_eq!(maruhi_scan::excerpt("あい\n\nう えお", [0, 100], 100), "あい う えお");
    assert_eq!(maruhi_scan::excerpt("あいうえお", [1, 7], 100), "あい");
    assert_eq!(maruhi_scan::excerpt("あいうえお", [0, 15], 2), "あい…");
}

/// The passages are the longest `PASSAGES` spans, the first of equally long
/// ones (as a stable sort by length picks them), the excerpt the last of the
/// longest spans (as `max_by_key` picks it).
#[test]
fn passages_and_excerpt_follow_the_longest_spans() {
    let prefix = |len: usize| &SECRET[..(0..=len).rev().find(|&c| SECRET.is_char_boundary(c)).unwrap()];
    let s = scanner(&[("較正手順.txt", SECRET)]);
    // Many copies, some shortened: spans of equal length on several
    // diagonals, more of them than PASSAGES.
    let mut text = String::new();
    for i in 0..12 {
        text.push_str("無関係な前置きの文章がここに入る。\n");
        text.push_str(prefix([SECRET.len(), 120, 200, SECRET.len()][i % 4]));
        text.push_str("\n\n");
    }
    let report = s.scan_bytes("copies.txt", text.as_bytes());
    assert_eq!(report.findings.len(), 1);
    for f in &report.findings {
        let len = |s: &maruhi_scan::Span| s.query_chars[1] - s.query_chars[0];
        let mut longest: Vec<usize> = (0..f.spans.len()).collect();
        longest.sort_by_key(|&i| std::cmp::Reverse(len(&f.spans[i])));
        let lengths: Vec<usize> = f.spans.iter().map(len).collect();
        assert!(f.spans.len() > maruhi_scan::PASSAGES, "{lengths:?}");
        assert!(lengths.iter().filter(|&&l| l == lengths[longest[0]]).count() > maruhi_scan::PASSAGES, "{lengths:?}");
        for (i, span) in f.spans.iter().enumerate() {
            let expected = if longest[..maruhi_scan::PASSAGES].contains(&i) {
                maruhi_scan::excerpt(&text, span.query_bytes, 400)
            } else {
                String::new()
            };
            assert_eq!(span.query_text, expected, "span {i} of {lengths:?}");
        }
        let last_longest = f.spans.iter().max_by_key(|s| len(s)).unwrap();
        assert_eq!(f.excerpt, maruhi_scan::excerpt(&text, last_longest.query_bytes, 160));
    }
}
