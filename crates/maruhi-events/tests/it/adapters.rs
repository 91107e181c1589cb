use maruhi_events::{read, Action, CsvAction, CsvMapping, Event, Field, Format, Options, REMOVABLE};
use time::macros::offset;

use crate::{bytes, golden};

fn ok_events(format: Format, rel: &str, options: &Options) -> Vec<Event> {
    let data = bytes(rel);
    read(format, &data[..], options).filter_map(Result::ok).collect()
}

#[test]
fn jsonl_canonical() {
    let v = golden(Format::Jsonl, "jsonl/events.jsonl", &Options::default());
    insta::assert_snapshot!("jsonl", v);
}

#[test]
fn jsonl_round_trips_through_the_canonical_form() {
    for e in ok_events(Format::Jsonl, "jsonl/events.jsonl", &Options::default()) {
        let line = e.to_json_line();
        let again = ok_events_from(Format::Jsonl, line.as_bytes());
        assert_eq!(again, vec![e]);
    }
}

fn ok_events_from(format: Format, data: &[u8]) -> Vec<Event> {
    read(format, data, &Options::default()).filter_map(Result::ok).collect()
}

#[test]
fn bad_records_never_quote_the_input() {
    for (format, rel) in [
        (Format::Jsonl, "jsonl/events.jsonl"),
        (Format::M365, "m365/audit.jsonl"),
        (Format::Squid, "squid/access.log"),
        (Format::Cert, "cert/r4.2/logon.csv"),
    ] {
        let data = bytes(rel);
        for bad in read(format, &data[..], &Options::default()).filter_map(Result::err) {
            for secret in
                ["Taro Yamada", "hunter2", "secret-value", "exfiltrate", "yesterday", "tanaka@", "not-a-time", "Reboot"]
            {
                assert!(!bad.message.contains(secret), "{format}: {bad} quotes input");
            }
        }
    }
}

#[test]
fn ids_are_stable_across_imports() {
    let a = ok_events(Format::Squid, "squid/access.log", &Options::default());
    let b = ok_events(Format::Squid, "squid/access.log", &Options::new(offset!(UTC)));
    assert!(!a.is_empty());
    let ids = |v: &[Event]| v.iter().map(|e| e.event.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    let mut unique = ids(&a);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), a.len());
}

#[test]
fn cert_r4_2() {
    for file in ["logon", "device", "file", "email", "http"] {
        let v = golden(Format::Cert, &format!("cert/r4.2/{file}.csv"), &Options::default());
        insta::assert_snapshot!(format!("cert_r4.2_{file}"), v);
    }
}

#[test]
fn cert_r6_2() {
    for file in ["device", "file", "email", "http"] {
        let v = golden(Format::Cert, &format!("cert/r6.2/{file}.csv"), &Options::default());
        insta::assert_snapshot!(format!("cert_r6.2_{file}"), v);
    }
}

#[test]
fn cert_without_header() {
    for file in ["http", "file", "device"] {
        let v = golden(Format::Cert, &format!("cert/headerless/{file}.csv"), &Options::default());
        insta::assert_snapshot!(format!("cert_headerless_{file}"), v);
    }
}

#[test]
fn cert_copy_to_removable_media() {
    let events = ok_events(Format::Cert, "cert/r6.2/file.csv", &Options::default());
    let copy = events.iter().find(|e| e.event.action == Action::FileCopy);
    let device = copy.and_then(|e| e.device.as_ref()).and_then(|d| d.kind.as_deref());
    assert_eq!(device, Some(REMOVABLE));
    // The file opened *from* removable media is not marked as going to it.
    assert!(events.iter().filter(|e| e.event.action == Action::FileOpen).all(|e| e.device.is_none()));
}

#[test]
fn cert_local_time_takes_the_default_offset() {
    let events = ok_events(Format::Cert, "cert/r4.2/logon.csv", &Options::new(offset!(-5)));
    assert_eq!(events[0].timestamp, time::macros::datetime!(2010-01-02 06:49:00 -5));
}

fn dlp_mapping() -> CsvMapping {
    CsvMapping::new(CsvAction::Column {
        column: "Operation".to_owned(),
        values: vec![
            ("USBコピー".to_owned(), Action::FileCopy),
            ("印刷".to_owned(), Action::Print),
            ("ファイル削除".to_owned(), Action::FileDelete),
        ],
    })
    .column(Field::Timestamp, "Time")
    .column(Field::UserName, "Account")
    .column(Field::HostName, "Machine")
    .column(Field::FilePath, "Path")
    .column(Field::FileSize, "Bytes")
    .column(Field::DeviceType, "Target")
}

#[test]
fn csv_with_a_mapping() {
    let options = Options::default().with_csv(dlp_mapping());
    let v = golden(Format::Csv, "csv/dlp-export.csv", &options);
    insta::assert_snapshot!("csv_dlp", v);
}

#[test]
fn csv_with_ecs_column_names() {
    let v = golden(Format::Csv, "csv/ecs-columns.csv", &Options::default());
    insta::assert_snapshot!("csv_ecs", v);
}

#[test]
fn csv_constant_action_and_missing_columns() {
    let mapping = CsvMapping::new(CsvAction::Constant(Action::Print))
        .column(Field::Timestamp, "Time")
        .column(Field::UserName, "Nobody");
    let data = bytes("csv/dlp-export.csv");
    let items: Vec<_> = read(Format::Csv, &data[..], &Options::default().with_csv(mapping)).collect();
    let Some(Err(first)) = items.first() else { panic!("expected a header complaint first") };
    assert_eq!(first.line, 1);
    assert_eq!(first.message, "header lacks mapped columns: Nobody");
    assert!(items[1..].iter().flatten().all(|e| e.event.action == Action::Print && e.user.is_none()));
}

