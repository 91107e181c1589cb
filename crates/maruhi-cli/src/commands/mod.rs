//! One function per subcommand, grouped: `setup` (init, serve, demo),
//! `registry` (users, groups, tokens, secrets, levels, audit trail),
//! `ledger` (ledger, proofs, witnesses); activity, risk and scans have
//! modules of their own. Data goes to stdout, messages to stderr.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use maruhi_service::i18n::Lang;
use maruhi_service::{Actor, Installation, InstallationConfig, Service};

use crate::args::{Cli, Command, Global};

mod assess;
mod cases;
mod ledger;
mod registry;
mod report;
mod setup;
mod sharing;

/// The CLI speaks the terminal's language: Japanese when `LANG` says so.
pub(crate) fn lang() -> Lang {
    std::env::var("LANG").ok().filter(|l| l.starts_with("ja")).map(|_| Lang::Ja).unwrap_or(Lang::En)
}

/// Explains an error in the terminal's language, with its code and every
/// field problem.
pub fn describe(e: &anyhow::Error) -> String {
    let lang = lang();
    if let Some(se) = e.downcast_ref::<maruhi_service::Error>() {
        let mut msg = format!("{} [{}]", se.message(lang), se.code());
        match se {
            maruhi_service::Error::Invalid(fields) => {
                for f in fields {
                    msg.push_str(&format!("\n  {}: {}", f.field, f.msg.text(lang)));
                }
            }
            // The operator at the console may see what a web user may not.
            maruhi_service::Error::Store(_)
            | maruhi_service::Error::Ledger { .. }
            | maruhi_service::Error::Tampered(_)
            | maruhi_service::Error::Internal(_) => msg.push_str(&format!("\n  {se}")),
            _ => {}
        }
        return msg;
    }
    format!("{e:#}")
}

/// Whether the error is a wrong usage (exit code 2), such as a data
/// directory that holds no installation.
pub fn is_usage_error(e: &anyhow::Error) -> bool {
    matches!(e.downcast_ref::<maruhi_service::Error>(), Some(maruhi_service::Error::NoInstallation(_)))
}

pub(crate) fn config(g: &Global) -> InstallationConfig {
    InstallationConfig { data_dir: g.data_dir.clone(), database_url: g.database_url.clone() }
}

/// The service of the installation at `--data-dir`, which must exist, with
/// its vault (`--vault-url`, `--master-key-file`).
pub(crate) async fn open(g: &Global) -> Result<Service> {
    let installation = Installation::locate(&config(g))?;
    let svc = installation.open().await?;
    if g.vault_url.is_none() && g.master_key_file.is_none() {
        return Ok(svc);
    }
    let store = match vault_store(g)? {
        Some(store) => store,
        None => std::sync::Arc::new(maruhi_service::vault::LocalStore::new(installation.vault_dir())),
    };
    let keys = installation.master_key_file(g.master_key_file.as_deref());
    Ok(svc.with_vault(maruhi_service::vault::Vault::new(store, keys)))
}

/// The vault store `--vault-url` names, if any (else the data directory's).
fn vault_store(g: &Global) -> Result<Option<std::sync::Arc<dyn maruhi_service::vault::ObjectStore>>> {
    Ok(match &g.vault_url {
        Some(url) => Some(
            maruhi_server::s3::S3Store::from_url(url, s3_credentials())
                .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn maruhi_service::vault::ObjectStore>)
                .map_err(|e| anyhow::anyhow!("--vault-url: {e}"))?,
        ),
        None => None,
    })
}

/// A backup's passphrase: from a file, else `MARUHI_BACKUP_PASSPHRASE`
/// (never a flag, so it stays out of process listings and shell history).
fn passphrase(file: Option<&Path>) -> Result<String> {
    match file {
        Some(path) => read_password(path),
        None => std::env::var("MARUHI_BACKUP_PASSPHRASE")
            .ok()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| anyhow::anyhow!("give the passphrase with --passphrase-file or MARUHI_BACKUP_PASSPHRASE")),
    }
}

