//! One person's events on one day: a pure function of the plan, the person
//! and the day. Ordinary work first, then whatever is planted on that day;
//! the events are sorted by time and numbered.

use std::net::IpAddr;

use maruhi_events::{
    Action, Attachment, Destination, Device, Email, Event, File, Host, Http, HttpRequest, HttpResponse, Outcome,
    Source, Url, User, REMOVABLE,
};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

use crate::catalog::{
    DeptSpec, COMPETITORS, CORPORATE_CLOUDS, CUSTOMER_DB, DEPTS, JOB_SITES, LEISURE_SITES, PERSONAL_CLOUDS, PRINTERS,
    SERVERS, TRANSFER_SERVICES, USB_STICKS, WORK_SITES,
};
use crate::files::{self, FileEntry};
use crate::plan::{phone_of, presence, Act, ActKind, Member, Plan, Presence, Tag};
use crate::rng::{key, Rng};

/// An event with its time of day and its meaning in the ground truth.
pub(crate) struct Draft {
    pub sec: u32,
    pub tag: Tag,
    pub event: Event,
}

const MINUTE: u32 = 60;
const HOUR: u32 = 3600;
const LAST_SECOND: u32 = 86_399;

/// The events of member `m` on day `day`, in time order, with their ids.
pub(crate) fn member_day(plan: &Plan, m: usize, day: u16) -> Vec<Draft> {
    let presence = presence(plan, m, day);
    if presence == Presence::Off {
        return Vec::new();
    }
    let member = &plan.members[m];
    let date = plan.date(i64::from(day));
    let midnight = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(plan.offset);
    let mut rng = Rng::keyed(plan.seed, &[key::DAY, m as u64, u64::from(day)]);
    let (start, end) = schedule(&mut rng, member, date.weekday(), presence);
    let out = Vec::with_capacity(160);
    let mut g = Gen { plan, m, member, day, midnight, rng, host: member.host.clone(), start, end, out };
    g.ordinary(presence == Presence::Extra);
    for (i, act) in member.acts_on(day).iter().enumerate() {
        g.act(i, act);
    }
    g.finish();
    let mut out = sorted(g.out);
    let ymd = date.year() * 10_000 + i32::from(u8::from(date.month())) * 100 + i32::from(date.day());
    for (k, draft) in out.iter_mut().enumerate() {
        draft.event.event.id = format!("syn-{}-{ymd}-{m:04}-{k:03}", plan.seed);
    }
    out
}

/// Drafts in time order, ties in the order made. An event is large, so the
/// keys are sorted and each event moved once.
fn sorted(drafts: Vec<Draft>) -> Vec<Draft> {
    let mut keys: Vec<(u32, usize)> = drafts.iter().enumerate().map(|(i, d)| (d.sec, i)).collect();
    keys.sort_unstable();
    let mut slots: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    keys.iter().filter_map(|(_, i)| slots[*i].take()).collect()
}

/// Start and end of the working day in seconds after midnight.
fn schedule(rng: &mut Rng, member: &Member, weekday: Weekday, presence: Presence) -> (u32, u32) {
    let h = &member.habits;
    if presence == Presence::Extra {
        let start = rng.uniform(9.5 * 60.0, 13.0 * 60.0);
        let end = start + rng.uniform(2.0 * 60.0, 5.0 * 60.0);
        return (to_sec(start), to_sec(end));
    }
    let start = rng.normal(h.start, 8.0);
    let mut end = rng.normal(h.end, 25.0);
    if rng.chance(0.2) {
        end += rng.uniform(45.0, 150.0); // 残業
    }
    if weekday == Weekday::Wednesday && h.wednesday_early {
        end = end.min(rng.normal(17.75 * 60.0, 10.0));
    }
    let start = start.clamp(6.5 * 60.0, 14.0 * 60.0);
    let end = end.clamp(start + 4.0 * 60.0, 23.5 * 60.0);
    (to_sec(start), to_sec(end))
}

fn to_sec(minutes: f64) -> u32 {
    (minutes * 60.0).clamp(0.0, f64::from(LAST_SECOND)) as u32
}

/// Replaces the placeholders of a site's path template.
fn fill_path(rng: &mut Rng, template: &str, site: &str, user: &str) -> String {
    let mut path = template.replace("{site}", site).replace("{user}", &user.replace('.', "_"));
    if path.contains("{n}") {
        path = path.replace("{n}", &rng.range(10_000, 99_999_999).to_string());
    }
    path
}

struct Gen<'a> {
    plan: &'a Plan,
    m: usize,
    member: &'a Member,
    day: u16,
    midnight: OffsetDateTime,
    rng: Rng,
    host: String,
    start: u32,
    end: u32,
    out: Vec<Draft>,
}

