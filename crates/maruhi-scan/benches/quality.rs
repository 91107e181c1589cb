//! The scanner's quality harness: recall per transformation and excerpt
//! length, false positives on hard negatives, findings naming a wrong
//! reference, and a precision/recall table over `--min-passage`. Run on
//! demand (it is not part of CI's timed path):
//!
//! ```text
//! cargo bench -p maruhi-scan --bench quality
//! MARUHI_QUALITY_LEAKS=40 cargo bench -p maruhi-scan --bench quality   # leaks per cell
//! ```
//!
//! From `../shared/corpus` (real Japanese and English manual pages) it
//! registers a third of the pages, with no background collection (the
//! boilerplate discount must work before anyone curates one), then builds
//! leaks of them: excerpts of t, 2t, 4t, 8t and 800 normalised characters
//! (t = w + k − 1, the winnowing guarantee) under one transformation at a
//! time (full/half width, re-wrapped lines, changed whitespace and
//! punctuation, reordered paragraphs, excerpts embedded in unrelated text,
//! kanji numerals as digits, DOCX, PDF, ZIP, EML, Shift_JIS) and under all of
//! them combined, and scans each with the same code `maruhi scan` runs. A
//! leak is found when the scanner reports its source document.
//!
//! Negatives are of the same field as the references, which is what makes
//! them hard: (a) the other manual pages (same sections, same vocabulary,
//! same habits of writing), and (b) documents that quote a registered
//! page's headings, option lines and commands inside another page's text.
//! An exact oracle (every k-gram, no winnowing) measures the longest run each
//! negative really shares with any reference: a negative sharing more than
//! [`NEGATIVE_MAX_SHARED`] chars is shared text, not a negative, and is
//! counted apart.
//!
//! Gates (issue 11): recall ≥ 0.95 for excerpts of ≥ 800 chars under every
//! transformation; false positives ≤ 0.5 % of negatives; findings naming a
//! wrong reference ≤ 1 % of leaks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use maruhi_fingerprint::Fingerprinter;
use maruhi_scan::{Collection, Reference, Scanner, Thresholds, DEFAULT_MIN_PASSAGE};

fn corpus() -> PathBuf {
    std::env::var_os("MARUHI_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

/// xorshift64*: deterministic, so every run builds the same leaks.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum T {
    Verbatim,
    Width,
    Rewrap,
    Punctuation,
    Reorder,
    Embedded,
    Docx,
    Pdf,
    Zip,
    Eml,
    ShiftJis,
    Numerals,
    Combined,
}

const ALL: [T; 13] = [
    T::Verbatim,
    T::Width,
    T::Rewrap,
    T::Punctuation,
    T::Reorder,
    T::Embedded,
    T::Docx,
    T::Pdf,
    T::Zip,
    T::Eml,
    T::ShiftJis,
    T::Numerals,
    T::Combined,
];

impl T {
    fn name(self) -> &'static str {
        match self {
            T::Verbatim => "verbatim",
            T::Width => "full/half width",
            T::Rewrap => "re-wrapped lines",
            T::Punctuation => "whitespace+punctuation",
            T::Reorder => "reordered paragraphs",
            T::Embedded => "embedded in other text",
            T::Docx => "DOCX",
            T::Pdf => "PDF (LibreOffice)",
            T::Zip => "ZIP",
            T::Eml => "EML (ISO-2022-JP)",
            T::ShiftJis => "Shift_JIS",
            T::Numerals => "kanji numerals as digits",
            T::Combined => "all combined",
        }
    }
}

/// An excerpt of `text` with at least `len` normalised chars, starting at
/// a random char.
fn excerpt(text: &str, len: usize, rng: &mut Rng) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let norm = maruhi_fingerprint::normalize(text).ok()?;
    if norm.len() < len + 10 {
        return None;
    }
    // Pick a start in normalised chars, map it back to the original.
    let start_n = rng.below(norm.len() - len);
    let start_b = norm.byte_range(start_n)?.start;
    let end_b = norm.byte_range(start_n + len - 1)?.end;
    let _ = chars;
    Some(text[start_b..end_b].to_owned())
}

