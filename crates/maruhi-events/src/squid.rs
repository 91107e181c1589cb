//! Squid's native access log format:
//! `time elapsed remotehost code/status bytes method URL rfc931 peerstatus/peerhost type`
//! (squid's `logformat squid %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`).

use std::io::BufRead;

use time::UtcOffset;

use crate::event::{Destination, File, Host, Http, HttpRequest, HttpResponse, Source, Url, User};
use crate::util::{
    authority_port, derived_id, parse_epoch, parse_ip, split_domain, url_file_name, url_host, Line, Lines,
};
use crate::{Action, BadRecord, Event, Options, Step};

pub(crate) struct Reader<R> {
    lines: Lines<R>,
    offset: UtcOffset,
    upload_threshold: u64,
}

impl<R: BufRead> Reader<R> {
    pub(crate) fn new(reader: R, options: &Options) -> Self {
        Reader { lines: Lines::new(reader), offset: options.default_offset, upload_threshold: options.upload_threshold }
    }

    pub(crate) fn step(&mut self) -> Option<Step> {
        let (offset, threshold) = (self.offset, self.upload_threshold);
        let (n, line) = match self.lines.next_line()? {
            Line::Ok(n, line) => (n, line),
            Line::Err(bad) => return Some(Step::Bad(bad)),
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            return Some(Step::Skip);
        }
        Some(match parse_line(line, offset, threshold) {
            Ok(e) => Step::Event(n, e),
            Err(m) => Step::Bad(BadRecord::new(n, m)),
        })
    }
}

pub(crate) fn parse_line(line: &[u8], offset: UtcOffset, upload_threshold: u64) -> Result<Event, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8".to_owned())?;
    let mut f = text.split_ascii_whitespace();
    let mut field = |name: &str| f.next().ok_or_else(|| format!("missing field `{name}` (expected 10 fields)"));
    let time = field("time")?;
    let _elapsed = field("elapsed")?;
    let client = field("remotehost")?;
    let code = field("code/status")?;
    let bytes = field("bytes")?;
    let method = field("method")?;
    let url = field("URL")?;
    let user = field("rfc931")?;
    let hierarchy = field("peerstatus/peerhost")?;
    let _mime = field("type")?;

    let timestamp = parse_epoch(time).ok_or_else(|| "field `time`: not epoch seconds".to_owned())?.to_offset(offset);
    let status = code
        .split_once('/')
        .and_then(|(_, s)| s.parse::<u16>().ok())
        .ok_or_else(|| "field `code/status`: expected CODE/STATUS".to_owned())?;
    let bytes: u64 = bytes.parse().map_err(|_| "field `bytes`: not a number".to_owned())?;
    let method = method.to_ascii_uppercase();

    let action = match method.as_str() {
        "POST" | "PUT" if bytes >= upload_threshold => Action::FileUpload,
        "GET" if bytes >= upload_threshold && (200..300).contains(&status) => Action::FileDownload,
        _ => Action::HttpRequest,
    };
    let mut event = Event::new(timestamp, derived_id("squid", line), action);
    event.event.dataset = Some("squid.access".to_owned());
    event.event.code = Some(code.to_owned());
    if user != "-" && !user.is_empty() {
        let (name, domain) = split_domain(user);
        event.user = Some(User { name, domain });
    }
    if let Some(ip) = parse_ip(client) {
        event.source = Some(Source { ip });
    }
    let mut destination = Destination::default();
    if method == "CONNECT" {
        // A tunnel: squid logs `host:port`, not a URL, and sees nothing inside.
        destination.domain = url_host(url);
        destination.port = authority_port(url);
    } else {
        destination.domain = url_host(url);
        if action == Action::FileDownload {
            // Where it was saved is not logged; the URL may name the file.
            event.file = url_file_name(url).map(|name| File { name: Some(name), ..File::default() });
        }
        event.url = Some(Url { full: url.to_owned() });
    }
    if let Some((_, peer)) = hierarchy.split_once('/') {
        destination.ip = parse_ip(peer);
    }
    if destination != Destination::default() {
        event.destination = Some(destination);
    }
    event.http = Some(Http {
        request: HttpRequest { method: Some(method), bytes: None },
        response: HttpResponse { status_code: Some(status), bytes: Some(bytes) },
    });
    // Squid's native format has no host of the user's machine; remotehost is
    // a client address, already in `source.ip`. With `log_fqdn on` it is a
    // name instead, which belongs in `host.name`.
    if event.source.is_none() && client != "-" {
        event.host = Some(Host { name: client.to_owned() });
    }
    Ok(event)
}
