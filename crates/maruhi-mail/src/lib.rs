//! Targeted-mail (標的型メール) triage: the signs IPA lists for targeted attack mail, found in
//! each mail and in conversations (やり取り型), scored into a verdict a CSIRT can act on.
//!
//! [`Triager`] is built once from a [`Config`] (the company's own domains, its partners' domains,
//! the authserv-id of its border mail server) and examines a batch of [`Input`]s (from
//! [`read_paths`]: `.eml` files, folders, Maildir, mbox). [`Triage`] holds one [`MailReport`] per
//! mail and one [`ThreadReport`] per conversation, each with a score, a [`Verdict`] and the
//! [`Reason`]s behind it, every reason a stable code (`MRH-MAIL-1NN`, the list is [`signs::ALL`])
//! with Japanese and English text.
//!
//! Signs of one mail: a free-mail sender in a company's name, a display name or signature that
//! does not match the sender, look-alike domains of the company and its partners (UTS #39
//! confusable skeletons, public-suffix-aware registrable domains, edit distance), links whose
//! text names another site, right-to-left overrides and double extensions, programs, shortcuts,
//! scripts, disk images and HTML applications (also in archives), password-protected archives,
//! Office macros (OOXML and OLE), and SPF/DKIM/DMARC failures reported by the company's own
//! border server (RFC 8601; any other server's `Authentication-Results` is ignored) or by offline
//! DKIM verification with the keys given ([`DkimKey`]). Signs of a
//! conversation: a harmless start turned by a later attachment, link or password, the password of
//! an archive in a later mail, a signature phone that changed.
//!
//! Nothing here touches the network, and nothing fails a batch: a file that is not a mail is a
//! [`Problem`].
//!
//! # Example
//!
//! ```
//! use maruhi_mail::{Config, Input, Triager, Verdict};
//!
//! let config = Config { partner_domains: vec!["sakura-seiki.co.jp".into()], ..Config::default() };
//! let mail = "From: 佐藤 <sato@sakura-seikl.co.jp>\r\nTo: buyer@example.co.jp\r\n\
//!             Subject: =?UTF-8?B?6KuL5rGC5pu4?=\r\nMessage-ID: <1@sakura-seikl.co.jp>\r\n\
//!             Date: Mon, 7 Dec 2026 09:00:00 +0900\r\n\r\n請求書をお送りします。\r\n";
//! let triage = Triager::new(config).triage(vec![Input { path: "a.eml".into(), bytes: mail.into() }]);
//! assert_eq!(triage.mails[0].verdict, Verdict::Suspicious);
//! assert_eq!(triage.mails[0].reasons[0].code, "MRH-MAIL-106");
//! ```
#![forbid(unsafe_code)]

mod attach;
mod dkim;
mod domain;
mod mail;
pub mod signs;
mod source;
mod thread;

use serde::Serialize;

pub use dkim::DkimKey;
pub use signs::{Reason, Verdict};
pub use source::{read_paths, split, Input, Problem, MAX_INPUT_BYTES};
pub use thread::normalise_subject;

/// What the triage knows about the company.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The company's own mail and web domains (`example.co.jp`).
    pub own_domains: Vec<String>,
    /// Partners' and customers' domains, whose look-alikes are signs.
    pub partner_domains: Vec<String>,
    /// The authserv-id (RFC 8601 §2.5) of the company's border mail server; only its
    /// `Authentication-Results` are read. Empty: none is read.
    pub authserv_ids: Vec<String>,
    /// DKIM public keys to verify signatures offline (RFC 6376), as the signers publish them.
    pub dkim_keys: Vec<DkimKey>,
}

impl Config {
    /// Lower-cases and trims every entry and drops empty and repeated ones.
    pub fn normalised(mut self) -> Config {
        for list in [&mut self.own_domains, &mut self.partner_domains, &mut self.authserv_ids] {
            let mut out: Vec<String> = Vec::new();
            for d in list.iter() {
                let d = d.trim().trim_end_matches('.').to_lowercase();
                if !d.is_empty() && !out.contains(&d) {
                    out.push(d);
                }
            }
            *list = out;
        }
        self
    }

    /// Own and partner domains together.
    pub(crate) fn known_domains(&self) -> Vec<String> {
        self.own_domains.iter().chain(&self.partner_domains).cloned().collect()
    }
}

