//! The documents on the file servers: ordinary department folders and the
//! folders of registered secrets, with realistic Japanese names and sizes.

use std::collections::HashSet;

use crate::catalog::{DeptSpec, DEPTS, SECRETS};
use crate::rng::{key, Rng};

/// One document on a file server.
pub(crate) struct FileEntry {
    /// `\\fs01\設計部\MX-7\組立図_rev3.dwg`.
    pub path: String,
    /// `組立図_rev3.dwg`.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// Index into [`DEPTS`].
    pub dept: usize,
    /// Index into [`SECRETS`] when the file belongs to a registered secret.
    pub secret: Option<usize>,
    /// The folder below the department (`MX-7`, `BOM\MX-7`).
    pub folder: &'static str,
}

/// Every document, by department and by secret.
pub(crate) struct Files {
    pub all: Vec<FileEntry>,
    /// Ordinary (non-secret) documents per department.
    pub by_dept: Vec<Vec<u32>>,
    /// Documents per registered secret.
    pub by_secret: Vec<Vec<u32>>,
    /// Path prefixes per secret: the folders, then their SharePoint mirrors.
    pub secret_prefixes: Vec<Vec<String>>,
}

/// The SharePoint document library of a department.
pub(crate) fn sharepoint_library(dept: &DeptSpec) -> String {
    format!("https://maruhi.sharepoint.com/sites/{}/Shared Documents/", dept.site)
}

/// The folder of a department on its file server, with trailing separator.
pub(crate) fn dept_root(dept: &DeptSpec) -> String {
    format!("\\\\{}\\{}\\", dept.server, dept.name)
}

/// Bytes for a document of this extension (log-uniform over its usual range).
pub(crate) fn size_for(rng: &mut Rng, name: &str) -> u64 {
    let ext = name.rsplit('.').next().unwrap_or("");
    let (lo, hi) = match ext {
        "dwg" => (150e3, 6e6),
        "step" => (1e6, 60e6),
        "sldprt" | "sldasm" => (500e3, 30e6),
        "xlsx" => (20e3, 4e6),
        "docx" => (25e3, 3e6),
        "pdf" => (80e3, 12e6),
        "pptx" => (500e3, 25e6),
        "csv" => (5e3, 30e6),
        "nc" => (5e3, 2e6),
        "vsdx" => (100e3, 3e6),
        "jpg" | "png" => (800e3, 6e6),
        "txt" | "vcf" => (1e3, 50e3),
        _ => (10e3, 1e6),
    };
    rng.log_uniform(lo, hi) as u64
}

/// `組立図.dwg` in folder `KT-200` → `KT-200_組立図_rev3.dwg` and similar.
fn decorate(rng: &mut Rng, stem_ext: &str, folder: &str) -> String {
    let (stem, ext) = stem_ext.rsplit_once('.').unwrap_or((stem_ext, "dat"));
    let leaf = folder.rsplit('\\').next().unwrap_or(folder);
    let product = leaf.contains('-') && leaf.is_ascii();
    let suffix = match rng.below(6) {
        0 | 1 => format!("_rev{}", rng.range(1, 9)),
        // Dates before the period, so no document is named after the future.
        2 => format!("_{}{:02}{:02}", rng.range(2023, 2025), rng.range(1, 12), rng.range(1, 28)),
        3 => format!("_No{:03}", rng.range(1, 350)),
        4 => format!("_{}", rng.pick(&["A-1023", "B-2210", "C-0315", "第2版", "最新", "確定版", "案", "v2"])),
        _ => format!("_{}年度", rng.range(2023, 2025)),
    };
    if product {
        format!("{leaf}_{stem}{suffix}.{ext}")
    } else {
        format!("{stem}{suffix}.{ext}")
    }
}

/// Files made so far, and their paths (kept unique).
struct Builder {
    all: Vec<FileEntry>,
    seen: HashSet<String>,
}

fn fill(
    rng: &mut Rng,
    b: &mut Builder,
    dept: usize,
    secret: Option<usize>,
    folder: &'static str,
    stems: &[&str],
    count: usize,
) -> Vec<u32> {
    let spec = &DEPTS[dept];
    let mut out = Vec::with_capacity(count);
    let mut tries = 0;
    while out.len() < count && tries < count * 4 {
        tries += 1;
        let stem = stems[rng.index(stems.len())];
        let name = decorate(rng, stem, folder);
        let path = format!("{}{}\\{}", dept_root(spec), folder, name);
        if !b.seen.insert(path.clone()) {
            continue;
        }
        let size = size_for(rng, &name);
        out.push(b.all.len() as u32);
        b.all.push(FileEntry { path, name, size, dept, secret, folder });
    }
    out
}

