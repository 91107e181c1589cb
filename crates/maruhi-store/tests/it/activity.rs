//! Activity events, imports, HR records and watchlists.

use maruhi_store::events::{self, Cursor, EventQuery, ImportCounts, NewEvent, NewImport};
use maruhi_store::hr::{self, HrDates, NewMember};
use maruhi_store::Db;

use crate::both;

async fn new_import(db: &Db) -> i64 {
    let mut tx = db.begin().await.unwrap();
    let id = events::create_import(
        tx.conn(),
        &NewImport {
            source: "proxy",
            format: "jsonl",
            actor_id: None,
            actor_name: "operator (CLI)",
            started_at: "2026-11-20T01:00:00Z",
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Events of three users at times that collide, so that order by id matters.
fn sample() -> Vec<(String, i64, Option<&'static str>)> {
    let mut v = Vec::new();
    for i in 0..1200i64 {
        let user = match i % 3 {
            0 => Some("tanaka"),
            1 => Some("sato"),
            _ => None,
        };
        // Ten events share each millisecond; ids are not in time order.
        v.push((format!("ev-{:05}", (i * 7919) % 100_000), 1_000_000 + (i / 10) * 1000, user));
    }
    v
}

async fn insert(db: &Db, import: i64, rows: &[(String, i64, Option<&'static str>)]) -> u64 {
    let batch: Vec<NewEvent<'_>> = rows
        .iter()
        .map(|(id, ts, user)| NewEvent {
            id,
            ts_ms: *ts,
            user_name: *user,
            action: "file-copy",
            body: "{}",
            source_line: 1,
        })
        .collect();
    let mut tx = db.begin().await.unwrap();
    let n = events::insert_batch(tx.conn(), import, &batch).await.unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn batches_are_idempotent_and_count_what_they_inserted() {
    both(|db| async move {
        let first = new_import(&db).await;
        let rows = sample();
        assert_eq!(insert(&db, first, &rows).await, 1200);
        // The same data again inserts nothing; a batch that repeats an id
        // inside itself and overlaps the stored ones inserts only what is new.
        let second = new_import(&db).await;
        assert_eq!(insert(&db, second, &rows).await, 0);
        let mut mixed = rows[..3].to_vec();
        mixed.push(("ev-new".into(), 5, Some("tanaka")));
        mixed.push(("ev-new".into(), 5, Some("tanaka")));
        assert_eq!(insert(&db, second, &mixed).await, 1);
        let mut conn = db.read().await.unwrap();
        assert_eq!(events::count(&mut conn).await.unwrap(), 1201);
        // A stored event keeps the import that brought it first.
        let q = EventQuery { user_name: Some("tanaka"), from_ms: 0, to_ms: 10, after: None, limit: 10 };
        let got = events::page(&mut conn, &q).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].id.as_str(), got[0].import_id), ("ev-new", second));

        let mut tx = db.begin().await.unwrap();
        let counts = ImportCounts { accepted: 1, duplicates: 1204, rejected: 2, skipped: 0, bytes: 99 };
        events::finish_import(tx.conn(), second, &counts, "ab", "2026-11-20T01:00:01Z").await.unwrap();
        tx.commit().await.unwrap();
        let row = events::get_import(&mut conn, second).await.unwrap().unwrap();
        assert_eq!((row.accepted, row.duplicates, row.rejected, row.bytes), (1, 1204, 2, 99));
        assert_eq!(row.finished_at.as_deref(), Some("2026-11-20T01:00:01Z"));
        let listed = events::imports(&mut conn, 10).await.unwrap();
        assert_eq!(listed.iter().map(|i| i.id).collect::<Vec<_>>(), vec![second, first]);
        assert!(listed[1].finished_at.is_none(), "never finished: interrupted");
    })
    .await;
}

#[tokio::test]
async fn a_users_events_come_in_time_then_id_order_page_by_page() {
    both(|db| async move {
        let import = new_import(&db).await;
        let rows = sample();
        insert(&db, import, &rows).await;
        let (from, to) = (1_005_000, 1_080_000);
        let mut want: Vec<(i64, String)> = rows
            .iter()
            .filter(|(_, ts, u)| *u == Some("tanaka") && *ts >= from && *ts < to)
            .map(|(id, ts, _)| (*ts, id.clone()))
            .collect();
        want.sort();
        assert!(want.len() > 100, "{}", want.len());

        let mut conn = db.read().await.unwrap();
        let mut got = Vec::new();
        let mut after: Option<Cursor> = None;
        loop {
            let q =
                EventQuery { user_name: Some("tanaka"), from_ms: from, to_ms: to, after: after.as_ref(), limit: 37 };
            let page = events::page(&mut conn, &q).await.unwrap();
            got.extend(page.iter().map(|e| (e.ts_ms, e.id.clone())));
            match page.last() {
                Some(last) if page.len() == 37 => after = Some(last.cursor()),
                _ => break,
            }
        }
        assert_eq!(got, want);

        // Every user's events, and who was active since a time.
        let q = EventQuery { user_name: None, from_ms: 0, to_ms: i64::MAX, after: None, limit: 5000 };
        assert_eq!(events::page(&mut conn, &q).await.unwrap().len(), 1200);
        assert_eq!(events::users_since(&mut conn, 0).await.unwrap(), vec!["sato", "tanaka"]);
        // Only the last millisecond: i = 1190..1199 (tanaka when i % 3 == 0, sato when 1).
        assert_eq!(events::users_since(&mut conn, 1_119_000).await.unwrap(), vec!["sato", "tanaka"]);
        insert(&db, import, &[("ev-late".to_owned(), 1_500_000, Some("tanaka"))]).await;
        assert_eq!(events::users_since(&mut conn, 1_119_001).await.unwrap(), vec!["tanaka"]);
        assert!(events::users_since(&mut conn, 2_000_000).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn hr_departures_count_on_the_watchlist_from_notice_to_end_date() {
    both(|db| async move {
        let mut tx = db.begin().await.unwrap();
        let dates =
            HrDates { notice_date: "2026-10-01", last_working_day: Some("2026-11-30"), end_date: Some("2026-12-31") };
        hr::upsert_hr(tx.conn(), "tanaka", &dates, "t1", "operator").await.unwrap();
        let open = HrDates { notice_date: "2026-11-15", last_working_day: None, end_date: None };
        hr::upsert_hr(tx.conn(), "suzuki", &open, "t1", "operator").await.unwrap();
        for user in ["tanaka", "suzuki"] {
            let m = NewMember {
                list: "departing",
                user_name: user,
                note: "",
                source: "hr",
                added_by: "operator",
                added_at: "t1",
            };
            assert!(hr::add_member(tx.conn(), &m).await.unwrap());
            assert!(!hr::add_member(tx.conn(), &m).await.unwrap(), "already there");
        }
        let manual = NewMember {
            list: "contractors",
            user_name: "vendor1",
            note: "SES",
            source: "manual",
            added_by: "legal",
            added_at: "t1",
        };
        assert!(hr::add_member(tx.conn(), &manual).await.unwrap());
        tx.commit().await.unwrap();

        let mut conn = db.read().await.unwrap();
        let names = |rows: Vec<hr::WatchRow>| {
            rows.into_iter().map(|r| format!("{}:{}", r.list, r.user_name)).collect::<Vec<_>>()
        };
        let on = |d: &'static str| {
            let db = db.clone();
            async move {
                let mut c = db.read().await.unwrap();
                names(hr::watchlist(&mut c, Some("departing"), d).await.unwrap())
            }
        };
        assert!(on("2026-09-30").await.is_empty(), "before any notice");
        assert_eq!(on("2026-10-01").await, vec!["departing:tanaka"]);
        assert_eq!(on("2026-12-31").await, vec!["departing:suzuki", "departing:tanaka"]);
        assert_eq!(on("2027-01-01").await, vec!["departing:suzuki"], "tanaka's end date passed");
        assert_eq!(
            names(hr::watchlist(&mut conn, None, "2027-01-01").await.unwrap()),
            vec!["contractors:vendor1", "departing:suzuki"]
        );
        let row = hr::member(&mut conn, "departing", "tanaka").await.unwrap().unwrap();
        assert_eq!((row.source.as_str(), row.end_date.as_deref()), ("hr", Some("2026-12-31")));

        // Re-import replaces the dates; the record stays one row.
        let mut tx = db.begin().await.unwrap();
        let later =
            HrDates { notice_date: "2026-10-01", last_working_day: Some("2027-01-31"), end_date: Some("2027-02-28") };
        hr::upsert_hr(tx.conn(), "tanaka", &later, "t2", "legal").await.unwrap();
        tx.commit().await.unwrap();
        let all = hr::list_hr(&mut conn).await.unwrap();
        assert_eq!(all.iter().map(|r| r.user_name.as_str()).collect::<Vec<_>>(), vec!["suzuki", "tanaka"]);
        assert_eq!((all[1].end_date.as_deref(), all[1].updated_by.as_str()), (Some("2027-02-28"), "legal"));
        assert_eq!(on("2027-01-01").await, vec!["departing:suzuki", "departing:tanaka"]);

        // The database refuses dates out of order.
        let mut tx = db.begin().await.unwrap();
        let bad = HrDates { notice_date: "2026-12-01", last_working_day: Some("2026-11-01"), end_date: None };
        assert!(hr::upsert_hr(tx.conn(), "ito", &bad, "t", "x").await.is_err());
        drop(tx);

        let mut tx = db.begin().await.unwrap();
        assert!(hr::remove_member(tx.conn(), "contractors", "vendor1").await.unwrap());
        assert!(!hr::remove_member(tx.conn(), "contractors", "vendor1").await.unwrap());
        tx.commit().await.unwrap();
        assert!(hr::watchlist(&mut conn, Some("contractors"), "2027-01-01").await.unwrap().is_empty());
    })
    .await;
}
