use maruhi_service::model::{PrincipalKind, SecretInput, Status};
use maruhi_service::{Actor, Error, ListParams};

use crate::{both, Env};

fn input(title: &str) -> SecretInput {
    SecretInput {
        title: title.into(),
        category: "設計図".into(),
        level: "極秘".into(),
        handling_rules: "持ち出し禁止".into(),
        status: Some("registered".into()),
        ..SecretInput::default()
    }
}

/// A small organisation: a manager, two employees (one in 設計部), legal, an auditor.
async fn org(e: &Env) {
    for (u, r) in
        [("sato", "manager"), ("watanabe", "employee"), ("kato", "employee"), ("yamada", "legal"), ("ito", "auditor")]
    {
        e.user(u, r).await;
    }
    let op = Actor::operator();
    e.svc.create_group(&op, "設計部", "").await.unwrap();
    e.svc.set_membership(&op, "設計部", "watanabe", true).await.unwrap();
}

async fn titles(e: &Env, who: &Actor) -> Vec<String> {
    e.svc.list_secrets(who, &ListParams::default()).await.unwrap().items.into_iter().map(|s| s.title).collect()
}

#[tokio::test]
async fn need_to_know_hides_secrets_from_lists_and_reads() {
    both(|e| async move {
        org(&e).await;
        let sato = e.actor("sato").await;
        let s = e
            .svc
            .create_secret(&sato, SecretInput { grants: vec!["group:設計部".into()], ..input("MX-7 組立図") })
            .await
            .unwrap();
        assert_eq!(
            s.manager.as_ref().map(|m| m.name.as_str()),
            Some("sato さん"),
            "a manager manages what they register"
        );
        let (watanabe, kato) = (e.actor("watanabe").await, e.actor("kato").await);
        assert_eq!(titles(&e, &watanabe).await, ["MX-7 組立図"], "group member sees it");
        assert!(titles(&e, &kato).await.is_empty(), "outsider does not learn it exists");
        assert!(matches!(e.svc.get_secret(&kato, s.id).await, Err(Error::NotFound)));
        assert!(matches!(e.svc.history(&kato, s.id).await, Err(Error::NotFound)));
        for overseer in ["yamada", "ito"] {
            assert_eq!(titles(&e, &e.actor(overseer).await).await.len(), 1, "{overseer} sees the register");
        }
        // Granting directly makes it visible; revoking hides it again.
        e.svc.grant(&sato, s.id, "kato").await.unwrap();
        assert_eq!(titles(&e, &kato).await.len(), 1);
        e.svc.revoke(&sato, s.id, PrincipalKind::User, kato.user_id.unwrap()).await.unwrap();
        assert!(titles(&e, &kato).await.is_empty());
        // Employees and auditors never change the register.
        assert!(matches!(e.svc.create_secret(&watanabe, input("x")).await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.grant(&e.actor("ito").await, s.id, "kato").await, Err(Error::Forbidden)));
        assert!(matches!(e.svc.grant(&watanabe, s.id, "kato").await, Err(Error::Forbidden)));
    })
    .await;
}

#[tokio::test]
async fn invalid_input_lists_every_problem_and_writes_nothing() {
    both(|e| async move {
        let op = Actor::operator();
        let before = e.svc.audit_log(&op, None, 1, 500).await.unwrap().total;
        let bad = SecretInput {
            title: "  ".into(),
            category: "料理".into(),
            level: "最高機密".into(),
            review_date: Some("2026/13/01".into()),
            manager: Some("ghost".into()),
            ..SecretInput::default()
        };
        let Err(Error::Invalid(fields)) = e.svc.create_secret(&op, bad).await else { panic!("expected invalid") };
        let names: Vec<_> = fields.iter().map(|f| f.field).collect();
        assert_eq!(names, ["title", "category", "level", "review_date", "manager"]);
        // A grant to an unknown user rejects the whole registration.
        let ghost = SecretInput { grants: vec!["ghost".into()], ..input("ok") };
        assert!(matches!(e.svc.create_secret(&op, ghost).await, Err(Error::Invalid(_))));
        assert_eq!(e.svc.list_secrets(&op, &ListParams::default()).await.unwrap().total, 0);
        assert_eq!(e.svc.audit_log(&op, None, 1, 500).await.unwrap().total, before);
    })
    .await;
}

#[tokio::test]
async fn updates_are_audited_with_before_and_after_and_lost_updates_refused() {
    both(|e| async move {
        let op = Actor::operator();
        let s = e.svc.create_secret(&op, input("旧名称")).await.unwrap();
        let changed = SecretInput { revision: Some(s.revision), ..input("新名称") };
        let s2 = e.svc.update_secret(&op, s.id, changed).await.unwrap();
        assert_eq!((s2.title.as_str(), s2.revision), ("新名称", 2));
        let stale = SecretInput { revision: Some(1), ..input("競合") };
        assert!(matches!(e.svc.update_secret(&op, s.id, stale).await, Err(Error::Conflict(_))));
        let history = e.svc.history(&op, s.id).await.unwrap();
        let actions: Vec<_> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["secret.create", "secret.update"]);
        assert_eq!(history[1].summary["title"]["before"], "旧名称");
        assert_eq!(history[1].summary["title"]["after"], "新名称");
        e.svc.get_secret(&op, s.id).await.unwrap();
        assert_eq!(e.svc.history(&op, s.id).await.unwrap().last().unwrap().action, "secret.view");
    })
    .await;
}

