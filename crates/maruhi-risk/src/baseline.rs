//! Per-person and peer-group baselines: what is usual for this person (and
//! for their department), so that detection can say "three times their usual"
//! instead of applying one threshold to everyone.
//!
//! The approach follows user-behaviour analytics as described for insider
//! threat by CERT's Common Sense Guide to Mitigating Insider Threats ("establish
//! a baseline of normal behavior for both networks and employees") and Gavai et al. 2015 ("Detecting insider threat from
//! enterprise social and online activity data"): daily per-person volumes per
//! measure, compared against the person's own recent days and their peers.
//! Three kinds of signal come out of it:
//!
//! * a daily volume above the person's own usual and their peers': mean and
//!   standard deviation over the person's last [`HISTORY_DAYS`] active days;
//!   the day crosses when it exceeds `max(3 × mean, mean + 4 σ)` and a small
//!   minimum per measure ([`Measure::minimum`]), and either is large in
//!   absolute terms ([`Measure::floor`]) and above twice the department's
//!   mean per person-day, or is a jump of [`JUMP`]× the person's own mean or
//!   more. The jump needs no absolute floor: a person who downloads 10 MB a
//!   day and suddenly 250 MB is as unusual as one who goes from 1 to 25 GB.
//!   With fewer than [`MIN_HISTORY_DAYS`] days of history, five times the
//!   department's mean (and the floor) stands in. A day that crossed is not
//!   learnt (the baseline would otherwise absorb what it should flag), unless
//!   the measure crossed [`NEW_NORMAL_DAYS`] days in a row or on
//!   [`RECURRING_DAYS`] earlier days of the kept history: then the level is
//!   the person's normal (a change of job, a weekly task);
//! * first use of a computer, device or destination (a registrable domain
//!   uploaded or mailed to), once the person has [`WARM_UP_DAYS`] days of
//!   history (otherwise everything is a first);
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;

use maruhi_events::{Action, Event, REMOVABLE};
use time::{Date, Weekday};

use crate::context::{registrable_domain, Category, Context};

/// Active days kept per person.
pub const HISTORY_DAYS: usize = 30;
/// Days of history before the person's own baseline is trusted.
pub const MIN_HISTORY_DAYS: usize = 10;
/// Days of history before a device or destination counts as new.
pub const WARM_UP_DAYS: i64 = 14;
/// Events before the person's own hours are trusted.
pub const MIN_EVENTS_FOR_HOURS: u64 = 300;
/// A day this many times the person's own mean is unusual whatever its
/// absolute size (above [`Measure::minimum`]).
pub const JUMP: f64 = 10.0;
/// A jump this large, over the person's own history, is a strong anomaly:
/// one that opens an alert by itself.
pub const STRONG_JUMP: f64 = 20.0;
/// Consecutive crossed days after which a level is learnt as the new normal.
pub const NEW_NORMAL_DAYS: u32 = 5;
/// Crossed days within the kept history after which a recurring level (a
/// weekly job) is learnt as normal.
pub const RECURRING_DAYS: usize = 2;

/// A daily volume with a baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    /// Bytes copied to removable media.
    RemovableBytes,
    /// Files copied to removable media.
    RemovableFiles,
    /// Bytes uploaded to destinations outside the company.
    UploadBytes,
    /// Bytes downloaded (from the company's file services and clouds, and
    /// exports from its applications).
    DownloadBytes,
    /// Files opened or downloaded.
    FilesRead,
    /// Documents printed.
    Prints,
    /// Attachments mailed outside the company.
    MailedAttachments,
}

impl Measure {
    /// Every measure.
    pub const ALL: [Measure; 7] = [
        Measure::RemovableBytes,
        Measure::RemovableFiles,
        Measure::UploadBytes,
        Measure::DownloadBytes,
        Measure::FilesRead,
        Measure::Prints,
        Measure::MailedAttachments,
    ];
    const COUNT: usize = Measure::ALL.len();

