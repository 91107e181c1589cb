//! Behaviour at the HTTP boundary: problem details, need-to-know in lists,
//! languages, headers, the OpenAPI document and the UI's translations.

use axum::http::Method;
use maruhi_service::{Actor, Scope};

use crate::{Auth, Fixture, MATERIAL};

#[tokio::test]
async fn api_list_honours_need_to_know() {
    let f = Fixture::new().await;
    let titles = |v: serde_json::Value| -> Vec<String> {
        v["items"].as_array().into_iter().flatten().map(|s| s["title"].as_str().unwrap_or("").to_owned()).collect()
    };
    let kato = f.token("kato", Scope::Read).await;
    let watanabe = f.token("watanabe", Scope::Read).await;
    let ito = f.token("ito", Scope::Read).await;
    assert!(titles(f.call(Method::GET, "/api/v1/secrets", &kato, None).await.json()).is_empty());
    assert_eq!(titles(f.call(Method::GET, "/api/v1/secrets", &watanabe, None).await.json()), ["MX-7 組立図"]);
    assert_eq!(titles(f.call(Method::GET, "/api/v1/secrets?q=MX", &ito, None).await.json()), ["MX-7 組立図"]);
    // The page list shows the same.
    let page = f.call(Method::GET, "/secrets", &f.session("kato").await, None).await;
    assert!(!page.body.contains("MX-7"), "the title must not leak into the page");
}

