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
//! | `maruhi.file.archive` | `true` for archive files (zip, 7z, rar, lzh, tar, gz, cab), split volumes too (`.7z.001`, `.zip.001`, `.part1.rar`, `.r00`, `.z01`) |
//! | `maruhi.destination.category` | category of `destination.domain`, or `external` for a domain outside the company that no list classifies |
//! | `maruhi.transfer.bytes` | bytes the event moved: an upload's `http.request.bytes` (else `file.size`), a download's `file.size` (else `http.response.bytes`), a copy's or print's `file.size`, a mail's `email.size` (else its attachments' sizes) |
//! | `maruhi.email.recipient_category` | per recipient: a category, or `external` for any other domain outside the company |
//! | `maruhi.email.attachment_count` | number of attachments |
//! | `maruhi.time.off_hours` | `true` outside the hours this person usually works |
//! | `maruhi.time.night` | `true` from 22:00 to 05:00 local time |
//! | `maruhi.first_seen.host` | `true` the first time this person uses this computer (`host.name`) |
//! | `maruhi.first_seen.device` | `true` the first time this person uses this removable device |
//! | `maruhi.first_seen.destination` | `true` the first time this person uploads or mails to this registrable domain |

use std::borrow::Cow;

use maruhi_events::{Action, Event};
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
    "maruhi.transfer.bytes",
    "maruhi.time.off_hours",
    "maruhi.time.night",
    "maruhi.first_seen.host",
    "maruhi.first_seen.device",
    "maruhi.first_seen.destination",
];

/// File name endings of archives: what "archive then exfiltrate" looks for.
const ARCHIVES: [&str; 8] = [".zip", ".7z", ".rar", ".lzh", ".tar", ".gz", ".tgz", ".cab"];

/// Whether a file name is an archive or a volume of a split archive. People
/// who move more than a medium holds, or a mail gateway allows, split the
/// archive: `.7z.001`, `.zip.001`, `.part1.rar`, and the old `.r00`/`.z01`
/// volumes of RAR and zip.
pub fn is_archive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if ARCHIVES.iter().any(|a| lower.ends_with(a)) {
        return true;
    }
    let Some((stem, ext)) = lower.rsplit_once('.') else { return false };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // `name.7z.001`: a numbered volume of an archive.
    if digits(ext) && ARCHIVES.iter().any(|a| stem.ends_with(a)) {
        return true;
    }
    // `name.r00`, `name.z01`: RAR and zip split volumes.
    matches!(ext.as_bytes(), [b'r' | b'z', rest @ ..] if rest.len() == 2 && rest.iter().all(u8::is_ascii_digit))
}

/// The bytes an event moved (`maruhi.transfer.bytes`). Sources disagree on
/// where they put the size: a proxy logs the request body, a cloud audit log
/// the file's size; a volume rule that reads only one field misses the other.
pub fn transfer_bytes(event: &Event) -> Option<u64> {
    let file = event.file.as_ref().and_then(|f| f.size);
    let http = event.http.as_ref();
    match event.event.action {
        Action::FileUpload => http.and_then(|h| h.request.bytes).or(file),
        Action::FileDownload => file.or(http.and_then(|h| h.response.bytes)),
        Action::EmailSend => event.email.as_ref().and_then(|m| {
            m.size.or_else(|| {
                let sum: u64 = m.attachments.iter().filter_map(|a| a.size).sum();
                (sum > 0).then_some(sum)
            })
        }),
        _ => file,
    }
}

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
                // A download or upload may name its document only by URL
                // (a proxy log), so a secret stored at a URL is looked up
                // there when the path does not place the file in a secret.
                let path = self.event.file.as_ref().and_then(|f| f.path.as_deref());
                let url = self.event.url.as_ref().map(|u| u.full.as_str());
                let before = out.len();
                for location in [path, url].into_iter().flatten() {
                    for (secret, known) in self.ctx.secrets_at(location, self.user) {
                        out.push(match name {
                            "file.secret" => Value::Str(Cow::Borrowed(secret.secret_id.as_str())),
                            "file.secret_title" => Value::Str(Cow::Borrowed(secret.title.as_str())),
                            _ => Value::Bool(known),
                        });
                    }
                    if out.len() > before {
                        break;
                    }
                }
            }
            "file.archive" => {
                let file = self.event.file.as_ref();
                let name = file.and_then(|f| f.name.as_deref().or(f.path.as_deref())).unwrap_or("");
                out.push(Value::Bool(is_archive(name)));
            }
            "destination.category" => {
                // An unclassified domain is `external`, as for mail: uploads
                // to a place no list knows are not "nothing" (a partner's
                // server, or a private one).
                if let Some(domain) = self.event.destination.as_ref().and_then(|d| d.domain.as_deref()) {
                    let name = self.ctx.category(domain).map_or("external", |c| c.name());
                    out.push(Value::Str(Cow::Borrowed(name)));
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
            "transfer.bytes" => {
                if let Some(b) = transfer_bytes(self.event) {
                    out.push(Value::Int(i64::try_from(b).unwrap_or(i64::MAX)));
                }
            }
            "time.off_hours" => out.push(Value::Bool(self.facts.off_hours)),
            "time.night" => {
                let hour = self.event.timestamp.hour();
                out.push(Value::Bool(!(5..22).contains(&hour)))
            }
            "first_seen.host" => out.push(Value::Bool(self.facts.first_host)),
            "first_seen.device" => out.push(Value::Bool(self.facts.first_device)),
            "first_seen.destination" => out.push(Value::Bool(self.facts.first_destination)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_archives_are_archives() {
        for name in ["a.zip", "B.7Z", "x.tar.gz", "x.7z.001", "x.zip.001", "x.part1.rar", "x.r00", "x.z01", "x.7z.012"]
        {
            assert!(is_archive(name), "{name}");
        }
        for name in ["a.docx", "x.001", "x.r", "x.rar.txt", "report.z", "x.rtf", "x.r0a"] {
            assert!(!is_archive(name), "{name}");
        }
    }
}