    /// Stable name (indicator ids, JSON).
    pub fn name(self) -> &'static str {
        match self {
            Measure::RemovableBytes => "removable-bytes",
            Measure::RemovableFiles => "removable-files",
            Measure::UploadBytes => "upload-bytes",
            Measure::DownloadBytes => "download-bytes",
            Measure::FilesRead => "files-read",
            Measure::Prints => "prints",
            Measure::MailedAttachments => "mailed-attachments",
        }
    }

    /// Above this a day is large in absolute terms: it is unusual when it is
    /// also above the person's usual and their department's.
    pub fn floor(self) -> f64 {
        match self {
            Measure::RemovableBytes => 200e6,
            Measure::RemovableFiles => 30.0,
            Measure::UploadBytes => 50e6,
            Measure::DownloadBytes => 500e6,
            Measure::FilesRead => 300.0,
            Measure::Prints => 30.0,
            Measure::MailedAttachments => 10.0,
        }
    }

    /// Below this a day is never unusual, whatever the jump: a handful of
    /// files or megabytes is not worth an analyst's time.
    pub fn minimum(self) -> f64 {
        match self {
            Measure::RemovableBytes => 20e6,
            Measure::RemovableFiles => 20.0,
            Measure::UploadBytes => 10e6,
            Measure::DownloadBytes => 50e6,
            Measure::FilesRead => 60.0,
            Measure::Prints => 15.0,
            Measure::MailedAttachments => 5.0,
        }
    }

    /// Whether values are bytes (for wording).
    pub fn is_bytes(self) -> bool {
        matches!(self, Measure::RemovableBytes | Measure::UploadBytes | Measure::DownloadBytes)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What an event contributes to each measure.
fn contributions(event: &Event, ctx: &Context) -> [f64; Measure::COUNT] {
    let mut c = [0.0; Measure::COUNT];
    let size = event.file.as_ref().and_then(|f| f.size).unwrap_or(0) as f64;
    match event.event.action {
        Action::FileCopy if event.device.as_ref().and_then(|d| d.kind.as_deref()) == Some(REMOVABLE) => {
            c[Measure::RemovableBytes.index()] = size;
            c[Measure::RemovableFiles.index()] = 1.0;
        }
        Action::FileUpload => {
            let domain = event.destination.as_ref().and_then(|d| d.domain.as_deref());
            if domain.is_none_or(|d| ctx.category(d) != Some(Category::Company)) {
                c[Measure::UploadBytes.index()] = crate::enrich::transfer_bytes(event).unwrap_or(0) as f64;
            }
        }
        Action::FileOpen => c[Measure::FilesRead.index()] = 1.0,
        Action::FileDownload => {
            c[Measure::FilesRead.index()] = 1.0;
            c[Measure::DownloadBytes.index()] = crate::enrich::transfer_bytes(event).unwrap_or(0) as f64;
        }
        Action::Print => c[Measure::Prints.index()] = 1.0,
        Action::EmailSend => {
            if let Some(mail) = &event.email {
                let external = mail
                    .to
                    .iter()
                    .chain(&mail.cc)
                    .chain(&mail.bcc)
                    .any(|a| mail_domain(a).is_none_or(|d| ctx.mail_category(d) != Some(Category::Company)));
                if external {
                    c[Measure::MailedAttachments.index()] = mail.attachments.len() as f64;
                }
            }
        }
        _ => {}
    }
    c
}

/// The domain of a mail address, without a display name or angle brackets.
pub(crate) fn mail_domain(address: &str) -> Option<&str> {
    let a = address.trim().trim_end_matches('>');
    a.rsplit_once('@').map(|(_, d)| d.trim())
}

/// A day's volume above what is usual for the person.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    /// Which volume.
    pub measure: Measure,
    /// Today's total when it crossed.
    pub value: f64,
    /// The usual daily amount it was compared with (own mean, or the peers'
    /// when the person has too little history).
    pub usual: f64,
    /// Whether `usual` is the peers' rather than the person's own.
    pub from_peers: bool,
    /// A jump of [`STRONG_JUMP`]× or more over the person's own history
    /// (and above the measure's floor): an alert by itself.
    pub strong: bool,
    /// The day had already crossed for this measure and has now become a
    /// strong anomaly (the score counted it already; the alert is new).
    pub escalation: bool,
}

