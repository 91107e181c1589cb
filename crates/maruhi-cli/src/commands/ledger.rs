//! The evidence ledger: checkpoints, proofs, time stamps, verification,
//! and the witness that cosigns another log's checkpoints.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use maruhi_ledger::TlogProof;
use maruhi_service::{Actor, Service};

use super::print_json;
use crate::args::{LedgerCmd, PublishArgs, WitnessCmd};

pub(super) async fn ledger(svc: &Service, publish: &PublishArgs, cmd: LedgerCmd) -> Result<()> {
    let publisher = super::setup::publisher(svc, publish)?;
    match cmd {
        LedgerCmd::PublicKey => println!("{}", svc.ledger_public_key()?),
        LedgerCmd::Checkpoint => {
            publisher.publish().await?;
            match svc.latest_checkpoint().await? {
                Some(cp) => print!("{}", cp.note),
                None => bail!("the ledger is empty: there is no checkpoint yet"),
            }
        }
        LedgerCmd::Proof { index, timestamp_out } => {
            publisher.publish().await?;
            print!("{}", svc.ledger_proof(index).await?);
            if let Some(out) = timestamp_out {
                let (_, token) =
                    svc.timestamp_token_for(index).await?.context("no time stamp covers this entry yet")?;
                std::fs::write(&out, token).with_context(|| format!("cannot write {}", out.display()))?;
            }
        }
        LedgerCmd::Timestamp => {
            if !publisher.anchors() {
                bail!("time anchors need --tsa-url and --tsa-ca");
            }
            publisher.publish().await?;
            match publisher.anchor().await? {
                Some(size) => eprintln!("time-stamped the checkpoint of size {size}"),
                None => eprintln!("the latest checkpoint already has a time stamp"),
            }
        }
        LedgerCmd::Restamp { within_days } => {
            if !publisher.anchors() {
                bail!("renewing time stamps needs --tsa-url and --tsa-ca");
            }
            let within = std::time::Duration::from_secs(within_days.saturating_mul(86_400));
            let n = publisher.restamp(within).await?;
            eprintln!("renewed {n} time stamp(s) whose certificate expires within {within_days} days");
        }
        LedgerCmd::Tokens { out } => {
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
            let mut written = 0;
            for (size, chain) in svc.timestamp_chains().await? {
                for (i, token) in chain.iter().enumerate() {
                    let name = match i {
                        0 => format!("{size:08}.tst"),
                        n => format!("{size:08}.renewal-{n}.tst"),
                    };
                    std::fs::write(out.join(&name), token).with_context(|| format!("cannot write {name}"))?;
                    written += 1;
                }
            }
            eprintln!(
                "wrote {written} token(s) to {}: S.tst dates checkpoint S's text; S.renewal-N.tst dates the SHA-256 of the token before it",
                out.display()
            );
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

/// `maruhi evidence prior-use`: publishes a checkpoint if the log grew (so
/// every entry has a proof), then writes the bag.
pub(super) async fn prior_use(
    svc: &Service,
    op: &Actor,
    publish: &PublishArgs,
    id: i64,
    out: &Path,
    hashes_only: bool,
    tsa_ca: Option<&Path>,
) -> Result<()> {
    let publisher = super::setup::publisher(svc, publish)?;
    publisher.publish().await?;
    let tsa_ca =
        tsa_ca.map(|p| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))).transpose()?;
    let options = maruhi_service::evidence::PriorUseOptions { tsa_ca, hashes_only };
    let bag = svc.prior_use_bag(op, id, out, &options).await?;
    eprintln!(
        "wrote {}: {} ledger entries, {} materials, {} time-stamped checkpoints",
        bag.dir.display(),
        bag.entries,
        bag.materials,
        bag.timestamps
    );
    if bag.pending > 0 {
        eprintln!("note: {} newer entries are not under a signed checkpoint yet and were left out", bag.pending);
    }
    if bag.timestamps == 0 {
        eprintln!("note: no checkpoint of these entries has a time stamp yet (maruhi ledger timestamp --tsa-url … --tsa-ca …)");
    }
    Ok(())
}

/// `maruhi evidence verify`: exit 0 when everything verifies, 1 otherwise.
pub(super) fn evidence_verify(dir: &Path, key: Option<&str>, tsa_ca: Option<&Path>, json: bool) -> Result<u8> {
    let ca = tsa_ca.map(|p| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))).transpose()?;
    if !dir.join("bagit.txt").exists() {
        bail!("{} is not a bag (no bagit.txt)", dir.display());
    }
    let report = maruhi_service::evidence::verify_bag(dir, key, ca.as_deref());
    if json {
        print_json(&report)?;
    } else {
        for p in &report.problems {
            println!("{p}");
        }
        for (size, at, tsa) in &report.timestamps {
            println!("checkpoint {size}: time-stamped {at} by {tsa}");
        }
        if report.journal_entries > 0 {
            println!("case journal: {} entries match what the ledger recorded", report.journal_entries);
        }
        if let Some((at, tsa)) = &report.package_stamped {
            println!("the whole package (tagmanifest-sha256.txt) existed no later than {at} (time-stamped by {tsa})");
        }
        for (sha, at) in &report.materials {
            match at {
                Some(at) => println!("material {sha}: existed no later than {at}"),
                None => println!("material {sha}: registered in the ledger, not yet time-stamped"),
            }
        }
    }
    if key.is_none() {
        eprintln!("note: checked against the log key inside the bag; pass --key with a key obtained independently");
    }
    if report.ok() {
        eprintln!("ok: {} entries verified", report.entries);
        Ok(0)
    } else {
        eprintln!("the bag does not verify: {} problem(s)", report.problems.len());
        Ok(1)
    }
}

/// `maruhi verify-proof`: the proof, then the time stamp it carries or one
/// given beside it.
pub(super) fn verify_proof_command(
    file: &Path,
    key: &str,
    entry: Option<&Path>,
    witness_keys: &[String],
    timestamp: Option<PathBuf>,
    timestamp_ca: Option<PathBuf>,
) -> Result<()> {
    let proof = verify_proof(file, key, entry, witness_keys)?;
    let carried = maruhi_ledger::timestamp::timestamps(proof.note()).next();
    match (timestamp, timestamp_ca) {
        (Some(token_file), Some(ca)) => {
            let token = std::fs::read(&token_file).with_context(|| format!("cannot read {}", token_file.display()))?;
            verify_timestamp(&proof, &token, &ca)
        }
        (None, Some(ca)) => {
            let token = carried.context("the proof carries no time stamp; pass --timestamp")?;
            verify_timestamp(&proof, token, &ca)
        }
        _ if carried.is_some() => {
            eprintln!("the proof carries an RFC 3161 time stamp: pass --timestamp-ca to check it");
            Ok(())
        }
        _ => Ok(()),
    }
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

pub(super) async fn witness(cmd: WitnessCmd) -> Result<()> {
    match cmd {
        WitnessCmd::Keygen { name, out } => {
            let cosigner = maruhi_service::ledger::new_witness_key(&name)?;
            maruhi_service::installation::write_new_key(&out, &cosigner.key_string())?;
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
