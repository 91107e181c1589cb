//! Everything decided before the first event: who works where, their habits,
//! vacations, departures, need-to-know lists, and the planted behaviour of
//! insiders and of benign but noisy people ("acts" on given days).
//!
//! The daily events are then a pure function of this plan and the day
//! (`day.rs`), so any day can be generated on its own.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use time::{Date, Duration, Month, UtcOffset};

use crate::calendar;
use crate::catalog::{
    dept_index, Partners, ACADEMIA, COMPANY_DOMAIN, COMPETITORS, CUSTOMERS, CUSTOMER_DB, DEPTS, PERSONAL_CLOUDS,
    PERSONAL_MAIL, PHONES, SECRETS, SERVICES, SUPPLIERS, TRANSFER_SERVICES,
};
use crate::files::{self, Files};
use crate::model::{Config, Employment, HrRecord, Noise, NoisyUser, Person, Scenario, Secret};
use crate::names::{capitalised, FAMILY, FEMALE, MALE};
use crate::rng::{key, Rng};

/// How an event counts in the ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Benign,
    Precursor,
    Malicious,
}

/// Something planted on one day of one person.
#[derive(Debug, Clone)]
pub(crate) struct Act {
    /// Day offset from the start.
    pub day: u16,
    pub kind: ActKind,
    pub tag: Tag,
}

#[derive(Debug, Clone)]
pub(crate) enum ActKind {
    /// Visits to job boards at lunch or in the evening.
    JobSearch,
    /// Scenario 1: design files to a USB stick.
    UsbExfil { after_hours: bool, files: u16, secret: Option<u8> },
    /// Scenario 2: customer records opened and exported, then to a phone or a
    /// transfer service.
    CustomerDb { opens: u16, exports: u8, phone: bool, service: u8, after_hours: bool },
    /// Scenario 3: attachments to a personal address or a competitor.
    MailOut { competitor: Option<u8>, mails: u8, secret: Option<u8> },
    /// Scenario 4: files packed into an archive and uploaded to a personal
    /// cloud.
    ArchiveUpload { files: u16, cloud: u8, secret: Option<u8>, after_hours: bool },
    /// Scenario 5: a secret opened outside need-to-know.
    Snoop { secret: u8, files: u16, prints: u8, other_pc: Option<u32> },
    /// Scenario 6: secrets printed and downloaded after notice.
    PostNotice { secret: u8, prints: u8, downloads: u8, after_hours: bool },
    /// Benign leaver: reading and writing handover notes.
    Handover,
    /// Benign leaver: deleting home-folder files, perhaps personal files to USB.
    Cleanup { personal_usb: bool },
    /// Benign leaver: own payslips and tax papers from the HR service.
    HrDocs,
    /// Benign leaver: the farewell mail.
    Farewell { personal_mail: bool, personal_docs: bool },
    /// Auditor: reading across two departments.
    AuditSweep { depts: [u8; 2] },
    /// Scenario 7: huge exports from the business applications, then to a
    /// transfer service.
    HugeExport { exports: u8, service: u8 },
    /// Scenario 8: at night, files to a new USB stick, then uploads
    /// (`cloud`: a personal cloud, else an unclassified destination).
    NightUsbUpload { files: u16, uploads: u8, cloud: Option<u8> },
    /// Scenario 9: a burst of SharePoint downloads on a never-seen PC.
    NewPcDownloads { downloads: u16, secret: Option<u8> },
    /// Benign sales engineer: a big archive to a partner's transfer service
    /// (`service`: one of the listed services, else the partner's own).
    PartnerTransfer { service: Option<u8> },
    /// Benign administrator: installers and logs to their own USB stick, now
    /// and then logs uploaded to a vendor's support portal.
    AdminUsb { upload: bool },
}

/// Working habits of one person.
#[derive(Debug, Clone)]
pub(crate) struct Habits {
    /// Mean start and end of the working day in minutes after midnight.
    pub start: f64,
    pub end: f64,
    /// Leaves on time on Wednesdays (ノー残業デー).
    pub wednesday_early: bool,
    /// Relative volume of file work, web use, mail and printing.
    pub activity: f64,
    pub web: f64,
    pub leisure: f64,
    pub mails: f64,
    pub prints: f64,
    /// Daily probabilities.
    pub usb: f64,
    pub phone: f64,
    pub weekend: f64,
    pub job_boards: f64,
    pub transfer: f64,
    pub personal_cloud: f64,
    pub outside_ntk: f64,
    pub sick: f64,
    /// Logs on to servers and reads everywhere.
    pub admin: bool,
}

/// One person's plan.
pub(crate) struct Member {
    pub user: String,
    pub email: String,
    pub host: String,
    pub ip: Ipv4Addr,
    pub dept: usize,
    pub family: &'static str,
    pub given: &'static str,
    pub manager: bool,
    pub contractor: bool,
    pub personal_mail: String,
    pub habits: Habits,
    /// Paid-leave days (offsets, sorted).
    pub vacation: Vec<u16>,
    /// Offset of the last working day for leavers.
    pub last_day: Option<i64>,
    /// Documents this person works on; a window of them is active each month.
    pub work_files: Vec<u32>,
    /// Secrets (indices) whose need-to-know lists name this person.
    pub ntk: Vec<usize>,
    /// A secret opened now and then without being on its list.
    pub outside_secret: Option<usize>,
    /// Colleagues mailed most (same department), and others.
    pub peers: Vec<u32>,
    pub contacts: Vec<u32>,
    /// External correspondents.
    pub partners: Vec<String>,
    /// Planted behaviour, sorted by day.
    pub acts: Vec<Act>,
}

impl Member {
    /// The acts planned for `day`.
    pub(crate) fn acts_on(&self, day: u16) -> &[Act] {
        let from = self.acts.partition_point(|a| a.day < day);
        let to = self.acts.partition_point(|a| a.day <= day);
        &self.acts[from..to]
    }
}

/// An injected insider before the truth is computed from the events.
pub(crate) struct InsiderPlan {
    pub member: usize,
    pub scenario: Scenario,
    pub last_working_day: Option<Date>,
    pub summary: String,
}