/// Facts about one event that depend on the person's history before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// Outside the hours this person usually works.
    pub off_hours: bool,
    /// The first time this person used this removable device.
    pub first_device: bool,
    /// The first time this person uploaded or mailed to this registrable
    /// domain.
    pub first_destination: bool,
    /// The first time this person used this computer.
    pub first_host: bool,
}

#[derive(Debug, Default)]
struct Running {
    n: f64,
    mean: f64,
}

impl Running {
    fn add(&mut self, x: f64) {
        self.n += 1.0;
        self.mean += (x - self.mean) / self.n;
    }
}

#[derive(Debug)]
struct Person {
    department: Option<String>,
    first_day: Date,
    day: Date,
    today: [f64; Measure::COUNT],
    crossed: [bool; Measure::COUNT],
    crossed_run: [u32; Measure::COUNT],
    crossed_days: VecDeque<[bool; Measure::COUNT]>,
    strong: [bool; Measure::COUNT],
    history: VecDeque<[f64; Measure::COUNT]>,
    hours: [u64; 24],
    weekend: u64,
    events: u64,
    seen: HashSet<u64>,
}

/// Baselines of every person and department seen so far. Feed events in time
/// order per person.
#[derive(Debug, Default)]
pub struct Baselines {
    people: HashMap<String, Person>,
    peers: HashMap<String, [Running; Measure::COUNT]>,
    hasher: std::collections::hash_map::RandomState,
}

impl Baselines {
    /// No history yet.
    pub fn new() -> Baselines {
        Baselines::default()
    }