/// One mail's result.
#[derive(Debug, Clone, Serialize)]
pub struct MailReport {
    /// Where the mail came from (`box.mbox#3` for an mbox's third message).
    pub path: String,
    /// Its Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The sender's address, lower case.
    pub from: Option<String>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// The Date header, seconds since the epoch.
    pub date: Option<i64>,
    /// What the score means.
    pub verdict: Verdict,
    /// The sum of the reasons' weights (each code once).
    pub score: u32,
    /// Why, in the order found.
    pub reasons: Vec<Reason>,
    /// The conversation's id (`thread-N`).
    pub thread: String,
}

/// One conversation's result.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadReport {
    /// `thread-N`, N counting conversations in the order their first mail was read.
    pub id: String,
    /// The subject without reply prefixes.
    pub subject: String,
    /// Its mails' paths, in conversation order.
    pub mails: Vec<String>,
    /// The mail after whose arrival a harmless conversation brought an attachment, a risky link
    /// or a password.
    pub turned_by: Option<String>,
    /// The highest verdict of its mails.
    pub verdict: Verdict,
    /// The highest score of its mails.
    pub score: u32,
    /// Every reason of its mails, each code once.
    pub reasons: Vec<Reason>,
}

/// The result of a batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Triage {
    /// One report per mail, in input order.
    pub mails: Vec<MailReport>,
    /// One report per conversation.
    pub threads: Vec<ThreadReport>,
    /// Inputs that were not mail.
    pub problems: Vec<Problem>,
}

impl Triage {
    /// The highest verdict in the batch (clean when empty).
    pub fn worst(&self) -> Verdict {
        self.mails.iter().map(|m| m.verdict).max().unwrap_or(Verdict::Clean)
    }
}

/// The triage engine, built once and used for any number of batches.
#[derive(Debug, Clone)]
pub struct Triager {
    config: Config,
}

impl Triager {
    /// An engine for a company.
    pub fn new(config: Config) -> Triager {
        Triager { config: config.normalised() }
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Examines a batch: every mail on its own, then the conversations among them.
    pub fn triage(&self, inputs: Vec<Input>) -> Triage {
        let mut mails: Vec<Option<mail::Mail>> = inputs.iter().map(|i| mail::examine(&i.bytes, &self.config)).collect();
        let mut problems = Vec::new();
        for (input, m) in inputs.iter().zip(&mails) {
            if m.is_none() {
                problems.push(Problem { path: input.path.clone(), message: "not a readable e-mail message".into() });
            }
        }
        let groups = thread::group(&mails);
        let mut thread_of = vec![String::new(); inputs.len()];
        let mut turned = Vec::with_capacity(groups.len());
        for (n, g) in groups.iter().enumerate() {
            turned.push(thread::assess(g, &mut mails, &self.config).turned_by);
            for &i in g {
                thread_of[i] = format!("thread-{}", n + 1);
            }
        }
        let mut reports: Vec<Option<MailReport>> = Vec::with_capacity(inputs.len());
        for ((input, m), thread) in inputs.iter().zip(mails).zip(thread_of) {
            reports.push(m.map(|m| {
                let score = signs::score(&m.reasons);
                MailReport {
                    path: input.path.clone(),
                    message_id: m.message_id,
                    from: m.from,
                    subject: m.subject,
                    date: m.date,
                    verdict: Verdict::of(score),
                    score,
                    reasons: m.reasons,
                    thread,
                }
            }));
        }
        let mut threads = Vec::with_capacity(groups.len());
        for (n, (g, turned_by)) in groups.iter().zip(turned).enumerate() {
            let members: Vec<&MailReport> = g.iter().filter_map(|&i| reports[i].as_ref()).collect();
            let mut reasons: Vec<Reason> = Vec::new();
            for r in members.iter().flat_map(|m| &m.reasons) {
                if !reasons.iter().any(|x| x.code == r.code) {
                    reasons.push(r.clone());
                }
            }
            let score = members.iter().map(|m| m.score).max().unwrap_or(0);
            threads.push(ThreadReport {
                id: format!("thread-{}", n + 1),
                subject: members.first().and_then(|m| m.subject.as_deref()).map(normalise_subject).unwrap_or_default(),
                mails: members.iter().map(|m| m.path.clone()).collect(),
                turned_by: turned_by.and_then(|i| reports[i].as_ref()).map(|m| m.path.clone()),
                verdict: Verdict::of(score),
                score,
                reasons,
            });
        }
        Triage { mails: reports.into_iter().flatten().collect(), threads, problems }
    }
}
