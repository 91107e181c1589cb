//! `maruhi report …`: the proofs of 秘密管理性.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use maruhi_service::report::{self, render};
use maruhi_service::{Actor, Service};

use crate::args::ReportCmd;

fn as_of(text: Option<&str>) -> Result<Option<time::OffsetDateTime>> {
    text.map(|t| {
        maruhi_service::risk::parse_as_of(t)
            .with_context(|| format!("--as-of {t}: expected YYYY-MM-DD or an RFC 3339 time"))
    })
    .transpose()
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            Ok(())
        }
    }
}

fn json(v: &impl serde::Serialize) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(v)?;
    bytes.push(b'\n');
    Ok(bytes)
}

pub(super) async fn report(svc: &Service, op: &Actor, cmd: ReportCmd) -> Result<()> {
    match cmd {
        ReportCmd::Secret { id, format, out, as_of: at } => {
            let r = svc.secret_report(op, id, as_of(at.as_deref())?).await?;
            let title = format!("営業秘密 No.{id} 秘密管理性の報告書");
            let bytes = match format.as_str() {
                "json" => json(&r)?,
                "html" => render::html(&title, &render::secret_blocks(&r)).into_bytes(),
                _ => render::pdf(&title, &render::secret_blocks(&r))?,
            };
            write_out(Some(&out), &bytes)?;
            eprintln!(
                "wrote {}: {} statements, {} with proofs, as of {}",
                out.display(),
                r.statements.len() + r.scans.len(),
                r.proofs.len(),
                r.dating.as_of
            );
        }
        ReportCmd::Register { as_of: at, format, out } => {
            let r = svc.register_as_of(op, as_of(at.as_deref())?).await?;
            let title = format!("営業秘密管理台帳 {}", r.dating.as_of);
            let bytes = match format.as_str() {
                "json" => json(&r)?,
                "html" => render::html(&title, &render::register_blocks(&r)).into_bytes(),
                "pdf" if out.is_none() => bail!("--format pdf needs --out FILE"),
                "pdf" => render::pdf(&title, &render::register_blocks(&r))?,
                _ => report::register_csv(&r)?,
            };
            write_out(out.as_deref(), &bytes)?;
            match (r.dating.checkpoint_size, &r.dating.timestamp_at) {
                (Some(size), Some(at)) => {
                    eprintln!("as of {}: dated by checkpoint {size}, time-stamped {at}", r.dating.as_of)
                }
                (Some(size), None) => {
                    eprintln!("as of {}: under signed checkpoint {size} (not time-stamped)", r.dating.as_of)
                }
                _ => eprintln!("as of {}: no signed checkpoint covers it yet", r.dating.as_of),
            }
        }
        ReportCmd::Acks { format, out } => {
            let gaps = svc.acknowledgement_gaps(op).await?;
            let bytes = if format == "json" { json(&gaps)? } else { report::gaps_csv(&gaps)? };
            write_out(out.as_deref(), &bytes)?;
        }
    }
    Ok(())
}
