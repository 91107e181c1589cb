//! The fields rules see: every ECS field of the event, plus `maruhi.*` fields
//! from the installation's [`Context`] and the person's baselines. Rules name
//! them like any other field; `rules/README.md` lists them for rule authors.
//!
//! | field | values |
//! |---|---|
//! | `maruhi.user.watchlist` | `departing` (from the notice date to the end date), `contractors`, `privileged` |
//! | `maruhi.user.after_notice` | `true` from the day notice was given |
//! | `maruhi.user.department` | the person's department |
//! | `maruhi.file.secret` | ids of registered secrets whose material `file.path` is |
//! | `maruhi.file.secret_title` | their titles |
//! | `maruhi.file.need_to_know` | per secret, whether the user is on its access list |
//! | `maruhi.file.archive` | `true` for archive files (zip, 7z, rar, lzh, tar, gz, cab) |
//! | `maruhi.destination.category` | category of `destination.domain` |
//! | `maruhi.email.recipient_category` | per recipient: a category, or `external` for any other domain outside the company |
//! | `maruhi.email.attachment_count` | number of attachments |
//! | `maruhi.time.off_hours` | `true` outside the hours this person usually works |
//! | `maruhi.first_seen.device` | `true` the first time this person uses this removable device |
//! | `maruhi.first_seen.destination` | `true` the first time this person sends to this domain |

use std::borrow::Cow;

use maruhi_events::Event;
use time::Date;

use crate::baseline::{mail_domain, Facts};
use crate::context::Context;
use crate::sigma::{Fields, Value};

/// The fields this module adds to the event's own.
pub const MARUHI_FIELDS: &[&str] = &[
    "maruhi.user.watchlist",
    "maruhi.user.after_notice",
    "maruhi.user.department",
    "maruhi.file.secret",
    "maruhi.file.secret_title",
    "maruhi.file.need_to_know",
    "maruhi.file.archive",
    "maruhi.destination.category",
    "maruhi.email.recipient_category",
    "maruhi.email.attachment_count",
    "maruhi.time.off_hours",
    "maruhi.first_seen.device",
    "maruhi.first_seen.destination",
];

/// File name endings of archives: what "archive then exfiltrate" looks for.
const ARCHIVES: [&str; 8] = [".zip", ".7z", ".rar", ".lzh", ".tar", ".gz", ".tgz", ".cab"];

/// An event as rules see it.
pub struct Enriched<'a> {
    /// The event.
    pub event: &'a Event,
    /// The acting account, lower case.
    pub user: Option<&'a str>,
    /// The local date of the event.
    pub day: Date,
    /// The installation's knowledge.
    pub ctx: &'a Context,
    /// History-dependent facts.
    pub facts: Facts,
}

impl Fields for Enriched<'_> {
    fn values<'a>(&'a self, field: &str, out: &mut Vec<Value<'a>>) {
        let Some(name) = field.strip_prefix("maruhi.") else {
            return self.event.values(field, out);
        };
        let person = self.user.and_then(|u| self.ctx.person(u));
        match name {
            "user.watchlist" => {
                if let Some(p) = person {
                    out.extend(p.watchlists_on(self.day).into_iter().map(|w| Value::Str(Cow::Borrowed(w.name()))));
                }
            }
            "user.after_notice" => {
                out.push(Value::Bool(person.and_then(|p| p.departure).is_some_and(|d| d.known_on(self.day))))
            }
            "user.department" => {
                if let Some(d) = person.and_then(|p| p.department.as_deref()) {
                    out.push(Value::Str(Cow::Borrowed(d)));
                }
            }
            "file.secret" | "file.secret_title" | "file.need_to_know" => {
                let Some(path) = self.event.file.as_ref().and_then(|f| f.path.as_deref()) else {
                    return;
                };
                for (secret, known) in self.ctx.secrets_at(path, self.user) {
                    out.push(match name {
                        "file.secret" => Value::Str(Cow::Borrowed(secret.secret_id.as_str())),
                        "file.secret_title" => Value::Str(Cow::Borrowed(secret.title.as_str())),
                        _ => Value::Bool(known),
                    });
                }
            }
            "file.archive" => {
                let file = self.event.file.as_ref();
                let name = file.and_then(|f| f.name.as_deref().or(f.path.as_deref())).unwrap_or("");
                let lower = name.to_ascii_lowercase();
                out.push(Value::Bool(ARCHIVES.iter().any(|a| lower.ends_with(a))));
            }
            "destination.category" => {
                if let Some(c) =
                    self.event.destination.as_ref().and_then(|d| d.domain.as_deref()).and_then(|d| self.ctx.category(d))
                {
                    out.push(Value::Str(Cow::Borrowed(c.name())));
                }
            }
            "email.recipient_category" => {
                if let Some(mail) = &self.event.email {
                    for address in mail.to.iter().chain(&mail.cc).chain(&mail.bcc) {
                        let category = mail_domain(address).and_then(|d| self.ctx.mail_category(d));
                        out.push(Value::Str(Cow::Borrowed(match category {
                            Some(c) => c.name(),
                            None => "external",
                        })));
                    }
                }
            }
            "email.attachment_count" => {
                if let Some(mail) = &self.event.email {
                    out.push(Value::Int(i64::try_from(mail.attachments.len()).unwrap_or(i64::MAX)));
                }
            }
            "time.off_hours" => out.push(Value::Bool(self.facts.off_hours)),
            "first_seen.device" => out.push(Value::Bool(self.facts.first_device)),
            "first_seen.destination" => out.push(Value::Bool(self.facts.first_destination)),
            _ => {}
        }
    }
}
