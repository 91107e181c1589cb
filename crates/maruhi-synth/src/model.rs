//! The public description of a generated organisation: configuration, people,
//! HR records, registered secrets and the ground truth.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::calendar;

/// What to generate. `Config::default()` is 1000 users over six months from
/// 2026-04-01 in Japan time, seed 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The seed: the same configuration always yields the same organisation
    /// and the same events.
    pub seed: u64,
    /// Number of people (at least [`Config::MIN_USERS`]).
    pub users: usize,
    /// First day of the activity logs.
    pub start: Date,
    /// Length of the logs in calendar months (`start` + `months` is the first
    /// day not generated).
    pub months: u32,
    /// The UTC offset of every timestamp (and of the working day).
    pub offset: UtcOffset,
    /// Number of injected insiders, spread evenly over the scenarios; `None`
    /// scales with the head count (about 2 %, at least one per scenario). A
    /// scenario is skipped where the organisation has no one who fits it (a
    /// very small company may have no contractor with access to the customer
    /// database).
    pub insiders: Option<usize>,
}

impl Config {
    /// The smallest organisation: one with every department staffed.
    pub const MIN_USERS: usize = 20;
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            users: 1000,
            start: date!(2026 - 04 - 01),
            months: 6,
            offset: UtcOffset::from_whole_seconds(9 * 3600).unwrap_or(UtcOffset::UTC),
            insiders: None,
        }
    }
}

/// A configuration [`crate::generate`] cannot honour.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Fewer people than [`Config::MIN_USERS`].
    TooFewUsers {
        /// The requested head count.
        users: usize,
    },
    /// Zero months.
    NoMonths,
    /// The period leaves the years whose holidays are known
    /// ([`calendar::FIRST`] to [`calendar::LAST`]).
    OutsideCalendar {
        /// First day requested.
        start: Date,
        /// First day after the period.
        end: Option<Date>,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::TooFewUsers { users } => {
                write!(f, "{users} users is too few: at least {} are needed", Config::MIN_USERS)
            }
            ConfigError::NoMonths => f.write_str("the period must be at least one month"),
            ConfigError::OutsideCalendar { start, end } => match end {
                Some(end) => write!(
                    f,
                    "the period {start} to {end} leaves the known calendar ({} to {})",
                    calendar::FIRST,
                    calendar::LAST
                ),
                None => write!(f, "the period from {start} is too long"),
            },
        }
    }
}

impl std::error::Error for ConfigError {}

/// Terms of employment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Employment {
    /// 正社員: a regular employee.
    Regular,
    /// 派遣社員: a temporary worker sent by a staffing agency.
    Dispatched,
    /// 業務委託: a contractor working under a service contract.
    Outsourced,
}

impl Employment {
    /// The name used in `people.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Employment::Regular => "regular",
            Employment::Dispatched => "dispatched",
            Employment::Outsourced => "outsourced",
        }
    }

    /// The Japanese term.
    pub fn japanese(self) -> &'static str {
        match self {
            Employment::Regular => "正社員",
            Employment::Dispatched => "派遣",
            Employment::Outsourced => "業務委託",
        }
    }
}

/// One person, as a directory (LDAP/AD) export would list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Account name: `yamada.taro`; contractors have the prefix `ext-`.
    pub user: String,
    /// Name in kanji, family name first: `山田 太郎`.
    pub display_name: String,
    /// Name in romaji, given name first: `Taro Yamada`.
    pub romaji: String,
    /// Department (`設計部` …).
    pub department: String,
    /// Title (`課長`, `設計担当`, `CADオペレーター(派遣)` …).
    pub role: String,
    /// Terms of employment.
    pub employment: Employment,
    /// True for 派遣 and 委託 staff (the watchlist flag).
    pub contractor: bool,
    /// True for administrators with rights over servers and file shares.
    pub privileged: bool,
    /// Company mail address.
    pub email: String,
    /// The person's own PC (`PC-0123`).
    pub host: String,
}

