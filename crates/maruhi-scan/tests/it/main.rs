//! maruhi-scan tests: scanning files, folders and archives, ad-hoc
//! references, thresholds and diagnostics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod edm;

use std::path::Path;

use maruhi_fingerprint::Fingerprinter;
use maruhi_scan::{
    fingerprint_dir, scan_paths, Collection, FileReport, MatchKind, Reference, Scanner, Summary, Thresholds,
};

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
        assert!(f.longest_passage >= Thresholds::default().min_passage, "{f:?}");
        assert_eq!(f.passages.len(), 1, "{f:?}");
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
    let strict = s.with_thresholds(Thresholds { min_matched_chars: 10_000, ..Thresholds::default() });
    assert!(strict.scan_bytes("copy.txt", SECRET.as_bytes()).findings.is_empty());
    let whole = s.with_thresholds(Thresholds { min_coverage: 0.9, ..Thresholds::default() });
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
    let refs = fingerprint_dir(&dir, &fingerprinter(), &maruhi_extract::Limits::default(), 2, &mut |_| {});
    assert!(refs.diagnostics.is_empty(), "{:?}", refs.diagnostics);
    // Too short to fingerprint: left out, silently; the rest by name,
    // whichever worker finished first.
    let docs = &refs.documents;
    assert_eq!(docs.len(), 2);
    assert!(docs[0].name.ends_with("/m.txt") && docs[1].name.ends_with("/z/b.txt"), "{:?}", docs[0].name);
    // Files with text are found by their text: none is a reference by its
    // exact content, not even the one too short to fingerprint.
    assert!(refs.files.is_empty(), "{:?}", refs.files);
    let mut image = b"\x89PNG\r\n\x1a\n".to_vec();
    image.resize(4096, 7);
    std::fs::write(dir.join("z/photo.png"), &image).unwrap();
    std::fs::write(dir.join("z/tiny.bin"), b"\0\x01\x02").unwrap();
    let refs = fingerprint_dir(&dir, &fingerprinter(), &maruhi_extract::Limits::default(), 2, &mut |_| {});
    let files: Vec<&str> = refs.files.iter().map(|f| f.name.rsplit('/').next().unwrap()).collect();
    assert_eq!(files, ["photo.png"], "binary material by its exact content, tiny files never");
}