/// The whole plan.
pub(crate) struct Plan {
    pub seed: u64,
    pub start: Date,
    /// Number of days generated.
    pub days: u16,
    pub offset: UtcOffset,
    pub workday: Vec<bool>,
    pub files: Files,
    pub members: Vec<Member>,
    pub people: Vec<Person>,
    pub hr: Vec<HrRecord>,
    pub secrets: Vec<Secret>,
    pub insiders: Vec<InsiderPlan>,
    pub noisy: Vec<NoisyUser>,
}

impl Plan {
    pub(crate) fn date(&self, day: i64) -> Date {
        self.start + Duration::days(day)
    }

    /// Offset of `date` from the start.
    pub(crate) fn offset_of(&self, date: Date) -> i64 {
        (date - self.start).whole_days()
    }

    fn is_workday(&self, day: i64) -> bool {
        if (0..i64::from(self.days)).contains(&day) {
            self.workday[day as usize]
        } else {
            calendar::is_workday(self.date(day))
        }
    }
}

/// Whether and how a person works on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Off,
    /// An ordinary working day.
    Work,
    /// Work on a weekend or holiday.
    Extra,
}

/// A pure function of the plan, person and day: planning and generation
/// agree on it.
pub(crate) fn presence(plan: &Plan, m: usize, day: u16) -> Presence {
    let member = &plan.members[m];
    if member.last_day.is_some_and(|last| i64::from(day) > last) {
        return Presence::Off;
    }
    let workday = plan.workday[usize::from(day)];
    if workday && !member.acts_on(day).is_empty() {
        return Presence::Work;
    }
    let mut rng = Rng::keyed(plan.seed, &[key::PRESENCE, m as u64, u64::from(day)]);
    if workday {
        if member.vacation.binary_search(&day).is_ok() || rng.chance(member.habits.sick) {
            Presence::Off
        } else {
            Presence::Work
        }
    } else if rng.chance(member.habits.weekend) {
        Presence::Extra
    } else {
        Presence::Off
    }
}

/// The first day after `months` calendar months from `start`.
pub(crate) fn add_months(start: Date, months: u32) -> Option<Date> {
    let total = i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = start.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day).ok()
}

pub(crate) fn build(config: &Config, end: Date) -> Plan {
    let days = u16::try_from((end - config.start).whole_days()).unwrap_or(u16::MAX);
    let workday = (0..days).map(|d| calendar::is_workday(config.start + Duration::days(i64::from(d)))).collect();
    let files = files::build(config.seed, config.users);
    let mut plan = Plan {
        seed: config.seed,
        start: config.start,
        days,
        offset: config.offset,
        workday,
        files,
        members: Vec::new(),
        people: Vec::new(),
        hr: Vec::new(),
        secrets: Vec::new(),
        insiders: Vec::new(),
        noisy: Vec::new(),
    };
    people(&mut plan, config.users);
    need_to_know(&mut plan);
    habits(&mut plan);
    let mut taken = HashSet::new();
    insiders(&mut plan, config, &mut taken);
    leavers(&mut plan, &mut taken);
    noise(&mut plan);
    for member in &mut plan.members {
        member.acts.sort_by_key(|a| a.day);
    }
    plan.hr.sort_by(|a, b| a.last_working_day.cmp(&b.last_working_day).then_with(|| a.user.cmp(&b.user)));
    plan.noisy.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.user.cmp(&b.user)));
    plan
}

/// Head counts per department: largest remainders over the weights, at least
/// one each.
fn head_counts(users: usize) -> Vec<usize> {
    let total: f64 = DEPTS.iter().map(|d| d.weight).sum();
    let spare = users.saturating_sub(DEPTS.len());
    let shares: Vec<f64> = DEPTS.iter().map(|d| d.weight / total * spare as f64).collect();
    let mut counts: Vec<usize> = shares.iter().map(|s| 1 + *s as usize).collect();
    let mut order: Vec<usize> = (0..DEPTS.len()).collect();
    order.sort_by(|a, b| (shares[*b] - shares[*b].floor()).total_cmp(&(shares[*a] - shares[*a].floor())));
    let mut left = users.saturating_sub(counts.iter().sum());
    for d in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        counts[d] += 1;
        left -= 1;
    }
    counts
}

fn people(plan: &mut Plan, users: usize) {
    let mut rng = Rng::keyed(plan.seed, &[key::PEOPLE]);
    let counts = head_counts(users);
    let mut accounts = HashSet::new();
    // PC numbers are handed out over the years, not by department.
    let mut pcs: Vec<u32> = (1..=(users as u32 + users as u32 / 5)).collect();
    rng.shuffle(&mut pcs);
    let mut next = 0;
    for (d, spec) in DEPTS.iter().enumerate() {
        let n = counts[d];
        let section_heads = n.div_ceil(12);
        let leaders = n.div_ceil(8);
        let contractors = (n as f64 * spec.contractor_share).round() as usize;
        let admins = if spec.name == "情報システム部" { (n / 10).max(1) } else { 0 };
        let auditors = usize::from(spec.name == "経営企画部" && n >= 3);
        for i in 0..n {
            let from_end = n - i; // contractors are the last ones listed
            let contractor = i > section_heads + leaders && from_end <= contractors;
            let staff_index = i.saturating_sub(1 + section_heads + leaders);
            let (role, privileged, manager) = if i == 0 {
                ("部長".to_owned(), false, true)
            } else if i <= section_heads {
                ("課長".to_owned(), false, true)
            } else if i <= section_heads + leaders {
                (if i % 2 == 0 { "係長" } else { "主任" }.to_owned(), false, false)
            } else if contractor {
                let role = if spec.name == "情報システム部" && from_end.is_multiple_of(2) {
                    "CRM運用保守(委託)"
                } else {
                    spec.contractor_role
                };
                (role.to_owned(), false, false)
            } else if staff_index < admins {
                ("システム管理者".to_owned(), true, false)
            } else if staff_index < admins + auditors {
                ("内部監査".to_owned(), false, false)
            } else {
                (spec.staff_role.to_owned(), false, false)
            };
            let employment = if !contractor {
                Employment::Regular
            } else if role.contains("派遣") {
                Employment::Dispatched
            } else {
                Employment::Outsourced
            };
            let family = FAMILY[rng.skewed(FAMILY.len(), 1.8)];
            let female =
                rng.chance(if spec.name == "製造部" || spec.name == "生産技術部" { 0.15 } else { 0.35 });
            let given = if female { *rng.pick(FEMALE) } else { *rng.pick(MALE) };
            let base = format!("{}{}.{}", if contractor { "ext-" } else { "" }, family.1, given.1);
            let mut user = base.clone();
            let mut k = 2;
            while !accounts.insert(user.clone()) {
                user = format!("{base}{k}");
                k += 1;
            }
            let pc = pcs[next];
            next += 1;
            let host = format!("PC-{pc:04}");
            // 10.20.0.0 and up: one address per PC.
            let ip = Ipv4Addr::from(0x0A14_0000 + pc);
            let email = format!("{user}@{COMPANY_DOMAIN}");
            let personal_mail = personal_address(&mut rng, family.1, given.1);
            plan.people.push(Person {
                user: user.clone(),
                display_name: format!("{} {}", family.0, given.0),
                romaji: format!("{} {}", capitalised(given.1), capitalised(family.1)),
                department: spec.name.to_owned(),
                role,
                employment,
                contractor,
                privileged,
                email: email.clone(),
                host: host.clone(),
            });
            plan.members.push(Member {
                user,
                email,
                host,
                ip,
                dept: d,
                family: family.1,
                given: given.1,
                manager,
                contractor,
                personal_mail,
                habits: Habits {
                    start: 0.0,
                    end: 0.0,
                    wednesday_early: false,
                    activity: 1.0,
                    web: 1.0,
                    leisure: 0.1,
                    mails: 1.0,
                    prints: 1.0,
                    usb: 0.0,
                    phone: 0.0,
                    weekend: 0.0,
                    job_boards: 0.0,
                    transfer: 0.0,
                    personal_cloud: 0.0,
                    outside_ntk: 0.0,
                    sick: 0.0,
                    admin: privileged,
                },
                vacation: Vec::new(),
                last_day: None,
                work_files: Vec::new(),
                ntk: Vec::new(),
                outside_secret: None,
                peers: Vec::new(),
                contacts: Vec::new(),
                partners: Vec::new(),
                acts: Vec::new(),
            });
        }
    }
}

