use crate::{bin, data_dir, run, stdout};

#[test]
fn help_is_stable() {
    let out = bin().arg("--help").output().expect("run");
    insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
    let out = bin().args(["secret", "add", "--help"]).output().expect("run");
    insta::assert_snapshot!("secret_add_help", String::from_utf8_lossy(&out.stdout));
    // Publishing options belong to the commands that publish.
    let out = bin().args(["user", "add", "--help"]).output().expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--role") && !help.contains("--witness") && !help.contains("--tsa"), "{help}");
}

#[test]
fn only_init_creates_an_installation() {
    let d = data_dir("typo");
    // A mistyped data directory is a wrong usage that creates nothing.
    let o = run(&d, &["secret", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no maruhi installation at"));
    assert!(!d.join("data").exists());
    // A failed init leaves nothing behind, so it can simply be run again.
    std::fs::write(d.join("short"), "short\n").expect("pw");
    let short = d.join("short");
    let o = run(&d, &["init", "--admin-user", "root", "--admin-password-file", short.to_str().expect("path")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!d.join("data").exists());
    let pw = d.join("pw");
    let o = run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && said.contains("back up the key files"), "{said}");
    let key = stdout(&run(&d, &["ledger", "public-key"]));
    assert!(said.contains(key.trim()), "init prints the ledger's public key");
}

#[test]
fn init_add_list_show_as_json() {
    let d = data_dir("json");
    let pw = d.join("pw");
    let pw = pw.to_str().expect("utf-8 path");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw]));
    assert!(d.join("data/keys/installation.key").exists());
    stdout(&run(&d, &["user", "add", "watanabe", "--role", "employee", "--password-file", pw]));
    let added = stdout(&run(
        &d,
        &[
            "secret",
            "add",
            "--title",
            "射出成形条件表",
            "--level",
            "極秘",
            "--category",
            "製造プロセス・作業工程書",
            "--grant",
            "watanabe",
            "--tag",
            "ライン3",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&added).expect("json");
    // The snapshot compares sorted keys: the parsed value keeps the output's
    // order when serde_json is built with `preserve_order` (as with EVTX).
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("secret_add", v, {".created_at" => "[time]", ".updated_at" => "[time]", ".access[].granted_at" => "[time]"});
    });
    let id = v["id"].as_i64().expect("id").to_string();
    let list: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["secret", "list", "--json"]))).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["title"], "射出成形条件表");
    let shown: serde_json::Value =
        serde_json::from_str(&stdout(&run(&d, &["secret", "show", &id, "--json"]))).expect("json");
    assert_eq!(shown["access"][0]["name"], "watanabe");
    let token = stdout(&run(&d, &["token", "create", "--user", "watanabe"]));
    assert!(token.trim().starts_with("mrh_"));
    let audit = stdout(&run(&d, &["audit", "--json"]));
    for action in ["user.create", "secret.create", "secret.view", "token.create"] {
        assert!(audit.contains(action), "{action} missing from the audit trail");
    }
}