impl Gen<'_> {
    fn dept(&self) -> &'static DeptSpec {
        &DEPTS[self.member.dept]
    }

    fn file(&self, id: u32) -> &FileEntry {
        &self.plan.files.all[id as usize]
    }

    // ---- time -----------------------------------------------------------

    /// A moment of the working day, mostly outside the lunch hour.
    fn at_work(&mut self) -> u32 {
        let lo = self.start + 5 * MINUTE;
        let hi = self.end.saturating_sub(5 * MINUTE).max(lo + 1);
        let mut t = self.rng.range(i64::from(lo), i64::from(hi)) as u32;
        if (12 * HOUR..13 * HOUR).contains(&t) && self.rng.chance(0.75) {
            t = self.rng.range(i64::from(lo), i64::from(hi)) as u32;
        }
        t
    }

    /// A moment of the lunch break when the person is at work then.
    fn at_lunch(&mut self) -> u32 {
        if self.start < 12 * HOUR && self.end > 13 * HOUR {
            self.rng.range(i64::from(12 * HOUR), i64::from(12 * HOUR + 55 * MINUTE)) as u32
        } else {
            self.at_work()
        }
    }

    /// When a planted activity begins: after the usual end of the day or
    /// during it.
    fn act_start(&mut self, after_hours: bool, duration: u32) -> u32 {
        if after_hours {
            let t = self.end + self.rng.range(15, 80) as u32 * MINUTE;
            t.min((23 * HOUR).saturating_sub(duration))
        } else {
            let latest = self.end.saturating_sub(duration + 10 * MINUTE).max(self.start + 30 * MINUTE);
            self.rng.range(i64::from(self.start + 30 * MINUTE), i64::from(latest)) as u32
        }
    }

    // ---- events ---------------------------------------------------------

    /// An event of this person at `sec` (kept within the day: the day's
    /// stream must stay in order).
    fn event(&self, sec: u32, action: Action, dataset: &str) -> Event {
        let sec = sec.min(LAST_SECOND);
        let mut e = Event::new(self.midnight + Duration::seconds(i64::from(sec)), String::new(), action);
        e.event.dataset = Some(dataset.to_owned());
        e.user = Some(User { name: self.member.user.clone(), domain: None });
        e.host = Some(Host { name: self.host.clone() });
        e
    }

    fn push(&mut self, sec: u32, tag: Tag, event: Event) {
        self.out.push(Draft { sec: sec.min(LAST_SECOND), tag, event });
    }

    fn logon(&mut self, sec: u32, outcome: Outcome, tag: Tag) {
        let mut e = self.event(sec, Action::Logon, "synth.logon");
        e.event.outcome = Some(outcome);
        e.source = Some(Source { ip: IpAddr::V4(self.member.ip) });
        self.push(sec, tag, e);
    }

    fn logoff(&mut self, sec: u32, tag: Tag) {
        let e = self.event(sec, Action::Logoff, "synth.logon");
        self.push(sec, tag, e);
    }

    fn file_event(&mut self, sec: u32, action: Action, path: &str, name: &str, size: u64, tag: Tag) {
        let mut e = self.event(sec, action, "synth.file");
        e.file = Some(File { path: Some(path.to_owned()), name: Some(name.to_owned()), size: Some(size) });
        self.push(sec, tag, e);
    }

    fn open_id(&mut self, sec: u32, id: u32, tag: Tag) {
        let f = self.file(id);
        let (path, name, size) = (f.path.clone(), f.name.clone(), f.size);
        self.file_event(sec, Action::FileOpen, &path, &name, size, tag);
    }

    /// A copy to removable media: `file.path` is the source, `device.*` the
    /// destination (as endpoint DLP reports it).
    #[allow(clippy::too_many_arguments)]
    fn copy_out(&mut self, sec: u32, path: &str, name: &str, size: u64, device: &str, id: &str, tag: Tag) {
        let mut e = self.event(sec, Action::FileCopy, "synth.file");
        e.file = Some(File { path: Some(path.to_owned()), name: Some(name.to_owned()), size: Some(size) });
        e.device =
            Some(Device { kind: Some(REMOVABLE.to_owned()), id: Some(id.to_owned()), name: Some(device.to_owned()) });
        self.push(sec, tag, e);
    }

    fn device(&mut self, sec: u32, connect: bool, name: &str, id: &str, tag: Tag) {
        let action = if connect { Action::DeviceConnect } else { Action::DeviceDisconnect };
        let mut e = self.event(sec, action, "synth.device");
        e.device =
            Some(Device { kind: Some(REMOVABLE.to_owned()), id: Some(id.to_owned()), name: Some(name.to_owned()) });
        self.push(sec, tag, e);
    }

    fn web(&mut self, sec: u32, action: Action, domain: &str, url: String, file: Option<(&str, u64)>, tag: Tag) {
        let mut e = self.event(sec, action, "synth.http");
        e.source = Some(Source { ip: IpAddr::V4(self.member.ip) });
        let (method, up, down, status) = match action {
            Action::FileUpload => ("POST", file.map_or(0, |f| f.1), self.rng.range(200, 2_000) as u64, 200),
            Action::FileDownload => ("GET", self.rng.range(300, 1_500) as u64, file.map_or(0, |f| f.1), 200),
            _ => {
                let status = match self.rng.below(40) {
                    0 => 404,
                    1 | 2 => 302,
                    _ => 200,
                };
                ("GET", self.rng.range(300, 1_500) as u64, self.rng.log_uniform(2e3, 2e6) as u64, status)
            }
        };
        if let Some((name, size)) = file {
            // Downloads and uploads name the document; a download's path is
            // its URL, as for SharePoint in the Microsoft 365 audit log.
            let path = (action == Action::FileDownload).then(|| url.clone());
            e.file = Some(File { path, name: Some(name.to_owned()), size: Some(size) });
        }
        e.url = Some(Url { full: url });
        e.destination = Some(Destination { domain: Some(domain.to_owned()), ip: None, port: None });
        e.http = Some(Http {
            request: HttpRequest { method: Some(method.to_owned()), bytes: Some(up) },
            response: HttpResponse { status_code: Some(status), bytes: Some(down) },
        });
        self.push(sec, tag, e);
    }

    /// A page of one of `sites` (listed most popular first); where a person
    /// goes for leisure depends on the person.
    fn visit(&mut self, sec: u32, sites: &[(&str, &[&str])], personal: bool, tag: Tag) {
        let favourite = if personal { self.m * 7 } else { 0 };
        let (domain, paths) = sites[(self.rng.skewed(sites.len(), 1.7) + favourite) % sites.len()];
        let template = paths[self.rng.index(paths.len())];
        let site = self.dept().site;
        let path = fill_path(&mut self.rng, template, site, &self.member.user);
        self.web(sec, Action::HttpRequest, domain, format!("https://{domain}{path}"), None, tag);
    }

    fn mail(&mut self, sec: u32, to: Vec<String>, cc: Vec<String>, attachments: Vec<Attachment>, tag: Tag) {
        let mut e = self.event(sec, Action::EmailSend, "synth.email");
        let body = self.rng.log_uniform(3e3, 60e3) as u64;
        let size = body + attachments.iter().filter_map(|a| a.size).map(|s| s * 4 / 3).sum::<u64>();
        e.email = Some(Email {
            from: Some(self.member.email.clone()),
            to,
            cc,
            bcc: Vec::new(),
            size: Some(size),
            attachments,
        });
        self.push(sec, tag, e);
    }

    fn print(&mut self, sec: u32, path: &str, name: &str, size: u64, tag: Tag) {
        let mut e = self.event(sec, Action::Print, "synth.print");
        e.file = Some(File { path: Some(path.to_owned()), name: Some(name.to_owned()), size: Some(size) });
        let printer = PRINTERS[(self.member.dept + self.m / 40) % PRINTERS.len()];
        e.device = Some(Device { kind: Some("printer".to_owned()), id: None, name: Some(printer.to_owned()) });
        self.push(sec, tag, e);
    }

    // ---- choices --------------------------------------------------------

    /// A document from the person's current work (the set drifts monthly).
    fn work_file(&mut self) -> u32 {
        let files = &self.member.work_files;
        if files.is_empty() {
            return self.dept_file(self.member.dept);
        }
        let window = files.len().min(25);
        let offset = usize::from(self.day / 30) * 7;
        files[(offset + self.rng.index(window)) % files.len()]
    }

    fn dept_file(&mut self, dept: usize) -> u32 {
        let files = &self.plan.files.by_dept[dept];
        files[self.rng.index(files.len())]
    }

    fn secret_file(&mut self, secret: usize) -> u32 {
        let files = &self.plan.files.by_secret[secret];
        files[self.rng.index(files.len())]
    }

    fn usb_stick(&mut self) -> (&'static str, String) {
        // Each person owns one stick; planted thefts use a new one.
        let name = USB_STICKS[self.m % USB_STICKS.len()];
        (name, format!("USBSTOR\\DISK&VEN_{}\\{:012X}", name.split(' ').next().unwrap_or("USB"), self.m * 7919 + 17))
    }

    fn internal_recipients(&mut self, n: usize) -> Vec<String> {
        let mut to = Vec::with_capacity(n);
        for _ in 0..n {
            let pool = if self.rng.chance(0.75) && !self.member.peers.is_empty() {
                &self.member.peers
            } else {
                &self.member.contacts
            };
            if pool.is_empty() {
                break;
            }
            let p = pool[self.rng.index(pool.len())] as usize;
            to.push(self.plan.members[p].email.clone());
        }
        to.sort();
        to.dedup();
        to
    }

    // ---- an ordinary day ------------------------------------------------

    fn ordinary(&mut self, extra: bool) {
        let h = self.member.habits.clone();
        let f = h.activity * self.rng.log_normal(1.0, 0.2) * if extra { 0.45 } else { 1.0 };
        if self.rng.chance(0.03) {
            self.logon(self.start.saturating_sub(20), Outcome::Failure, Tag::Benign);
        }
        self.logon(self.start, Outcome::Success, Tag::Benign);
        if !extra && self.start < 12 * HOUR && self.end > 13 * HOUR && self.rng.chance(0.7) {
            // The screen is unlocked after lunch (recorded as a logon).
            let t = 13 * HOUR + self.rng.range(0, 12) as u32 * MINUTE;
            self.logon(t, Outcome::Success, Tag::Benign);
        }
        for _ in 0..self.rng.poisson(0.6) {
            let t = self.at_work();
            self.logon(t, Outcome::Success, Tag::Benign);
        }

        for _ in 0..self.rng.poisson(18.0 * f) {
            let t = self.at_work();
            let roll = self.rng.below(100);
            if roll < 75 {
                let id = self.work_file();
                self.open_id(t, id, Tag::Benign);
            } else if roll < 85 {
                let id = self.dept_file(self.member.dept);
                self.open_id(t, id, Tag::Benign);
            } else if roll < 95 {
                let (path, name, size) = files::home_file(&mut self.rng, &self.member.user);
                self.file_event(t, Action::FileOpen, &path, &name, size, Tag::Benign);
            } else {
                // Company-wide documents of other departments (rules, forms).
                let d = self.rng.index(DEPTS.len());
                let id = self.dept_file(d);
                self.open_id(t, id, Tag::Benign);
            }
        }
        for _ in 0..self.rng.poisson(5.0 * f) {
            let t = self.at_work();
            let roll = self.rng.below(100);
            if roll < 50 {
                let id = self.work_file();
                let file = self.file(id);
                let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
                self.file_event(t, Action::FileWrite, &path, &name, size, Tag::Benign);
            } else if roll < 80 {
                let (path, name, size) = files::home_file(&mut self.rng, &self.member.user);
                self.file_event(t, Action::FileWrite, &path, &name, size, Tag::Benign);
            } else {
                let dept = self.dept();
                let (path, name, size) = files::local_file(&mut self.rng, &self.member.user, dept);
                self.file_event(t, Action::FileWrite, &path, &name, size, Tag::Benign);
            }
        }
        for _ in 0..self.rng.poisson(0.3 * f) {
            let t = self.at_work();
            let (path, name, size) = files::home_file(&mut self.rng, &self.member.user);
            self.file_event(t, Action::FileDelete, &path, &name, size, Tag::Benign);
        }

        for _ in 0..self.rng.poisson(28.0 * f * h.web) {
            if self.rng.chance(h.leisure) {
                let t = if self.rng.chance(0.5) { self.at_lunch() } else { self.at_work() };
                self.visit(t, LEISURE_SITES, true, Tag::Benign);
            } else if self.rng.chance(0.3) {
                let t = self.at_work();
                let spec = self.dept();
                let domain = spec.sites[self.rng.index(spec.sites.len())];
                let path = format!("/{}", self.rng.range(1_000, 999_999));
                self.web(t, Action::HttpRequest, domain, format!("https://{domain}{path}"), None, Tag::Benign);
            } else {
                let t = self.at_work();
                self.visit(t, WORK_SITES, false, Tag::Benign);
            }
        }
        for _ in 0..self.rng.poisson(1.0 * f) {
            let t = self.at_work();
            self.ordinary_download(t);
        }
        for _ in 0..self.rng.poisson(0.35 * f) {
            let t = self.at_work();
            let id = self.work_file();
            let (name, size) = (self.file(id).name.clone(), self.file(id).size);
            let (domain, template) = CORPORATE_CLOUDS[self.rng.index(CORPORATE_CLOUDS.len())];
            let site = self.dept().site;
            let url = fill_path(&mut self.rng, template, site, &self.member.user);
            self.web(t, Action::FileUpload, domain, url, Some((&name, size)), Tag::Benign);
        }
        let mails = if extra { h.mails * 0.3 } else { h.mails };
        for _ in 0..self.rng.poisson(mails) {
            let t = self.at_work();
            self.ordinary_mail(t, extra);
        }
        for _ in 0..self.rng.poisson(h.prints * f) {
            let t = self.at_work();
            let id = self.work_file();
            let file = self.file(id);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.print(t, &path, &name, size, Tag::Benign);
        }

        if self.rng.chance(h.usb) {
            self.work_usb(h.usb > 0.1);
        }
        if self.rng.chance(h.phone) {
            let phone = phone_of(self.m);
            let id = format!("USB\\VID_05AC&PID_12A8\\{:016x}", self.m * 104_729 + 3);
            let t = self.at_work().min(self.start + HOUR);
            self.device(t, true, phone, &id, Tag::Benign);
            if self.rng.chance(0.05) {
                let mut c = t + self.rng.range(60, 1800) as u32;
                for _ in 0..self.rng.range(1, 3) {
                    let f = self.work_file();
                    let file = self.file(f);
                    let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
                    self.copy_out(c, &path, &name, size, phone, &id, Tag::Benign);
                    c += self.rng.range(5, 60) as u32;
                }
            }
            let t = self.end.saturating_sub(self.rng.range(2, 30) as u32 * MINUTE).max(t + MINUTE);
            self.device(t, false, phone, &id, Tag::Benign);
        }
        if self.rng.chance(h.job_boards) {
            self.job_boards(Tag::Benign);
        }
        if self.rng.chance(h.transfer) {
            self.transfer_to_supplier();
        }
        if self.rng.chance(h.personal_cloud) {
            self.personal_cloud();
        }
        if !extra && self.rng.chance(0.015) {
            self.zip_and_mail();
        }
        if self.is_payday() && self.rng.chance(0.35) {
            let t = if self.rng.chance(0.5) { self.at_lunch() } else { self.at_work() };
            let date = self.midnight.date();
            let name = format!("給与明細_{}年{:02}月.pdf", date.year(), u8::from(date.month()));
            let url = format!("https://maruhi.smarthr.jp/payslips/{}/download", self.rng.range(100_000, 999_999));
            let size = self.rng.range(60_000, 180_000) as u64;
            self.web(t, Action::FileDownload, "maruhi.smarthr.jp", url, Some((&name, size)), Tag::Benign);
        }
        if let Some(secret) = self.member.outside_secret {
            if self.rng.chance(h.outside_ntk) {
                let t = self.at_work();
                for i in 0..self.rng.range(1, 3) as u32 {
                    let id = self.secret_file(secret);
                    let gap = self.rng.range(20, 300) as u32;
                    self.open_id(t + i * gap, id, Tag::Benign);
                }
            }
        }
        if h.admin {
            self.admin_work();
        }
    }

    fn is_payday(&self) -> bool {
        // Salaries are paid on the 25th, or the working day before.
        let date = self.midnight.date();
        match date.day() {
            25 => true,
            22..=24 => {
                (1..=(25 - date.day())).all(|k| !crate::calendar::is_workday(date + Duration::days(i64::from(k))))
            }
            _ => false,
        }
    }

    fn ordinary_download(&mut self, t: u32) {
        match self.rng.below(10) {
            0..=3 => {
                // A document from the department's SharePoint library.
                let id = self.work_file();
                let file = self.file(id);
                let (url, name, size) = (files::sharepoint_url(file), file.name.clone(), file.size);
                self.web(t, Action::FileDownload, "maruhi.sharepoint.com", url, Some((&name, size)), Tag::Benign);
            }
            4..=6 => {
                let id = self.work_file();
                let (name, size) = (self.file(id).name.clone(), self.file(id).size);
                let url = format!("https://maruhi.box.com/file/{}", self.rng.range(100_000_000, 999_999_999));
                self.web(t, Action::FileDownload, "maruhi.box.com", url, Some((&name, size)), Tag::Benign);
            }
            7 if self.member.ntk.contains(&CUSTOMER_DB) => {
                // A routine CRM report.
                let date = self.midnight.date();
                let name = format!("商談レポート_{}{:02}{:02}.csv", date.year(), u8::from(date.month()), date.day());
                let url = format!(
                    "https://maruhi.my.salesforce.com/00O{}?export=1&enc=UTF-8&xf=csv",
                    self.rng.range(100_000, 999_999)
                );
                let size = self.rng.log_uniform(20e3, 800e3) as u64;
                self.web(t, Action::FileDownload, "maruhi.my.salesforce.com", url, Some((&name, size)), Tag::Benign);
            }
            _ => {
                let spec = self.dept();
                let domain = spec.sites[self.rng.index(spec.sites.len())];
                let name = format!("catalog_{}.pdf", self.rng.range(1000, 9999));
                let url = format!("https://{domain}/pdf/{name}");
                let size = self.rng.log_uniform(200e3, 8e6) as u64;
                self.web(t, Action::FileDownload, domain, url, Some((&name, size)), Tag::Benign);
            }
        }
    }

    fn ordinary_mail(&mut self, t: u32, extra: bool) {
        let spec = self.dept();
        let external = !extra && !self.member.partners.is_empty() && self.rng.chance(spec.external);
        let (to, cc) = if external {
            let mut p = self.member.partners[self.rng.index(self.member.partners.len())].clone();
            // A contact at a competitor is mailed rarely, and never first.
            if COMPETITORS.iter().any(|c| p.ends_with(c)) && self.rng.chance(0.9) {
                p = self.member.partners[0].clone();
            }
            let cc = if self.rng.chance(0.4) { self.internal_recipients(1) } else { Vec::new() };
            (vec![p], cc)
        } else {
            let n = 1 + self.rng.poisson(0.8) as usize;
            let cc = if self.rng.chance(0.3) { self.internal_recipients(2) } else { Vec::new() };
            (self.internal_recipients(n), cc)
        };
        if to.is_empty() {
            return;
        }
        let mut attachments = Vec::new();
        if self.rng.chance(if external { 0.35 } else { 0.25 }) {
            for _ in 0..self.rng.range(1, 2) {
                let id = self.work_file();
                let file = self.file(id);
                let (secret, name, size) = (file.secret.is_some(), file.name.clone(), file.size);
                // Secrets rarely go outside, even to partners.
                if external && secret && self.rng.chance(0.95) {
                    continue;
                }
                attachments.push(Attachment { name, size: Some(size) });
            }
        }
        self.mail(t, to, cc, attachments, Tag::Benign);
    }

    /// Work files to a USB stick: NC programs to the shop floor, measurement
    /// data, trade-show material.
    fn work_usb(&mut self, regular: bool) {
        let (stick, id) = self.usb_stick();
        let t0 = self.at_work();
        self.device(t0, true, stick, &id, Tag::Benign);
        let n = match (regular, self.rng.below(20)) {
            // Now and then a big batch: a trade show, a new line on the floor.
            (true, 0) => self.rng.range(20, 45),
            (true, _) => self.rng.range(2, 20),
            (false, _) => self.rng.range(1, 3),
        };
        let mut t = t0 + 20;
        for _ in 0..n {
            let id_file = self.work_file();
            let file = self.file(id_file);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.copy_out(t, &path, &name, size, stick, &id, Tag::Benign);
            t += self.rng.range(3, 40) as u32;
        }
        let t = t + self.rng.range(10, 300) as u32;
        self.device(t, false, stick, &id, Tag::Benign);
    }

    fn job_boards(&mut self, tag: Tag) {
        let evening = self.rng.chance(0.4);
        let mut t =
            if evening { self.end.saturating_sub(self.rng.range(5, 40) as u32 * MINUTE) } else { self.at_lunch() };
        for _ in 0..self.rng.range(2, 6) {
            self.visit(t, JOB_SITES, true, tag);
            t += self.rng.range(20, 240) as u32;
        }
    }

    fn transfer_to_supplier(&mut self) {
        let t = self.at_work();
        let id = self.work_file();
        let file = self.file(id);
        if file.secret.is_some() {
            return;
        }
        let (name, size) = (file.name.clone(), file.size.max(5_000_000));
        let (domain, url) = TRANSFER_SERVICES[self.rng.index(TRANSFER_SERVICES.len())];
        self.web(t, Action::HttpRequest, domain, format!("https://{domain}/"), None, Tag::Benign);
        self.web(t + 30, Action::FileUpload, domain, url.to_owned(), Some((&name, size)), Tag::Benign);
        if !self.member.partners.is_empty() {
            let to = vec![self.member.partners[self.rng.index(self.member.partners.len())].clone()];
            let t = t + self.rng.range(120, 600) as u32;
            self.mail(t, to, Vec::new(), Vec::new(), Tag::Benign);
        }
    }

    /// An ordinary document to the person's own cloud storage.
    fn personal_cloud(&mut self) {
        let t = if self.rng.chance(0.5) { self.end.saturating_sub(10 * MINUTE) } else { self.at_lunch() };
        let id = self.work_file();
        let file = self.file(id);
        if file.secret.is_some() {
            return;
        }
        let (name, size) = (file.name.clone(), file.size);
        let (domain, template) = PERSONAL_CLOUDS[self.m % PERSONAL_CLOUDS.len()];
        let url = fill_path(&mut self.rng, template, "", &self.member.user);
        self.web(t, Action::HttpRequest, domain, format!("https://{domain}/"), None, Tag::Benign);
        self.web(t + 25, Action::FileUpload, domain, url, Some((&name, size)), Tag::Benign);
    }

    /// Several documents packed into a zip file and mailed, to a partner or
    /// a colleague.
    fn zip_and_mail(&mut self) {
        let external = !self.member.partners.is_empty() && self.rng.chance(0.6);
        let to = if external {
            vec![self.member.partners[self.rng.index(self.member.partners.len())].clone()]
        } else {
            self.internal_recipients(1)
        };
        let mut t = self.at_work();
        let mut total = 0;
        for _ in 0..self.rng.range(2, 8) {
            let id = self.work_file();
            // Registered secrets do not go to partners.
            if external && self.file(id).secret.is_some() {
                continue;
            }
            total += self.file(id).size;
            self.open_id(t, id, Tag::Benign);
            t += self.rng.range(10, 60) as u32;
        }
        let date = self.midnight.date();
        let name = format!("送付資料_{:02}{:02}.zip", u8::from(date.month()), date.day());
        let path = format!("C:\\Users\\{}\\Documents\\{name}", self.member.user);
        let size = total * 6 / 10;
        self.file_event(t, Action::FileWrite, &path, &name, size, Tag::Benign);
        if !to.is_empty() && total > 0 {
            let t = t + self.rng.range(60, 900) as u32;
            self.mail(t, to, Vec::new(), vec![Attachment { name, size: Some(size) }], Tag::Benign);
        }
    }

    fn admin_work(&mut self) {
        let saved = std::mem::take(&mut self.host);
        for _ in 0..self.rng.range(1, 3) {
            let server = SERVERS[self.rng.index(SERVERS.len())];
            self.host = server.to_owned();
            let t0 = self.at_work();
            self.logon(t0, Outcome::Success, Tag::Benign);
            let mut t = t0 + 60;
            for _ in 0..self.rng.range(5, 20) {
                // Permission checks and restore tests touch every share.
                let id = if self.rng.chance(0.25) {
                    let s = self.rng.index(self.plan.files.by_secret.len());
                    self.secret_file(s)
                } else {
                    let d = self.rng.index(DEPTS.len());
                    self.dept_file(d)
                };
                self.open_id(t, id, Tag::Benign);
                t += self.rng.range(5, 120) as u32;
            }
            let t = t + self.rng.range(60, 900) as u32;
            self.logoff(t, Tag::Benign);
        }
        self.host = saved;
    }

    // ---- planted acts ---------------------------------------------------

    fn act(&mut self, index: usize, act: &Act) {
        // Each act draws from its own stream so that it does not shift the
        // ordinary events of the day.
        let saved = std::mem::replace(
            &mut self.rng,
            Rng::keyed(self.plan.seed, &[key::ACT, self.m as u64, u64::from(self.day), index as u64]),
        );
        let tag = act.tag;
        match &act.kind {
            ActKind::JobSearch => self.job_boards(tag),
            ActKind::UsbExfil { after_hours, files, secret } => self.usb_exfil(*after_hours, *files, *secret, tag),
            ActKind::CustomerDb { opens, exports, phone, service, after_hours } => {
                self.customer_db(*opens, *exports, *phone, *service, *after_hours, tag)
            }
            ActKind::MailOut { competitor, mails, secret } => self.mail_out(*competitor, *mails, *secret, tag),
            ActKind::ArchiveUpload { files, cloud, secret, after_hours } => {
                self.archive_upload(*files, *cloud, *secret, *after_hours, tag)
            }
            ActKind::Snoop { secret, files, prints, other_pc } => self.snoop(*secret, *files, *prints, *other_pc, tag),
            ActKind::PostNotice { secret, prints, downloads, after_hours } => {
                self.post_notice(*secret, *prints, *downloads, *after_hours, tag)
            }
            ActKind::Handover => self.handover(tag),
            ActKind::Cleanup { personal_usb } => self.cleanup(*personal_usb, tag),
            ActKind::HrDocs => self.hr_docs(tag),
            ActKind::Farewell { personal_mail, personal_docs } => self.farewell(*personal_mail, *personal_docs, tag),
            ActKind::AuditSweep { depts } => self.audit(*depts, tag),
            ActKind::HugeExport { exports, service } => self.huge_export(*exports, *service, tag),
            ActKind::NightUsbUpload { files, uploads, cloud } => self.night_usb_upload(*files, *uploads, *cloud, tag),
            ActKind::NewPcDownloads { downloads, secret } => self.new_pc_downloads(*downloads, *secret, tag),
            ActKind::PartnerTransfer { service } => self.partner_transfer(*service, tag),
            ActKind::AdminUsb { upload } => self.admin_usb(*upload, tag),
        }
        self.rng = saved;
    }

    /// Files to take: a share from the secret, the rest from the person's
    /// work and department.
    fn loot(&mut self, n: usize, secret: Option<u8>, secret_share: f64) -> Vec<u32> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let id = match secret {
                Some(s) if self.rng.chance(secret_share) => self.secret_file(usize::from(s)),
                _ if self.rng.chance(0.5) => self.work_file(),
                _ => self.dept_file(self.member.dept),
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    fn usb_exfil(&mut self, after_hours: bool, n: u16, secret: Option<u8>, tag: Tag) {
        let share = self.rng.uniform(0.3, 0.6);
        let ids = self.loot(usize::from(n), secret, share);
        let mut t = self.act_start(after_hours, ids.len() as u32 * 25);
        let stick = USB_STICKS[self.rng.index(USB_STICKS.len())];
        let id = format!(
            "USBSTOR\\DISK&VEN_{}\\{:012X}",
            stick.split(' ').next().unwrap_or("USB"),
            self.rng.next_u64() >> 16
        );
        self.device(t, true, stick, &id, tag);
        t += self.rng.range(10, 60) as u32;
        for f in ids {
            let file = self.file(f);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.file_event(t, Action::FileOpen, &path, &name, size, tag);
            t += self.rng.range(2, 10) as u32;
            self.copy_out(t, &path, &name, size, stick, &id, tag);
            t += self.rng.range(3, 30) as u32;
        }
        let t = t + self.rng.range(10, 60) as u32;
        self.device(t, false, stick, &id, tag);
    }

    fn customer_db(&mut self, opens: u16, exports: u8, phone: bool, service: u8, after_hours: bool, tag: Tag) {
        let duration = u32::from(opens) * 40 + u32::from(exports) * 120 + 900;
        let mut t = self.act_start(after_hours, duration);
        let mut taken = Vec::new();
        for _ in 0..opens {
            let id = self.secret_file(CUSTOMER_DB);
            let file = self.file(id);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.file_event(t, Action::FileOpen, &path, &name, size, tag);
            if !taken.iter().any(|(p, _, _)| *p == path) {
                taken.push((path, name, size));
            }
            t += self.rng.range(5, 60) as u32;
        }
        let date = self.midnight.date();
        for i in 0..exports {
            let name =
                format!("顧客一覧_export_{}{:02}{:02}_{}.csv", date.year(), u8::from(date.month()), date.day(), i + 1);
            let url = format!(
                "https://maruhi.my.salesforce.com/servlet/PrintableViewDownloadServlet?isdtp=p1&reportId=00O{}",
                self.rng.range(100_000, 999_999)
            );
            let size = self.rng.log_uniform(5e6, 40e6) as u64;
            self.web(t, Action::FileDownload, "maruhi.my.salesforce.com", url, Some((&name, size)), tag);
            taken.push((format!("C:\\Users\\{}\\Downloads\\{name}", self.member.user), name, size));
            t += self.rng.range(60, 240) as u32;
        }
        t += self.rng.range(60, 600) as u32;
        if phone {
            let device = if self.rng.chance(0.7) { "Apple iPhone (MTP)" } else { phone_of(self.m + 1) };
            let id = format!("USB\\VID_05AC&PID_12A8\\{:016x}", self.rng.next_u64() >> 8);
            self.device(t, true, device, &id, tag);
            t += 20;
            for (path, name, size) in &taken {
                self.copy_out(t, path, name, *size, device, &id, tag);
                t += self.rng.range(3, 20) as u32;
            }
            self.device(t + 30, false, device, &id, tag);
        } else {
            // The opened files go into one archive; it and the exports are
            // uploaded.
            let opened: u64 = taken.iter().filter(|(p, _, _)| p.starts_with("\\\\")).map(|(_, _, s)| *s).sum();
            let mut uploads: Vec<(String, u64)> =
                taken.iter().filter(|(p, _, _)| !p.starts_with("\\\\")).map(|(_, n, s)| (n.clone(), *s)).collect();
            if opened > 0 {
                let name = format!("顧客_{}{:02}{:02}.zip", date.year(), u8::from(date.month()), date.day());
                let path = format!("C:\\Users\\{}\\Downloads\\{name}", self.member.user);
                let size = opened / 2;
                self.file_event(t, Action::FileWrite, &path, &name, size, tag);
                t += self.rng.range(30, 300) as u32;
                uploads.push((name, size));
            }
            let (domain, url) = TRANSFER_SERVICES[usize::from(service)];
            self.web(t, Action::HttpRequest, domain, format!("https://{domain}/"), None, tag);
            t += 30;
            for (name, size) in &uploads {
                self.web(t, Action::FileUpload, domain, url.to_owned(), Some((name, *size)), tag);
                t += self.rng.range(20, 120) as u32;
            }
        }
    }

    fn mail_out(&mut self, competitor: Option<u8>, mails: u8, secret: Option<u8>, tag: Tag) {
        let to = match competitor {
            Some(c) => format!("{}.{}@{}", self.member.given, self.member.family, COMPETITORS[usize::from(c)]),
            None => self.member.personal_mail.clone(),
        };
        for _ in 0..mails {
            let after_hours = self.rng.chance(0.4);
            let mut t = self.act_start(after_hours, 20 * MINUTE);
            let n = self.rng.range(1, 4) as usize;
            let ids = self.loot(n, secret, 0.6);
            let mut attachments = Vec::new();
            let mut total = 0;
            for f in &ids {
                let file = self.file(*f);
                let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
                self.file_event(t, Action::FileOpen, &path, &name, size, tag);
                t += self.rng.range(10, 90) as u32;
                total += size;
                attachments.push(Attachment { name, size: Some(size) });
            }
            if ids.len() > 1 && self.rng.chance(0.3) {
                let name = (*self.rng.pick(&["資料.zip", "参考資料.zip", "backup.zip", "まとめ.zip"])).to_owned();
                let size = total * 6 / 10;
                let path = format!("C:\\Users\\{}\\Documents\\{name}", self.member.user);
                self.file_event(t, Action::FileWrite, &path, &name, size, tag);
                t += self.rng.range(20, 120) as u32;
                attachments = vec![Attachment { name, size: Some(size) }];
            }
            self.mail(t, vec![to.clone()], Vec::new(), attachments, tag);
        }
    }

    fn archive_upload(&mut self, n: u16, cloud: u8, secret: Option<u8>, after_hours: bool, tag: Tag) {
        let share = self.rng.uniform(0.2, 0.5);
        let ids = self.loot(usize::from(n), secret, share);
        let mut t = self.act_start(after_hours, ids.len() as u32 * 20 + HOUR);
        let mut total = 0;
        for f in &ids {
            self.open_id(t, *f, tag);
            total += self.file(*f).size;
            t += self.rng.range(5, 30) as u32;
        }
        let date = self.midnight.date();
        let name = match self.rng.below(5) {
            0 => format!("backup_{:02}{:02}.zip", u8::from(date.month()), date.day()),
            1 => "資料.7z".to_owned(),
            2 => "個人用.zip".to_owned(),
            3 => format!("archive_{}.7z", self.rng.range(1, 99)),
            _ => "整理.zip".to_owned(),
        };
        let user = &self.member.user;
        let path = match self.rng.below(3) {
            0 => format!("C:\\Users\\{user}\\AppData\\Local\\Temp\\{name}"),
            1 => format!("C:\\Users\\{user}\\Desktop\\{name}"),
            _ => format!("\\\\fs03\\home\\{user}\\{name}"),
        };
        let size = (total as f64 * self.rng.uniform(0.4, 0.7)) as u64;
        t += self.rng.range(60, 300) as u32;
        self.file_event(t, Action::FileWrite, &path, &name, size, tag);
        t += self.rng.range(5, 60) as u32 * MINUTE;
        let (domain, template) = PERSONAL_CLOUDS[usize::from(cloud)];
        let url = fill_path(&mut self.rng, template, "", user);
        self.web(t.min(LAST_SECOND - 600), Action::HttpRequest, domain, format!("https://{domain}/"), None, tag);
        self.web((t + 20).min(LAST_SECOND - 580), Action::FileUpload, domain, url, Some((&name, size)), tag);
    }

    fn snoop(&mut self, secret: u8, n: u16, prints: u8, other_pc: Option<u32>, tag: Tag) {
        let secret = usize::from(secret);
        let elsewhere = other_pc.map(|p| self.plan.members[p as usize].host.clone());
        let mut t = if elsewhere.is_some() {
            // A colleague's PC while its owner is at lunch or gone home.
            if self.rng.chance(0.5) {
                12 * HOUR + self.rng.range(5, 15) as u32 * MINUTE
            } else {
                self.act_start(true, HOUR)
            }
        } else {
            let after_hours = self.rng.chance(0.3);
            self.act_start(after_hours, u32::from(n) * 90)
        };
        let saved = elsewhere.as_ref().map(|h| std::mem::replace(&mut self.host, h.clone()));
        if saved.is_some() {
            self.logon(t, Outcome::Success, tag);
            t += 30;
        }
        let mut opened = Vec::new();
        for _ in 0..n {
            let id = self.secret_file(secret);
            self.open_id(t, id, tag);
            opened.push(id);
            t += self.rng.range(20, 120) as u32;
        }
        for id in opened.into_iter().take(usize::from(prints)) {
            let file = self.file(id);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.print(t, &path, &name, size, tag);
            t += self.rng.range(15, 60) as u32;
        }
        if let Some(own) = saved {
            self.logoff(t + 30, tag);
            self.host = own;
        }
    }

    fn post_notice(&mut self, secret: u8, prints: u8, downloads: u8, after_hours: bool, tag: Tag) {
        let secret = usize::from(secret);
        let mut t = self.act_start(after_hours, (u32::from(prints) + u32::from(downloads)) * 60);
        for _ in 0..downloads {
            let id = self.secret_file(secret);
            let file = self.file(id);
            let (url, name, size) = (files::sharepoint_url(file), file.name.clone(), file.size);
            self.web(t, Action::FileDownload, "maruhi.sharepoint.com", url, Some((&name, size)), tag);
            t += self.rng.range(15, 90) as u32;
        }
        for _ in 0..prints {
            let id = self.secret_file(secret);
            self.open_id(t, id, tag);
            t += self.rng.range(10, 40) as u32;
            let file = self.file(id);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.print(t, &path, &name, size, tag);
            t += self.rng.range(20, 90) as u32;
        }
    }

    fn handover(&mut self, tag: Tag) {
        let mut t = self.at_work();
        for _ in 0..self.rng.range(15, 40) {
            let id = if self.rng.chance(0.6) { self.work_file() } else { self.dept_file(self.member.dept) };
            self.open_id(t, id, tag);
            t += self.rng.range(20, 300) as u32;
        }
        let spec = self.dept();
        let name = format!("引継ぎ書_{}.docx", self.member.family);
        let path = format!("{}共通\\引継ぎ\\{name}", files::dept_root(spec));
        for _ in 0..self.rng.range(1, 3) {
            let size = self.rng.range(40_000, 400_000) as u64;
            self.file_event(t, Action::FileWrite, &path, &name, size, tag);
            t += self.rng.range(300, 3600) as u32;
        }
    }

    fn cleanup(&mut self, personal_usb: bool, tag: Tag) {
        let mut t = self.at_work();
        for _ in 0..self.rng.range(20, 80) {
            let (path, name, size) = files::home_file(&mut self.rng, &self.member.user);
            self.file_event(t, Action::FileDelete, &path, &name, size, tag);
            t += self.rng.range(1, 20) as u32;
        }
        if personal_usb {
            let (stick, id) = self.usb_stick();
            t += self.rng.range(60, 1800) as u32;
            self.device(t, true, stick, &id, tag);
            for _ in 0..self.rng.range(5, 30) {
                t += self.rng.range(3, 20) as u32;
                let (path, name, size) = files::personal_file(&mut self.rng, &self.member.user);
                self.copy_out(t, &path, &name, size, stick, &id, tag);
            }
            self.device(t + 60, false, stick, &id, tag);
        }
    }

    fn hr_docs(&mut self, tag: Tag) {
        let mut t = self.at_lunch();
        let date = self.midnight.date();
        let docs = [
            format!("源泉徴収票_{}年.pdf", date.year() - 1),
            "雇用保険被保険者証.pdf".to_owned(),
            "退職手続きのご案内.pdf".to_owned(),
            format!("給与明細_{}年{:02}月.pdf", date.year(), u8::from(date.month()).max(2) - 1),
        ];
        for name in docs.iter().take(self.rng.range(2, 4) as usize) {
            let url = format!("https://maruhi.smarthr.jp/documents/{}/download", self.rng.range(100_000, 999_999));
            let size = self.rng.range(60_000, 300_000) as u64;
            self.web(t, Action::FileDownload, "maruhi.smarthr.jp", url, Some((name, size)), tag);
            t += self.rng.range(20, 120) as u32;
        }
    }

    fn farewell(&mut self, personal_mail: bool, personal_docs: bool, tag: Tag) {
        let t = self.end.saturating_sub(self.rng.range(30, 90) as u32 * MINUTE);
        let mut to: Vec<String> =
            self.member.peers.iter().map(|p| self.plan.members[*p as usize].email.clone()).collect();
        to.extend(self.member.contacts.iter().map(|p| self.plan.members[*p as usize].email.clone()));
        self.mail(t, to, Vec::new(), Vec::new(), tag);
        if personal_mail {
            let attachments = if self.rng.chance(0.5) {
                vec![Attachment { name: "連絡先.vcf".to_owned(), size: Some(self.rng.range(300, 2_000) as u64) }]
            } else {
                Vec::new()
            };
            let to = vec![self.member.personal_mail.clone()];
            self.mail(t + 300, to, Vec::new(), attachments, tag);
        }
        if personal_docs {
            let date = self.midnight.date();
            let attachments = vec![Attachment {
                name: format!("源泉徴収票_{}年.pdf", date.year() - 1),
                size: Some(self.rng.range(60_000, 200_000) as u64),
            }];
            let to = vec![self.member.personal_mail.clone()];
            self.mail(t + 600, to, Vec::new(), attachments, tag);
        }
    }

    fn audit(&mut self, depts: [u8; 2], tag: Tag) {
        let mut t = self.at_work().min(15 * HOUR);
        let n = self.rng.range(30, 80);
        for _ in 0..n {
            let d = usize::from(depts[self.rng.index(2)]);
            let secrets: Vec<usize> = (0..self.plan.files.by_secret.len())
                .filter(|s| crate::catalog::dept_index(crate::catalog::SECRETS[*s].dept) == d)
                .collect();
            let id = if !secrets.is_empty() && self.rng.chance(0.2) {
                let s = secrets[self.rng.index(secrets.len())];
                self.secret_file(s)
            } else {
                self.dept_file(d)
            };
            self.open_id(t, id, tag);
            t += self.rng.range(15, 240) as u32;
        }
        let path = format!("\\\\fs02\\経営企画部\\内部監査\\監査調書_{}.xlsx", self.day);
        let size = self.rng.range(50_000, 500_000) as u64;
        self.file_event(t, Action::FileWrite, &path, &format!("監査調書_{}.xlsx", self.day), size, tag);
    }

    fn huge_export(&mut self, exports: u8, service: u8, tag: Tag) {
        let after_hours = self.rng.chance(0.4);
        let mut t = self.act_start(after_hours, u32::from(exports) * 20 * MINUTE + HOUR);
        let date = self.midnight.date();
        let mut taken = Vec::new();
        for i in 0..exports {
            // Whole tables out of the ERP or CRM: few files, each huge.
            let name =
                format!("全件_export_{}{:02}{:02}_{}.csv", date.year(), u8::from(date.month()), date.day(), i + 1);
            let url =
                format!("https://erp.maruhi.co.jp/report/export?id={}&format=csv", self.rng.range(10_000, 99_999));
            let size = self.rng.log_uniform(6e8, 2.5e9) as u64;
            self.web(t, Action::FileDownload, "erp.maruhi.co.jp", url, Some((&name, size)), tag);
            taken.push((name, size));
            t += self.rng.range(5, 20) as u32 * MINUTE;
        }
        let (domain, url) = TRANSFER_SERVICES[usize::from(service) % TRANSFER_SERVICES.len()];
        self.web(t, Action::HttpRequest, domain, format!("https://{domain}/"), None, tag);
        t += 40;
        for (name, size) in &taken {
            self.web(t, Action::FileUpload, domain, url.to_owned(), Some((name, *size)), tag);
            t += self.rng.range(5, 25) as u32 * MINUTE;
        }
    }

    fn night_usb_upload(&mut self, n: u16, uploads: u8, cloud: Option<u8>, tag: Tag) {
        // A night session of a day worker, on their own PC.
        let mut t = 22 * HOUR + self.rng.range(20, 50) as u32 * MINUTE;
        self.logon(t, Outcome::Success, tag);
        t += self.rng.range(30, 120) as u32;
        let secret = self.member.ntk.first().map(|s| *s as u8);
        let ids = self.loot(usize::from(n), secret, 0.3);
        let stick = USB_STICKS[self.rng.index(USB_STICKS.len())];
        let id = format!(
            "USBSTOR\\DISK&VEN_{}\\N{:011X}",
            stick.split(' ').next().unwrap_or("USB"),
            self.rng.next_u64() >> 20
        );
        self.device(t, true, stick, &id, tag);
        t += self.rng.range(10, 40) as u32;
        let mut copied = Vec::new();
        for f in ids {
            let file = self.file(f);
            let (path, name, size) = (file.path.clone(), file.name.clone(), file.size);
            self.copy_out(t, &path, &name, size, stick, &id, tag);
            copied.push((name, size));
            t += self.rng.range(2, 8) as u32;
        }
        t += self.rng.range(5, 15) as u32 * MINUTE;
        let (domain, url) = match cloud {
            Some(c) => {
                let (domain, template) = PERSONAL_CLOUDS[usize::from(c) % PERSONAL_CLOUDS.len()];
                (domain.to_owned(), fill_path(&mut self.rng, template, "", &self.member.user))
            }
            None => {
                let host = ["up.filebox-jp.net", "nas-home.myqnapcloud.com", "share.kumo-drive.jp"][self.m % 3];
                (host.to_owned(), format!("https://{host}/upload"))
            }
        };
        self.web(t.min(LAST_SECOND - 900), Action::HttpRequest, &domain, format!("https://{domain}/"), None, tag);
        let per = copied.len().div_ceil(usize::from(uploads.max(1)));
        for (i, chunk) in copied.chunks(per.max(1)).enumerate() {
            let size: u64 = chunk.iter().map(|(_, s)| *s).sum();
            let name = format!("data{}.zip", i + 1);
            let at = (t + 30 + i as u32 * 120).min(LAST_SECOND - 600);
            self.web(at, Action::FileUpload, &domain, url.clone(), Some((&name, size)), tag);
        }
        self.device((t + 900).min(LAST_SECOND - 300), false, stick, &id, tag);
        self.logoff((t + 1200).min(LAST_SECOND - 60), tag);
    }

    fn new_pc_downloads(&mut self, n: u16, secret: Option<u8>, tag: Tag) {
        // A private PC: never seen before, with a name no asset list has.
        let host = format!("DESKTOP-{:07X}", self.rng.next_u64() >> 36);
        let saved = std::mem::replace(&mut self.host, host);
        let mut t = if self.rng.chance(0.5) { self.at_lunch() } else { self.act_start(true, u32::from(n) * 30) };
        self.logon(t, Outcome::Success, tag);
        t += 60;
        let ids = self.loot(usize::from(n), secret, 0.4);
        for id in ids {
            let file = self.file(id);
            let (url, name, size) = (files::sharepoint_url(file), file.name.clone(), file.size);
            self.web(t, Action::FileDownload, "maruhi.sharepoint.com", url, Some((&name, size)), tag);
            t += self.rng.range(3, 25) as u32;
        }
        self.logoff(t + 120, tag);
        self.host = saved;
    }

    fn partner_transfer(&mut self, service: Option<u8>, tag: Tag) {
        let mut t = self.at_work();
        let date = self.midnight.date();
        let name = format!("提案資料_{:02}{:02}.zip", u8::from(date.month()), date.day());
        let path = format!("C:\\Users\\{}\\Documents\\{name}", self.member.user);
        let size = self.rng.log_uniform(3e8, 1.5e9) as u64;
        self.file_event(t, Action::FileWrite, &path, &name, size, tag);
        t += self.rng.range(3, 20) as u32 * MINUTE;
        let (domain, url) = match service {
            Some(s) => {
                let (d, u) = TRANSFER_SERVICES[usize::from(s) % TRANSFER_SERVICES.len()];
                (d.to_owned(), u.to_owned())
            }
            None => ("ft.partner-denki.co.jp".to_owned(), "https://ft.partner-denki.co.jp/send".to_owned()),
        };
        self.web(t, Action::HttpRequest, &domain, format!("https://{domain}/"), None, tag);
        self.web(t + 30, Action::FileUpload, &domain, url, Some((&name, size)), tag);
    }

    fn admin_usb(&mut self, upload: bool, tag: Tag) {
        let mut t = self.at_work();
        let (stick, id) = self.usb_stick();
        self.device(t, true, stick, &id, tag);
        let mut logs = 0;
        for i in 0..self.rng.range(10, 40) {
            t += self.rng.range(3, 20) as u32;
            let (path, name, size) = if i % 3 == 0 {
                let name = format!("setup_{}.msi", self.rng.range(100, 999));
                (format!("\\\\fs-it\\software\\{name}"), name, self.rng.log_uniform(2e7, 3e8) as u64)
            } else {
                let name = format!("eventlog_{}.evtx", self.rng.range(1000, 9999));
                logs += 1;
                (format!("C:\\Windows\\Temp\\{name}"), name, self.rng.log_uniform(1e6, 2e7) as u64)
            };
            self.copy_out(t, &path, &name, size, stick, &id, tag);
        }
        self.device(t + 60, false, stick, &id, tag);
        if upload && logs > 0 {
            t += self.rng.range(10, 60) as u32 * MINUTE;
            let size = self.rng.log_uniform(5e6, 5e7) as u64;
            let url = "https://support.vendor-systems.com/cases/upload".to_owned();
            self.web(t, Action::FileUpload, "support.vendor-systems.com", url, Some(("logs.zip", size)), tag);
        }
    }

    /// The last logoff, after everything else.
    fn finish(&mut self) {
        if self.rng.chance(0.03) {
            // Now and then the logoff is not recorded (the PC is switched off).
            return;
        }
        let latest =
            self.out.iter().filter(|d| d.event.host.as_ref().is_some_and(|h| h.name == self.host)).map(|d| d.sec).max();
        let t = latest.unwrap_or(self.end).max(self.end) + self.rng.range(30, 400) as u32;
        self.logoff(t.min(LAST_SECOND), Tag::Benign);
    }
}