fn personal_address(rng: &mut Rng, family: &str, given: &str) -> String {
    let provider = rng.pick(PERSONAL_MAIL);
    let year = rng.range(60, 99) as u32 % 100;
    let local = match rng.below(4) {
        0 => format!("{given}.{family}{year:02}"),
        1 => format!("{family}{}{}", &given[..1], rng.range(1, 999)),
        2 => format!("{given}_{family}"),
        _ => format!("{}{family}.{year:02}", &given[..1]),
    };
    format!("{local}@{provider}")
}

fn need_to_know(plan: &mut Plan) {
    let mut rng = Rng::keyed(plan.seed, &[key::SECRETS]);
    for (s, spec) in SECRETS.iter().enumerate() {
        let d = dept_index(spec.dept);
        let mut list = Vec::new();
        for (m, member) in plan.members.iter().enumerate() {
            let role = &plan.people[m].role;
            let on = if member.dept == d {
                if member.manager {
                    true
                } else if s == CUSTOMER_DB && member.contractor {
                    rng.chance(0.7)
                } else if member.contractor {
                    rng.chance(spec.ntk_share * 0.3)
                } else {
                    rng.chance(spec.ntk_share)
                }
            } else {
                // The CRM is run by contractors of the IT department.
                s == CUSTOMER_DB && role.starts_with("CRM運用保守")
            };
            if on {
                list.push(m);
            }
        }
        for related in spec.related {
            let r = dept_index(related);
            let candidates: Vec<usize> = (0..plan.members.len()).filter(|m| plan.members[*m].dept == r).collect();
            let k = rng.range(1, 3) as usize;
            list.extend(rng.sample(&candidates, k));
        }
        list.sort_unstable();
        list.dedup();
        for m in &list {
            plan.members[*m].ntk.push(s);
        }
        plan.secrets.push(Secret {
            id: format!("S-{:03}", s + 1),
            title: spec.title.to_owned(),
            department: spec.dept.to_owned(),
            path_prefixes: plan.files.secret_prefixes[s].clone(),
            need_to_know: list.iter().map(|m| plan.members[*m].user.clone()).collect(),
        });
    }
}

