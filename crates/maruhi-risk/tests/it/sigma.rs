//! The Sigma engine: modifiers, wildcards, conditions, correlations, load
//! errors, and the `Fields` view of `maruhi_events::Event`. Golden style:
//! matches and errors are rendered as text and compared whole.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::borrow::Cow;
use std::fmt::Write as _;

use maruhi_risk::sigma::{
    CorrelationType, Evaluator, Fields, Level, RuleErrorKind, RuleKind, RuleSet, Value, EVENT_FIELDS,
};

/// A test event: `field=value` pairs separated by `;`. Values: `#12` an
/// integer, `%1.5` a float, `!true` a boolean, anything else text. A field
/// may repeat (several values).
struct Ev(Vec<(String, Value<'static>)>);

fn ev(spec: &str) -> Ev {
    let mut out = Vec::new();
    for part in spec.split(';').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let v = if let Some(i) = v.strip_prefix('#') {
            Value::Int(i.parse().unwrap())
        } else if let Some(f) = v.strip_prefix('%') {
            Value::Float(f.parse().unwrap())
        } else if let Some(b) = v.strip_prefix('!') {
            Value::Bool(b == "true")
        } else {
            Value::Str(Cow::Owned(v.to_string()))
        };
        out.push((k.to_string(), v));
    }
    Ev(out)
}

impl Fields for Ev {
    fn values<'a>(&'a self, field: &str, out: &mut Vec<Value<'a>>) {
        out.extend(self.0.iter().filter(|(k, _)| k == field).map(|(_, v)| v.clone()));
    }
}

fn load(files: &[(&str, &str)]) -> RuleSet {
    let sources: Vec<(String, String)> = files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    match RuleSet::load(&sources) {
        Ok(r) => r,
        Err(errors) => panic!("{}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")),
    }
}

fn errors(files: &[(&str, &str)]) -> String {
    let sources: Vec<(String, String)> = files.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    match RuleSet::load(&sources) {
        Ok(_) => panic!("loaded"),
        Err(errors) => errors.iter().map(|e| format!("{e}\n")).collect(),
    }
}

/// A rule set of one detection rule with the given `detection` body
/// (indented by four spaces).
fn detection(body: &str) -> RuleSet {
    load(&[("t.yml", &format!("title: T\nid: t\nlevel: low\ndetection:\n{body}"))])
}

/// Which of the events (by position) the rule set matches.
fn hits(rules: &RuleSet, events: &[&str]) -> Vec<usize> {
    let mut eval = Evaluator::new(rules);
    let mut out = Vec::new();
    let mut hit = Vec::new();
    for (i, spec) in events.iter().enumerate() {
        out.clear();
        eval.push(&ev(spec), i as i64, &format!("e{i}"), &mut out);
        if !out.is_empty() {
            hit.push(i);
        }
    }
    hit
}

/// One field test over events given as values of `field`.
fn field_hits(field_key: &str, value: &str, field: &str, values: &[&str]) -> Vec<usize> {
    let rules = detection(&format!("    sel:\n        '{field_key}': {value}\n    condition: sel\n"));
    let events: Vec<String> =
        values.iter().map(|v| if v.is_empty() { String::new() } else { format!("{field}={v}") }).collect();
    let refs: Vec<&str> = events.iter().map(String::as_str).collect();
    hits(&rules, &refs)
}

/// Runs timed events `(seconds, spec)` and renders every match.
fn run(rules: &RuleSet, events: &[(i64, &str)]) -> String {
    let mut eval = Evaluator::new(rules);
    let mut out = Vec::new();
    for (i, (secs, spec)) in events.iter().enumerate() {
        eval.push(&ev(spec), secs * 1000, &format!("e{i}"), &mut out);
    }
    render(rules, &out)
}

