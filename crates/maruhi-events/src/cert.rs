//! One CSV file of the CMU CERT insider-threat test dataset (r1 to r6.2).
//!
//! The layout is taken from the header when there is one (any row whose first
//! field is `id`), otherwise from the first row's column count and content:
//!
//! | file | columns | releases |
//! |---|---|---|
//! | logon.csv | `id,date,user,pc,activity` | all |
//! | device.csv | `id,date,user,pc,activity` | r1–r4.2 |
//! | device.csv | `id,date,user,pc,file_tree,activity` | r5.1–r6.2 |
//! | file.csv | `id,date,user,pc,filename,content` | r3.1–r4.2 |
//! | file.csv | `id,date,user,pc,filename,activity,to_removable_media,from_removable_media,content` | r5.1–r6.2 |
//! | email.csv | `id,date,user,pc,to,cc,bcc,from,size,attachments,content` | r4.1–r4.2 |
//! | email.csv | `id,date,user,pc,to,cc,bcc,from,activity,size,attachments,content` | r5.1–r6.2 |
//! | http.csv | `id,date,user,pc,url` | r1 (no header) |
//! | http.csv | `id,date,user,pc,url,content` | r2–r5.2 |
//! | http.csv | `id,date,user,pc,url,activity,content` | r6.1–r6.2 |
//!
//! Dates are local `MM/DD/YYYY HH:MM:SS` and take [`Options::default_offset`].

use std::io::BufRead;

use csv::ByteRecord;
use time::UtcOffset;

use crate::csv_map::{attachments, list, number, text, Rec, Records};
use crate::event::{Destination, Device, Email, File, Host, Url, User, REMOVABLE};
use crate::util::{base_name, parse_us_datetime, split_domain, url_file_name, url_host};
use crate::{Action, BadRecord, Event, Options, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// logon.csv or an r1–r4 device.csv: told apart per row by the activity.
    Activity,
    Device,
    File,
    Email,
    Http,
}

/// Column positions of one layout.
#[derive(Debug, Clone, Copy)]
struct Layout {
    kind: Kind,
    columns: usize,
    activity: Option<usize>,
    filename: Option<usize>,
    to_removable: Option<usize>,
    to: Option<usize>,
    cc: Option<usize>,
    bcc: Option<usize>,
    from: Option<usize>,
    size: Option<usize>,
    attachments: Option<usize>,
    url: Option<usize>,
}

impl Layout {
    fn from_names(names: &[&str]) -> Option<Layout> {
        let find = |n: &str| names.iter().position(|x| x.eq_ignore_ascii_case(n));
        if find("id") != Some(0) || find("date") != Some(1) || find("user") != Some(2) || find("pc") != Some(3) {
            return None;
        }
        let kind = if find("url").is_some() {
            Kind::Http
        } else if find("filename").is_some() {
            Kind::File
        } else if find("to").is_some() && find("from").is_some() {
            Kind::Email
        } else if find("file_tree").is_some() {
            Kind::Device
        } else if find("activity").is_some() {
            Kind::Activity
        } else {
            return None;
        };
        Some(Layout {
            kind,
            columns: names.len(),
            activity: find("activity"),
            filename: find("filename"),
            to_removable: find("to_removable_media"),
            to: find("to"),
            cc: find("cc"),
            bcc: find("bcc"),
            from: find("from"),
            size: find("size"),
            attachments: find("attachments"),
            url: find("url"),
        })
    }