fn habits(plan: &mut Plan) {
    let n = plan.members.len();
    let by_dept: Vec<Vec<u32>> =
        (0..DEPTS.len()).map(|d| (0..n as u32).filter(|m| plan.members[*m as usize].dept == d).collect()).collect();
    let all: Vec<u32> = (0..n as u32).collect();
    let bridge: Vec<bool> = (0..plan.days)
        .map(|d| {
            let d = i64::from(d);
            plan.is_workday(d) && (is_holiday_block(plan, d - 1) || is_holiday_block(plan, d + 1))
        })
        .collect();
    for m in 0..n {
        let mut rng = Rng::keyed(plan.seed, &[key::HABITS, m as u64]);
        let member = &plan.members[m];
        let spec = &DEPTS[member.dept];
        let dispatched = plan.people[m].employment == Employment::Dispatched;
        let mut h = member.habits.clone();
        if dispatched {
            // Agency staff work their contracted hours.
            h.start = rng.normal(9.0 * 60.0, 5.0);
            h.end = rng.normal(17.0 * 60.0 + 45.0, 10.0);
        } else {
            h.start = rng.normal(spec.hours.0, 15.0);
            h.end = rng.normal(spec.hours.1, 35.0) + if member.manager { 40.0 } else { 0.0 };
        }
        h.wednesday_early = rng.chance(0.7);
        h.activity = spec.activity * rng.log_normal(1.0, 0.25);
        h.web = rng.log_normal(1.0, 0.35);
        h.leisure = rng.uniform(0.05, 0.35);
        h.mails = spec.mails * rng.log_normal(1.0, 0.4) * if member.manager { 1.5 } else { 1.0 };
        h.prints = spec.prints * rng.log_normal(1.0, 0.5);
        h.usb = 0.004;
        h.sick = rng.uniform(0.008, 0.025);
        let member = &mut plan.members[m];
        member.habits = h;

        // Documents: the department's, plus the secrets this person works on.
        let ordinary = &plan.files.by_dept[member.dept];
        let mut work = rng.sample(ordinary, 45);
        for s in &member.ntk {
            if SECRETS[*s].dept == spec.name {
                let k = rng.range(4, 12) as usize;
                work.extend(rng.sample(&plan.files.by_secret[*s], k));
            } else {
                work.extend(rng.sample(&plan.files.by_secret[*s], 2));
            }
        }
        rng.shuffle(&mut work);
        member.work_files = work;

        let peers: Vec<u32> = by_dept[member.dept].iter().copied().filter(|p| *p as usize != m).collect();
        member.peers = rng.sample(&peers, 25);
        member.contacts = rng.sample(&all, 12).into_iter().filter(|p| *p as usize != m).collect();
        let domains: Vec<&str> = match spec.partners {
            Partners::Customers => CUSTOMERS.to_vec(),
            Partners::Suppliers => SUPPLIERS.to_vec(),
            Partners::Both => CUSTOMERS.iter().chain(SUPPLIERS).copied().collect(),
            Partners::Academia => ACADEMIA.to_vec(),
            Partners::Services => SERVICES.to_vec(),
        };
        let k = rng.range(2, 6);
        member.partners = (0..k)
            .map(|_| {
                let family = FAMILY[rng.skewed(FAMILY.len(), 1.5)].1;
                let initial = (b'a' + rng.below(26) as u8) as char;
                format!("{initial}.{family}@{}", rng.pick(&domains))
            })
            .collect();

        // Paid leave: about ten days a year, often next to holidays.
        let per_year = rng.log_normal(10.0, 0.4).clamp(2.0, 20.0);
        let wanted = (per_year * f64::from(plan.days) / 365.0).round() as usize;
        let weights: Vec<f64> = (0..plan.days)
            .map(|d| {
                if !plan.workday[usize::from(d)] {
                    0.0
                } else if bridge[usize::from(d)] {
                    8.0
                } else {
                    1.0
                }
            })
            .collect();
        let mut vacation = Vec::new();
        if weights.iter().any(|w| *w > 0.0) {
            for _ in 0..wanted * 3 {
                if vacation.len() >= wanted {
                    break;
                }
                let d = rng.weighted(&weights) as u16;
                if !vacation.contains(&d) {
                    vacation.push(d);
                }
            }
        }
        vacation.sort_unstable();
        plan.members[m].vacation = vacation;
    }
}

fn is_holiday_block(plan: &Plan, day: i64) -> bool {
    let date = plan.date(day);
    !plan.is_workday(day) && (calendar::national_holiday(date).is_some() || calendar::company_holiday(date).is_some())
}

/// The first working day at or after `day` (offsets).
fn workday_from(plan: &Plan, day: i64) -> i64 {
    let mut d = day;
    while !plan.is_workday(d) {
        d += 1;
    }
    d
}

/// The last working day at or before `day` (offsets).
fn workday_before(plan: &Plan, day: i64) -> i64 {
    let mut d = day;
    while !plan.is_workday(d) {
        d -= 1;
    }
    d
}

/// The working day `n` working days after `day` (offsets).
fn add_workdays(plan: &Plan, day: i64, n: i64) -> i64 {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d += 1;
        if plan.is_workday(d) {
            left -= 1;
        }
    }
    d
}

/// Records a departure with notice around `notice` and the last working day
/// around `last` (offsets, moved to working days); returns the offsets used.
fn depart(plan: &mut Plan, rng: &mut Rng, m: usize, notice: i64, last: i64) -> (i64, i64) {
    let notice = workday_before(plan, notice);
    let last = workday_from(plan, last.max(notice + 1));
    // Remaining paid leave is taken after the last working day (有給消化);
    // the employment then usually ends on the last day of a month.
    let leave = match rng.below(20) {
        0..=4 => 0,
        5..=10 => rng.range(3, 10),
        11..=17 => rng.range(10, 20),
        _ => rng.range(20, 30),
    };
    let mut end = plan.date(add_workdays(plan, last, leave));
    if rng.chance(0.65) {
        let days = time::util::days_in_month(end.month(), end.year());
        end = Date::from_calendar_date(end.year(), end.month(), days).unwrap_or(end);
    }
    let member = &mut plan.members[m];
    member.last_day = Some(last);
    // Leavers are at work for their last two weeks (handover).
    member.vacation.retain(|d| i64::from(*d) < last - 14 || i64::from(*d) > last);
    plan.hr.push(HrRecord {
        user: plan.members[m].user.clone(),
        notice_date: plan.date(notice),
        last_working_day: plan.date(last),
        end_date: end,
    });
    (notice, last)
}

/// `count` distinct working days (offsets) in `from..=to` when the person is
/// not on leave, spread out; fewer when the range is short.
fn pick_days(plan: &Plan, rng: &mut Rng, m: usize, from: i64, to: i64, count: (i64, i64)) -> Vec<u16> {
    let count = rng.range(count.0, count.1) as usize;
    let from = from.max(0);
    let to = to.min(i64::from(plan.days) - 1);
    let member = &plan.members[m];
    let candidates: Vec<u16> = (from..=to)
        .filter(|d| plan.is_workday(*d))
        .filter(|d| member.last_day.is_none_or(|last| *d <= last))
        .map(|d| d as u16)
        .filter(|d| member.vacation.binary_search(d).is_err())
        .collect();
    let mut days = rng.sample(&candidates, count);
    days.sort_unstable();
    days
}

fn push_acts(plan: &mut Plan, m: usize, days: &[u16], tag: Tag, mut kind: impl FnMut(usize) -> ActKind) {
    for (i, day) in days.iter().enumerate() {
        let act = Act { day: *day, kind: kind(i), tag };
        plan.members[m].acts.push(act);
    }
}

/// How many insiders of each scenario.
fn scenario_counts(config: &Config) -> Vec<(Scenario, usize)> {
    let total =
        config.insiders.unwrap_or_else(|| ((config.users as f64 * 0.02).round() as usize).max(Scenario::ALL.len()));
    Scenario::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, total / Scenario::ALL.len() + usize::from(i < total % Scenario::ALL.len())))
        .collect()
}

