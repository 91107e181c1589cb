//! The one event schema: field names from the Elastic Common Schema (ECS), a
//! closed vocabulary for `event.action`. `SCHEMA.md` beside `Cargo.toml` is the
//! reference for operators; this module is its single implementation.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The value of `device.type` for removable storage (USB mass storage, portable
/// devices, optical drives). Detection compares against this constant.
pub const REMOVABLE: &str = "removable";

/// One user activity, in the canonical form every adapter produces.
///
/// Serialises to the canonical JSON Lines form (see `SCHEMA.md`); absent
/// optional objects and empty lists are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `@timestamp`: when the activity happened, an absolute instant with the
    /// offset it is shown in.
    #[serde(rename = "@timestamp", with = "rfc3339")]
    pub timestamp: OffsetDateTime,
    /// `event.*`: identity and kind of the event.
    pub event: EventInfo,
    /// `user.*`: who acted. Absent only when the source does not say (a proxy
    /// log without authentication).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// `host.*`: the machine where it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    /// `source.*`: the network client the action came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// `file.*`: the file acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    /// `device.*`: the device involved (removable media).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    /// `url.*`: the URL of a web request, download or upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    /// `destination.*`: where data went (uploads, web requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Destination>,
    /// `http.*`: request method, status and sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Http>,
    /// `email.*`: a sent message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

/// `event.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInfo {
    /// `event.id`: stable across imports of the same record: the source's own
    /// id where it has a unique one, else a digest of the source record.
    #[serde(default)]
    pub id: String,
    /// `event.action`: what happened, from the closed vocabulary.
    pub action: Action,
    /// `event.dataset`: which adapter and source produced it, e.g. `cert.file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// `event.code`: the source's own name for the event, e.g. `4624` or
    /// `FileDownloaded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `event.outcome`: `success` or `failure` where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// `event.outcome`, as in ECS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The action succeeded.
    Success,
    /// The action was attempted and failed (a refused logon).
    Failure,
}

/// `user.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// `user.name`: account name as the source gives it (`DOMAIN\` prefix
    /// split off into `user.domain`).
    pub name: String,
    /// `user.domain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

/// `host.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// `host.name`.
    pub name: String,
}

/// `source.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `source.ip`.
    pub ip: IpAddr,
}

/// `file.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    /// `file.path`: full path (or, for cloud storage, the document's URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `file.name`: the last component of the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `file.size` in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// `device.*`. ECS has no `device.type`; it is maruhi's (see `SCHEMA.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// `device.type`: [`REMOVABLE`] for removable storage, otherwise the
    /// source's device class in lower case.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `device.id`: the source's device instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `device.name`: a human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `url.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Url {
    /// `url.full`.
    pub full: String,
}

/// `destination.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// `destination.domain`: host name, lower case, without port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// `destination.ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// `destination.port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// `http.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Http {
    /// `http.request.*`.
    #[serde(default)]
    pub request: HttpRequest,
    /// `http.response.*`.
    #[serde(default)]
    pub response: HttpResponse,
}

/// `http.request.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// `http.request.method`, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// `http.request.bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// `http.response.*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// `http.response.status_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// `http.response.bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// `email.*`. Simplified from ECS (`email.to` is a list of addresses rather
/// than `email.to.address`); see `SCHEMA.md`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    /// `email.from`: sender address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `email.to`: recipient addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    /// `email.cc`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// `email.bcc`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<String>,
    /// `email.size`: the whole message in bytes (maruhi's; not in ECS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// `email.attachments`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// One entry of `email.attachments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name (or path, where the source gives one).
    pub name: String,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// The closed vocabulary of `event.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    /// `logon`: an interactive, remote or network logon (also screen unlocks
    /// where the source records them as logons).
    Logon,
    /// `logoff`.
    Logoff,
    /// `file-open`: a file was opened or read.
    FileOpen,
    /// `file-copy`: a file was copied (to removable media when
    /// `device.type` is `removable`).
    FileCopy,
    /// `file-write`: a file was created or modified.
    FileWrite,
    /// `file-delete`.
    FileDelete,
    /// `file-download`: a file was fetched from a web or cloud service.
    FileDownload,
    /// `file-upload`: data was sent to a web or cloud service.
    FileUpload,
    /// `device-connect`: a device (usually removable storage) was attached.
    DeviceConnect,
    /// `device-disconnect`.
    DeviceDisconnect,
    /// `email-send`.
    EmailSend,
    /// `http-request`: a web request that is neither download nor upload.
    HttpRequest,
    /// `print`: a document was printed.
    Print,
}

impl Action {
    /// Every action, in vocabulary order.
    pub const ALL: [Action; 13] = [
        Action::Logon,
        Action::Logoff,
        Action::FileOpen,
        Action::FileCopy,
        Action::FileWrite,
        Action::FileDelete,
        Action::FileDownload,
        Action::FileUpload,
        Action::DeviceConnect,
        Action::DeviceDisconnect,
        Action::EmailSend,
        Action::HttpRequest,
        Action::Print,
    ];

    /// The canonical name, as in `event.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Logon => "logon",
            Action::Logoff => "logoff",
            Action::FileOpen => "file-open",
            Action::FileCopy => "file-copy",
            Action::FileWrite => "file-write",
            Action::FileDelete => "file-delete",
            Action::FileDownload => "file-download",
            Action::FileUpload => "file-upload",
            Action::DeviceConnect => "device-connect",
            Action::DeviceDisconnect => "device-disconnect",
            Action::EmailSend => "email-send",
            Action::HttpRequest => "http-request",
            Action::Print => "print",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name outside the `event.action` vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an event.action in the vocabulary")]
pub struct UnknownAction;

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL.into_iter().find(|a| a.as_str() == s).ok_or(UnknownAction)
    }
}

impl Event {
    /// A minimal event: time, id and action; every other field empty.
    pub fn new(timestamp: OffsetDateTime, id: String, action: Action) -> Self {
        Event {
            timestamp,
            event: EventInfo { id, action, dataset: None, code: None, outcome: None },
            user: None,
            host: None,
            source: None,
            file: None,
            device: None,
            url: None,
            destination: None,
            http: None,
            email: None,
        }
    }

    /// The canonical JSON Lines form of this event (one line, no newline).
    pub fn to_json_line(&self) -> String {
        // Every field serialises infallibly (strings, integers, addresses,
        // and a timestamp whose year is within RFC 3339's range because every
        // adapter parses it from a four-digit year).
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `@timestamp` as RFC 3339 with its offset.
pub(crate) mod rfc3339 {
    use serde::{de, Deserializer, Serializer};
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;

    pub(crate) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        d.deserialize_str(Rfc3339Visitor)
    }

    /// Parses borrowed and transient strings alike, without copying them.
    struct Rfc3339Visitor;

    impl de::Visitor<'_> for Rfc3339Visitor {
        type Value = OffsetDateTime;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 date-time with an offset")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<OffsetDateTime, E> {
            OffsetDateTime::parse(text, &Rfc3339).map_err(|_| E::custom("not an RFC 3339 date-time with an offset"))
        }
    }
}
