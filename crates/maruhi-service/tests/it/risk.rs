//! Insider-risk detection through the service: imported events and HR data
//! in, alerts and ranked people out, triage in the audit trail.

use maruhi_service::ingest::{EventOptions, Format};
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, Error};
use time::macros::datetime;

use crate::{both, Env};

/// tanaka (設計部, on the MX-7 access list) copies 120 drawings to a USB
/// stick after giving notice; sato (not on the list) opens six MX-7 files.
fn activity() -> String {
    let mut out = String::new();
    for i in 0..120 {
        out.push_str(&format!(
            concat!(
                r#"{{"@timestamp":"2026-11-10T19:{:02}:{:02}+09:00","event":{{"id":"usb-{}","action":"file-copy"}},"#,
                r#""user":{{"name":"tanaka"}},"host":{{"name":"PC-0042"}},"#,
                r#""file":{{"path":"\\\\fs01\\設計部\\MX-7\\図面{}.dwg","size":2500000}},"#,
                r#""device":{{"type":"removable","id":"USB-1","name":"SanDisk Ultra"}}}}"#,
                "\n"
            ),
            i / 60,
            i % 60,
            i,
            i
        ));
    }
    for i in 0..6 {
        out.push_str(&format!(
            concat!(
                r#"{{"@timestamp":"2026-11-12T10:0{}:00+09:00","event":{{"id":"ntk-{}","action":"file-open"}},"#,
                r#""user":{{"name":"sato"}},"file":{{"path":"\\\\FS01\\設計部\\MX-7\\組立図{}.dwg"}}}}"#,
                "\n"
            ),
            i, i, i
        ));
    }
    out
}