fn insiders(plan: &mut Plan, config: &Config, taken: &mut HashSet<usize>) {
    let mut rng = Rng::keyed(plan.seed, &[key::INSIDERS]);
    let span = i64::from(plan.days);
    // Insiders act only after a baseline of ordinary behaviour.
    let baseline = (span / 6).max(7);
    for (scenario, count) in scenario_counts(config) {
        // Variants alternate between instances, so that a scenario with two
        // or more insiders shows each of its forms.
        for instance in 0..count {
            let variant = instance % 2 == 1;
            let mut candidates: Vec<usize> =
                (0..plan.members.len()).filter(|m| !taken.contains(m) && eligible(plan, *m, scenario)).collect();
            if candidates.is_empty() && scenario == Scenario::ContractorCustomerDb {
                // A small company may have no contractor on the CRM yet.
                candidates = (0..plan.members.len())
                    .filter(|m| !taken.contains(m) && plan.members[*m].contractor && !plan.people[*m].privileged)
                    .collect();
            }
            if candidates.is_empty() {
                continue;
            }
            let m = *rng.pick(&candidates);
            taken.insert(m);
            let window = Window { baseline, span, variant };
            let planted = match scenario {
                Scenario::DepartingEngineerUsb => Some(departing_engineer(plan, &mut rng, m, &window)),
                Scenario::ContractorCustomerDb => Some(contractor_customer_db(plan, &mut rng, m, &window)),
                Scenario::LeaverMailOut => Some(leaver_mail_out(plan, &mut rng, m, &window)),
                Scenario::ArchiveThenUpload => Some(archive_then_upload(plan, &mut rng, m, &window)),
                Scenario::NeedToKnowViolation => need_to_know_violation(plan, &mut rng, m, &window),
                Scenario::PostNoticeSecrets => Some(post_notice_secrets(plan, &mut rng, m, &window)),
                Scenario::ContractorBulkExport => Some(contractor_bulk_export(plan, &mut rng, m, &window)),
                Scenario::NightUsbThenUpload => Some(night_usb_then_upload(plan, &mut rng, m, &window)),
                Scenario::LeaverNewPcDownloads => Some(leaver_new_pc_downloads(plan, &mut rng, m, &window)),
            };
            let Some((last_working_day, summary)) = planted else { continue };
            if plan.members[m].acts.iter().any(|a| a.tag == Tag::Malicious) {
                plan.insiders.push(InsiderPlan { member: m, scenario, last_working_day, summary });
            }
        }
    }
}

/// When an insider may act.
struct Window {
    /// Days of ordinary behaviour before anything is planted.
    baseline: i64,
    /// Days in the period.
    span: i64,
    /// Odd-numbered instances of a scenario take its second form.
    variant: bool,
}

/// A planted insider: the last working day when they leave, and a summary.
type Planted = (Option<Date>, String);

/// A departing engineer: job boards, notice, then design files to USB.
fn departing_engineer(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let last = rng.range((w.baseline + 25).min(w.span - 3), w.span - 2);
    let gap = rng.range(25, 50);
    let (notice, last) = depart(plan, rng, m, last - gap, last);
    let last_working_day = Some(plan.date(last));
    job_search(plan, rng, m, notice - 60, notice + 5, Tag::Precursor);
    let (from, to) = if rng.chance(0.35) { (notice - 20, notice - 1) } else { (last - 25, last - 1) };
    let mut days = pick_days(plan, rng, m, from.max(w.baseline), to, (3, 6));
    if days.is_empty() {
        days = pick_days(plan, rng, m, w.baseline, last, (3, 3));
    }
    let secret = own_secret(plan, rng, m);
    let mut files = 0;
    let sessions: Vec<(bool, u16)> = days.iter().map(|_| (rng.chance(0.7), rng.range(15, 70) as u16)).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| {
        files += sessions[i].1;
        ActKind::UsbExfil { after_hours: sessions[i].0, files: sessions[i].1, secret }
    });
    let summary = format!(
        "visits job boards, gives notice, then copies about {files} design files{} to USB sticks on {} days, mostly after hours",
        secret_note(secret),
        days.len()
    );
    (last_working_day, summary)
}

/// A contractor on the CRM: customer records opened and exported, then to a phone or a transfer service.
fn contractor_customer_db(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let mut last_working_day = None;
    // The relaxed choice may need access granted first.
    if !plan.members[m].ntk.contains(&CUSTOMER_DB) {
        plan.members[m].ntk.push(CUSTOMER_DB);
        let user = plan.members[m].user.clone();
        plan.secrets[CUSTOMER_DB].need_to_know.push(user);
        plan.secrets[CUSTOMER_DB].need_to_know.sort();
    }
    let first = rng.range(w.baseline, (w.span - 20).max(w.baseline));
    let mut last = (first + rng.range(20, 45)).min(w.span - 1);
    if rng.chance(0.3) {
        // The agency contract ends soon after.
        let end = (last + rng.range(5, 20)).min(w.span - 2);
        let gap = rng.range(20, 35);
        let (_, end) = depart(plan, rng, m, end - gap, end);
        last_working_day = Some(plan.date(end));
        last = last.min(end);
    }
    let days = pick_days(plan, rng, m, first, last, (3, 7));
    let phone = !w.variant;
    let service = rng.index(TRANSFER_SERVICES.len()) as u8;
    let plans: Vec<(u16, u8, bool)> =
        days.iter().map(|_| (rng.range(15, 60) as u16, rng.range(1, 5) as u8, rng.chance(0.4))).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::CustomerDb {
        opens: plans[i].0,
        exports: plans[i].1,
        phone,
        service,
        after_hours: plans[i].2,
    });
    let summary = format!(
        "a contractor with CRM access opens and exports customer records on {} days and takes them out {}",
        days.len(),
        if phone {
            "by copying them to a smartphone".to_owned()
        } else {
            format!("through {}", TRANSFER_SERVICES[usize::from(service)].0)
        }
    );
    (last_working_day, summary)
}

