//! Each insider's malicious events do what the scenario says.

use std::collections::HashSet;

use maruhi_events::{Action, Event, REMOVABLE};
use maruhi_synth::{Insider, Org, Scenario};
use time::macros::format_description;
use time::Date;

use crate::large;

/// The events named by `ids`, fetched from the insider's own days.
fn events_of(org: &Org, user: &str, ids: &[String]) -> Vec<Event> {
    let format = format_description!("[year][month][day]");
    let days: HashSet<Date> =
        ids.iter().map(|id| Date::parse(id.split('-').nth(2).unwrap(), format).unwrap()).collect();
    let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut days: Vec<Date> = days.into_iter().collect();
    days.sort();
    let events: Vec<Event> = days
        .into_iter()
        .flat_map(|d| org.generate_user_day(user, d))
        .filter(|e| wanted.contains(e.event.id.as_str()))
        .collect();
    assert_eq!(events.len(), ids.len(), "every id of {user} resolves");
    events
}

fn malicious(org: &Org, t: &Insider) -> Vec<Event> {
    events_of(org, &t.user, &t.event_ids)
}

fn of(scenario: Scenario) -> Vec<&'static Insider> {
    large().truth.iter().filter(|t| t.scenario == scenario).collect()
}

fn domain(e: &Event) -> &str {
    e.destination.as_ref().and_then(|d| d.domain.as_deref()).unwrap_or("")
}

fn in_secret(org: &Org, id: &str, path: &str) -> bool {
    org.secrets
        .iter()
        .find(|s| s.id == id)
        .is_some_and(|s| s.path_prefixes.iter().any(|p| path.starts_with(p.as_str())))
}

#[test]
fn departing_engineers_copy_many_files_to_usb_after_job_hunting() {
    let org = large();
    for t in of(Scenario::DepartingEngineerUsb) {
        let events = malicious(org, t);
        let copies = events
            .iter()
            .filter(|e| e.event.action == Action::FileCopy)
            .filter(|e| e.device.as_ref().and_then(|d| d.kind.as_deref()) == Some(REMOVABLE))
            .count();
        assert!(copies >= 30, "{}: {copies} copies", t.user);
        assert!(!t.secrets.is_empty(), "{} takes registered secrets", t.user);
        assert!(t.last_working_day.is_some());
        let precursors = events_of(org, &t.user, &t.precursor_event_ids);
        assert!(precursors.iter().all(|e| [
            "doda.jp",
            "bizreach.jp",
            "en-japan.com",
            "mynavi.jp",
            "rikunabi.com",
            "type.jp",
            "green-japan.com",
            "jac-recruitment.jp",
            "linkedin.com"
        ]
        .iter()
        .any(|j| domain(e).ends_with(j))));
    }
}

#[test]
fn contractors_take_customer_records_out() {
    let org = large();
    for t in of(Scenario::ContractorCustomerDb) {
        let person = org.people.iter().find(|p| p.user == t.user).unwrap();
        assert!(person.contractor, "{}", t.user);
        let db = org.secrets.iter().find(|s| s.title == "顧客データベース").unwrap();
        assert!(db.need_to_know.contains(&t.user), "the contractor has legitimate access");
        let events = malicious(org, t);
        let transfers = events.iter().filter(|e| {
            e.event.action == Action::FileUpload
                && ["gigafile.nu", "firestorage.jp", "wetransfer.com"].iter().any(|s| domain(e).ends_with(s))
        });
        let phone = events.iter().filter(|e| {
            e.event.action == Action::FileCopy
                && e.device.as_ref().and_then(|d| d.name.as_deref()).is_some_and(|n| n.ends_with("(MTP)"))
        });
        assert!(transfers.count() + phone.count() >= 3, "{}", t.user);
        assert!(events
            .iter()
            .any(|e| e.event.action == Action::FileDownload && domain(e) == "maruhi.my.salesforce.com"));
    }
}

#[test]
fn leavers_mail_attachments_to_personal_or_competitor_addresses() {
    let org = large();
    for t in of(Scenario::LeaverMailOut) {
        let events = malicious(org, t);
        let mails: Vec<&Event> = events.iter().filter(|e| e.event.action == Action::EmailSend).collect();
        assert!(mails.len() >= 2, "{}", t.user);
        for mail in mails {
            let email = mail.email.as_ref().unwrap();
            assert!(!email.attachments.is_empty());
            let to = &email.to[0];
            let domain = to.rsplit('@').next().unwrap();
            assert!(
                org.competitor_domains.iter().any(|c| c == domain)
                    || [
                        "gmail.com",
                        "yahoo.co.jp",
                        "icloud.com",
                        "docomo.ne.jp",
                        "ezweb.ne.jp",
                        "softbank.ne.jp",
                        "outlook.jp"
                    ]
                    .contains(&domain),
                "{to}"
            );
        }
        let hr = org.hr.iter().find(|r| r.user == t.user).unwrap();
        assert!(t.last_malicious_time.date() <= hr.last_working_day);
    }
}

