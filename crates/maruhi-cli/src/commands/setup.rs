//! `maruhi init`, `serve` and `demo`: the installation and its server.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{bail, Context, Result};
use maruhi_service::i18n::Lang;
use maruhi_service::jobs::{PublishConfig, Publisher, Tsa, Witness};
use maruhi_service::{Installation, Service};

use super::{config, lang, read_password};
use crate::args::{Global, MailArgs, PublishArgs};

/// Creates the installation and its first administrator. On failure,
/// nothing of the new installation is left behind.
pub(super) async fn init(g: &Global, admin_user: &str, password_file: &Path) -> Result<()> {
    let password = read_password(password_file)?;
    let installation = Installation::create(&config(g))?;
    let created = async {
        let svc = installation.open().await?;
        if svc.is_initialised().await? {
            bail!("the database already has users: it belongs to another installation");
        }
        let user = svc.init_admin(admin_user, &password).await?;
        let key = svc.ledger_public_key()?;
        svc.close().await;
        Ok((user, key))
    }
    .await;
    let (user, key) = created.inspect_err(|_| installation.discard())?;
    let dir = installation.dir().display();
    match lang() {
        Lang::Ja => eprintln!(
            "初期化しました。\n  データディレクトリ: {dir}\n  管理者: {}\n  台帳の公開鍵（検証者に渡してください）:\n    {key}\n\n\
             重要: {dir}/keys の鍵ファイルを今すぐ安全な場所にバックアップしてください。\n\
             失うと署名済みの証跡と暗号化した資料を検証・復元できません。",
            user.username
        ),
        Lang::En => eprintln!(
            "initialised.\n  data directory: {dir}\n  administrator: {}\n  the ledger's public key (give it to verifiers):\n    {key}\n\n\
             IMPORTANT: back up the key files in {dir}/keys now, somewhere safe.\n\
             Without them, signed evidence cannot be extended and sealed material cannot be read.",
            user.username
        ),
    }
    Ok(())
}

pub(super) struct ServeOptions {
    pub listen: SocketAddr,
    pub secure_cookies: Option<bool>,
    pub max_extractions: Option<u16>,
    pub behind_tls: bool,
    pub trusted_proxies: Vec<maruhi_server::Cidr>,
    /// Partners' domains and the border server's authserv-id for the mail triage page.
    pub mail_triage: maruhi_mail::Config,
}

pub(super) async fn serve(g: &Global, o: ServeOptions, mail: &MailArgs, publish: &PublishArgs) -> Result<()> {
    let mut svc = super::open(g).await?;
    if let Some(n) = o.max_extractions {
        svc = svc.with_max_extractions(usize::from(n));
    }
    if !svc.is_initialised().await? {
        bail!("not initialised: run `maruhi init --admin-user NAME --admin-password-file FILE` first");
    }
    let mut state = maruhi_server::AppState::new(svc, o.secure_cookies.unwrap_or(!o.listen.ip().is_loopback()))
        .with_trusted_proxies(o.trusted_proxies)
        .with_mail_triage(o.mail_triage);
    if o.behind_tls {
        state = state.behind_tls();
    }
    let mailer = mailer(mail)?;
    let reminders = mailer.map(|m| {
        tracing::info!(every_hours = mail.remind_every_hours, "sending reminders");
        maruhi_service::reminders::spawn(state.svc.clone(), m, remind_config(mail), REMIND_TICK)
    });
    let served = run_server(state, publish, o.listen).await;
    if let Some(r) = reminders {
        r.abort();
    }
    served
}

/// How often a server looks for reminders to send; each person still gets
/// at most one mail per `--remind-every-hours`.
const REMIND_TICK: std::time::Duration = std::time::Duration::from_secs(600);

fn remind_config(mail: &MailArgs) -> maruhi_service::reminders::RemindConfig {
    maruhi_service::reminders::RemindConfig {
        every: time::Duration::hours(i64::from(mail.remind_every_hours)),
        public_url: mail.public_url.clone().unwrap_or_default(),
    }
}

