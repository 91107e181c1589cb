//! A synthetic Japanese organisation's activity logs, with injected insider
//! theft and its ground truth, for maruhi's insider-risk quality harness, its
//! benchmarks and the product demo.
//!
//! [`generate`] plans an organisation from a [`Config`]: 株式会社マルヒ精機, a
//! maker of precision machinery with a dozen departments, people with Japanese
//! names, contractors (派遣/委託) and administrators, registered secrets with
//! need-to-know lists, HR departures, insiders following nine scenarios
//! ([`Scenario`]) and benign people whose habits look suspicious ([`Noise`]).
//! The returned [`Org`] holds that description; its events, in the canonical
//! schema of `maruhi-events`, are generated a day at a time
//! ([`Org::generate_day`], [`Org::days`]), so six months of a thousand people
//! never need to be in memory at once. The same seed always gives the same
//! organisation, the same events and the same event ids.
//!
//! The model follows the spirit of the CMU CERT insider-threat test datasets
//! (r4.2, r6.2): people keep persistent individual habits (hours, volume, web
//! use) close to their department's; fewer people work on weekends and
//! holidays; logons precede other activity and screen unlocks count as
//! logons; a few logoffs are missing; job-board browsing, USB use and
//! after-hours work occur in the background too, so that no single signal
//! gives an insider away. The setting is Japanese: national holidays, お盆 and
//! 年末年始, ノー残業デー, 有給消化 after the last working day, payday on the 25th,
//! Japanese paths and web sites.
//!
//! ```
//! use maruhi_synth::{generate, Config};
//!
//! let config = Config { users: 30, months: 1, ..Config::default() };
//! let org = generate(&config).unwrap();
//! let first = org.generate_day(config.start);
//! assert!(!first.is_empty());
//! assert!(first.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
//! ```
//!
//! # Events
//!
//! `event.id` is `syn-<seed>-<YYYYMMDD>-<person>-<n>`: the n-th event of a
//! person's day, so ids are stable for a seed and say nothing about the truth.
//! `event.dataset` is `synth.logon`, `synth.file`, `synth.device`,
//! `synth.http`, `synth.email` or `synth.print`. A `file-copy` to removable
//! media names the source in `file.path` and the medium in `device.*` (as
//! endpoint DLP reports it); a `file-download` has the document's URL as
//! `file.path` (as the Microsoft 365 audit log does for SharePoint); a `print`
//! names the printer in `device.name` with `device.type` `printer`. Screen
//! unlocks are logons; about 3 % of logoffs are missing.
//!
//! # Data set files
//!
//! The writers produce what the `synth_org` example puts in a folder:
//! `events.jsonl` ([`write_jsonl`], canonical JSON Lines, in time order),
//! `people.csv` ([`Org::write_people_csv`]), `hr.csv`
//! (`user,notice_date,last_working_day,end_date`, [`Org::write_hr_csv`]),
//! `secrets.json` ([`Org::write_secrets_json`]) and `truth.json`
//! (`{"insiders": [...], "noisy": [...]}`, [`Org::write_truth_json`]; both
//! parts deserialise into [`Insider`] and [`NoisyUser`]).
//!
//! The crate is pure: no clock, no I/O except into the writers it is given.

#![forbid(unsafe_code)]

pub mod calendar;
mod catalog;
mod day;
mod files;
mod model;
mod names;
mod output;
mod plan;
mod rng;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use maruhi_events::Event;
use time::{Date, Duration};

pub use model::{Config, ConfigError, Employment, HrRecord, Insider, Noise, NoisyUser, Person, Scenario, Secret};
pub use output::write_jsonl;

use plan::{Plan, Tag};

