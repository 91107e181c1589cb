//! Identity resolution, configuration warnings and company-domain
//! suggestions, paged alerts and scores as of a date.

use maruhi_service::admin::UserInput;
use maruhi_service::ingest::{parse_action_map, EventOptions, Format, ImportReport};
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, Error};
use time::macros::datetime;

use crate::{both, Env, PW};

async fn person(e: &Env, username: &str, role: &str, email: &str, department: &str) {
    e.svc
        .create_user(
            &Actor::operator(),
            UserInput {
                username: username.into(),
                display_name: username.into(),
                email: email.into(),
                department: department.into(),
                role: role.into(),
                password: Some(PW.into()),
            },
        )
        .await
        .unwrap();
}

async fn import(e: &Env, actor: &Actor, text: String, options: &EventOptions) -> ImportReport {
    e.svc.import_events(actor, "test", Format::Jsonl, std::io::Cursor::new(text), options, |_| {}).await.unwrap()
}

/// `n` events of `action` by `user` on files under `folder`, one a minute
/// from 09:00 on `day` (November 2026).
fn events(prefix: &str, user: &str, action: &str, folder: &str, day: u32, n: usize) -> String {
    (0..n)
        .map(|i| {
            let user = serde_json::to_string(user).unwrap();
            let path = serde_json::to_string(&format!("{folder}\\file{i}.dwg")).unwrap();
            format!(
                concat!(
                    r#"{{"@timestamp":"2026-11-{:02}T{:02}:{:02}:00+09:00","event":{{"id":"{}-{}","action":"{}"}},"#,
                    r#""user":{{"name":{}}},"file":{{"path":{}}}}}"#,
                    "\n"
                ),
                day,
                9 + i / 60,
                i % 60,
                prefix,
                i,
                action,
                user,
                path
            )
        })
        .collect()
}

