//! Reminders: what each person must do, shown on their dashboard and sent
//! to them by mail.
//!
//! A 管理責任者 is reminded of the registered secrets they manage whose
//! review date has passed and of people on those secrets' access lists who
//! have not acknowledged the current handling rules; everyone of the
//! secrets they must acknowledge themselves; analysts, admin and legal/IP of
//! alerts still `new` after [`ALERT_AGE_DAYS`] days.
//!
//! Mail goes through the [`Mailer`] trait, which the server crate implements
//! over SMTP, so this crate speaks no mail protocol. A mail never names a
//! secret: its title is need-to-know and the mail leaves maruhi through
//! relays and mailboxes, so it names the secret by its number and links to
//! its page, where the reader logs in. Each send is recorded in the audit
//! trail (`reminder.send`, about the user: how many items, never what they
//! are), and that record is what keeps a person from being sent reminders
//! again within the interval, so no table of its own is needed.

use std::future::Future;

use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditAction, Event};
use crate::clock::{format_date, format_time, parse_time};
use crate::model::Role;
use crate::{policy, Actor, Error, Result, Service};

/// Alerts still `new` after this many days are reminded of.
pub const ALERT_AGE_DAYS: i64 = 3;

/// Untriaged alerts listed one by one; the rest are one item.
const ALERTS_LISTED: i64 = 20;

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A secret the person manages is past its review date.
    ReviewOverdue,
    /// People on a secret the person manages have not acknowledged its rules.
    AcksMissing,
    /// The person has not acknowledged a secret's current rules.
    AckPending,
    /// An alert nobody has triaged.
    AlertUntriaged,
    /// More untriaged alerts than are listed.
    AlertsMore,
}

/// One thing a person must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub kind: ReminderKind,
    /// The page where it is done, e.g. `/secrets/12`.
    pub path: String,
    /// Since when it is due (a date or an RFC 3339 time), when known.
    pub since: Option<String>,
    /// The text for the dashboard, naming the secret.
    pub text_ja: String,
    pub text_en: String,
    /// The text for mail, naming a secret only by its number.
    #[serde(skip)]
    pub mail_ja: String,
    #[serde(skip)]
    pub mail_en: String,
}

impl Reminder {
    pub fn text(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(self.text_ja.as_str(), self.text_en.as_str())
    }

    /// The date part of `since`.
    pub fn since_date(&self) -> &str {
        self.since.as_deref().map(|s| s.get(..10).unwrap_or(s)).unwrap_or("")
    }

    fn secret(kind: ReminderKind, id: i64, title: &str, since: Option<String>, ja: &str, en: &str) -> Reminder {
        Reminder {
            kind,
            path: format!("/secrets/{id}"),
            since,
            text_ja: format!("{ja}: {title}"),
            text_en: format!("{en}: {title}"),
            mail_ja: format!("{ja}: 管理番号 {id}"),
            mail_en: format!("{en}: secret no. {id}"),
        }
    }
}

/// A mail to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// Plain text, Japanese first, then English.
    pub body: String,
}

/// Why a mail was not accepted; never holds credentials.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailError(pub String);

/// Hands mail to a relay. Every send must be bounded in time.
pub trait Mailer: Send + Sync + 'static {
    fn send(&self, mail: &Mail) -> impl Future<Output = std::result::Result<(), MailError>> + Send;
}

/// How reminders are sent.
#[derive(Debug, Clone)]
pub struct RemindConfig {
    /// A person is sent reminders at most once within this.
    pub every: time::Duration,
    /// Links in mail start with this (e.g. `https://maruhi.example.co.jp`);
    /// empty gives paths.
    pub public_url: String,
}

impl Default for RemindConfig {
    fn default() -> Self {
        RemindConfig { every: time::Duration::hours(24), public_url: String::new() }
    }
}

/// One mail sent (or, in a dry run, that would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentReminder {
    pub user: String,
    pub to: String,
    pub items: usize,
}

