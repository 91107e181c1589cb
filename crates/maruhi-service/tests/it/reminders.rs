//! Reminders: what each person must do, on their dashboard and by mail,
//! at most once per interval; an acknowledgement takes its reminder away.

use std::sync::Mutex;

use maruhi_service::admin::UserInput;
use maruhi_service::model::SecretInput;
use maruhi_service::reminders::{Mail, MailError, Mailer, RemindConfig, ReminderKind};
use maruhi_service::{Actor, Error};

use crate::{both, Env, PW};

/// Keeps what it is given.
#[derive(Default)]
struct Outbox(Mutex<Vec<Mail>>);

impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        self.0.lock().unwrap().push(mail.clone());
        Ok(())
    }
}

async fn user_with_mail(e: &Env, name: &str, role: &str) {
    e.svc
        .create_user(
            &Actor::operator(),
            UserInput {
                username: name.into(),
                display_name: format!("{name} さん"),
                email: format!("{name}@example.co.jp"),
                role: role.into(),
                password: Some(PW.into()),
                ..UserInput::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn people_are_reminded_of_reviews_acknowledgements_and_alerts_once_per_interval() {
    both(|e| async move {
        let suzuki = crate::risk::setup(&e).await;
        e.svc.analyse_risk(&suzuki).await.unwrap();
        let alerts = e.svc.alerts(&suzuki, Some("new"), 100).await.unwrap().len();
        assert!(alerts > 0);
        user_with_mail(&e, "mori", "manager").await;
        user_with_mail(&e, "nakamura", "employee").await;
        user_with_mail(&e, "hayashi", "analyst").await;
        let secret = e
            .svc
            .create_secret(
                &Actor::operator(),
                SecretInput {
                    title: "QZ-3 配合表".into(),
                    category: "drawing".into(),
                    level: "極秘".into(),
                    manager: Some("mori".into()),
                    review_date: Some("2026-06-01".into()),
                    grants: vec!["nakamura".into(), "kato".into()],
                    status: Some("registered".into()),
                    ..SecretInput::default()
                },
            )
            .await
            .unwrap();

        // Alerts are not due before three days.
        let hayashi = e.actor("hayashi").await;
        assert!(e.svc.my_reminders(&hayashi).await.unwrap().is_empty());
        e.clock.advance(time::Duration::days(4));

        let mori = e.actor("mori").await;
        let kinds = |r: &[maruhi_service::reminders::Reminder]| r.iter().map(|r| r.kind).collect::<Vec<_>>();
        let mine = e.svc.my_reminders(&mori).await.unwrap();
        assert_eq!(
            kinds(&mine),
            [ReminderKind::ReviewOverdue, ReminderKind::AcksMissing, ReminderKind::AckPending],
            "{mine:?}"
        );
        assert!(mine.iter().all(|r| r.path == format!("/secrets/{}", secret.id)));
        assert!(mine[1].text_ja.contains("2 人") && mine[1].text_en.contains("2 people"), "{mine:?}");
        assert_eq!(mine[0].since.as_deref(), Some("2026-06-01"));
        let dash = e.svc.dashboard(&mori).await.unwrap();
        assert_eq!(dash.reminders, mine);
        let nakamura = e.actor("nakamura").await;
        assert_eq!(kinds(&e.svc.my_reminders(&nakamura).await.unwrap()), [ReminderKind::AckPending]);
        let theirs = e.svc.my_reminders(&hayashi).await.unwrap();
        assert_eq!(theirs.len(), alerts);
        assert!(theirs.iter().all(|r| r.kind == ReminderKind::AlertUntriaged && r.path.starts_with("/alerts/")));

        // Only admin sends.
        let outbox = Outbox::default();
        let config = RemindConfig { public_url: "https://maruhi.example.co.jp/".into(), ..RemindConfig::default() };
        assert!(matches!(e.svc.send_reminders(&mori, Some(&outbox), &config).await, Err(Error::Forbidden)));

        // A dry run sends and records nothing.
        let dry = e.svc.send_reminders(&Actor::operator(), None::<&Outbox>, &config).await.unwrap();
        assert!(dry.dry_run);
        assert_eq!(dry.sent.len(), 3);

        let report = e.svc.send_reminders(&Actor::operator(), Some(&outbox), &config).await.unwrap();
        let sent: Vec<(String, usize)> = report.sent.iter().map(|s| (s.to.clone(), s.items)).collect();
        assert_eq!(
            sent,
            [
                ("hayashi@example.co.jp".to_owned(), alerts),
                ("mori@example.co.jp".to_owned(), 3),
                ("nakamura@example.co.jp".to_owned(), 1),
            ]
        );
        // suzuki and yamada (alerts), tanaka and kato (acknowledgements) have no address.
        assert_eq!((report.no_address, report.recently_sent, report.failed), (4, 0, 0), "{report:?}");
        {
            let mails = outbox.0.lock().unwrap();
            assert_eq!(mails.len(), 3);
            let m = &mails[1];
            assert_eq!(m.subject, "[maruhi] 対応事項 3 件 / 3 reminders");
            assert!(m.body.contains("mori さん 様") && m.body.contains("Dear mori さん"), "{}", m.body);
            assert!(m.body.find("見直し期限").unwrap() < m.body.find("Review overdue").unwrap());
            assert!(m.body.contains(&format!("https://maruhi.example.co.jp/secrets/{}", secret.id)));
            assert!(!m.body.contains("QZ-3"), "a mail never names a secret: {}", m.body);
            assert_eq!(mails[2].subject, "[maruhi] 対応事項 1 件 / 1 reminder");
        }
        let trail = e.svc.audit_log(&Actor::operator(), Some("reminder."), 1, 10).await.unwrap();
        assert_eq!(trail.total, 3);

        // Within the interval nobody is sent anything again.
        e.clock.advance(time::Duration::hours(23));
        let again = e.svc.send_reminders(&Actor::operator(), Some(&outbox), &config).await.unwrap();
        assert!(again.sent.is_empty());
        assert_eq!(again.recently_sent, 3);
        assert_eq!(outbox.0.lock().unwrap().len(), 3);

        // An acknowledgement takes the reminder away, for both people.
        e.svc.acknowledge(&nakamura, secret.id).await.unwrap();
        assert!(e.svc.my_reminders(&nakamura).await.unwrap().is_empty());
        assert!(e.svc.dashboard(&nakamura).await.unwrap().reminders.is_empty());
        let mine = e.svc.my_reminders(&mori).await.unwrap();
        assert!(mine[1].text_en.starts_with("1 person has not"), "{mine:?}");

        // After the interval, those still with reminders get them again.
        e.clock.advance(time::Duration::hours(2));
        let later = e.svc.send_reminders(&Actor::operator(), Some(&outbox), &config).await.unwrap();
        let to: Vec<&str> = later.sent.iter().map(|s| s.to.as_str()).collect();
        assert_eq!(to, ["hayashi@example.co.jp", "mori@example.co.jp"]);
    })
    .await;
}