/// A departure as the HR system records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HrRecord {
    /// Account name.
    pub user: String,
    /// The day notice was given (退職届).
    #[serde(with = "ymd")]
    pub notice_date: Date,
    /// The last day at work (最終出社日).
    #[serde(with = "ymd")]
    pub last_working_day: Date,
    /// The day employment ends (退職日); often weeks after the last working
    /// day while remaining paid leave is taken (有給消化).
    #[serde(with = "ymd")]
    pub end_date: Date,
}

/// A registered trade secret (営業秘密) and who needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    /// Register id: `S-001`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Owning department.
    pub department: String,
    /// Where its files live: file-server folders (`\\fs01\設計部\MX-7\`) and
    /// the SharePoint library that mirrors them; a file belongs to the secret
    /// when its path starts with one of these.
    pub path_prefixes: Vec<String>,
    /// Accounts entitled to it.
    pub need_to_know: Vec<String>,
}

/// An injected insider-theft scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Scenario {
    /// A departing engineer browses job boards, then copies many design files
    /// (registered secrets among them) to removable media, more than ever
    /// before and often after hours (CERT scenario 2).
    DepartingEngineerUsb,
    /// A contractor with access to the customer database pulls many customer
    /// records and takes them out through a large-file transfer service or a
    /// smartphone (the 2014 Benesse case).
    ContractorCustomerDb,
    /// A leaver mails documents as attachments to a personal address or to a
    /// competitor.
    LeaverMailOut,
    /// Many files opened, packed into an archive, and the archive uploaded to
    /// personal cloud storage soon after (CERT scenario 5, dropbox).
    ArchiveThenUpload,
    /// Registered secrets opened by someone not on their need-to-know list,
    /// more and more often, sometimes printed, sometimes from a colleague's PC
    /// (CERT scenario 4).
    NeedToKnowViolation,
    /// Between notice and the last working day, secrets are printed and
    /// downloaded from SharePoint.
    PostNoticeSecrets,
    /// A contractor pulls a few huge exports (each of a gigabyte or so) from
    /// the business applications and sends them through a large-file
    /// transfer service: few files, many bytes.
    ContractorBulkExport,
    /// At night, a day worker copies a few dozen files to a USB stick never
    /// used before and soon uploads from it to an unclassified or personal
    /// destination.
    NightUsbThenUpload,
    /// After notice, a leaver downloads a burst of files from the company's
    /// SharePoint on a PC never used before (a private one).
    LeaverNewPcDownloads,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Scenario; 9] = [
        Scenario::DepartingEngineerUsb,
        Scenario::ContractorCustomerDb,
        Scenario::LeaverMailOut,
        Scenario::ArchiveThenUpload,
        Scenario::NeedToKnowViolation,
        Scenario::PostNoticeSecrets,
        Scenario::ContractorBulkExport,
        Scenario::NightUsbThenUpload,
        Scenario::LeaverNewPcDownloads,
    ];

    /// The name used in `truth.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::DepartingEngineerUsb => "departing-engineer-usb",
            Scenario::ContractorCustomerDb => "contractor-customer-db",
            Scenario::LeaverMailOut => "leaver-mail-out",
            Scenario::ArchiveThenUpload => "archive-then-upload",
            Scenario::NeedToKnowViolation => "need-to-know-violation",
            Scenario::PostNoticeSecrets => "post-notice-secrets",
            Scenario::ContractorBulkExport => "contractor-bulk-export",
            Scenario::NightUsbThenUpload => "night-usb-then-upload",
            Scenario::LeaverNewPcDownloads => "leaver-new-pc-downloads",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ground truth for one injected insider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insider {
    /// Account name.
    pub user: String,
    /// What they do.
    pub scenario: Scenario,
    /// The first malicious event.
    #[serde(with = "rfc3339")]
    pub first_malicious_time: OffsetDateTime,
    /// The last malicious event.
    #[serde(with = "rfc3339")]
    pub last_malicious_time: OffsetDateTime,
    /// Last working day, for insiders who leave.
    #[serde(with = "ymd_opt", default)]
    pub last_working_day: Option<Date>,
    /// Registered secrets (ids) whose files the malicious events touch.
    pub secrets: Vec<String>,
    /// The events that are the theft itself (opening what is taken, packing,
    /// copying, uploading, mailing, printing), in time order.
    pub event_ids: Vec<String>,
    /// Warning signs that are not theft themselves (job-board visits), in time
    /// order.
    pub precursor_event_ids: Vec<String>,
    /// One sentence in English on what happened.
    pub summary: String,
}