/// Builds the file servers' contents for a company of `users` people.
pub(crate) fn build(seed: u64, users: usize) -> Files {
    let mut rng = Rng::keyed(seed, &[key::FILES]);
    let mut b = Builder { all: Vec::new(), seen: HashSet::new() };
    // Larger companies keep more documents; a folder holds 15 to 60.
    let scale = (users as f64 / 1000.0).clamp(0.3, 3.0);
    let mut by_dept = Vec::with_capacity(DEPTS.len());
    for (d, spec) in DEPTS.iter().enumerate() {
        let mut ids = Vec::new();
        for folder in spec.folders {
            let count = (rng.range(20, 45) as f64 * scale) as usize;
            ids.extend(fill(&mut rng, &mut b, d, None, folder, spec.stems, count.max(8)));
        }
        by_dept.push(ids);
    }
    let mut by_secret = Vec::with_capacity(SECRETS.len());
    let mut secret_prefixes = Vec::with_capacity(SECRETS.len());
    for (s, spec) in SECRETS.iter().enumerate() {
        let d = crate::catalog::dept_index(spec.dept);
        let dept = &DEPTS[d];
        let mut ids = Vec::new();
        let mut prefixes = Vec::new();
        let mut mirrors = Vec::new();
        for folder in spec.folders {
            let count = (rng.range(18, 40) as f64 * scale) as usize;
            ids.extend(fill(&mut rng, &mut b, d, Some(s), folder, spec.stems, count.max(8)));
            prefixes.push(format!("{}{}\\", dept_root(dept), folder));
            mirrors.push(format!("{}{}/", sharepoint_library(dept), folder.replace('\\', "/")));
        }
        prefixes.extend(mirrors);
        if s == crate::catalog::CUSTOMER_DB {
            // The customer database itself lives in the CRM; its report
            // exports are downloads from there.
            prefixes.push("https://maruhi.my.salesforce.com/".to_owned());
        }
        by_secret.push(ids);
        secret_prefixes.push(prefixes);
    }
    Files { all: b.all, by_dept, by_secret, secret_prefixes }
}

/// The SharePoint URL of a file-server document (its mirror in the
/// department's library).
pub(crate) fn sharepoint_url(file: &FileEntry) -> String {
    format!("{}{}/{}", sharepoint_library(&DEPTS[file.dept]), file.folder.replace('\\', "/"), file.name)
}

/// Files in a person's home folder (`\\fs03\home\yamada.taro\…`).
pub(crate) fn home_file(rng: &mut Rng, user: &str) -> (String, String, u64) {
    const SUB: &[&str] = &["作業", "個人メモ", "下書き", "保存用"];
    const NAMES: &[&str] = &[
        "週報.docx",
        "作業メモ.txt",
        "打合せメモ.docx",
        "見積下書き.xlsx",
        "TODO.xlsx",
        "スケジュール.xlsx",
        "報告書ドラフト.docx",
        "計算メモ.xlsx",
        "資料案.pptx",
    ];
    let stem = rng.pick(NAMES);
    let name = decorate(rng, stem, "");
    let sub = rng.pick(SUB);
    let size = size_for(rng, &name);
    (format!("\\\\fs03\\home\\{user}\\{sub}\\{name}"), name, size)
}

/// Private files a person keeps in the home folder (photos, certificates).
pub(crate) fn personal_file(rng: &mut Rng, user: &str) -> (String, String, u64) {
    const NAMES: &[&str] = &["写真_社員旅行", "写真_忘年会", "資格証明書", "自己啓発メモ", "家計簿", "年賀状リスト"];
    const EXTS: &[&str] = &["jpg", "jpg", "pdf", "docx", "xlsx", "xlsx"];
    let i = rng.index(NAMES.len());
    let name = format!("{}_{:02}.{}", NAMES[i], rng.range(1, 40), EXTS[i]);
    let size = size_for(rng, &name);
    (format!("\\\\fs03\\home\\{user}\\私物\\{name}"), name, size)
}

/// A new document saved on the PC.
pub(crate) fn local_file(rng: &mut Rng, user: &str, dept: &DeptSpec) -> (String, String, u64) {
    let stem = rng.pick(dept.stems);
    let name = decorate(rng, stem, "");
    let place = rng.pick(&["Documents", "Desktop", "Documents\\作業中"]);
    let size = size_for(rng, &name);
    (format!("C:\\Users\\{user}\\{place}\\{name}"), name, size)
}