fn to_width(s: &str, rng: &mut Rng) -> String {
    let full = rng.below(2) == 0;
    s.chars()
        .map(|c| match c {
            '!'..='~' if full => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            '！'..='～' if !full => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(|c| half_kana(c, !full))
        .collect()
}

/// Katakana to half-width forms (with separate voicing marks).
fn half_kana(c: char, on: bool) -> Vec<char> {
    const FULL: &str = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー";
    const HALF: &str = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｰ";
    const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
    const VOICED_BASE: &str = "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎ";
    if !on {
        return vec![c];
    }
    if let Some(i) = FULL.chars().position(|f| f == c) {
        return vec![HALF.chars().nth(i).unwrap_or(c)];
    }
    if let Some(i) = VOICED.chars().position(|f| f == c) {
        return vec![VOICED_BASE.chars().nth(i).unwrap_or(c), 'ﾞ'];
    }
    vec![c]
}

fn rewrap(s: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    let width = 15 + rng.below(30);
    for (i, c) in s.chars().filter(|c| *c != '\n').enumerate() {
        if i > 0 && i % width == 0 {
            out.push_str(if rng.below(3) == 0 { "\r\n" } else { "\n" });
        }
        out.push(c);
    }
    out
}

fn punctuation(s: &str, rng: &mut Rng) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '、' => out.push_str([",", "，", "、 ", " "][rng.below(4)]),
            '。' => out.push_str([".", "．", "。\n", " "][rng.below(4)]),
            ' ' | '\t' => out.push_str(["", "  ", "\t", "　"][rng.below(4)]),
            '(' | '（' => out.push('「'),
            ')' | '）' => out.push('」'),
            '.' => out.push('。'),
            ',' => out.push('、'),
            c => out.push(c),
        }
    }
    out
}

fn reorder(s: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = s.chars().collect();
    let cut1 = chars.len() / 3;
    let cut2 = 2 * chars.len() / 3;
    let mut parts: Vec<String> =
        vec![chars[..cut1].iter().collect(), chars[cut1..cut2].iter().collect(), chars[cut2..].iter().collect()];
    // Any order but the original.
    let orders = [[1, 0, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1], [0, 2, 1]];
    let o = orders[rng.below(orders.len())];
    let taken: Vec<String> = o.iter().map(|&i| std::mem::take(&mut parts[i])).collect();
    taken.join("\n\n")
}

