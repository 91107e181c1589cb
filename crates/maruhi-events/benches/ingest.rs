//! Parse + normalise throughput per core: records per second from canonical
//! JSON Lines, squid, CERT and EVTX.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use maruhi_events::{read, Format, Options};

fn jsonl_input(n: usize) -> Vec<u8> {
    let actions = ["logon", "file-copy", "file-upload", "email-send", "http-request", "file-open"];
    let mut out = String::new();
    for i in 0..n {
        let action = actions[i % actions.len()];
        out.push_str(&format!(
            concat!(
                r#"{{"@timestamp":"2026-03-02T09:{:02}:{:02}+09:00","event":{{"id":"ev-{:08}","action":"{}"}},"#,
                r#""user":{{"name":"user{:04}"}},"host":{{"name":"PC-{:04}"}},"file":{{"path":"E:\\設計\\doc{}.xlsx","size":{}}},"#,
                r#""device":{{"type":"removable"}},"url":{{"full":"https://drive.example.com/u/{}"}},"destination":{{"domain":"drive.example.com"}}}}"#,
                "\n"
            ),
            (i / 60) % 60,
            i % 60,
            i,
            action,
            i % 1000,
            i % 500,
            i,
            i * 37,
            i
        ));
    }
    out.into_bytes()
}

fn squid_input(n: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "{}.{:03} {:6} 10.0.{}.{} TCP_MISS/200 {} GET http://www.example{}.co.jp/path/{}.html user{} HIER_DIRECT/203.0.113.9 text/html\n",
            1772410500 + i,
            i % 1000,
            i % 900,
            i % 200,
            i % 250,
            1000 + i % 5000,
            i % 50,
            i,
            i % 300
        ));
    }
    out.into_bytes()
}

fn cert_input(n: usize) -> Vec<u8> {
    let mut out = String::from("id,date,user,pc,filename,activity,to_removable_media,from_removable_media,content\n");
    for i in 0..n {
        out.push_str(&format!(
            "{{Y1W9-R7VJ77IC-{:08}}},01/02/2010 08:{:02}:{:02},TSG{:04},PC-{:04},R:\\79L99n6\\H7RHJS5J.zip,File Copy,True,False,50-4B-03-04-14 moved imaging underwent key late appearance\n",
            i,
            (i / 60) % 60,
            i % 60,
            i % 4000,
            i % 1000
        ));
    }
    out.into_bytes()
}

fn count(format: Format, data: &[u8]) -> u64 {
    let mut events = read(format, data, &Options::default());
    let n = events.by_ref().map(|r| black_box(r).is_ok() as u64).sum::<u64>();
    n + events.skipped()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    for (name, format, data) in [
        ("jsonl", Format::Jsonl, jsonl_input(20_000)),
        ("squid", Format::Squid, squid_input(20_000)),
        ("cert-file", Format::Cert, cert_input(20_000)),
    ] {
        group.throughput(Throughput::Elements(count(format, &data)));
        group.bench_function(name, |b| b.iter(|| count(format, black_box(&data))));
    }
    #[cfg(feature = "evtx")]
    evtx(&mut group);
    group.finish();
}

#[cfg(feature = "evtx")]
fn evtx(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evtx");
    let files: Vec<Vec<u8>> =
        ["4624-pass-the-hash", "4625-ssh-bruteforce", "4663-task-manager-lsass", "6416-external-device"]
            .iter()
            .filter_map(|f| std::fs::read(dir.join(format!("{f}.evtx"))).ok())
            .collect();
    // Throughput in EVTX records read (mapped or skipped), not only events.
    let records: u64 = files.iter().map(|f| count(Format::Evtx, f)).sum();
    group.throughput(Throughput::Elements(records));
    group.bench_function("evtx", |b| b.iter(|| files.iter().map(|f| count(Format::Evtx, black_box(f))).sum::<u64>()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
