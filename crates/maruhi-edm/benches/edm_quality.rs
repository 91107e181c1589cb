//! EDM quality harness: documents holding real rows of a dataset (written
//! with the variants of a real leak: 全角, other hyphens, +81, 和暦, 漢数字
//! and 丁目/番/号 addresses, old kanji, hiragana readings, columns reordered
//! and dropped, 姓+名 joined) must be found; documents holding only
//! look-alike rows must not:
//!
//! - `fresh`: the same formats, values not in the dataset;
//! - `one_cell`: a real primary value (会員番号) with made-up other cells;
//! - `other_row`: a real primary value with real cells of *another* row;
//! - `no_primary`: real cells of a row without its primary value (shown
//!   apart: the design needs the primary element, as Purview's EDM does).
//!
//! Formats are the text the extractor gives (CSV/TSV lines, a
//! spreadsheet's tab-separated rows, a PDF's space-separated lines, prose);
//! the extractor's formats themselves are tested in maruhi-scan.
//!
//! `cargo bench -p maruhi-edm --bench edm_quality` (EDM_ROWS, EDM_DOCS to change the sizes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "gen/mod.rs"]
mod gen;

use gen::{person, written, Export, Person, Rng};
use maruhi_edm::{index, Dataset, Declared, Index, Key, Matcher};

const SEED: u64 = 1;
const OTHER_SEED: u64 = 2;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const FILLER: &[&str] = &[
    "お世話になっております。",
    "先日の件についてご連絡いたします。",
    "以下の通りご確認ください。",
    "ご不明な点があればお知らせください。",
    "引き続きよろしくお願いいたします。",
    "来週の会議は十四時から第三会議室で行います。",
    "資料は共有フォルダに置きました。",
];

/// Which cells of a row a document shows besides the id (at least one).
fn cells(r: &mut Rng) -> Vec<usize> {
    let mut c: Vec<usize> = (0..6).filter(|_| r.below(2) == 0).collect();
    if c.is_empty() {
        c.push(r.below(6) as usize);
    }
    c
}

fn cell(w: &gen::Written, i: usize) -> String {
    match i {
        0 => w.name.clone(),
        1 => w.kana.clone(),
        2 => w.phone.clone(),
        3 => w.email.clone(),
        4 => w.address.clone(),
        _ => w.birth.clone(),
    }
}

/// A row as one document kind writes it: `id` (when given) and `shown` cells.
fn row(kind: usize, id: Option<&str>, w: &gen::Written, shown: &[usize], r: &mut Rng) -> String {
    let mut parts: Vec<String> = shown.iter().map(|&i| cell(w, i)).collect();
    if let Some(id) = id {
        let at = r.below(parts.len() as u64 + 1) as usize;
        parts.insert(at, id.to_owned());
    }
    match kind {
        0 => parts.join(","),
        1 => parts.join("\t"),
        2 => parts.join("  "),
        _ => {
            let mut s = String::new();
            for (i, p) in parts.iter().enumerate() {
                s.push_str(["お客様", "、", "（", "）の", "、連絡先", "、"][i % 6]);
                s.push_str(p);
            }
            s.push_str("について確認しました。");
            s
        }
    }
}

/// A document: filler, then `rows` rows (given as text), in one format.
fn document(kind: usize, rows: &[String], r: &mut Rng) -> String {
    let mut doc = String::new();
    for _ in 0..1 + r.below(3) {
        doc.push_str(r.pick::<&str>(FILLER));
    }
    doc.push('\n');
    if kind < 3 {
        doc.push_str(["会員番号,氏名,電話\n", "ID\t名前\t連絡先\n", "No  Name  Tel\n"][kind]);
    }
    for line in rows {
        doc.push_str(line);
        doc.push('\n');
        if kind == 3 {
            doc.push_str(r.pick::<&str>(FILLER));
            doc.push('\n');
        }
    }
    doc.push_str(r.pick::<&str>(FILLER));
    doc
}

fn fake_rows(r: &mut Rng, kind: usize, n: u64) -> Vec<String> {
    (0..n)
        .map(|_| {
            let f = person(OTHER_SEED, r.below(1 << 40));
            let w = written(&f, r);
            row(kind, Some(&w.id), &w, &cells(r), r)
        })
        .collect()
}

