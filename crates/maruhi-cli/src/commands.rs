//! One function per subcommand. Data goes to stdout, messages to stderr.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use maruhi_ledger::TlogProof;
use maruhi_service::admin::UserInput;
use maruhi_service::i18n::Lang;
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, ListParams, Scope, Service};

use crate::args::{Cli, Command, Global, GroupCmd, LedgerCmd, LevelsCmd, SecretCmd, TokenCmd, UserCmd, WitnessCmd};

/// The CLI speaks the terminal's language: Japanese when `LANG` says so.
pub(crate) fn lang() -> Lang {
    std::env::var("LANG").ok().filter(|l| l.starts_with("ja")).map(|_| Lang::Ja).unwrap_or(Lang::En)
}

/// Explains an error in the terminal's language, with every field problem.
pub fn describe(e: &anyhow::Error) -> String {
    let lang = lang();
    if let Some(se) = e.downcast_ref::<maruhi_service::Error>() {
        let mut msg = format!("{} [{}]", se.message(lang), se.code());
        if let maruhi_service::Error::Invalid(fields) = se {
            for f in fields {
                msg.push_str(&format!("\n  {}: {}", f.field, f.msg.text(lang)));
            }
        }
        if let maruhi_service::Error::Store(inner) = se {
            msg.push_str(&format!("\n  {inner}"));
        }
        return msg;
    }
    format!("{e:#}")
}

fn database_url(g: &Global) -> Result<String> {
    if let Some(url) = &g.database_url {
        return Ok(url.clone());
    }
    let dir = std::path::absolute(&g.data_dir).context("cannot resolve the data directory")?;
    Ok(format!("sqlite://{}", dir.join("maruhi.db").display()))
}

/// Creates the data directory and the installation key (random, 0600), once.
fn prepare_data_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir.join("keys")).with_context(|| format!("cannot create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))?;
    }
    let mut key = [0u8; 32];
    getrandom_fill(&mut key)?;
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    write_key(&dir.join("keys").join("installation.key"), &hex)?;
    // The log's origin names this installation; the key signs its checkpoints.
    let origin = format!("maruhi/{}", &hex[..8]);
    write_key(&dir.join("keys").join("ledger.key"), &maruhi_service::ledger::new_log_key(&origin)?)?;
    Ok(())
}

/// Writes a key file readable by its owner only, unless it already exists.
fn write_key(path: &Path, contents: &str) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

fn getrandom_fill(buf: &mut [u8]) -> Result<()> {
    let mut f = std::fs::File::open("/dev/urandom").context("cannot open /dev/urandom")?;
    std::io::Read::read_exact(&mut f, buf).context("cannot read randomness")?;
    Ok(())
}

