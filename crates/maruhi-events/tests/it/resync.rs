//! A malformed record ends only itself: the good records after it are read,
//! and the counts say what happened to every line.

use maruhi_events::{read, Action, Format, Options};

/// Events, bad record lines and the skipped count.
fn outcome(format: Format, data: &[u8]) -> (usize, Vec<u64>, u64) {
    let mut events = read(format, data, &Options::default());
    let mut good = 0;
    let mut bad = Vec::new();
    for item in events.by_ref() {
        match item {
            Ok(_) => good += 1,
            Err(b) => bad.push(b.line),
        }
    }
    (good, bad, events.skipped())
}

#[test]
fn an_unclosed_quote_in_a_csv_costs_one_line() {
    let mut data = String::from("@timestamp,event.action,user.name,file.path\n");
    data.push_str("2026-03-02 09:00:00,file-write,a,\"C:\\broken.xlsx\n");
    for i in 0..50_000 {
        data.push_str(&format!("2026-03-02 09:00:00,file-write,u{i},C:\\ok{i}.xlsx\n"));
    }
    assert_eq!(outcome(Format::Csv, data.as_bytes()), (50_000, vec![2], 0));
    // A later quoted field pairs with the stray quote: still only line 2.
    data.push_str("2026-03-02 09:00:00,email-send,z,\"a, b\"\n");
    assert_eq!(outcome(Format::Csv, data.as_bytes()), (50_001, vec![2], 0));
}

#[test]
fn quoted_fields_may_still_span_lines() {
    let data = "@timestamp,event.action,user.name,file.path\n2026-03-02 09:00:00,file-write,a,\"two\nlines\"\n2026-03-02 09:00:00,logon,b,\n";
    let events: Vec<_> = read(Format::Csv, data.as_bytes(), &Options::default()).collect();
    assert_eq!(events.len(), 2);
    let path = events[0].as_ref().ok().and_then(|e| e.file.as_ref()).and_then(|f| f.path.clone());
    assert_eq!(path.as_deref(), Some("two\nlines"));
}

#[test]
fn an_unclosed_quote_in_cert_and_m365_csv_costs_one_line() {
    let mut cert = String::from("id,date,user,pc,activity\n{X1},01/02/2010 07:00:00,DTAA/a,PC-1,\"Logon\n");
    let mut m365 = String::from("CreationDate,UserIds,Operations,AuditData\n2026-03-02,a,x,\"{\"\"Id\"\n");
    for i in 0..100 {
        cert.push_str(&format!("{{X{i}}},01/02/2010 07:00:00,DTAA/a,PC-1,Logon\n"));
        m365.push_str(&format!(
            "2026-03-02,a,x,\"{{\"\"CreationTime\"\":\"\"2026-03-02T00:00:00\"\",\"\"Id\"\":\"\"{i}\"\",\"\"Operation\"\":\"\"FileAccessed\"\"}}\"\n"
        ));
    }
    assert_eq!(outcome(Format::Cert, cert.as_bytes()), (100, vec![2], 0));
    assert_eq!(outcome(Format::M365, m365.as_bytes()), (100, vec![2], 0));
}

#[test]
fn a_non_object_in_an_m365_array_costs_one_element() {
    let record = |i: usize| {
        format!(r#"{{"CreationTime":"2026-03-02T00:00:00","Id":"{i}","Operation":"FileAccessed","UserId":"a"}}"#)
    };
    let mut items: Vec<String> = (0..1_000).map(record).collect();
    items.insert(1, "\"not an object\"".to_owned());
    items.insert(2, "[1, 2]".to_owned());
    let data = format!("[{}]", items.join(","));
    assert_eq!(outcome(Format::M365, data.as_bytes()), (1_000, vec![1, 1, 1], 0));
}

#[test]
fn a_broken_json_line_costs_one_line() {
    let good = r#"{"@timestamp":"2026-03-02T09:00:00+09:00","event":{"action":"logon"}}"#;
    // An unclosed string, a missing brace, a truncated last line.
    let data = format!(
        "{good}\n{{\"@timestamp\":\"2026-03-02T09:00:00+09:00\",\"event\":{{\"action\":\"logon}}}}\n{good}\n{{\"event\":{{\"action\":\"logon\"}}\n{good}\n{good}\n{{\"a\":"
    );
    assert_eq!(outcome(Format::Jsonl, data.as_bytes()), (4, vec![2, 4, 7], 0));
    let (_, bad, _) = outcome(Format::M365, data.as_bytes());
    assert!(bad.contains(&2) && bad.contains(&4), "m365: {bad:?}");
}

#[test]
fn csv_action_columns_know_other_tools_names() {
    let data =
        "@timestamp,event.action,user.name\n2026-03-02 09:00:00,logged-in,a\n2026-03-02 09:00:00,File created,b\n";
    let actions: Vec<_> =
        read(Format::Csv, data.as_bytes(), &Options::default()).map(|r| r.map(|e| e.event.action)).collect();
    assert_eq!(actions, [Ok(Action::Logon), Ok(Action::FileWrite)]);
}

#[test]
fn unmapped_csv_columns_are_listed() {
    let data = "@timestamp,event.action,user.name,Comment,Empty\n2026-03-02 09:00:00,logon,a,x,\n2026-03-02 09:00:00,logon,b,y,\n";
    let mut events = read(Format::Csv, data.as_bytes(), &Options::default());
    assert_eq!(events.by_ref().filter(Result::is_ok).count(), 2);
    assert_eq!(events.unknown_fields().iter().collect::<Vec<_>>(), [("Comment", 2)]);
}