    /// Looks at one event of `user` on local `day`: returns the facts that
    /// depend on history before it, adds it to today's volumes, and pushes to
    /// `anomalies` each measure whose daily total crossed the person's
    /// threshold with this event (once per measure and day).
    pub fn observe(
        &mut self,
        user: &str,
        day: Date,
        hour: u8,
        event: &Event,
        ctx: &Context,
        anomalies: &mut Vec<Anomaly>,
    ) -> Facts {
        // Looked up by `&str` first: one allocation per person, not per event.
        if !self.people.contains_key(user) {
            let person = Person {
                department: ctx.person(user).and_then(|p| p.department.clone()),
                first_day: day,
                day,
                today: [0.0; Measure::COUNT],
                crossed: [false; Measure::COUNT],
                crossed_run: [0; Measure::COUNT],
                crossed_days: VecDeque::with_capacity(HISTORY_DAYS),
                strong: [false; Measure::COUNT],
                history: VecDeque::with_capacity(HISTORY_DAYS),
                hours: [0; 24],
                weekend: 0,
                events: 0,
                seen: HashSet::new(),
            };
            self.people.insert(user.to_owned(), person);
        }
        let Some(person) = self.people.get_mut(user) else { return Facts::default() };
        if day > person.day {
            close_day(person, &mut self.peers);
            person.day = day;
        }

        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        let off_hours = if person.events >= MIN_EVENTS_FOR_HOURS {
            let share = person.hours[usize::from(hour % 24)] as f64 / person.events as f64;
            share < 0.01 || (weekend && (person.weekend as f64 / person.events as f64) < 0.02)
        } else {
            !(6..22).contains(&hour) || weekend
        };
        person.hours[usize::from(hour % 24)] += 1;
        person.events += 1;
        if weekend {
            person.weekend += 1;
        }

        let warm = (day - person.first_day).whole_days() >= WARM_UP_DAYS;
        let mut first = |kind: u8, value: &str| person.seen.insert(self.hasher.hash_one((kind, value))) && warm;
        let mut facts = Facts { off_hours, ..Facts::default() };
        if let Some(host) = event.host.as_ref().map(|h| h.name.as_str()).filter(|h| !h.is_empty()) {
            facts.first_host = first(2, &host.to_ascii_lowercase());
        }
        match event.event.action {
            Action::DeviceConnect | Action::FileCopy => {
                if let Some(d) = &event.device {
                    if let Some(id) = d.id.as_deref().or(d.name.as_deref()) {
                        facts.first_device = first(0, id);
                    }
                }
            }
            // Only what sends data consumes a destination's first use: the
            // page visit before every upload would otherwise take it.
            Action::FileUpload => {
                if let Some(domain) = event.destination.as_ref().and_then(|d| d.domain.as_deref()) {
                    facts.first_destination = first(1, &registrable_domain(domain));
                }
            }
            Action::EmailSend => {
                if let Some(mail) = &event.email {
                    let mut any = false;
                    for d in mail.to.iter().chain(&mail.cc).chain(&mail.bcc).filter_map(|a| mail_domain(a)) {
                        any |= first(1, &registrable_domain(d));
                    }
                    facts.first_destination = any;
                }
            }
            _ => {}
        }

        let added = contributions(event, ctx);
        for m in Measure::ALL {
            let i = m.index();
            if added[i] == 0.0 {
                continue;
            }
            person.today[i] += added[i];
            let today = person.today[i];
            if person.strong[i] || today < m.minimum() {
                continue;
            }
            let peers = person.department.as_ref().and_then(|d| self.peers.get(d)).map(|p| p[i].mean).unwrap_or(0.0);
            let found = if person.history.len() >= MIN_HISTORY_DAYS {
                let n = person.history.len() as f64;
                let mean = person.history.iter().map(|d| d[i]).sum::<f64>() / n;
                let var = person.history.iter().map(|d| (d[i] - mean).powi(2)).sum::<f64>() / n;
                let ratio = if mean > 0.0 { today / mean } else { f64::INFINITY };
                // Above the person's own usual; and either large and above
                // what is ordinary in their department (a first USB copy in
                // a department that copies every day is not unusual), or a
                // jump that no floor should hide.
                let own = today > (3.0 * mean).max(mean + 4.0 * var.sqrt());
                let jump = ratio >= JUMP;
                let large = today > m.floor() && today > 2.0 * peers;
                let strong = own && ratio >= STRONG_JUMP && today > m.floor();
                (own && (jump || large)).then_some((mean, false, strong))
            } else {
                (today > m.floor() && today > 5.0 * peers).then_some((peers, true, false))
            };
            let Some((usual, from_peers, strong)) = found else { continue };
            // A day is reported when it crosses, and once more if it goes on
            // to become a strong anomaly (which opens an alert).
            if person.crossed[i] && !strong {
                continue;
            }
            anomalies.push(Anomaly {
                measure: m,
                value: today,
                usual,
                from_peers,
                strong,
                escalation: person.crossed[i],
            });
            person.crossed[i] = true;
            person.strong[i] = strong;
        }
        facts
    }

    /// Whether any of `user`'s volumes on `day` already crossed their
    /// threshold (the "above own baseline" booster).
    pub fn above_usual(&self, user: &str, day: Date) -> bool {
        self.people.get(user).is_some_and(|p| p.day == day && p.crossed.iter().any(|&c| c))
    }
}

