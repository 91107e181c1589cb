//! Activity-event imports, HR data and watchlists.

use std::sync::{Arc, Mutex};

use maruhi_service::hr::Watchlist;
use maruhi_service::i18n::Msg;
use maruhi_service::ingest::{CsvMapSpec, EventOptions, Format, ImportProgress, ImportReport};
use maruhi_service::{Actor, Error, Scope};
use sha2::{Digest, Sha256};
use time::macros::{date, datetime};

use crate::{both, Env};

/// Four events of two users and, on line 3, a record that is not an event.
const LOG: &str = concat!(
    r#"{"@timestamp":"2026-11-02T09:00:00+09:00","event":{"id":"e1","action":"logon"},"user":{"name":"tanaka"},"host":{"name":"PC-1"}}"#,
    "\n",
    r#"{"@timestamp":"2026-11-02T09:05:00+09:00","event":{"id":"e2","action":"file-copy"},"user":{"name":"tanaka"},"file":{"path":"E:\\図面.dwg"},"device":{"type":"removable"}}"#,
    "\n",
    r#"{"@timestamp":"2026-11-02T09:06:00+09:00","event":{"id":"e3","action":"exfiltrate"},"user":{"name":"tanaka"}}"#,
    "\n\n",
    r#"{"@timestamp":"2026-11-02T00:10:00Z","event":{"id":"e4","action":"file-upload"},"user":{"name":"sato"},"url":{"full":"https://drive.example.com/up"}}"#,
    "\n",
    r#"{"@timestamp":"2026-11-02T09:00:00+09:00","event":{"id":"e0","action":"logoff"},"user":{"name":"tanaka"}}"#,
    "\n",
);

async fn import(e: &Env, actor: &Actor, source: &str, text: &str) -> Result<ImportReport, Error> {
    e.svc
        .import_events(
            actor,
            source,
            Format::Jsonl,
            std::io::Cursor::new(text.to_owned()),
            &EventOptions::default(),
            |_| {},
        )
        .await
}

async fn team(e: &Env) {
    for (u, r) in
        [("suzuki", "analyst"), ("yamada", "legal"), ("sato", "manager"), ("ito", "auditor"), ("kato", "employee")]
    {
        e.user(u, r).await;
    }
}

