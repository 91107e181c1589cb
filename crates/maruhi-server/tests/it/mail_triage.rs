//! The targeted-mail page and API: a conversation uploaded as an mbox, its verdicts and
//! reasons in the page's language, a case opened from the confirmed mail, and the API's JSON.

use axum::http::Method;
use maruhi_service::Scope;

use crate::Fixture;

fn fixture_file(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../maruhi-mail/tests/data").join(rel);
    std::fs::read(path).unwrap()
}

/// The fake job application (three mails) as one mbox, as a mail client exports it.
fn job_mbox() -> Vec<u8> {
    let mut mbox = Vec::new();
    for n in 1..=3 {
        mbox.extend_from_slice(b"From kenichi.yamada.1990@gmail.com Tue Dec  1 10:12:00 2026\n");
        mbox.extend_from_slice(&fixture_file(&format!("job/{n}.eml")));
        mbox.extend_from_slice(b"\n");
    }
    mbox
}

#[tokio::test]
async fn the_csirt_uploads_a_conversation_and_opens_a_case_from_the_mail_that_turned_it() {
    let mut f = Fixture::new().await;
    let config = maruhi_mail::Config {
        partner_domains: vec!["sakura-seiki.co.jp".into()],
        authserv_ids: vec!["mx.hanamaru-kogyo.co.jp".into()],
        ..maruhi_mail::Config::default()
    };
    f.app = maruhi_server::app(maruhi_server::AppState::new(f.svc.clone(), false).with_mail_triage(config));
    let analyst = f.session("tanaka").await;

    let form = f.call(Method::GET, "/mail", &analyst, None).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("sakura-seiki.co.jp"), "the configured partners are shown");

    let page = f.upload("/mail", &analyst, "inbox.mbox", &job_mbox(), &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"count-malicious\">1<"), "{}", page.body);
    assert!(page.body.contains("id=\"count-clean\">2<"));
    assert!(page.body.contains("inbox.mbox#3"));
    // Reasons in the page's language (Japanese first), with their codes.
    assert!(page.body.contains("MRH-MAIL-115"));
    assert!(page.body.contains("圧縮ファイルの中に実行ファイル・スクリプト・ショートカットがあります"));
    assert!(page.body.contains("class=\"mail verdict-malicious turned\""), "the turning mail is marked");
    // One click opens a case: the form posts to /cases with the evidence as its note.
    assert_eq!(page.body.matches("class=\"open-case\"").count(), 1);
    let note_start = page.body.find("name=\"note\" value=\"").unwrap() + "name=\"note\" value=\"".len();
    let note_html = &page.body[note_start..];
    let note_html = &note_html[..note_html.find('"').unwrap()];
    assert!(note_html.contains("job-3@mail.gmail.com"), "{note_html}");
    let title = "標的型メール: Re: Re: 中途採用への応募について (kenichi.yamada.1990@gmail.com)";
    let body = format!("title={}&kind=manual&severity=high&note=MRH-MAIL-115", urlencode(title));
    let opened = f.call(Method::POST, "/cases", &analyst, Some(&body)).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let cases = f.svc.cases(&maruhi_service::Actor::operator()).await.unwrap();
    assert!(cases.iter().any(|c| c.title == title && c.severity == "high"));

    // One click drafts a sharing report for the forum: the mail's signs as
    // the method, its sender, domain and subject as indicators.
    assert_eq!(page.body.matches("class=\"share-draft\"").count(), 1);
    let field = |name: &str| {
        let pattern = format!("name=\"{name}\" value=\"");
        let start = page.body.find(&pattern).unwrap() + pattern.len();
        html_unescape(&page.body[start..start + page.body[start..].find('"').unwrap()])
    };
    let indicators = field("indicators");
    assert!(indicators.contains("sender\tkenichi.yamada.1990@gmail.com\ndomain\tgmail.com\n"), "{indicators}");
    let body = format!(
        "title={}&method={}&indicators={}&first_seen={}",
        urlencode(&field("title")),
        urlencode(&field("method")),
        urlencode(&indicators),
        urlencode(&field("first_seen"))
    );
    let drafted = f.call(Method::POST, "/share", &analyst, Some(&body)).await;
    assert_eq!(drafted.status, 303, "{}", drafted.body);
    let reports = f.svc.share_reports(&maruhi_service::Actor::operator()).await.unwrap();
    let report = f.svc.share_report(&maruhi_service::Actor::operator(), reports[0].id).await.unwrap();
    let draft = serde_json::to_string(&report).unwrap();
    assert!(draft.contains("kenichi.yamada.1990@gmail.com") && draft.contains("MRH-MAIL-115"), "{draft}");
}

fn html_unescape(s: &str) -> String {
    s.replace("&#x0A;", "\n")
        .replace("&#10;", "\n")
        .replace("&#x09;", "\t")
        .replace("&#9;", "\t")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn gateways_post_a_mail_to_the_api() {
    let f = Fixture::new().await;
    let token = f.token("tanaka", Scope::Read).await;
    let rlo = String::from_utf8(fixture_file("rlo.eml")).unwrap();
    let r = f.call(Method::POST, "/api/v1/mail/triage?name=rlo.eml", &token, Some(&rlo)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["mails"][0]["path"], "rlo.eml");
    assert_eq!(json["mails"][0]["verdict"], "malicious");
    assert_eq!(json["mails"][0]["reasons"][0]["code"], "MRH-MAIL-111");
    assert_eq!(json["threads"][0]["mails"][0], "rlo.eml");
    // A manager may scan, but mail triage is the CSIRT's.
    let manager = f.token("sato", Scope::Write).await;
    assert_eq!(f.call(Method::POST, "/api/v1/mail/triage", &manager, Some(&rlo)).await.status, 403);
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
