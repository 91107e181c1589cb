//! The scanner's quality harness: recall per transformation and excerpt
//! length, and false positives on unrelated text. Run on demand (it is not
//! part of CI's timed path):
//!
//! ```text
//! cargo bench -p maruhi-scan --bench quality
//! MARUHI_QUALITY_LEAKS=40 cargo bench -p maruhi-scan --bench quality   # leaks per cell
//! ```
//!
//! From `../shared/corpus` (real Japanese and English manual pages) it
//! registers a set of documents, then builds leaks of them: excerpts of
//! t, 2t, 4t and 8t normalised characters (t = w + k − 1, the winnowing
//! guarantee) under one transformation at a time (full/half width, re-wrapped
//! lines, changed whitespace and punctuation, reordered paragraphs, excerpts
//! embedded in unrelated text, DOCX, PDF, ZIP, EML, Shift_JIS) and under all
//! of them combined, and scans each with the same code `maruhi scan` runs.
//! A leak is found when the scanner reports its source document. Unrelated
//! documents (corpus pages never registered) measure false positives.
//!
//! Aim (issue 4): recall ≥ 0.95 at ≥ 4t under any single transformation,
//! ≥ 0.85 with all combined, false positives ≤ 0.01.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use maruhi_fingerprint::Fingerprinter;
use maruhi_scan::{Collection, Reference, Scanner};

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
    Combined,
}