pub(crate) async fn setup(e: &Env) -> Actor {
    for (u, r) in [("suzuki", "analyst"), ("yamada", "legal"), ("kato", "employee"), ("ito", "auditor")] {
        e.user(u, r).await;
    }
    e.user("tanaka", "employee").await;
    e.user("sato", "employee").await;
    let op = Actor::operator();
    e.svc
        .create_secret(
            &op,
            SecretInput {
                title: "MX-7 組立図".into(),
                category: "設計図".into(),
                level: "極秘".into(),
                status: Some("registered".into()),
                locations: vec![r"\\fs01\設計部\MX-7".into()],
                grants: vec!["tanaka".into()],
                ..SecretInput::default()
            },
        )
        .await
        .unwrap();
    let suzuki = e.actor("suzuki").await;
    let log = activity();
    let r = e
        .svc
        .import_events(&suzuki, "endpoint", Format::Jsonl, std::io::Cursor::new(log), &EventOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!((r.accepted, r.rejected_total), (126, 0), "{r:?}");
    suzuki
}

#[tokio::test]
async fn imported_activity_and_a_notice_give_alerts_scores_and_audited_triage() {
    both(|e| async move {
        let suzuki = setup(&e).await;
        let (kato, ito, yamada) = (e.actor("kato").await, e.actor("ito").await, e.actor("yamada").await);
        assert!(matches!(e.svc.analyse_risk(&kato).await, Err(Error::Forbidden)));
        assert!(
            matches!(e.svc.alerts(&ito, None, 10).await, Err(Error::Forbidden)),
            "auditors see the trail, not people's scores"
        );

        // Without HR data: a bulk copy and need-to-know access.
        let first = e.svc.analyse_risk(&suzuki).await.unwrap();
        assert_eq!(first.events, 126);
        let rules = |alerts: &[maruhi_service::risk::AlertView]| {
            alerts.iter().map(|a| (a.user.clone(), a.rule.clone())).collect::<std::collections::BTreeSet<_>>()
        };
        let alerts = e.svc.alerts(&suzuki, None, 100).await.unwrap();
        let found = rules(&alerts);
        // One alert per piece of evidence: the most severe rule on tanaka's
        // copies (registered-secret files to USB) names it, the bulk copy is
        // among its reasons.
        assert!(found.contains(&("tanaka".into(), "removable-copy-secret-files".into())), "{found:?}");
        let copies = alerts.iter().find(|a| a.user == "tanaka").unwrap();
        assert!(
            copies.reasons.iter().any(|r| r.en.contains("files copied to removable media")),
            "{:?}",
            copies.reasons
        );
        assert!(found.contains(&("sato".into(), "secret-outside-need-to-know-files".into())), "{found:?}");
        assert!(!found.iter().any(|(_, r)| r.starts_with("after-notice")), "no notice yet: {found:?}");

        // The notice arrives: the same events are scored again, now as a leaver's.
        let hr = "user,notice_date,last_working_day,end_date\ntanaka,2026-11-05,2026-11-28,2026-12-31\n";
        e.svc.import_hr(&yamada, std::io::Cursor::new(hr.to_owned())).await.unwrap();
        let second = e.svc.analyse_risk(&suzuki).await.unwrap();
        assert!(second.new_alerts >= 1, "{second:?}");
        let alerts = e.svc.alerts(&suzuki, None, 100).await.unwrap();
        assert!(rules(&alerts).contains(&("tanaka".into(), "after-notice-exfiltration-burst".into())));
        // The after-notice variant is the more severe: it now names the alert
        // on the same copies (the earlier one is stale).
        let bulk = alerts.iter().find(|a| a.rule == "after-notice-exfiltration-burst").unwrap();
        assert!(bulk.first_event_time.starts_with("2026-11-10T19:00:00"), "{}", bulk.first_event_time);
        assert!(bulk.event_ids.iter().all(|id| id.starts_with("usb-")) && bulk.event_ids.len() >= 100);

        let ranked =
            e.svc.risk_users(&suzuki, Some(datetime!(2026-11-20 23:59 +09:00)), 10, Default::default()).await.unwrap();
        assert_eq!(ranked[0].user, "tanaka", "{ranked:?}");
        assert_eq!(ranked[0].watchlists, ["departing"]);
        assert!(ranked[0].reasons.iter().any(|r| r.ja.contains("リムーバブルメディア")), "{:?}", ranked[0].reasons);
        assert!(ranked.iter().any(|u| u.user == "sato"));
        let before =
            e.svc.risk_users(&suzuki, Some(datetime!(2026-11-09 23:59 +09:00)), 10, Default::default()).await.unwrap();
        assert!(before.is_empty(), "nothing had happened by then: {before:?}");

        // Evidence and triage.
        let detail = e.svc.alert(&suzuki, bulk.id).await.unwrap();
        assert_eq!(detail.events.len(), bulk.event_ids.len());
        assert_eq!(detail.events[0]["event"]["action"], "file-copy");
        assert!(matches!(e.svc.triage_alert(&kato, bulk.id, "investigating", "").await, Err(Error::Forbidden)));
        assert!(
            matches!(e.svc.triage_alert(&suzuki, bulk.id, "dismissed", " ").await, Err(Error::Invalid(_))),
            "dismissing needs a reason"
        );
        assert!(matches!(e.svc.triage_alert(&suzuki, bulk.id, "closed", "x").await, Err(Error::Invalid(_))));
        let t =
            e.svc.triage_alert(&suzuki, bulk.id, "confirmed", "本人に確認、私物USBへの持ち出しを認めた").await.unwrap();
        assert_eq!(t.status, "confirmed");

        // A third analysis changes nothing and keeps the decision.
        let third = e.svc.analyse_risk(&suzuki).await.unwrap();
        assert_eq!(third.new_alerts, 0);
        let again = e.svc.alert(&suzuki, bulk.id).await.unwrap().alert;
        assert_eq!((again.status.as_str(), again.stale), ("confirmed", false));
        assert_eq!(e.svc.alerts(&suzuki, Some("confirmed"), 10).await.unwrap().len(), 1);

        // Alerts and decisions are in the audit trail.
        let op = Actor::operator();
        let log = e.svc.audit_log(&op, Some("risk."), 1, 200).await.unwrap();
        let actions: Vec<&str> = log.items.iter().map(|i| i.action.as_str()).collect();
        assert!(
            actions.contains(&"risk.triage") && actions.contains(&"risk.alert") && actions.contains(&"risk.analyse")
        );
        let triage = log.items.iter().find(|i| i.action == "risk.triage").unwrap();
        assert_eq!(triage.summary["status"]["after"], "confirmed");
        let new_alert_entries = log.items.iter().filter(|i| i.action == "risk.alert").count();
        assert_eq!(
            new_alert_entries,
            alerts.len() + 1,
            "one entry per alert, when it first appeared (the pre-notice alert on the copies is stale now)"
        );
    })
    .await;
}

#[tokio::test]
async fn competitor_domains_are_kept_by_admin_and_legal_and_validated() {
    both(|e| async move {
        e.user("yamada", "legal").await;
        e.user("suzuki", "analyst").await;
        let (yamada, suzuki) = (e.actor("yamada").await, e.actor("suzuki").await);
        assert!(matches!(e.svc.set_risk_domain(&suzuki, "rival.example", "competitor").await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.set_risk_domain(&yamada, "not a domain", "competitor").await, Err(Error::Invalid(_))));
        assert!(matches!(e.svc.set_risk_domain(&yamada, "rival.example", "friend").await, Err(Error::Invalid(_))));
        e.svc.set_risk_domain(&yamada, "*.Rival.example.", "competitor").await.unwrap();
        assert_eq!(
            e.svc.risk_domains(&suzuki).await.unwrap(),
            [("rival.example".to_string(), "competitor".to_string())]
        );
        assert!(matches!(e.svc.remove_risk_domain(&yamada, "other.example").await, Err(Error::NotFound)));
        e.svc.remove_risk_domain(&yamada, "rival.example").await.unwrap();
        assert!(e.svc.risk_domains(&suzuki).await.unwrap().is_empty());
    })
    .await;
}

/// Two servers on one PostgreSQL database analyse the same events at once:
/// their analyses are stored one after the other (the analysis lock), so
/// each alert exists once and is reported new (and audited) once. Whether
/// the two writes overlap here depends on timing; the store's test
/// `two_analyses_at_once_store_and_report_each_alert_once` forces the overlap
/// and fails without the lock.
#[tokio::test]
async fn two_servers_analysing_at_once_report_each_new_alert_once() {
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL test server on 127.0.0.1:5432");
    let key = maruhi_service::ledger::new_log_key("test.example/log").unwrap();
    let clock = std::sync::Arc::new(maruhi_service::FixedClock::new(datetime!(2026-11-20 01:00 UTC)));
    let open = || async {
        maruhi_service::Service::open_with_clock(&url, clock.clone())
            .await
            .unwrap()
            .with_ledger_key(&key)
            .unwrap()
            .with_installation_key([9u8; 32])
    };
    let first = Env { svc: open().await, clock: clock.clone(), url: url.clone() };
    let suzuki = setup(&first).await;
    let second = open().await;
    let (a, b) = tokio::join!(first.svc.analyse_risk(&suzuki), second.analyse_risk(&suzuki));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.alerts, b.alerts, "both analysed the same events");
    let alerts = first.svc.alerts(&suzuki, None, 1000).await.unwrap();
    assert_eq!(alerts.len(), a.alerts, "each alert stored once");
    assert_eq!(a.new_alerts + b.new_alerts, a.alerts, "each new alert reported once: {a:?} {b:?}");
}