/// A generated organisation: who is who, the HR records, the register of
/// secrets and the ground truth. Events come from [`Org::generate_day`] and
/// [`Org::days`].
pub struct Org {
    /// The configuration it was generated from.
    pub config: Config,
    /// Everyone, by department.
    pub people: Vec<Person>,
    /// Departures known to HR by the end of the period (notice given in or
    /// before it), by last working day.
    pub hr: Vec<HrRecord>,
    /// The registered secrets.
    pub secrets: Vec<Secret>,
    /// Mail domains of competitors (where some insiders send documents).
    pub competitor_domains: Vec<String>,
    /// The company's own mail domains (the company and a group company).
    pub company_domains: Vec<String>,
    /// The company's sanctioned cloud services (its Box and SharePoint
    /// tenants): uploads there stay inside the company.
    pub sanctioned_domains: Vec<String>,
    /// The injected insiders, by first malicious event.
    pub truth: Vec<Insider>,
    /// Benign people with suspicious-looking habits (one entry per habit).
    pub noisy: Vec<NoisyUser>,
    plan: Plan,
}

impl std::fmt::Debug for Org {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Org")
            .field("config", &self.config)
            .field("people", &self.people.len())
            .field("hr", &self.hr.len())
            .field("secrets", &self.secrets.len())
            .field("truth", &self.truth.len())
            .finish_non_exhaustive()
    }
}

/// Plans the organisation described by `config`. Cheap (well under a second
/// for a thousand people): events are generated later, day by day.
pub fn generate(config: &Config) -> Result<Org, ConfigError> {
    if config.users < Config::MIN_USERS {
        return Err(ConfigError::TooFewUsers { users: config.users });
    }
    if config.months == 0 {
        return Err(ConfigError::NoMonths);
    }
    let end = plan::add_months(config.start, config.months);
    match end {
        Some(end) if calendar::is_known(config.start) && end <= calendar::LAST + Duration::days(1) => {
            let plan = plan::build(config, end);
            Ok(Org::new(config.clone(), plan))
        }
        _ => Err(ConfigError::OutsideCalendar { start: config.start, end }),
    }
}

impl Org {
    fn new(config: Config, mut plan: Plan) -> Org {
        let truth = truth(&plan);
        Org {
            config,
            people: std::mem::take(&mut plan.people),
            hr: std::mem::take(&mut plan.hr),
            secrets: std::mem::take(&mut plan.secrets),
            competitor_domains: catalog::COMPETITORS.iter().map(|d| (*d).to_owned()).collect(),
            company_domains: vec![catalog::COMPANY_DOMAIN.to_owned(), catalog::GROUP_DOMAIN.to_owned()],
            sanctioned_domains: catalog::CORPORATE_CLOUDS
                .iter()
                .map(|(d, _)| (*d).to_owned())
                .chain(std::iter::once("maruhi.sharepoint.com".to_owned()))
                .collect(),
            truth,
            noisy: std::mem::take(&mut plan.noisy),
            plan,
        }
    }

    /// The first day of the logs.
    pub fn start(&self) -> Date {
        self.plan.start
    }

    /// The first day after the logs.
    pub fn end(&self) -> Date {
        self.plan.date(i64::from(self.plan.days))
    }