/// A leaver: documents mailed to a personal address or a competitor.
fn leaver_mail_out(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let last = rng.range((w.baseline + 15).min(w.span - 3), w.span - 2);
    let gap = rng.range(25, 50);
    let (notice, last) = depart(plan, rng, m, last - gap, last);
    let last_working_day = Some(plan.date(last));
    job_search(plan, rng, m, notice - 50, notice, Tag::Precursor);
    let days = pick_days(plan, rng, m, (notice - 10).max(w.baseline), last - 1, (2, 5));
    let competitor = w.variant.then(|| rng.index(COMPETITORS.len()) as u8);
    let secret = if rng.chance(0.6) { own_secret(plan, rng, m) } else { None };
    let mails: Vec<u8> = days.iter().map(|_| rng.range(1, 2) as u8).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::MailOut { competitor, mails: mails[i], secret });
    let to = match competitor {
        Some(c) => format!("a competitor ({})", COMPETITORS[usize::from(c)]),
        None => format!("a personal address ({})", plan.members[m].personal_mail),
    };
    let summary =
        format!("before leaving, mails documents{} as attachments to {to} on {} days", secret_note(secret), days.len());
    (last_working_day, summary)
}

/// Files packed into an archive and uploaded to a personal cloud, before leaving or not.
fn archive_then_upload(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let mut last_working_day = None;
    let leaving = !w.variant;
    let (from, to) = if leaving {
        let last = rng.range((w.baseline + 15).min(w.span - 3), w.span - 2);
        let gap = rng.range(25, 50);
        let (notice, last) = depart(plan, rng, m, last - gap, last);
        last_working_day = Some(plan.date(last));
        (notice - 14, last - 1)
    } else {
        let first = rng.range(w.baseline, w.span - 5);
        (first, first + 30)
    };
    let days = pick_days(plan, rng, m, from.max(w.baseline), to, (1, 3));
    let cloud = rng.index(PERSONAL_CLOUDS.len()) as u8;
    let secret = if rng.chance(0.7) { own_secret(plan, rng, m) } else { None };
    let sizes: Vec<(u16, bool)> = days.iter().map(|_| (rng.range(40, 150) as u16, rng.chance(0.4))).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::ArchiveUpload {
        files: sizes[i].0,
        cloud,
        secret,
        after_hours: sizes[i].1,
    });
    let summary = format!(
        "opens many files{}, packs them into an archive and uploads it to {} ({} times){}",
        secret_note(secret),
        PERSONAL_CLOUDS[usize::from(cloud)].0,
        days.len(),
        if leaving { " before leaving" } else { "" }
    );
    (last_working_day, summary)
}

/// A secret opened outside need-to-know, more and more, sometimes printed or from a colleague's PC.
fn need_to_know_violation(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Option<Planted> {
    let secret = outside_secret_for(plan, rng, m)?;
    let first = rng.range(w.baseline, (w.span - 15).max(w.baseline));
    let last = (first + rng.range(25, 60)).min(w.span - 1);
    let days = pick_days(plan, rng, m, first, last, (5, 10));
    let prints = rng.chance(0.6);
    let other_pc = if rng.chance(0.3) { plan.members[m].peers.first().copied() } else { None };
    let n = days.len();
    let steps: Vec<u16> = (0..n).map(|i| (2 + i as i64 * rng.range(2, 5)).min(40) as u16).collect();
    let print_counts: Vec<u8> = (0..n).map(|i| if prints && i + 2 >= n { rng.range(3, 10) as u8 } else { 0 }).collect();
    let pc_days: Vec<bool> = (0..n).map(|_| other_pc.is_some() && rng.chance(0.5)).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::Snoop {
        secret: secret as u8,
        files: steps[i],
        prints: print_counts[i],
        other_pc: if pc_days[i] { other_pc } else { None },
    });
    let summary = format!(
        "opens {} ({}) without being on its need-to-know list, more often each time, on {n} days{}{}",
        plan.secrets[secret].id,
        SECRETS[secret].title,
        if prints { ", and prints some" } else { "" },
        if other_pc.is_some() { ", partly from a colleague's PC" } else { "" }
    );
    Some((None, summary))
}

/// After notice: secrets printed and downloaded.
fn post_notice_secrets(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let last = rng.range((w.baseline + 20).min(w.span - 3), w.span - 2);
    let notice = rng.range(w.baseline.min(last - 16), last - 15);
    let (notice, last) = depart(plan, rng, m, notice, last);
    let last_working_day = Some(plan.date(last));
    if rng.chance(0.5) {
        job_search(plan, rng, m, notice - 40, notice, Tag::Precursor);
    }
    let secret = own_secret(plan, rng, m).unwrap_or(0);
    let days = pick_days(plan, rng, m, notice + 1, last - 1, (3, 6));
    let plans: Vec<(u8, u8, bool)> =
        days.iter().map(|_| (rng.range(3, 15) as u8, rng.range(3, 15) as u8, rng.chance(0.3))).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::PostNotice {
        secret,
        prints: plans[i].0,
        downloads: plans[i].1,
        after_hours: plans[i].2,
    });
    let secret = usize::from(secret);
    let summary = format!(
        "after giving notice, prints and downloads {} ({}) on {} days before the last working day",
        plan.secrets[secret].id,
        SECRETS[secret].title,
        days.len()
    );
    (last_working_day, summary)
}

/// A contractor: a few exports of a gigabyte or so, sent through a transfer
/// service on two or three days; half of them leave when the contract ends.
fn contractor_bulk_export(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let first = rng.range(w.baseline, (w.span - 15).max(w.baseline));
    let mut last = (first + rng.range(10, 30)).min(w.span - 1);
    let mut last_working_day = None;
    if w.variant {
        let end = (last + rng.range(3, 12)).min(w.span - 2);
        let gap = rng.range(20, 35);
        let (_, end) = depart(plan, rng, m, end - gap, end);
        last_working_day = Some(plan.date(end));
        last = last.min(end);
    }
    let days = pick_days(plan, rng, m, first, last, (2, 3));
    let service = rng.below(TRANSFER_SERVICES.len() as u64) as u8;
    let exports: Vec<u8> = days.iter().map(|_| rng.range(1, 3) as u8).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::HugeExport { exports: exports[i], service });
    let summary = format!(
        "a contractor exports {} huge reports (about a gigabyte each) on {} days and sends them through {}",
        exports.iter().map(|e| u32::from(*e)).sum::<u32>(),
        days.len(),
        TRANSFER_SERVICES[usize::from(service)].0
    );
    (last_working_day, summary)
}