#[test]
fn archives_are_uploaded_to_personal_clouds_soon_after_being_written() {
    let org = large();
    for t in of(Scenario::ArchiveThenUpload) {
        let events = malicious(org, t);
        let archives: Vec<&Event> = events
            .iter()
            .filter(|e| e.event.action == Action::FileWrite)
            .filter(|e| {
                e.file
                    .as_ref()
                    .and_then(|f| f.name.as_deref())
                    .is_some_and(|n| n.ends_with(".zip") || n.ends_with(".7z"))
            })
            .collect();
        assert!(!archives.is_empty(), "{}", t.user);
        for archive in archives {
            let name = archive.file.as_ref().and_then(|f| f.name.as_deref());
            let upload = events
                .iter()
                .filter(|e| e.timestamp > archive.timestamp)
                .find(|e| {
                    e.event.action == Action::FileUpload && e.file.as_ref().and_then(|f| f.name.as_deref()) == name
                })
                .expect("the archive is uploaded");
            assert!(["drive.google.com", "www.dropbox.com", "onedrive.live.com"].contains(&domain(upload)));
            let delay = upload.timestamp - archive.timestamp;
            assert!(delay.is_positive() && delay.whole_hours() < 2, "{delay}");
            let opens =
                events.iter().filter(|e| e.event.action == Action::FileOpen && e.timestamp < archive.timestamp).count();
            assert!(opens >= 20, "{opens} files opened before packing");
        }
    }
}

#[test]
fn need_to_know_violations_open_secrets_outside_the_list_more_and_more() {
    let org = large();
    for t in of(Scenario::NeedToKnowViolation) {
        assert_eq!(t.secrets.len(), 1);
        let secret = org.secrets.iter().find(|s| s.id == t.secrets[0]).unwrap();
        assert!(!secret.need_to_know.contains(&t.user), "{} is not entitled to {}", t.user, secret.id);
        let events = malicious(org, t);
        let opens: Vec<&Event> = events.iter().filter(|e| e.event.action == Action::FileOpen).collect();
        assert!(opens.iter().all(|e| in_secret(org, &secret.id, e.file.as_ref().unwrap().path.as_deref().unwrap())));
        let days: Vec<Date> = opens.iter().map(|e| e.timestamp.date()).collect();
        let first = days.iter().filter(|d| **d == days[0]).count();
        let last = days.iter().filter(|d| **d == days[days.len() - 1]).count();
        assert!(last > first, "escalates: {first} then {last}");
        assert!(t.last_working_day.is_none());
    }
}

#[test]
fn secrets_are_printed_and_downloaded_after_notice() {
    let org = large();
    for t in of(Scenario::PostNoticeSecrets) {
        let hr = org.hr.iter().find(|r| r.user == t.user).unwrap();
        let events = malicious(org, t);
        assert!(events
            .iter()
            .all(|e| e.timestamp.date() > hr.notice_date && e.timestamp.date() <= hr.last_working_day));
        assert!(events.iter().any(|e| e.event.action == Action::Print));
        assert!(events.iter().any(|e| e.event.action == Action::FileDownload));
        let secret = &t.secrets[0];
        let person_on_list = org.secrets.iter().find(|s| &s.id == secret).unwrap().need_to_know.contains(&t.user);
        assert!(person_on_list, "{} is entitled to what they take", t.user);
    }
}

#[test]
fn contractors_send_a_few_huge_exports_through_a_transfer_service() {
    let org = large();
    let insiders = of(Scenario::ContractorBulkExport);
    assert!(!insiders.is_empty());
    for t in insiders {
        assert!(org.people.iter().any(|p| p.user == t.user && p.contractor), "{}", t.user);
        let events = malicious(org, t);
        let uploads: Vec<&Event> = events.iter().filter(|e| e.event.action == Action::FileUpload).collect();
        assert!((2..=9).contains(&uploads.len()), "few files: {}", uploads.len());
        let bytes: u64 = uploads.iter().filter_map(|e| e.file.as_ref().and_then(|f| f.size)).sum();
        assert!(bytes >= 1_000_000_000, "{}: {bytes} bytes", t.user);
        assert!(uploads
            .iter()
            .all(|e| ["gigafile.nu", "firestorage.jp", "wetransfer.com"].iter().any(|s| domain(e).ends_with(s))));
    }
}

#[test]
fn night_copies_to_a_new_stick_are_followed_by_uploads() {
    let org = large();
    for t in of(Scenario::NightUsbThenUpload) {
        let events = malicious(org, t);
        let copies: Vec<&Event> = events.iter().filter(|e| e.event.action == Action::FileCopy).collect();
        assert!(copies.len() >= 20, "{}", t.user);
        assert!(copies.iter().all(|e| e.timestamp.hour() >= 22), "at night");
        let first_upload = events.iter().find(|e| e.event.action == Action::FileUpload).map(|e| e.timestamp);
        assert!(first_upload.is_some_and(|u| u > copies[0].timestamp), "{}", t.user);
        assert!(t.last_working_day.is_none());
    }
}

#[test]
fn leavers_download_a_burst_on_a_never_seen_pc() {
    let org = large();
    for t in of(Scenario::LeaverNewPcDownloads) {
        let events = malicious(org, t);
        let hosts: HashSet<&str> = events.iter().filter_map(|e| e.host.as_ref()).map(|h| h.name.as_str()).collect();
        let own = org.people.iter().find(|p| p.user == t.user).map(|p| p.host.as_str());
        assert!(hosts.iter().all(|h| h.starts_with("DESKTOP-") && Some(*h) != own), "{hosts:?}");
        let downloads = events.iter().filter(|e| e.event.action == Action::FileDownload).count();
        assert!(downloads >= 40, "{}: {downloads}", t.user);
        let hr = org.hr.iter().find(|r| r.user == t.user).unwrap();
        assert!(t.first_malicious_time.date() > hr.notice_date, "after notice");
    }
}

#[test]
fn the_new_scenarios_have_benign_look_alikes() {
    let org = large();
    for kind in [maruhi_synth::Noise::PartnerTransfer, maruhi_synth::Noise::UsbAdmin] {
        assert!(org.noisy.iter().any(|n| n.kind == kind), "{kind:?}");
    }
}