/// The installation at `--data-dir`, if there is one.
pub(crate) fn installation(g: &Global) -> Result<Option<Installation>> {
    Ok(Installation::find(&config(g))?)
}

/// The S3 credentials of a `--vault-url`: the standard variables
/// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (environment only, never
/// flags, so they stay out of process listings and shell history).
fn s3_credentials() -> Option<maruhi_server::s3::Credentials> {
    let key_id = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
    Some(maruhi_server::s3::Credentials { key_id, secret })
}

pub(crate) fn read_password(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read password file {}", path.display()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

pub(crate) fn print_json(v: &impl serde::Serialize) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Runs a command; returns its exit code when it succeeded (a scan with
/// findings exits with 1).
pub async fn run(cli: Cli) -> Result<u8> {
    let g = &cli.global;
    let op = Actor::operator();
    match cli.command {
        Command::Scan { paths, reference, background, format, threads, min_passage, min_chars, explain } => {
            // The ad-hoc mode needs no installation; where there is one, it
            // fingerprints with the installation's key.
            let (svc, adhoc_key) = match reference {
                Some(_) => (None, installation(g)?.map(|i| i.installation_key()).transpose()?),
                None => (Some(open(g).await?), None),
            };
            let args = crate::scan::ScanArgs {
                paths,
                reference,
                background,
                format,
                threads,
                min_passage,
                min_chars,
                explain,
                adhoc_key,
            };
            return crate::scan::scan(svc, &op, args).await;
        }
        Command::Mail(cmd) => return crate::mail::mail(cmd),
        Command::Events(cmd) => return crate::activity::events(&open(g).await?, &op, cmd).await,
        Command::Hr(cmd) => return crate::activity::hr(&open(g).await?, &op, cmd).await,
        Command::Watchlist(cmd) => crate::activity::watchlist(&open(g).await?, &op, cmd).await?,
        Command::Identity(cmd) => crate::activity::identity(&open(g).await?, &op, cmd).await?,
        Command::Material(cmd) => crate::scan::material(&open(g).await?, &op, cmd).await?,
        Command::Vault(cmd) => crate::scan::vault(&open(g).await?, &op, cmd).await?,
        Command::Edm(cmd) => crate::scan::edm(&open(g).await?, &op, cmd).await?,
        Command::Risk(crate::args::RiskCmd::Rules(cmd)) => return crate::risk::rules(g, cmd),
        Command::Risk(cmd) => crate::risk::risk(&open(g).await?, &op, cmd).await?,
        Command::Alerts(cmd) => crate::risk::alerts(&open(g).await?, &op, cmd).await?,
        Command::Init { admin_user, admin_password_file } => {
            setup::init(g, &admin_user, &admin_password_file).await?;
        }
        Command::Serve {
            listen,
            secure_cookies,
            max_extractions,
            behind_tls,
            trusted_proxies,
            mail_partner_domains,
            mail_authserv_ids,
            mail,
            publish,
        } => {
            let mail_triage = maruhi_mail::Config {
                partner_domains: mail_partner_domains,
                authserv_ids: mail_authserv_ids,
                ..maruhi_mail::Config::default()
            };
            let options = setup::ServeOptions {
                listen,
                secure_cookies,
                max_extractions,
                behind_tls,
                trusted_proxies,
                mail_triage,
            };
            setup::serve(g, options, &mail, &publish).await?;
        }
        Command::Demo { listen, publish } => setup::demo(g, listen, &publish).await?,
        Command::User(cmd) => registry::user(&open(g).await?, &op, cmd).await?,
        Command::Group(cmd) => registry::group(&open(g).await?, &op, cmd).await?,
        Command::Token(cmd) => registry::token(&open(g).await?, &op, cmd).await?,
        Command::Secret(cmd) => registry::secret(&open(g).await?, &op, cmd).await?,
        Command::Levels(cmd) => registry::levels(&open(g).await?, &op, cmd).await?,
        Command::Reminders(crate::args::RemindersCmd::Send { dry_run, json, mail }) => {
            return setup::send_reminders(&open(g).await?, &op, &mail, dry_run, json).await;
        }
        Command::Audit { limit, action, json } => {
            registry::audit(&open(g).await?, &op, limit, action.as_deref(), json).await?;
        }
        Command::Ledger { publish, cmd } => ledger::ledger(&open(g).await?, &publish, cmd).await?,
        Command::Evidence { publish: _, cmd: crate::args::EvidenceCmd::Verify { dir, key, tsa_ca_cert, json } } => {
            return ledger::evidence_verify(&dir, key.as_deref(), tsa_ca_cert.as_deref(), json);
        }
        Command::Evidence {
            publish,
            cmd: crate::args::EvidenceCmd::PriorUse { id, out, hashes_only, tsa_ca_cert },
        } => {
            ledger::prior_use(&open(g).await?, &op, &publish, id, &out, hashes_only, tsa_ca_cert.as_deref()).await?;
        }
        Command::VerifyProof { file, key, entry, witness_keys, timestamp, timestamp_ca } => {
            ledger::verify_proof_command(&file, &key, entry.as_deref(), &witness_keys, timestamp, timestamp_ca)?;
        }
        Command::Witness(cmd) => ledger::witness(cmd).await?,
        Command::Report(cmd) => report::report(&open(g).await?, &op, cmd).await?,
        Command::Case { publish, cmd } => cases::case(&open(g).await?, &op, &publish, cmd).await?,
        Command::Share(cmd) => sharing::share(&open(g).await?, &op, cmd).await?,
        Command::Trace { file, json } => return trace(&open(g).await?, &op, &file, json).await,
        Command::Backup { out, passphrase_file } => {
            let pass = passphrase(passphrase_file.as_deref())?;
            let installation = Installation::locate(&config(g))?;
            let svc = open(g).await?;
            let s = svc.backup(&op, &installation, &out, &pass, maruhi_service::backup::Kdf::default()).await?;
            eprintln!(
                "backup written: {} ({} bytes; database: {}, keys: {}, stored objects: {}, ledger entries: {})",
                s.path.display(),
                s.bytes,
                if s.database { "included" } else { "not included (PostgreSQL: pg_dump it)" },
                s.keys,
                s.objects,
                s.ledger_size
            );
        }
        Command::Restore { file, passphrase_file, json } => {
            let pass = passphrase(passphrase_file.as_deref())?;
            let store = vault_store(g)?;
            let r = maruhi_service::backup::restore(&file, &config(g), store, &pass).await?;
            if json {
                print_json(&r)?;
            } else {
                eprintln!(
                    "restored into {} (backup of {}): keys {}, stored objects {}, ledger entries {}, checkpoints {}",
                    r.data_dir.display(),
                    r.created_at,
                    r.keys,
                    r.objects,
                    r.ledger.entries,
                    r.ledger.checkpoints
                );
                for p in &r.ledger.problems {
                    eprintln!("  {p}");
                }
                for k in &r.missing_objects {
                    eprintln!("  missing stored object {k}");
                }
            }
            if !r.ledger.problems.is_empty() || !r.missing_objects.is_empty() {
                return Ok(1);
            }
        }
        Command::Assess { cmd, json, save, format, out, lang } => {
            let args = assess::ReportArgs { json, save, format, out, lang };
            assess::assess(&open(g).await?, &op, cmd, args).await?;
        }
    }
    Ok(0)
}

/// `maruhi trace`: 0 when a marked copy of this installation was named, 1
/// when no mark was found.
async fn trace(svc: &Service, op: &Actor, file: &Path, json: bool) -> Result<u8> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let report = svc.trace_copy(op, &name, bytes).await?;
    if json {
        print_json(&report)?;
    } else {
        for c in &report.copies {
            println!(
                "{}\tsecret {}\tmaterial {}\tfor {}\tdownloaded by {} at {}\tledger entry {}",
                c.code, c.secret_id, c.material_id, c.recipient, c.downloaded_by, c.downloaded_at, c.ledger_index
            );
        }
        for u in &report.unknown {
            println!("{u}\tnot a copy of this installation");
        }
    }
    if report.copies.is_empty() {
        eprintln!("no mark of this installation was found in {}", file.display());
        return Ok(1);
    }
    Ok(0)
}