/// A day worker: at night, a few dozen files to a new USB stick, uploads soon
/// after.
fn night_usb_then_upload(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let first = rng.range(w.baseline, (w.span - 10).max(w.baseline));
    let days = pick_days(plan, rng, m, first, first + 20, (1, 2));
    let cloud = w.variant.then(|| rng.below(PERSONAL_CLOUDS.len() as u64) as u8);
    let plan_days: Vec<(u16, u8)> = days.iter().map(|_| (rng.range(20, 45) as u16, rng.range(2, 4) as u8)).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::NightUsbUpload {
        files: plan_days[i].0,
        uploads: plan_days[i].1,
        cloud,
    });
    let summary = format!(
        "at night copies {} files to a new USB stick on {} days and uploads them soon after to {}",
        plan_days.iter().map(|d| u32::from(d.0)).sum::<u32>(),
        days.len(),
        if cloud.is_some() { "personal cloud storage" } else { "an unclassified site" }
    );
    (None, summary)
}

/// A leaver: after notice, bursts of SharePoint downloads on a PC never used
/// before.
fn leaver_new_pc_downloads(plan: &mut Plan, rng: &mut Rng, m: usize, w: &Window) -> Planted {
    let last = rng.range((w.baseline + 25).min(w.span - 3), w.span - 2);
    let gap = rng.range(20, 40);
    let (notice, last) = depart(plan, rng, m, last - gap, last);
    let days = pick_days(plan, rng, m, (notice + 1).max(w.baseline), last - 1, (1, 3));
    let secret = own_secret(plan, rng, m);
    let counts: Vec<u16> = days.iter().map(|_| rng.range(40, 120) as u16).collect();
    push_acts(plan, m, &days, Tag::Malicious, |i| ActKind::NewPcDownloads { downloads: counts[i], secret });
    let summary = format!(
        "after notice downloads {} files{} from SharePoint on a PC never used before, on {} days",
        counts.iter().map(|c| u32::from(*c)).sum::<u32>(),
        secret_note(secret),
        days.len()
    );
    (Some(plan.date(last)), summary)
}

fn secret_note(secret: Option<u8>) -> String {
    match secret {
        Some(s) => format!(" (among them {} {})", format_args!("S-{:03}", s + 1), SECRETS[usize::from(s)].title),
        None => String::new(),
    }
}

/// A secret of the person's own department that they are entitled to.
fn own_secret(plan: &Plan, rng: &mut Rng, m: usize) -> Option<u8> {
    let member = &plan.members[m];
    let own: Vec<usize> = member.ntk.iter().copied().filter(|s| dept_index(SECRETS[*s].dept) == member.dept).collect();
    let pool = if own.is_empty() { &member.ntk } else { &own };
    (!pool.is_empty()).then(|| *rng.pick(pool) as u8)
}

/// A secret of the person's or a related department that they are not
/// entitled to.
fn outside_secret_for(plan: &Plan, rng: &mut Rng, m: usize) -> Option<usize> {
    let member = &plan.members[m];
    let name = DEPTS[member.dept].name;
    let options: Vec<usize> = (0..SECRETS.len())
        .filter(|s| !member.ntk.contains(s))
        .filter(|s| SECRETS[*s].dept == name || SECRETS[*s].related.contains(&name))
        .collect();
    (!options.is_empty()).then(|| *rng.pick(&options))
}

fn eligible(plan: &Plan, m: usize, scenario: Scenario) -> bool {
    let member = &plan.members[m];
    let person = &plan.people[m];
    if person.privileged || person.role == "部長" || person.role == "内部監査" {
        return false;
    }
    let dept = DEPTS[member.dept].name;
    match scenario {
        Scenario::DepartingEngineerUsb => {
            matches!(dept, "設計部" | "生産技術部" | "研究開発部" | "品質保証部")
                && !member.contractor
                && !member.ntk.is_empty()
        }
        Scenario::ContractorCustomerDb => member.contractor && member.ntk.contains(&CUSTOMER_DB),
        Scenario::LeaverMailOut => {
            matches!(dept, "営業部" | "設計部" | "購買部" | "研究開発部" | "品質保証部" | "生産技術部" | "経営企画部")
        }
        Scenario::ArchiveThenUpload => !member.ntk.is_empty(),
        Scenario::NeedToKnowViolation => {
            let name = dept;
            SECRETS
                .iter()
                .enumerate()
                .any(|(s, spec)| !member.ntk.contains(&s) && (spec.dept == name || spec.related.contains(&name)))
        }
        Scenario::PostNoticeSecrets => !member.contractor && !member.ntk.is_empty(),
        Scenario::ContractorBulkExport => member.contractor,
        Scenario::NightUsbThenUpload => !member.contractor && !member.habits.admin,
        Scenario::LeaverNewPcDownloads => !member.contractor && !member.ntk.is_empty(),
    }
}

fn job_search(plan: &mut Plan, rng: &mut Rng, m: usize, from: i64, to: i64, tag: Tag) {
    let days = pick_days(plan, rng, m, from, to, (4, 12));
    push_acts(plan, m, &days, tag, |_| ActKind::JobSearch);
}

/// Benign departures: about 10 % a year, including people who gave notice in
/// the period and leave after it.
fn leavers(plan: &mut Plan, taken: &mut HashSet<usize>) {
    let mut rng = Rng::keyed(plan.seed, &[key::HR]);
    let span = i64::from(plan.days);
    let target = (plan.members.len() as f64 * 0.10 * (span + 40) as f64 / 365.0).round() as usize;
    let count = target.saturating_sub(plan.hr.len());
    let candidates: Vec<usize> = (0..plan.members.len())
        .filter(|m| !taken.contains(m) && !plan.people[*m].privileged && plan.people[*m].role != "部長")
        .collect();
    for m in rng.sample(&candidates, count) {
        taken.insert(m);
        let notice = rng.range(-40, span - 1);
        let last = (notice + rng.range(20, 60)).max(3);
        let (notice, last) = depart(plan, &mut rng, m, notice, last);
        if rng.chance(0.5) {
            job_search(plan, &mut rng, m, notice - 60, notice, Tag::Benign);
        }
        let handover = pick_days(plan, &mut rng, m, last - 15, last - 2, (2, 4));
        push_acts(plan, m, &handover, Tag::Benign, |_| ActKind::Handover);
        let cleanup = pick_days(plan, &mut rng, m, last - 5, last - 1, (1, 1));
        let personal_usb = rng.chance(0.3);
        push_acts(plan, m, &cleanup, Tag::Benign, |_| ActKind::Cleanup { personal_usb });
        let docs = pick_days(plan, &mut rng, m, last - 10, last - 1, (1, 1));
        push_acts(plan, m, &docs, Tag::Benign, |_| ActKind::HrDocs);
        if last < span {
            let personal_mail = rng.chance(0.4);
            let personal_docs = rng.chance(0.1);
            plan.members[m].acts.push(Act {
                day: last as u16,
                kind: ActKind::Farewell { personal_mail, personal_docs },
                tag: Tag::Benign,
            });
        }
        plan.noisy.push(NoisyUser { user: plan.members[m].user.clone(), kind: Noise::BenignLeaver });
    }
}

