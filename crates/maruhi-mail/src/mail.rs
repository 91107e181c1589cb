//! One mail: parsed with mail-parser (RFC 5322, MIME, RFC 2047 words, RFC 2231 parameters
//! including continuations, ISO-2022-JP, Shift_JIS and EUC-JP through encoding_rs), then its
//! signs.

use std::sync::LazyLock;

use mail_parser::{Message, MessageParser, MimeHeaders};
use regex::Regex;

use crate::attach;
use crate::domain;
use crate::signs::{self, Reason};
use crate::Config;

/// How deep attached messages (`message/rfc822`) are opened.
const MAX_NESTED_MESSAGES: u32 = 3;

/// What one mail says about itself, and the signs it shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mail {
    pub(crate) message_id: Option<String>,
    pub(crate) in_reply_to: Vec<String>,
    pub(crate) references: Vec<String>,
    pub(crate) from: Option<String>,
    pub(crate) from_name: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) subject: Option<String>,
    /// Seconds since the epoch, from the Date header.
    pub(crate) date: Option<i64>,
    pub(crate) reasons: Vec<Reason>,
    pub(crate) attachments: usize,
    pub(crate) encrypted_archive: bool,
    pub(crate) password_notice: bool,
    /// A link with a sign of its own, or one to a download.
    pub(crate) risky_link: bool,
    /// The mail came through a mailing list (List-Id or List-Post).
    pub(crate) mailing_list: bool,
    /// Phone numbers in the signature, digits only.
    pub(crate) phones: Vec<String>,
}

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)").expect("address pattern")
});
static URL: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r#"(?i)\bhttps?://[^\s<>"'）」』】]+"#).expect("url pattern")
});
static ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r#"(?is)<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)["']?[^>]*>(.*?)</a\s*>"#).expect("anchor pattern")
});
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r"(?s)<[^>]*>").expect("tag pattern")
});
static SHOWN_HOST: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r"(?i)^(?:https?://)?((?:[a-z0-9\-]+\.)+[a-z]{2,})(?:[/:?#].*)?$").expect("shown host pattern")
});
static COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r"株式会社|有限会社|合同会社|合資会社|（株）|\(株\)|㈱|(?i:\bco\.,?\s*ltd\b|\binc\.|\bcorporation\b|\bcorp\.|\bk\.k\.|\bllc\b|\bgmbh\b)")
        .expect("company pattern")
});
static PASSWORD_FOLLOWS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(
        r"(?i)(?:パスワード|ﾊﾟｽﾜｰﾄﾞ|暗証番号|解凍キー).{0,30}(?:別途|別メール|別送|後ほど|追って|次のメール|改めて)|(?:別途|別メール|別送|後ほど|追って|次のメール).{0,30}(?:パスワード|解凍キー)|password.{0,40}(?:separate|follow|next|another) (?:e-?mail|mail|message)|password (?:will|shall) (?:be sent|follow)|(?:パスワード|ﾊﾟｽﾜｰﾄﾞ|解凍キー|password|pass|pw)\s*(?:は|:|：)\s*[「『\[]?[A-Za-z0-9!#$%&*+\-_.@]{4,}",
    )
    .expect("password pattern")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used, reason = "a constant pattern, checked by the tests")]
    Regex::new(r"(?i)(?:tel|phone|電話|携帯|ＴＥＬ)\s*[:：.]?\s*(\+?[0-9０-９][0-9０-９\-－()（） ]{7,18}[0-9０-９])")
        .expect("phone pattern")
});

/// File extensions a link should not download straight away.
const DOWNLOAD_EXT: &[&str] = &[
    "exe", "scr", "js", "vbs", "hta", "lnk", "iso", "img", "vhd", "msi", "bat", "cmd", "ps1", "jar", "zip", "rar", "7z",
];

/// The text lines of a signature: the last lines of the body, without quoted lines, from the
/// last signature delimiter if there is one (RFC 3676 `-- `, or a rule of dashes or boxes).
fn signature_lines(text: &str) -> Vec<&str> {
    let lines: Vec<&str> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('>') && !l.starts_with('＞')).collect();
    // A quoted earlier mail begins with its attribution; everything from there on is not ours.
    let end = lines
        .iter()
        .position(|l| {
            l.starts_with("-----Original Message")
                || l.starts_with("-----Original")
                || l.ends_with("wrote:")
                || l.ends_with("のメッセージ:")
                || l.ends_with("書きました：")
                || l.ends_with("書きました:")
                || l.starts_with("From:")
        })
        .unwrap_or(lines.len());
    let lines = &lines[..end];
    let start = lines
        .iter()
        .rposition(|l| *l == "--" || l.chars().count() >= 8 && l.chars().all(|c| "-=_─━＿－*＊".contains(c)))
        .map_or(lines.len().saturating_sub(8), |i| i + 1);
    lines[start.min(lines.len())..].to_vec()
}

fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host =
        if host.starts_with('[') { host.split(']').next()?.trim_start_matches('[') } else { host.split(':').next()? };
    (!host.is_empty()).then(|| domain::normalise_host(host))
}

fn path_extension(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.split(['?', '#']).next().unwrap_or("");
    match path.rsplit('/').next().and_then(|last| last.rsplit_once('.')) {
        Some((_, ext)) if path.contains('/') => ext.to_lowercase(),
        _ => String::new(),
    }
}

/// Parses and examines one mail; `None` when the bytes are not a mail at all.
pub(crate) fn examine(bytes: &[u8], config: &Config) -> Option<Mail> {
    let message = MessageParser::default().parse(bytes)?;
    // A file of anything is "a message" with no headers; a mail has at least a sender or a date.
    if message.from().is_none() && message.date().is_none() && message.message_id().is_none() {
        return None;
    }
    let mut mail = Mail::default();
    let addr = message.from().and_then(|a| a.first());
    mail.from = addr.and_then(|a| a.address()).map(str::to_lowercase);
    mail.from_name = addr.and_then(|a| a.name()).map(str::to_owned);
    mail.to = message.to().and_then(|a| a.first()).and_then(|a| a.address()).map(str::to_lowercase);
    mail.subject = message.subject().map(str::to_owned);
    mail.message_id = message.message_id().map(str::to_owned);
    mail.in_reply_to = ids(message.in_reply_to());
    mail.references = ids(message.references());
    mail.date = message.date().map(|d| d.to_timestamp());
    let from_host = mail.from.as_deref().and_then(|a| a.rsplit_once('@')).map(|(_, h)| domain::normalise_host(h));
    // Lists (RFC 2369/2919 headers, Yahoo Groups' Mailing-List, Precedence: bulk or list) rewrite
    // Reply-To and append footers with their own addresses; those are not the sender's signs.
    let mailing_list =
        ["List-Id", "List-Post", "List-Unsubscribe", "Mailing-List"].iter().any(|h| message.header_raw(*h).is_some())
            || message
                .header_raw("Precedence")
                .is_some_and(|p| matches!(p.trim().to_lowercase().as_str(), "bulk" | "list"));
    mail.mailing_list = mailing_list;

    let mut text = String::new();
    let mut html = String::new();
    collect_bodies(&message, &mut text, &mut html, 0);

    let known = config.known_domains();
    if let Some(host) = &from_host {
        sender_signs(&mut mail, host, &message, &text, mailing_list, &known);
    }
    link_signs(&mut mail, &text, &html, &known);
    mail.password_notice = PASSWORD_FOLLOWS.is_match(&text);
    if mail.password_notice {
        mail.reasons.push(signs::PASSWORD_NOTICE.with(""));
    }
    auth_signs(&mut mail, &message, from_host.as_deref(), config);
    if let Some(host) = &from_host {
        dkim_signs(&mut mail, bytes, host, config);
    }

    let mut findings = attach::Findings::default();
    attachments(&message, &mut findings, &mut mail.attachments, 0);
    mail.encrypted_archive = findings.encrypted_archive;
    mail.reasons.extend(findings.reasons);
    Some(mail)
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    value.as_text_list().map(|l| l.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
}

fn collect_bodies(message: &Message<'_>, text: &mut String, html: &mut String, depth: u32) {
    for i in 0..message.text_body_count() {
        if let Some(t) = message.body_text(i) {
            text.push_str(&t);
            text.push('\n');
        }
    }
    for part in message.html_bodies() {
        if part.is_content_type("text", "html") {
            if let Some(h) = part.text_contents() {
                html.push_str(h);
                html.push('\n');
            }
        }
    }
    if depth < MAX_NESTED_MESSAGES {
        for part in message.attachments() {
            if let Some(inner) = part.message() {
                collect_bodies(inner, text, html, depth + 1);
            }
        }
    }
}

fn attachments(message: &Message<'_>, out: &mut attach::Findings, count: &mut usize, depth: u32) {
    for part in message.attachments() {
        if let Some(inner) = part.message() {
            if depth < MAX_NESTED_MESSAGES {
                attachments(inner, out, count, depth + 1);
            }
            continue;
        }
        *count += 1;
        let name = part.attachment_name().unwrap_or("");
        attach::examine(name, part.contents(), out);
    }
}

fn sender_signs(mail: &mut Mail, host: &str, message: &Message<'_>, text: &str, mailing_list: bool, known: &[String]) {
    let from = mail.from.clone().unwrap_or_default();
    let name = mail.from_name.clone().unwrap_or_default();
    let sig = signature_lines(text);
    let from_reg = domain::registrable(host);

    if domain::is_freemail(host) && (COMPANY.is_match(&name) || sig.iter().any(|l| COMPANY.is_match(l))) {
        mail.reasons.push(signs::FREEMAIL_AS_COMPANY.with(&from));
    }
    // A display name that is itself an address, or names a known domain, elsewhere.
    let name_lower = name.to_lowercase();
    let other_address = ADDRESS.find_iter(&name_lower).any(|m| m.as_str() != from);
    let names_known = known.iter().any(|d| name_lower.contains(d.as_str())) && !domain::is_under(host, known);
    if other_address || names_known {
        mail.reasons.push(signs::DISPLAY_NAME_MISMATCH.with(&name));
    }
    if !mailing_list {
        if let Some(reply) = message.reply_to().and_then(|a| a.first()).and_then(|a| a.address()) {
            if let Some((_, rhost)) = reply.rsplit_once('@') {
                if domain::registrable(rhost) != from_reg {
                    mail.reasons.push(signs::REPLY_TO_ELSEWHERE.with(&reply.to_lowercase()));
                }
            }
        }
        for line in &sig {
            for m in ADDRESS.captures_iter(line) {
                let shost = domain::normalise_host(m.get(1).map_or("", |g| g.as_str()));
                let sreg = domain::registrable(&shost);
                if sreg != from_reg && !domain::is_freemail(&shost) {
                    let mut reason = signs::SIGNATURE_ADDRESS_MISMATCH.with(&m[0].to_lowercase());
                    // A free-mail sender signing as a company, or anyone signing with the
                    // company's or a partner's address, is the sign; newsletters' footers naming
                    // a service desk elsewhere are not.
                    if !domain::is_freemail(host) && !domain::is_under(&shost, known) {
                        reason.weight = 5;
                    }
                    mail.reasons.push(reason);
                }
            }
        }
    }
    for line in &sig {
        for c in PHONE.captures_iter(line) {
            let digits: String =
                c[1].chars().filter_map(|ch| ch.to_digit(10).and_then(|d| char::from_digit(d, 10))).collect();
            if digits.len() >= 9 && !mail.phones.contains(&digits) {
                mail.phones.push(digits);
            }
        }
    }
    if let Some(real) = domain::lookalike_of(host, known) {
        mail.reasons.push(signs::LOOKALIKE_SENDER.with(&format!("{host} ≈ {real}")));
    }
}

fn link_signs(mail: &mut Mail, text: &str, html: &str, known: &[String]) {
    let mut links: Vec<(String, Option<String>)> = Vec::new();
    for c in ANCHOR.captures_iter(html) {
        let shown = TAG.replace_all(&c[2], "").trim().replace("&amp;", "&");
        links.push((c[1].replace("&amp;", "&"), Some(shown)));
    }
    for m in URL.find_iter(text) {
        if !links.iter().any(|(href, _)| href == m.as_str()) {
            links.push((m.as_str().to_owned(), None));
        }
    }
    for (href, shown) in links.iter().take(500) {
        let Some(host) = host_of(href) else { continue };
        let mut risky = false;
        if let Some(shown) = shown {
            if let Some(c) = SHOWN_HOST.captures(shown.trim()) {
                let shown_host = domain::normalise_host(&c[1]);
                if domain::registrable(&shown_host) != domain::registrable(&host) {
                    let mut reason = signs::LINK_TEXT_MISMATCH.with(&format!("{shown} → {host}"));
                    // Newsletters show their own site and link through a click counter; showing
                    // the company's or a partner's site and going elsewhere is the attack.
                    if !domain::is_under(&shown_host, known) {
                        reason.weight = 15;
                    }
                    mail.reasons.push(reason);
                    risky = true;
                }
            }
        }
        if let Some(real) = domain::lookalike_of(&host, known) {
            mail.reasons.push(signs::LOOKALIKE_LINK.with(&format!("{host} ≈ {real}")));
            risky = true;
        }
        if host.parse::<std::net::IpAddr>().is_ok() {
            mail.reasons.push(signs::LINK_TO_IP.with(&host));
            risky = true;
        }
        let ext = path_extension(href);
        if DOWNLOAD_EXT.contains(&ext.as_str()) {
            if !matches!(ext.as_str(), "zip" | "rar" | "7z") {
                mail.reasons.push(signs::LINK_TO_PROGRAM.with(href));
            }
            risky = true;
        }
        mail.risky_link |= risky;
    }
}

/// Authentication-Results (RFC 8601): only a header whose authserv-id is the company's own
/// border server counts; anyone upstream can write one that says `pass`. The topmost such header
/// is the border server's own (it prepends), so that one is read.
fn auth_signs(mail: &mut Mail, message: &Message<'_>, from_host: Option<&str>, config: &Config) {
    if config.authserv_ids.is_empty() {
        return;
    }
    let trusted =
        message.headers_raw().filter(|(n, _)| n.eq_ignore_ascii_case("Authentication-Results")).find_map(|(_, v)| {
            let v = v.trim();
            let id = v.split([';', ' ', '\t', '\r', '\n']).next().unwrap_or("").to_lowercase();
            config.authserv_ids.contains(&id).then(|| v.to_owned())
        });
    let own = from_host.is_some_and(|h| domain::is_under(h, &config.own_domains));
    // Without the border server's header the mail never crossed the border (internal mail) or
    // the border does not check: nothing to judge.
    let Some(results) = trusted else { return };
    let mut failed = Vec::new();
    let mut passed = false;
    // Properties and comments follow each result; the method=result pair starts each resinfo.
    let cleaned = strip_comments(&results);
    for resinfo in cleaned.split(';').skip(1) {
        let Some((method, rest)) = resinfo.trim().split_once('=') else { continue };
        let method = method.trim().to_lowercase();
        let result = rest.split_whitespace().next().unwrap_or("").to_lowercase();
        if !matches!(method.as_str(), "spf" | "dkim" | "dmarc") {
            continue;
        }
        match result.as_str() {
            "pass" => passed = true,
            "fail" | "softfail" | "permerror" => failed.push(format!("{method}={result}")),
            _ => {}
        }
    }
    if !failed.is_empty() {
        mail.reasons.push(signs::AUTH_FAILED.with(&failed.join(", ")));
    }
    if own && (!failed.is_empty() || !passed) {
        mail.reasons.push(signs::OWN_DOMAIN_UNAUTHENTICATED.with(from_host.unwrap_or("")));
    }
}

/// DKIM verified offline with the keys on file: a signature that fails with its key, or mail
/// from a domain that has a key on file and no signature that verifies.
fn dkim_signs(mail: &mut Mail, raw: &[u8], from_host: &str, config: &Config) {
    let outcomes = crate::dkim::verify(raw, &config.dkim_keys);
    let from_reg = domain::registrable(from_host);
    let aligned = |d: &str| domain::registrable(d) == from_reg;
    let mut passed = false;
    for o in &outcomes {
        match o {
            crate::dkim::Outcome::Pass(d) => passed |= aligned(d),
            crate::dkim::Outcome::Fail(d, why) => mail.reasons.push(signs::DKIM_FAILED.with(&format!("d={d}: {why}"))),
        }
    }
    let keyed = config.dkim_keys.iter().any(|k| k.name.rsplit_once("._domainkey.").is_some_and(|(_, d)| aligned(d)));
    if keyed && !passed && !outcomes.iter().any(|o| matches!(o, crate::dkim::Outcome::Fail(d, _) if aligned(d))) {
        mail.reasons.push(signs::DKIM_FAILED.with(&format!("{from_reg}: unsigned")));
    }
}

fn strip_comments(s: &str) -> String {
    let mut depth = 0u32;
    s.chars()
        .filter(|c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_match() {
        assert!(PASSWORD_FOLLOWS.is_match("パスワードは別メールにてお送りします。"));
        assert!(PASSWORD_FOLLOWS.is_match("解凍パスワード：Xk29pQ7a"));
        assert!(PASSWORD_FOLLOWS.is_match("The password will follow in a separate mail."));
        assert!(!PASSWORD_FOLLOWS.is_match("パスワードの定期変更をお願いします。"));
        assert!(COMPANY.is_match("株式会社さくら精機 営業部"));
        assert!(COMPANY.is_match("Sakura Seiki Co., Ltd."));
        assert!(!COMPANY.is_match("山田 太郎"));
        assert_eq!(host_of("https://user@Example.COM:8443/x?y"), Some("example.com".to_owned()));
        assert_eq!(path_extension("http://a.example/dl/請求書.exe?x=1"), "exe");
        assert_eq!(path_extension("http://a.example"), "");
    }

    #[test]
    fn signature_is_the_tail_before_quotes() {
        let text = "本文です。\n\n--\n山田 太郎\nyamada@example.co.jp\nTEL: 03-1234-5678\n\n> 引用\n";
        assert_eq!(signature_lines(text), ["山田 太郎", "yamada@example.co.jp", "TEL: 03-1234-5678"]);
    }
}
