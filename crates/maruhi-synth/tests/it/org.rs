use std::collections::HashSet;

use maruhi_synth::{generate, Config, ConfigError, Employment, Insider, Noise, Scenario, Secret};
use time::macros::date;

use crate::{large, small, small_config};

#[test]
fn refuses_configurations_it_cannot_honour() {
    let too_few = Config { users: 5, ..Config::default() };
    assert_eq!(generate(&too_few).unwrap_err(), ConfigError::TooFewUsers { users: 5 });
    let no_months = Config { months: 0, ..Config::default() };
    assert_eq!(generate(&no_months).unwrap_err(), ConfigError::NoMonths);
    let late = Config { start: date!(2027 - 10 - 01), months: 6, ..Config::default() };
    assert!(matches!(generate(&late).unwrap_err(), ConfigError::OutsideCalendar { .. }));
    let early = Config { start: date!(2025 - 12 - 01), ..Config::default() };
    assert!(matches!(generate(&early).unwrap_err(), ConfigError::OutsideCalendar { .. }));
}

#[test]
fn people_are_unique_and_plausible() {
    let org = large();
    assert_eq!(org.people.len(), 1000);
    let users: HashSet<&str> = org.people.iter().map(|p| p.user.as_str()).collect();
    assert_eq!(users.len(), 1000, "account names are unique");
    let hosts: HashSet<&str> = org.people.iter().map(|p| p.host.as_str()).collect();
    assert_eq!(hosts.len(), 1000, "everyone has a PC of their own");
    let contractors = org.people.iter().filter(|p| p.contractor).count();
    assert!((50..=120).contains(&contractors), "{contractors} contractors");
    for p in &org.people {
        assert_eq!(p.contractor, p.employment != Employment::Regular);
        assert_eq!(p.contractor, p.user.starts_with("ext-"), "{}", p.user);
        assert!(p.user.is_ascii() && p.user.contains('.'), "{}", p.user);
        assert!(p.display_name.contains(' ') && !p.display_name.is_ascii(), "{}", p.display_name);
        assert!(p.email.ends_with("@maruhi-example.co.jp"));
        assert!(p.host.starts_with("PC-"));
    }
    let admins: Vec<_> = org.people.iter().filter(|p| p.privileged).collect();
    assert!((2..=6).contains(&admins.len()));
    assert!(admins.iter().all(|p| p.department == "情報システム部"));
    let departments: HashSet<&str> = org.people.iter().map(|p| p.department.as_str()).collect();
    assert!(departments.len() >= 12);
    assert_eq!(org.company_domains[0], "maruhi-example.co.jp");
    assert!((3..=5).contains(&org.competitor_domains.len()));
}

#[test]
fn hr_dates_are_ordered_and_turnover_is_realistic() {
    let org = large();
    for r in &org.hr {
        assert!(r.notice_date < r.last_working_day, "{r:?}");
        assert!(r.last_working_day <= r.end_date, "{r:?}");
        assert!(r.notice_date < org.end(), "{r:?}");
        assert!(r.last_working_day >= org.start(), "{r:?}");
    }
    let users: HashSet<&str> = org.hr.iter().map(|r| r.user.as_str()).collect();
    assert_eq!(users.len(), org.hr.len(), "one departure per person");
    // About 10 % a year: dozens over six months of a thousand people.
    assert!((40..=90).contains(&org.hr.len()), "{} departures", org.hr.len());
    let benign = org.noisy.iter().filter(|n| n.kind == Noise::BenignLeaver).count();
    assert!(benign >= 30, "{benign} benign leavers");
    // Paid leave is often taken after the last working day.
    assert!(org.hr.iter().filter(|r| r.end_date > r.last_working_day).count() * 2 > org.hr.len());
}