/// What a run of [`Service::send_reminders`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemindReport {
    pub dry_run: bool,
    pub sent: Vec<SentReminder>,
    /// People with reminders but no mail address.
    pub no_address: usize,
    /// People with reminders who were sent some within the interval.
    pub recently_sent: usize,
    /// Mails the relay did not accept (logged; tried again next run).
    pub failed: usize,
}

impl Service {
    /// The actor's own reminders, for their dashboard.
    pub async fn my_reminders(&self, actor: &Actor) -> Result<Vec<Reminder>> {
        let Some(uid) = actor.user_id else { return Ok(Vec::new()) };
        let mut conn = self.db.read().await?;
        self.reminders_of(&mut conn, uid, actor.role).await
    }

    async fn reminders_of(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        uid: i64,
        role: Role,
    ) -> Result<Vec<Reminder>> {
        use maruhi_store::reminders as store;
        let now = self.now();
        let mut out = Vec::new();
        for s in store::overdue_reviews(conn, uid, &format_date(now.date())).await? {
            let date = s.since.clone().unwrap_or_default();
            out.push(Reminder::secret(
                ReminderKind::ReviewOverdue,
                s.secret_id,
                &s.title,
                s.since,
                &format!("見直し期限（{date}）を過ぎています"),
                &format!("Review overdue since {date}"),
            ));
        }
        for s in store::unacknowledged_on_managed(conn, uid).await? {
            out.push(Reminder::secret(
                ReminderKind::AcksMissing,
                s.secret_id,
                &s.title,
                s.since,
                &format!("{} 人が取扱ルールを未確認です", s.count),
                &if s.count == 1 {
                    "1 person has not acknowledged the handling rules".to_owned()
                } else {
                    format!("{} people have not acknowledged the handling rules", s.count)
                },
            ));
        }
        // Auditors read; they acknowledge nothing.
        if role != Role::Auditor {
            for s in store::pending_acks(conn, uid).await? {
                out.push(Reminder::secret(
                    ReminderKind::AckPending,
                    s.secret_id,
                    &s.title,
                    s.since,
                    "取扱ルールの確認・誓約をしてください",
                    "Please acknowledge the handling rules",
                ));
            }
        }
        let reviewer =
            Actor { user_id: Some(uid), username: String::new(), role, scope: crate::Scope::Read, remote_addr: None };
        if policy::may_review_risk(&reviewer) {
            let before = format_time(now - time::Duration::days(ALERT_AGE_DAYS));
            let (alerts, total) = store::untriaged_alerts(conn, &before, ALERTS_LISTED).await?;
            for a in &alerts {
                let ja = format!("未判定のアラート（{}）: {}", a.severity, a.title_ja);
                let en = format!("Untriaged alert ({}): {}", a.severity, a.title);
                out.push(Reminder {
                    kind: ReminderKind::AlertUntriaged,
                    path: format!("/alerts/{}", a.id),
                    since: Some(a.created_at.clone()),
                    mail_ja: ja.clone(),
                    mail_en: en.clone(),
                    text_ja: ja,
                    text_en: en,
                });
            }
            let more = total - alerts.len() as i64;
            if more > 0 {
                let ja = format!("ほかに {ALERT_AGE_DAYS} 日以上未判定のアラートが {more} 件あります");
                let en = format!("{more} more alerts untriaged for {ALERT_AGE_DAYS} days or more");
                out.push(Reminder {
                    kind: ReminderKind::AlertsMore,
                    path: "/alerts?status=new".to_owned(),
                    since: None,
                    mail_ja: ja.clone(),
                    mail_en: en.clone(),
                    text_ja: ja,
                    text_en: en,
                });
            }
        }
        Ok(out)
    }