    /// A headerless file: the column count decides, and where counts
    /// coincide (6 columns: r5+ device, r3–r4 file, r2–r5 http; 5 columns:
    /// logon/device or r1 http) the first row's content does.
    fn guess(rec: &ByteRecord) -> Option<Layout> {
        let field = |i: usize| rec.get(i).unwrap_or_default();
        let is_url = |b: &[u8]| b.starts_with(b"http://") || b.starts_with(b"https://");
        let is_device_activity =
            |b: &[u8]| [&b"Connect"[..], b"Disconnect", b"Insert", b"Remove"].iter().any(|a| a.eq_ignore_ascii_case(b));
        let names: &[&str] = match rec.len() {
            5 if is_url(field(4)) => &["id", "date", "user", "pc", "url"],
            5 => &["id", "date", "user", "pc", "activity"],
            6 if is_device_activity(field(5)) => &["id", "date", "user", "pc", "file_tree", "activity"],
            6 if is_url(field(4)) => &["id", "date", "user", "pc", "url", "content"],
            6 => &["id", "date", "user", "pc", "filename", "content"],
            7 => &["id", "date", "user", "pc", "url", "activity", "content"],
            9 => &[
                "id",
                "date",
                "user",
                "pc",
                "filename",
                "activity",
                "to_removable_media",
                "from_removable_media",
                "content",
            ],
            11 => &["id", "date", "user", "pc", "to", "cc", "bcc", "from", "size", "attachments", "content"],
            12 => {
                &["id", "date", "user", "pc", "to", "cc", "bcc", "from", "activity", "size", "attachments", "content"]
            }
            _ => return None,
        };
        Layout::from_names(names)
    }
}

pub(crate) struct Reader<R> {
    records: Records<R>,
    layout: Option<Layout>,
    offset: UtcOffset,
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R, options: &Options) -> Self {
        Reader { records: Records::new(reader, b','), layout: None, offset: options.default_offset }
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        let offset = self.offset;
        let (line, rec, lines) = match self.records.next_record()? {
            Rec::Ok(line, rec, lines) => (line, rec, lines),
            Rec::Err(bad) => return Some(Step::Bad(bad)),
        };
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            return Some(Step::Skip);
        }
        if rec.get(0).is_some_and(|f| f.trim_ascii().eq_ignore_ascii_case(b"id")) {
            let names: Vec<&str> = rec.iter().map(|f| std::str::from_utf8(f).unwrap_or("").trim()).collect();
            return Some(match Layout::from_names(&names) {
                Some(l) => {
                    self.layout = Some(l);
                    // The header is not a record.
                    Step::Meta
                }
                None => {
                    Step::Bad(BadRecord::new(line, "header is not a CERT logon, device, file, email or http layout"))
                }
            });
        }
        let layout = match self.layout {
            Some(l) => l,
            None => match Layout::guess(rec) {
                Some(l) => {
                    self.layout = Some(l);
                    l
                }
                None => {
                    return Some(Step::Bad(BadRecord::new(
                        line,
                        format!("{} columns match no CERT layout and no header was seen", rec.len()),
                    )))
                }
            },
        };
        if lines > 1 && rec.len() != layout.columns {
            // A quote left open swallowed the next lines: read them again.
            self.records.reread_continuation();
            return Some(Step::Bad(BadRecord::new(
                line,
                "malformed CSV record (a quoted field spans lines and the field count is wrong); the lines after it are read on their own",
            )));
        }
        Some(match record(rec, &layout, offset) {
            Ok(Some(e)) => Step::Event(line, e),
            Ok(None) => Step::Skip,
            Err(m) => Step::Bad(BadRecord::new(line, m)),
        })
    }
}

