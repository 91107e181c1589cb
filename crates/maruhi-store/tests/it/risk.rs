//! Risk analyses stored by two servers at once.

use maruhi_store::risk::{self, IndicatorRow, NewAlert};
use maruhi_store::Db;
use sqlx::Row;

fn alerts(n: i64) -> Vec<NewAlert> {
    (0..n)
        .map(|i| NewAlert {
            key: format!("r/u{i}/2026-11-01"),
            user_name: format!("u{i}"),
            rule: "r".into(),
            title: "t".into(),
            title_ja: "t".into(),
            severity: "high".into(),
            day: "2026-11-01".into(),
            first_event_ms: i,
            last_event_ms: i,
            event_count: 1,
            event_ids: "[]".into(),
            reasons: "[]".into(),
        })
        .collect()
}

fn indicators(n: i64) -> Vec<IndicatorRow> {
    (0..n)
        .map(|i| IndicatorRow {
            user_name: format!("u{i}"),
            time_ms: i,
            day: "2026-11-01".into(),
            rule: "r".into(),
            title: "t".into(),
            title_ja: "t".into(),
            level: "high".into(),
            weight: 1.0,
            above_usual: false,
            sequence: false,
            reason_ja: String::new(),
            reason_en: String::new(),
            event_ids: "[]".into(),
        })
        .collect()
}

async fn count(db: &Db, table: &str) -> i64 {
    let mut conn = db.read().await.unwrap();
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&mut *conn).await.unwrap().get("n")
}

/// The second of two analyses stored at once (two servers on one PostgreSQL
/// database) waits for the first: each indicator is stored once, each alert
/// once, and each new alert is reported new once (its audit event).
#[tokio::test]
async fn two_analyses_at_once_store_and_report_each_alert_once() {
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL test server on 127.0.0.1:5432");
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let (first_alerts, first_indicators) = (alerts(5), indicators(3));

    let mut first = db.begin().await.unwrap();
    let fresh_first = risk::store_analysis(&mut first, &first_indicators, &first_alerts, "t1", 10).await.unwrap();
    let db2 = db.clone();
    let second = tokio::spawn(async move {
        let mut tx = db2.begin().await.unwrap();
        let fresh = risk::store_analysis(&mut tx, &indicators(3), &alerts(5), "t2", 10).await.unwrap();
        tx.commit().await.unwrap();
        fresh
    });
    // The first commits only once the second waits on a lock (the analysis
    // lock, or without it a row the first wrote), so they overlap for sure.
    let mut waited = false;
    for _ in 0..1000 {
        let mut conn = db.read().await.unwrap();
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid \
             WHERE NOT l.granted AND s.datname = current_database()",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get("n");
        if n > 0 {
            waited = true;
            break;
        }
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(waited, "the second analysis never waited for the first");
    first.commit().await.unwrap();
    let fresh_second = second.await.unwrap();

    assert_eq!(fresh_first.len(), 5);
    assert_eq!(fresh_second, Vec::<String>::new(), "the second analysis saw the first's alerts");
    assert_eq!(count(&db, "risk_alerts").await, 5);
    assert_eq!(count(&db, "risk_indicators").await, 3, "no indicator stored twice");
    let mut conn = db.read().await.unwrap();
    let page = risk::alerts(&mut conn, &risk::AlertFilter { limit: 10, ..risk::AlertFilter::default() }).await.unwrap();
    assert!(page.iter().all(|a| !a.stale && a.created_at == "t1"), "alerts keep their first creation");
}

/// Re-analysis keeps triage and marks alerts the analysis no longer produces
/// stale, on both backends.
#[tokio::test]
async fn an_upsert_keeps_triage_and_marks_missing_alerts_stale() {
    crate::both(|db| async move {
        let mut tx = db.begin().await.unwrap();
        risk::store_analysis(&mut tx, &[], &alerts(3), "t1", 0).await.unwrap();
        tx.commit().await.unwrap();
        let mut conn = db.read().await.unwrap();
        let a0 = risk::alert_by_key(&mut conn, "r/u0/2026-11-01").await.unwrap().unwrap();
        drop(conn);
        let mut tx = db.begin().await.unwrap();
        sqlx::query("UPDATE risk_alerts SET status = 'investigating' WHERE id = $1")
            .bind(a0.id)
            .execute(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut changed = alerts(2);
        changed[0].event_count = 7;
        let mut tx = db.begin().await.unwrap();
        let fresh = risk::store_analysis(&mut tx, &[], &changed, "t2", 0).await.unwrap();
        tx.commit().await.unwrap();
        assert!(fresh.is_empty());
        let mut conn = db.read().await.unwrap();
        let a0 = risk::alert_by_key(&mut conn, "r/u0/2026-11-01").await.unwrap().unwrap();
        assert_eq!((a0.status.as_str(), a0.alert.event_count, a0.stale), ("investigating", 7, false));
        assert_eq!(a0.created_at, "t1");
        let a2 = risk::alert_by_key(&mut conn, "r/u2/2026-11-01").await.unwrap().unwrap();
        assert!(a2.stale);
    })
    .await;
}