/// Benign behaviour planted to test false positives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Noise {
    /// Leaves the company without taking anything: job-board visits, handover
    /// documents, clean-up, a farewell mail (sometimes to a personal address),
    /// downloads of their own payslips, sometimes personal files to USB.
    BenignLeaver,
    /// Copies work files to removable media as part of the job (NC programs to
    /// the shop floor, measurement data, trade-show material).
    UsbRegular,
    /// Works late into the evening as a habit.
    NightOwl,
    /// Often works on weekends and holidays.
    WeekendWorker,
    /// An administrator who logs on to servers and opens files everywhere,
    /// registered secrets included.
    ItAdmin,
    /// An internal auditor who reads across departments for a few weeks.
    Auditor,
    /// Sends large drawings to suppliers through a transfer service.
    TransferServiceUser,
    /// Uploads an ordinary document to personal cloud storage now and then
    /// (to read it at home: against the rules, but not theft).
    PersonalCloudUser,
    /// Mails a contact at a competitor now and then (industry committees,
    /// joint standards work).
    CompetitorContact,
    /// Prints a lot.
    HeavyPrinter,
    /// Plugs in a smartphone most days, to charge it; now and then copies a
    /// catalogue or drawing onto it for a customer visit.
    PhoneCharger,
    /// Browses job boards now and then but stays.
    JobBrowser,
    /// Opens a registered secret outside the need-to-know list now and then
    /// (a shared link, a meeting), a few files at a time.
    OccasionalSecretAccess,
    /// A sales engineer who zips and uploads big files (hundreds of
    /// megabytes) to a partner's file-transfer service every week: the
    /// look-alike of a contractor's bulk exports.
    PartnerTransfer,
    /// An administrator who copies installers and logs to their USB stick
    /// routinely, and now and then uploads logs to a vendor's support portal
    /// soon after: the look-alike of a copy to USB followed by uploads.
    UsbAdmin,
}

impl Noise {
    /// The name used in `truth.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Noise::BenignLeaver => "benign-leaver",
            Noise::UsbRegular => "usb-regular",
            Noise::NightOwl => "night-owl",
            Noise::WeekendWorker => "weekend-worker",
            Noise::ItAdmin => "it-admin",
            Noise::Auditor => "auditor",
            Noise::TransferServiceUser => "transfer-service-user",
            Noise::PersonalCloudUser => "personal-cloud-user",
            Noise::CompetitorContact => "competitor-contact",
            Noise::HeavyPrinter => "heavy-printer",
            Noise::PhoneCharger => "phone-charger",
            Noise::JobBrowser => "job-browser",
            Noise::OccasionalSecretAccess => "occasional-secret-access",
            Noise::PartnerTransfer => "partner-transfer",
            Noise::UsbAdmin => "usb-admin",
        }
    }
}

/// A benign person whose behaviour may look suspicious.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoisyUser {
    /// Account name.
    pub user: String,
    /// What they do.
    pub kind: Noise,
}

/// `YYYY-MM-DD`.
pub(crate) mod ymd {
    use serde::{de, Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Iso8601;
    use time::Date;

    pub(crate) fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, &Iso8601::DATE).map_err(|_| de::Error::custom("not a YYYY-MM-DD date"))
    }
}

/// `YYYY-MM-DD` or null.
pub(crate) mod ymd_opt {
    use serde::{de, Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Iso8601;
    use time::Date;

    pub(crate) fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => {
                Date::parse(&text, &Iso8601::DATE).map(Some).map_err(|_| de::Error::custom("not a YYYY-MM-DD date"))
            }
            None => Ok(None),
        }
    }
}

/// RFC 3339 with offset, as in the events.
pub(crate) mod rfc3339 {
    use serde::{de, ser, Deserialize, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    pub(crate) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format(&Rfc3339).map_err(ser::Error::custom)?)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| de::Error::custom("not an RFC 3339 date-time"))
    }
}
