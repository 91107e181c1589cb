//! `maruhi events import`, `maruhi hr` and `maruhi watchlist`: exit codes,
//! the `--json` reports and what ends up stored.

use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use crate::{data_dir, run, stdout};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/data").join(name)
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn init(name: &str) -> PathBuf {
    let d = data_dir(name);
    let pw = d.join("pw");
    stdout(&run(&d, &["init", "--admin-user", "root", "--admin-password-file", pw.to_str().unwrap()]));
    d
}

#[test]
fn events_import_keeps_good_lines_reports_bad_ones_and_exits_by_the_contract() {
    let d = init("events");
    let file = data("events.jsonl");
    let out = run(&d, &["events", "import", file.to_str().unwrap(), "--format", "jsonl", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a rejected line exits with 1: {}", String::from_utf8_lossy(&out.stderr));
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("events_import", json(&out));
    });

    // Again, from standard input and as text: everything is a duplicate.
    let mut child = crate::bin()
        .arg("--data-dir")
        .arg(d.join("data"))
        .args(["events", "import", "-", "--format", "jsonl", "--source", "agent"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&std::fs::read(&file).unwrap()).unwrap();
    let again = child.wait_with_output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.starts_with("agent (jsonl): 0 new, 5 duplicates, 0 skipped, 1 rejected\n"), "{text}");
    assert!(text.contains("  line 4: field `event.action`: not in the vocabulary"), "{text}");

    // Two imports, two audit events; none per activity event.
    let audit = stdout(&run(&d, &["audit", "--json", "--action", "events."]));
    let audit: serde_json::Value = serde_json::from_str(&audit).unwrap();
    assert_eq!(audit.as_array().map(Vec::len), Some(2));
    assert_eq!(audit[0]["summary"]["source"], "agent");
    assert_eq!(audit[1]["summary"]["accepted"], 5);

    // A clean file exits with 0; one that cannot be imported with 2.
    let clean = d.join("clean.jsonl");
    let first_line = std::fs::read_to_string(&file).unwrap().lines().next().unwrap().replace("pc42-1", "pc42-9");
    std::fs::write(&clean, format!("{first_line}\n")).unwrap();
    let ok = run(&d, &["events", "import", clean.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("1 new, 0 duplicates"));
    for args in [
        &["events", "import", "/nonexistent/log.jsonl", "--format", "jsonl"][..],
        &["events", "import", clean.to_str().unwrap(), "--format", "jsonl", "--offset", "9"],
        &["events", "import", clean.to_str().unwrap(), "--format", "jsonl", "--csv-map", "@timestamp=t"],
        &["events", "import", clean.to_str().unwrap(), "--format", "csv", "--csv-map", "user.name"],
        &["events", "import", clean.to_str().unwrap(), "--format", "nope"],
    ] {
        let failed = run(&d, args);
        assert_eq!(failed.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&failed.stderr));
    }
}

#[test]
fn events_import_maps_csv_columns_and_reads_evtx() {
    let d = init("events-csv");
    let csv = d.join("dlp.csv");
    std::fs::write(
        &csv,
        "日時\tアカウント\t操作\tファイル\n2026-11-02 09:00:00\ttanaka\tUSBコピー\tE:\\a.xlsx\n2026-11-02 09:01:00\ttanaka\t印刷\tC:\\b.pdf\n",
    )
    .unwrap();
    let out = run(
        &d,
        &[
            "events",
            "import",
            csv.to_str().unwrap(),
            "--format",
            "csv",
            "--csv-delimiter",
            "tab",
            "--csv-map",
            "@timestamp=日時,user.name=アカウント,file.path=ファイル",
            "--csv-map",
            "event.action=操作",
            "--csv-action-values",
            "USBコピー=file-copy,印刷=print",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["accepted"], 2);

    let evtx =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../maruhi-events/tests/fixtures/evtx/4624-pass-the-hash.evtx");
    let out = run(&d, &["events", "import", evtx.to_str().unwrap(), "--format", "evtx", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert!(report["accepted"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(report["format"], "evtx");
}

#[test]
fn hr_import_and_watchlists() {
    let d = init("hr");
    let file = data("hr.csv");
    let out = run(&d, &["hr", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    insta::with_settings!({sort_maps => true}, {
        insta::assert_json_snapshot!("hr_import", json(&out));
    });
    let list = stdout(&run(&d, &["hr", "list"]));
    assert_eq!(list, "suzuki\t2026-11-10\t-\t-\ntanaka\t2026-10-15\t2026-11-30\t2026-12-31\n");
    // A wrong header: nothing is imported, exit 2.
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "name,notice\nx,2026-01-01\n").unwrap();
    let out = run(&d, &["hr", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("user,notice_date,last_working_day,end_date"));

    stdout(&run(&d, &["watchlist", "add", "contractors", "vendor.kimura", "--note", "SES 契約"]));
    stdout(&run(&d, &["watchlist", "add", "privileged", "dba01"]));
    let all = stdout(&run(&d, &["watchlist", "list", "--as-of", "2026-12-01"]));
    assert_eq!(
        all,
        "contractors\tvendor.kimura\tmanual\tSES 契約\ndeparting\tsuzuki\thr\t\ndeparting\ttanaka\thr (until 2026-12-31)\t\nprivileged\tdba01\tmanual\t\n"
    );
    let after = stdout(&run(&d, &["watchlist", "list", "departing", "--as-of", "2027-01-01", "--json"]));
    let after: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(
        after.as_array().map(|a| a.iter().map(|m| m["user"].clone()).collect::<Vec<_>>()),
        Some(vec!["suzuki".into()])
    );
    stdout(&run(&d, &["watchlist", "remove", "privileged", "dba01"]));
    assert_eq!(run(&d, &["watchlist", "remove", "privileged", "dba01"]).status.code(), Some(1));
    // An unknown list is a wrong usage: the help lists the lists.
    let o = run(&d, &["watchlist", "add", "vip", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("departing, contractors, privileged"));
    let audit = stdout(&run(&d, &["audit", "--json", "--action", "watchlist."]));
    assert!(!audit.contains("\"object_id\": \"dba01\""), "user names stay out of the ledger's objects");
}
