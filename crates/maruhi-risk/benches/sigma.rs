//! `Evaluator::push` throughput per core: 20 rules shaped like the built-in
//! pack (16 detections, most keyed on `event.action`, and 4 correlations)
//! over generated events of every action, 500 users.
//!
//! `cargo bench -p maruhi-risk --bench sigma`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use maruhi_events::{Action, Attachment, Destination, Device, Email, Event, EventInfo, File, Host, Outcome, Url, User};
use maruhi_risk::sigma::{Evaluator, RuleSet};
use time::OffsetDateTime;

const PACK: &str = r#"
title: Copy to removable media
name: removable_copy
level: medium
detection:
    sel:
        event.action: file-copy
        device.type: removable
    condition: sel
---
title: Large copy to removable media
level: high
detection:
    sel:
        event.action: file-copy
        device.type: removable
        file.size|gte: 100000000
    condition: sel
---
title: Upload to personal cloud
name: cloud_upload
level: medium
detection:
    sel:
        event.action: file-upload
        destination.domain|endswith:
            - drive.google.com
            - dropbox.com
            - onedrive.live.com
            - mega.nz
    condition: sel
---
title: Upload
name: upload
level: informational
detection:
    sel:
        event.action: file-upload
    condition: sel
---
title: Attachment to a free mail address
level: high
detection:
    sel:
        event.action: email-send
        email.to|endswith:
            - '@gmail.com'
            - '@yahoo.co.jp'
            - '@outlook.com'
    att:
        email.attachments.name|endswith: ['.xlsx', '.zip', '.pdf', '.docx']
    condition: sel and att
---
title: Mail with attachments
level: low
detection:
    sel:
        event.action: email-send
        email.attachments.name|exists: true
    condition: sel
---
title: Download from file sharing
name: download
level: low
detection:
    sel:
        event.action: file-download
        url.full|contains: ['/share/', 'transfer', 'wetransfer']
    condition: sel
---
title: Failed logon
level: low
detection:
    sel:
        event.action: logon
        event.outcome: failure
    condition: sel
---
title: Logon to a server
level: informational
detection:
    sel:
        event.action: logon
        host.name|startswith: SRV
    condition: sel
---
title: Removable device connected
name: usb_connect
level: low
detection:
    sel:
        event.action: device-connect
        device.type: removable
    condition: sel
---
title: Print of a PDF
level: low
detection:
    sel:
        event.action: print
        file.name|endswith: .pdf
    condition: sel
---
title: Delete in the design share
level: medium
detection:
    sel:
        event.action: file-delete
        file.path|contains: '\設計\'
    condition: sel
---
title: Open of a confidential file
level: medium
detection:
    sel:
        event.action: file-open
        file.path|re|i: '\\(confidential|秘密|社外秘)\\'
    condition: sel
---
title: Paste site
level: medium
detection:
    sel:
        event.action: http-request
        destination.domain:
            - pastebin.com
            - gist.github.com
            - paste.ee
    condition: sel
---
title: Write to removable media
level: low
detection:
    sel:
        event.action: file-write
        device.type: removable
    filter:
        file.name|endswith: '.tmp'
    condition: sel and not filter
---
title: Office documents opened
level: informational
detection:
    sel:
        event.action: file-open
        file.name|endswith: ['.xlsx', '.docx', '.pptx']
    condition: sel
---
title: Bulk copy to removable media
level: critical
correlation:
    type: value_sum
    rules: removable_copy
    group-by: user.name
    timespan: 1h
    condition:
        field: file.size
        gt: 1000000000
    generate: true
---
title: Many uploads to personal cloud
level: high
correlation:
    type: event_count
    rules: cloud_upload
    group-by: user.name
    timespan: 10m
    condition:
        gte: 10
    generate: true
---
title: Download, connect, copy
level: high
correlation:
    type: temporal_ordered
    rules: [download, usb_connect, removable_copy]
    group-by: user.name
    timespan: 30m
    generate: true
