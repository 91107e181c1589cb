//! The transparency-dev RFC 6962 proof vectors (tests/data/merkle), copied
//! from shared test data. Bytes are base64 in the JSON; `proof` may be null.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use maruhi_ledger::tree::{verify_consistency_raw, verify_inclusion_raw};
use serde_json::Value;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn load(kind: &str) -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/merkle").join(kind);
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, v)
        })
        .collect()
}

fn bytes(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    STANDARD.decode(s).unwrap_or_else(|e| panic!("base64 {s:?}: {e}"))
}

fn proof(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().map(bytes).collect(),
        other => panic!("bad proof {other}"),
    }
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a u64: {v}"))
}

#[test]
fn inclusion_vectors() {
    let cases = load("inclusion");
    assert_eq!(cases.len(), 98, "vector files went missing");
    let mut failures = Vec::new();
    for (path, v) in &cases {
        let got = verify_inclusion_raw(
            &bytes(&v["leafHash"]),
            num(&v["leafIdx"]),
            num(&v["treeSize"]),
            &proof(&v["proof"]),
            &bytes(&v["root"]),
        );
        if got.is_err() != v["wantErr"].as_bool().unwrap_or(false) {
            failures.push(format!("{}: {got:?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn consistency_vectors() {
    let cases = load("consistency");
    assert_eq!(cases.len(), 97, "vector files went missing");
    let mut failures = Vec::new();
    for (path, v) in &cases {
        let got = verify_consistency_raw(
            num(&v["size1"]),
            num(&v["size2"]),
            &proof(&v["proof"]),
            &bytes(&v["root1"]),
            &bytes(&v["root2"]),
        );
        if got.is_err() != v["wantErr"].as_bool().unwrap_or(false) {
            failures.push(format!("{}: {got:?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn happy_path_vectors_also_pass_the_typed_api() {
    // The typed API is what the ledger uses; the raw one exists for vectors.
    for (path, v) in load("inclusion") {
        if v["wantErr"].as_bool() != Some(false) {
            continue;
        }
        let h = |v: &Value| maruhi_ledger::Hash::try_from(bytes(v).as_slice());
        let proof: Result<Vec<_>, _> =
            proof(&v["proof"]).iter().map(|p| maruhi_ledger::Hash::try_from(p.as_slice())).collect();
        let (Ok(leaf), Ok(root), Ok(proof)) = (h(&v["leafHash"]), h(&v["root"]), proof) else {
            panic!("{}: happy path with malformed hashes", path.display());
        };
        assert_eq!(
            maruhi_ledger::verify_inclusion(&leaf, num(&v["leafIdx"]), num(&v["treeSize"]), &proof, &root),
            Ok(()),
            "{}",
            path.display()
        );
    }
}