#[test]
fn wrong_input_is_explained_and_changes_nothing() {
    let d = data_dir("wrong");
    let pw = d.join("pw");
    let pw = pw.to_str().expect("utf-8 path");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw]));
    let o = run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("an installation already exists"));
    let o = run(&d, &["secret", "add", "--title", "", "--level", "国家機密", "--category", "料理"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("invalid_secret_stderr", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .env("LANG", "ja_JP.UTF-8")
        .arg("--data-dir")
        .arg(d.join("data"))
        .args(["user", "add", "x y", "--role", "employee"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&o.stderr).contains("ユーザー名は半角英数字"));
    // A value outside a listed set is a wrong usage, and the help lists the set.
    let o = run(&d, &["user", "add", "someone", "--role", "boss"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("admin, manager, legal, analyst, auditor, employee"));
    let o = run(&d, &["user", "add", "someone", "--role", "employee", "--password-file", "/nonexistent/pw"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read password file"));
    assert_eq!(stdout(&run(&d, &["secret", "list"])), "");
    assert_eq!(run(&d, &["secret", "frobnicate"]).status.code(), Some(2), "usage errors exit 2");
    let o = run(&d, &["--database-url", "mysql://x", "secret", "list"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unsupported database URL"));
}

#[test]
fn ledger_proofs_verify_offline_and_tampering_is_reported() {
    let d = data_dir("ledger");
    let pw = d.join("pw");
    let pw = pw.to_str().expect("utf-8 path");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw]));
    for t in ["設計図A", "設計図B", "設計図C"] {
        stdout(&run(&d, &["secret", "add", "--title", t, "--level", "秘", "--category", "drawing"]));
    }
    let note = stdout(&run(&d, &["ledger", "checkpoint"]));
    assert!(note.lines().nth(1) == Some("4"), "origin, size 4, root, signature: {note}");
    let key = stdout(&run(&d, &["ledger", "public-key"])).trim().to_owned();
    let proof = stdout(&run(&d, &["ledger", "proof", "2"]));
    assert!(proof.starts_with("c2sp.org/tlog-proof@v1"), "{proof}");
    let file = d.join("entry2.tlog-proof");
    std::fs::write(&file, &proof).expect("write");
    // Nothing but the public key: no data directory, no database.
    let ok = bin().args(["verify-proof", file.to_str().expect("path"), "--key", &key]).output().expect("run");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: entry 2 is in the log"));
    let forged = d.join("forged-entry");
    std::fs::write(&forged, "maruhi audit entry v1\nat 2026-01-01T00:00:00Z\n").expect("write");
    let bad = bin()
        .args(["verify-proof", file.to_str().expect("path"), "--key", &key, "--entry", forged.to_str().expect("path")])
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(1));
    let entry: serde_json::Value =
        serde_json::from_str(&stdout(&run(&d, &["ledger", "entry", "2", "--json"]))).expect("json");
    assert_eq!(entry["action"], "secret.create");

    assert!(run(&d, &["ledger", "verify"]).status.success());
    // Someone edits the SQLite file directly.
    let db = d.join("data").join("maruhi.db");
    let edit = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("UPDATE audit_events SET occurred_at = '2020-01-01T00:00:00Z' WHERE ledger_index = 1")
        .status()
        .expect("sqlite3 (Debian package sqlite3)");
    assert!(edit.success());
    let out = run(&d, &["ledger", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("entry 1: content does not match"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn logs_are_json_lines_when_asked() {
    let d = data_dir("json-logs");
    let pw = d.join("pw");
    let out = bin()
        .env("MARUHI_LOG_FORMAT", "json")
        .arg("--data-dir")
        .arg(d.join("data"))
        .args(["-v", "init", "--admin-user", "root", "--admin-password-file", pw.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(out.status.success());
    let logs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert!(logs.iter().any(|l| l["message"] == "applied schema migration" && l["level"] == "INFO"), "{logs:?}");
}

#[test]
fn assess_answers_saves_shows_history_and_writes_a_report() {
    let d = data_dir("assess");
    let pw = d.join("pw");
    let pw = pw.to_str().expect("utf-8 path");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw]));
    // An answer with an evidence file: its name and SHA-256 are recorded.
    let o = run(&d, &["assess", "answer", "T01", "--answer", "yes", "--note", "承認済み", "--evidence", pw, "--json"]);
    let answer: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(answer["answer"], "yes");
    assert_eq!(answer["evidence"][0]["sha256"].as_str().map(str::len), Some(64));
    // Automatic items take no answer; a value outside the list is a usage error.
    let o = run(&d, &["assess", "answer", "R01", "--answer", "yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MRH-INPUT-001"));
    let o = run(&d, &["assess", "answer", "T01", "--answer", "maybe"]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&run(&d, &["assess", "--save"]));
    assert!(text.contains("Overall score") && text.contains("T01") && text.contains("next step"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&run(&d, &["assess", "--json"]))).expect("json");
    assert_eq!(json["objectives"].as_array().map(Vec::len), Some(5));
    let history = stdout(&run(&d, &["assess", "history", "--json"]));
    let history: serde_json::Value = serde_json::from_str(&history).expect("json");
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    let out = d.join("report.html");
    stdout(&run(&d, &["assess", "--format", "html", "--lang", "ja", "--out", out.to_str().expect("path")]));
    let html = std::fs::read_to_string(&out).expect("report");
    assert!(html.contains("自己評価報告書") && html.contains("信頼関係の維持・向上"));
}
