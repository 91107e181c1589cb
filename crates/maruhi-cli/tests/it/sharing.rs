//! `maruhi share` end to end: draft → gate → approve → export, nothing
//! unapproved leaving by the CLI, the API or TAXII, our TAXII server read by
//! taxii2-client, and push to and pull from medallion (the OASIS TAXII 2.1
//! reference server) on loopback. The Python tools come from the venv that
//! `.ci/run` makes (`MARUHI_SHARING_VENV`); without it those checks are
//! skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{bin, data_dir, free_port, run, spawn, stdout, wait_http};

const DRAFT: &str = r#"{
  "title": "アクメ精機を装った Nightingale 図面の詐取",
  "tlp": "green",
  "method": "kimura@acme-seiki.co.jp 宛に取引先を装ったメール (https://intra.acme-seiki.co.jp/Nightingale)",
  "detection": "2026-11-02 に 37通 の転送を検知",
  "countermeasures": "外部転送を承認制にした",
  "indicators": [
    {"kind": "sender", "value": "billing@evil-supplier.example"},
    {"kind": "url", "value": "https://evil-supplier.example/login?u=kimura%40acme-seiki.co.jp"},
    {"kind": "attachment", "value": "Nightingale_仕様.zip"},
    {"kind": "sha256", "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
    {"kind": "attack", "value": "T1566.001"}
  ]
}"#;

const TERMS: [&str; 4] = ["アクメ精機", "acme-seiki.co.jp", "Nightingale", "kimura"];

fn venv_tool(name: &str) -> Option<PathBuf> {
    match std::env::var_os("MARUHI_SHARING_VENV") {
        Some(v) => Some(PathBuf::from(v).join("bin").join(name)),
        None => {
            eprintln!("skipping {name}: MARUHI_SHARING_VENV is not set (see .ci/run)");
            None
        }
    }
}

fn installation(name: &str) -> PathBuf {
    let d = data_dir(name);
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    d
}

fn assert_clean(what: &str, text: &str) {
    for t in TERMS {
        assert!(!text.contains(t), "{what}: {t} left");
    }
}

#[tokio::test]
async fn only_approved_reports_leave_by_cli_api_and_taxii_and_medallion_round_trips() {
    let d = installation("share");
    for (kind, term) in [("company", "アクメ精機"), ("domain", "acme-seiki.co.jp"), ("project", "Nightingale")] {
        stdout(&run(&d, &["share", "dictionary", "add", "--kind", kind, term]));
    }
    let file = d.join("draft.json");
    std::fs::write(&file, DRAFT).unwrap();
    let id = stdout(&run(&d, &["share", "draft", "--file", file.to_str().unwrap()])).trim().to_owned();
    let other = stdout(&run(&d, &["share", "draft", "--title", "未承認の報告"])).trim().to_owned();

    // The reviewer's side-by-side.
    let show: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["share", "show", &id, "--json"]))).unwrap();
    assert_clean("gated", &show["gated"].to_string());
    assert!(show["removals"].as_array().unwrap().iter().any(|r| r["original"] == "kimura@acme-seiki.co.jp"));
    assert!(show["residuals"].as_array().unwrap().is_empty());

    // Not approved: refused.
    let out = d.join("bundle.json");
    let refused = run(&d, &["share", "export", &id, "--format", "stix", "--out", out.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("MRH-CONFLICT-001"));
    assert!(!out.exists());

    let sha = stdout(&run(&d, &["share", "approve", &id])).trim().to_owned();
    let show: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["share", "show", &id, "--json"]))).unwrap();
    assert_eq!(show["approved"]["sha256"], sha.as_str());
    stdout(&run(&d, &["share", "export", &id, "--format", "stix", "--out", out.to_str().unwrap()]));
    assert_clean("export", &std::fs::read_to_string(&out).unwrap());
    if let Some(validator) = venv_tool("stix2_validator") {
        let v = Command::new(validator).arg("--strict").arg(&out).output().unwrap();
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    }

    // A static MISP feed holds the approved report only.
    let feed = d.join("feed");
    stdout(&run(&d, &["share", "feed", "--out", feed.to_str().unwrap()]));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(feed.join("manifest.json")).unwrap()).unwrap();
    let uuids: Vec<&String> = manifest.as_object().unwrap().keys().collect();
    assert_eq!(uuids.len(), 1);
    let event_file = feed.join(format!("{}.json", uuids[0]));
    assert_clean("feed", &std::fs::read_to_string(&event_file).unwrap());
    if let Some(python) = venv_tool("python") {
        let script = "import sys\nfrom pymisp import MISPEvent\ne = MISPEvent()\ne.load_file(sys.argv[1])\nassert e.info and e.attributes\n";
        let out = Command::new(python).arg("-c").arg(script).arg(&event_file).output().unwrap();
        assert!(out.status.success(), "pymisp: {}", String::from_utf8_lossy(&out.stderr));
    }

    // The server: the API refuses the unapproved; TAXII serves the approved only.
    let token = stdout(&run(&d, &["token", "create", "--user", "root", "--name", "forum"])).trim().to_owned();
    let port = free_port();
    let _server = spawn({
        let mut c = bin();
        c.arg("--data-dir").arg(d.join("data")).args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        c
    });
    let base = format!("http://127.0.0.1:{port}");
    wait_http(&format!("{base}/healthz")).await;
    let http = reqwest::Client::new();
    let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(&token).send();
    let r = get(format!("/api/v1/share/reports/{other}/export?format=misp")).await.unwrap();
    assert_eq!(r.status(), 409);
    let r = get(format!("/api/v1/share/reports/{id}/export?format=stix")).await.unwrap();
    assert_eq!(r.status(), 200);
    let r = http.get(format!("{base}/taxii2/")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let collection = format!("/taxii2/forum/collections/{}/objects/", "3d1c6b9e-5f0a-4c47-9e2b-8a6f4d2c1e70");
    let r = get(collection.clone()).await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/taxii+json;version=2.1");
    let envelope: serde_json::Value = r.json().await.unwrap();
    let reports: Vec<&serde_json::Value> =
        envelope["objects"].as_array().unwrap().iter().filter(|o| o["type"] == "report").collect();
    assert_eq!(reports.len(), 1);
    assert!(!envelope.to_string().contains("未承認の報告"));
    // Pagination: two objects a page, `next` until `more` is false.
    let (mut seen, mut next) = (0, String::new());
    loop {
        let page: serde_json::Value = get(format!("{collection}?limit=2{next}")).await.unwrap().json().await.unwrap();
        seen += page["objects"].as_array().unwrap().len();
        if page["more"] != true {
            break;
        }
        next = format!("&next={}", page["next"].as_str().unwrap());
    }
    assert_eq!(seen, envelope["objects"].as_array().unwrap().len());

    if let Some(python) = venv_tool("python") {
        taxii2_client_reads(&python, &base, &token);
    }
    if let Some(medallion) = venv_tool("medallion") {
        medallion_round_trip(&medallion, &d, &id, &other).await;
    }
}