#[test]
fn squid_access_log() {
    let v = golden(Format::Squid, "squid/access.log", &Options::default());
    insta::assert_snapshot!("squid", v);
}

#[test]
fn m365_json_array() {
    let v = golden(Format::M365, "m365/audit.json", &Options::default());
    insta::assert_snapshot!("m365_array", v);
}

#[test]
fn m365_json_lines() {
    let v = golden(Format::M365, "m365/audit.jsonl", &Options::default());
    insta::assert_snapshot!("m365_lines", v);
}

#[test]
fn m365_csv_export() {
    let v = golden(Format::M365, "m365/audit-export.csv", &Options::default());
    insta::assert_snapshot!("m365_csv", v);
}

#[test]
fn m365_array_and_csv_agree() {
    let array = ok_events(Format::M365, "m365/audit.json", &Options::default());
    let csv = ok_events(Format::M365, "m365/audit-export.csv", &Options::default());
    assert!(!csv.is_empty());
    for e in &csv {
        assert!(array.contains(e), "{} differs between the CSV export and the JSON", e.event.id);
    }
}

#[cfg(feature = "evtx")]
#[test]
fn evtx_samples() {
    for file in ["4624-pass-the-hash", "4625-ssh-bruteforce", "4663-task-manager-lsass", "6416-external-device"] {
        let v = golden(Format::Evtx, &format!("evtx/{file}.evtx"), &Options::default());
        insta::assert_snapshot!(format!("evtx_{file}"), v);
    }
}

#[cfg(feature = "evtx")]
#[test]
fn evtx_truncated_and_garbage() {
    let data = bytes("evtx/4624-pass-the-hash.evtx");
    // Cut in the middle of the first chunk: the header passes, the chunk is reported.
    let cut = &data[..4096 + 1000];
    let items: Vec<_> = read(Format::Evtx, cut, &Options::default()).collect();
    assert!(matches!(items.last(), Some(Err(b)) if b.message.contains("truncated")));
    let items: Vec<_> = read(Format::Evtx, &b"MZ not an evtx file"[..], &Options::default()).collect();
    assert!(matches!(&items[..], [Err(b)] if b.message.contains("not an EVTX file")));
    assert_eq!(read(Format::Evtx, &b""[..], &Options::default()).count(), 0);
}

#[cfg(not(feature = "evtx"))]
#[test]
fn evtx_without_the_feature_says_so() {
    let items: Vec<_> = read(Format::Evtx, &b"ElfFile\0"[..], &Options::default()).collect();
    assert!(matches!(&items[..], [Err(b)] if b.message.contains("feature `evtx`")));
    assert!(!Format::Evtx.is_built());
}

#[test]
fn every_format_but_evtx_is_always_built() {
    for f in Format::ALL {
        assert_eq!(f.is_built(), f != Format::Evtx || cfg!(feature = "evtx"), "{f}");
    }
}

#[test]
fn format_names() {
    for f in Format::ALL {
        assert_eq!(f.name().parse::<Format>(), Ok(f));
    }
    assert!("syslog".parse::<Format>().is_err());
    for a in Action::ALL {
        assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        assert_eq!(serde_json::to_value(a).ok(), Some(serde_json::Value::from(a.as_str())));
    }
}

#[test]
fn each_event_tells_the_line_its_record_starts_on() {
    let data = "\n{\"@timestamp\":\"2026-03-02T09:15:00+09:00\",\"event\":{\"action\":\"logon\"}}\nnot json\n\n{\"@timestamp\":\"2026-03-02T09:16:00+09:00\",\"event\":{\"action\":\"logoff\"}}\n";
    let mut events = read(Format::Jsonl, data.as_bytes(), &Options::default());
    assert_eq!(events.line(), 0);
    let mut seen = Vec::new();
    while let Some(item) = events.next() {
        seen.push(match item {
            Ok(e) => format!("{} on {}", e.event.action, events.line()),
            Err(bad) => format!("bad on {}", bad.line),
        });
    }
    assert_eq!(seen, ["logon on 2", "bad on 3", "logoff on 5"]);
    let squid = "1772410500.123 250 10.0.0.7 TCP_MISS/200 512 GET http://a.example/ - HIER_NONE/- text/html\n";
    let two = format!("{squid}{squid}");
    let mut events = read(Format::Squid, two.as_bytes(), &Options::default());
    assert!(events.nth(1).is_some_and(|e| e.is_ok()));
    assert_eq!(events.line(), 2);
}

#[test]
fn csv_records_are_numbered_by_the_line_they_start_on() {
    // Blank lines, CRLF terminators and a quoted field over two lines: the
    // `csv` crate's own positions are where the previous record ended.
    for nl in ["\n", "\r\n"] {
        let data = [
            "@timestamp,event.action,user.name,file.path",
            "2026-03-02 09:00:00,logon,a,",
            "",
            "",
            "2026-03-02 09:00:00,steal,b,",
            "2026-03-02 09:00:00,file-write,c,\"two",
            "lines\"",
            "x,logon,d,",
            "2026-03-02 09:00:00,nope,e,",
        ]
        .join(nl);
        let bad: Vec<_> =
            read(Format::Csv, data.as_bytes(), &Options::default()).filter_map(Result::err).map(|b| b.line).collect();
        assert_eq!(bad, [5, 8, 9], "{nl:?}");
        let mut events = read(Format::Csv, data.as_bytes(), &Options::default());
        let lines: Vec<_> = std::iter::from_fn(|| events.next().map(|r| r.map(|_| events.line()).unwrap_or(0)))
            .filter(|l| *l > 0)
            .collect();
        assert_eq!(lines, [2, 6], "{nl:?}");
    }
}