fn render(rules: &RuleSet, matches: &[maruhi_risk::sigma::Match]) -> String {
    let mut s = String::new();
    for m in matches {
        let title = &rules.rules()[m.rule].title;
        write!(
            s,
            "{title} {}..{}s {:?} n={}",
            m.first_time_ms / 1000,
            m.last_time_ms / 1000,
            m.event_ids,
            m.event_count
        )
        .unwrap();
        for (k, v) in &m.group {
            write!(s, " {k}={v}").unwrap();
        }
        if let Some(v) = m.value {
            write!(s, " value={v}").unwrap();
        }
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------
// Values, wildcards and modifiers

#[test]
fn plain_values_are_case_insensitive_with_wildcards() {
    let f = "file.name";
    assert_eq!(field_hits(f, "Spec.XLSX", f, &["spec.xlsx", "SPEC.xlsx", "spec.xls", "my spec.xlsx", ""]), [0, 1]);
    assert_eq!(field_hits(f, "'spec*'", f, &["spec.xlsx", "Spec", "a spec", "sp"]), [0, 1]);
    assert_eq!(field_hits(f, "'*.XLSX'", f, &["a.xlsx", "A.XLSX", "a.xlsx.zip"]), [0, 1]);
    assert_eq!(field_hits(f, "'*ec*'", f, &["spec", "SPEC", "sp"]), [0, 1]);
    assert_eq!(field_hits(f, "'s?ec'", f, &["spec", "sPEC", "sppec", "sec"]), [0, 1]);
    assert_eq!(field_hits(f, "'a*b?c'", f, &["abxc", "aXXbYc", "abc", "ab"]), [0, 1]);
    assert_eq!(field_hits(f, "'*'", f, &["x", "", "y"]), [0, 2], "`*` needs the field to exist");
    assert_eq!(field_hits(f, "''", f, &["", "x"]), Vec::<usize>::new(), "absent is not empty");
    // Non-ASCII text folds too.
    assert_eq!(field_hits(f, "'ÉTÉ*'", f, &["été.docx", "ete.docx"]), [0]);
    assert_eq!(field_hits(f, "'設計*'", f, &["設計書.xlsx", "仕様書.xlsx"]), [0]);
}

#[test]
fn backslash_escapes_follow_the_specification() {
    let f = "file.path";
    // A backslash before anything but `*`, `?` or `\` is itself.
    assert_eq!(field_hits(f, r"'C:\Windows\System32\cmd.exe'", f, &[r"c:\windows\system32\CMD.EXE"]), [0]);
    // `\*` is a literal star: the classic trap of `C:\Users\*`.
    assert_eq!(field_hits(f, r"'C:\Users\*'", f, &[r"C:\Users\tanaka", r"C:\Users*"]), [1]);
    // `\\*` is a backslash followed by the wildcard.
    assert_eq!(field_hits(f, r"'C:\Users\\*'", f, &[r"C:\Users\tanaka", r"C:\Users*"]), [0]);
    // `\\\*` a backslash and a literal star; `\?` a literal question mark.
    assert_eq!(field_hits(f, r"'a\\\*'", f, &[r"a\*", r"a\x"]), [0]);
    assert_eq!(field_hits(f, r"'what\?'", f, &["what?", "whatx"]), [0]);
    // Four backslashes are two.
    assert_eq!(field_hits(f, r"'\\\\server'", f, &[r"\\server", r"\server"]), [0]);
}

#[test]
fn string_modifiers() {
    let f = "file.path";
    let paths = [r"E:\設計\Spec.XLSX", r"C:\Temp\spec.txt", r"E:\other"];
    assert_eq!(field_hits(&format!("{f}|contains"), "spec", f, &paths), [0, 1]);
    assert_eq!(field_hits(&format!("{f}|startswith"), "'e:'", f, &paths), [0, 2]);
    assert_eq!(field_hits(&format!("{f}|endswith"), ".xlsx", f, &paths), [0]);
    assert_eq!(field_hits(&format!("{f}|contains|cased"), "Spec", f, &paths), [0]);
    assert_eq!(field_hits(&format!("{f}|cased"), r"'C:\Temp\spec.txt'", f, &paths), [1]);
    assert_eq!(field_hits(&format!("{f}|cased"), r"'c:\temp\spec.txt'", f, &paths), Vec::<usize>::new());
    // Wildcards inside a contains value keep working.
    assert_eq!(field_hits(&format!("{f}|contains"), "'temp?spec'", f, &paths), [1]);
    // Lists are OR; `all` makes them AND.
    assert_eq!(field_hits(&format!("{f}|endswith"), "['.txt', '.xlsx']", f, &paths), [0, 1]);
    assert_eq!(field_hits(&format!("{f}|contains|all"), "['temp', 'spec']", f, &paths), [1]);
}

#[test]
fn regular_expressions() {
    let f = "url.full";
    let urls = ["https://Drive.example.com/up", "https://drive.example.com/up", "http://x/drive"];
    assert_eq!(field_hits(&format!("{f}|re"), r"'^https://drive\.'", f, &urls), [1]);
    assert_eq!(field_hits(&format!("{f}|re|i"), r"'^https://drive\.'", f, &urls), [0, 1]);
    assert_eq!(field_hits(&format!("{f}|re"), "'drive'", f, &urls), [1, 2], "unanchored");
    assert_eq!(field_hits(&format!("{f}|re|all"), "['^https', 'up$']", f, &urls), [0, 1]);
    // Numbers are matched as their decimal text.
    assert_eq!(field_hits("file.size|re", "'^4[0-9]{2}$'", "file.size", &["#404", "#4040", "404"]), [0, 2]);
}

#[test]
fn numbers_and_comparisons() {
    let f = "file.size";
    let sizes = ["#100", "#1000", "%1000.5", "1000", "big", ""];
    assert_eq!(field_hits(&format!("{f}|gt"), "1000", f, &sizes), [2]);
    assert_eq!(field_hits(&format!("{f}|gte"), "1000", f, &sizes), [1, 2, 3]);
    assert_eq!(field_hits(&format!("{f}|lt"), "1000", f, &sizes), [0]);
    assert_eq!(field_hits(&format!("{f}|lte"), "1000.5", f, &sizes), [0, 1, 2, 3]);
    // A YAML integer equals integers, equal floats and its decimal text.
    assert_eq!(field_hits(f, "1000", f, &sizes), [1, 3]);
    assert_eq!(field_hits(f, "'1000'", f, &sizes), [1, 3]);
    assert_eq!(field_hits(f, "1000.5", f, &sizes), [2]);
    assert_eq!(field_hits("flag", "true", "flag", &["!true", "!false", "TRUE", "yes"]), [0, 2]);
}

#[test]
fn cidr_exists_null_neq_fieldref() {
    let ip = "source.ip";
    let ips = ["10.1.2.3", "192.168.1.1", "::ffff:10.0.0.1", "fd00::1", "not an ip"];
    assert_eq!(field_hits(&format!("{ip}|cidr"), "10.0.0.0/8", ip, &ips), [0, 2]);
    assert_eq!(field_hits(&format!("{ip}|cidr"), "['192.168.0.0/16', 'fd00::/8']", ip, &ips), [1, 3]);
    let f = "user.name";
    assert_eq!(field_hits(&format!("{f}|exists"), "true", f, &["tanaka", "", ""]), [0]);
    assert_eq!(field_hits(&format!("{f}|exists"), "false", f, &["tanaka", "", ""]), [1, 2]);
    assert_eq!(field_hits(f, "null", f, &["tanaka", ""]), [1]);
    // `neq`: present and different.
    assert_eq!(field_hits(&format!("{f}|neq"), "Tanaka", f, &["tanaka", "suzuki", ""]), [1]);
    assert_eq!(field_hits(&format!("{f}|neq|all"), "['tanaka', 'sato']", f, &["tanaka", "sato", "kato"]), [2]);

    let rules = detection("    sel:\n        email.from|fieldref: user.name\n    condition: sel\n");
    assert_eq!(
        hits(&rules, &["email.from=Tanaka;user.name=tanaka", "email.from=x;user.name=tanaka", "email.from=x"]),
        [0]
    );
    let rules = detection("    sel:\n        email.from|fieldref|neq: user.name\n    condition: sel\n");
    assert_eq!(
        hits(&rules, &["email.from=Tanaka;user.name=tanaka", "email.from=x;user.name=tanaka", "email.from=x"]),
        [1]
    );
}

#[test]
fn multi_valued_fields_match_any_value() {
    let rules = detection(
        "    external:\n        email.to|endswith: '@gmail.com'\n    internal:\n        email.to|endswith: '@contoso.com'\n    condition: external and not internal\n",
    );
    let events = [
        "email.to=a@gmail.com;email.to=b@example.org",
        "email.to=a@gmail.com;email.to=boss@contoso.com",
        "email.to=boss@contoso.com",
        "",
    ];
    assert_eq!(hits(&rules, &events), [0]);
}

#[test]
fn maps_are_and_lists_of_maps_are_or() {
    let rules = detection(
        "    sel:\n        - event.action: file-copy\n          device.type: removable\n        - event.action: file-upload\n    condition: sel\n",
    );
    let events = [
        "event.action=file-copy;device.type=removable",
        "event.action=file-copy;device.type=fixed",
        "event.action=file-upload",
        "event.action=FILE-UPLOAD",
        "device.type=removable",
    ];
    assert_eq!(hits(&rules, &events), [0, 2, 3]);
}

// ---------------------------------------------------------------------------
// Conditions

fn abc(condition: &str) -> Vec<usize> {
    let rules = detection(&format!(
        "    a:\n        x: a\n    b:\n        y: b\n    c:\n        z: c\n    _d:\n        w: d\n    condition: {condition}\n"
    ));
    // Every combination of x=a, y=b, z=c, w=d as a 4-bit number (bit 0: a).
    let events: Vec<String> = (0..16)
        .map(|n: usize| {
            let mut s = String::new();
            for (bit, kv) in ["x=a", "y=b", "z=c", "w=d"].iter().enumerate() {
                if n & (1 << bit) != 0 {
                    s.push_str(kv);
                    s.push(';');
                }
            }
            s
        })
        .collect();
    let refs: Vec<&str> = events.iter().map(String::as_str).collect();
    hits(&rules, &refs)
}

fn truth(f: impl Fn(bool, bool, bool, bool) -> bool) -> Vec<usize> {
    (0..16usize).filter(|n| f(n & 1 != 0, n & 2 != 0, n & 4 != 0, n & 8 != 0)).collect()
}

#[test]
fn condition_precedence() {
    assert_eq!(abc("a or b and c"), truth(|a, b, c, _| a || (b && c)));
    assert_eq!(abc("(a or b) and c"), truth(|a, b, c, _| (a || b) && c));
    assert_eq!(abc("not a and b"), truth(|a, b, _, _| !a && b));
    assert_eq!(abc("not (a and b)"), truth(|a, b, _, _| !(a && b)));
    assert_eq!(abc("a and not b or c"), truth(|a, b, c, _| (a && !b) || c));
    assert_eq!(abc("not a or not b and c"), truth(|a, b, c, _| !a || (!b && c)));
    assert_eq!(abc("a AND b"), truth(|a, b, _, _| a && b));
    assert_eq!(abc("['a and b', 'c']"), truth(|a, b, c, _| (a && b) || c), "a list of conditions is an OR");
}

#[test]
fn one_of_and_all_of() {
    assert_eq!(abc("1 of them"), truth(|a, b, c, _| a || b || c), "`them` leaves out `_d`");
    assert_eq!(abc("all of them"), truth(|a, b, c, _| a && b && c));
    assert_eq!(abc("1 of _*"), truth(|_, _, _, d| d));
    assert_eq!(abc("1 of a* and not 1 of c*"), truth(|a, _, c, _| a && !c));
    assert_eq!(abc("all of * "), truth(|a, b, c, d| a && b && c && d));
    assert_eq!(abc("not 1 of them"), truth(|a, b, c, _| !(a || b || c)));
}

// ---------------------------------------------------------------------------
// Correlations

const COPY: &str = "title: Removable copy
name: removable_copy
id: 11111111-0000-4000-8000-000000000001
detection:
    sel:
        event.action: file-copy
        device.type: removable
    condition: sel
";

fn with_copy(correlation: &str) -> RuleSet {
    load(&[("copy.yml", &format!("{correlation}\n---\n{COPY}"))])
}

#[test]
fn event_count_groups_users_apart() {
    let rules = with_copy(
        "title: Many copies
level: high
correlation:
    type: event_count
    rules: [removable_copy]
    group-by: [user.name]
    timespan: 10m
    condition:
        gte: 3",
    );
    let copy = |user: &str| format!("event.action=file-copy;device.type=removable;user.name={user}");
    let (t, s) = (copy("tanaka"), copy("suzuki"));
    let events = [
        (0, t.as_str()),
        (10, s.as_str()),
        (20, t.as_str()),
        (30, s.as_str()),
        (40, "event.action=file-copy;device.type=removable"), // no user: no group
        (50, "event.action=file-copy;device.type=fixed;user.name=tanaka"), // not the rule
        (60, t.as_str()),
    ];
    assert_eq!(run(&rules, &events), "Many copies 0..60s [\"e0\", \"e2\", \"e6\"] n=3 user.name=tanaka value=3\n");
}

#[test]
fn timespan_boundaries_are_inclusive() {
    let rules = with_copy(
        "title: Two copies
level: high
correlation:
    type: event_count
    rules: removable_copy
    timespan: 10m
    condition:
        gte: 2",
    );
    let c = "event.action=file-copy;device.type=removable";
    assert_eq!(run(&rules, &[(0, c), (600, c)]), "Two copies 0..600s [\"e0\", \"e1\"] n=2 value=2\n");
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    eval.push(&ev(c), 0, "a", &mut out);
    eval.push(&ev(c), 600_001, "b", &mut out);
    assert!(out.is_empty(), "10 min 1 ms apart is outside");
    eval.push(&ev(c), 1_200_001, "c", &mut out);
    assert_eq!(render(&rules, &out), "Two copies 600..1200s [\"b\", \"c\"] n=2 value=2\n");
}

#[test]
fn one_match_per_burst_then_the_window_restarts() {
    let rules = with_copy(
        "title: Three copies
level: high
correlation:
    type: event_count
    rules: removable_copy
    group-by: user.name
    timespan: 1h
    condition:
        gte: 3",
    );
    let c = "event.action=file-copy;device.type=removable;user.name=tanaka";
    let events: Vec<(i64, &str)> = (0..7).map(|i| (i * 60, c)).collect();
    assert_eq!(
        run(&rules, &events),
        "Three copies 0..120s [\"e0\", \"e1\", \"e2\"] n=3 user.name=tanaka value=3\n\
         Three copies 180..300s [\"e3\", \"e4\", \"e5\"] n=3 user.name=tanaka value=3\n"
    );
}

#[test]
fn referenced_rules_report_only_through_the_correlation_by_default() {
    let corr = "title: Two copies
level: high
correlation:
    type: event_count
    rules: removable_copy
    timespan: 1h
    condition:
        gte: 2";
    let c = "event.action=file-copy;device.type=removable";
    let rules = with_copy(corr);
    assert!(!rules.rules()[1].emits);
    assert_eq!(rules.rules()[1].level, Level::Informational);
    assert_eq!(run(&rules, &[(0, c), (1, c)]), "Two copies 0..1s [\"e0\", \"e1\"] n=2 value=2\n");

    let rules = load(&[("copy.yml", &format!("{corr}\n    generate: true\n---\n{COPY}level: low\n"))]);
    assert!(rules.rules()[1].emits);
    assert_eq!(
        run(&rules, &[(0, c), (1, c)]),
        "Removable copy 0..0s [\"e0\"] n=1\nRemovable copy 1..1s [\"e1\"] n=1\nTwo copies 0..1s [\"e0\", \"e1\"] n=2 value=2\n"
    );
    // A standalone rule without a level is refused.
    let e = errors(&[("copy.yml", &format!("{corr}\n    generate: true\n---\n{COPY}"))]);
    assert!(
        e.contains("copy.yml:11: rule 'Removable copy' (id 11111111-0000-4000-8000-000000000001): `level` is missing"),
        "{e}"
    );
}

const ORDERED: &str = "title: Download then copy
level: high
correlation:
    type: temporal_ordered
    rules:
        - download
        - removable_copy
    group-by: [user.name]
    timespan: 30m
---
title: Download
name: download
detection:
    sel:
        event.action: file-download
    condition: sel
";

#[test]
fn temporal_ordered_needs_the_order() {
    let rules = with_copy(ORDERED);
    let d = |u: &str| format!("event.action=file-download;user.name={u}");
    let c = |u: &str| format!("event.action=file-copy;device.type=removable;user.name={u}");
    // A then B.
    assert_eq!(
        run(&rules, &[(0, &d("tanaka")), (60, &c("tanaka"))]),
        "Download then copy 0..60s [\"e0\", \"e1\"] n=2 user.name=tanaka value=2\n"
    );
    // B then A: no.
    assert_eq!(run(&rules, &[(0, &c("tanaka")), (60, &d("tanaka"))]), "");
    // Too far apart: no.
    assert_eq!(run(&rules, &[(0, &d("tanaka")), (1801, &c("tanaka"))]), "");
    // Interleaved users: sato downloads, tanaka copies then downloads, sato
    // copies: only sato (tanaka's order is wrong and sato's download is not his).
    let events = [(0, d("sato")), (10, c("tanaka")), (20, d("tanaka")), (30, c("sato"))];
    let events: Vec<(i64, &str)> = events.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(run(&rules, &events), "Download then copy 0..30s [\"e0\", \"e3\"] n=2 user.name=sato value=2\n");
    // After a match the chain starts again: a second copy alone is not enough.
    assert_eq!(
        run(&rules, &[(0, &d("ito")), (60, &c("ito")), (120, &c("ito"))]),
        "Download then copy 0..60s [\"e0\", \"e1\"] n=2 user.name=ito value=2\n"
    );
    // The latest start wins, so a later download still completes the chain.
    let events = [(0, d("kato")), (1000, d("kato")), (2000, c("kato"))];
    let events: Vec<(i64, &str)> = events.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(run(&rules, &events), "Download then copy 1000..2000s [\"e1\", \"e2\"] n=2 user.name=kato value=2\n");
}

#[test]
fn temporal_in_any_order() {
    let rules = with_copy(&ORDERED.replace("temporal_ordered", "temporal").replace("Download then copy", "Both"));
    let d = "event.action=file-download;user.name=sato";
    let c = "event.action=file-copy;device.type=removable;user.name=sato";
    assert_eq!(run(&rules, &[(0, c), (60, d)]), "Both 0..60s [\"e0\", \"e1\"] n=2 user.name=sato value=2\n");
    // One rule alone never fires (the default condition is every rule).
    assert_eq!(run(&rules, &[(0, c), (60, c), (120, c)]), "");
}

#[test]
fn temporal_with_a_partial_condition() {
    let rules = load(&[(
        "t.yml",
        "title: Two of three
level: high
correlation:
    type: temporal
    rules: [r1, r2, r3]
    group-by: [host.name]
    timespan: 5m
    condition:
        gte: 2
---
title: R1
name: r1
detection:
    sel:
        x: 1
    condition: sel
---
title: R2
name: r2
detection:
    sel:
        x: 2
    condition: sel
---
title: R3
name: r3
detection:
    sel:
        x: 3
    condition: sel
",
    )]);
    let events =
        [(0, "x=#3;host.name=a"), (10, "x=#3;host.name=a"), (20, "x=#1;host.name=b"), (30, "x=#1;host.name=a")];
    assert_eq!(run(&rules, &events), "Two of three 10..30s [\"e1\", \"e3\"] n=2 host.name=a value=2\n");
}

#[test]
fn groups_beyond_the_cap_are_counted_not_kept() {
    let rules = with_copy(
        "title: Two copies\nlevel: high\ncorrelation:\n    type: event_count\n    rules: removable_copy\n    group-by: user.name\n    timespan: 1h\n    condition:\n        gte: 2",
    );
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    for i in 0..50_003 {
        eval.push(&ev(&format!("event.action=file-copy;device.type=removable;user.name=u{i}")), i, "x", &mut out);
    }
    assert_eq!((eval.groups(), eval.dropped_groups()), (50_000, 3));
    // Known groups still count.
    eval.push(&ev("event.action=file-copy;device.type=removable;user.name=u7"), 60_000, "y", &mut out);
    assert_eq!(render(&rules, &out), "Two copies 0..60s [\"x\", \"y\"] n=2 user.name=u7 value=2\n");
}

#[test]
fn value_count_counts_distinct_values() {
    let rules = load(&[(
        "upload.yml",
        "title: Uploads to many sites
level: medium
correlation:
    type: value_count
    rules: upload
    group-by: user.name
    timespan: 1h
    condition:
        field: destination.domain
        gte: 3
---
title: Upload
name: upload
detection:
    sel:
        event.action: file-upload
    condition: sel
",
    )]);
    let up = |u: &str, d: &str| format!("event.action=file-upload;user.name={u};destination.domain={d}");
    let events = [
        up("suzuki", "a.example"),
        up("kato", "a.example"),
        up("suzuki", "a.example"),
        up("kato", "b.example"),
        up("suzuki", "a.example"),
        "event.action=file-upload;user.name=kato".to_string(), // no domain: not counted
        up("kato", "c.example"),
    ];
    let events: Vec<(i64, &str)> = events.iter().enumerate().map(|(i, s)| (i as i64, s.as_str())).collect();
    assert_eq!(
        run(&rules, &events),
        "Uploads to many sites 1..6s [\"e1\", \"e3\", \"e6\"] n=3 user.name=kato value=3\n"
    );
}

#[test]
fn value_sum_of_file_sizes() {
    let rules = with_copy(
        "title: Bulk copy
level: critical
maruhi:
    weight: 40
    reason:
        ja: 1時間に1GBを超えるリムーバブルメディアへのコピー
        en: More than 1 GB copied to removable media within an hour
correlation:
    type: value_sum
    rules: removable_copy
    group-by: user.name
    timespan: 1h
    condition:
        field: file.size
        gt: 1000000000",
    );
    let meta = &rules.rules()[0];
    assert_eq!(meta.kind, RuleKind::Correlation(CorrelationType::ValueSum));
    assert_eq!(meta.custom["maruhi"]["weight"], 40);
    assert_eq!(meta.custom["maruhi"]["reason"]["en"], "More than 1 GB copied to removable media within an hour");
    let c =
        |u: &str, size: u64| format!("event.action=file-copy;device.type=removable;user.name={u};file.size=#{size}");
    let events = [
        (0, c("tanaka", 400_000_000)),
        (10, c("suzuki", 900_000_000)),
        (20, c("tanaka", 400_000_000)),
        (30, "event.action=file-copy;device.type=removable;user.name=tanaka".to_string()), // no size: ignored
        (3610, c("tanaka", 300_000_000)), // the first copy has left the window: 1.1 GB? no, 0.7 GB
        (3620, c("tanaka", 300_000_001)),
    ];
    let events: Vec<(i64, &str)> = events.iter().map(|(t, s)| (*t, s.as_str())).collect();
    assert_eq!(
        run(&rules, &events),
        "Bulk copy 20..3620s [\"e2\", \"e4\", \"e5\"] n=3 user.name=tanaka value=1000000001\n"
    );
}

#[test]
fn value_avg_max_min() {
    let corr = |kind: &str, cond: &str| {
        with_copy(&format!(
            "title: {kind}\nlevel: low\ncorrelation:\n    type: {kind}\n    rules: removable_copy\n    timespan: 1h\n    condition:\n        field: file.size\n        {cond}"
        ))
    };
    let c = |size: i64| format!("event.action=file-copy;device.type=removable;file.size=#{size}");
    let evs: Vec<String> = [10, 30, 20, 50].iter().map(|s| c(*s)).collect();
    let events: Vec<(i64, &str)> = evs.iter().enumerate().map(|(i, s)| (i as i64, s.as_str())).collect();
    // After a match the window restarts, and a single value can meet a mean.
    assert_eq!(
        run(&corr("value_avg", "gte: 20"), &events),
        "value_avg 0..1s [\"e0\", \"e1\"] n=2 value=20\nvalue_avg 2..2s [\"e2\"] n=1 value=20\nvalue_avg 3..3s [\"e3\"] n=1 value=50\n"
    );
    assert_eq!(
        run(&corr("value_max", "gt: 40"), &events),
        "value_max 0..3s [\"e0\", \"e1\", \"e2\", \"e3\"] n=4 value=50\n"
    );
    assert_eq!(run(&corr("value_min", "lt: 20"), &events), "value_min 0..0s [\"e0\"] n=1 value=10\n");
}

#[test]
fn aliases_group_across_fields() {
    let rules = load(&[(
        "alias.yml",
        "title: Mail then upload of the same file
level: high
correlation:
    type: temporal_ordered
    rules: [mail, upload]
    group-by: [user.name, document]
    timespan: 1h
    aliases:
        document:
            mail: email.attachments.name
            upload: file.name
---
title: Mail
name: mail
detection:
    sel:
        event.action: email-send
    condition: sel
---
title: Upload
name: upload
detection:
    sel:
        event.action: file-upload
    condition: sel
",
    )]);
    let events = [
        (0, "event.action=email-send;user.name=ito;email.attachments.name=a.pdf;email.attachments.name=b.pdf"),
        (10, "event.action=file-upload;user.name=ito;file.name=c.pdf"),
        (20, "event.action=file-upload;user.name=ito;file.name=b.pdf"),
    ];
    assert_eq!(
        run(&rules, &events),
        "Mail then upload of the same file 0..20s [\"e0\", \"e2\"] n=2 user.name=ito document=b.pdf value=2\n"
    );
}

#[test]
fn out_of_order_events_do_not_break_anything() {
    let rules = with_copy(
        "title: Two copies\nlevel: high\ncorrelation:\n    type: event_count\n    rules: removable_copy\n    timespan: 1m\n    condition:\n        gte: 2",
    );
    let c = "event.action=file-copy;device.type=removable";
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    eval.push(&ev(c), 100_000, "late", &mut out);
    eval.push(&ev(c), 0, "early", &mut out);
    eval.push(&ev(c), i64::MIN, "min", &mut out);
    eval.push(&ev(c), i64::MAX, "max", &mut out);
    eval.expire(i64::MIN);
    eval.expire(i64::MAX);
    assert_eq!(render(&rules, &out), "Two copies 100..100s [\"late\", \"early\"] n=2 value=2\n");
    assert_eq!(eval.groups(), 1, "the event at i64::MAX");
}

#[test]
fn expire_bounds_memory() {
    let rules = with_copy(
        "title: Two copies\nlevel: high\ncorrelation:\n    type: event_count\n    rules: removable_copy\n    group-by: user.name\n    timespan: 1m\n    condition:\n        gte: 2",
    );
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    for i in 0..1000 {
        eval.push(&ev(&format!("event.action=file-copy;device.type=removable;user.name=u{i}")), i, "x", &mut out);
    }
    assert_eq!(eval.groups(), 1000);
    eval.expire(60_500);
    assert_eq!(eval.groups(), 500);
    eval.expire(120_000);
    assert_eq!(eval.groups(), 0);
    assert!(out.is_empty());
    assert_eq!(rules.max_timespan_ms(), 60_000);
}

// ---------------------------------------------------------------------------
// Load errors

#[test]
fn load_errors_name_file_rule_and_problem() {
    let got = errors(&[
        ("bad.yml", "title: [unclosed\n"),
        (
            "mods.yml",
            "title: Mods\nid: m1\nlevel: low\ndetection:\n    sel:\n        file.path|contians: x\n        file.size|gt: big\n        file.name|base64: x\n    condition: sel\n",
        ),
        ("cond.yml", "title: Cond\nid: c1\nlevel: low\ndetection:\n    sel:\n        x: 1\n    condition: sel and (filter\n"),
        (
            "ref.yml",
            "title: Ref\nid: r1\nlevel: low\ncorrelation:\n    type: event_count\n    rules: [nowhere]\n    timespan: 5m\n    condition:\n        gte: 2\n",
        ),
        ("kw.yml", "title: Keywords\nlevel: low\ndetection:\n    keywords:\n        - evil\n    condition: keywords\n"),
        (
            "low.yml",
            "title: Low\nlevel: low\ncorrelation:\n    type: event_count\n    rules: [k]\n    timespan: 5x\n    condition:\n        lte: 2\n",
        ),
    ]);
    assert_eq!(
        got,
        "bad.yml:2: not valid YAML: while parsing a flow sequence, expected ',' or ']' [MRH-SIGMA-001]
mods.yml:6: rule 'Mods' (id m1): `file.path|contians` in `sel`: unknown modifier `contians` [MRH-SIGMA-002]
mods.yml:7: rule 'Mods' (id m1): `file.size|gt` in `sel`: modifiers `gt`, `gte`, `lt`, `lte` take a number, not a string [MRH-SIGMA-002]
mods.yml:8: rule 'Mods' (id m1): `file.name|base64` in `sel`: modifier `base64` is not supported [MRH-SIGMA-003]
cond.yml:7: rule 'Cond' (id c1): condition `sel and (filter`: `filter` is not a search identifier of this rule [MRH-SIGMA-002]
kw.yml:5: rule 'Keywords': search identifier `keywords` is a keyword search (a list of values without field names), which is not supported; name the field [MRH-SIGMA-003]
low.yml:6: rule 'Low': `timespan` must be a positive number followed by s, m, h or d (at most 3650d), such as `10m` [MRH-SIGMA-002]
low.yml:8: rule 'Low': a `event_count` condition without a lower bound (gt, gte or eq) is met by staying low, which needs the end of a window; not supported [MRH-SIGMA-003]
ref.yml:6: rule 'Ref' (id r1): rule `nowhere` is not loaded (no rule has this id or name) [MRH-SIGMA-004]
"
    );
}

#[test]
fn more_load_errors() {
    let rule = |id: &str, extra: &str| {
        format!("title: R {id}\nid: {id}\nlevel: low\n{extra}detection:\n    sel:\n        x: 1\n    condition: sel\n")
    };
    let e = errors(&[("a.yml", &rule("same", "")), ("b.yml", &rule("same", ""))]);
    assert_eq!(
        e,
        "b.yml:1: rule 'R same' (id same): id `same` is already used by the rule at a.yml:1 [MRH-SIGMA-005]\n"
    );

    let chain = format!(
        "{}---\ntitle: Outer\nlevel: high\ncorrelation:\n    type: event_count\n    rules: [inner]\n    timespan: 5m\n    condition:\n        gte: 2\n---\ntitle: Inner\nname: inner\nlevel: high\ncorrelation:\n    type: event_count\n    rules: [x]\n    timespan: 5m\n    condition:\n        gte: 2\n",
        rule("x", "")
    );
    let e = errors(&[("chain.yml", &chain)]);
    assert!(e.contains("chain.yml:13: rule 'Outer': `inner` is a correlation; correlations of correlations are not supported [MRH-SIGMA-003]"), "{e}");

    let cases: &[(&str, &str)] = &[
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x: [a, null]\n    condition: sel\n", "`null` cannot be part of a list"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x|all: a\n    condition: sel\n", "modifier `all` needs a list"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x|re: '(unclosed'\n    condition: sel\n", "invalid regular expression"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x|re|cased: a\n    condition: sel\n", "`cased` cannot be combined with `re`"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x|i: a\n    condition: sel\n", "`i` only follows `re`"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x|contains|endswith: a\n    condition: sel\n", "exclude each other"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x|cidr: 10.0.0.0/40\n    condition: sel\n", "`cidr` takes a network"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x: 1\n    condition: sel | count() > 5\n", "Sigma v1"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x: 1\n    condition: 2 of them\n", "`2 of` is not supported"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x: 1\n", "no `condition`"),
        ("title: T\nlevel: low\ndetection:\n    sel:\n        x: 1\n    condition: sel\nfilter:\n    rules: [a]\n", "Sigma filters"),
        ("title: T\nlevel: severe\ndetection:\n    sel:\n        x: 1\n    condition: sel\n", "`level` must be"),
        ("level: low\ndetection:\n    sel:\n        x: 1\n    condition: sel\n", "`title` is missing"),
        ("title: T\nlevel: low\n", "needs `detection`"),
        ("- a\n- b\n", "a rule must be a mapping"),
        ("title: T\nlevel: low\ncorrelation:\n    type: value_percentile\n    rules: [a]\n    timespan: 1h\n    condition:\n        field: x\n        gte: 1\n", "`value_percentile` is not supported"),
        ("title: T\nlevel: low\ncorrelation:\n    type: value_sum\n    rules: [a]\n    timespan: 1h\n    condition:\n        gte: 1\n", "needs `field`"),
        ("title: T\nlevel: low\ncorrelation:\n    type: temporal\n    rules: [a, b]\n    timespan: 1h\n    condition: 'a and b'\n", "pySigma extension"),
        ("title: T\nlevel: low\ncorrelation:\n    type: temporal\n    rules: [a, b]\n    timespan: 1h\n    condition:\n        gte: 3\n", "more than the 2 rules"),
        ("a: 1\na: 2\n", "duplicate key `a`"),
        ("title: !!binary abc\n", "YAML tag"),
    ];
    for (text, want) in cases {
        let e = errors(&[("case.yml", text)]);
        assert!(e.starts_with("case.yml:") && e.contains(want), "{text}\n=> {e}");
    }
}

#[test]
fn unknown_fields_are_refused_on_request() {
    let text =
        "title: T\nlevel: low\ndetection:\n    sel:\n        file.pathh|contains: x\n    condition: sel\n".to_string();
    let sources = vec![("t.yml".to_string(), text)];
    assert!(RuleSet::load(&sources).is_ok());
    let e = RuleSet::load_with_fields(&sources, EVENT_FIELDS).err().unwrap_or_default();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].kind, RuleErrorKind::Invalid);
    assert!(e[0].to_string().contains("unknown field `file.pathh`"), "{}", e[0]);
}