fn close_day(person: &mut Person, peers: &mut HashMap<String, [Running; Measure::COUNT]>) {
    // A crossed day is learnt as the usual level instead of its own value, so
    // the baseline does not absorb the anomaly it flagged. A level that
    // persists (NEW_NORMAL_DAYS in a row) or recurs (crossed on
    // RECURRING_DAYS of the kept history: a weekly job) is the person's
    // normal and is learnt as it is.
    let n = person.history.len() as f64;
    for (i, crossed) in person.crossed.iter().enumerate() {
        let run = &mut person.crossed_run[i];
        *run = if *crossed { *run + 1 } else { 0 };
        let recurring = person.crossed_days.iter().filter(|d| d.get(i).copied().unwrap_or(false)).count();
        if *crossed && *run < NEW_NORMAL_DAYS && recurring < RECURRING_DAYS {
            let mean = if n > 0.0 { person.history.iter().map(|d| d[i]).sum::<f64>() / n } else { 0.0 };
            person.today[i] = mean;
        }
    }
    if person.history.len() == HISTORY_DAYS {
        person.history.pop_front();
        person.crossed_days.pop_front();
    }
    person.history.push_back(person.today);
    person.crossed_days.push_back(person.crossed);
    if let Some(d) = &person.department {
        let runs = peers.entry(d.clone()).or_default();
        for (run, x) in runs.iter_mut().zip(person.today) {
            run.add(x);
        }
    }
    person.today = [0.0; Measure::COUNT];
    person.crossed = [false; Measure::COUNT];
    person.strong = [false; Measure::COUNT];
}

