//! The web UI in headless Chromium (Debian's chromium and chromedriver), as a
//! user would click through it: log in, register a secret in Japanese, find
//! it, open it, switch to English, and check that an employee without access
//! does not see it; then an analyst triages an insider-risk alert, opens a
//! case from it, writes in its journal, places it under legal hold and
//! exports its evidence package.

use std::process::Command;
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::{bin, data_dir, free_port, spawn, wait_http, Proc};

/// `maruhi demo` and a headless Chromium driven through chromedriver, with
/// the browser's console log kept (`goog:loggingPrefs`).
pub(crate) struct Browser {
    pub client: fantoccini::Client,
    pub base: String,
    pub dir: std::path::PathBuf,
    driver_port: u16,
    _server: Proc,
    _driver: Proc,
}

impl Browser {
    pub async fn start(name: &str) -> Browser {
        let dir = data_dir(name);
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut demo = bin();
        demo.arg("--data-dir").arg(dir.join("data")).args(["demo", "--listen", &format!("127.0.0.1:{port}")]);
        let server = spawn(demo);
        let driver_port = free_port();
        let mut driver = Command::new("chromedriver");
        driver.arg(format!("--port={driver_port}"));
        let driver = spawn(driver);
        wait_http(&format!("{base}/healthz")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--lang=ja", "--window-size=1366,900"],
                "prefs": {"intl.accept_languages": "ja"}
            }),
        );
        caps.insert("goog:loggingPrefs".into(), serde_json::json!({"browser": "ALL"}));
        let mut client = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{driver_port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let client = client.expect("chromedriver session");
        Browser { client, base, dir, driver_port, _server: server, _driver: driver }
    }

    /// The browser console's messages at level SEVERE since the last call
    /// (chromedriver's log endpoint hands each message out once).
    pub async fn console_errors(&self) -> Vec<String> {
        let id = self.client.session_id().await.expect("session").expect("a session id");
        let resp = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/session/{id}/se/log", self.driver_port))
            .json(&serde_json::json!({"type": "browser"}))
            .send()
            .await
            .expect("log");
        let v: serde_json::Value = resp.json().await.expect("log json");
        v["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["level"] == "SEVERE")
            .map(|m| m["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

async fn login(c: &fantoccini::Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    c.find(Locator::Id("username")).await.expect("field").send_keys(user).await.expect("type");
    c.find(Locator::Id("password")).await.expect("field").send_keys("maruhi-demo-2026").await.expect("type");
    c.find(Locator::Css("form[action='/login'] button")).await.expect("button").click().await.expect("click");
    c.wait().for_element(Locator::Css("nav[aria-label=main]")).await.expect("logged in");
}

async fn logout(c: &fantoccini::Client) {
    c.find(Locator::Css("form[action='/logout'] button")).await.expect("logout").click().await.expect("click");
    c.wait().for_element(Locator::Id("username")).await.expect("back at login");
}

#[tokio::test]
async fn register_find_open_switch_language_and_need_to_know() {
    let b = Browser::start("browser").await;
    let (c, base, d) = (&b.client, b.base.as_str(), b.dir.as_path());

    // Log in as the 設計部 manager and register a secret in Japanese.
    login(c, base, "sato").await;
    c.goto(&format!("{base}/secrets/new")).await.expect("form");
    c.find(Locator::Id("title")).await.expect("title").send_keys("新型ギアボックス 熱処理条件").await.expect("type");
    c.find(Locator::Id("summary")).await.expect("summary").send_keys("浸炭焼入れの温度と時間").await.expect("type");
    c.find(Locator::Css("#category option[value=process]")).await.expect("category").click().await.expect("pick");
    c.find(Locator::Css("#level option[value='極秘']")).await.expect("level").click().await.expect("pick");
    c.find(Locator::Id("grants")).await.expect("grants").send_keys("group:設計部").await.expect("type");
    c.find(Locator::Id("save")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::Id("history")).await.expect("detail page");
    let h1 = c.find(Locator::Css("h1")).await.expect("h1").text().await.expect("text");
    assert!(h1.contains("新型ギアボックス 熱処理条件"), "{h1}");

    // Find it in the register by searching.
    c.goto(&format!("{base}/secrets")).await.expect("list");
    c.find(Locator::Css("input[name=q]")).await.expect("search").send_keys("ギアボックス").await.expect("type");
    c.find(Locator::Css("form.filters button")).await.expect("filter").click().await.expect("click");
    // The list page before the search has a result count too: wait for the
    // search's own page, or the old element may go stale under us.
    for _ in 0..100 {
        if c.current_url().await.expect("url").query().is_some_and(|q| q.contains("q=")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.wait().for_element(Locator::Id("result-count")).await.expect("results");
    let count = c.find(Locator::Id("result-count")).await.expect("count").text().await.expect("text");
    assert!(count.starts_with("1 "), "{count}");
    c.find(Locator::LinkText("新型ギアボックス 熱処理条件")).await.expect("row").click().await.expect("open");
    c.wait().for_element(Locator::Id("history")).await.expect("detail");
    let url = c.current_url().await.expect("url");

    // Switch to English on the same page.
    c.find(Locator::Css("form[action='/lang'] button")).await.expect("switch").click().await.expect("click");
    // The old page has a history too: wait for the English one.
    c.wait().for_element(Locator::Css("html[lang=en] #history")).await.expect("detail again");
    assert_eq!(c.current_url().await.expect("url"), url);
    let body = c.find(Locator::Css("body")).await.expect("body").text().await.expect("text");
    assert!(body.contains("Who may access (need-to-know)") && body.contains("History"), "not English");
    logout(c).await;

    // An employee of another department does not learn that it exists.
    login(c, base, "kato").await;
    c.goto(&format!("{base}/secrets")).await.expect("list");
    let body = c.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(!body.contains("ギアボックス"), "the title leaked to an employee without access");
    c.goto(url.as_str()).await.expect("direct link");
    let body = c.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(body.contains("404") && !body.contains("ギアボックス"), "{body}");
    c.goto(&format!("{base}/risk")).await.expect("risk page");
    let body = c.find(Locator::Css("main")).await.expect("main").text().await.expect("text");
    assert!(body.contains("403"), "an employee does not see people's risk scores: {body}");
    c.goto(&format!("{base}/")).await.expect("home");
    logout(c).await;

    // The analyst works the demo's insider-risk alerts: ranked people, one
    // person's timeline, an alert's evidence, a triage decision.
    login(c, base, "tanaka").await;
    c.find(Locator::Css("nav a[href='/risk']")).await.expect("risk link").click().await.expect("click");
    c.wait().for_element(Locator::Id("ranked")).await.expect("ranked people");
    let first = c.find(Locator::Css("#ranked a.risk-user")).await.expect("first person");
    let person = first.text().await.expect("name");
    first.click().await.expect("open person");
    c.wait().for_element(Locator::Id("timeline")).await.expect("timeline");
    let h1 = c.find(Locator::Css("h1")).await.expect("h1").text().await.expect("text");
    assert!(h1.contains(&person), "{h1}");
    c.goto(&format!("{base}/alerts")).await.expect("alerts");
    c.find(Locator::Css("#alerts a.alert-link")).await.expect("an alert").click().await.expect("open alert");
    c.wait().for_element(Locator::Id("evidence")).await.expect("evidence");
    let rows = c.find_all(Locator::Css("#evidence tbody tr")).await.expect("rows");
    assert!(!rows.is_empty(), "an alert shows its evidence events");
    c.find(Locator::Css("#triage-status option[value=investigating]"))
        .await
        .expect("status")
        .click()
        .await
        .expect("pick");
    c.find(Locator::Id("triage-comment")).await.expect("comment").send_keys("本人の上長に確認中").await.expect("type");
    c.find(Locator::Id("triage-save")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::Id("alert-comment")).await.expect("decision recorded");
    let status = c.find(Locator::Id("alert-status")).await.expect("status").text().await.expect("text");
    assert!(status.contains("Investigating"), "{status}");
    case_from_alert(c, base, d).await;
}

/// The rows of the case page's journal, once there are `n` of them.
async fn journal_rows(c: &fantoccini::Client, n: usize) -> Vec<fantoccini::elements::Element> {
    for _ in 0..100 {
        if let Ok(rows) = c.find_all(Locator::Css("#journal-entries tbody tr")).await {
            if rows.len() == n {
                return rows;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the journal did not reach {n} entries");
}

/// On an alert's page: opens a case from it, writes two journal entries
/// (the second corrects the first and attaches a file), places the case
/// under legal hold, is refused the release (legal's decision), and
/// downloads the evidence package with the browser's session.
async fn case_from_alert(c: &fantoccini::Client, base: &str, d: &std::path::Path) {
    c.find(Locator::Id("open-case")).await.expect("open a case").click().await.expect("click");
    c.wait().for_element(Locator::Id("journal")).await.expect("case page");
    let url = c.current_url().await.expect("url");
    let id: i64 = url.path().trim_start_matches("/cases/").parse().expect("case id");
    let h1 = c.find(Locator::Id("case-title")).await.expect("h1").text().await.expect("text");
    assert!(h1.starts_with(&format!("#{id} ")), "{h1}");
    let links = c.find(Locator::Id("case-links")).await.expect("links").text().await.expect("text");
    assert!(links.contains("Alert") && links.contains("Person"), "the case concerns the alert and its person: {links}");
    journal_rows(c, 1).await;

    // Two entries: a note, then a correction of it with a file attached.
    c.find(Locator::Id("note-text"))
        .await
        .expect("text")
        .send_keys("上長から聴取。USBメモリへの複写を本人が認めた。")
        .await
        .expect("type");
    c.find(Locator::Id("note-save")).await.expect("save").click().await.expect("click");
    let rows = journal_rows(c, 2).await;
    let note_id = rows[1].attr("id").await.expect("attr").unwrap_or_default().trim_start_matches("entry-").to_owned();
    let memo = d.join("聴取メモ.txt");
    std::fs::write(&memo, "2026-11-30 10:00 会議室B 同席: 人事部長\n").expect("memo");
    c.find(Locator::Id("note-text"))
        .await
        .expect("text")
        .send_keys("訂正: 複写は2回（11/28と11/29）。")
        .await
        .expect("type");
    c.find(Locator::Id("note-refers")).await.expect("refers").send_keys(&note_id).await.expect("type");
    c.find(Locator::Id("note-files")).await.expect("files").send_keys(&memo.to_string_lossy()).await.expect("attach");
    c.find(Locator::Id("note-save")).await.expect("save").click().await.expect("click");
    let rows = journal_rows(c, 3).await;
    let correction = rows[2].text().await.expect("text");
    assert!(correction.contains(&format!("#{note_id}")) && correction.contains("聴取メモ.txt"), "{correction}");
    assert!(correction.contains("SHA-256"), "an attachment shows its hash: {correction}");

    // A checklist step, then the legal hold.
    c.find(Locator::Id("step-text-preserve"))
        .await
        .expect("step")
        .send_keys("PCとUSBメモリを保全")
        .await
        .expect("type");
    c.find(Locator::Css("#step-preserve button")).await.expect("record").click().await.expect("click");
    c.wait().for_element(Locator::Css("#step-preserve .step-done")).await.expect("step recorded");
    c.find(Locator::Id("hold-reason")).await.expect("reason").send_keys("訴訟の準備").await.expect("type");
    c.find(Locator::Id("place-hold")).await.expect("hold").click().await.expect("click");
    c.wait().for_element(Locator::Id("release-hold")).await.expect("on hold");
    let hold = c.find(Locator::Id("case-hold")).await.expect("hold").text().await.expect("text");
    assert!(hold.contains("legal hold since"), "{hold}");
    journal_rows(c, 5).await;

    // Releasing is legal's decision: the page says so and keeps the hold.
    c.find(Locator::Id("release-reason")).await.expect("reason").send_keys("不要になった").await.expect("type");
    c.find(Locator::Id("release-hold")).await.expect("release").click().await.expect("click");
    c.wait().for_element(Locator::Id("case-error")).await.expect("refusal shown");
    assert!(c.find(Locator::Id("release-hold")).await.is_ok(), "still on hold");
    // The whole page in Japanese, for whoever looks at the test's output.
    c.goto(url.as_str()).await.expect("case page");
    c.find(Locator::Css("form[action='/lang'] button")).await.expect("switch").click().await.expect("click");
    c.wait().for_element(Locator::Css("html[lang=ja] #journal")).await.expect("case page");
    let hold = c.find(Locator::Id("case-hold")).await.expect("hold").text().await.expect("text");
    assert!(hold.contains("訴訟ホールド中"), "{hold}");
    c.set_window_size(1366, 2800).await.expect("resize");
    std::fs::write(d.join("case-page.png"), c.screenshot().await.expect("screenshot")).expect("save screenshot");
    c.set_window_size(1366, 900).await.expect("resize");

    // The export link downloads the package with the browser's session.
    let href = c.find(Locator::Id("case-export")).await.expect("export").attr("href").await.expect("href");
    assert_eq!(href.as_deref(), Some(format!("/cases/{id}/evidence.zip").as_str()));
    let session = c.get_named_cookie("maruhi_session").await.expect("session cookie");
    let resp = reqwest::Client::new()
        .get(format!("{base}/cases/{id}/evidence.zip"))
        .header("cookie", format!("maruhi_session={}", session.value()))
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(content_type, "application/zip");
    let bytes = resp.bytes().await.expect("body").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let names: Vec<String> = zip.file_names().map(|n| n.expect("name").into_owned()).collect();
    for want in ["bagit.txt", "data/journal.json", "data/custody.json"] {
        assert!(names.contains(&format!("case-{id}/{want}")), "case-{id}/{want} missing: {names:?}");
    }
    assert!(
        names.iter().any(|n| n.starts_with(&format!("case-{id}/data/files/")) && n.ends_with("聴取メモ.txt")),
        "{names:?}"
    );
    let mut journal = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name(&format!("case-{id}/data/journal.json")).expect("journal"),
        &mut journal,
    )
    .expect("read");
    let journal: serde_json::Value = serde_json::from_str(&journal).expect("json");
    let kinds: Vec<&str> =
        journal["entries"].as_array().expect("entries").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["opened", "note", "correction", "checklist", "hold"]);
}

/// Waits until the page's URL satisfies `ok` (a click's navigation is done).
async fn wait_url(c: &fantoccini::Client, ok: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let url = c.current_url().await.expect("url").to_string();
        if ok(&url) {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page did not change as expected: {}", c.current_url().await.expect("url"));
}

/// The text of the element `css` selects, once the page holding it stays
/// (an element of a page being replaced goes stale under us).
async fn text(c: &fantoccini::Client, css: &str) -> String {
    for _ in 0..50 {
        if let Ok(e) = c.wait().for_element(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                return t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no stable {css}");
}

/// Visits `paths` in Japanese and in English, saving a screenshot of each
/// under `screens/` and failing on any console error (a CSP violation, a
/// failed load): every page must render cleanly for `who`.
async fn visit_all(b: &Browser, who: &str, paths: &[&str]) {
    let c = &b.client;
    let screens = b.dir.join("screens");
    std::fs::create_dir_all(&screens).expect("screens");
    for lang in ["ja", "en"] {
        for path in paths {
            c.goto(&format!("{}{path}", b.base)).await.expect("page");
            c.wait().for_element(Locator::Css("main")).await.expect("main");
            let switch = c.find(Locator::Css("form[action='/lang'] button")).await.expect("switch");
            if switch.attr("lang").await.expect("lang").as_deref() == Some(lang) {
                switch.click().await.expect("switch language");
            }
            c.wait().for_element(Locator::Css(&format!("html[lang={lang}] main"))).await.expect("main");
            let name = format!("{who}{}-{lang}.png", path.replace(['/', '?', '=', '&'], "_"));
            let height = c
                .execute("return document.documentElement.scrollHeight", vec![])
                .await
                .ok()
                .and_then(|v| v.as_u64())
                .unwrap_or(900)
                .clamp(900, 4000);
            c.set_window_size(1366, height as u32).await.expect("resize");
            std::fs::write(screens.join(name), c.screenshot().await.expect("screenshot")).expect("save");
            c.set_window_size(1366, 900).await.expect("resize");
            let errors = b.console_errors().await;
            assert!(errors.is_empty(), "{who} {path} ({lang}): console errors {errors:?}");
        }
    }
    // Back to Japanese for whoever comes next.
    c.goto(&format!("{}/", b.base)).await.expect("home");
    let switch = c.find(Locator::Css("form[action='/lang'] button")).await.expect("switch");
    if switch.attr("lang").await.expect("lang").as_deref() == Some("ja") {
        switch.click().await.expect("switch language");
    }
    c.wait().for_element(Locator::Css("html[lang=ja] main")).await.expect("main");
}

/// Each role's Monday morning, as in issue 17: the analyst reaches an alert
/// from a deep link through the login, triages from the dashboard in three
/// clicks, keeps the form's input on an error and records one decision for
/// several alerts; the 管理責任者 finds who has not acknowledged and is told
/// that a change of rules needs everyone again; legal downloads a secret's
/// history with a proof. Every page each of them sees renders without a
/// console error, in Japanese and in English.
#[tokio::test]
async fn each_role_finds_its_work_and_no_page_has_console_errors() {
    let b = Browser::start("browser-roles").await;
    let (c, base) = (&b.client, b.base.as_str());

    // A deep link survives the login.
    c.goto(&format!("{base}/alerts/3")).await.expect("deep link");
    c.wait().for_element(Locator::Id("username")).await.expect("login form");
    c.find(Locator::Id("username")).await.expect("field").send_keys("tanaka").await.expect("type");
    c.find(Locator::Id("password")).await.expect("field").send_keys("maruhi-demo-2026").await.expect("type");
    c.find(Locator::Css("form[action='/login'] button")).await.expect("button").click().await.expect("click");
    wait_url(c, |u| u.ends_with("/alerts/3")).await;
    c.wait().for_element(Locator::Id("evidence")).await.expect("the alert");
    let actions = text(c, "#evidence tbody").await;
    assert!(!actions.contains("file-write") && !actions.contains("file-upload"), "actions in words: {actions}");

    // The triage form keeps its input on an error, and the message and
    // the field speak of the same thing (a reason).
    c.find(Locator::Css("#triage-status option[value=dismissed]")).await.expect("status").click().await.expect("pick");
    c.find(Locator::Id("triage-save")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::Id("triage-error")).await.expect("the error");
    let chosen = c.find(Locator::Css("#triage-status option:checked")).await.expect("chosen").attr("value").await;
    assert_eq!(chosen.expect("value").as_deref(), Some("dismissed"), "the chosen status is kept");
    let message = text(c, "#triage-error").await;
    let label = text(c, "label[for=triage-comment]").await;
    assert!(message.contains("理由") && label.contains("理由"), "{message} / {label}");

    // From the dashboard to a decision in three clicks.
    c.goto(&format!("{base}/")).await.expect("dashboard");
    let high = c.find(Locator::Id("open-high-new")).await.expect("open high alerts");
    let count: usize = high.text().await.expect("count").parse().expect("a number");
    assert!(count > 0, "the analyst lands on the work waiting");
    high.click().await.expect("click 1");
    c.wait().for_element(Locator::Id("alerts")).await.expect("the list");
    let rows = c.find_all(Locator::Css("#alerts tbody tr")).await.expect("rows");
    assert_eq!(rows.len(), count, "the number links to exactly those alerts");
    c.find(Locator::Css("#alerts a.row-link")).await.expect("first").click().await.expect("click 2");
    c.wait().for_element(Locator::Id("triage")).await.expect("the alert");
    let url = c.current_url().await.expect("url");
    c.find(Locator::Css("#triage-status option[value=investigating]")).await.expect("s").click().await.expect("pick");
    c.find(Locator::Id("triage-comment")).await.expect("comment").send_keys("上長に確認中").await.expect("type");
    c.find(Locator::Id("triage-save")).await.expect("save").click().await.expect("click 3");
    c.wait().for_element(Locator::Id("alert-history")).await.expect("the record");
    let record = text(c, "#alert-history").await;
    assert!(
        record.contains("tanaka") && record.contains("未対応 → 調査中") && record.contains("上長に確認中"),
        "{record}"
    );
    assert_eq!(c.current_url().await.expect("url").path(), url.path());
    // The analyst takes the alert; the record says who gave it to whom.
    c.find(Locator::Css("#assignee option[value=tanaka]")).await.expect("me").click().await.expect("pick");
    c.find(Locator::Id("assign-save")).await.expect("assign").click().await.expect("click");
    for _ in 0..100 {
        if text(c, "#alert-history").await.contains("担当者: — → tanaka") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text(c, "#alert-history").await.contains("担当者: — → tanaka"));
    assert!(text(c, "#alert-assignee").await.contains("tanaka"));
    c.goto(&format!("{base}/alerts?assignee=tanaka")).await.expect("mine");
    assert_eq!(c.find_all(Locator::Css("#alerts tbody tr")).await.expect("rows").len(), 1, "assigned to me");

    // One decision for several alerts.
    c.goto(&format!("{base}/alerts?status=new&severity=medium")).await.expect("list");
    let boxes = c.find_all(Locator::Css("#alerts input[type=checkbox]")).await.expect("boxes");
    assert!(boxes.len() >= 2, "medium alerts in the demo");
    for b in boxes.iter().take(2) {
        b.click().await.expect("tick");
    }
    c.find(Locator::Css("#bulk-status option[value=dismissed]")).await.expect("s").click().await.expect("pick");
    c.find(Locator::Id("bulk-comment")).await.expect("comment").send_keys("業務上の送付と確認").await.expect("type");
    c.find(Locator::Id("bulk-save")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::Id("bulk-done")).await.expect("done");
    assert!(text(c, "#bulk-done").await.ends_with(": 2"));
    let left = c.find_all(Locator::Css("#alerts tbody tr")).await.map(|r| r.len()).unwrap_or(0);
    assert_eq!(left, boxes.len() - 2, "the two left the list of new alerts");

    // Ticking a group (one person, one rule) decides every alert in it.
    c.goto(&format!("{base}/alerts?status=new&group=1")).await.expect("grouped");
    let group = c.find(Locator::Css("#alerts input[name^=g]")).await.expect("a group of alerts");
    let size = group.attr("name").await.expect("name").expect("g…").split('-').count();
    group.click().await.expect("tick");
    c.find(Locator::Css("#bulk-status option[value=investigating]")).await.expect("s").click().await.expect("pick");
    c.find(Locator::Id("bulk-save")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::Id("bulk-done")).await.expect("done");
    assert!(text(c, "#bulk-done").await.ends_with(&format!(": {size}")), "the whole group of {size}");

    let person = c.find(Locator::Css("#alerts td.above a")).await.expect("person").attr("href").await.expect("href");
    let person = person.expect("a person");
    visit_all(&b, "analyst", &["/", "/alerts", "/alerts?group=1", "/alerts/3", "/risk", &person]).await;
    // An unknown address is a 404 inside the layout (its own load is the
    // one console message expected).
    c.goto(&format!("{base}/no/such/page")).await.expect("404");
    assert!(text(c, "main").await.contains("404"));
    assert!(c.find(Locator::Css("nav[aria-label=main]")).await.is_ok(), "the menu stays");
    let errors = b.console_errors().await;
    assert!(errors.iter().all(|e| e.contains("/no/such/page")), "{errors:?}");
    logout(c).await;

    // The 管理責任者 finds who has not acknowledged, and a change of the
    // rules tells them everyone must acknowledge again.
    login(c, base, "sato").await;
    c.goto(&format!("{base}/acknowledgements")).await.expect("acks");
    c.wait().for_element(Locator::Id("outstanding")).await.expect("who has not acknowledged");
    let gap = c.find(Locator::Css("#outstanding details")).await.expect("a secret");
    gap.find(Locator::Css("summary")).await.expect("summary").click().await.expect("open");
    let who = gap.text().await.expect("text");
    assert!(!gap.find_all(Locator::Css("tbody tr")).await.expect("people").is_empty(), "{who}");
    let secret = gap.attr("id").await.expect("id").expect("gap-N").trim_start_matches("gap-").to_owned();
    c.goto(&format!("{base}/secrets/{secret}/edit")).await.expect("edit");
    c.find(Locator::Id("handling_rules"))
        .await
        .expect("rules")
        .send_keys("\n追加: 持ち出しは部長の承認を要する。")
        .await
        .expect("type");
    c.find(Locator::Id("save")).await.expect("save").click().await.expect("click");
    c.wait().for_element(Locator::Id("saved")).await.expect("saved");
    assert!(c.find(Locator::Id("reack")).await.is_ok(), "the re-acknowledgement notice");
    let history = text(c, "#history").await;
    assert!(history.contains("取扱ルール") && history.contains("追加: 持ち出しは部長の承認を要する。"), "{history}");
    assert!(!history.contains("閲覧"), "views are not changes: {history}");
    let status_default = c.find(Locator::Css("#new-status option:checked")).await.expect("o").attr("value").await;
    assert_eq!(status_default.expect("v").as_deref(), Some(""), "no status is chosen for the user");
    visit_all(&b, "manager", &["/", "/acknowledgements", &format!("/secrets/{secret}"), "/secrets"]).await;
    logout(c).await;

    // Legal downloads the secret's history with a proof per event; the
    // event number is the same on the page, in the audit log and its CSV.
    login(c, base, "yamada").await;
    c.goto(&format!("{base}/secrets/{secret}")).await.expect("secret");
    let proof = c.find(Locator::Css("#history tbody tr a[download]")).await.expect("a proof link");
    let number = proof.text().await.expect("number");
    let href = proof.attr("href").await.expect("href").expect("a link");
    let session = c.get_named_cookie("maruhi_session").await.expect("session cookie");
    let get = |path: String| {
        let cookie = format!("maruhi_session={}", session.value());
        async move {
            reqwest::Client::new().get(format!("{base}{path}")).header("cookie", cookie).send().await.expect("get")
        }
    };
    assert_eq!(get(href).await.status(), 200);
    c.goto(&format!("{base}/audit?object_type=secret&object_id={secret}")).await.expect("audit");
    assert!(text(c, "#audit-log").await.contains(&number), "{number} in the audit log");
    let csv = get(format!("/audit/export.csv?object_type=secret&object_id={secret}")).await.text().await.expect("csv");
    assert!(csv.contains(number.trim_start_matches('#')) && csv.contains("+09:00"), "{csv}");
    visit_all(&b, "legal", &["/", "/audit", &format!("/secrets/{secret}"), "/alerts", "/risk"]).await;
}