#[tokio::test]
async fn errors_are_problem_details_with_stable_codes_in_the_callers_language() {
    let f = Fixture::new().await;
    let admin = f.token("admin", Scope::Write).await;
    let r = f.call(Method::POST, "/api/v1/secrets", &admin, Some(r#"{"title":"","category":"x","level":"秘"}"#)).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    // Key order is not part of the contract (serde_json may be built to keep
    // insertion order); the snapshot compares sorted keys.
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("invalid_secret_ja", r.json());
    });
    let r = f
        .call_with(
            Method::POST,
            "/api/v1/secrets",
            &admin,
            Some(r#"{"title":"","category":"x","level":"秘"}"#),
            &[("accept-language", "en-US,en;q=0.9")],
        )
        .await;
    assert_eq!(r.json()["errors"][0]["message"], "This field is required.");
    let r = f
        .call(
            Method::POST,
            "/api/v1/secrets",
            &admin,
            Some(r#"{"title":"a","category":"drawing","level":"秘","colour":"red"}"#),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.json()["code"].as_str()),
        (422, Some("MRH-INPUT-002")),
        "unknown fields are rejected"
    );
    let r = f.call(Method::POST, "/api/v1/secrets", &admin, Some("{not json")).await;
    assert_eq!((r.status.as_u16(), r.json()["code"].as_str()), (400, Some("MRH-INPUT-002")));
    let big = format!(r#"{{"title":"{}","category":"drawing","level":"秘"}}"#, "x".repeat(2 * 1024 * 1024));
    assert_eq!(f.call(Method::POST, "/api/v1/secrets", &admin, Some(&big)).await.status, 413);
    let r = f.call(Method::GET, "/api/v1/secrets?page=abc", &admin, None).await;
    assert_eq!(r.json()["code"], "MRH-INPUT-003");
    let r = f.call(Method::GET, "/api/v1/me", &Auth::Token("mrh_wrong".into()), None).await;
    assert_eq!((r.status.as_u16(), r.json()["code"].as_str()), (401, Some("MRH-AUTH-001")));
    assert!(r.headers.contains_key("www-authenticate"));
    // Nothing above was written.
    assert_eq!(f.call(Method::GET, "/api/v1/secrets", &admin, None).await.json()["total"], 1);
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_wrong_passwords_say_nothing_more() {
    let f = Fixture::new().await;
    let r = f.call(Method::POST, "/login", &Auth::None, Some("username=sato&password=correct-horse-battery")).await;
    assert_eq!(r.status, 303);
    let cookie = r.headers["set-cookie"].to_str().unwrap_or("");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let bad_user = f.call(Method::POST, "/login", &Auth::None, Some("username=ghost&password=whatever-123")).await;
    let bad_pw = f.call(Method::POST, "/login", &Auth::None, Some("username=sato&password=whatever-123")).await;
    assert_eq!((bad_user.status.as_u16(), bad_pw.status.as_u16()), (401, 401));
    assert_eq!(bad_user.body.replace("ghost", "sato"), bad_pw.body);
    assert!(bad_pw.body.contains("ユーザー名またはパスワードが違います"));
}

#[tokio::test]
async fn pages_are_japanese_by_default_and_english_on_request() {
    let f = Fixture::new().await;
    let s = f.session("admin").await;
    let ja = f.call(Method::GET, "/secrets", &s, None).await;
    assert!(ja.body.contains("営業秘密管理台帳") && ja.body.contains("lang=\"ja\""));
    let en = f.call_with(Method::GET, "/secrets", &s, None, &[("accept-language", "en")]).await;
    assert!(en.body.contains("Trade-secret register") && en.body.contains("lang=\"en\""));
    let r = f.call(Method::POST, "/lang", &Auth::None, Some("lang=en&back=/secrets")).await;
    assert_eq!(r.headers["location"], "/secrets");
    assert!(r.headers["set-cookie"].to_str().unwrap_or("").starts_with("maruhi_lang=en"));
    let r = f.call(Method::POST, "/lang", &Auth::None, Some("lang=en&back=//evil.example")).await;
    assert_eq!(r.headers["location"], "/", "no open redirect");
    let en = f.call_with(Method::GET, "/", &s, None, &[("cookie", "maruhi_lang=en")]).await;
    assert!(en.body.contains("Dashboard"), "the language cookie wins over Accept-Language");
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let f = Fixture::new().await;
    for path in ["/login", "/api/v1/openapi.json", "/api/v1/nope"] {
        let r = f.call(Method::GET, path, &Auth::None, None).await;
        for h in ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"] {
            assert!(r.headers.contains_key(h), "{path} lacks {h}");
        }
    }
}

#[tokio::test]
async fn the_form_shows_every_error_inline_and_keeps_what_was_typed() {
    let f = Fixture::new().await;
    let s = f.session("sato").await;
    let r = f
        .call(
            Method::POST,
            "/secrets",
            &s,
            Some("title=&category=&level=%E7%A7%98&summary=%E4%BF%9D%E6%8C%81&review_date=tomorrow"),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("id=\"title-err\""));
    assert!(r.body.contains("日付は YYYY-MM-DD の形式で入力してください。"));
    assert!(r.body.contains(">保持</textarea>"), "the summary typed is kept");
}

/// The served OpenAPI document and the router agree: every API route
/// (method and path) is documented, every documented operation is routed,
/// every `$ref` resolves, and every path parameter is declared.
#[tokio::test]
async fn openapi_documents_exactly_the_api_routes() {
    let f = Fixture::new().await;
    let doc = f.call(Method::GET, "/api/v1/openapi.json", &Auth::None, None).await.json();
    let routed: std::collections::BTreeSet<(String, String)> = f
        .served_routes()
        .await
        .into_iter()
        .filter(|(_, t)| t.starts_with("/api/"))
        .map(|(m, t)| (m.as_str().to_ascii_lowercase(), t))
        .collect();
    let mut documented = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let names: Vec<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method.as_str()) {
                continue;
            }
            documented.insert((method.clone(), path.clone()));
            let declared: Vec<&str> = [&item["parameters"], &op["parameters"]]
                .into_iter()
                .filter_map(|ps| ps.as_array())
                .flatten()
                .map(|p| resolve(&doc, p))
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            for name in &names {
                if !declared.contains(name) {
                    problems.push(format!("{method} {path}: path parameter {name} is not declared"));
                }
            }
            if op["responses"].as_object().is_none_or(|r| r.is_empty()) {
                problems.push(format!("{method} {path}: no responses"));
            }
        }
    }
    for (m, p) in routed.difference(&documented) {
        problems.push(format!("{m} {p}: routed but not documented"));
    }
    for (m, p) in documented.difference(&routed) {
        problems.push(format!("{m} {p}: documented but not routed"));
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in refs {
        let target = r.strip_prefix('#').map(|ptr| doc.pointer(ptr));
        if !matches!(target, Some(Some(_))) {
            problems.push(format!("$ref {r} does not resolve"));
        }
    }
    assert!(problems.is_empty(), "openapi.json disagrees with the router:\n{}", problems.join("\n"));
}

/// A parameter or its `$ref` target.
fn resolve<'a>(doc: &'a serde_json::Value, v: &'a serde_json::Value) -> &'a serde_json::Value {
    match v["$ref"].as_str().and_then(|r| r.strip_prefix('#')).and_then(|ptr| doc.pointer(ptr)) {
        Some(target) => target,
        None => v,
    }
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_owned()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_label_used_in_templates_exists_in_both_languages() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(dir).expect("templates") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        for part in text.split("ctx.t(\"").skip(1) {
            let key = part.split('"').next().unwrap_or("");
            if maruhi_service::i18n::ui(maruhi_service::i18n::Lang::Ja, key) == "??" {
                missing.push(key.to_owned());
            }
        }
    }
    assert!(missing.is_empty(), "labels missing from i18n::UI: {missing:?}");
    for (key, ja, en) in maruhi_service::i18n::UI {
        assert!(!ja.is_empty() && !en.is_empty(), "{key} lacks a translation");
    }
}

#[tokio::test]
async fn tiles_rebuild_the_signed_root() {
    use maruhi_ledger::tile::{parse_entry_bundle, parse_hash_tile, TileId};
    let f = Fixture::new().await;
    let note = f.call(Method::GET, "/ledger/checkpoint", &Auth::None, None).await;
    assert_eq!(note.status, 200);
    let text = note.body.split("\n\n").next().unwrap_or("").to_owned() + "\n";
    let checkpoint = maruhi_ledger::Checkpoint::parse(&text).expect("checkpoint");
    let size = checkpoint.size();
    let path = format!("tile/0/000.p/{size}");
    let tile = f.call(Method::GET, &format!("/ledger/{path}"), &Auth::None, None).await;
    let id = TileId::parse_path(&path).unwrap();
    let leaves = parse_hash_tile(&id, &tile.bytes).expect("hash tile");
    assert_eq!(maruhi_ledger::root_from_leaf_hashes(&leaves), *checkpoint.root());
    let auditor = f.token("ito", Scope::Read).await;
    let bundle = f.call(Method::GET, &format!("/ledger/tile/entries/000.p/{size}"), &auditor, None).await;
    let entries = parse_entry_bundle(&bundle.bytes).expect("bundle");
    let hashed: Vec<_> = entries.iter().map(|e| maruhi_ledger::leaf_hash(e)).collect();
    assert_eq!(hashed, leaves, "each entry hashes to its leaf");
}