const ALL: [T; 12] = [
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

/// Whether the finding's longest span is the same normalised text in both
/// documents (allowing a changed char or two that a bridged span may hold).
fn shares_passage(query: &str, reference: &str, f: &maruhi_scan::Finding) -> bool {
    let (Ok(q), Ok(r)) = (maruhi_fingerprint::normalize(query), maruhi_fingerprint::normalize(reference)) else {
        return false;
    };
    let Some(span) = f.spans.iter().max_by_key(|s| s.query_chars[1] - s.query_chars[0]) else { return false };
    let (Some(qs), Some(rs)) = (
        q.chars().get(span.query_chars[0]..span.query_chars[1]),
        r.chars().get(span.reference_chars[0]..span.reference_chars[1]),
    ) else {
        return false;
    };
    let same = qs.iter().zip(rs).filter(|(a, b)| a == b).count();
    qs.len() == rs.len() && same * 10 >= qs.len() * 9
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let per_cell: usize = std::env::var("MARUHI_QUALITY_LEAKS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
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
    // A third of the pages is registered, a third is the background
    // collection (public text an installation declares as boilerplate: the
    // manual pages share licence texts and project footers verbatim), and
    // a third are unrelated documents for false positives.
    let registered: Vec<usize> = (0..docs.len()).filter(|i| i % 3 == 0).collect();
    let background: Vec<usize> = (0..docs.len()).filter(|i| i % 3 == 1).collect();
    let unrelated: Vec<usize> = (0..docs.len()).filter(|i| i % 3 == 2).collect();

    let fp = Fingerprinter::builder().key([11u8; 32]).build().unwrap();
    let t = fp.params().guarantee();
    let mut builder = Scanner::builder(fp.clone());
    for &i in &registered {
        builder
            .add(Reference::new(docs[i].0.clone(), Collection::Reference), &fp.fingerprint(&docs[i].1).unwrap())
            .unwrap();
    }
    let without_background = builder.clone().build().unwrap();
    let bg = fp.background(background.iter().map(|&i| docs[i].1.as_str())).unwrap();
    builder.background(bg.clone()).unwrap();
    let scanner = builder.build().unwrap();
    let lengths = [t, 2 * t, 4 * t, 8 * t];

    let mut leaks = Vec::new();
    for &tr in &ALL {
        for (li, &len) in lengths.iter().enumerate() {
            let mut made = 0;
            while made < per_cell {
                let source = registered[rng.below(registered.len())];
                let Some(ex) = excerpt(&docs[source].1, len, &mut rng) else { continue };
                // An excerpt of boilerplate (public text in the background
                // collection) is not a leak of the document: draw another.
                let fps = fp.fingerprint(&ex).unwrap();
                if fps.as_slice().iter().filter(|f| bg.contains(f.hash())).count() * 2 > fps.len() {
                    continue;
                }
                let filler = &docs[unrelated[rng.below(unrelated.len())]].1;
                let (name, bytes) = build(tr, &ex, filler, &mut rng, leaks.len());
                leaks.push(Leak { source, transform: tr, len_class: li, name, bytes });
                made += 1;
            }
        }
    }
    let pdf_ok = to_pdf(&mut leaks);

    let mut found = vec![[0usize; 4]; ALL.len()];
    let mut total = vec![[0usize; 4]; ALL.len()];
    let mut diagnostics = 0;
    for leak in &leaks {
        if leak.transform == T::Pdf && !pdf_ok {
            continue;
        }
        let ti = ALL.iter().position(|t| *t == leak.transform).unwrap();
        let report = scanner.scan_bytes(&leak.name, &leak.bytes);
        diagnostics += report.diagnostics.len();
        if std::env::var_os("MARUHI_QUALITY_SHOW").is_some() {
            for d in &report.diagnostics {
                eprintln!("DIAG {:?} {}: {} [{}]", leak.transform, d.path, d.message, d.code);
            }
        }
        total[ti][leak.len_class] += 1;
        if report.findings.iter().any(|f| f.reference == docs[leak.source].0) {
            found[ti][leak.len_class] += 1;
        }
    }

    let by_name: std::collections::HashMap<String, usize> =
        docs.iter().enumerate().map(|(i, d)| (d.0.clone(), i)).collect();
    let mut false_positives = 0;
    let mut shared_text = 0;
    let mut false_positives_without_background = 0;
    let mut unrelated_scanned = 0;
    for &i in &unrelated {
        let report = scanner.scan_bytes(&docs[i].0, docs[i].1.as_bytes());
        unrelated_scanned += 1;
        if !without_background.scan_bytes(&docs[i].0, docs[i].1.as_bytes()).findings.is_empty() {
            false_positives_without_background += 1;
        }
        // A finding whose passage really is in both documents is shared
        // text (boilerplate the background collection does not hold yet),
        // not a mistake of the scanner; a finding without one is.
        let spurious: Vec<_> =
            report.findings.iter().filter(|f| !shares_passage(&docs[i].1, &docs[by_name[&f.reference]].1, f)).collect();
        if !report.findings.is_empty() {
            shared_text += usize::from(spurious.is_empty());
        }
        if !spurious.is_empty() {
            false_positives += 1;
            if std::env::var_os("MARUHI_QUALITY_SHOW").is_some() {
                for f in &spurious {
                    let span = f.spans.iter().max_by_key(|s| s.query_chars[1] - s.query_chars[0]);
                    eprintln!(
                        "SPURIOUS {} ~ {}: {} chars: {:?}",
                        docs[i].0,
                        f.reference,
                        f.matched_chars,
                        span.map(|s| (
                            &s.query_text,
                            maruhi_scan::excerpt(&docs[by_name[&f.reference]].1, s.reference_bytes, 200)
                        ))
                    );
                }
            }
            if std::env::var_os("MARUHI_QUALITY_SHOW").is_some() {
                for f in &report.findings {
                    eprintln!(
                        "FP {} ~ {}: {} chars, coverage {:.3}: {}",
                        docs[i].0, f.reference, f.matched_chars, f.coverage, f.excerpt
                    );
                }
            }
        }
    }

    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(
        out,
        "registered {} documents, background {}, unrelated {}; k = {}, w = {}, t = {t}; {per_cell} leaks per cell; threshold {} chars",
        registered.len(),
        background.len(),
        unrelated.len(),
        fp.params().k(),
        fp.params().window(),
        maruhi_scan::Thresholds::default().min_matched_chars
    )
    .unwrap();
    writeln!(
        out,
        "\n| transformation | t={} | 2t={} | 4t={} | 8t={} |",
        lengths[0], lengths[1], lengths[2], lengths[3]
    )
    .unwrap();
    writeln!(out, "|---|---|---|---|---|").unwrap();
    for (ti, tr) in ALL.iter().enumerate() {
        if *tr == T::Pdf && !pdf_ok {
            writeln!(out, "| {} | LibreOffice not installed: skipped |||| ", tr.name()).unwrap();
            continue;
        }
        let cells: Vec<String> =
            (0..4).map(|l| format!("{:.2}", found[ti][l] as f64 / total[ti][l].max(1) as f64)).collect();
        writeln!(out, "| {} | {} |", tr.name(), cells.join(" | ")).unwrap();
    }
    writeln!(
        out,
        "\nunrelated documents: {unrelated_scanned}; false positives (no passage really shared): {false_positives} ({:.4}); \
         findings of text they do share with a registered page: {shared_text} ({:.4}), \
         without the background collection: {false_positives_without_background} ({:.4}); diagnostics while scanning leaks: {diagnostics}",
        false_positives as f64 / unrelated_scanned.max(1) as f64,
        shared_text as f64 / unrelated_scanned.max(1) as f64,
        false_positives_without_background as f64 / unrelated_scanned.max(1) as f64,
    )
    .unwrap();
}