#[tokio::test]
async fn one_person_under_many_names_is_stored_and_scored_under_one() {
    both(|e| async move {
        let op = Actor::operator();
        person(&e, "suzuki", "analyst", "", "").await;
        person(&e, "yamada", "legal", "", "").await;
        person(&e, "kato", "employee", "", "").await;
        person(&e, "tanaka", "employee", "Taro.Tanaka@Example.co.jp", "設計部").await;
        let (suzuki, yamada, kato) = (e.actor("suzuki").await, e.actor("yamada").await, e.actor("kato").await);
        e.svc.set_risk_domain(&op, "example.co.jp", "company").await.unwrap();

        // Who may keep and read the table.
        assert!(matches!(e.svc.identity_add(&suzuki, "tnk", "tanaka", "").await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.identities(&kato).await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.identity_add(&yamada, "tanaka", "TANAKA", "").await, Err(Error::Invalid(_))));
        let added = e.svc.identity_add(&yamada, "T.Tanaka", "tanaka", "旧アカウント").await.unwrap();
        assert_eq!((added.alias.as_str(), added.canonical.as_str()), ("t.tanaka", "tanaka"));
        assert!(
            matches!(e.svc.identity_add(&yamada, "tanaka", "t.tanaka", "").await, Err(Error::Invalid(_))),
            "a cycle is refused"
        );

        // Every form of the name is stored as tanaka; others are left alone.
        let log = [
            events("upn", "TANAKA@CORP.EXAMPLE.CO.JP", "file-open", r"\\fs01\a", 2, 1),
            events("mail", "taro.tanaka@example.co.jp", "file-open", r"\\fs01\a", 2, 1),
            events("downlevel", r"CORP\t.tanaka", "file-open", r"\\fs01\a", 2, 1),
            events("plain", "tanaka", "file-open", r"\\fs01\a", 2, 1),
            events("other", "tanaka@rival.example", "file-open", r"\\fs01\a", 2, 1),
        ]
        .concat();
        let r = import(&e, &suzuki, log, &EventOptions::default()).await;
        assert_eq!((r.accepted, r.resolved_users), (5, 3), "{r:?}");
        let page = e
            .svc
            .user_events(&suzuki, "tanaka", datetime!(2026-11-01 00:00 UTC), datetime!(2026-11-30 00:00 UTC), None, 100)
            .await
            .unwrap();
        assert_eq!(page.events.len(), 4);

        let list = e.svc.identities(&suzuki).await.unwrap();
        let rows: Vec<_> = list.iter().map(|a| (a.alias.as_str(), a.canonical.as_str(), a.source.name())).collect();
        assert!(rows.contains(&("taro.tanaka@example.co.jp", "tanaka", "user-email")), "{rows:?}");
        assert!(rows.contains(&("t.tanaka", "tanaka", "manual")), "{rows:?}");

        // Events stored under an alias before it was known are read as the
        // person's by the next analysis.
        let copies = events("usb", "tnk", "file-copy", r"E:", 10, 150);
        let copies = copies.replace(r#""file":"#, r#""device":{"type":"removable"},"file":"#);
        let r = import(&e, &suzuki, copies, &EventOptions::default()).await;
        assert_eq!((r.accepted, r.resolved_users), (150, 0));
        e.svc.identity_add(&yamada, "TNK", "tanaka", "").await.unwrap();
        e.svc.analyse_risk(&suzuki).await.unwrap();
        let alerts = e.svc.alerts(&suzuki, None, 100).await.unwrap();
        assert!(alerts.iter().any(|a| a.user == "tanaka"), "{alerts:?}");
        assert!(!alerts.iter().any(|a| a.user == "tnk"), "{alerts:?}");
        // Anyone of the names finds the person.
        let p = e.svc.risk_person(&suzuki, "Taro.Tanaka@example.co.jp", None, Default::default()).await.unwrap();
        assert_eq!(p.user, "tanaka");
        // As of before the copies, nothing had happened.
        let before = e.svc.risk_person(&suzuki, "tanaka", Some(datetime!(2026-11-09 23:59 +09:00)), Default::default());
        assert!(matches!(before.await, Err(Error::NotFound)));

        // Removal, and the audit trail: names only in summaries.
        e.svc.identity_remove(&yamada, "tnk").await.unwrap();
        assert!(matches!(e.svc.identity_remove(&yamada, "tnk").await, Err(Error::NotFound)));
        let log = e.svc.audit_log(&op, Some("identity."), 1, 50).await.unwrap();
        assert_eq!(log.items.len(), 3);
        assert!(log.items.iter().all(|i| i.object_id.is_none() && i.object_type == "identity"));
        assert!(log.items.iter().any(|i| i.summary["alias"] == "tnk" && i.summary["user"] == "tanaka"));
        let imports = e.svc.audit_log(&op, Some("events."), 1, 50).await.unwrap();
        assert!(imports.items.iter().any(|i| i.summary["resolved_users"] == 3));
        assert!(e.svc.verify_ledger().await.unwrap().ok());
    })
    .await;
}

#[tokio::test]
async fn a_secret_without_an_access_list_falls_back_to_its_department_or_is_not_judged() {
    both(|e| async move {
        let op = Actor::operator();
        person(&e, "suzuki", "analyst", "", "").await;
        person(&e, "tanaka", "employee", "tanaka@example.co.jp", "設計部").await;
        person(&e, "sato", "employee", "sato@example.co.jp", "営業部").await;
        let suzuki = e.actor("suzuki").await;
        for (title, location, department) in
            [("MX-7 組立図", r"\\fs01\設計部\MX-7", "設計部"), ("共有の秘密", r"\\fs01\共有\Z", "")]
        {
            let input = SecretInput {
                title: title.into(),
                category: "設計図".into(),
                level: "極秘".into(),
                department: department.into(),
                status: Some("registered".into()),
                locations: vec![location.into()],
                ..SecretInput::default()
            };
            e.svc.create_secret(&op, input).await.unwrap();
        }
        let log = [
            events("sato-mx7", "sato", "file-open", r"\\fs01\設計部\MX-7", 2, 6),
            events("tanaka-mx7", "tanaka", "file-open", r"\\fs01\設計部\MX-7", 2, 6),
            events("sato-z", "sato", "file-open", r"\\fs01\共有\Z", 3, 6),
        ]
        .concat();
        import(&e, &suzuki, log, &EventOptions::default()).await;
        let report = e.svc.analyse_risk(&suzuki).await.unwrap();
        let codes: Vec<_> = report.warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, ["no-company-domain", "secret-department-fallback", "secret-access-unknown"]);
        assert!(report.warnings[0].en.contains("Suggested: example.co.jp"), "{:?}", report.warnings[0]);
        assert!(report.warnings[2].ja.contains("数えていません"));

        let alerts = e.svc.alerts(&suzuki, None, 100).await.unwrap();
        let ntk: Vec<_> = alerts.iter().filter(|a| a.rule.contains("need-to-know")).collect();
        assert!(!ntk.is_empty(), "{alerts:?}");
        assert!(ntk.iter().all(|a| a.user == "sato"), "the department needs to know: {ntk:?}");
        assert!(
            ntk.iter().flat_map(|a| &a.event_ids).all(|id| id.starts_with("sato-mx7")),
            "no access to a secret of unknown entitlement is a violation: {ntk:?}"
        );

        // Paging: the total counts every alert, pages follow each other.
        let all = e.svc.alert_page(&suzuki, None, 100, 0).await.unwrap();
        let second = e.svc.alert_page(&suzuki, None, 1, 1).await.unwrap();
        assert_eq!(second.total, all.alerts.len() as i64);
        assert_eq!(
            second.alerts.iter().map(|a| a.id).collect::<Vec<_>>(),
            all.alerts.iter().skip(1).take(1).map(|a| a.id).collect::<Vec<_>>()
        );

        // Configuring the company's domain ends that warning.
        e.svc.set_risk_domain(&op, "example.co.jp", "company").await.unwrap();
        let codes: Vec<_> = e.svc.risk_warnings(&suzuki).await.unwrap().iter().map(|w| w.code).collect();
        assert_eq!(codes, ["secret-department-fallback", "secret-access-unknown"]);
    })
    .await;
}

