//! Samples written the way other tools write them (Winlogbeat 8, Elastic
//! Defend, Elasticsearch exports, Windows PowerShell 5.1): each imports
//! with nothing rejected and the expected events.

use maruhi_events::{read, Action, ActionMap, Event, Format, Options, Outcome, REMOVABLE};
use time::macros::datetime;

use crate::{bytes, golden};

/// Every item, failing the test on any rejected record.
fn all_good(format: Format, data: &[u8], options: &Options) -> (Vec<Event>, u64) {
    let mut events = read(format, data, options);
    let mut out = Vec::new();
    for item in events.by_ref() {
        match item {
            Ok(e) => out.push(e),
            Err(bad) => panic!("{format}: {bad}"),
        }
    }
    (out, events.skipped())
}

#[test]
fn winlogbeat_security_events() {
    let data = bytes("ecs/winlogbeat-security.ndjson");
    let (events, skipped) = all_good(Format::Jsonl, &data, &Options::default());
    insta::assert_snapshot!(
        "ecs_winlogbeat",
        golden(Format::Jsonl, "ecs/winlogbeat-security.ndjson", &Options::default())
    );
    // 4624, 4663, 4634 are ours; 4688 (process creation) is not.
    assert_eq!((events.len(), skipped), (3, 1));
    let logon = &events[0];
    assert_eq!(logon.event.action, Action::Logon);
    assert_eq!(logon.event.outcome, Some(Outcome::Success));
    assert_eq!(logon.event.code.as_deref(), Some("4624"));
    assert_eq!(logon.timestamp, datetime!(2026-11-30 00:12:00.123 UTC));
    assert_eq!(logon.user.as_ref().map(|u| (u.name.as_str(), u.domain.as_deref())), Some(("tanaka", Some("CORP"))));
    assert_eq!(logon.source.as_ref().map(|s| s.ip.to_string()), Some("192.0.2.10".to_owned()));
    // 4663 under the Removable Storage task with WriteData: a copy to removable media.
    let copy = &events[1];
    assert_eq!(copy.event.action, Action::FileCopy);
    assert_eq!(copy.device.as_ref().and_then(|d| d.kind.as_deref()), Some(REMOVABLE));
    assert_eq!(copy.file.as_ref().and_then(|f| f.name.as_deref()), Some("pump-spec.xlsx"));
    assert_eq!(copy.user.as_ref().map(|u| u.name.as_str()), Some("tanaka"));
    // Flat dotted keys and epoch milliseconds.
    let logoff = &events[2];
    assert_eq!(logoff.event.action, Action::Logoff);
    assert_eq!(logoff.timestamp, datetime!(2026-11-30 09:30:00 +9));
    assert_eq!(logoff.user.as_ref().map(|u| u.name.as_str()), Some("tanaka"));
}

