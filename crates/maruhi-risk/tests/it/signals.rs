//! Scenarios of our own for the signals and for alerts that follow the risk:
//! each test is a small company in which one thing happens.

use maruhi_events::Event;
use maruhi_risk::engine::{Alert, SCORE_RULE};
use maruhi_risk::{Departure, Engine, Pack, Person, Watchlist};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

use crate::engine::{at, context, event, ordinary};

fn run(mut events: Vec<Event>, setup: impl FnOnce(&mut Engine<'_>)) -> (Vec<Alert>, Vec<maruhi_risk::Indicator>) {
    let pack = Pack::builtin();
    let rules = pack.compile().expect("rules");
    events.sort_by(|a, b| a.timestamp.cmp(&b.timestamp).then_with(|| a.event.id.cmp(&b.event.id)));
    let mut ctx = context();
    ctx.set_person(
        "kimura",
        Person {
            department: Some("営業部".into()),
            departure: Some(Departure {
                notice_date: date!(2026 - 05 - 20),
                last_working_day: Some(date!(2026 - 06 - 10)),
                end_date: Some(date!(2026 - 06 - 30)),
            }),
            ..Person::default()
        },
    );
    ctx.set_person("ext-mori", Person { watchlists: [Watchlist::Contractors].into(), ..Person::default() });
    let mut engine = Engine::new(&rules, ctx);
    setup(&mut engine);
    for e in &events {
        engine.push(e);
    }
    (engine.alerts().to_vec(), engine.indicators().to_vec())
}

fn names(alerts: &[Alert], user: &str) -> Vec<String> {
    alerts
        .iter()
        .filter(|a| a.user == user)
        .flat_map(|a| std::iter::once(a.rule.clone()).chain(a.related.iter().cloned()))
        .collect()
}

fn upload(user: &str, id: &str, t: OffsetDateTime, host: &str, json_extra: serde_json::Value) -> Event {
    let mut v = serde_json::json!({
        "@timestamp": at(t), "event": {"id": id, "action": "file-upload"}, "user": {"name": user},
        "url": {"full": format!("https://{host}/upload")}, "destination": {"domain": host}
    });
    if let (Some(o), Some(extra)) = (v.as_object_mut(), json_extra.as_object()) {
        o.extend(extra.clone());
    }
    event(v)
}

#[test]
fn a_contractor_pulling_a_few_huge_exports_through_a_transfer_service_is_alerted() {
    let mut events = ordinary("ext-mori", 50);
    let t = datetime!(2026-05-12 15:00 +09:00);
    for i in 0..3 {
        // The transfer service's log has the file's size, not the request's.
        events.push(upload(
            "ext-mori",
            &format!("mori-up-{i}"),
            t + Duration::minutes(10 * i),
            "15.gigafile.nu",
            serde_json::json!({"file": {"name": format!("export{i}.csv"), "size": 900_000_000u64}}),
        ));
    }
    let (alerts, _) = run(events, |_| {});
    let found = names(&alerts, "ext-mori");
    assert!(found.iter().any(|r| r == "upload-file-transfer-volume"), "{found:?}");
    assert_eq!(alerts.iter().filter(|a| a.user == "ext-mori").count(), 1, "one piece of evidence, one alert");
}

#[test]
fn personal_cloud_volume_reads_the_file_size_too() {
    let mut events = ordinary("tanaka", 30);
    events.push(upload(
        "tanaka",
        "tanaka-up",
        datetime!(2026-04-28 12:00 +09:00),
        "www.dropbox.com",
        serde_json::json!({"file": {"name": "図面.zip", "size": 300_000_000u64}}),
    ));
    let (alerts, _) = run(events, |_| {});
    assert!(names(&alerts, "tanaka").iter().any(|r| r == "upload-personal-cloud-volume"), "{alerts:#?}");
}

#[test]
fn a_split_archive_then_an_upload_is_a_sequence() {
    let mut events = ordinary("tanaka", 30);
    let t = datetime!(2026-04-28 12:00 +09:00);
    events.push(event(serde_json::json!({
        "@timestamp": at(t), "event": {"id": "tanaka-7z", "action": "file-write"}, "user": {"name": "tanaka"},
        "file": {"path": r"C:\Users\tanaka\Desktop\backup.7z.001", "name": "backup.7z.001", "size": 100_000_000}
    })));
    events.push(upload(
        "tanaka",
        "tanaka-up",
        t + Duration::minutes(5),
        "mega.nz",
        serde_json::json!({"file": {"path": r"C:\Users\tanaka\Desktop\backup.7z.001"}}),
    ));
    let (alerts, _) = run(events, |_| {});
    assert!(names(&alerts, "tanaka").iter().any(|r| r == "archive-then-exfiltrate"), "{alerts:#?}");
    // Side-by-side placeholders ({file}{domain}) are joined, never glued.
    let reasons: Vec<&maruhi_risk::Reason> =
        alerts.iter().filter(|a| a.user == "tanaka").flat_map(|a| &a.reasons).collect();
    assert!(reasons.iter().any(|r| r.en.contains("backup.7z.001, mega.nz")), "{reasons:#?}");
    assert!(reasons.iter().any(|r| r.ja.contains("backup.7z.001、mega.nz")), "{reasons:#?}");
}

#[test]
fn the_page_visit_before_an_upload_does_not_take_its_first_use() {
    let mut events = ordinary("tanaka", 30);
    let t = datetime!(2026-04-28 12:00 +09:00);
    events.push(event(serde_json::json!({
        "@timestamp": at(t), "event": {"id": "tanaka-visit", "action": "http-request"}, "user": {"name": "tanaka"},
        "url": {"full": "https://www.sendspace.com/"}, "destination": {"domain": "www.sendspace.com"}
    })));
    events.push(upload("tanaka", "tanaka-up", t + Duration::minutes(2), "fs03.sendspace.com", serde_json::json!({})));
    let (_, indicators) = run(events, |_| {});
    assert!(
        indicators.iter().any(|i| i.user == "tanaka" && i.rule == "first-upload-destination"),
        "{:?}",
        indicators.iter().filter(|i| i.user == "tanaka").map(|i| &i.rule).collect::<Vec<_>>()
    );
}

#[test]
fn a_leavers_burst_of_downloads_from_a_never_seen_pc_is_alerted() {
    let mut events = ordinary("kimura", 70);
    let t = datetime!(2026-05-28 21:00 +09:00);
    for i in 0..40 {
        events.push(event(serde_json::json!({
            "@timestamp": at(t + Duration::seconds(20 * i)), "event": {"id": format!("kimura-dl-{i}"), "action": "file-download"},
            "user": {"name": "kimura"}, "host": {"name": "DESKTOP-HOME01"},
            "file": {"path": format!("https://maruhi.sharepoint.com/sites/営業/顧客/{i}.xlsx"), "size": 2_000_000}
        })));
    }
    let (alerts, indicators) = run(events, |_| {});
    let found = names(&alerts, "kimura");
    assert!(found.iter().any(|r| r == "after-notice-download-burst"), "{found:?}");
    assert!(indicators.iter().any(|i| i.user == "kimura" && i.rule == "first-host"), "a never-seen PC counts");
}

#[test]
fn a_night_copy_to_a_new_usb_stick_then_uploads_is_alerted() {
    let mut events = ordinary("tanaka", 40);
    let t = datetime!(2026-05-07 23:10 +09:00);
    events.push(event(serde_json::json!({
        "@timestamp": at(t - Duration::minutes(5)), "event": {"id": "tanaka-night-logon", "action": "logon"},
        "user": {"name": "tanaka"}, "host": {"name": "PC-0001"}
    })));
    for i in 0..30 {
        events.push(event(serde_json::json!({
            "@timestamp": at(t + Duration::seconds(10 * i)), "event": {"id": format!("tanaka-usb-{i}"), "action": "file-copy"},
            "user": {"name": "tanaka"}, "host": {"name": "PC-0001"},
            "file": {"path": format!(r"\\fs01\共有\tanaka\見積{i}.xlsx"), "size": 1_000_000},
            "device": {"type": "removable", "id": "USB\\VID_0951&PID_1666\\99", "name": "Kingston DataTraveler"}
        })));
    }
    for i in 0..3 {
        events.push(upload(
            "tanaka",
            &format!("tanaka-up-{i}"),
            datetime!(2026-05-08 08:30 +09:00) + Duration::minutes(i),
            "files.example.net",
            serde_json::json!({"http": {"request": {"bytes": 10_000_000}}}),
        ));
    }
    let (alerts, indicators) = run(events, |_| {});
    assert!(names(&alerts, "tanaka").iter().any(|r| r == "removable-then-upload"), "{alerts:#?}");
    let rules: Vec<&str> = indicators.iter().filter(|i| i.user == "tanaka").map(|i| i.rule.as_str()).collect();
    for expected in ["night-logon", "first-removable-device", "upload-external"] {
        assert!(rules.contains(&expected), "{expected} not in {rules:?}");
    }
}

/// A sales engineer zips a proposal and sends it to a partner's transfer
/// service every week: the sequence rule alerts while it is new, then it is
/// their habit and only counts for the score.
fn weekly_transfers(user: &str) -> Vec<Event> {
    let mut events = ordinary(user, 120);
    for week in 0..12 {
        let t = datetime!(2026-04-07 14:00 +09:00) + Duration::weeks(week);
        events.push(event(serde_json::json!({
            "@timestamp": at(t), "event": {"id": format!("{user}-zip-{week}"), "action": "file-write"},
            "user": {"name": user}, "file": {"path": format!(r"C:\work\提案書{week}.zip"), "name": format!("提案書{week}.zip"), "size": 40_000_000}
        })));
        events.push(upload(
            user,
            &format!("{user}-up-{week}"),
            t + Duration::minutes(10),
            "partner-ft.example.com",
            serde_json::json!({"http": {"request": {"bytes": 40_000_000}}}),
        ));
    }
    events
}

#[test]
fn a_weekly_habit_stops_alerting_but_still_counts() {
    let events = weekly_transfers("suzuki");
    let (alerts, indicators) = run(events, |_| {});
    let sequence = alerts.iter().filter(|a| a.user == "suzuki" && a.rule == "archive-then-exfiltrate").count();
    assert!((1..=3).contains(&sequence), "alerts until it is a habit: {sequence}");
    let counted = indicators.iter().filter(|i| i.user == "suzuki" && i.rule == "archive-then-exfiltrate").count();
    assert_eq!(counted, 12, "every week is still an indicator");
}

#[test]
fn an_analyst_can_suppress_a_rule_for_a_person() {
    let events = weekly_transfers("suzuki");
    let (alerts, indicators) = run(events, |e| e.suppress("Suzuki", "archive-then-exfiltrate"));
    assert!(!alerts.iter().any(|a| a.user == "suzuki" && a.rule == "archive-then-exfiltrate"), "{alerts:#?}");
    assert!(indicators.iter().any(|i| i.user == "suzuki" && i.rule == "archive-then-exfiltrate"));
}

#[test]
fn many_weak_indicators_raise_one_score_alert_with_reasons() {
    // No rule of level medium fires: a leaver uploads a little to new
    // unclassified places, writes to a competitor, logs on at night and
    // visits job boards, day after day.
    let mut events = ordinary("kimura", 70);
    for d in 0..6 {
        let t = datetime!(2026-05-21 22:30 +09:00) + Duration::days(d);
        events.push(event(serde_json::json!({
            "@timestamp": at(t), "event": {"id": format!("kimura-logon-{d}"), "action": "logon"},
            "user": {"name": "kimura"}, "host": {"name": "PC-0001"}
        })));
        for i in 0..3 {
            events.push(event(serde_json::json!({
                "@timestamp": at(t + Duration::minutes(1 + i)), "event": {"id": format!("kimura-job-{d}-{i}"), "action": "http-request"},
                "user": {"name": "kimura"}, "url": {"full": "https://doda.jp/"}, "destination": {"domain": "doda.jp"}
            })));
        }
        events.push(upload(
            "kimura",
            &format!("kimura-up-{d}"),
            t + Duration::minutes(10),
            &format!("share{d}.example.org"),
            serde_json::json!({"http": {"request": {"bytes": 2_000_000}}}),
        ));
        events.push(event(serde_json::json!({
            "@timestamp": at(t + Duration::minutes(20)), "event": {"id": format!("kimura-mail-{d}"), "action": "email-send"},
            "user": {"name": "kimura"}, "email": {"to": ["sales@rival.example"]}
        })));
    }
    let (alerts, _) = run(events, |_| {});
    let mine: Vec<&Alert> = alerts.iter().filter(|a| a.user == "kimura").collect();
    assert_eq!(mine.len(), 1, "{mine:#?}");
    assert_eq!(mine[0].rule, SCORE_RULE);
    assert!(mine[0].key.starts_with("score/kimura/2026-05-"), "{}", mine[0].key);
    assert!(mine[0].reasons.len() >= 3 && mine[0].reasons[0].en.contains("Risk score"), "{:?}", mine[0].reasons);
    assert!(!mine[0].event_ids.is_empty());
}

#[test]
fn a_weekly_variant_joins_the_daily_alert_on_the_same_evidence() {
    // suzuki (not on the MX-7 list) opens five MX-7 files a day for three days:
    // each day is a daily alert; the weekly rule's window holds the same
    // files and is listed as a reason, not raised as an alert of its own.
    let mut events = ordinary("suzuki", 40);
    for d in 0..3 {
        let t = datetime!(2026-05-12 10:00 +09:00) + Duration::days(d);
        for i in 0..5 {
            events.push(event(serde_json::json!({
                "@timestamp": at(t + Duration::minutes(i)),
                "event": {"id": format!("suzuki-mx7-{d}-{i}"), "action": "file-open"},
                "user": {"name": "suzuki"}, "file": {"path": format!(r"\\fs01\設計部\MX-7\組立図{d}-{i}.dwg")}
            })));
        }
    }
    let (alerts, _) = run(events, |_| {});
    let mine: Vec<&Alert> = alerts.iter().filter(|a| a.user == "suzuki").collect();
    assert!(mine.iter().all(|a| a.rule == "secret-outside-need-to-know-files"), "{mine:#?}");
    assert!(mine.iter().any(|a| a.related.iter().any(|r| r == "secret-outside-need-to-know-week")), "{mine:#?}");
}
