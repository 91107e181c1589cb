//! Identity aliases and paged alert lists.

use maruhi_store::identities::{self, AliasRow};
use maruhi_store::risk::{self, AlertFilter, NewAlert};

use crate::both;

fn alias(alias: &str, user: &str) -> AliasRow {
    AliasRow {
        alias: alias.into(),
        user_name: user.into(),
        note: String::new(),
        added_by: "operator".into(),
        added_at: "t1".into(),
    }
}

#[tokio::test]
async fn aliases_are_kept_replaced_and_removed() {
    both(|db| async move {
        let mut tx = db.begin().await.unwrap();
        identities::upsert(tx.conn(), &alias("tanaka@example.co.jp", "tanaka")).await.unwrap();
        identities::upsert(tx.conn(), &alias("corp\\t.tanaka", "tanaka")).await.unwrap();
        identities::upsert(tx.conn(), &alias("sato2", "suzuki")).await.unwrap();
        // Pointing an alias at someone else replaces it.
        identities::upsert(tx.conn(), &alias("sato2", "sato")).await.unwrap();
        tx.commit().await.unwrap();

        let mut conn = db.read().await.unwrap();
        let all = identities::list(&mut conn).await.unwrap();
        let pairs: Vec<_> = all.iter().map(|r| format!("{}={}", r.alias, r.user_name)).collect();
        assert_eq!(pairs, ["sato2=sato", "corp\\t.tanaka=tanaka", "tanaka@example.co.jp=tanaka"]);
        assert_eq!(identities::get(&mut conn, "sato2").await.unwrap().unwrap().user_name, "sato");
        drop(conn);

        let mut tx = db.begin().await.unwrap();
        assert!(identities::remove(tx.conn(), "sato2").await.unwrap());
        assert!(!identities::remove(tx.conn(), "sato2").await.unwrap());
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        // An alias of itself is refused by the schema.
        assert!(identities::upsert(tx.conn(), &alias("same", "same")).await.is_err());
        drop(tx);
        let mut conn = db.read().await.unwrap();
        assert_eq!(identities::list(&mut conn).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn alerts_come_in_pages_with_a_total() {
    both(|db| async move {
        let alerts: Vec<NewAlert> = (0..5)
            .map(|i| NewAlert {
                key: format!("r/u{i}/2026-11-0{}", i + 1),
                user_name: format!("u{i}"),
                rule: "r".into(),
                title: "t".into(),
                title_ja: "t".into(),
                severity: "high".into(),
                day: format!("2026-11-0{}", i + 1),
                first_event_ms: i * 1000,
                last_event_ms: i * 1000,
                event_count: 1,
                event_ids: "[]".into(),
                reasons: "[]".into(),
            })
            .collect();
        let mut tx = db.begin().await.unwrap();
        risk::upsert_alerts(tx.conn(), &alerts, "t1").await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = db.read().await.unwrap();
        let f = AlertFilter { limit: 2, offset: 1, ..AlertFilter::default() };
        let page = risk::alerts(&mut conn, &f).await.unwrap();
        assert_eq!(page.iter().map(|a| a.alert.user_name.as_str()).collect::<Vec<_>>(), ["u3", "u2"]);
        assert_eq!(risk::count_alerts(&mut conn, &f).await.unwrap(), 5);
        let f = AlertFilter { limit: 10, offset: 4, ..AlertFilter::default() };
        assert_eq!(risk::alerts(&mut conn, &f).await.unwrap().len(), 1);
        let f = AlertFilter { status: Some("dismissed".into()), limit: 10, ..AlertFilter::default() };
        assert_eq!(risk::count_alerts(&mut conn, &f).await.unwrap(), 0);
    })
    .await;
}
