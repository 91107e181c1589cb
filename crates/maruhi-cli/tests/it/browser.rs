//! The web UI in headless Chromium (Debian's chromium and chromedriver), as a
//! user would click through it: log in, register a secret in Japanese, find
//! it, open it, switch to English, and check that an employee without access
//! does not see it; then an analyst triages an insider-risk alert.

use std::process::Command;
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::{bin, data_dir, free_port, spawn, wait_http};

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
    let d = data_dir("browser");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut demo = bin();
    demo.arg("--data-dir").arg(d.join("data")).args(["demo", "--listen", &format!("127.0.0.1:{port}")]);
    let _server = spawn(demo);
    let driver_port = free_port();
    let mut driver = Command::new("chromedriver");
    driver.arg(format!("--port={driver_port}"));
    let _driver = spawn(driver);
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
    let c = client.expect("chromedriver session");

    // Log in as the 設計部 manager and register a secret in Japanese.
    login(&c, &base, "sato").await;
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
    c.wait().for_element(Locator::Id("history")).await.expect("detail again");
    assert_eq!(c.current_url().await.expect("url"), url);
    let body = c.find(Locator::Css("body")).await.expect("body").text().await.expect("text");
    assert!(body.contains("Who may access (need-to-know)") && body.contains("History"), "not English");
    logout(&c).await;

    // An employee of another department does not learn that it exists.
    login(&c, &base, "kato").await;
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
    logout(&c).await;

    // The analyst works the demo's insider-risk alerts: ranked people, one
    // person's timeline, an alert's evidence, a triage decision.
    login(&c, &base, "tanaka").await;
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
    c.close().await.expect("close");
}