    /// Every day of the period, weekends and holidays included.
    pub fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        (0..self.plan.days).map(|d| self.plan.date(i64::from(d)))
    }

    /// Everyone's events on `date`, in time order (empty outside the
    /// period). Deterministic: the same day always gives the same events.
    pub fn generate_day(&self, date: Date) -> Vec<Event> {
        let offset = self.plan.offset_of(date);
        let Ok(day) = u16::try_from(offset) else { return Vec::new() };
        if day >= self.plan.days {
            return Vec::new();
        }
        let people: Vec<Vec<day::Draft>> =
            (0..self.plan.members.len()).map(|m| day::member_day(&self.plan, m, day)).collect();
        merge(people)
    }

    /// One person's events on `date`, in time order (empty for an unknown
    /// account or a day outside the period): the same events, with the same
    /// ids, as in [`Org::generate_day`].
    pub fn generate_user_day(&self, user: &str, date: Date) -> Vec<Event> {
        let Some(m) = self.plan.members.iter().position(|m| m.user == user) else { return Vec::new() };
        match u16::try_from(self.plan.offset_of(date)) {
            Ok(day) if day < self.plan.days => {
                day::member_day(&self.plan, m, day).into_iter().map(|d| d.event).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The days of the period in order, each with everyone's events in time
    /// order: the whole stream, one day in memory at a time.
    pub fn days(&self) -> Days<'_> {
        Days { org: self, next: 0 }
    }
}

/// Merges people's days (each in time order) into one stream in time order;
/// ties go to the person listed first. A k-way merge moves each (large)
/// event once, where sorting would move it many times.
fn merge(people: Vec<Vec<day::Draft>>) -> Vec<Event> {
    let total = people.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut streams: Vec<std::iter::Peekable<std::vec::IntoIter<day::Draft>>> =
        people.into_iter().map(|p| p.into_iter().peekable()).collect();
    let mut heap: BinaryHeap<Reverse<(u32, usize)>> =
        streams.iter_mut().enumerate().filter_map(|(i, s)| s.peek().map(|d| Reverse((d.sec, i)))).collect();
    while let Some(Reverse((_, i))) = heap.pop() {
        let stream = &mut streams[i];
        if let Some(draft) = stream.next() {
            out.push(draft.event);
        }
        if let Some(next) = stream.peek() {
            heap.push(Reverse((next.sec, i)));
        }
    }
    out
}

/// The iterator of [`Org::days`].
#[derive(Debug)]
pub struct Days<'a> {
    org: &'a Org,
    next: u16,
}

impl Iterator for Days<'_> {
    type Item = (Date, Vec<Event>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.org.plan.days {
            return None;
        }
        let date = self.org.plan.date(i64::from(self.next));
        self.next += 1;
        Some((date, self.org.generate_day(date)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::from(self.org.plan.days.saturating_sub(self.next));
        (left, Some(left))
    }
}

impl ExactSizeIterator for Days<'_> {}

/// The ground truth, read off the very events the days will contain.
fn truth(plan: &Plan) -> Vec<Insider> {
    let mut truth = Vec::new();
    for insider in &plan.insiders {
        let m = insider.member;
        let member = &plan.members[m];
        let days: BTreeSet<u16> = member.acts.iter().map(|a| a.day).filter(|d| *d < plan.days).collect();
        let mut events = Vec::new();
        let mut precursors = Vec::new();
        let mut secrets = BTreeSet::new();
        for day in days {
            for draft in day::member_day(plan, m, day) {
                match draft.tag {
                    Tag::Malicious => {
                        if let Some(path) = draft.event.file.as_ref().and_then(|f| f.path.as_deref()) {
                            for (s, prefixes) in plan.files.secret_prefixes.iter().enumerate() {
                                if prefixes.iter().any(|p| path.starts_with(p.as_str())) {
                                    secrets.insert(s);
                                }
                            }
                        }
                        events.push(draft.event);
                    }
                    Tag::Precursor => precursors.push(draft.event.event.id),
                    Tag::Benign => {}
                }
            }
        }
        let (Some(first), Some(last)) = (events.first(), events.last()) else { continue };
        truth.push(Insider {
            user: member.user.clone(),
            scenario: insider.scenario,
            first_malicious_time: first.timestamp,
            last_malicious_time: last.timestamp,
            last_working_day: insider.last_working_day,
            secrets: secrets.into_iter().map(|s| format!("S-{:03}", s + 1)).collect(),
            event_ids: events.iter().map(|e| e.event.id.clone()).collect(),
            precursor_event_ids: precursors,
            summary: insider.summary.clone(),
        });
    }
    truth.sort_by(|a, b| a.first_malicious_time.cmp(&b.first_malicious_time).then_with(|| a.user.cmp(&b.user)));
    truth
}
