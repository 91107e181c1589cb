//! The built-in pack end to end: events in, alerts and ranked people out.

use std::collections::BTreeSet;

use maruhi_events::Event;
use maruhi_risk::{Category, Context, Departure, Engine, Pack, Person, SecretArea};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

pub(crate) fn event(json: serde_json::Value) -> Event {
    serde_json::from_value(json).expect("event")
}

pub(crate) fn at(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).expect("time")
}

pub(crate) fn context() -> Context {
    let mut ctx = Context::new();
    Pack::builtin().classify_domains(&mut ctx);
    ctx.set_domain("example.co.jp", Category::Company);
    ctx.set_domain("rival.example", Category::Competitor);
    ctx.add_secret(SecretArea {
        secret_id: "7".into(),
        title: "MX-7 組立図".into(),
        paths: vec![r"\\fs01\設計部\MX-7".into()],
        need_to_know: BTreeSet::from(["yamada".to_string(), "sato".to_string()]),
        unrestricted: false,
    });
    ctx.set_person(
        "sato",
        Person {
            department: Some("設計部".into()),
            departure: Some(Departure {
                notice_date: date!(2026 - 05 - 20),
                last_working_day: Some(date!(2026 - 06 - 10)),
                end_date: Some(date!(2026 - 06 - 30)),
            }),
            ..Person::default()
        },
    );
    ctx
}

/// A month of ordinary work for `user`, then whatever the test adds.
pub(crate) fn ordinary(user: &str, days: i64) -> Vec<Event> {
    let mut out = Vec::new();
    let start = datetime!(2026-04-01 09:00 +09:00);
    for d in 0..days {
        let day = start + Duration::days(d);
        if matches!(day.weekday(), time::Weekday::Saturday | time::Weekday::Sunday) {
            continue;
        }
        out.push(event(serde_json::json!({
            "@timestamp": at(day), "event": {"id": format!("{user}-logon-{d}"), "action": "logon"},
            "user": {"name": user}, "host": {"name": "PC-0001"}
        })));
        for f in 0..5 {
            out.push(event(serde_json::json!({
                "@timestamp": at(day + Duration::minutes(30 + f)),
                "event": {"id": format!("{user}-open-{d}-{f}"), "action": "file-open"},
                "user": {"name": user},
                "file": {"path": format!(r"\\fs01\共有\{user}\報告書{f}.docx"), "size": 20000}
            })));
        }
    }
    out
}

#[test]
fn the_builtin_pack_loads() {
    let pack = Pack::builtin();
    let rules = pack.compile().map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>());
    let rules = rules.expect("built-in rules");
    assert!(rules.rules().len() >= 20, "{}", rules.rules().len());
}