---
title: Uploads to many sites
level: medium
correlation:
    type: value_count
    rules: upload
    group-by: user.name
    timespan: 1h
    condition:
        field: destination.domain
        gte: 5
    generate: true
"#;

/// `noisy`: values chosen so that about half the events match some rule;
/// otherwise almost none do (a realistic day).
fn events(n: usize, noisy: bool) -> Vec<Event> {
    let domains: &[&str] = if noisy {
        &["drive.google.com", "intranet.example.co.jp", "dropbox.com", "www.example.com", "pastebin.com"]
    } else {
        &["intranet.example.co.jp", "www.example.com", "news.example.jp"]
    };
    let names: &[&str] = if noisy {
        &["見積書.xlsx", "report.docx", "spec.pdf", "tmp.tmp", "photo.jpg", "archive.zip"]
    } else {
        &["photo.jpg", "notes.txt", "tmp.tmp"]
    };
    (0..n)
        .map(|i| {
            let action = Action::ALL[i % Action::ALL.len()];
            let mut e = Event::new(OffsetDateTime::UNIX_EPOCH, format!("ev-{i:08}"), action);
            e.event = EventInfo {
                id: format!("ev-{i:08}"),
                action,
                dataset: Some("cert.file".into()),
                code: None,
                outcome: Some(if noisy && i % 7 == 0 { Outcome::Failure } else { Outcome::Success }),
            };
            e.user = Some(User { name: format!("user{:03}", (i * 7919) % 500), domain: None });
            e.host = Some(Host { name: format!("{}-{:04}", if noisy && i % 11 == 0 { "SRV" } else { "PC" }, i % 900) });
            let name = names[i % names.len()];
            let dir = if noisy && i % 5 == 0 { r"E:\設計\社外秘" } else { r"C:\Users\Public\Documents" };
            e.file = Some(File {
                path: Some(format!(r"{dir}\{name}")),
                name: Some(name.into()),
                size: Some(((i * 104_729) % 50_000_000) as u64),
            });
            e.device = Some(Device {
                kind: Some(if noisy && i % 3 == 0 { "removable".into() } else { "disk".into() }),
                id: None,
                name: None,
            });
            let domain = domains[i % domains.len()];
            e.url = Some(Url { full: format!("https://{domain}/{}/{i}", if noisy { "share" } else { "page" }) });
            e.destination = Some(Destination { domain: Some(domain.into()), ip: None, port: None });
            if action == Action::EmailSend {
                e.email = Some(Email {
                    from: Some("someone@example.co.jp".into()),
                    to: vec![format!(
                        "friend{}@{}",
                        i % 13,
                        if noisy && i % 2 == 0 { "gmail.com" } else { "example.co.jp" }
                    )],
                    attachments: if noisy {
                        vec![Attachment { name: name.into(), size: Some(1000) }]
                    } else {
                        Vec::new()
                    },
                    ..Email::default()
                });
            }
            e
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rules = match RuleSet::load(&[("pack.yml".to_string(), PACK.to_string())]) {
        Ok(r) => r,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return;
        }
    };
    assert_eq!(rules.rules().len(), 20);
    let mut group = c.benchmark_group("sigma");
    for (label, noisy) in [("push_20_rules_quiet", false), ("push_20_rules_noisy", true)] {
        let events = events(10_000, noisy);
        group.throughput(Throughput::Elements(events.len() as u64));
        let mut eval = Evaluator::new(&rules);
        let mut out = Vec::new();
        let mut now: i64 = 0;
        let mut matches: u64 = 0;
        group.bench_function(label, |b| {
            b.iter(|| {
                for e in &events {
                    now += 100;
                    eval.push(black_box(e), now, &e.event.id, &mut out);
                    matches += out.len() as u64;
                    out.clear();
                }
                eval.expire(now);
            })
        });
        eprintln!("{label}: {:.3} matches per event", matches as f64 / (now as f64 / 100.0).max(1.0));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
