use std::collections::{HashMap, HashSet};

use maruhi_events::{read, Action, Event, Format, Options};
use maruhi_synth::{calendar, generate, write_jsonl, Noise};

use crate::{small, small_config, small_days};

#[test]
fn every_event_is_valid_and_days_are_in_time_order() {
    let org = small();
    let offset = org.config.offset;
    let mut ids = HashSet::new();
    let mut previous: Option<time::OffsetDateTime> = None;
    for (date, events) in small_days() {
        for e in events {
            assert_eq!(e.timestamp.date(), *date, "{}", e.event.id);
            assert_eq!(e.timestamp.offset(), offset);
            assert!(e.event.id.starts_with("syn-11-"), "{}", e.event.id);
            assert!(ids.insert(e.event.id.clone()), "duplicate id {}", e.event.id);
            assert!(e.user.is_some() && e.host.is_some(), "{}", e.event.id);
            assert!(e.event.dataset.as_deref().is_some_and(|d| d.starts_with("synth.")));
            match e.event.action {
                Action::FileOpen | Action::FileWrite | Action::FileDelete | Action::FileCopy | Action::Print => {
                    let file = e.file.as_ref().expect("file events name the file");
                    assert!(file.path.is_some() && file.name.is_some() && file.size.is_some(), "{}", e.event.id);
                }
                Action::FileUpload | Action::FileDownload | Action::HttpRequest => {
                    assert!(e.url.is_some(), "{}", e.event.id);
                    assert!(e.destination.as_ref().and_then(|d| d.domain.as_ref()).is_some(), "{}", e.event.id);
                }
                Action::EmailSend => {
                    let mail = e.email.as_ref().expect("mails have recipients");
                    assert!(!mail.to.is_empty() && mail.from.is_some(), "{}", e.event.id);
                }
                Action::DeviceConnect | Action::DeviceDisconnect => {
                    assert!(e.device.as_ref().and_then(|d| d.kind.as_ref()).is_some(), "{}", e.event.id);
                }
                _ => {}
            }
            if let Some(p) = previous {
                assert!(p <= e.timestamp, "{} out of order", e.event.id);
            }
            previous = Some(e.timestamp);
        }
    }
    assert!(ids.len() > 10_000, "{} events", ids.len());
}

#[test]
fn jsonl_reads_back_through_maruhi_events() {
    let (_, events) = &small_days()[1];
    let mut text = Vec::new();
    write_jsonl(&mut text, events).unwrap();
    let back: Vec<Event> = read(Format::Jsonl, text.as_slice(), &Options::default()).map(|r| r.unwrap()).collect();
    assert_eq!(&back, events);
}

#[test]
fn days_are_deterministic() {
    let again = generate(&small_config()).unwrap();
    for (date, events) in small_days().iter().step_by(3) {
        assert_eq!(&again.generate_day(*date), events, "{date}");
    }
    let org = small();
    let (date, events) = &small_days()[0];
    let user = &org.people[3].user;
    let own: Vec<&Event> = events.iter().filter(|e| e.user.as_ref().is_some_and(|u| &u.name == user)).collect();
    let alone = org.generate_user_day(user, *date);
    assert_eq!(own.len(), alone.len());
    assert!(own.iter().zip(&alone).all(|(a, b)| *a == b));
    assert!(org.generate_day(org.end()).is_empty());
    assert!(org.generate_user_day("nobody", *date).is_empty());
}

#[test]
fn volume_is_realistic() {
    let mut per_person_day: HashMap<(String, time::Date), usize> = HashMap::new();
    for (date, events) in small_days() {
        if !calendar::is_workday(*date) {
            continue;
        }
        for e in events {
            *per_person_day.entry((e.user.as_ref().unwrap().name.clone(), *date)).or_default() += 1;
        }
    }
    let mean = per_person_day.values().sum::<usize>() as f64 / per_person_day.len() as f64;
    assert!((40.0..=120.0).contains(&mean), "{mean} events per person and workday");
}

#[test]
fn only_weekend_workers_work_on_holidays() {
    let org = small();
    let weekend: HashSet<&str> =
        org.noisy.iter().filter(|n| n.kind == Noise::WeekendWorker).map(|n| n.user.as_str()).collect();
    let mut holidays = 0;
    for (date, events) in small_days() {
        if calendar::is_workday(*date) {
            continue;
        }
        holidays += 1;
        for e in events {
            let user = e.user.as_ref().unwrap().name.as_str();
            assert!(weekend.contains(user), "{user} works on {date}");
        }
    }
    // The month includes Golden Week (4/29, 5/3–5/6) and weekends.
    assert!(holidays >= 12, "{holidays}");
}

#[test]
fn nobody_works_after_the_last_working_day() {
    let org = small();
    let last: HashMap<&str, time::Date> = org.hr.iter().map(|r| (r.user.as_str(), r.last_working_day)).collect();
    for (date, events) in small_days() {
        for e in events {
            let user = e.user.as_ref().unwrap().name.as_str();
            if let Some(day) = last.get(user) {
                assert!(date <= day, "{user} on {date} after {day}");
            }
        }
    }
}

#[test]
fn truth_points_at_events_of_the_stream() {
    let org = small();
    assert!(!org.truth.is_empty());
    let events: HashMap<&str, &Event> =
        small_days().iter().flat_map(|(_, events)| events).map(|e| (e.event.id.as_str(), e)).collect();
    for insider in &org.truth {
        let mut first = None;
        for id in &insider.event_ids {
            let e = events.get(id.as_str()).unwrap_or_else(|| panic!("{id} of {} is not in the stream", insider.user));
            assert_eq!(e.user.as_ref().unwrap().name, insider.user);
            first = first.or(Some(e.timestamp));
        }
        assert_eq!(first, Some(insider.first_malicious_time));
        for id in &insider.precursor_event_ids {
            let e = events.get(id.as_str()).unwrap_or_else(|| panic!("precursor {id} is not in the stream"));
            assert_eq!(e.event.action, Action::HttpRequest);
        }
    }
}

#[test]
fn a_small_org_has_a_realistic_volume() {
    // Speed is measured by the harness (`cargo bench -p maruhi-risk`), not here.
    let org = generate(&small_config()).unwrap();
    let events: usize = org.days().map(|(_, e)| e.len()).sum();
    assert!(events > 10_000);
}