// ---------------------------------------------------------------------------
// The Event view

#[test]
fn event_fields_by_ecs_name() {
    use maruhi_events::Event;
    let line = r#"{"@timestamp":"2026-03-02T09:25:00+09:00","event":{"id":"ev-1","action":"email-send","dataset":"cert.email","code":"Send","outcome":"success"},"user":{"name":"tanaka","domain":"CORP"},"host":{"name":"PC-1"},"source":{"ip":"10.0.0.5"},"file":{"path":"E:\\a.xlsx","name":"a.xlsx","size":123},"device":{"type":"removable","id":"USB\\1","name":"Stick"},"url":{"full":"https://x.example/u"},"destination":{"domain":"x.example","ip":"203.0.113.9","port":443},"http":{"request":{"method":"POST","bytes":10},"response":{"status_code":200,"bytes":20}},"email":{"from":"t@corp.example","to":["a@x.example","b@y.example"],"cc":["c@z.example"],"size":99,"attachments":[{"name":"spec.pdf","size":1},{"name":"readme.txt"}]}}"#;
    let event: Event = serde_json::from_str(line).unwrap();
    let mut got = String::new();
    for field in EVENT_FIELDS {
        let mut vals = Vec::new();
        event.values(field, &mut vals);
        writeln!(got, "{field} {vals:?}").unwrap();
    }
    assert_eq!(
        got,
        r#"@timestamp [Str("2026-03-02T09:25:00+09:00")]
event.id [Str("ev-1")]
event.action [Str("email-send")]
event.dataset [Str("cert.email")]
event.code [Str("Send")]
event.outcome [Str("success")]
user.name [Str("tanaka")]
user.domain [Str("CORP")]
host.name [Str("PC-1")]
source.ip [Str("10.0.0.5")]
file.path [Str("E:\\a.xlsx")]
file.name [Str("a.xlsx")]
file.size [Int(123)]
device.type [Str("removable")]
device.id [Str("USB\\1")]
device.name [Str("Stick")]
url.full [Str("https://x.example/u")]
destination.domain [Str("x.example")]
destination.ip [Str("203.0.113.9")]
destination.port [Int(443)]
http.request.method [Str("POST")]
http.request.bytes [Int(10)]
http.response.bytes [Int(20)]
http.response.status_code [Int(200)]
email.from [Str("t@corp.example")]
email.to [Str("a@x.example"), Str("b@y.example")]
email.cc [Str("c@z.example")]
email.bcc []
email.size [Int(99)]
email.attachments.name [Str("spec.pdf"), Str("readme.txt")]
email.attachments.size [Int(1)]
"#
    );
    let mut vals = Vec::new();
    event.values("no.such.field", &mut vals);
    assert!(vals.is_empty());
}