#[tokio::test]
async fn status_follows_the_life_cycle_and_needs_reasons() {
    both(|e| async move {
        let op = Actor::operator();
        let s = e.svc.create_secret(&op, SecretInput { status: None, ..input("試作") }).await.unwrap();
        assert_eq!(s.status, Status::Draft);
        assert!(matches!(e.svc.change_status(&op, s.id, "disclosed", "").await, Err(Error::Invalid(_))));
        e.svc.change_status(&op, s.id, "registered", "").await.unwrap();
        assert!(matches!(e.svc.change_status(&op, s.id, "retired", " ").await, Err(Error::Invalid(_))));
        let s = e.svc.change_status(&op, s.id, "disclosed", "特許出願により公開").await.unwrap();
        assert_eq!((s.status, s.status_reason.as_str()), (Status::Disclosed, "特許出願により公開"));
        assert!(
            matches!(e.svc.change_status(&op, s.id, "registered", "").await, Err(Error::Invalid(_))),
            "disclosed is final"
        );
    })
    .await;
}

#[tokio::test]
async fn acknowledgements_follow_the_rules_version() {
    both(|e| async move {
        org(&e).await;
        let sato = e.actor("sato").await;
        let s = e
            .svc
            .create_secret(&sato, SecretInput { grants: vec!["watanabe".into()], ..input("工程表") })
            .await
            .unwrap();
        let w = e.actor("watanabe").await;
        let outstanding = || async { e.svc.dashboard(&Actor::operator()).await.unwrap().outstanding_total };
        assert_eq!(outstanding().await, Some(1));
        assert_eq!(e.svc.outstanding_acks(&w).await.unwrap().len(), 1);
        assert_eq!(e.svc.acknowledge(&w, s.id).await.unwrap(), 1);
        assert!(e.svc.outstanding_acks(&w).await.unwrap().is_empty());
        assert_eq!(outstanding().await, Some(0), "the cached total follows this process's writes");
        // New rules need a new acknowledgement.
        let upd = SecretInput { handling_rules: "持ち出し禁止。印刷禁止。".into(), ..input("工程表") };
        assert_eq!(e.svc.update_secret(&sato, s.id, upd).await.unwrap().rules_version, 2);
        let views =
            || async { e.svc.audit_log(&Actor::operator(), Some("secret.view"), 1, 1000).await.unwrap().items.len() };
        let before = views().await;
        let expected = maruhi_service::views::OutstandingAck {
            secret_id: s.id,
            title: "工程表".to_owned(),
            rules_version: 2,
            handling_rules: "持ち出し禁止。印刷禁止。".to_owned(),
        };
        assert_eq!(e.svc.outstanding_acks(&w).await.unwrap(), [expected]);
        assert_eq!(views().await, before, "listing what to acknowledge is not a view of each secret");
        let page = e.svc.secret_page(&w, s.id).await.unwrap();
        assert!(page.may_acknowledge && !page.acknowledged_current && !page.may_manage);
        assert_eq!(views().await, before + 1, "a secret's page is one view");
        e.svc.acknowledge(&w, s.id).await.unwrap();
        assert!(e.svc.secret_page(&w, s.id).await.unwrap().acknowledged_current);
        let acks = e.svc.acknowledgements(&sato, s.id).await.unwrap();
        assert_eq!(acks.iter().map(|a| a.rules_version).collect::<Vec<_>>(), [2, 1]);
        // Someone who may not see it cannot acknowledge it, nor learn it exists.
        assert!(matches!(e.svc.acknowledge(&e.actor("kato").await, s.id).await, Err(Error::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    both(|e| async move {
        let op = Actor::operator();
        for i in 0..25 {
            let level = ["極秘", "秘", "社外秘"][i % 3];
            let s =
                SecretInput {
                    level: level.into(), tags: vec![format!("t{}", i % 5)], ..input(&format!("文書{i:02}"))
                };
            e.svc.create_secret(&op, s).await.unwrap();
        }
        let p = ListParams { level: Some("秘".into()), per_page: 5, ..ListParams::default() };
        let page = e.svc.list_secrets(&op, &p).await.unwrap();
        assert_eq!((page.total, page.items.len(), page.pages()), (8, 5, 2));
        let p = ListParams {
            text: Some("文書1".into()),
            sort: maruhi_service::SortKey::Title,
            descending: false,
            ..ListParams::default()
        };
        let got: Vec<_> = e.svc.list_secrets(&op, &p).await.unwrap().items.into_iter().map(|s| s.title).collect();
        assert_eq!(got, (10..20).map(|i| format!("文書{i}")).collect::<Vec<_>>());
        let p = ListParams { text: Some("100%_".into()), ..ListParams::default() };
        assert_eq!(e.svc.list_secrets(&op, &p).await.unwrap().total, 0, "LIKE wildcards are literal");
        let p = ListParams {
            sort: maruhi_service::SortKey::Level,
            descending: false,
            per_page: 1,
            ..ListParams::default()
        };
        assert_eq!(e.svc.list_secrets(&op, &p).await.unwrap().items[0].level, "極秘");
    })
    .await;
}

#[tokio::test]
async fn csv_export_opens_in_excel_and_defuses_formulas() {
    both(|e| async move {
        let op = Actor::operator();
        e.svc
            .create_secret(&op, SecretInput { summary: "=HYPERLINK(\"x\")".into(), ..input("顧客, \"重要\"") })
            .await
            .unwrap();
        let csv = e.svc.export_csv(&op, &ListParams::default(), maruhi_service::i18n::Lang::Ja).await.unwrap();
        assert!(csv.starts_with("\u{feff}管理番号,名称,"));
        assert!(csv.contains("\"顧客, \"\"重要\"\"\""));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""));
        assert_eq!(e.svc.audit_log(&op, Some("register.export"), 1, 10).await.unwrap().total, 1);
    })
    .await;
}

#[tokio::test]
async fn levels_are_configurable_but_used_ones_stay() {
    both(|e| async move {
        let op = Actor::operator();
        assert_eq!(e.svc.levels().await.unwrap(), ["極秘", "秘", "社外秘"]);
        e.svc.create_secret(&op, SecretInput { level: "秘".into(), ..input("a") }).await.unwrap();
        let err = e.svc.set_levels(&op, &["極秘".into(), "社外秘".into()]).await.unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
        e.svc.set_levels(&op, &["極秘".into(), "秘".into(), "関係者限り".into()]).await.unwrap();
        assert_eq!(e.svc.levels().await.unwrap(), ["極秘", "秘", "関係者限り"]);
    })
    .await;
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_message() {
    let url = maruhi_store::testing::fresh_sqlite();
    maruhi_service::Service::open(&url).await.unwrap().close().await;
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        sqlx::query("INSERT INTO schema_meta (version) VALUES (99)").execute(&mut c).await.unwrap();
    }
    let err = maruhi_service::Service::open(&url).await.unwrap_err();
    assert_eq!(err.code(), "MRH-STORE-002");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[tokio::test]
async fn demo_data_loads_once() {
    let e = crate::env(maruhi_store::testing::fresh_sqlite()).await;
    e.svc.init_admin("admin", maruhi_service::demo::DEMO_PASSWORD).await.unwrap();
    assert!(maruhi_service::demo::load(&e.svc).await.unwrap());
    assert!(!maruhi_service::demo::load(&e.svc).await.unwrap());
    let all = e.svc.list_secrets(&Actor::operator(), &ListParams::default()).await.unwrap();
    assert_eq!(all.total, 9);
    let (_, w) = e.svc.login("watanabe", maruhi_service::demo::DEMO_PASSWORD, "x").await.unwrap();
    let visible = e.svc.list_secrets(&w.actor, &ListParams::default()).await.unwrap();
    assert!(visible.total > 0 && visible.total < all.total);
    let op = Actor::operator();
    let mut fingerprinted = 0;
    for s in &all.items {
        fingerprinted += e.svc.secret_materials(&op, s.id).await.unwrap().len();
    }
    assert_eq!(fingerprinted, 2, "the demo gives the scanner something to find");
    let (_, t) = e.svc.login("tanaka", maruhi_service::demo::DEMO_PASSWORD, "x").await.unwrap();
    let alerts = e.svc.alerts(&t.actor, None, 100).await.unwrap();
    assert!(!alerts.is_empty(), "the demo's activity logs give the analyst alerts to triage");
    let ranked = e.svc.risk_users(&t.actor, None, 10, Default::default()).await.unwrap();
    assert!(ranked.len() >= 5 && ranked[0].score > 0.0, "{ranked:?}");
}

#[tokio::test]
async fn only_registered_secrets_are_acknowledged() {
    both(|e| async move {
        org(&e).await;
        let sato = e.actor("sato").await;
        let draft = SecretInput { grants: vec!["watanabe".into()], status: None, ..input("試作中") };
        let s = e.svc.create_secret(&sato, draft).await.unwrap();
        let w = e.actor("watanabe").await;
        assert!(matches!(e.svc.acknowledge(&w, s.id).await, Err(Error::Invalid(_))));
        assert!(e.svc.acknowledgements(&sato, s.id).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn search_finds_full_width_and_mixed_case_titles() {
    both(|e| async move {
        let op = Actor::operator();
        e.svc.create_secret(&op, input("ＭＸ－７ Gearbox 図面")).await.unwrap();
        for q in ["ＭＸ－７", "gearbox", "GEARBOX", "図面"] {
            let p = ListParams { text: Some(q.into()), ..ListParams::default() };
            assert_eq!(e.svc.list_secrets(&op, &p).await.unwrap().total, 1, "{q}");
        }
    })
    .await;
}
