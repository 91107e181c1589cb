use crate::{bin, data_dir, run, stdout};

#[test]
fn help_is_stable() {
    let out = bin().arg("--help").output().expect("run");
    insta::assert_snapshot!("help", String::from_utf8_lossy(&out.stdout));
    let out = bin().args(["secret", "add", "--help"]).output().expect("run");
    insta::assert_snapshot!("secret_add_help", String::from_utf8_lossy(&out.stdout));
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
    insta::assert_json_snapshot!("secret_add", v, {".created_at" => "[time]", ".updated_at" => "[time]", ".access[].granted_at" => "[time]"});
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
    assert!(String::from_utf8_lossy(&o.stderr).contains("already initialised"));
    let o = run(&d, &["secret", "add", "--title", "", "--level", "国家機密", "--category", "料理"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("invalid_secret_stderr", String::from_utf8_lossy(&o.stderr));
    let o = bin()
        .env("LANG", "ja_JP.UTF-8")
        .arg("--data-dir")
        .arg(d.join("data"))
        .args(["user", "add", "x y", "--role", "boss"])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&o.stderr).contains("ロールが正しくありません"));
    let o = run(&d, &["user", "add", "someone", "--role", "employee", "--password-file", "/nonexistent/pw"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read password file"));
    assert_eq!(stdout(&run(&d, &["secret", "list"])), "");
    assert_eq!(run(&d, &["secret", "frobnicate"]).status.code(), Some(2), "usage errors exit 2");
    let o = bin().args(["--database-url", "mysql://x", "secret", "list"]).output().expect("run");
    assert!(String::from_utf8_lossy(&o.stderr).contains("unsupported database URL"));
}