#[test]
fn rules_over_events_dispatch_by_action() {
    use maruhi_events::{Action, Device, Event, File};
    let rules = load(&[(
        "pack.yml",
        "title: Copy to USB
id: p1
level: medium
detection:
    sel:
        event.action: file-copy
        device.type: removable
    condition: sel
---
title: Any large file
id: p2
level: low
detection:
    sel:
        file.size|gte: 1000
    condition: sel
---
title: Upload or download
id: p3
level: low
detection:
    up:
        event.action: file-upload
    down:
        event.action|contains: download
    condition: 1 of them
",
    )]);
    let at = time::OffsetDateTime::UNIX_EPOCH;
    let mut copy = Event::new(at, "c".into(), Action::FileCopy);
    copy.device = Some(Device { kind: Some("removable".into()), ..Device::default() });
    copy.file = Some(File { size: Some(5000), ..File::default() });
    let download = Event::new(at, "d".into(), Action::FileDownload);
    let logon = Event::new(at, "l".into(), Action::Logon);
    let mut eval = Evaluator::new(&rules);
    let mut out = Vec::new();
    for e in [&copy, &download, &logon] {
        eval.push(e, 0, &e.event.id, &mut out);
    }
    assert_eq!(
        render(&rules, &out),
        "Copy to USB 0..0s [\"c\"] n=1\nAny large file 0..0s [\"c\"] n=1\nUpload or download 0..0s [\"d\"] n=1\n"
    );
}

#[test]
fn rule_sets_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RuleSet>();
    send_sync::<Evaluator<'static>>();
}