/// Kanji numerals as digits, and digits as kanji (a re-typed copy):
/// 二十五 → 25, 3 → 三.
fn numerals(s: &str) -> String {
    const KANJI: &str = "〇一二三四五六七八九";
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(d) = KANJI.chars().position(|k| k == c) {
            out.push(char::from(b'0' + d as u8));
        } else if c == '十' {
            // 十 → 1 at the start of a number, 0 at its end: 十五 → 15, 二十 → 20.
            let before = i > 0 && KANJI.contains(chars[i - 1]);
            let after = chars.get(i + 1).is_some_and(|n| KANJI.contains(*n));
            match (before, after) {
                (true, true) => {}
                (true, false) => out.push('0'),
                (false, true) => out.push('1'),
                (false, false) => out.push_str("10"),
            }
        } else if c.is_ascii_digit() {
            out.push(KANJI.chars().nth(c as usize - '0' as usize).unwrap_or(c));
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn embed(s: &str, filler: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = filler.chars().collect();
    let take = 400.min(chars.len());
    let start = rng.below(chars.len().saturating_sub(take).max(1));
    let before: String = chars[start..start + take / 2].iter().collect();
    let after: String = chars[start + take / 2..start + take].iter().collect();
    format!("{before}\n{s}\n{after}")
}

// ---- Containers, written by hand so the harness needs no writer crates ----

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A stored (uncompressed) ZIP archive with UTF-8 names.
fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&0u32.to_le_bytes()); // time, date
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central {
                h.extend_from_slice(&[0u8; 6]); // comment length, disk, internal attributes
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A minimal WordprocessingML document, one paragraph per line, with runs
/// split every few characters as Word does after edits.
fn docx(text: &str) -> Vec<u8> {
    let mut body = String::new();
    for line in text.lines() {
        body.push_str("<w:p>");
        let chars: Vec<char> = line.chars().collect();
        for run in chars.chunks(7) {
            let run: String = run.iter().collect();
            body.push_str(&format!("<w:r><w:t xml:space=\"preserve\">{}</w:t></w:r>", xml_escape(&run)));
        }
        body.push_str("</w:p>");
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let types = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
        <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
        <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
        <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
    let rels = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
        <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>";
    zip(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ])
}

/// A mail in ISO-2022-JP (7bit), as Japanese mailers still send.
fn eml(text: &str) -> Vec<u8> {
    let (body, _, _) = encoding_rs::ISO_2022_JP.encode(text);
    let mut out =
        b"From: sender@example.com\r\nTo: someone@example.net\r\nSubject: =?ISO-2022-JP?B?GyRCO3FOQRsoQg==?=\r\n\
        MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
            .to_vec();
    out.extend_from_slice(&body);
    out
}

fn shift_jis(text: &str) -> Vec<u8> {
    encoding_rs::SHIFT_JIS.encode(text).0.into_owned()
}

/// A leak: the file's name and bytes.
struct Leak {
    source: usize,
    transform: T,
    len_class: usize,
    name: String,
    bytes: Vec<u8>,
}

fn build(t: T, ex: &str, filler: &str, rng: &mut Rng, i: usize) -> (String, Vec<u8>) {
    match t {
        T::Verbatim => (format!("{i}.txt"), ex.as_bytes().to_vec()),
        T::Width => (format!("{i}.txt"), to_width(ex, rng).into_bytes()),
        T::Rewrap => (format!("{i}.txt"), rewrap(ex, rng).into_bytes()),
        T::Punctuation => (format!("{i}.txt"), punctuation(ex, rng).into_bytes()),
        T::Reorder => (format!("{i}.txt"), reorder(ex, rng).into_bytes()),
        T::Embedded => (format!("{i}.txt"), embed(ex, filler, rng).into_bytes()),
        T::Docx => (format!("{i}.docx"), docx(ex)),
        T::Pdf => (format!("{i}.txt"), ex.as_bytes().to_vec()),
        T::Zip => (format!("{i}.zip"), zip(&[("資料/抜粋.txt", ex.as_bytes())])),
        T::Eml => (format!("{i}.eml"), eml(ex)),
        T::ShiftJis => (format!("{i}.txt"), shift_jis(ex)),
        T::Numerals => (format!("{i}.txt"), numerals(ex).into_bytes()),
        T::Combined => {
            let s = to_width(ex, rng);
            let s = punctuation(&s, rng);
            let s = reorder(&s, rng);
            let s = rewrap(&s, rng);
            let s = embed(&s, filler, rng);
            match rng.below(4) {
                0 => (format!("{i}.docx"), docx(&s)),
                1 => (format!("{i}.zip"), zip(&[("a/b.txt", &shift_jis(&s))])),
                2 => (format!("{i}.eml"), eml(&s)),
                _ => (format!("{i}.txt"), shift_jis(&s)),
            }
        }
    }
}

/// Converts the PDF leaks' text files to PDF in one LibreOffice run; false
/// when LibreOffice is not installed.
fn to_pdf(leaks: &mut [Leak]) -> bool {
    let pdfs: Vec<usize> = leaks.iter().enumerate().filter(|(_, l)| l.transform == T::Pdf).map(|(i, _)| i).collect();
    if pdfs.is_empty() {
        return true;
    }
    let dir = std::env::temp_dir().join(format!("maruhi-quality-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut inputs = Vec::new();
    for &i in &pdfs {
        let p = dir.join(&leaks[i].name);
        std::fs::write(&p, &leaks[i].bytes).unwrap();
        inputs.push(p);
    }
    let status = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .args(&inputs)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        return false;
    }
    for &i in &pdfs {
        let pdf = dir.join(leaks[i].name.replace(".txt", ".pdf"));
        leaks[i].bytes = std::fs::read(&pdf).unwrap_or_default();
        leaks[i].name = leaks[i].name.replace(".txt", ".pdf");
    }
    std::fs::remove_dir_all(&dir).ok();
    true
}

/// A negative sharing a longer run than this with a reference is shared
/// text (licence paragraphs, a copied option table), not a negative: the
/// issue's definition of a same-field negative.
const NEGATIVE_MAX_SHARED: usize = 30;

/// `--min-passage` values the table reports.
const THRESHOLDS: [usize; 7] = [30, 40, 50, 60, 80, 100, 150];

/// The longest normalised run `text` shares with each reference, exactly:
/// every k-gram is a fingerprint (window 1), so spans are the shared runs.
struct Oracle {
    fp: Fingerprinter,
    refs: maruhi_fingerprint::ReferenceSet,
}

impl Oracle {
    fn new(texts: &[&str]) -> Oracle {
        let fp = Fingerprinter::builder().key([12u8; 32]).window(1).build().unwrap();
        let mut b = maruhi_fingerprint::ReferenceSet::builder();
        for t in texts {
            b.add(&fp.fingerprint(t).unwrap()).unwrap();
        }
        Oracle { fp, refs: b.build().unwrap() }
    }

    /// (reference index, longest shared run) for every reference sharing a
    /// k-gram with `text`.
    fn shared(&self, text: &str) -> Vec<(usize, usize)> {
        let q = self.fp.fingerprint(text).unwrap();
        self.refs
            .find(&q)
            .unwrap()
            .iter()
            .map(|m| (m.doc.index(), m.spans.iter().map(|s| s.query_chars.len()).max().unwrap_or(0)))
            .collect()
    }
}

/// A document of the same field quoting `reference`'s short lines
/// (headings, option lines, commands: at most `NEGATIVE_MAX_SHARED`
/// normalised chars each) inside `filler`, each quote far from the next.
fn quoting(reference: &str, filler: &str, rng: &mut Rng) -> Option<String> {
    let lines: Vec<&str> = reference
        .lines()
        .map(str::trim)
        .filter(|l| maruhi_fingerprint::normalize(l).is_ok_and(|n| (8..=NEGATIVE_MAX_SHARED).contains(&n.len())))
        .collect();
    if lines.len() < 4 {
        return None;
    }
    let fill: Vec<char> = filler.chars().collect();
    let mut out = String::new();
    for _ in 0..8 {
        let at = rng.below(fill.len().saturating_sub(300).max(1));
        out.extend(&fill[at..(at + 300).min(fill.len())]);
        out.push('\n');
        out.push_str(lines[rng.below(lines.len())]);
        out.push('\n');
    }
    Some(out)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let per_cell: usize = std::env::var("MARUHI_QUALITY_LEAKS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let show = std::env::var_os("MARUHI_QUALITY_SHOW").is_some();
    let mut rng = Rng(0x6d61_7275_6869_0004);
    let mut docs: Vec<(String, String)> = Vec::new();
    for lang in ["ja", "en"] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(corpus().join(lang)).expect("corpus").map(|e| e.expect("entry").path()).collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            // Pages of 2..60 KB: long enough for every excerpt length.
            if (2_000..60_000).contains(&text.len()) {
                docs.push((format!("{lang}/{}", f.file_name().unwrap().to_string_lossy()), text));
            }
        }
    }
    // A third of the pages is registered; the other two thirds are the
    // negatives and the filler of leaks.
    let registered: Vec<usize> = (0..docs.len()).filter(|i| i % 3 == 0).collect();
    let others: Vec<usize> = (0..docs.len()).filter(|i| i % 3 != 0).collect();

    let fp = Fingerprinter::builder().key([11u8; 32]).build().unwrap();
    let t = fp.params().guarantee();
    let mut builder = Scanner::builder(fp.clone());
    for &i in &registered {
        builder
            .add(Reference::new(docs[i].0.clone(), Collection::Reference), &fp.fingerprint(&docs[i].1).unwrap())
            .unwrap();
    }
    // Every passage is kept; the thresholds are applied below.
    let scanner = builder.build().unwrap().with_thresholds(Thresholds { min_passage: 1, ..Thresholds::default() });
    let oracle = Oracle::new(&registered.iter().map(|&i| docs[i].1.as_str()).collect::<Vec<_>>());
    let lengths = [t, 2 * t, 4 * t, 8 * t, 800];
    // Unregistered pages that share no run of over NEGATIVE_MAX_SHARED
    // chars with any reference: the negatives, and the filler of leaks and
    // of quoting documents.
    let longest_shared = |text: &str| oracle.shared(text).iter().map(|(_, n)| *n).max().unwrap_or(0);
    let clean: Vec<usize> =
        others.iter().copied().filter(|&i| longest_shared(&docs[i].1) <= NEGATIVE_MAX_SHARED).collect();

    let mut leaks = Vec::new();
    let mut excerpts = Vec::new();
    for &tr in &ALL {
        for (li, &len) in lengths.iter().enumerate() {
            let mut made = 0;
            while made < per_cell {
                let source = registered[rng.below(registered.len())];
                let Some(ex) = excerpt(&docs[source].1, len, &mut rng) else { continue };
                // An excerpt that is mostly in several other references too
                // (the character tables of the iso_8859 pages, a licence) is
                // boilerplate of the collection, not a leak of one document:
                // draw another.
                let ri = registered.iter().position(|&r| r == source).unwrap();
                let half = ex.chars().filter(|c| !c.is_whitespace()).count() / 2;
                let elsewhere = oracle.shared(&ex).iter().filter(|&&(d, n)| d != ri && n >= half).count();
                if elsewhere + 1 >= maruhi_scan::COMMON_MIN_GROUPS {
                    continue;
                }
                let filler = &docs[clean[rng.below(clean.len())]].1;
                let (name, bytes) = build(tr, &ex, filler, &mut rng, leaks.len());
                leaks.push(Leak { source, transform: tr, len_class: li, name, bytes });
                // What the leak holds besides the excerpt may share text
                // with other references too.
                excerpts.push(if matches!(tr, T::Embedded | T::Combined) { format!("{ex}\n{filler}") } else { ex });
                made += 1;
            }
        }
    }
    let pdf_ok = to_pdf(&mut leaks);

    // Per leak: the longest passage naming its source (0: not found), and
    // the longest passage of findings naming a reference that shares less
    // than the threshold with the excerpt (a wrong reference).
    struct Scored {
        ti: usize,
        len_class: usize,
        source: usize,
        wrong: usize,
    }
    let mut scored = Vec::new();
    let mut diagnostics = 0;
    let by_name: std::collections::HashMap<&str, usize> =
        registered.iter().enumerate().map(|(ri, &i)| (docs[i].0.as_str(), ri)).collect();
    for (leak, ex) in leaks.iter().zip(&excerpts) {
        if leak.transform == T::Pdf && !pdf_ok {
            continue;
        }
        let ti = ALL.iter().position(|t| *t == leak.transform).unwrap();
        let report = scanner.scan_bytes(&leak.name, &leak.bytes);
        diagnostics += report.diagnostics.len();
        let truly = oracle.shared(ex);
        let mut source = 0;
        let mut wrong = 0;
        for f in &report.findings {
            if f.reference == docs[leak.source].0 {
                source = source.max(f.longest_passage);
                continue;
            }
            // Another reference that really holds a passage this long is
            // right to be named (the pages share text); one that does not
            // is a wrong reference.
            let ri = by_name[f.reference.as_str()];
            let shared = truly.iter().find(|(d, _)| *d == ri).map_or(0, |(_, n)| *n);
            if shared < f.longest_passage.min(DEFAULT_MIN_PASSAGE) {
                wrong = wrong.max(f.longest_passage);
                if show && f.longest_passage >= DEFAULT_MIN_PASSAGE {
                    eprintln!(
                        "WRONG {:?} {} ~ {}: {} ({shared} shared)",
                        leak.transform, leak.name, f.reference, f.excerpt
                    );
                }
            }
        }
        if show && source < DEFAULT_MIN_PASSAGE && leak.len_class == 4 {
            eprintln!("MISSED {:?} {} from {}: best {source}", leak.transform, leak.name, docs[leak.source].0);
        }
        scored.push(Scored { ti, len_class: leak.len_class, source, wrong });
    }

    // Negatives: every unregistered page, and a quoting document per
    // registered page that has enough short lines.
    let mut negatives: Vec<(String, String)> = others.iter().map(|&i| docs[i].clone()).collect();
    for round in 0..2 {
        for &i in &registered {
            let filler = &docs[clean[rng.below(clean.len())]].1;
            if let Some(q) = quoting(&docs[i].1, filler, &mut rng) {
                negatives.push((format!("quoting {} ({round})", docs[i].0), q));
            }
        }
    }
    let mut negative_scores = Vec::new();
    let mut shared_text = 0;
    for (name, text) in &negatives {
        let longest_shared = longest_shared(text);
        if longest_shared > NEGATIVE_MAX_SHARED {
            shared_text += 1;
            continue;
        }
        let report = scanner.scan_bytes(name, text.as_bytes());
        let longest = report.findings.iter().map(|f| f.longest_passage).max().unwrap_or(0);
        if show && longest >= DEFAULT_MIN_PASSAGE {
            for f in &report.findings {
                eprintln!(
                    "FP {name} ~ {}: {} ({longest_shared} shared): {}",
                    f.reference, f.longest_passage, f.excerpt
                );
            }
        }
        negative_scores.push(longest);
    }

    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(
        out,
        "registered {} documents, no background collection; k = {}, w = {}, t = {t}; {per_cell} leaks per cell; \
         default --min-passage {DEFAULT_MIN_PASSAGE}",
        registered.len(),
        fp.params().k(),
        fp.params().window(),
    )
    .unwrap();
    writeln!(
        out,
        "\nRecall at the default --min-passage\n\n| transformation | t={} | 2t={} | 4t={} | 8t={} | {} |",
        lengths[0], lengths[1], lengths[2], lengths[3], lengths[4]
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    let recall = |ti: Option<usize>, lc: usize, threshold: usize| {
        let cell: Vec<&Scored> =
            scored.iter().filter(|s| ti.is_none_or(|ti| s.ti == ti) && s.len_class == lc).collect();
        cell.iter().filter(|s| s.source >= threshold).count() as f64 / cell.len().max(1) as f64
    };
    for (ti, tr) in ALL.iter().enumerate() {
        if *tr == T::Pdf && !pdf_ok {
            writeln!(out, "| {} | LibreOffice not installed: skipped ||||| ", tr.name()).unwrap();
            continue;
        }
        let cells: Vec<String> = (0..5).map(|l| format!("{:.2}", recall(Some(ti), l, DEFAULT_MIN_PASSAGE))).collect();
        writeln!(out, "| {} | {} |", tr.name(), cells.join(" | ")).unwrap();
    }

    writeln!(
        out,
        "\nHard negatives: {} ({} unregistered pages of the same corpus, {} documents quoting registered pages' short lines); \
         {shared_text} more share a run of over {NEGATIVE_MAX_SHARED} chars with a reference (shared text, not counted)",
        negative_scores.len(),
        clean.len(),
        negative_scores.len() - clean.len(),
    )
    .unwrap();
    writeln!(
        out,
        "\n| --min-passage | recall ≥ 800, worst transformation | recall ≥ 800, all | recall 4t, all | false positives | wrong reference |"
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|---|").unwrap();
    for &threshold in &THRESHOLDS {
        let worst = (0..ALL.len())
            .filter(|&ti| ALL[ti] != T::Pdf || pdf_ok)
            .map(|ti| recall(Some(ti), 4, threshold))
            .fold(1.0f64, f64::min);
        let fp_count = negative_scores.iter().filter(|&&l| l >= threshold).count();
        let wrong = scored.iter().filter(|s| s.wrong >= threshold).count();
        writeln!(
            out,
            "| {threshold}{} | {worst:.3} | {:.3} | {:.3} | {fp_count} ({:.2} %) | {wrong} ({:.2} %) |",
            if threshold == DEFAULT_MIN_PASSAGE { " (default)" } else { "" },
            recall(None, 4, threshold),
            recall(None, 2, threshold),
            100.0 * fp_count as f64 / negative_scores.len().max(1) as f64,
            100.0 * wrong as f64 / scored.len().max(1) as f64,
        )
        .unwrap();
    }
    writeln!(out, "\ndiagnostics while scanning leaks: {diagnostics}").unwrap();
}