#[tokio::test]
async fn bad_lines_are_reported_by_number_good_ones_kept_and_reimport_stores_nothing_twice() {
    both(|e| async move {
        team(&e).await;
        let suzuki = e.actor("suzuki").await;
        let r = import(&e, &suzuki, "endpoint-agent", LOG).await.unwrap();
        assert_eq!((r.accepted, r.duplicates, r.rejected_total, r.skipped), (4, 0, 1, 1), "{r:?}");
        assert_eq!(r.rejected.len(), 1);
        assert_eq!(r.rejected[0].line, 3);
        assert!(r.rejected[0].message.contains("event.action"), "{:?}", r.rejected[0]);
        assert!(!r.rejected[0].message.contains("exfiltrate"), "messages never quote the input");
        assert_eq!(r.bytes, LOG.len() as u64);
        let digest: String = Sha256::digest(LOG.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(r.sha256, digest);
        let first = r.import_id.unwrap();

        // The same file again: every event is a duplicate, none is new.
        let again = import(&e, &suzuki, "endpoint-agent", LOG).await.unwrap();
        assert_eq!((again.accepted, again.duplicates, again.rejected_total), (0, 4, 1));
        assert_ne!(again.import_id, Some(first));
        assert_eq!(e.svc.event_count(&suzuki).await.unwrap(), 4);

        // One audit event per import, with counts and digest; none per event.
        let op = Actor::operator();
        let log = e.svc.audit_log(&op, Some("events."), 1, 50).await.unwrap();
        assert_eq!(log.items.len(), 2);
        let entry = log.items.iter().find(|i| i.object_id == Some(first.to_string())).unwrap();
        assert_eq!((entry.action.as_str(), entry.object_type.as_str()), ("events.import", "event_import"));
        assert_eq!(entry.summary["accepted"], 4);
        assert_eq!(entry.summary["rejected"], 1);
        assert_eq!(entry.summary["source"], "endpoint-agent");
        assert_eq!(entry.summary["sha256"], digest.as_str());
        assert!(e.svc.verify_ledger().await.unwrap().ok());

        // The user's events come back in time order, ties by id.
        let from = datetime!(2026-11-01 00:00 UTC);
        let to = datetime!(2026-11-03 00:00 UTC);
        let page = e.svc.user_events(&suzuki, "tanaka", from, to, None, 2).await.unwrap();
        let ids: Vec<_> = page.events.iter().map(|s| s.event.event.id.as_str()).collect();
        assert_eq!(ids, ["e0", "e1"]);
        let next = page.next.unwrap();
        let rest = e.svc.user_events(&suzuki, "tanaka", from, to, Some(&next), 2).await.unwrap();
        assert_eq!(rest.events.iter().map(|s| s.event.event.id.as_str()).collect::<Vec<_>>(), ["e2"]);
        assert!(rest.next.is_none());
        assert_eq!(rest.events[0].import_id, first);
        assert_eq!(e.svc.active_users(&suzuki, from).await.unwrap(), ["sato", "tanaka"]);
        assert!(e.svc.active_users(&suzuki, to).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn only_admins_and_analysts_with_write_scope_import_and_refusals_change_nothing() {
    both(|e| async move {
        team(&e).await;
        for who in ["yamada", "sato", "ito", "kato"] {
            let actor = e.actor(who).await;
            assert!(matches!(import(&e, &actor, "x", LOG).await, Err(Error::Forbidden)), "{who}");
        }
        let read_only = Actor { scope: Scope::Read, ..e.actor("suzuki").await };
        assert!(matches!(import(&e, &read_only, "x", LOG).await, Err(Error::Forbidden)));
        let suzuki = e.actor("suzuki").await;
        assert!(
            matches!(import(&e, &suzuki, " ", LOG).await, Err(Error::Invalid(f)) if f[0].msg == Msg::BadSourceName)
        );
        assert_eq!(e.svc.event_count(&suzuki).await.unwrap(), 0);
        // Reading events: admin, legal/IP, analysts.
        let yamada = e.actor("yamada").await;
        assert_eq!(e.svc.event_count(&yamada).await.unwrap(), 0);
        for who in ["sato", "ito", "kato"] {
            assert!(matches!(e.svc.event_count(&e.actor(who).await).await, Err(Error::Forbidden)), "{who}");
        }
        // Input in which nothing is an event stores and records nothing.
        let r = import(&e, &suzuki, "junk", "not json\n{}\n").await.unwrap();
        assert!(r.stored_nothing());
        assert_eq!((r.rejected_total, r.rejected.iter().map(|b| b.line).collect::<Vec<_>>()), (2, vec![1, 2]));
        let op = Actor::operator();
        assert!(e.svc.audit_log(&op, Some("events."), 1, 10).await.unwrap().items.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_large_import_runs_in_batches_with_progress_and_keeps_the_first_rejections() {
    both(|e| async move {
        let op = Actor::operator();
        let mut text = String::new();
        for i in 0..40_000u32 {
            if i % 5 == 4 {
                text.push_str("{\"broken\":\n");
            } else {
                text.push_str(&format!(
                    r#"{{"@timestamp":"2026-11-02T09:{:02}:{:02}+09:00","event":{{"action":"file-open"}},"user":{{"name":"u{}"}},"file":{{"path":"C:\\doc{i}.xlsx"}}}}"#,
                    (i / 60) % 60,
                    i % 60,
                    i % 7
                ));
                text.push('\n');
            }
        }
        let seen: Arc<Mutex<Vec<ImportProgress>>> = Arc::default();
        let sink = Arc::clone(&seen);
        let r = e
            .svc
            .import_events(&op, "bulk", Format::Jsonl, std::io::Cursor::new(text.clone()), &EventOptions::default(), move |p| {
                sink.lock().unwrap().push(p)
            })
            .await
            .unwrap();
        assert_eq!((r.accepted, r.rejected_total), (32_000, 8_000));
        assert_eq!(r.rejected.len(), 1000, "the first thousand are listed");
        assert_eq!(r.rejected[0].line, 5);
        assert_eq!(r.rejected[999].line, 5000);
        let seen = seen.lock().unwrap().clone();
        assert!(seen.len() >= 3, "{}", seen.len());
        assert!(seen.windows(2).all(|w| w[0].bytes <= w[1].bytes && w[0].records < w[1].records));
        assert_eq!(seen.last().map(|p| (p.bytes, p.records)), Some((text.len() as u64, 40_000)));
        // Ids derived from the lines: the same file again is all duplicates.
        let again = import(&e, &op, "bulk", &text).await.unwrap();
        assert_eq!((again.accepted, again.duplicates), (0, 32_000));
    })
    .await;
}

#[tokio::test]
async fn csv_columns_map_onto_the_schema() {
    both(|e| async move {
        let op = Actor::operator();
        let spec = CsvMapSpec {
            columns: vec!["@timestamp=日時,user.name=ユーザー".into(), "file.path=ファイル,event.action=操作".into()],
            action_values: vec!["コピー=file-copy,印刷=print".into()],
            ..CsvMapSpec::default()
        };
        let options = EventOptions::default().with_csv(spec.mapping().unwrap().unwrap());
        let csv = "日時,ユーザー,ファイル,操作\n2026-11-02 09:00:00,tanaka,E:\\a.xlsx,コピー\n2026-11-02 09:01:00,tanaka,C:\\b.pdf,印刷\n2026-11-02 09:02:00,tanaka,C:\\c.pdf,削除\n";
        let r = e
            .svc
            .import_events(&op, "dlp", Format::Csv, std::io::Cursor::new(csv), &options, |_| {})
            .await
            .unwrap();
        assert_eq!((r.accepted, r.rejected_total), (2, 1));
        assert_eq!(r.rejected[0].line, 4);
        let page = e
            .svc
            .user_events(&op, "tanaka", datetime!(2026-11-01 0:00 UTC), datetime!(2026-11-03 0:00 UTC), None, 10)
            .await
            .unwrap();
        let actions: Vec<_> = page.events.iter().map(|s| s.event.event.action.as_str()).collect();
        assert_eq!(actions, ["file-copy", "print"]);
        assert_eq!(page.events[0].event.timestamp, datetime!(2026-11-02 00:00 UTC), "local times are +09:00");

        // Mappings that cannot work are refused before reading anything.
        for (spec, field) in [
            (CsvMapSpec { columns: vec!["user.name".into()], ..CsvMapSpec::default() }, "csv_map"),
            (CsvMapSpec { columns: vec!["user=x,@timestamp=t".into()], action: Some("logon".into()), ..CsvMapSpec::default() }, "csv_map"),
            (CsvMapSpec { columns: vec!["@timestamp=t".into()], ..CsvMapSpec::default() }, "csv_map"),
            (CsvMapSpec { columns: vec!["@timestamp=t".into()], action: Some("steal".into()), ..CsvMapSpec::default() }, "csv_action"),
            (CsvMapSpec { delimiter: Some(";;".into()), ..CsvMapSpec::default() }, "csv_delimiter"),
        ] {
            assert!(matches!(spec.mapping(), Err(Error::Invalid(f)) if f[0].field == field), "{spec:?}");
        }
        let constant = CsvMapSpec { columns: vec!["@timestamp=t".into()], action: Some("print".into()), delimiter: Some("tab".into()), ..CsvMapSpec::default() };
        assert!(constant.mapping().unwrap().is_some());
        assert!(CsvMapSpec::default().mapping().unwrap().is_none(), "nothing given: the default mapping");
    })
    .await;
}

const HR: &str = "user,notice_date,last_working_day,end_date\n\
    tanaka,2026-10-01,2026-11-30,2026-12-31\n\
    suzuki.k,2026-11-15,,\n\
    mori,2026-13-01,,\n\
    ito,2026-12-01,2026-11-01,\n";

async fn hr(e: &Env, actor: &Actor, text: &str) -> Result<maruhi_service::hr::HrReport, Error> {
    e.svc.import_hr(actor, std::io::Cursor::new(text.to_owned())).await
}

fn users(list: &[maruhi_service::hr::WatchMember]) -> Vec<String> {
    list.iter().map(|m| format!("{}:{}", m.list.name(), m.user)).collect()
}

#[tokio::test]
async fn hr_import_keeps_good_lines_updates_on_reimport_and_drives_the_departing_list() {
    both(|e| async move {
        team(&e).await;
        let yamada = e.actor("yamada").await;
        let r = hr(&e, &yamada, HR).await.unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged, r.departing_added), (2, 0, 0, 2));
        let bad: Vec<_> =
            r.rejected.iter().map(|b| (b.line, b.field, b.message(maruhi_service::i18n::Lang::En))).collect();
        assert_eq!(
            bad,
            [
                (4, "notice_date", "Enter the date as YYYY-MM-DD."),
                (5, "dates", Msg::HrDateOrder.text(maruhi_service::i18n::Lang::En))
            ]
        );
        // Again: nothing changes, nothing is recorded.
        let op = Actor::operator();
        let before = e.svc.audit_log(&op, Some("hr."), 1, 10).await.unwrap().total;
        let r = hr(&e, &yamada, HR).await.unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged, r.departing_added), (0, 0, 2, 0));
        assert_eq!(e.svc.audit_log(&op, Some("hr."), 1, 10).await.unwrap().total, before);
        // New dates replace the old ones.
        let r =
            hr(&e, &yamada, "user,notice_date,last_working_day,end_date\ntanaka,2026-10-01,2027-01-31,2027-02-28\n")
                .await
                .unwrap();
        assert_eq!((r.inserted, r.updated), (0, 1));
        let suzuki = e.actor("suzuki").await;
        let records = e.svc.hr_records(&suzuki).await.unwrap();
        assert_eq!(records.iter().map(|r| r.user.as_str()).collect::<Vec<_>>(), ["suzuki.k", "tanaka"]);
        assert_eq!(records[1].end_date.as_deref(), Some("2027-02-28"));
        assert_eq!(records[1].updated_by, "yamada");

        // Membership as of a date: from the notice to the end date.
        let on = |d| {
            let svc = e.svc.clone();
            let suzuki = suzuki.clone();
            async move { users(&svc.watchlists(&suzuki, Some(Watchlist::Departing), Some(d)).await.unwrap()) }
        };
        assert!(on(date!(2026 - 09 - 30)).await.is_empty());
        assert_eq!(on(date!(2026 - 10 - 01)).await, ["departing:tanaka"]);
        assert_eq!(on(date!(2027 - 02 - 28)).await, ["departing:suzuki.k", "departing:tanaka"]);
        assert_eq!(on(date!(2027 - 03 - 01)).await, ["departing:suzuki.k"]);
        // Without a date: today in Japan (the clock says 2026-11-20 10:00 JST).
        assert_eq!(
            users(&e.svc.watchlists(&suzuki, None, None).await.unwrap()),
            ["departing:suzuki.k", "departing:tanaka"]
        );

        // The audit trail names the users only inside the committed summary.
        let entries = e.svc.audit_log(&op, Some("hr."), 1, 10).await.unwrap().items;
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|x| x.object_id.is_none() && x.object_type == "hr"));
        assert_eq!(entries[1].summary["departing_added"], serde_json::json!(["tanaka", "suzuki.k"]));
        assert_eq!(entries[0].summary["changes"][0]["end_date"], "2027-02-28");
        assert!(e.svc.verify_ledger().await.unwrap().ok());

        // A wrong header refuses the file; a file of bad lines changes nothing.
        assert!(
            matches!(hr(&e, &yamada, "name,notice\nx,y\n").await, Err(Error::Invalid(f)) if f[0].msg == Msg::HrHeader)
        );
        let r = hr(&e, &yamada, "user,notice_date,last_working_day,end_date\nkato,someday,,\n").await.unwrap();
        assert!(r.stored_nothing());
        assert_eq!(e.svc.hr_records(&suzuki).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn watchlists_are_kept_by_admin_and_legal_and_read_by_analysts() {
    both(|e| async move {
        team(&e).await;
        let yamada = e.actor("yamada").await;
        let m = e
            .svc
            .watchlist_add(&yamada, Watchlist::Contractors, "vendor.tanaka", "SES 契約 2026-12 まで")
            .await
            .unwrap();
        assert_eq!((m.source.as_str(), m.added_by.as_str()), ("manual", "yamada"));
        e.svc.watchlist_add(&yamada, Watchlist::Privileged, "dba01", "").await.unwrap();
        // Adding again with the same note changes nothing and records nothing.
        let op = Actor::operator();
        let n = e.svc.audit_log(&op, Some("watchlist."), 1, 10).await.unwrap().total;
        e.svc.watchlist_add(&yamada, Watchlist::Privileged, "dba01", "").await.unwrap();
        assert_eq!(e.svc.audit_log(&op, Some("watchlist."), 1, 10).await.unwrap().total, n);

        let suzuki = e.actor("suzuki").await;
        assert_eq!(
            users(&e.svc.watchlists(&suzuki, None, None).await.unwrap()),
            ["contractors:vendor.tanaka", "privileged:dba01"]
        );
        for who in ["suzuki", "sato", "ito", "kato"] {
            let actor = e.actor(who).await;
            assert!(
                matches!(e.svc.watchlist_add(&actor, Watchlist::Departing, "x", "").await, Err(Error::Forbidden)),
                "{who}"
            );
            assert!(
                matches!(e.svc.watchlist_remove(&actor, Watchlist::Privileged, "dba01").await, Err(Error::Forbidden)),
                "{who}"
            );
            assert!(matches!(e.svc.import_hr(&actor, std::io::Cursor::new(HR)).await, Err(Error::Forbidden)), "{who}");
        }
        for who in ["sato", "ito", "kato"] {
            let actor = e.actor(who).await;
            assert!(matches!(e.svc.watchlists(&actor, None, None).await, Err(Error::Forbidden)), "{who}");
            assert!(matches!(e.svc.hr_records(&actor).await, Err(Error::Forbidden)), "{who}");
        }
        assert!(matches!(
            e.svc.watchlist_add(&yamada, Watchlist::Departing, "bad\nname", "").await,
            Err(Error::Invalid(f)) if f[0].msg == Msg::BadPersonName
        ));

        // A departure from HR made by hand stays after its end date.
        hr(&e, &yamada, HR).await.unwrap();
        let made = e.svc.watchlist_add(&yamada, Watchlist::Departing, "tanaka", "面談で確認").await.unwrap();
        assert_eq!(made.source, "manual");
        let later = Some(date!(2027 - 06 - 01));
        let departing = e.svc.watchlists(&suzuki, Some(Watchlist::Departing), later).await.unwrap();
        assert_eq!(users(&departing), ["departing:suzuki.k", "departing:tanaka"]);

        e.svc.watchlist_remove(&yamada, Watchlist::Contractors, "vendor.tanaka").await.unwrap();
        assert!(matches!(
            e.svc.watchlist_remove(&yamada, Watchlist::Contractors, "vendor.tanaka").await,
            Err(Error::NotFound)
        ));
        // User names stay out of the entries' objects (personal data sits
        // behind the ledger's commitment, erasable).
        let entries = e.svc.audit_log(&op, Some("watchlist."), 1, 10).await.unwrap().items;
        let actions: Vec<_> =
            entries.iter().map(|x| (x.action.as_str(), x.object_id.as_deref().unwrap_or(""))).collect();
        assert_eq!(
            actions,
            [
                ("watchlist.remove", "contractors"),
                ("watchlist.add", "departing"),
                ("watchlist.add", "privileged"),
                ("watchlist.add", "contractors"),
            ]
        );
        assert_eq!(entries[1].summary["replaces"], "hr");
        assert!(e.svc.verify_ledger().await.unwrap().ok());
    })
    .await;
}

#[test]
fn summaries_are_stored_with_sorted_keys_whatever_the_map_order() {
    let mut map = serde_json::Map::new();
    map.insert("zeta".into(), serde_json::json!({"b": 1, "a": [{"y": 2, "x": 1}]}));
    map.insert("alpha".into(), serde_json::json!(true));
    assert_eq!(
        maruhi_service::audit::canonical_json(&serde_json::Value::Object(map)),
        r#"{"alpha":true,"zeta":{"a":[{"x":1,"y":2}],"b":1}}"#
    );
}

#[tokio::test]
async fn an_import_that_fails_midway_is_recorded_as_incomplete() {
    use sqlx::Connection;
    both(|e| async move {
        // The database refuses one event of the second batch.
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&e.url).await.unwrap();
        let poison = if e.url.starts_with("sqlite") {
            vec!["CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.id = 'poison' BEGIN SELECT RAISE(ABORT, 'poison'); END"]
        } else {
            vec![
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.id = 'poison' THEN RAISE EXCEPTION 'poison'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION poison()",
            ]
        };
        for sql in poison {
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        }
        c.close().await.unwrap();
        let mut text = String::new();
        for i in 0..18_000 {
            let id = if i == 17_000 { "poison".to_owned() } else { format!("ok{i}") };
            text.push_str(&format!(
                r#"{{"@timestamp":"2026-11-02T09:00:00+09:00","event":{{"id":"{id}","action":"logon"}},"user":{{"name":"u"}}}}"#
            ));
            text.push('\n');
        }
        let op = Actor::operator();
        assert!(matches!(import(&e, &op, "agent", &text).await, Err(Error::Store(_))));
        let log = e.svc.audit_log(&op, Some("events."), 1, 10).await.unwrap();
        assert_eq!(log.items.len(), 1);
        assert_eq!(log.items[0].summary["complete"], false);
        assert_eq!(log.items[0].summary["accepted"], 16_384, "the first batch stays");
        assert_eq!(e.svc.event_count(&op).await.unwrap(), 16_384);
    })
    .await;
}

#[tokio::test]
async fn hr_dates_outside_1900_to_2200_are_typos() {
    both(|e| async move {
        team(&e).await;
        let yamada = e.actor("yamada").await;
        let text = "user,notice_date,last_working_day,end_date\n\
                    tanaka,0000-01-01,,\n\
                    suzuki.k,2026-10-01,2026-11-30,9999-12-31\n\
                    sato,1900-01-01,2200-12-31,2200-12-31\n";
        let r = hr(&e, &yamada, text).await.unwrap();
        let bad: Vec<_> = r.rejected.iter().map(|b| (b.line, b.field)).collect();
        assert_eq!(bad, [(2, "notice_date"), (3, "end_date")]);
        assert_eq!(r.inserted, 1, "the edges of the range are dates");
    })
    .await;
}