fn main() {
    let rows = env("EDM_ROWS", 1_000_000);
    let docs = env("EDM_DOCS", 10_000);
    let dir = std::env::temp_dir().join(format!("maruhi-edm-quality-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("q.edm");
    let key = Key::from_bytes([5; 32]);
    let declared = Declared { primary: Some("会員番号".into()), ..Declared::default() };
    index::build(Export::new(SEED, rows), index::Encoding::Utf8, &declared, &key, [7; 16], None, &path).expect("build");
    let ix = Index::load(&path, &key).expect("load");
    let _ = std::fs::remove_dir_all(&dir);
    let m = Matcher::new(vec![Dataset { name: "members".into(), secret_id: None, index: ix }]);
    println!("dataset: {rows} rows; {docs} documents per class");

    let mut r = Rng(99);
    let real = |r: &mut Rng| -> Person { person(SEED, r.below(rows)) };
    let kinds = ["csv", "tsv(xlsx)", "pdf lines", "prose"];
    // Positives: 1–3 real rows among 0–10 fake ones.
    let mut found = [0u64; 4];
    let mut total = [0u64; 4];
    let mut misses = Vec::new();
    for d in 0..docs {
        let kind = (d % 4) as usize;
        let n = r.below(11);
        let mut lines = fake_rows(&mut r, kind, n);
        let mut truth = Vec::new();
        for _ in 0..1 + r.below(3) {
            let p = real(&mut r);
            truth.push(p.csv_row());
            let w = written(&p, &mut r);
            let at = r.below(lines.len() as u64 + 1) as usize;
            lines.insert(at, row(kind, Some(&w.id), &w, &cells(&mut r), &mut r));
        }
        let doc = document(kind, &lines, &mut r);
        total[kind] += 1;
        if m.find(&doc).is_empty() {
            if misses.len() < 5 {
                misses.push(format!("{doc}\n    rows: {truth:?}"));
            }
        } else {
            found[kind] += 1;
        }
    }
    let (f, t): (u64, u64) = (found.iter().sum(), total.iter().sum());
    println!("\nreal rows (recall, documents with >= 1 real row found):");
    for k in 0..4 {
        println!(
            "  {:<10} {:>6}/{:<6} {:.2}%",
            kinds[k],
            found[k],
            total[k],
            100.0 * found[k] as f64 / total[k].max(1) as f64
        );
    }
    println!("  {:<10} {:>6}/{:<6} {:.2}%", "all", f, t, 100.0 * f as f64 / t.max(1) as f64);
    for doc in misses.iter().take(3) {
        println!("  missed: {:?}", doc.chars().take(600).collect::<String>());
    }

    // Negatives.
    println!("\nlook-alike rows (documents flagged):");
    for class in ["fresh", "one_cell", "other_row", "no_primary"] {
        let mut flagged = 0;
        for d in 0..docs {
            let kind = (d % 4) as usize;
            let n = r.below(11);
            let mut lines = fake_rows(&mut r, kind, n);
            for _ in 0..1 + r.below(3) {
                let line = match class {
                    "fresh" => fake_rows(&mut r, kind, 1).remove(0),
                    "one_cell" => {
                        let p = real(&mut r);
                        let f = person(OTHER_SEED, r.below(1 << 40));
                        let (wp, wf) = (written(&p, &mut r), written(&f, &mut r));
                        row(kind, Some(&wp.id), &wf, &cells(&mut r), &mut r)
                    }
                    "other_row" => {
                        let (a, b) = (real(&mut r), real(&mut r));
                        let (wa, wb) = (written(&a, &mut r), written(&b, &mut r));
                        row(kind, Some(&wa.id), &wb, &cells(&mut r), &mut r)
                    }
                    _ => {
                        let p = real(&mut r);
                        let w = written(&p, &mut r);
                        row(kind, None, &w, &cells(&mut r), &mut r)
                    }
                };
                let at = r.below(lines.len() as u64 + 1) as usize;
                lines.insert(at, line);
            }
            let doc = document(kind, &lines, &mut r);
            let found = m.find(&doc);
            if !found.is_empty() {
                if flagged < 2 && std::env::var("EDM_SHOW").is_ok() {
                    println!("    flagged ({:?}): {doc:?}", found[0].columns);
                }
                flagged += 1;
            }
        }
        println!("  {class:<10} {flagged:>6}/{docs:<6} {:.3}%", 100.0 * flagged as f64 / docs as f64);
    }
}