#[test]
fn secrets_have_prefixes_and_lists_of_real_people() {
    let org = large();
    assert!((10..=20).contains(&org.secrets.len()));
    let users: HashSet<&str> = org.people.iter().map(|p| p.user.as_str()).collect();
    let ids: HashSet<&str> = org.secrets.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), org.secrets.len());
    for s in &org.secrets {
        assert!(!s.need_to_know.is_empty(), "{}", s.id);
        assert!(s.need_to_know.iter().all(|u| users.contains(u.as_str())), "{}", s.id);
        assert!(s.path_prefixes.iter().any(|p| p.starts_with("\\\\fs0") && p.ends_with('\\')), "{}", s.id);
        // Most of the list is the owning department.
        let own = s
            .need_to_know
            .iter()
            .filter(|u| org.people.iter().any(|p| &p.user == *u && p.department == s.department))
            .count();
        assert!(own * 2 > s.need_to_know.len(), "{}", s.id);
    }
}

#[test]
fn insiders_cover_every_scenario() {
    let org = large();
    assert!((15..=25).contains(&org.truth.len()), "{} insiders", org.truth.len());
    for scenario in Scenario::ALL {
        let n = org.truth.iter().filter(|t| t.scenario == scenario).count();
        assert!(n >= 2, "{scenario}: {n}");
    }
    let users: HashSet<&str> = org.truth.iter().map(|t| t.user.as_str()).collect();
    assert_eq!(users.len(), org.truth.len(), "one scenario per insider");
    let leaving = org.truth.iter().filter(|t| t.last_working_day.is_some()).count();
    assert!(leaving >= 8 && leaving < org.truth.len(), "{leaving} of the insiders leave");
    for t in &org.truth {
        assert!(!t.event_ids.is_empty());
        assert!(t.first_malicious_time <= t.last_malicious_time);
        assert!(t.first_malicious_time.date() >= org.start() && t.last_malicious_time.date() < org.end());
        if let Some(last) = t.last_working_day {
            let hr = org.hr.iter().find(|r| r.user == t.user).expect("leaving insiders are in hr");
            assert_eq!(hr.last_working_day, last);
            assert!(t.last_malicious_time.date() <= last);
        } else {
            assert!(org.hr.iter().all(|r| r.user != t.user));
        }
        // Insiders are not planted as noise too.
        assert!(org.noisy.iter().all(|n| n.user != t.user || n.kind == Noise::ItAdmin), "{}", t.user);
    }
    // Benign people that look suspicious are there too.
    for kind in [Noise::UsbRegular, Noise::NightOwl, Noise::WeekendWorker, Noise::ItAdmin, Noise::PhoneCharger] {
        assert!(org.noisy.iter().any(|n| n.kind == kind), "{kind:?}");
    }
}

#[test]
fn planning_is_deterministic_and_depends_on_the_seed() {
    let a = generate(&small_config()).unwrap();
    let b = small();
    assert_eq!(a.people, b.people);
    assert_eq!(a.hr, b.hr);
    assert_eq!(a.secrets, b.secrets);
    assert_eq!(a.truth, b.truth);
    assert_eq!(a.noisy, b.noisy);
    let other = generate(&Config { seed: 12, ..small_config() }).unwrap();
    assert_ne!(other.people, a.people);
}

#[test]
fn writers_produce_the_documented_files() {
    let org = small();
    let mut hr = Vec::new();
    org.write_hr_csv(&mut hr).unwrap();
    let hr = String::from_utf8(hr).unwrap();
    let mut lines = hr.lines();
    assert_eq!(lines.next(), Some("user,notice_date,last_working_day,end_date"));
    assert_eq!(lines.count(), org.hr.len());

    let mut people = Vec::new();
    org.write_people_csv(&mut people).unwrap();
    let people = String::from_utf8(people).unwrap();
    assert!(
        people.starts_with("user,display_name,romaji,department,role,employment,contractor,privileged,email,host\n")
    );
    assert_eq!(people.lines().count(), org.people.len() + 1);

    let mut secrets = Vec::new();
    org.write_secrets_json(&mut secrets).unwrap();
    let secrets: Vec<Secret> = serde_json::from_slice(&secrets).unwrap();
    assert_eq!(secrets, org.secrets);

    let mut truth = Vec::new();
    org.write_truth_json(&mut truth).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&truth).unwrap();
    let insiders: Vec<Insider> = serde_json::from_value(value["insiders"].clone()).unwrap();
    assert_eq!(insiders, org.truth);
    assert_eq!(value["noisy"].as_array().map(Vec::len), Some(org.noisy.len()));
}