#[test]
fn theft_scenarios_raise_alerts_and_rank_the_leaver_first() {
    let pack = Pack::builtin();
    let rules = pack.compile().expect("rules");
    let mut events = Vec::new();
    for u in ["sato", "suzuki", "tanaka", "yamada"] {
        events.extend(ordinary(u, 60));
    }
    // sato gave notice on 5/20 and copies 150 drawings to a new USB stick.
    let t = datetime!(2026-05-25 19:30 +09:00);
    for i in 0..150 {
        events.push(event(serde_json::json!({
            "@timestamp": at(t + Duration::seconds(i)),
            "event": {"id": format!("sato-usb-{i}"), "action": "file-copy"},
            "user": {"name": "sato"}, "host": {"name": "PC-0002"},
            "file": {"path": format!(r"\\fs01\設計部\MX-7\図面{i}.dwg"), "size": 3_000_000},
            "device": {"type": "removable", "id": "USB\\VID_0781&PID_5581\\1234", "name": "SanDisk Ultra"}
        })));
    }
    // suzuki is not on the MX-7 access list.
    let t = datetime!(2026-05-12 10:00 +09:00);
    for i in 0..6 {
        events.push(event(serde_json::json!({
            "@timestamp": at(t + Duration::minutes(i)),
            "event": {"id": format!("suzuki-mx7-{i}"), "action": "file-open"},
            "user": {"name": "suzuki"}, "file": {"path": format!(r"\\FS01\設計部\MX-7\組立図{i}.dwg")}
        })));
    }
    // tanaka zips, then uploads to personal cloud storage, and mails a rival.
    let t = datetime!(2026-05-13 12:00 +09:00);
    events.push(event(serde_json::json!({
        "@timestamp": at(t), "event": {"id": "tanaka-zip", "action": "file-write"},
        "user": {"name": "tanaka"}, "file": {"path": r"C:\Users\tanaka\AppData\Local\Temp\backup.7z", "name": "backup.7z", "size": 400_000_000}
    })));
    events.push(event(serde_json::json!({
        "@timestamp": at(t + Duration::minutes(20)), "event": {"id": "tanaka-upload", "action": "file-upload"},
        "user": {"name": "tanaka"}, "url": {"full": "https://drive.google.com/upload"},
        "destination": {"domain": "drive.google.com"}, "http": {"request": {"bytes": 400_000_000}}
    })));
    events.push(event(serde_json::json!({
        "@timestamp": at(t + Duration::minutes(40)), "event": {"id": "tanaka-mail", "action": "email-send"},
        "user": {"name": "tanaka"}, "email": {"to": ["buyer@rival.example"], "attachments": [{"name": "価格表.xlsx", "size": 50_000}]}
    })));
    events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.event.id.cmp(&b.event.id)));

    let mut engine = Engine::new(&rules, context());
    for e in &events {
        engine.push(e);
    }
    // Every rule that found something, whether it names its alert or was
    // merged into another alert on the same evidence.
    let alerts: BTreeSet<(String, String)> = engine
        .alerts()
        .iter()
        .flat_map(|a| std::iter::once(&a.rule).chain(&a.related).map(|r| (a.user.clone(), r.clone())))
        .collect();
    for expected in [
        ("sato", "removable-bulk-copy-files"),
        ("sato", "after-notice-exfiltration-burst"),
        ("sato", "after-notice-secret-files"),
        ("suzuki", "secret-outside-need-to-know-files"),
        ("tanaka", "archive-then-exfiltrate"),
        ("tanaka", "upload-personal-cloud-volume"),
        ("tanaka", "mail-competitor-attachments"),
    ] {
        assert!(alerts.contains(&(expected.0.to_string(), expected.1.to_string())), "{expected:?} not in {alerts:?}");
    }
    assert!(!alerts.iter().any(|(u, _)| u == "yamada"), "ordinary work raises nothing: {alerts:?}");
    // One piece of evidence, one alert: the after-notice variant names it,
    // the generic rules, the anomaly and the score are its reasons.
    let sato: Vec<_> = engine.alerts().iter().filter(|a| a.user == "sato").collect();
    assert_eq!(sato.len(), 1, "{sato:#?}");
    let bulk = sato[0];
    assert_eq!(bulk.rule, "after-notice-exfiltration-burst");
    assert_eq!(bulk.key, "after-notice-exfiltration-burst/sato/2026-05-25");
    assert!(bulk.related.iter().any(|r| r == "removable-bulk-copy-files"), "{:?}", bulk.related);
    assert!(bulk.event_ids.len() >= 100 && bulk.event_ids.iter().all(|id| id.starts_with("sato-usb-")));
    assert_eq!(bulk.event_count, 150, "each evidence event counted once");
    assert!(bulk.reasons.iter().any(|r| r.ja.contains("リムーバブルメディア")), "{:?}", bulk.reasons);

    let ranked = engine.scores(datetime!(2026-05-26 00:00 +09:00));
    assert_eq!(ranked[0].user, "sato", "{ranked:?}");
    assert!(ranked.iter().all(|s| s.user != "yamada"), "{ranked:?}");
    // Before the notice was known, the copies themselves still count.
    let early = engine.scores(datetime!(2026-05-14 00:00 +09:00));
    assert!(early.iter().any(|s| s.user == "tanaka"));
    assert!(early.iter().all(|s| s.user != "sato"), "nothing of sato's had happened yet: {early:?}");
}