/// Benign people whose habits resemble insiders' signals.
fn noise(plan: &mut Plan) {
    let mut rng = Rng::keyed(plan.seed, &[key::NOISE]);
    let span = i64::from(plan.days);
    let insiders: HashSet<usize> = plan.insiders.iter().map(|i| i.member).collect();
    for m in 0..plan.members.len() {
        let mut kinds = Vec::new();
        let outside = outside_secret_for(plan, &mut rng, m);
        let person = &plan.people[m];
        let member = &plan.members[m];
        let spec = &DEPTS[member.dept];
        let dispatched = person.employment == Employment::Dispatched;
        let insider = insiders.contains(&m);
        if person.privileged {
            kinds.push(Noise::ItAdmin);
            kinds.push(Noise::WeekendWorker);
        }
        if person.role == "内部監査" {
            kinds.push(Noise::Auditor);
        }
        if !insider {
            if rng.chance(spec.usb_share) {
                kinds.push(Noise::UsbRegular);
            }
            if !dispatched && rng.chance(0.03) {
                kinds.push(Noise::NightOwl);
            }
            if !dispatched && !person.privileged && rng.chance(0.04) {
                kinds.push(Noise::WeekendWorker);
            }
            if matches!(spec.name, "営業部" | "設計部" | "生産技術部") && rng.chance(0.05) {
                kinds.push(Noise::TransferServiceUser);
            }
            if rng.chance(0.02) {
                kinds.push(Noise::PersonalCloudUser);
            }
            if matches!(spec.name, "営業部" | "設計部" | "経営企画部" | "品質保証部") && rng.chance(0.03)
            {
                kinds.push(Noise::CompetitorContact);
            }
            if rng.chance(0.02) {
                kinds.push(Noise::HeavyPrinter);
            }
            if rng.chance(0.05) {
                kinds.push(Noise::PhoneCharger);
            }
            if member.last_day.is_none() && rng.chance(0.03) {
                kinds.push(Noise::JobBrowser);
            }
            if outside.is_some() && rng.chance(0.08) {
                kinds.push(Noise::OccasionalSecretAccess);
            }
            if spec.name == "営業部" && rng.chance(0.04) {
                kinds.push(Noise::PartnerTransfer);
            }
            if person.privileged && rng.chance(0.5) {
                kinds.push(Noise::UsbAdmin);
            }
        }
        for kind in kinds {
            let member = &mut plan.members[m];
            let h = &mut member.habits;
            match kind {
                Noise::UsbRegular => h.usb = rng.uniform(0.2, 0.5),
                Noise::NightOwl => {
                    h.start = rng.normal(11.0 * 60.0, 30.0);
                    h.end = rng.uniform(21.5 * 60.0, 23.3 * 60.0);
                    h.wednesday_early = false;
                }
                Noise::WeekendWorker => h.weekend = if h.admin { 0.12 } else { rng.uniform(0.2, 0.35) },
                Noise::TransferServiceUser => h.transfer = rng.uniform(0.05, 0.12),
                Noise::CompetitorContact => {
                    // Industry committees and joint standards work (業界団体).
                    let family = FAMILY[rng.skewed(FAMILY.len(), 1.5)].1;
                    let address =
                        format!("{}.{family}@{}", (b'a' + rng.below(26) as u8) as char, rng.pick(COMPETITORS));
                    member.partners.push(address);
                }
                Noise::PersonalCloudUser => h.personal_cloud = rng.uniform(0.02, 0.05),
                Noise::HeavyPrinter => h.prints *= 3.0,
                Noise::PhoneCharger => h.phone = rng.uniform(0.5, 0.9),
                Noise::JobBrowser => h.job_boards = rng.uniform(0.03, 0.06),
                Noise::OccasionalSecretAccess => {
                    h.outside_ntk = 0.03;
                    member.outside_secret = outside;
                }
                Noise::Auditor => {
                    let periods = if span > 60 { 2 } else { 1 };
                    for p in 0..periods {
                        let from = span * p / periods;
                        let first = rng.range(from, from + span / periods - 7);
                        let days = pick_days(plan, &mut rng, m, first, first + 10, (3, 5));
                        let depts = [rng.index(DEPTS.len()) as u8, rng.index(DEPTS.len()) as u8];
                        push_acts(plan, m, &days, Tag::Benign, |_| ActKind::AuditSweep { depts });
                    }
                }
                Noise::PartnerTransfer => {
                    // Every week, to the same partner.
                    let service = rng.chance(0.5).then(|| rng.below(TRANSFER_SERVICES.len() as u64) as u8);
                    let mut days = Vec::new();
                    for week in 0..span / 7 {
                        days.extend(pick_days(plan, &mut rng, m, week * 7, week * 7 + 6, (1, 1)));
                    }
                    push_acts(plan, m, &days, Tag::Benign, |_| ActKind::PartnerTransfer { service });
                }
                Noise::UsbAdmin => {
                    let days = pick_days(plan, &mut rng, m, 0, span - 1, (span / 5, span / 3));
                    let uploads: Vec<bool> = days.iter().map(|_| rng.chance(0.3)).collect();
                    push_acts(plan, m, &days, Tag::Benign, |i| ActKind::AdminUsb { upload: uploads[i] });
                }
                Noise::ItAdmin | Noise::BenignLeaver => {}
            }
            plan.noisy.push(NoisyUser { user: plan.members[m].user.clone(), kind });
        }
    }
}

/// The phone model a person plugs in.
pub(crate) fn phone_of(m: usize) -> &'static str {
    PHONES[m % PHONES.len()]
}
