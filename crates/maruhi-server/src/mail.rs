//! The reminders' mail over SMTP ([`maruhi_service::reminders::Mailer`]),
//! through lettre with rustls.
//!
//! The relay is a URL: `smtp://host:port` (plain, for a relay on the same
//! host or network), `smtp://host:port?starttls=true` (STARTTLS required,
//! RFC 3207) or `smtps://host:port` (TLS from the first byte, RFC 8314).
//! Credentials never come in the URL (it is a flag, visible in the process
//! list): the caller passes them from the environment.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use maruhi_service::reminders::{Mail, MailError, Mailer};

/// A send that takes longer than this fails (a hung relay must not stall
/// the reminders).
const TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach the relay, parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: Security,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS: a relay on loopback or a trusted network.
    Plain,
    /// STARTTLS, required.
    StartTls,
    /// Implicit TLS.
    Tls,
}

/// A URL the mailer cannot use; the message says why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadSmtpUrl(String);

impl SmtpUrl {
    pub fn parse(url: &str) -> Result<SmtpUrl, BadSmtpUrl> {
        let bad = |why: &str| BadSmtpUrl(format!("SMTP URL: {why}"));
        let (scheme, rest) = url.trim().split_once("://").ok_or_else(|| bad("expected smtp:// or smtps://"))?;
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q)),
            None => (rest, None),
        };
        let authority = authority.trim_end_matches('/');
        if authority.contains('@') {
            return Err(bad("credentials go in MARUHI_SMTP_USER and MARUHI_SMTP_PASSWORD, not in the URL"));
        }
        let starttls = match query {
            None | Some("") => false,
            Some("starttls=true") => true,
            Some("starttls=false") => false,
            Some(_) => return Err(bad("the only option is starttls=true")),
        };
        let security = match (scheme.to_ascii_lowercase().as_str(), starttls) {
            ("smtp", false) => Security::Plain,
            ("smtp", true) => Security::StartTls,
            ("smtps", false) => Security::Tls,
            ("smtps", true) => return Err(bad("smtps is already TLS; starttls applies to smtp")),
            _ => return Err(bad("expected smtp:// or smtps://")),
        };
        let default_port = match security {
            Security::Plain => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        };
        // An IPv6 literal is in brackets; its colons are not the port's.
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => {
                (h, p.parse::<u16>().map_err(|_| bad("the port is not a number from 1 to 65535"))?)
            }
            _ => (authority, default_port),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || port == 0 {
            return Err(bad("expected smtp://HOST:PORT"));
        }
        Ok(SmtpUrl { host: host.to_owned(), port, security })
    }
}

/// Sends mail through one relay.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `url` sending as `from`, logging in with `credentials`
    /// (user, password) when given.
    pub fn new(url: &SmtpUrl, from: &str, credentials: Option<(String, String)>) -> Result<SmtpMailer, BadSmtpUrl> {
        let from: Mailbox = from.parse().map_err(|e| BadSmtpUrl(format!("sender address {from:?}: {e}")))?;
        let builder = match url.security {
            Security::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&url.host),
            Security::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&url.host)
                .map_err(|e| BadSmtpUrl(format!("SMTP relay {}: {e}", url.host)))?,
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&url.host)
                .map_err(|e| BadSmtpUrl(format!("SMTP relay {}: {e}", url.host)))?,
        };
        let mut builder = builder.port(url.port).timeout(Some(TIMEOUT));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(SmtpMailer { transport: builder.build(), from })
    }
}

impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail.to.parse().map_err(|e| MailError(format!("recipient address: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError(format!("message: {e}")))?;
        self.transport.send(message).await.map_err(|e| MailError(format!("SMTP: {e}")))?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test states its expectations by unwrapping")]
mod tests {
    use super::{Security, SmtpUrl};

    #[test]
    fn urls_parse() {
        let u = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.security), ("127.0.0.1", 2525, Security::Plain));
        let u = SmtpUrl::parse("smtp://mail.example.jp?starttls=true").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.security), ("mail.example.jp", 587, Security::StartTls));
        let u = SmtpUrl::parse("smtps://mail.example.jp").unwrap();
        assert_eq!((u.port, u.security), (465, Security::Tls));
        let u = SmtpUrl::parse("smtp://[::1]:25").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 25));
        assert!(SmtpUrl::parse("smtp://user:pw@host:25").is_err());
        assert!(SmtpUrl::parse("http://host").is_err());
        assert!(SmtpUrl::parse("smtp://host:x").is_err());
        assert!(SmtpUrl::parse("smtps://host?starttls=true").is_err());
    }
}