#[tokio::test]
async fn the_scan_page_shows_findings_side_by_side_only_to_the_entitled() {
    let f = Fixture::new().await;
    let leak = "お疲れ様です。\n第一工程でフレームを治具に固定し、トルク十二ﾆｭｰﾄﾝﾒｰﾄﾙで四本のボルトを対角に締める。\n\
                第二工程ではセンサー基板を防振ゴムの上に載せ、コネクタを奥まで差し込んでからロックを確認する。";
    // Legal sees the secret, its title and both passages.
    let yamada = f.session("yamada").await;
    let r = f.upload("/scan", &yamada, "転送メール.txt", leak.as_bytes(), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("MX-7 組立図"), "the secret's title");
    assert!(r.body.contains("組立手順.txt"), "the material's name");
    assert!(r.body.contains("ﾆｭｰﾄﾝﾒｰﾄﾙ"), "the scanned passage as it was written");
    assert!(r.body.contains("ニュートンメートル"), "the material's passage");
    // The analyst is not told whether anything they may not see was found:
    // the page says the same as for a clean file.
    let tanaka = f.session("tanaka").await;
    let r = f.upload("/scan", &tanaka, "転送メール.txt", leak.as_bytes(), &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"restricted-findings\"") && r.body.contains("id=\"nothing-visible\""));
    assert!(!r.body.contains("MX-7 組立図") && !r.body.contains("ニュートンメートル"));
    assert!(!r.body.contains("SHA-256"), "the file is hashed only when something matched");
    // Nor does the secret's history shown to the employee on its access
    // list mention the scan (legal's and the manager's does).
    let watanabe = f.token("watanabe", Scope::Read).await;
    let path = format!("/api/v1/secrets/{}/history", f.secret_id);
    let history = f.call(Method::GET, &path, &watanabe, None).await;
    assert_eq!(history.status, 200);
    assert!(!history.body.contains("scan.finding") && !history.body.contains("転送メール"), "{}", history.body);
    let page = f.call(Method::GET, &format!("/secrets/{}", f.secret_id), &f.session("watanabe").await, None).await;
    assert!(!page.body.contains("転送メール"));
    let sato = f.token("sato", Scope::Read).await;
    assert!(f.call(Method::GET, &path, &sato, None).await.body.contains("転送メール"));
    // Without the CSRF token nothing is scanned.
    let Auth::Session(cookie, _) = &yamada else { unreachable!() };
    let forged = Auth::Session(cookie.clone(), "wrong".into());
    assert_eq!(f.upload("/scan", &forged, "x.txt", leak.as_bytes(), &[]).await.status, 403);

    // The owner attaches more material from the secret's page; it is listed.
    let sato = f.session("sato").await;
    let path = format!("/secrets/{}/materials", f.secret_id);
    let more = "検査記録: 気密試験の合格基準は漏れ量毎分零点二ミリリットル以下とし、不合格品は赤札を付けて隔離する。";
    let r = f.upload(&path, &sato, "検査基準.txt", more.as_bytes(), &[("keep_text", "on")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = f.call(Method::GET, &format!("/secrets/{}", f.secret_id), &sato, None).await;
    assert!(page.body.contains("検査基準.txt") && page.body.contains("組立手順.txt"));
    // An employee on the access list sees the list, cannot attach.
    let watanabe = f.session("watanabe").await;
    assert_eq!(f.upload(&path, &watanabe, "x.txt", more.as_bytes(), &[]).await.status, 403);
    // A file with no text is an inline error, not a failure.
    let r = f.upload(&path, &sato, "empty.txt", b"", &[]).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn an_event_batch_keeps_its_good_lines_and_only_an_unreadable_one_is_refused() {
    let f = Fixture::new().await;
    let tanaka = f.token("tanaka", Scope::Write).await;
    let batch = concat!(
        r#"{"@timestamp":"2026-11-02T09:00:00+09:00","event":{"id":"a1","action":"logon"},"user":{"name":"watanabe"}}"#,
        "\n",
        r#"{"@timestamp":"2026-11-02T09:01:00+09:00","event":{"id":"a2","action":"teleport"},"user":{"name":"watanabe"}}"#,
        "\n",
        r#"{"@timestamp":"2026-11-02T09:02:00+09:00","event":{"id":"a3","action":"print"},"user":{"name":"watanabe"}}"#,
        "\n",
    );
    let path = "/api/v1/events?format=jsonl&source=edr";
    let r = f.call(Method::POST, path, &tanaka, Some(batch)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["accepted"].as_u64(), v["duplicates"].as_u64(), v["rejected_total"].as_u64()),
        (Some(2), Some(0), Some(1))
    );
    assert_eq!(v["rejected"][0]["line"], 2);
    assert_eq!(v["rejected"][0]["message"], "field `event.action`: not in the vocabulary");
    // The same batch again: duplicates, still 200.
    let v = f.call(Method::POST, path, &tanaka, Some(batch)).await.json();
    assert_eq!((v["accepted"].as_u64(), v["duplicates"].as_u64()), (Some(0), Some(2)));

    // Nothing readable: 422 with the lines, and nothing recorded.
    let admin = f.token("admin", Scope::Write).await;
    let before = f.call(Method::GET, "/api/v1/audit?action=events.", &admin, None).await.json()["total"].clone();
    let r = f.call(Method::POST, path, &tanaka, Some("garbage\n{}\n")).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let v = r.json();
    assert_eq!(v["code"], "MRH-INPUT-001");
    assert_eq!(v["rejected_total"], 2);
    assert_eq!(v["rejected"][1]["line"], 2);
    assert_eq!(f.call(Method::GET, "/api/v1/audit?action=events.", &admin, None).await.json()["total"], before);
    assert_eq!(before, 2);

    // Parameters are checked; EVTX is for the CLI; the CSV mapping works here too.
    for (query, field) in [
        ("format=xml&source=x", "format"),
        ("format=evtx&source=x", "format"),
        ("format=jsonl&source=x&offset=nine", "offset"),
        ("format=csv&source=x&csv_map=user.name", "csv_map"),
        ("format=jsonl&source=%20", "source"),
    ] {
        let r = f.call(Method::POST, &format!("/api/v1/events?{query}"), &tanaka, Some(batch)).await;
        assert_eq!(
            (r.status.as_u16(), r.json()["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{query}: {}",
            r.body
        );
    }
    assert_eq!(
        f.call(Method::POST, "/api/v1/events?format=jsonl", &tanaka, Some(batch)).await.status,
        400,
        "source is required"
    );
    let csv = "when;who;what\n2026-11-02 10:00:00;watanabe;PRINT\n";
    let query = "/api/v1/events?format=csv&source=print-server&csv_map=%40timestamp%3Dwhen%2Cuser.name%3Dwho%2Cevent.action%3Dwhat&csv_delimiter=%3B&csv_action_values=PRINT%3Dprint";
    let r = f.call(Method::POST, query, &tanaka, Some(csv)).await;
    assert_eq!((r.status.as_u16(), r.json()["accepted"].as_u64()), (200, Some(1)), "{}", r.body);
}

#[tokio::test]
async fn hr_data_and_watchlists_over_the_api() {
    let f = Fixture::new().await;
    let yamada = f.token("yamada", Scope::Write).await;
    let hr =
        "user,notice_date,last_working_day,end_date\nwatanabe,2026-11-01,2026-11-30,2026-12-31\nkato,2026-11-31,,\n";
    let r = f.call_with(Method::POST, "/api/v1/hr", &yamada, Some(hr), &[("accept-language", "en")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (v["inserted"].as_u64(), v["departing_added"].as_u64(), v["rejected_total"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        v["rejected"][0],
        serde_json::json!({"line": 3, "field": "notice_date", "message": "Enter the date as YYYY-MM-DD."})
    );
    let r = f
        .call(Method::POST, "/api/v1/hr", &yamada, Some("user,notice_date,last_working_day,end_date\nkato,x,,\n"))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["rejected"][0]["message"], "日付は YYYY-MM-DD の形式で入力してください。");
    let r = f.call(Method::POST, "/api/v1/hr", &yamada, Some("name,date\n")).await;
    assert_eq!((r.status.as_u16(), r.json()["errors"][0]["field"].as_str()), (422, Some("header")));

    let tanaka = f.token("tanaka", Scope::Read).await;
    let records = f.call(Method::GET, "/api/v1/hr", &tanaka, None).await.json();
    assert_eq!(records[0]["user"], "watanabe");
    let body = r#"{"user":"dba01","note":"本番DB管理者"}"#;
    let r = f.call(Method::POST, "/api/v1/watchlists/privileged", &yamada, Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.json()["source"].as_str(), r.json()["added_by"].as_str()), (Some("manual"), Some("yamada")));
    let users = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|m| format!("{}:{}", m["list"].as_str().unwrap_or(""), m["user"].as_str().unwrap_or("")))
            .collect()
    };
    let all = f.call(Method::GET, "/api/v1/watchlists?as_of=2026-12-01", &tanaka, None).await.json();
    assert_eq!(users(all), ["departing:watanabe", "privileged:dba01"]);
    let later = f.call(Method::GET, "/api/v1/watchlists/departing?as_of=2027-01-01", &tanaka, None).await.json();
    assert!(users(later).is_empty(), "the end date passed");
    assert_eq!(f.call(Method::GET, "/api/v1/watchlists?as_of=tomorrow", &tanaka, None).await.status, 422);
    assert_eq!(f.call(Method::DELETE, "/api/v1/watchlists/privileged/dba01", &yamada, None).await.status, 204);
    assert_eq!(f.call(Method::DELETE, "/api/v1/watchlists/privileged/dba01", &yamada, None).await.status, 404);
    let bad = f.call(Method::POST, "/api/v1/watchlists/privileged", &yamada, Some(r#"{"user":""}"#)).await;
    assert_eq!((bad.status.as_u16(), bad.json()["errors"][0]["field"].as_str()), (422, Some("user")));
}

#[tokio::test]
async fn a_full_server_answers_busy_with_retry_after_on_the_api_and_the_page() {
    let f = Fixture::new().await;
    let svc = f.svc.clone().with_max_extractions(1);
    let f = Fixture {
        app: maruhi_server::app(maruhi_server::AppState::new(svc.clone(), false)),
        svc,
        secret_id: f.secret_id,
    };
    let slot = f.svc.extraction_slot().unwrap();
    let yamada = f.token("yamada", Scope::Write).await;
    let r = f.call(Method::POST, "/api/v1/scan?name=a.txt", &yamada, Some("本文")).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.headers.get("retry-after").unwrap(), "5");
    assert_eq!(r.headers.get("content-type").unwrap(), "application/problem+json");
    assert_eq!(r.json()["code"], "MRH-BUSY-001");
    assert!(r.json().get("operation_id").is_none(), "not a failure of ours");
    let path = format!("/api/v1/secrets/{}/materials?name=a.txt", f.secret_id);
    assert_eq!(f.call(Method::POST, &path, &yamada, Some(MATERIAL)).await.status, 503);
    // The page: the form again with the message, in the user's language.
    let session = f.session("yamada").await;
    let r = f.upload("/scan", &session, "a.txt", b"x", &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.headers.get("retry-after").unwrap(), "5");
    assert!(r.body.contains("少し待ってから再度お試しください") && r.body.contains("id=\"scan-file\""), "{}", r.body);
    let attach = format!("/secrets/{}/materials", f.secret_id);
    let r = f.upload(&attach, &f.session("sato").await, "b.txt", MATERIAL.as_bytes(), &[]).await;
    assert_eq!(r.status, 503);
    drop(slot);
    let r = f.call(Method::POST, "/api/v1/scan?name=a.txt", &yamada, Some(MATERIAL)).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Posts the login form from `peer`, with an `X-Forwarded-For` header.
async fn login_from(app: &axum::Router, peer: &str, forwarded: &str, password: &str) -> crate::Reply {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", forwarded)
        .body(Body::from(format!("username=sato&password={password}")))
        .unwrap();
    let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    crate::Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
}

#[tokio::test]
async fn the_client_address_comes_from_trusted_proxies_only_and_tls_turns_on_hsts() {
    let f = Fixture::new().await;
    let proxies = vec!["10.0.0.0/24".parse().unwrap(), "::1".parse().unwrap()];
    let app = maruhi_server::app(
        maruhi_server::AppState::new(f.svc.clone(), false).with_trusted_proxies(proxies).behind_tls(),
    );
    // Through the proxy: the client named by the proxy backs off...
    // (The fixture's clock is the system's: a second may pass between two
    // attempts, so the backoff is driven until it answers 429.)
    let throttled = |peer: &'static str, forwarded: &'static str| {
        let app = app.clone();
        async move {
            for i in 0..10 {
                let r = login_from(&app, peer, forwarded, "wrong-password-1").await;
                if i < 3 {
                    assert_eq!(r.status, 401, "three free tries");
                } else if r.status == 429 {
                    return r;
                }
            }
            panic!("never throttled");
        }
    };
    let r = throttled("10.0.0.5", "forged, 198.51.100.7").await;
    assert!(r.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // ...while another client behind the same proxy logs in, with a Secure
    // cookie because the server is behind TLS.
    let r = login_from(&app, "10.0.0.5", "198.51.100.8, 10.0.0.9", crate::PW).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("; Secure"));
    assert_eq!(r.headers["strict-transport-security"], "max-age=31536000");
    // Anyone else's X-Forwarded-For is ignored: varying it does not escape
    // the backoff of the real peer.
    for i in 0..3 {
        let r = login_from(&app, "192.0.2.50", &format!("203.0.113.{i}"), "wrong-password-1").await;
        assert_eq!(r.status, 401);
    }
    let mut seen = false;
    for i in 3..10 {
        let r = login_from(&app, "192.0.2.50", &format!("203.0.113.{i}"), "wrong-password-1").await;
        if r.status == 429 {
            seen = true;
            break;
        }
    }
    assert!(seen, "a forged X-Forwarded-For does not escape the backoff");
    // Without --behind-tls: no HSTS.
    let plain = f.call(Method::GET, "/login", &Auth::None, None).await;
    assert!(plain.headers.get("strict-transport-security").is_none());
}

#[tokio::test]
async fn low_findings_of_the_review_stay_fixed() {
    let f = Fixture::new().await;
    // /lang: control characters are refused; only same-site paths.
    for back in ["/%09/evil.example", "/%0d%0aSet-Cookie:x=y", "/%0a/evil.example"] {
        let r = f.call(Method::POST, "/lang", &Auth::None, Some(&format!("lang=en&back={back}"))).await;
        assert_eq!(r.status, 400, "{back}");
    }
    for back in ["//evil.example", "https://evil.example", "/\\evil.example"] {
        let body = format!("lang=en&back={}", back.replace('\\', "%5C"));
        let r = f.call(Method::POST, "/lang", &Auth::None, Some(&body)).await;
        assert_eq!(r.headers["location"], "/", "{back}");
    }
    // A body over the limit is a problem document.
    let token = f.token("tanaka", Scope::Write).await;
    let big = "x".repeat(maruhi_server::MAX_UPLOAD_BYTES + 1);
    let r = f.call(Method::POST, "/api/v1/scan?name=a.txt", &token, Some(&big)).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.json()["code"], "MRH-INPUT-002");
    // Person links are percent-encoded.
    let event = r#"{"@timestamp":"2026-11-02T23:05:00+09:00","event":{"id":"x1","action":"file-copy"},"user":{"name":"a b/c?d"},"file":{"path":"E:\\MX-7.dwg"},"device":{"type":"removable"}}"#;
    let r = f.call(Method::POST, "/api/v1/events?format=jsonl&source=t", &token, Some(event)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.call(Method::POST, "/api/v1/risk/analyse", &token, None).await.status, 200);
    let page = f.call(Method::GET, "/risk?as_of=2026-11-30", &f.session("admin").await, None).await;
    assert!(page.body.contains("/risk/users/a%20b%2Fc%3Fd"), "{}", page.body);
}

#[tokio::test]
async fn every_change_to_what_detection_reads_re_analyses_in_the_background() {
    let f = Fixture::new().await;
    let admin = f.token("admin", Scope::Write).await;
    let analyses = || async {
        f.call(Method::GET, "/api/v1/audit?action=risk.analyse", &admin, None).await.json()["total"]
            .as_u64()
            .unwrap_or(0)
    };
    let wait_for = |n: u64| async move {
        for _ in 0..200 {
            if analyses().await >= n {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    };
    let start = analyses().await;
    let hr = "user,notice_date,last_working_day,end_date\nwatanabe,2026-11-01,2026-11-30,2026-12-31\n";
    assert_eq!(f.call(Method::POST, "/api/v1/hr", &admin, Some(hr)).await.status, 200);
    assert!(wait_for(start + 1).await, "an HR import re-analyses");
    let body = r#"{"user":"vendor.kimura","note":"SES"}"#;
    assert_eq!(f.call(Method::POST, "/api/v1/watchlists/contractors", &admin, Some(body)).await.status, 200);
    assert!(wait_for(start + 2).await, "a watchlist change re-analyses");
}

/// The web form stores the original when asked; the page links it for those
/// entitled, and the link and the API give back the same bytes, named.
#[tokio::test]
async fn an_original_stored_through_the_form_downloads_from_the_page_and_the_api() {
    let f = Fixture::new().await;
    let sato = f.session("sato").await;
    let path = format!("/secrets/{}/materials", f.secret_id);
    let r = f
        .upload(&path, &sato, "組立手順書.txt", crate::MATERIAL.as_bytes(), &[("keep_text", "on"), ("store", "on")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let materials = f.svc.secret_materials(&Actor::operator(), f.secret_id).await.unwrap();
    let stored = materials.iter().find(|m| m.stored).expect("a stored material");
    let link = format!("/secrets/{}/materials/{}/original", f.secret_id, stored.id);

    let page = f.call(Method::GET, &format!("/secrets/{}", f.secret_id), &sato, None).await;
    assert!(page.body.contains(&link), "the manager sees the download link");
    let ito = f.session("ito").await;
    let page = f.call(Method::GET, &format!("/secrets/{}", f.secret_id), &ito, None).await;
    assert!(!page.body.contains(&link), "an auditor does not");

    let r = f.call(Method::GET, &link, &sato, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.bytes, crate::MATERIAL.as_bytes());
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains("filename*=UTF-8''%E7%B5%84"), "{disposition}");
    assert_eq!(r.headers["content-length"], crate::MATERIAL.len().to_string().as_str());

    let token = f.token("watanabe", Scope::Read).await;
    let r = f.call(Method::GET, &format!("/api/v1/materials/{}/original", stored.id), &token, None).await;
    assert_eq!((r.status.as_u16(), r.bytes.as_slice()), (200, crate::MATERIAL.as_bytes()));
    let audit = f.svc.audit_log(&Actor::operator(), Some("material.download"), 1, 10).await.unwrap();
    assert_eq!(audit.total, 2);
}

#[tokio::test]
async fn metrics_are_prometheus_text_for_admins_and_readiness_answers() {
    let f = Fixture::new().await;
    let admin = f.token("admin", Scope::Read).await;
    let r = f.call(Method::GET, "/api/v1/metrics", &admin, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.headers["content-type"].to_str().unwrap_or_default().starts_with("text/plain; version=0.0.4"));
    assert!(r.body.contains("# TYPE maruhi_ledger_entries gauge\nmaruhi_ledger_entries "), "{}", r.body);
    assert!(r.body.contains("maruhi_secrets{level="), "{}", r.body);
    // Every sample line is `name{labels} integer` or `name integer`.
    for line in r.body.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap_or_default();
        assert!(line.starts_with("maruhi_") && value.parse::<i64>().is_ok(), "{line}");
    }
    let anon = f.call(Method::GET, "/readyz", &crate::Auth::None, None).await;
    assert_eq!((anon.status.as_u16(), anon.body.as_str()), (200, "ready"));
}

/// A case through the web and the API: the page shows the journal and the
/// hold, an analyst's release is refused on the case page itself (not an
/// error page), and the export is a zipped bag under `case-N/`.
#[tokio::test]
async fn a_case_page_shows_its_journal_and_refuses_a_release_in_place() {
    let f = Fixture::new().await;
    let tanaka = f.session("tanaka").await;
    let r = f
        .call(Method::POST, "/cases", &tanaka, Some("title=MX-7%E3%81%AE%E6%8C%81%E5%87%BA%E3%81%97&severity=high"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = r.headers["location"].to_str().unwrap().to_owned();
    let id: i64 = page.trim_start_matches("/cases/").parse().unwrap();
    assert_eq!(f.call(Method::POST, &format!("{page}/hold"), &tanaka, Some("reason=x")).await.status, 303);
    let r = f.call(Method::GET, &page, &tanaka, None).await;
    assert!(r.body.contains("MX-7の持出し") && r.body.contains("id=\"release-hold\""), "{}", r.body);
    assert!(r.body.contains("訴訟ホールド中"), "the hold is shown");
    let r = f.call(Method::POST, &format!("{page}/release"), &tanaka, Some("reason=y")).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("id=\"case-error\"") && r.body.contains("MX-7の持出し"), "the case page with the refusal");
    let listed = f.call(Method::GET, "/cases", &tanaka, None).await;
    assert!(listed.body.contains("MX-7の持出し") && listed.body.contains("badge hold"), "{}", listed.body);
    assert!(!f.call(Method::GET, "/cases", &f.session("sato").await, None).await.body.contains("MX-7の持出し"));
    let legal = f.token("yamada", Scope::Write).await;
    let r = f.call(Method::GET, &format!("/api/v1/cases/{id}/export"), &legal, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/zip");
    assert!(r.bytes.starts_with(b"PK\x03\x04"));
    let has = |name: &str| r.bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has(&format!("case-{id}/bagit.txt")) && has(&format!("case-{id}/data/journal.json")));
    let r = f.call(Method::POST, &format!("/api/v1/cases/{id}/release"), &legal, Some(r#"{"reason":"和解"}"#)).await;
    assert_eq!(r.status, 200);
    assert!(r.json()["hold_since"].is_null());
}

/// The dashboard lists the viewer's reminders with links, in both
/// languages; acknowledging takes the reminder away.
#[tokio::test]
async fn the_dashboard_lists_your_reminders_with_links() {
    let f = Fixture::new().await;
    let s = f.session("watanabe").await;
    let link = format!("href=\"/secrets/{}\"", f.secret_id);
    let ja = f.call(Method::GET, "/", &s, None).await;
    assert!(ja.body.contains("あなたの対応事項"), "{}", ja.body);
    assert!(ja.body.contains(&format!("{link}>取扱ルールの確認・誓約をしてください: MX-7 組立図</a>")), "{}", ja.body);
    let en = f.call_with(Method::GET, "/", &s, None, &[("cookie", "maruhi_lang=en")]).await;
    assert!(en.body.contains("Your reminders"));
    assert!(en.body.contains(&format!("{link}>Please acknowledge the handling rules: MX-7 組立図</a>")), "{}", en.body);
    let watanabe = f.svc.login("watanabe", crate::PW, "127.0.0.1").await.unwrap().1.actor;
    f.svc.acknowledge(&watanabe, f.secret_id).await.unwrap();
    let ja = f.call(Method::GET, "/", &s, None).await;
    assert!(!ja.body.contains("取扱ルールの確認・誓約をしてください"), "{}", ja.body);
}

#[tokio::test]
async fn the_assessment_page_shows_scores_next_steps_and_history_in_both_languages() {
    let f = Fixture::new().await;
    let yamada = f.session("yamada").await;
    let r = f
        .call(Method::POST, "/assessment/answers", &yamada, Some("item=T01&answer=partly&note=%E8%8D%89%E6%A1%88"))
        .await;
    assert_eq!(r.status, 303);
    let r = f.call(Method::POST, "/assessment/save", &yamada, None).await;
    assert_eq!(r.status, 303);
    let ja = f.call(Method::GET, "/assessment", &yamada, None).await;
    assert_eq!(ja.status, 200);
    for text in [
        "接近の制御",
        "持出し困難化",
        "視認性の確保",
        "秘密情報に対する認識向上",
        "信頼関係の維持・向上",
        "次の一手",
        "一部: 草案",
        "スコアの推移",
        "action=\"/assessment/answers\"",
    ] {
        assert!(ja.body.contains(text), "{text} missing");
    }
    let en = f.call_with(Method::GET, "/assessment", &yamada, None, &[("accept-language", "en")]).await;
    assert!(
        en.body.contains("Make taking out hard") && en.body.contains("Scores over time") && en.body.contains("Partly")
    );
    // Auditors read, without the forms.
    let ito = f.session("ito").await;
    let r = f.call(Method::GET, "/assessment", &ito, None).await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("action=\"/assessment/answers\"") && !r.body.contains("action=\"/assessment/save\""));
    // The standalone report carries its stylesheet and no form.
    let op = maruhi_service::Actor::operator();
    let a = f.svc.assessment(&op).await.unwrap();
    let history = f.svc.assessment_history(&op, 10).await.unwrap();
    let html = maruhi_server::pages::assess::assessment_report(&a, &history, maruhi_service::i18n::Lang::Ja).unwrap();
    assert!(html.contains("自己評価報告書") && html.contains("<style>") && !html.contains("<form"));
}

/// A deep link survives the login: the login form carries the page as a
/// local `next`, and anything that is not a local path is dropped.
#[tokio::test]
async fn a_deep_link_survives_the_login_and_next_is_local_only() {
    let f = Fixture::new().await;
    let r = f.call(Method::GET, "/alerts/16?x=1", &Auth::None, None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/login?next=%2Falerts%2F16%3Fx%3D1");
    let form = f.call(Method::GET, "/login?next=%2Falerts%2F16%3Fx%3D1", &Auth::None, None).await;
    assert!(form.body.contains(r#"name="next" value="/alerts/16?x=1""#), "{}", form.body);
    for evil in
        ["//evil.example/", "https://evil.example/", "/\\evil.example", "/%09/evil.example", "javascript:alert(1)"]
    {
        let form = f.call(Method::GET, &format!("/login?next={}", evil.replace('/', "%2F")), &Auth::None, None).await;
        assert!(!form.body.contains(r#"name="next""#), "{evil} kept: {}", form.body);
    }
    let login = |next: &'static str| {
        let f = &f;
        async move {
            let body = format!("username=tanaka&password={}&next={next}", crate::PW);
            f.call(Method::POST, "/login", &Auth::None, Some(&body)).await
        }
    };
    assert_eq!(login("%2Falerts%2F16").await.headers["location"], "/alerts/16");
    assert_eq!(login("%2F%2Fevil.example").await.headers["location"], "/");
    assert_eq!(login("https%3A%2F%2Fevil.example").await.headers["location"], "/");
    // A form post that needs a login does not become a link to it.
    let r = f.call(Method::POST, "/alerts/bulk", &Auth::None, Some("status=new")).await;
    assert_eq!(r.headers["location"], "/login");
}

/// Unknown addresses and errors render inside the layout, with the menu of
/// whoever is signed in.
#[tokio::test]
async fn error_pages_and_unknown_addresses_keep_the_menu() {
    let f = Fixture::new().await;
    let tanaka = f.session("tanaka").await;
    let r = f.call(Method::GET, "/no/such/page", &tanaka, None).await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains(r#"nav aria-label="main""#) && r.body.contains("MRH-NOTFOUND-001"), "{}", r.body);
    let r = f.call(Method::GET, "/alerts/999999", &tanaka, None).await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains(r#"href="/alerts""#), "the analyst's menu: {}", r.body);
    let r = f.call(Method::GET, "/no/such/page", &Auth::None, None).await;
    assert_eq!(r.status, 404);
    assert!(!r.body.contains(r#"nav aria-label="main""#));
}

/// Each role's dashboard shows the work waiting for it: the analyst open
/// alerts and people at risk, auditors and legal the latest changes, and a
/// 管理責任者 who has not acknowledged their secret, by name.
#[tokio::test]
async fn dashboards_show_each_role_its_work_and_link_every_number() {
    let f = Fixture::new().await;
    let analyst = f.call(Method::GET, "/", &f.session("tanaka").await, None).await;
    assert!(analyst.body.contains(r#"id="work-alerts""#) && analyst.body.contains(r#"id="work-people""#));
    assert!(!analyst.body.contains(r#"id="work-recent""#), "analysts do not read the audit log");
    let legal = f.call(Method::GET, "/", &f.session("yamada").await, None).await;
    assert!(legal.body.contains(r#"id="work-recent""#) && legal.body.contains(r#"id="work-findings""#));
    assert!(legal.body.contains(r#"<a href="/acknowledgements#outstanding" id="acks-total">"#), "{}", legal.body);
    let employee = f.call(Method::GET, "/", &f.session("kato").await, None).await;
    assert!(!employee.body.contains("work-alerts") && !employee.body.contains("work-recent"));
    let sato = f.session("sato").await;
    let acks = f.call(Method::GET, "/acknowledgements", &sato, None).await;
    assert!(acks.body.contains(&format!(r#"id="gap-{}""#, f.secret_id)), "{}", acks.body);
    assert!(acks.body.contains("watanabe"), "the manager sees who has not acknowledged: {}", acks.body);
    let kato = f.call(Method::GET, "/acknowledgements", &f.session("kato").await, None).await;
    assert!(!kato.body.contains(r#"id="outstanding""#));
}

/// A secret's page lists its exact-data-match datasets (name, rows, columns
/// and their types), never a value; others do not see the secret at all.
#[tokio::test]
async fn a_secrets_page_lists_its_customer_datasets() {
    let mut f = Fixture::new().await;
    let dir = std::env::temp_dir().join(format!("maruhi-server-edm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let svc = f.svc.clone().with_edm_dir(&dir);
    f.app = maruhi_server::app(maruhi_server::AppState::new(svc.clone(), false));
    let csv = "会員番号,氏名,電話番号\nM-0001,山田 太郎,03-1234-5678\nM-0002,佐藤 花子,090-8765-4321\n";
    let op = Actor::operator();
    svc.edm_add(&op, "会員名簿", Some(f.secret_id), std::io::Cursor::new(csv.as_bytes().to_vec()), None).await.unwrap();
    let sato = f.session("sato").await;
    let page = f.call(Method::GET, &format!("/secrets/{}", f.secret_id), &sato, None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"edm-datasets\"") && page.body.contains("会員名簿"), "{}", page.body);
    assert!(page.body.contains("(phone)"), "columns are shown with their types");
    assert!(!page.body.contains("山田 太郎") && !page.body.contains("03-1234-5678"), "no value is shown");
    let kato = f.session("kato").await;
    assert_eq!(f.call(Method::GET, &format!("/secrets/{}", f.secret_id), &kato, None).await.status, 404);
    let _ = std::fs::remove_dir_all(&dir);
}
