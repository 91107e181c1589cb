//! Self-assessment: scores follow the recorded facts, answers are recorded
//! and audited (a refused one changes nothing), snapshots keep the history.

use maruhi_service::assess::{AnswerInput, Assessment, Evidence, ItemResult};
use maruhi_service::ingest::{EventOptions, Format};
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, Error};

use crate::{both, Env};

async fn org(e: &Env) {
    for (u, r) in
        [("sato", "manager"), ("watanabe", "employee"), ("kato", "employee"), ("yamada", "legal"), ("ito", "auditor")]
    {
        e.user(u, r).await;
    }
}

fn item<'a>(a: &'a Assessment, id: &str) -> &'a ItemResult {
    a.items.iter().find(|i| i.id == id).unwrap()
}

/// A copy to a USB stick by `user`, the day before the test clock's today.
fn usb_copy(id: &str, user: &str) -> String {
    format!(
        r#"{{"@timestamp":"2026-11-19T09:05:00+09:00","event":{{"id":"{id}","action":"file-copy"}},"user":{{"name":"{user}"}},"file":{{"path":"E:\\MX-7.dwg"}},"device":{{"type":"removable"}}}}"#
    ) + "\n"
}

async fn import(e: &Env, text: String) {
    e.svc
        .import_events(
            &Actor::operator(),
            "edr",
            Format::Jsonl,
            std::io::Cursor::new(text),
            &EventOptions::default(),
            |_| {},
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn scores_follow_the_recorded_facts() {
    both(|e| async move {
        org(&e).await;
        let op = Actor::operator();
        let s = e
            .svc
            .create_secret(
                &op,
                SecretInput {
                    title: "MX-7 組立図".into(),
                    category: "設計図".into(),
                    level: "極秘".into(),
                    handling_rules: "持ち出し禁止".into(),
                    status: Some("registered".into()),
                    grants: vec!["watanabe".into()],
                    ..SecretInput::default()
                },
            )
            .await
            .unwrap();
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!(item(&a, "R01").score, Some(0), "no marks");
        assert_eq!(item(&a, "A01").score, Some(0), "no locations");
        assert_eq!(item(&a, "R01").facts["registered"], 1);
        assert!(item(&a, "R01").gap);
        assert_eq!(item(&a, "R02").facts["outstanding"], 1, "watanabe has not acknowledged");
        assert_eq!(item(&a, "R02").score, Some(0));
        assert_eq!(item(&a, "C01").score, None, "no activity logs yet");
        assert!(item(&a, "C01").value_text.as_ref().unwrap().en.contains("no activity logs"));
        let before = a.objectives.iter().find(|o| o.id == "awareness").unwrap().score;

        // Marks and locations recorded: both items reach 100.
        let mut upd = SecretInput {
            title: s.title.clone(),
            category: "設計図".into(),
            level: s.level.clone(),
            handling_rules: "持ち出し禁止".into(),
            marks: vec!["㊙".into()],
            locations: vec![r"\\fs01\設計\MX-7".into()],
            revision: Some(s.revision),
            ..SecretInput::default()
        };
        upd.grants.clear();
        e.svc.update_secret(&op, s.id, upd).await.unwrap();
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!(item(&a, "R01").score, Some(100));
        assert_eq!(item(&a, "A01").score, Some(100));
        assert!(!item(&a, "R01").gap);
        assert_eq!(item(&a, "A02").value, Some(1.0), "the access list was touched this year");
        assert!(a.objectives.iter().find(|o| o.id == "awareness").unwrap().score > before);

        // An acknowledgement lowers the outstanding count.
        let watanabe = e.actor("watanabe").await;
        e.svc.acknowledge(&watanabe, s.id).await.unwrap();
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!(item(&a, "R02").facts["outstanding"], 0);
        assert_eq!(item(&a, "R02").score, Some(100));

        // Removable-media events: the rate per 1,000 people rises, the score falls.
        import(&e, usb_copy("u1", "watanabe")).await;
        let a = e.svc.assessment(&op).await.unwrap();
        let c01 = item(&a, "C01");
        assert_eq!(c01.facts["events"], 1);
        assert_eq!(c01.facts["people"], 5);
        assert_eq!(c01.value, Some(200.0));
        let one = c01.score.unwrap();
        assert_eq!(item(&a, "V01").facts["known_seen_in_logs"], 1, "one of five people is in the logs");
        import(&e, usb_copy("u2", "kato")).await;
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!(item(&a, "C01").value, Some(400.0));
        assert!(item(&a, "C01").score.unwrap() < one);
        assert_eq!(item(&a, "V01").facts["known_seen_in_logs"], 2);
        assert_eq!(item(&a, "C02").value, Some(0.0), "no uploads");
        assert_eq!(item(&a, "C02").score, Some(100));
    })
    .await;
}

#[tokio::test]
async fn answers_are_recorded_and_audited_and_a_refused_one_changes_nothing() {
    both(|e| async move {
        org(&e).await;
        let yamada = e.actor("yamada").await;
        let ito = e.actor("ito").await;
        let sato = e.actor("sato").await;
        let sha = "ab".repeat(32);
        let ans = e
            .svc
            .answer_assessment_item(
                &yamada,
                AnswerInput {
                    item: "T01".into(),
                    answer: "yes".into(),
                    note: "取締役会で承認（2026年4月）".into(),
                    evidence: vec![Evidence { name: "基本方針.pdf".into(), sha256: Some(sha.clone()) }],
                },
            )
            .await
            .unwrap();
        assert_eq!((ans.answer.as_str(), ans.answered_by.as_str()), ("yes", "yamada"));
        let a = e.svc.assessment(&ito).await.unwrap();
        assert!(!a.may_answer, "auditors read");
        let t01 = item(&a, "T01");
        assert_eq!(t01.score, Some(100));
        assert_eq!(t01.answer.as_ref().unwrap().evidence[0].sha256.as_deref(), Some(sha.as_str()));
        assert_eq!(item(&a, "T02").score, None, "not answered yet");

        let op = Actor::operator();
        let log = e.svc.audit_log(&op, Some("assessment."), 1, 50).await.unwrap();
        assert_eq!(log.items.len(), 1);
        assert_eq!(log.items[0].action, "assessment.answer");
        assert_eq!(log.items[0].object_id.as_deref(), Some("T01"));
        assert_eq!(log.items[0].summary["answer"], "yes");

        // Refused: who may not answer, and what is not an answer.
        let refused = |item: &str, answer: &str| AnswerInput {
            item: item.into(),
            answer: answer.into(),
            ..AnswerInput::default()
        };
        assert!(matches!(e.svc.answer_assessment_item(&ito, refused("T01", "no")).await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.answer_assessment_item(&sato, refused("T01", "no")).await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.assessment(&sato).await, Err(Error::Forbidden)));
        for (i, v) in [("Z99", "no"), ("T01", "maybe"), ("R01", "yes")] {
            let r = e.svc.answer_assessment_item(&yamada, refused(i, v)).await;
            assert!(matches!(r, Err(Error::Invalid(_))), "{i} {v}: {r:?}");
        }
        let bad_hash = AnswerInput {
            evidence: vec![Evidence { name: "x.pdf".into(), sha256: Some("123".into()) }],
            ..refused("T01", "no")
        };
        assert!(matches!(e.svc.answer_assessment_item(&yamada, bad_hash).await, Err(Error::Invalid(_))));
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!(item(&a, "T01").answer.as_ref().unwrap().answer, "yes", "unchanged");
        assert_eq!(a.items.iter().filter(|i| i.answer.is_some()).count(), 1);
        assert_eq!(e.svc.audit_log(&op, Some("assessment."), 1, 50).await.unwrap().items.len(), 1);

        // Not applicable: no score and no gap; partly counts half.
        e.svc.answer_assessment_item(&yamada, refused("R05", "na")).await.unwrap();
        e.svc.answer_assessment_item(&yamada, refused("T02", "partly")).await.unwrap();
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!((item(&a, "R05").score, item(&a, "R05").gap), (None, false));
        assert_eq!(item(&a, "T02").score, Some(50));
    })
    .await;
}

#[tokio::test]
async fn history_keeps_each_saved_snapshot() {
    both(|e| async move {
        org(&e).await;
        let yamada = e.actor("yamada").await;
        let (first, snap) = e.svc.save_assessment(&yamada).await.unwrap();
        assert_eq!(snap.overall, first.overall);
        e.clock.advance(time::Duration::days(1));
        e.svc
            .answer_assessment_item(
                &yamada,
                AnswerInput { item: "T01".into(), answer: "yes".into(), ..AnswerInput::default() },
            )
            .await
            .unwrap();
        let (second, _) = e.svc.save_assessment(&yamada).await.unwrap();
        let trust = |a: &Assessment| a.objectives.iter().find(|o| o.id == "trust").unwrap().score;
        assert!(trust(&second) > trust(&first));
        let ito = e.actor("ito").await;
        let history = e.svc.assessment_history(&ito, 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert!(history[0].taken_at > history[1].taken_at, "newest first");
        assert_eq!(history[0].objectives["trust"], trust(&second));
        assert_eq!(history[1].objectives["trust"], trust(&first));
        assert_eq!(history[0].taken_by, "yamada");
        assert!(history[0].items.as_array().unwrap().iter().any(|i| i["id"] == "T01" && i["answer"] == "yes"));
        assert!(matches!(e.svc.save_assessment(&ito).await, Err(Error::Forbidden)));
        // Two saves within the year: the review item is met.
        let now = e.svc.assessment(&ito).await.unwrap();
        assert_eq!(item(&now, "T06").score, Some(100));
        let op = Actor::operator();
        let saves = e.svc.audit_log(&op, Some("assessment.save"), 1, 50).await.unwrap();
        assert_eq!(saves.items.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_leavers_look_back_counts_once_a_case_names_them() {
    both(|e| async move {
        org(&e).await;
        let op = Actor::operator();
        // Left at the end of October (the clock reads 2026-11-20); another leaves next month.
        let hr = "user,notice_date,last_working_day,end_date\nkato,2026-09-01,2026-10-15,2026-10-31\nsato,2026-11-01,2026-11-30,2026-12-31\n";
        e.svc.import_hr(&op, std::io::Cursor::new(hr.to_owned())).await.unwrap();
        let a = e.svc.assessment(&op).await.unwrap();
        let v06 = item(&a, "V06");
        assert_eq!((v06.facts["leavers"].as_u64(), v06.score), (Some(1), Some(0)), "only kato has left");
        let case = e
            .svc
            .open_case(
                &op,
                maruhi_service::cases::NewCase {
                    title: "退職者の振り返り".into(),
                    kind: "departure".into(),
                    severity: "low".into(),
                    note: String::new(),
                    alerts: Vec::new(),
                },
            )
            .await
            .unwrap();
        e.svc.case_link(&op, case.id, "person", "kato").await.unwrap();
        let a = e.svc.assessment(&op).await.unwrap();
        assert_eq!(item(&a, "V06").score, Some(100));
        assert_eq!(item(&a, "V06").facts["looked_back"], 1);
    })
    .await;
}