#[tokio::test]
async fn company_domains_are_suggested_from_users_mail_and_hr_names() {
    both(|e| async move {
        let op = Actor::operator();
        person(&e, "suzuki", "analyst", "suzuki@corp.example.co.jp", "").await;
        person(&e, "kato", "employee", "kato@example.co.jp", "").await;
        person(&e, "ito", "employee", "ito.private@gmail.com", "").await;
        let hr = "user,notice_date,last_working_day,end_date\nmori@example.co.jp,2026-11-01,,\nabe@subsidiary.example,2026-11-01,,\n";
        e.svc.import_hr(&op, std::io::Cursor::new(hr.to_owned())).await.unwrap();
        let suzuki = e.actor("suzuki").await;
        let s = e.svc.suggest_company_domains(&suzuki).await.unwrap();
        let rows: Vec<_> = s.iter().map(|s| (s.domain.as_str(), s.people, s.sources.clone())).collect();
        assert_eq!(
            rows,
            [("example.co.jp", 3, vec!["user-email", "hr"]), ("subsidiary.example", 1, vec!["hr"])],
            "public mail services are no one's company"
        );
        assert!(matches!(e.svc.suggest_company_domains(&e.actor("kato").await).await, Err(Error::Forbidden)));
        e.svc.set_risk_domain(&op, "example.co.jp", "company").await.unwrap();
        let s = e.svc.suggest_company_domains(&suzuki).await.unwrap();
        assert_eq!(s.iter().map(|s| s.domain.as_str()).collect::<Vec<_>>(), ["subsidiary.example"]);
        // HR names in UPN form of a maruhi account are aliases of it.
        let list = e.svc.identities(&suzuki).await.unwrap();
        assert!(list.iter().any(|a| a.alias == "suzuki@corp.example.co.jp" && a.canonical == "suzuki"));
    })
    .await;
}

#[tokio::test]
async fn other_tools_actions_are_listed_when_unknown_and_mapped_with_an_action_map() {
    both(|e| async move {
        person(&e, "suzuki", "analyst", "", "").await;
        let suzuki = e.actor("suzuki").await;
        let log = concat!(
            r#"{"@timestamp":"2026-11-02T10:00:00+09:00","ecs":{"version":"8.11"},"event":{"action":"usb-write-blocked"},"user":{"name":"a"}}"#,
            "\n",
            r#"{"@timestamp":"2026-11-02T10:01:00+09:00","ecs":{"version":"8.11"},"event":{"action":"usb-write-blocked"},"user":{"name":"a"}}"#,
            "\n"
        );
        let r = import(&e, &suzuki, log.to_owned(), &EventOptions::default()).await;
        assert_eq!((r.accepted, r.skipped), (0, 2));
        assert_eq!(r.unmapped_actions.iter().map(|f| (f.name.as_str(), f.count)).collect::<Vec<_>>(), [("usb-write-blocked", 2)]);
        let map = parse_action_map("# ours\nusb-write-blocked = file-copy\n").unwrap();
        let r = import(&e, &suzuki, log.to_owned(), &EventOptions::default().with_action_map(map)).await;
        assert_eq!((r.accepted, r.skipped), (2, 0), "{r:?}");
        assert!(r.unmapped_actions.is_empty());
        assert!(matches!(parse_action_map("usb=nothing"), Err(Error::Invalid(_))));
    })
    .await;
}