fn record(rec: &ByteRecord, l: &Layout, offset: UtcOffset) -> Result<Option<Event>, String> {
    if rec.len() != l.columns {
        return Err(format!("expected {} columns, found {}", l.columns, rec.len()));
    }
    let id = text(rec, Some(0), "id")?.ok_or("field `id`: missing")?;
    let date = text(rec, Some(1), "date")?.ok_or("field `date`: missing")?;
    let user = text(rec, Some(2), "user")?.ok_or("field `user`: missing")?;
    let pc = text(rec, Some(3), "pc")?;
    let timestamp = parse_us_datetime(date).ok_or("field `date`: expected MM/DD/YYYY HH:MM:SS")?.assume_offset(offset);
    let activity = text(rec, l.activity, "activity")?;

    let (action, dataset) = match l.kind {
        Kind::Activity | Kind::Device => {
            let a = activity.ok_or("field `activity`: missing")?;
            match a.to_ascii_lowercase().as_str() {
                "logon" => (Action::Logon, "cert.logon"),
                "logoff" => (Action::Logoff, "cert.logon"),
                // r2 writes Insert/Remove for Connect/Disconnect.
                "connect" | "insert" => (Action::DeviceConnect, "cert.device"),
                "disconnect" | "remove" => (Action::DeviceDisconnect, "cert.device"),
                _ => return Err("field `activity`: not Logon, Logoff, Connect or Disconnect".to_owned()),
            }
        }
        Kind::File => {
            let action = match activity.map(str::to_ascii_lowercase).as_deref() {
                // r3–r4: every row is a copy to removable media.
                None => Action::FileCopy,
                Some("file open") => Action::FileOpen,
                Some("file write") => Action::FileWrite,
                Some("file copy") => Action::FileCopy,
                Some("file delete") => Action::FileDelete,
                Some(_) => return Err("field `activity`: not File Open, Write, Copy or Delete".to_owned()),
            };
            (action, "cert.file")
        }
        Kind::Email => match activity.map(str::to_ascii_lowercase).as_deref() {
            // r4 has no activity: its rows are sent mail.
            None | Some("send") => (Action::EmailSend, "cert.email"),
            // Mail read (r6 View, r5 Receive) is not an action of ours.
            Some("view") | Some("receive") => return Ok(None),
            Some(_) => return Err("field `activity`: not Send or View".to_owned()),
        },
        Kind::Http => match activity.map(str::to_ascii_lowercase).as_deref() {
            None | Some("www visit") => (Action::HttpRequest, "cert.http"),
            Some("www download") => (Action::FileDownload, "cert.http"),
            Some("www upload") => (Action::FileUpload, "cert.http"),
            Some(_) => return Err("field `activity`: not WWW Visit, Download or Upload".to_owned()),
        },
    };

    let mut e = Event::new(timestamp, id.to_owned(), action);
    e.event.dataset = Some(dataset.to_owned());
    let (name, domain) = split_domain(user);
    e.user = Some(User { name, domain });
    e.host = pc.map(|p| Host { name: p.to_owned() });

    match l.kind {
        Kind::Activity | Kind::Device => {
            if dataset == "cert.device" {
                // CERT's device log records thumb drives only.
                e.device = Some(Device { kind: Some(REMOVABLE.to_owned()), ..Device::default() });
            }
        }
        Kind::File => {
            let path = text(rec, l.filename, "filename")?.ok_or("field `filename`: missing")?;
            e.file = Some(File { path: Some(path.to_owned()), name: base_name(path), size: None });
            let to_removable = match l.to_removable {
                None => true,
                Some(_) => {
                    let v = text(rec, l.to_removable, "to_removable_media")?;
                    match v.map(str::to_ascii_lowercase).as_deref() {
                        Some("true") => true,
                        Some("false") | None => false,
                        Some(_) => return Err("field `to_removable_media`: not True or False".to_owned()),
                    }
                }
            };
            if to_removable {
                e.device = Some(Device { kind: Some(REMOVABLE.to_owned()), ..Device::default() });
            }
        }
        Kind::Email => {
            // r4's `attachments` is a count, r5+ a list of `path(size)`.
            let raw_attachments = text(rec, l.attachments, "attachments")?;
            let attachments = match raw_attachments {
                Some(a) if a.bytes().all(|b| b.is_ascii_digit()) => Vec::new(),
                other => attachments(other),
            };
            e.email = Some(Email {
                from: text(rec, l.from, "from")?.map(str::to_owned),
                to: list(text(rec, l.to, "to")?),
                cc: list(text(rec, l.cc, "cc")?),
                bcc: list(text(rec, l.bcc, "bcc")?),
                size: number(text(rec, l.size, "size")?, "size")?,
                attachments,
            });
        }
        Kind::Http => {
            let url = text(rec, l.url, "url")?.ok_or("field `url`: missing")?;
            e.destination = Some(Destination { domain: url_host(url), ..Destination::default() });
            if action == Action::FileDownload {
                // Where it was saved is not logged; the URL may name the file.
                e.file = url_file_name(url).map(|name| File { name: Some(name), ..File::default() });
            }
            e.url = Some(Url { full: url.to_owned() });
        }
    }
    Ok(Some(e))
}