#[cfg(test)]
// Tests state their expectations by unwrapping; a panic is the failure report.
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use maruhi_events::{Device, EventInfo, File};
    use time::macros::datetime;

    fn usb_copy(size: u64, device: &str) -> Event {
        Event {
            timestamp: datetime!(2026-04-01 10:00 +09:00),
            event: EventInfo { id: "x".into(), action: Action::FileCopy, dataset: None, code: None, outcome: None },
            user: None,
            host: None,
            source: None,
            file: Some(File { path: Some(r"E:\a.dwg".into()), name: None, size: Some(size) }),
            device: Some(Device { kind: Some(REMOVABLE.into()), id: Some(device.into()), name: None }),
            url: None,
            destination: None,
            http: None,
            email: None,
        }
    }

    fn event(json: serde_json::Value) -> Event {
        serde_json::from_value(json).expect("event")
    }

    fn download(size: u64) -> Event {
        event(serde_json::json!({
            "@timestamp": "2026-04-01T10:00:00+09:00", "event": {"id": "d", "action": "file-download"},
            "file": {"path": "https://maruhi.sharepoint.com/a.xlsx", "size": size}
        }))
    }

    #[test]
    fn a_twenty_fold_jump_of_a_low_volume_person_crosses_without_a_floor() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let start = time::macros::date!(2026 - 04 - 01);
        for d in 0..20 {
            // 10 MB a day, far below any absolute floor.
            b.observe("ito", start + time::Duration::days(d), 10, &download(10_000_000), &ctx, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        let day = start + time::Duration::days(20);
        for _ in 0..25 {
            b.observe("ito", day, 10, &download(10_000_000), &ctx, &mut out);
        }
        let a = out.iter().find(|a| a.measure == Measure::DownloadBytes).expect("download bytes cross");
        assert!(a.value / a.usual >= JUMP && a.value <= 250e6, "{a:?}");
        assert!(!a.strong, "250 MB is below the floor of a strong anomaly");
    }

    #[test]
    fn an_anomalous_day_is_not_learnt() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let start = time::macros::date!(2026 - 04 - 01);
        for d in 0..15 {
            b.observe("ito", start + time::Duration::days(d), 10, &download(10_000_000), &ctx, &mut out);
        }
        // Two days of 1 GB: the second is as unusual as the first.
        for d in 15..17 {
            for _ in 0..100 {
                b.observe("ito", start + time::Duration::days(d), 10, &download(10_000_000), &ctx, &mut out);
            }
        }
        let days: Vec<_> =
            out.iter().filter(|a| a.measure == Measure::DownloadBytes && !a.escalation).map(|a| a.usual).collect();
        assert_eq!(days.len(), 2, "{out:?}");
        assert!((days[1] - 10e6).abs() < 1.0, "the usual stays 10 MB/day: {days:?}");
        assert!(out.iter().any(|a| a.strong && a.escalation), "100× over 500 MB is strong: {out:?}");
    }

    #[test]
    fn a_recurring_level_is_learnt() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let start = time::macros::date!(2026 - 04 - 01);
        // 10 MB a day, and 1 GB every fifth day: a weekly job.
        for d in 0..60 {
            let n = if d >= 15 && d % 5 == 0 { 100 } else { 1 };
            for _ in 0..n {
                b.observe("ito", start + time::Duration::days(d), 10, &download(10_000_000), &ctx, &mut out);
            }
        }
        let days = out.iter().filter(|a| a.measure == Measure::DownloadBytes && !a.escalation).count();
        assert!((2..=4).contains(&days), "flagged until it recurs, then learnt: {days}");
    }

    #[test]
    fn only_sending_consumes_a_destinations_first_use_and_subdomains_are_one() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let start = time::macros::date!(2026 - 04 - 01);
        b.observe("ito", start, 10, &download(1), &ctx, &mut out);
        let day = start + time::Duration::days(20);
        let web = |action: &str, host: &str| {
            event(serde_json::json!({
                "@timestamp": "2026-04-21T10:00:00+09:00", "event": {"id": "w", "action": action},
                "url": {"full": format!("https://{host}/")}, "destination": {"domain": host}
            }))
        };
        assert!(!b.observe("ito", day, 10, &web("http-request", "gigafile.nu"), &ctx, &mut out).first_destination);
        assert!(b.observe("ito", day, 10, &web("file-upload", "15.gigafile.nu"), &ctx, &mut out).first_destination);
        assert!(!b.observe("ito", day, 10, &web("file-upload", "26.gigafile.nu"), &ctx, &mut out).first_destination);
    }

    #[test]
    fn a_new_computer_is_a_first_after_warm_up() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let logon = |host: &str| {
            event(serde_json::json!({
                "@timestamp": "2026-04-21T10:00:00+09:00", "event": {"id": "l", "action": "logon"},
                "host": {"name": host}
            }))
        };
        let start = time::macros::date!(2026 - 04 - 01);
        assert!(!b.observe("ito", start, 9, &logon("PC-0001"), &ctx, &mut out).first_host);
        let day = start + time::Duration::days(20);
        assert!(!b.observe("ito", day, 9, &logon("pc-0001"), &ctx, &mut out).first_host);
        assert!(b.observe("ito", day, 9, &logon("LAPTOP-X1"), &ctx, &mut out).first_host);
    }

    #[test]
    fn a_day_far_above_the_persons_usual_crosses_once() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let start = time::macros::date!(2026 - 04 - 01);
        for d in 0..20 {
            // 100 MB a day is this person's normal.
            for _ in 0..10 {
                b.observe("sato", start + time::Duration::days(d), 10, &usb_copy(10_000_000, "usb-1"), &ctx, &mut out);
            }
        }
        assert!(out.is_empty(), "{out:?}");
        let day = start + time::Duration::days(20);
        let mut facts = Facts::default();
        for _ in 0..60 {
            facts = b.observe("sato", day, 10, &usb_copy(10_000_000, "usb-2"), &ctx, &mut out);
        }
        assert_eq!(out.len(), 2, "bytes and files cross once each: {out:?}");
        assert_eq!(out[0].measure, Measure::RemovableBytes);
        assert!((out[0].usual - 100e6).abs() < 1.0);
        assert!(!out[0].from_peers);
        assert!(!facts.first_device, "the device was new only on its first use");
        assert!(b.above_usual("sato", day));
    }

    #[test]
    fn devices_are_new_only_after_warm_up() {
        let ctx = Context::new();
        let mut b = Baselines::new();
        let mut out = Vec::new();
        let start = time::macros::date!(2026 - 04 - 01);
        assert!(!b.observe("a", start, 10, &usb_copy(1, "usb-1"), &ctx, &mut out).first_device);
        let later = start + time::Duration::days(20);
        assert!(b.observe("a", later, 10, &usb_copy(1, "usb-2"), &ctx, &mut out).first_device);
        assert!(!b.observe("a", later, 10, &usb_copy(1, "usb-1"), &ctx, &mut out).first_device);
    }
}