    /// Sends each active user with reminders one mail listing them, unless
    /// they were sent some within `config.every` or have no mail address.
    /// Without a mailer, a dry run: reports what would be sent and records
    /// nothing. A mail the relay refuses is logged and counted, and the run
    /// goes on. Only admin (or the operator) sends.
    pub async fn send_reminders<M: Mailer>(
        &self,
        actor: &Actor,
        mailer: Option<&M>,
        config: &RemindConfig,
    ) -> Result<RemindReport> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut report = RemindReport { dry_run: mailer.is_none(), ..RemindReport::default() };
        let users = {
            let mut conn = self.db.read().await?;
            maruhi_store::users::list(&mut conn).await?
        };
        for user in users.into_iter().filter(|u| !u.disabled) {
            let Some(role) = Role::parse(&user.role) else { continue };
            let (items, last) = {
                let mut conn = self.db.read().await?;
                let items = self.reminders_of(&mut conn, user.id, role).await?;
                let last = maruhi_store::audit::last_at(
                    &mut conn,
                    AuditAction::ReminderSend.id(),
                    "user",
                    &user.id.to_string(),
                )
                .await?;
                (items, last)
            };
            if items.is_empty() {
                continue;
            }
            if user.email.trim().is_empty() {
                report.no_address += 1;
                continue;
            }
            if last.as_deref().and_then(parse_time).is_some_and(|t| self.now() - t < config.every) {
                report.recently_sent += 1;
                continue;
            }
            let mail = compose(&user.display_name, user.email.trim(), &items, &config.public_url);
            if let Some(mailer) = mailer {
                if let Err(e) = mailer.send(&mail).await {
                    tracing::warn!(target: "maruhi::reminders", user = user.id, error = %e, "could not send reminders");
                    report.failed += 1;
                    continue;
                }
                let mut tx = self.db.begin().await?;
                audit::record(
                    &mut tx,
                    &self.now_text(),
                    Event::new(actor, AuditAction::ReminderSend, "user", user.id)
                        .summary(json!({"items": items.len()})),
                )
                .await?;
                tx.commit().await?;
            }
            report.sent.push(SentReminder { user: user.username, to: mail.to, items: items.len() });
        }
        Ok(report)
    }
}

/// One person's mail: Japanese first, then English; secrets by number.
pub fn compose(name: &str, to: &str, items: &[Reminder], public_url: &str) -> Mail {
    let n = items.len();
    let base = public_url.trim_end_matches('/');
    let mut body = format!("{name} 様\n\nmaruhi で対応が必要な事項が {n} 件あります。\n\n");
    for (i, r) in items.iter().enumerate() {
        body.push_str(&format!("{}. {}\n   {base}{}\n", i + 1, r.mail_ja, r.path));
    }
    body.push_str("\n詳細はログインしてダッシュボードでご確認ください。\n\n-- \n\n");
    body.push_str(&format!(
        "Dear {name},\n\nYou have {n} {} in maruhi.\n\n",
        if n == 1 { "reminder" } else { "reminders" }
    ));
    for (i, r) in items.iter().enumerate() {
        body.push_str(&format!("{}. {}\n   {base}{}\n", i + 1, r.mail_en, r.path));
    }
    body.push_str("\nLog in and see your dashboard for details.\n");
    Mail {
        to: to.to_owned(),
        subject: format!("[maruhi] 対応事項 {n} 件 / {n} {}", if n == 1 { "reminder" } else { "reminders" }),
        body,
    }
}

/// Sends reminders in the background every `tick` (a server), as `actor`;
/// the audit trail keeps each person to one mail per `config.every`.
/// Failures are logged and never stop the loop.
pub fn spawn<M: Mailer>(
    svc: Service,
    mailer: M,
    config: RemindConfig,
    tick: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    let actor = Actor {
        user_id: None,
        username: "maruhi (reminders)".to_owned(),
        role: Role::Admin,
        scope: crate::Scope::Write,
        remote_addr: None,
    };
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match svc.send_reminders(&actor, Some(&mailer), &config).await {
                Ok(r) if r.sent.is_empty() && r.failed == 0 => {}
                Ok(r) => tracing::info!(
                    target: "maruhi::reminders",
                    sent = r.sent.len(),
                    failed = r.failed,
                    no_address = r.no_address,
                    "sent reminders"
                ),
                Err(e) => {
                    tracing::error!(target: "maruhi::reminders", code = e.code(), error = %e, "could not send reminders")
                }
            }
        }
    })
}