/// taxii2-client (OASIS's Python client) reads our discovery, API root,
/// collection, objects and manifest over HTTP Basic.
fn taxii2_client_reads(python: &Path, base: &str, token: &str) {
    let script = r#"
import sys
from taxii2client.v21 import Server, as_pages
server = Server(sys.argv[1] + "/taxii2/", user="root", password=sys.argv[2])
root = server.api_roots[0]
collection = root.collections[0]
assert collection.can_read and not collection.can_write
objects = [o for page in as_pages(collection.get_objects, per_request=3) for o in page.get("objects", [])]
types = {o["type"] for o in objects}
assert {"report", "indicator", "identity", "marking-definition"} <= types, types
manifest = collection.get_manifest()
assert len(manifest["objects"]) == len(objects)
report = [o for o in objects if o["type"] == "report"][0]
assert collection.get_object(report["id"])["objects"][0]["id"] == report["id"]
print(len(objects))
"#;
    let out = Command::new(python).arg("-c").arg(script).arg(base).arg(token).output().unwrap();
    assert!(out.status.success(), "taxii2-client: {}", String::from_utf8_lossy(&out.stderr));
}

/// medallion with its memory backend and HTTP Basic: our client pushes the
/// approved report (the unapproved one is refused before any request) and
/// a second installation pulls it into its library.
async fn medallion_round_trip(medallion: &Path, d: &Path, id: &str, other: &str) {
    let port = free_port();
    let collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    let data = serde_json::json!({
        "/discovery": {"title": "forum", "default": format!("http://127.0.0.1:{port}/forum/"),
                       "api_roots": [format!("http://127.0.0.1:{port}/forum/")]},
        "forum": {
            "information": {"title": "forum", "versions": ["application/taxii+json;version=2.1"],
                            "max_content_length": 9_765_625},
            "status": [],
            "collections": [{"id": collection, "title": "reports", "can_read": true, "can_write": true,
                             "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]
        }
    });
    std::fs::write(d.join("medallion-data.json"), data.to_string()).unwrap();
    let config = serde_json::json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": d.join("medallion-data.json")},
        "users": {"member": "s3cret-member"},
        "taxii": {"max_page_size": 100}
    });
    std::fs::write(d.join("medallion.json"), config.to_string()).unwrap();
    let _medallion = spawn({
        let mut c = Command::new(medallion);
        c.args(["--host", "127.0.0.1", "--port", &port.to_string()]).arg(d.join("medallion.json"));
        c
    });
    let root = format!("http://127.0.0.1:{port}/forum/");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        let up = client
            .get(format!("{root}collections/"))
            .header("accept", "application/taxii+json;version=2.1")
            .basic_auth("member", Some("s3cret-member"))
            .send()
            .await;
        if up.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let taxii = ["--taxii", &root, "--collection", collection, "--user", "member", "--token", "s3cret-member"];
    let refused = run(d, &[&["share", "push", other][..], &taxii[..]].concat());
    assert!(!refused.status.success());
    stdout(&run(d, &[&["share", "push", id][..], &taxii[..]].concat()));

    let peer = installation("share-peer");
    let pulled = stdout(&run(&peer, &[&["share", "pull"][..], &taxii[..]].concat()));
    assert_eq!(pulled.lines().count(), 1, "{pulled}");
    // Pulling again keeps no duplicate.
    assert_eq!(stdout(&run(&peer, &[&["share", "pull"][..], &taxii[..]].concat())).lines().count(), 0);
    let list: serde_json::Value = serde_json::from_str(&stdout(&run(&peer, &["share", "list", "--json"]))).unwrap();
    let received = &list.as_array().unwrap()[0];
    assert_eq!(received["origin"], "received");
    assert_eq!(received["tlp"], "green");
    let rid = received["id"].to_string();
    let view: serde_json::Value =
        serde_json::from_str(&stdout(&run(&peer, &["share", "show", &rid, "--json"]))).unwrap();
    assert!(view["draft"]["indicators"].as_array().unwrap().iter().any(|i| i["value"] == "T1566.001"));
    assert_clean("pulled", &view.to_string());
}