/// The SMTP mailer, when a relay is configured. The relay's credentials
/// come from the environment only.
fn mailer(mail: &MailArgs) -> Result<Option<maruhi_server::mail::SmtpMailer>> {
    let Some(url) = &mail.smtp_url else { return Ok(None) };
    let from = mail.smtp_from.as_deref().context("--smtp-from is needed with --smtp-url")?;
    let url = maruhi_server::mail::SmtpUrl::parse(url)?;
    let credentials = match (std::env::var("MARUHI_SMTP_USER"), std::env::var("MARUHI_SMTP_PASSWORD")) {
        (Ok(user), Ok(password)) if !user.is_empty() => Some((user, password)),
        (Ok(user), Err(_)) if !user.is_empty() => bail!("MARUHI_SMTP_USER is set but MARUHI_SMTP_PASSWORD is not"),
        _ => None,
    };
    Ok(Some(maruhi_server::mail::SmtpMailer::new(&url, from, credentials)?))
}

/// `maruhi reminders send`: one run, in the foreground.
pub(super) async fn send_reminders(
    svc: &Service,
    op: &maruhi_service::Actor,
    mail: &MailArgs,
    dry_run: bool,
    json: bool,
) -> Result<u8> {
    let mailer = if dry_run { None } else { Some(mailer(mail)?.context("--smtp-url is needed (or --dry-run)")?) };
    let report = svc.send_reminders(op, mailer.as_ref(), &remind_config(mail)).await?;
    if json {
        super::print_json(&report)?;
    } else {
        for s in &report.sent {
            println!("{}\t{}\t{}", s.user, s.to, s.items);
        }
        let verb = if report.dry_run { "would send" } else { "sent" };
        eprintln!(
            "{verb} {} mail(s); {} without a mail address, {} sent within the interval, {} failed",
            report.sent.len(),
            report.no_address,
            report.recently_sent,
            report.failed
        );
    }
    Ok(if report.failed > 0 { 1 } else { 0 })
}

pub(super) async fn demo(g: &Global, listen: SocketAddr, publish: &PublishArgs) -> Result<()> {
    let (installation, _) = Installation::open_or_create(&config(g))?;
    let svc = installation.open().await?;
    if !svc.is_initialised().await? {
        svc.init_admin("admin", maruhi_service::demo::DEMO_PASSWORD).await?;
    }
    if maruhi_service::demo::load(&svc).await? {
        eprintln!("loaded the demo company (株式会社サンプル精機)");
    }
    eprintln!(
        "\n  ㊙ maruhi demo: http://{listen}/\n  log in as `admin` (or yamada, sato, watanabe, ito, …) with password `{}`\n",
        maruhi_service::demo::DEMO_PASSWORD
    );
    run_server(maruhi_server::AppState::new(svc, false), publish, listen).await
}

/// The publisher of this installation's ledger, as configured.
pub(super) fn publisher(svc: &Service, p: &PublishArgs) -> Result<Publisher<maruhi_server::transport::HttpTransport>> {
    let witnesses = p.witnesses.iter().map(|w| Witness::parse(w).map_err(anyhow::Error::msg)).collect::<Result<_>>()?;
    let tsa = match (&p.tsa_url, &p.tsa_ca) {
        (Some(url), Some(ca)) => {
            let bytes = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
            let der = maruhi_timestamp::certificate_der(&bytes)
                .with_context(|| format!("{} is not a certificate", ca.display()))?;
            Some(Tsa { url: url.clone(), anchors: vec![der] })
        }
        _ => None,
    };
    let config = PublishConfig {
        witnesses,
        threshold: p.witness_threshold,
        tsa,
        tsa_interval: std::time::Duration::from_secs(p.tsa_interval.max(1)),
    };
    let ca = match &p.peer_ca {
        Some(path) => Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?),
        None => None,
    };
    let transport = maruhi_server::transport::HttpTransport::new(ca.as_deref())
        .with_context(|| format!("--peer-ca {}", p.peer_ca.as_deref().unwrap_or(Path::new("")).display()))?;
    Ok(Publisher::new(svc.clone(), config, transport)?)
}

async fn run_server(state: maruhi_server::AppState, publish: &PublishArgs, listen: SocketAddr) -> Result<()> {
    let svc = state.svc.clone();
    let publisher = publisher(&svc, publish)?;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(%listen, backend = ?svc.backend(), "serving");
    // A new signed checkpoint every few seconds when the log has grown.
    let jobs = publisher.spawn();
    maruhi_server::serve(listener, maruhi_server::app(state), async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
    .await?;
    jobs.abort();
    svc.close().await;
    Ok(())
}