#[test]
fn winlogbeat_ids_match_the_evtx_adapter() {
    // Computer, channel and record id, as the EVTX adapter derives them.
    let data = bytes("ecs/winlogbeat-security.ndjson");
    let (a, _) = all_good(Format::Jsonl, &data, &Options::default());
    let (b, _) = all_good(Format::Jsonl, &data, &Options::default());
    assert_eq!(a, b);
    let mut ids: Vec<_> = a.iter().map(|e| e.event.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[test]
fn unknown_fields_and_unmapped_actions_are_listed() {
    let data = bytes("ecs/winlogbeat-security.ndjson");
    let mut events = read(Format::Jsonl, &data[..], &Options::default());
    assert_eq!(events.by_ref().count(), 3);
    let unknown: Vec<_> = events.unknown_fields().iter().collect();
    assert!(unknown.contains(&("agent.type", 2)), "{unknown:?}");
    assert!(unknown.contains(&("winlog.logon.type", 2)), "{unknown:?}");
    assert!(!unknown.iter().any(|(name, _)| *name == "user.name" || *name == "event.action"));
    let unmapped: Vec<_> = events.unmapped_actions().iter().collect();
    assert_eq!(unmapped, [("created-process", 1)]);
}

#[test]
fn a_user_action_map_comes_first() {
    let data = bytes("ecs/winlogbeat-security.ndjson");
    let map = ActionMap::parse("# ours\ncreated-process = file-open\nlogged-in = skip\n").unwrap();
    let (events, skipped) = all_good(Format::Jsonl, &data, &Options::default().with_action_map(map));
    assert_eq!(skipped, 1);
    let actions: Vec<_> = events.iter().map(|e| e.event.action).collect();
    assert_eq!(actions, [Action::FileCopy, Action::FileOpen, Action::Logoff]);
}

#[test]
fn elasticsearch_search_response() {
    let data = bytes("ecs/search-response.json");
    let (events, skipped) = all_good(Format::Jsonl, &data, &Options::default());
    insta::assert_snapshot!(
        "ecs_search_response",
        golden(Format::Jsonl, "ecs/search-response.json", &Options::default())
    );
    assert_eq!((events.len(), skipped), (3, 0));
    let created = &events[0];
    assert_eq!(created.event.action, Action::FileWrite);
    // A space-separated local time takes the import's offset.
    assert_eq!(created.timestamp, datetime!(2026-11-30 09:30:00 +9));
    assert_eq!(created.file.as_ref().and_then(|f| f.size), Some(2_814_465));
    let mail = &events[1];
    assert_eq!(mail.event.action, Action::EmailSend);
    let email = mail.email.as_ref().unwrap();
    assert_eq!(email.from.as_deref(), Some("tanaka@corp.example"));
    assert_eq!(email.to, ["buyer@rival.example", "sales@rival.example"]);
    assert_eq!(email.cc, ["boss@corp.example"]);
    let attachments: Vec<_> = email.attachments.iter().map(|a| (a.name.as_str(), a.size)).collect();
    assert_eq!(attachments, [("pump-spec.xlsx", Some(2_814_465)), ("memo.txt", Some(321))]);
    // Epoch seconds as a string.
    assert_eq!(mail.timestamp, datetime!(2026-11-30 10:30:00 +9));
    assert_eq!(events[2].event.action, Action::FileDelete);
}

#[test]
fn hits_one_per_line_give_the_same_events() {
    let (lines, _) = all_good(Format::Jsonl, &bytes("ecs/hits.ndjson"), &Options::default());
    let (response, _) = all_good(Format::Jsonl, &bytes("ecs/search-response.json"), &Options::default());
    assert_eq!(lines, response);
}

#[test]
fn powershell_5_1_export_csv() {
    // UTF-16LE with a BOM, a `#TYPE` line, every field quoted.
    let data = bytes("m365/search-unifiedauditlog-ps51.csv");
    let (events, skipped) = all_good(Format::M365, &data, &Options::default());
    insta::assert_snapshot!(
        "m365_ps51",
        golden(Format::M365, "m365/search-unifiedauditlog-ps51.csv", &Options::default())
    );
    // Three records: a download, a page view (outside the vocabulary), a
    // sent mail; the header is not a record.
    assert_eq!((events.len(), skipped), (2, 1));
    let download = &events[0];
    assert_eq!(download.event.action, Action::FileDownload);
    assert_eq!(download.file.as_ref().and_then(|f| f.path.as_deref()), None);
    assert_eq!(download.file.as_ref().and_then(|f| f.name.as_deref()), Some("pump-spec.xlsx"));
    assert_eq!(
        download.url.as_ref().map(|u| u.full.as_str()),
        Some("https://contoso.sharepoint.com/sites/rd/Shared Documents/設計/pump-spec.xlsx")
    );
    assert_eq!(events[1].event.action, Action::EmailSend);
    assert_eq!(events[1].email.as_ref().map(|m| m.attachments.len()), Some(2));

    // The same file as UTF-8 with a BOM (Export-Csv -Encoding UTF8) and
    // without one reads the same.
    let text = decode_utf16le(&data);
    for prefix in ["\u{feff}", ""] {
        let utf8 = format!("{prefix}{text}");
        let (again, skipped_again) = all_good(Format::M365, utf8.as_bytes(), &Options::default());
        assert_eq!((again, skipped_again), (events.clone(), skipped));
    }
}

fn decode_utf16le(data: &[u8]) -> String {
    let units: Vec<u16> = data[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    String::from_utf16(&units).unwrap()
}

#[test]
fn the_headers_of_csv_formats_are_not_records() {
    for (format, rel) in [(Format::M365, "m365/audit-export.csv"), (Format::Cert, "cert/r4.2/logon.csv")] {
        let data = bytes(rel);
        let mut events = read(format, &data[..], &Options::default());
        let items = events.by_ref().count() as u64;
        let lines = data.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count() as u64;
        // Every line but the header is an event, a bad record or a skipped one.
        assert_eq!(items + events.skipped(), lines - 1, "{rel}");
    }
}

#[test]
fn every_sample_reads_back_through_the_canonical_form() {
    for (format, rel) in [
        (Format::Jsonl, "ecs/winlogbeat-security.ndjson"),
        (Format::Jsonl, "ecs/search-response.json"),
        (Format::M365, "m365/search-unifiedauditlog-ps51.csv"),
        (Format::M365, "m365/audit.json"),
        (Format::Cert, "cert/r6.2/http.csv"),
        (Format::Squid, "squid/access.log"),
    ] {
        for event in read(format, &bytes(rel)[..], &Options::default()).flatten() {
            let line = event.to_json_line();
            let again: Vec<_> = read(Format::Jsonl, line.as_bytes(), &Options::default()).collect();
            assert_eq!(again, vec![Ok(event)], "{rel}");
        }
    }
}
