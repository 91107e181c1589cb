//! `maruhi risk …` and `maruhi alerts …`: the JSON contracts, triage, and a
//! rule folder the installation changes.

use std::path::PathBuf;

use crate::{data_dir, run, stdout};

fn init(name: &str) -> PathBuf {
    let d = data_dir(name);
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    d
}

/// 40 files copied to a USB stick in the evening, then an upload of 80 MB to
/// a personal cloud service.
fn log() -> String {
    let mut out = String::new();
    for i in 0..120 {
        out.push_str(&format!(
            r#"{{"@timestamp":"2026-11-10T19:{:02}:{:02}+09:00","event":{{"id":"c{i}","action":"file-copy"}},"user":{{"name":"tanaka"}},"file":{{"path":"E:\\図面{i}.dwg","size":1000000}},"device":{{"type":"removable","name":"USB"}}}}"#,
            i / 60,
            i % 60
        ));
        out.push('\n');
    }
    out.push_str(r#"{"@timestamp":"2026-11-11T12:00:00+09:00","event":{"id":"u1","action":"file-upload"},"user":{"name":"sato"},"url":{"full":"https://drive.google.com/upload"},"destination":{"domain":"drive.google.com"},"http":{"request":{"bytes":80000000}}}"#);
    out.push('\n');
    out
}

#[test]
fn import_analyses_and_the_json_contracts_hold() {
    let d = init("risk");
    let file = d.join("log.jsonl");
    std::fs::write(&file, log()).unwrap();
    let out = run(&d, &["events", "import", file.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("risk analysis: 121 events"), "the import runs the analysis");

    let users: serde_json::Value =
        serde_json::from_str(&stdout(&run(&d, &["risk", "users", "--as-of", "2026-11-12", "--json"]))).unwrap();
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 2, "{users:?}");
    for u in users {
        assert!(u["user"] == "tanaka" || u["user"] == "sato", "{u}");
        assert!(u["score"].as_f64().unwrap() > 0.0);
        assert!(u["reasons"].as_array().is_some_and(|r| !r.is_empty()), "{u}");
    }
    assert!(users[0]["score"].as_f64() >= users[1]["score"].as_f64(), "ranked by score");
    let before: serde_json::Value =
        serde_json::from_str(&stdout(&run(&d, &["risk", "users", "--as-of", "2026-11-09", "--json"]))).unwrap();
    assert_eq!(before, serde_json::json!([]), "nothing had happened yet");

    let alerts: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["alerts", "list", "--json"]))).unwrap();
    let alerts = alerts.as_array().unwrap();
    let bulk = alerts.iter().find(|a| a["rule"] == "removable-bulk-copy-files").expect("bulk copy alert");
    assert_eq!(bulk["user"], "tanaka");
    assert_eq!(bulk["severity"], "medium");
    assert!(bulk["first_event_time"].as_str().unwrap().starts_with("2026-11-10T19:00:00+09:00"));
    assert!(bulk["event_ids"].as_array().unwrap().len() >= 100);
    let cloud = alerts.iter().find(|a| a["rule"] == "upload-personal-cloud-volume").expect("upload alert");
    assert_eq!(cloud["user"], "sato");

    // Triage: a wrong status is explained and changes nothing.
    let id = bulk["id"].as_i64().unwrap().to_string();
    let bad = run(&d, &["alerts", "triage", &id, "--status", "closed"]);
    assert_ne!(bad.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("new, investigating, dismissed, confirmed"));
    let done =
        run(&d, &["alerts", "triage", &id, "--status", "dismissed", "--comment", "工場への持ち込み（承認済み）"]);
    assert_eq!(done.status.code(), Some(0), "{}", String::from_utf8_lossy(&done.stderr));
    let shown: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["alerts", "show", &id, "--json"]))).unwrap();
    assert_eq!(shown["alert"]["status"], "dismissed");
    assert_eq!(shown["events"].as_array().unwrap().len(), bulk["event_ids"].as_array().unwrap().len());
}