/// A binary reference with no text at all (a CAD drawing) is found as this
/// exact file, copied into a ZIP that is attached to a mail, and the finding
/// says so; a drawing that differs by one byte is not.
#[test]
fn an_exact_drawing_inside_a_zip_inside_a_mail() {
    use base64::Engine as _;
    let mut dwg = b"AC1032\0\0\0\0\0\x03\x00".to_vec();
    dwg.extend((0u32..20_000).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let sha: [u8; 32] = sha2::Digest::finalize(sha2::Digest::chain_update(sha2::Sha256::default(), &dwg)).into();
    let fp = fingerprinter();
    let mut builder = Scanner::builder(fp.clone());
    builder.add_exact(Reference::new("金型/MK7-assy.dwg", Collection::Reference), sha);
    let s = builder.build().unwrap();

    let zip_of = |data: &[u8]| {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        w.start_file("図面/copy.dwg", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, data).unwrap();
        w.finish().unwrap().into_inner()
    };
    let mail_of = |zip: &[u8]| {
        let b64 = base64::engine::general_purpose::STANDARD.encode(zip);
        format!(
            "From: a@example.jp\r\nTo: b@example.com\r\nSubject: drawings\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
             --b\r\nContent-Type: application/zip; name=\"d.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b--\r\n"
        )
    };
    let report = s.scan_bytes("out.eml", mail_of(&zip_of(&dwg)).as_bytes());
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(
        (f.kind, f.reference.as_str(), f.path.as_str()),
        (MatchKind::ExactFile, "金型/MK7-assy.dwg", "out.eml!/d.zip!/図面/copy.dwg")
    );
    assert_eq!(serde_json::to_value(f).unwrap()["kind"], "exact_file");

    let mut changed = dwg.clone();
    changed[100] ^= 1;
    assert!(s.scan_bytes("out.eml", mail_of(&zip_of(&changed)).as_bytes()).findings.is_empty());
}

#[test]
fn excerpts_are_one_line_and_cut_on_char_boundaries() {
    assert_eq!(maruhi_scan::excerpt("あい\n\nう えお", [0, 100], 100), "あい う えお");
    assert_eq!(maruhi_scan::excerpt("あいうえお", [1, 7], 100), "あい");
    assert_eq!(maruhi_scan::excerpt("あいうえお", [0, 15], 2), "あい…");
}

/// Passages are longest first; the longest few carry their text only for a
/// scanner with explanations (a person reading one file's findings); the
/// excerpt is the longest passage, widened to whole words and cut at a
/// sentence or word boundary.
#[test]
fn passages_and_excerpt_follow_the_longest_passages() {
    let prefix = |len: usize| &SECRET[..(0..=len).rev().find(|&c| SECRET.is_char_boundary(c)).unwrap()];
    let s = scanner(&[("較正手順.txt", SECRET)]);
    // Many copies, some shortened: more passages than PASSAGES.
    let mut text = String::new();
    for i in 0..12 {
        text.push_str("無関係な前置きの文章がここに入る。\n");
        text.push_str(prefix([SECRET.len(), 120, 200, SECRET.len()][i % 4]));
        text.push_str("\n\n");
    }
    let plain = s.scan_bytes("copies.txt", text.as_bytes());
    let explained = s.with_explanations(true).scan_bytes("copies.txt", text.as_bytes());
    assert_eq!((plain.findings.len(), explained.findings.len()), (1, 1));
    let (p, e) = (&plain.findings[0], &explained.findings[0]);
    assert!(p.passages.len() > maruhi_scan::PASSAGES, "{}", p.passages.len());
    assert!(p.passages.windows(2).all(|w| w[0].aligned_chars >= w[1].aligned_chars));
    assert!(p.passages.iter().all(|x| x.query_text.is_empty()));
    for (i, x) in e.passages.iter().enumerate() {
        assert_eq!(x.query_text.is_empty(), i >= maruhi_scan::PASSAGES, "passage {i}");
    }
    assert_eq!(p.excerpt, e.excerpt);
    assert_eq!(
        p.excerpt,
        maruhi_scan::passage_excerpt(&text, p.passages[0].query_bytes[0]..p.passages[0].query_bytes[1], 160)
    );
    assert!(p.excerpt.chars().count() <= 161, "{}", p.excerpt);
}

#[test]
fn passage_excerpts_end_at_sentences_or_words() {
    let text = "The calibration runs at twenty-five degrees. Pressure is applied in three steps and the output voltage is recorded.";
    // A range starting and ending inside words is widened to whole words.
    let start = text.find("alibration").unwrap();
    let end = text.find("grees").unwrap() + 2;
    assert_eq!(maruhi_scan::passage_excerpt(text, start..end, 200), "calibration runs at twenty-five degrees");
    // Cut at the last sentence end before the limit, else at a word break.
    assert_eq!(maruhi_scan::passage_excerpt(text, 0..text.len(), 60), "The calibration runs at twenty-five degrees.…");
    assert_eq!(maruhi_scan::passage_excerpt(text, 45..text.len(), 30), "Pressure is applied in three…");
    let ja = "恒温槽を二十五度に保つ。基準圧力を三段階で印加して出力電圧を記録する。";
    assert_eq!(maruhi_scan::passage_excerpt(ja, 0..ja.len(), 20), "恒温槽を二十五度に保つ。…");
}

/// xorshift64: deterministic cases.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Random kanji: no k-gram of one text is in another by chance.
fn kanji(rng: &mut Rng, len: usize) -> Vec<char> {
    (0..len).map(|_| char::from_u32(0x4E00 + rng.below(20_000) as u32).unwrap()).collect()
}

/// Random hiragana and Latin letters: never in a reference of kanji.
fn filler(rng: &mut Rng, len: usize) -> String {
    const CHARS: &str =
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもabcdefghijklmnopqrstuvwxyz";
    let chars: Vec<char> = CHARS.chars().collect();
    (0..len).map(|_| chars[rng.below(chars.len())]).collect()
}

/// Property: a document that shares only phrases shorter than
/// `--min-passage` with a reference never yields a finding, however many it
/// shares; one that shares a passage of `--min-passage` + 2(w − 1) chars
/// (the winnowing slack: the evidence of a shared run may start and end up
/// to w − 1 chars inside it) always does.
#[test]
fn passages_decide_findings_not_scattered_phrases() {
    let fp = fingerprinter();
    let params = fp.params();
    let mut rng = Rng(0x6d61_7275_6869_0011);
    for case in 0..120 {
        let min_passage = [30, 50, 80][case % 3];
        let reference = kanji(&mut rng, 3000);
        let text: String = reference.iter().collect();
        let mut b = Scanner::builder(fp.clone());
        b.add(Reference::new("ref.txt", Collection::Reference), &fp.fingerprint(&text).unwrap()).unwrap();
        let s = b.build().unwrap().with_thresholds(Thresholds { min_passage, ..Thresholds::default() });

        // Up to 40 phrases of k .. min_passage − 1 chars, in any order,
        // each far enough from the next not to chain with it.
        let mut phrases = filler(&mut rng, 100);
        for _ in 0..1 + rng.below(40) {
            let len = params.k() + rng.below(min_passage - params.k());
            let at = rng.below(reference.len() - len);
            phrases.extend(&reference[at..at + len]);
            let gap = maruhi_fingerprint::chain_gap(params) + 1 + rng.below(50);
            phrases.push_str(&filler(&mut rng, gap));
        }
        let report = s.scan_bytes("phrases.txt", phrases.as_bytes());
        assert!(report.findings.is_empty(), "case {case}: {:?}", report.findings);

        let len = min_passage + 2 * (params.window() - 1) + rng.below(100);
        let at = rng.below(reference.len() - len);
        let passage: String = reference[at..at + len].iter().collect();
        let tail = rng.below(200);
        let leak = format!("{phrases}{passage}{}", filler(&mut rng, tail));
        let report = s.scan_bytes("passage.txt", leak.as_bytes());
        assert_eq!(report.findings.len(), 1, "case {case}: passage of {len}");
        assert!(report.findings[0].longest_passage >= min_passage);
    }
}

/// Pseudo-technical text: words of one field, so documents share
/// vocabulary and short phrases, with kanji numerals and Latin terms.
fn field_text(rng: &mut Rng, sentences: usize) -> String {
    const WORDS: &[&str] = &[
        "射出成形",
        "金型",
        "保圧",
        "冷却時間",
        "樹脂",
        "予備乾燥",
        "ゲート",
        "ランナー",
        "温度",
        "圧力",
        "設定",
        "確認",
        "工程",
        "品質",
        "検査",
        "寸法",
        "公差",
        "測定",
        "治具",
        "試作",
        "量産",
        "条件",
        "記録",
        "手順",
        "装置",
        "制御",
        "センサー",
        "較正",
        "基準",
        "誤差",
        "補正",
        "係数",
        "出力",
        "電圧",
        "電流",
        "回路",
        "基板",
        "部品",
        "組立",
        "the",
        "mold",
        "pressure",
        "cycle",
        "value",
        "check",
        "sensor",
        "EEPROM",
        "firmware",
        "register",
        "offset",
    ];
    const NUMBERS: &[&str] = &["二十五", "三十", "八十五", "四", "十二", "六十", "百二十", "零点五"];
    let mut out = String::new();
    for _ in 0..sentences {
        for w in 0..6 + rng.below(8) {
            if w > 0 && rng.below(5) == 0 {
                out.push_str(NUMBERS[rng.below(NUMBERS.len())]);
                out.push_str(["度", "秒", "メガパスカル", "パーセント"][rng.below(4)]);
            }
            out.push_str(WORDS[rng.below(WORDS.len())]);
            out.push_str(["を", "の", "は", "で", "に", "と", " "][rng.below(7)]);
        }
        out.push_str("する。");
        if rng.below(4) == 0 {
            out.push('\n');
        }
    }
    out
}

/// The text transformations of the quality harness that change text (the
/// containers only change how it is stored, which both modes read alike).
fn transform(kind: usize, text: &str, other: &str) -> String {
    const KANJI: &str = "〇一二三四五六七八九";
    match kind {
        0 => text.to_owned(),
        // Full-width ASCII.
        1 => text
            .chars()
            .map(|c| if c.is_ascii_graphic() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
            .collect(),
        // Re-wrapped.
        2 => text
            .chars()
            .filter(|c| *c != '\n')
            .enumerate()
            .flat_map(|(i, c)| if i % 37 == 36 { vec![c, '\n'] } else { vec![c] })
            .collect(),
        // Other punctuation.
        3 => text.replace('。', ". ").replace("を", "を、"),
        // Reordered halves.
        4 => {
            let chars: Vec<char> = text.chars().collect();
            let (a, b) = chars.split_at(chars.len() / 2);
            format!("{}\n\n{}", b.iter().collect::<String>(), a.iter().collect::<String>())
        }
        // Embedded in another document of the field.
        5 => {
            let cut = other.char_indices().nth(other.chars().count() / 2).map_or(0, |(i, _)| i);
            format!("{}\n{text}\n{}", &other[..cut], &other[cut..])
        }
        // Kanji numerals as digits.
        6 => {
            text.chars().map(|c| KANJI.chars().position(|k| k == c).map_or(c, |d| char::from(b'0' + d as u8))).collect()
        }
        // All of them.
        _ => {
            let s = transform(6, text, other);
            let s = transform(3, &s, other);
            let s = transform(4, &s, other);
            let s = transform(1, &s, other);
            transform(5, &s, other)
        }
    }
}

/// One verdict, both modes: the same file gives the same findings against
/// an installation's index (its own secret key) as against `--reference`
/// with the same material (the ad hoc key), under every transformation.
/// Keyed winnowing selects other k-grams under another key, so coverage
/// differs a little; which references are named does not.
#[test]
fn index_and_ad_hoc_modes_agree_under_every_transformation() {
    let mut rng = Rng(0x6d61_7275_6869_0012);
    let references: Vec<String> = (0..12).map(|_| field_text(&mut rng, 60)).collect();
    let build = |key: [u8; 32]| {
        let fp = Fingerprinter::builder().key(key).build().unwrap();
        let mut b = Scanner::builder(fp.clone());
        for (i, text) in references.iter().enumerate() {
            b.add(Reference::new(format!("ref-{i}.txt"), Collection::Reference), &fp.fingerprint(text).unwrap())
                .unwrap();
        }
        b.build().unwrap()
    };
    let (installation, ad_hoc) = (build([9u8; 32]), build([5u8; 32]));
    let verdict = |s: &Scanner, text: &str| {
        let mut named: Vec<String> =
            s.scan_bytes("x.txt", text.as_bytes()).findings.into_iter().map(|f| f.reference).collect();
        named.sort();
        named
    };
    for kind in 0..8 {
        for case in 0..6 {
            let source = rng.below(references.len());
            let chars: Vec<char> = references[source].chars().collect();
            let len = 300 + rng.below(600);
            let at = rng.below(chars.len() - len);
            let excerpt: String = chars[at..at + len].iter().collect();
            let other = field_text(&mut rng, 20);
            let leak = transform(kind, &excerpt, &other);
            let a = verdict(&installation, &leak);
            assert!(a.contains(&format!("ref-{source}.txt")), "kind {kind} case {case}: {a:?}");
            assert_eq!(a, verdict(&ad_hoc, &leak), "kind {kind} case {case}");
        }
        // A document of the same field that was never registered: nothing,
        // in both modes.
        let negative = transform(kind, &field_text(&mut rng, 30), &field_text(&mut rng, 10));
        assert_eq!(verdict(&installation, &negative), Vec::<String>::new(), "kind {kind}");
        assert_eq!(verdict(&ad_hoc, &negative), Vec::<String>::new(), "kind {kind}");
    }
}

/// A fixture of maruhi-extract's tests (made by the scripts beside them).
fn extract_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../maruhi-extract/tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A scanner whose references are the documents extracted from these files, as a reference
/// folder gives them.
fn scanner_of_files(files: &[(&str, &[u8])]) -> Scanner {
    let fp = fingerprinter();
    let mut b = Scanner::builder(fp.clone());
    for (name, bytes) in files {
        for doc in maruhi_extract::extract_bytes(name, bytes, &maruhi_extract::Limits::default()).documents {
            b.add(Reference::new(doc.path, Collection::Reference), &fp.fingerprint(&doc.text).unwrap()).unwrap();
        }
    }
    b.build().unwrap()
}

/// A drawing re-saved by another program (entities reordered, new handles, other number
/// formatting, CRLF) is found as the same drawing; another die plate's drawing, with the same
/// kinds of entities and layers, is not.
#[test]
fn a_resaved_dxf_is_found_and_another_drawing_is_not() {
    let original = extract_fixture("die-plate.dxf");
    let s = scanner_of_files(&[("refs/die-plate.dxf", &original)]);
    let report = s.scan_bytes("usb/copy.dxf", &extract_fixture("die-plate-resaved.dxf"));
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!((f.kind, f.reference.as_str()), (MatchKind::Drawing, "refs/die-plate.dxf"));
    assert!(f.coverage > 0.95, "{f:?}");

    let other = String::from_utf8(extract_fixture("die-plate-resaved.dxf"))
        .unwrap()
        .replace("金型プレート MK7-2031 公差±0.02 材質SKD11", "治具ベース JG-118 公差±0.1 材質S50C 黒染め")
        .replace("焼入れ HRC58-60}\\P研削仕上げ、角部R0.5以下", "調質 HB230}\\Pフライス仕上げ、面取りC1")
        .replace("120.000000", "200.000000")
        .replace("80.000000", "150.000000")
        .replace("105.000000", "185.000000")
        .replace("4.250000", "6.600000")
        .replace("12.500000", "20.000000")
        .replace("BOLT-M8", "PIN-D6");
    let report = s.scan_bytes("usb/jig.dxf", other.as_bytes());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
}

/// Text copied out of a legacy `.doc` into a `.docx` is found.
#[test]
fn text_of_a_doc_is_found_in_a_docx() {
    let s = scanner_of_files(&[("refs/報告書.doc", &extract_fixture("sample.doc"))]);
    let report = s.scan_bytes("out/報告書.docx", &extract_fixture("sample.docx"));
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    assert_eq!(report.findings[0].kind, MatchKind::Text);
}

/// A scanned ㊙ page (an image-only PDF) is read by OCR and found, the finding marked as OCR.
#[test]
fn a_scanned_page_is_found_by_ocr() {
    if !maruhi_extract::ocr_available() {
        eprintln!("tesseract not installed; the OCR path is not exercised");
        return;
    }
    // The text `make_scans.py` rendered; OCR reads ㊙ and ± as other characters and drops a
    // few more, as a scan does.
    let text = "㊙ 社外秘 技術資料 MK7-2031\n金型プレート MK7-2031 の公差は ±0.02mm とする。\n\
                材質は SKD11、焼入れ HRC58-60、研削仕上げ。\nゲート位置は製品中央から二十五ミリ右とし、\n\
                冷却水路は八ミリ径で四系統、流量は毎分六リットルとする。\n試作三十ショットは寸法確認のため廃棄すること。\n\
                この資料は営業秘密であり、社外への持ち出しを禁ずる。\n";
    let s = scanner(&[("refs/技術資料.txt", text)]);
    let report = s.scan_bytes("scans/scan.pdf", &extract_fixture("scan.pdf"));
    assert_eq!(report.findings.len(), 1, "{:?} {:?}", report.findings, report.diagnostics);
    assert_eq!(report.findings[0].kind, MatchKind::Ocr);
}
