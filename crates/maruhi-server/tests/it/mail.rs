//! Reminder mail through a real SMTP server: aiosmtpd (PyPI) on loopback,
//! `MARUHI_AIOSMTPD` naming a Python that has it (`.ci/run` installs it).

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use maruhi_server::mail::{SmtpMailer, SmtpUrl};
use maruhi_service::admin::UserInput;
use maruhi_service::model::SecretInput;
use maruhi_service::reminders::RemindConfig;
use maruhi_service::{Actor, Service};

/// Receives mail and prints each as a JSON line: envelope recipients, the
/// decoded subject and the decoded plain-text body.
const SINK: &str = r#"
import email, json, sys, time
from email.policy import default
from aiosmtpd.controller import Controller

class Sink:
    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=default)
        print(json.dumps({"rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
                          "subject": str(m["subject"]), "body": m.get_content()}), flush=True)
        return "250 OK"

c = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("READY", flush=True)
while True:
    time.sleep(3600)
"#;

struct Server {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn aiosmtpd(port: u16) -> Option<Server> {
    let python = std::env::var_os("MARUHI_AIOSMTPD")?;
    let mut child = Command::new(python)
        .args(["-c", SINK, &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start aiosmtpd");
    let out = child.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let server = Server { child, lines };
    assert_eq!(server.lines.recv_timeout(Duration::from_secs(30)).expect("aiosmtpd ready"), "READY");
    Some(server)
}

async fn user(svc: &Service, name: &str, role: &str, email: &str) {
    svc.create_user(
        &Actor::operator(),
        UserInput {
            username: name.into(),
            display_name: format!("{name} さん"),
            email: email.into(),
            role: role.into(),
            password: Some(crate::PW.into()),
            ..UserInput::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn reminders_arrive_at_a_real_smtp_server_once_per_interval() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(server) = aiosmtpd(port) else {
        eprintln!("skipped: set MARUHI_AIOSMTPD to a Python with aiosmtpd (pip install aiosmtpd; .ci/run does)");
        return;
    };
    let svc = Service::open(&maruhi_store::testing::fresh_sqlite()).await.unwrap();
    user(&svc, "mori", "manager", "mori@example.co.jp").await;
    user(&svc, "nakamura", "employee", "nakamura@example.co.jp").await;
    user(&svc, "kato", "employee", "").await;
    let secret = svc
        .create_secret(
            &Actor::operator(),
            SecretInput {
                title: "QZ-3 配合表".into(),
                category: "drawing".into(),
                level: "極秘".into(),
                manager: Some("mori".into()),
                review_date: Some("2020-01-01".into()),
                grants: vec!["nakamura".into(), "kato".into()],
                status: Some("registered".into()),
                ..SecretInput::default()
            },
        )
        .await
        .unwrap();
    let url = SmtpUrl::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let mailer = SmtpMailer::new(&url, "maruhi <maruhi@example.co.jp>", None).unwrap();
    let config = RemindConfig { public_url: "https://maruhi.example.co.jp".into(), ..RemindConfig::default() };

    let report = svc.send_reminders(&Actor::operator(), Some(&mailer), &config).await.unwrap();
    assert_eq!((report.sent.len(), report.no_address, report.failed), (2, 1, 0), "{report:?}");
    let mut mails: Vec<serde_json::Value> = (0..2)
        .map(|_| serde_json::from_str(&server.lines.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap())
        .collect();
    mails.sort_by_key(|m| m["rcpt"][0].as_str().unwrap_or("").to_owned());
    let mori = &mails[0];
    assert_eq!(mori["rcpt"], serde_json::json!(["mori@example.co.jp"]));
    assert_eq!(mori["from"], "maruhi@example.co.jp");
    assert_eq!(mori["subject"], "[maruhi] 対応事項 3 件 / 3 reminders");
    let body = mori["body"].as_str().unwrap();
    let link = format!("https://maruhi.example.co.jp/secrets/{}", secret.id);
    assert!(body.contains("mori さん 様") && body.contains("Dear mori さん"), "{body}");
    assert!(
        body.contains("見直し期限（2020-01-01）を過ぎています") && body.contains("Review overdue since 2020-01-01")
    );
    assert!(body.contains("2 人が取扱ルールを未確認です") && body.contains("2 people have not acknowledged"));
    assert!(body.contains(&link) && !body.contains("QZ-3"), "{body}");
    let nakamura = &mails[1];
    assert_eq!(nakamura["rcpt"], serde_json::json!(["nakamura@example.co.jp"]));
    assert_eq!(nakamura["subject"], "[maruhi] 対応事項 1 件 / 1 reminder");
    let body = nakamura["body"].as_str().unwrap();
    assert!(
        body.contains("取扱ルールの確認・誓約をしてください") && body.contains("Please acknowledge the handling rules")
    );

    // A second run within the interval sends nothing.
    let again = svc.send_reminders(&Actor::operator(), Some(&mailer), &config).await.unwrap();
    assert!(again.sent.is_empty() && again.recently_sent == 2, "{again:?}");
    assert!(server.lines.recv_timeout(Duration::from_secs(1)).is_err(), "no second mail");
}

/// A relay that refuses the connection is a counted, logged failure, and
/// nothing is recorded, so the next run tries again.
#[tokio::test]
async fn an_unreachable_relay_fails_the_send_and_records_nothing() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let svc = Service::open(&maruhi_store::testing::fresh_sqlite()).await.unwrap();
    user(&svc, "nakamura", "employee", "nakamura@example.co.jp").await;
    svc.create_secret(
        &Actor::operator(),
        SecretInput {
            title: "QZ-3 配合表".into(),
            category: "drawing".into(),
            level: "極秘".into(),
            grants: vec!["nakamura".into()],
            status: Some("registered".into()),
            ..SecretInput::default()
        },
    )
    .await
    .unwrap();
    let url = SmtpUrl::parse(&format!("smtp://127.0.0.1:{port}")).unwrap();
    let mailer = SmtpMailer::new(&url, "maruhi@example.co.jp", None).unwrap();
    let config = RemindConfig::default();
    let report = svc.send_reminders(&Actor::operator(), Some(&mailer), &config).await.unwrap();
    assert_eq!((report.sent.len(), report.failed), (0, 1));
    let again = svc.send_reminders(&Actor::operator(), Some(&mailer), &config).await.unwrap();
    assert_eq!((again.recently_sent, again.failed), (0, 1));
}