#[test]
fn the_installation_can_change_the_rules() {
    let d = init("rules");
    let rules = d.join("data").join("rules");
    let out = run(&d, &["risk", "rules", "export"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(rules.join("removable-media.yml").is_file() && rules.join("lists/personal-mail.txt").is_file());
    assert_ne!(run(&d, &["risk", "rules", "export"]).status.code(), Some(0), "export never overwrites");

    // A stricter threshold for bulk copies: 30 files.
    let path = rules.join("removable-media.yml");
    let text = std::fs::read_to_string(&path).unwrap().replacen("gte: 100", "gte: 30", 1);
    std::fs::write(&path, text).unwrap();
    assert_eq!(run(&d, &["risk", "rules", "check"]).status.code(), Some(0));
    let file = d.join("log.jsonl");
    let mut log = String::new();
    for i in 0..40 {
        log.push_str(&format!(
            r#"{{"@timestamp":"2026-11-10T10:00:{i:02}+09:00","event":{{"id":"c{i}","action":"file-copy"}},"user":{{"name":"kimura"}},"file":{{"path":"E:\\a{i}.dwg"}},"device":{{"type":"removable"}}}}"#
        ));
        log.push('\n');
    }
    std::fs::write(&file, log).unwrap();
    stdout(&run(&d, &["events", "import", file.to_str().unwrap(), "--format", "jsonl"]));
    let alerts = stdout(&run(&d, &["alerts", "list", "--json"]));
    assert!(alerts.contains("removable-bulk-copy-files"), "{alerts}");

    // A broken rule names its file and stops the analysis, changing nothing.
    std::fs::write(
        rules.join("broken.yml"),
        "title: x\nlevel: high\ndetection:\n  sel:\n    file.pathh: a\n  condition: sel\n",
    )
    .unwrap();
    let out = run(&d, &["risk", "rules", "check"]);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.yml") && err.contains("file.pathh"), "{err}");
    let out = run(&d, &["risk", "analyse"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stdout(&run(&d, &["alerts", "list", "--json"])).contains("removable-bulk-copy-files"));
}

#[test]
fn identities_alert_pages_as_of_and_action_maps_from_the_terminal() {
    let d = init("identity");
    let pw = d.join("pw");
    let out = run(
        &d,
        &[
            "user",
            "add",
            "tanaka",
            "--role",
            "employee",
            "--email",
            "tanaka@example.co.jp",
            "--password-file",
            pw.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let added = stdout(&run(&d, &["identity", "add", "TNK", "tanaka", "--note", "旧アカウント"]));
    assert_eq!(added.trim(), "tnk -> tanaka");
    let list: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["identity", "list", "--json"]))).unwrap();
    let rows: Vec<_> = list.as_array().unwrap().iter().map(|a| (a["alias"].clone(), a["source"].clone())).collect();
    assert!(rows.contains(&("tnk".into(), "manual".into())), "{rows:?}");
    assert!(rows.contains(&("tanaka@example.co.jp".into(), "user-email".into())), "{rows:?}");
    let suggested: serde_json::Value =
        serde_json::from_str(&stdout(&run(&d, &["risk", "domain", "suggest", "--json"]))).unwrap();
    assert_eq!(suggested[0]["domain"], "example.co.jp");

    // The copies are stored under tanaka; the report says how many.
    let file = d.join("log.jsonl");
    std::fs::write(&file, log().replace(r#""name":"tanaka""#, r#""name":"tnk""#)).unwrap();
    let out = run(&d, &["events", "import", file.to_str().unwrap(), "--format", "jsonl", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["resolved_users"], 120);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: No company domain is configured"), "{err}");

    // `--json` stays the array; `--page-json` adds the total.
    let all: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["alerts", "list", "--json"]))).unwrap();
    let n = all.as_array().unwrap().len();
    assert!(n >= 2, "{all}");
    let out = run(&d, &["alerts", "list", "--limit", "1", "--offset", "1", "--page-json"]);
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["total"], n);
    assert_eq!((page["limit"].as_i64(), page["offset"].as_i64()), (Some(1), Some(1)));
    assert_eq!(page["alerts"][0]["id"], all[1]["id"]);
    let out = run(&d, &["alerts", "list", "--limit", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("showing 1–1 of {n} alerts (more with --offset 1)")));

    // One person as of a date, under any of their names.
    let p: serde_json::Value =
        serde_json::from_str(&stdout(&run(&d, &["risk", "user", "TNK", "--as-of", "2026-11-12", "--json"]))).unwrap();
    assert_eq!(p["user"], "tanaka");
    assert!(p["score"].as_f64().unwrap() > 0.0);
    let before = run(&d, &["risk", "user", "tanaka", "--as-of", "2026-11-09", "--json"]);
    assert_ne!(before.status.code(), Some(0), "nothing was known of tanaka then");

    // Another tool's action names, mapped by a table.
    let ecs = d.join("ecs.jsonl");
    std::fs::write(
        &ecs,
        r#"{"@timestamp":"2026-11-13T10:00:00+09:00","ecs":{"version":"8.11"},"event":{"action":"usb-write"},"user":{"name":"kimura"},"file":{"path":"E:\\a.dwg"},"device":{"type":"removable"}}"#,
    )
    .unwrap();
    let out = run(&d, &["events", "import", ecs.to_str().unwrap(), "--format", "jsonl", "--no-analyse", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["unmapped_actions"], serde_json::json!([{"name": "usb-write", "count": 1}]));
    let map = d.join("actions.txt");
    std::fs::write(&map, "# our DLP agent\nusb-write=file-copy\n").unwrap();
    let out = run(
        &d,
        &[
            "events",
            "import",
            ecs.to_str().unwrap(),
            "--format",
            "jsonl",
            "--action-map",
            map.to_str().unwrap(),
            "--no-analyse",
            "--json",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["accepted"], 1, "{report}");
    std::fs::write(&map, "usb-write=copy\n").unwrap();
    let out = run(
        &d,
        &["events", "import", ecs.to_str().unwrap(), "--format", "jsonl", "--action-map", map.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "a bad table refuses the import");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = run(&d, &["identity", "remove", "tnk"]);
    assert_eq!(out.status.code(), Some(0));
    assert_ne!(run(&d, &["identity", "remove", "tnk"]).status.code(), Some(0));
}