fn read_password(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read password file {}", path.display()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

async fn open(g: &Global) -> Result<Service> {
    if g.database_url.is_none() {
        prepare_data_dir(&g.data_dir)?;
    }
    let mut svc = Service::open(&database_url(g)?).await?;
    let key = g.data_dir.join("keys").join("ledger.key");
    match std::fs::read_to_string(&key) {
        Ok(text) => svc = svc.with_ledger_key(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", key.display())),
    }
    svc = svc.with_index_dir(g.data_dir.join("index"));
    match crate::risk::installed_pack(g) {
        Some(Ok(pack)) => svc = svc.with_rule_pack(pack),
        Some(Err(why)) => {
            eprintln!("warning: the rule folder does not load, so no risk analysis can run:\n{why}");
            svc = svc.with_broken_rule_pack(why);
        }
        None => {}
    }
    if let Some(key) = installation_key(g)? {
        svc = svc.with_installation_key(key);
    }
    Ok(svc)
}

/// The installation key of the data directory, if it has one.
fn installation_key(g: &Global) -> Result<Option<[u8; 32]>> {
    let key = g.data_dir.join("keys").join("installation.key");
    match std::fs::read_to_string(&key) {
        Ok(text) => {
            Ok(Some(parse_installation_key(&text).with_context(|| format!("{} is not 64 hex digits", key.display()))?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", key.display())),
    }
}

fn parse_installation_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let mut key = [0u8; 32];
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(key)
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
            let svc = if reference.is_some() { None } else { Some(open(g).await?) };
            let adhoc_key = match reference {
                Some(_) => installation_key(g)?,
                None => None,
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
        Command::Events(cmd) => {
            let svc = open(g).await?;
            return crate::activity::events(&svc, &op, cmd).await;
        }
        Command::Hr(cmd) => {
            let svc = open(g).await?;
            return crate::activity::hr(&svc, &op, cmd).await;
        }
        Command::Watchlist(cmd) => {
            let svc = open(g).await?;
            crate::activity::watchlist(&svc, &op, cmd).await?;
        }
        Command::Identity(cmd) => {
            let svc = open(g).await?;
            crate::activity::identity(&svc, &op, cmd).await?;
        }
        Command::Material(cmd) => {
            let svc = open(g).await?;
            crate::scan::material(&svc, &op, cmd).await?;
        }
        Command::Risk(crate::args::RiskCmd::Rules(cmd)) => {
            crate::risk::rules(g, cmd)?;
        }
        Command::Risk(cmd) => {
            let svc = open(g).await?;
            crate::risk::risk(&svc, &op, cmd).await?;
        }
        Command::Alerts(cmd) => {
            let svc = open(g).await?;
            crate::risk::alerts(&svc, &op, cmd).await?;
        }
        Command::Init { admin_user, admin_password_file } => {
            let password = read_password(&admin_password_file)?;
            prepare_data_dir(&g.data_dir)?;
            let svc = open(g).await?;
            if svc.is_initialised().await? {
                bail!("this installation is already initialised (users exist); use `maruhi user add` to add more");
            }
            let user = svc.init_admin(&admin_user, &password).await?;
            eprintln!("initialised; administrator `{}` created", user.username);
        }
        Command::Serve { listen, secure_cookies, max_extractions, behind_tls, trusted_proxies } => {
            let mut svc = open(g).await?;
            if let Some(n) = max_extractions {
                svc = svc.with_max_extractions(usize::from(n));
            }
            if !svc.is_initialised().await? {
                bail!("not initialised: run `maruhi init --admin-user NAME --admin-password-file FILE` first");
            }
            let mut state = maruhi_server::AppState::new(svc, secure_cookies.unwrap_or(!listen.ip().is_loopback()))
                .with_trusted_proxies(trusted_proxies);
            if behind_tls {
                state = state.behind_tls();
            }
            serve(state, g, listen).await?;
        }
        Command::Demo { listen } => {
            let svc = open(g).await?;
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
            serve(maruhi_server::AppState::new(svc, false), g, listen).await?;
        }
        Command::User(cmd) => user(g, &op, cmd).await?,
        Command::Group(cmd) => group(g, &op, cmd).await?,
        Command::Token(TokenCmd::Create { user, name, scope }) => {
            let svc = open(g).await?;
            let scope = Scope::parse(&scope).context("the scope is read or write")?;
            let token = svc.create_token(&op, &user, &name, scope).await?;
            println!("{}", token.expose());
            eprintln!("this token is shown only once; store it somewhere safe");
        }
        Command::Secret(cmd) => secret(g, &op, cmd).await?,
        Command::Levels(cmd) => {
            let svc = open(g).await?;
            if let LevelsCmd::Set { levels } = cmd {
                svc.set_levels(&op, &levels).await?;
            }
            for l in svc.levels().await? {
                println!("{l}");
            }
        }
        Command::Ledger(cmd) => ledger(g, cmd).await?,
        Command::VerifyProof { file, key, entry, witness_keys, timestamp, tsa_ca } => {
            let proof = verify_proof(&file, &key, entry.as_deref(), &witness_keys)?;
            let carried = maruhi_ledger::timestamp::timestamps(proof.note()).next();
            match (timestamp, tsa_ca) {
                (Some(token_file), Some(ca)) => {
                    let token =
                        std::fs::read(&token_file).with_context(|| format!("cannot read {}", token_file.display()))?;
                    verify_timestamp(&proof, &token, &ca)?;
                }
                (None, Some(ca)) => {
                    let token = carried.context("the proof carries no time stamp; pass --timestamp")?;
                    verify_timestamp(&proof, token, &ca)?;
                }
                _ if carried.is_some() => {
                    eprintln!("the proof carries an RFC 3161 time stamp: pass --timestamp-ca to check it");
                }
                _ => {}
            }
        }
        Command::Witness(cmd) => witness(cmd).await?,
        Command::Audit { limit, action, json } => {
            let svc = open(g).await?;
            let page = svc.audit_log(&op, action.as_deref(), 1, limit).await?;
            if json {
                print_json(&page.items)?;
            } else {
                let mut out = std::io::stdout().lock();
                for e in page.items {
                    writeln!(
                        out,
                        "{:>6}  {}  {:<24} {:<22} {} {}",
                        e.seq,
                        e.at,
                        e.actor,
                        e.action,
                        e.object_id.unwrap_or_default(),
                        e.summary
                    )?;
                }
            }
        }
    }
    Ok(0)
}

/// Signs and publishes a checkpoint if the log grew: directly, or only with
/// the required witnesses' cosignatures when witnesses are configured.
async fn publish(
    svc: &Service,
    g: &Global,
    http: &reqwest::Client,
    clients: &[maruhi_server::witness::WitnessClient],
) -> Result<Option<u64>> {
    if g.witnesses.is_empty() {
        return Ok(svc.publish_checkpoint().await?.map(|c| c.size as u64));
    }
    let threshold = g.witness_threshold.unwrap_or(clients.len());
    maruhi_server::witness::cosign_and_publish(svc, http, clients, threshold).await.map_err(anyhow::Error::from)
}

fn witness_clients(g: &Global) -> Result<Vec<maruhi_server::witness::WitnessClient>> {
    g.witnesses
        .iter()
        .map(|w| maruhi_server::witness::WitnessClient::parse(w.trim()).map_err(anyhow::Error::from))
        .collect()
}

/// An HTTP client for witnesses and TSAs: a hung peer must not stall the
/// publisher, so every request is bounded.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

/// The TSA's trust anchors, when time anchors are configured.
fn tsa_anchors(g: &Global) -> Result<Option<(String, Vec<Vec<u8>>)>> {
    match (&g.tsa_url, &g.tsa_ca) {
        (Some(url), Some(ca)) => {
            let bytes = std::fs::read(ca).with_context(|| format!("cannot read {}", ca.display()))?;
            let der = maruhi_timestamp::certificate_der(&bytes).context("the TSA certificate is not a certificate")?;
            Ok(Some((url.clone(), vec![der])))
        }
        (None, None) => Ok(None),
        _ => bail!("time anchors need both --tsa-url and --tsa-ca"),
    }
}

/// Gets and stores a time stamp over the latest checkpoint if it has none.
async fn anchor(svc: &Service, http: &reqwest::Client, url: &str, anchors: &[Vec<u8>]) -> Result<Option<i64>> {
    let Some((size, imprint)) = svc.checkpoint_to_timestamp().await? else { return Ok(None) };
    let token = maruhi_server::tsa::request_token(http, url, &imprint).await?;
    svc.store_timestamp(size, &token, anchors).await?;
    Ok(Some(size))
}

async fn serve(state: maruhi_server::AppState, g: &Global, listen: std::net::SocketAddr) -> Result<()> {
    let svc = state.svc.clone();
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(%listen, backend = ?svc.backend(), "serving");
    let app = maruhi_server::app(state);
    if svc.ledger_public_key().is_ok() {
        // A new signed checkpoint every few seconds when the log has grown.
        let publisher = svc.clone();
        let clients = witness_clients(g)?;
        let tsa = tsa_anchors(g)?;
        let interval = std::time::Duration::from_secs(g.tsa_interval.max(1));
        let g = Global {
            data_dir: g.data_dir.clone(),
            database_url: None,
            witnesses: g.witnesses.clone(),
            witness_threshold: g.witness_threshold,
            tsa_url: None,
            tsa_ca: None,
            tsa_interval: g.tsa_interval,
        };
        tokio::spawn(async move {
            let http = http_client();
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
            let mut last_anchor: Option<std::time::Instant> = None;
            loop {
                tick.tick().await;
                match publish(&publisher, &g, &http, &clients).await {
                    Ok(Some(size)) => tracing::info!(target: "maruhi::ledger", size, "published a checkpoint"),
                    Ok(None) => {}
                    Err(e) => tracing::error!(target: "maruhi::ledger", error = %e, "could not publish a checkpoint"),
                }
                let due = last_anchor.is_none_or(|t| t.elapsed() >= interval);
                if let (Some((url, anchors)), true) = (&tsa, due) {
                    match anchor(&publisher, &http, url, anchors).await {
                        Ok(Some(size)) => {
                            last_anchor = Some(std::time::Instant::now());
                            tracing::info!(target: "maruhi::ledger", size, "time-stamped a checkpoint");
                        }
                        Ok(None) => {}
                        Err(e) => tracing::error!(target: "maruhi::ledger", error = %e, "could not time-stamp"),
                    }
                }
            }
        });
    } else {
        tracing::warn!("no ledger key in the data directory: checkpoints are not signed");
    }
    maruhi_server::serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
    .await?;
    svc.close().await;
    Ok(())
}

async fn user(g: &Global, op: &Actor, cmd: UserCmd) -> Result<()> {
    let svc = open(g).await?;
    match cmd {
        UserCmd::Add { name, role, password_file, display_name, email, department, json } => {
            let password = password_file.as_deref().map(read_password).transpose()?;
            let user = svc
                .create_user(op, UserInput { username: name, display_name, email, department, role, password })
                .await?;
            if json {
                print_json(&user)?;
            } else {
                println!("{}", user.id);
            }
        }
        UserCmd::List { json } => {
            let users = svc.list_users(op).await?;
            if json {
                print_json(&users)?;
            } else {
                let mut out = std::io::stdout().lock();
                for u in users {
                    let state = if u.disabled { " (disabled)" } else { "" };
                    writeln!(out, "{}\t{}\t{}\t{}{state}", u.id, u.username, u.role.id(), u.display_name)?;
                }
            }
        }
        UserCmd::Passwd { name, password_file } => {
            svc.set_password(op, &name, &read_password(&password_file)?).await?;
            eprintln!("password changed; existing sessions of `{name}` ended");
        }
    }
    Ok(())
}

async fn group(g: &Global, op: &Actor, cmd: GroupCmd) -> Result<()> {
    let svc = open(g).await?;
    match cmd {
        GroupCmd::Add { name, description } => {
            let group = svc.create_group(op, &name, &description).await?;
            println!("{}", group.id);
        }
        GroupCmd::AddMember { group, user } => svc.set_membership(op, &group, &user, true).await?,
        GroupCmd::RemoveMember { group, user } => svc.set_membership(op, &group, &user, false).await?,
        GroupCmd::List { json } => {
            let groups = svc.list_groups(op).await?;
            if json {
                let v: Vec<_> = groups
                    .iter()
                    .map(|(g, m)| serde_json::json!({"group": g, "members": m.iter().map(|u| &u.username).collect::<Vec<_>>()}))
                    .collect();
                print_json(&v)?;
            } else {
                for (g, members) in groups {
                    let names: Vec<_> = members.iter().map(|u| u.username.as_str()).collect();
                    println!("{}\t{}", g.name, names.join(","));
                }
            }
        }
    }
    Ok(())
}

async fn secret(g: &Global, op: &Actor, cmd: SecretCmd) -> Result<()> {
    let svc = open(g).await?;
    match cmd {
        SecretCmd::Add {
            title,
            level,
            category,
            summary,
            department,
            manager,
            review_date,
            locations,
            marks,
            tags,
            grants,
            status,
            json,
        } => {
            let s = svc
                .create_secret(
                    op,
                    SecretInput {
                        title,
                        summary,
                        category,
                        level,
                        department,
                        manager,
                        review_date,
                        locations,
                        marks,
                        tags,
                        grants,
                        status: Some(status),
                        ..SecretInput::default()
                    },
                )
                .await?;
            if json {
                print_json(&s)?;
            } else {
                println!("{}", s.id);
            }
        }
        SecretCmd::List { query, level, status, json } => {
            let all = svc.all_secrets(op, &ListParams { text: query, level, status, ..ListParams::default() }).await?;
            if json {
                print_json(&all)?;
            } else {
                let mut out = std::io::stdout().lock();
                for s in all {
                    writeln!(out, "{}\t{}\t{}\t{}\t{}", s.id, s.level, s.status.id(), s.category.id(), s.title)?;
                }
            }
        }
        SecretCmd::Show { id, json } => {
            let s = svc.get_secret(op, id).await?;
            if json {
                print_json(&s)?;
            } else {
                let l = lang();
                println!("{} [{}] {}", s.id, s.level, s.title);
                let label = |k: &str| maruhi_service::i18n::ui(l, k);
                println!("  {}: {}", label("field.category"), s.category.label(l));
                println!("  {}: {}", label("field.status"), s.status.label(l));
                println!("  {}: {}", label("field.department"), s.department);
                println!("  {}: {}", label("field.manager"), s.manager.map(|m| m.name).unwrap_or_default());
                println!("  {}: {}", label("field.summary"), s.summary);
                for a in s.access.unwrap_or_default() {
                    println!("  {}: {} {}", label("field.access"), a.kind.id(), a.name);
                }
            }
        }
        SecretCmd::Grant { id, principal } => {
            svc.grant(op, id, &principal).await?;
        }
        SecretCmd::Attach { id, files, no_text, json } => {
            crate::scan::attach(&svc, op, id, &files, no_text, json).await?;
        }
        SecretCmd::Status { id, status, reason } => {
            let s = svc.change_status(op, id, &status, &reason).await?;
            println!("{}\t{}", s.id, s.status.id());
        }
    }
    Ok(())
}

async fn ledger(g: &Global, cmd: LedgerCmd) -> Result<()> {
    let svc = open(g).await?;
    match cmd {
        LedgerCmd::PublicKey => println!("{}", svc.ledger_public_key()?),
        LedgerCmd::Checkpoint => {
            publish(&svc, g, &http_client(), &witness_clients(g)?).await?;
            match svc.latest_checkpoint().await? {
                Some(cp) => print!("{}", cp.note),
                None => bail!("the ledger is empty: there is no checkpoint yet"),
            }
        }
        LedgerCmd::Proof { index, timestamp_out } => {
            publish(&svc, g, &http_client(), &witness_clients(g)?).await?;
            print!("{}", svc.ledger_proof(index).await?);
            if let Some(out) = timestamp_out {
                let (_, token) =
                    svc.timestamp_token_for(index).await?.context("no time stamp covers this entry yet")?;
                std::fs::write(&out, token).with_context(|| format!("cannot write {}", out.display()))?;
            }
        }
        LedgerCmd::Timestamp => {
            let (url, anchors) = tsa_anchors(g)?.context("time anchors need --tsa-url and --tsa-ca")?;
            let http = http_client();
            publish(&svc, g, &http, &witness_clients(g)?).await?;
            match anchor(&svc, &http, &url, &anchors).await? {
                Some(size) => eprintln!("time-stamped the checkpoint of size {size}"),
                None => eprintln!("the latest checkpoint already has a time stamp"),
            }
        }
        LedgerCmd::Entry { index, json } => {
            let e = svc.ledger_entry(index).await?;
            if json {
                print_json(&e)?;
            } else {
                print!("{}", e.entry);
            }
        }
        LedgerCmd::Erase { user } => {
            let n = svc.erase_personal_data(&Actor::operator(), &user).await?;
            eprintln!("erased the personal details of {n} event(s) by `{user}`; their ledger entries and proofs are unchanged");
        }
        LedgerCmd::Verify { json } => {
            let report = svc.verify_ledger().await?;
            if json {
                print_json(&report)?;
            } else {
                for p in &report.problems {
                    println!("{p}");
                }
            }
            if !report.ok() {
                bail!("the ledger does not verify: {} problem(s)", report.problems.len());
            }
            eprintln!(
                "ok: {} entries, {} signed checkpoints (latest covers {})",
                report.entries, report.checkpoints, report.latest_checkpoint
            );
        }
    }
    Ok(())
}

/// Checks an offline proof without any database: the proof's checkpoint must
/// carry a valid signature of `key`, and the entry must be included in it.
/// Returns the proof.
fn verify_proof(file: &Path, key: &str, entry: Option<&Path>, witness_keys: &[String]) -> Result<TlogProof> {
    use maruhi_ledger::checkpoint::TrustPolicy;
    let verifier =
        maruhi_ledger::note::Ed25519Verifier::from_vkey(key.trim()).context("the key is not a verifier key")?;
    let text = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let proof = TlogProof::parse(&text).context("not a c2sp.org/tlog-proof@v1 proof")?;
    let entry = match entry {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        None => proof.extra().map(<[u8]>::to_vec).context("the proof carries no entry; pass --entry")?,
    };
    let name = maruhi_ledger::note::Verifier::name(&verifier).to_owned();
    let witnesses = witness_keys
        .iter()
        .map(|k| maruhi_ledger::cosignature::CosignatureVerifier::from_vkey(k.trim()))
        .collect::<Result<Vec<_>, _>>()
        .context("a witness key is not a cosignature verifier key")?;
    let witness_refs: Vec<&dyn maruhi_ledger::note::Verifier> =
        witnesses.iter().map(|w| w as &dyn maruhi_ledger::note::Verifier).collect();
    let policy =
        TrustPolicy { origin: &name, log_key: &verifier, witnesses: &witness_refs, witness_threshold: witnesses.len() };
    let checked = proof.verify(&maruhi_ledger::leaf_hash(&entry), &policy).context("the proof does not verify")?;
    println!(
        "ok: entry {} is in the log {name} of size {}, cosigned by {} witness(es)",
        proof.index(),
        checked.checkpoint.size(),
        witnesses.len()
    );
    Ok(proof)
}

/// Checks that an RFC 3161 token dates the checkpoint inside a proof.
fn verify_timestamp(proof: &TlogProof, token: &[u8], ca_file: &Path) -> Result<()> {
    let ca = std::fs::read(ca_file).with_context(|| format!("cannot read {}", ca_file.display()))?;
    let ca = maruhi_timestamp::certificate_der(&ca).context("the TSA certificate is not a certificate")?;
    let imprint = maruhi_service::ledger::checkpoint_imprint(proof.note().text());
    let stamp = maruhi_timestamp::verify_token(token, &imprint, &[ca]).context("the time stamp does not verify")?;
    let at = time::OffsetDateTime::from_unix_timestamp(stamp.unix_time as i64)
        .map(maruhi_service::clock::format_time)
        .unwrap_or_default();
    println!("ok: the checkpoint of size {} existed at {at} ({})", proof.checkpoint().size(), stamp.tsa);
    Ok(())
}

async fn witness(cmd: WitnessCmd) -> Result<()> {
    match cmd {
        WitnessCmd::Keygen { name, out } => {
            let mut seed = [0u8; 32];
            getrandom_fill(&mut seed)?;
            let cosigner =
                maruhi_ledger::cosignature::Cosigner::from_seed(&name, &seed).context("invalid witness name")?;
            write_key(&out, &cosigner.key_string())?;
            println!("{}", cosigner.verifier().vkey());
        }
        WitnessCmd::Serve { listen, key, logs, state } => {
            let text = std::fs::read_to_string(&key).with_context(|| format!("cannot read {}", key.display()))?;
            let cosigner =
                maruhi_ledger::cosignature::Cosigner::from_key_string(text.trim()).context("not a witness key")?;
            let logs = logs
                .iter()
                .map(|l| maruhi_ledger::note::Ed25519Verifier::from_vkey(l.trim()))
                .collect::<Result<Vec<_>, _>>()
                .context("a --log is not a verifier key")?;
            let state = maruhi_server::witness::WitnessState::open(cosigner, logs, state)?;
            let app = maruhi_server::witness::witness_app(std::sync::Arc::new(state));
            let listener =
                tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(%listen, "witness serving");
            maruhi_server::serve(listener, app, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
    }
    Ok(())
}
