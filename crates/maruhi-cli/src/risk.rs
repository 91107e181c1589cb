//! `maruhi risk …` and `maruhi alerts …`: insider-risk detection from the
//! terminal. `risk users --json` and `alerts list --json` are contracts (see
//! README): `[{"user","score","reasons"}]` and alerts with `user`, `rule`,
//! `severity`, `first_event_time`, `event_ids`.

use std::io::Write;

use anyhow::{bail, Context, Result};
use maruhi_service::risk::RulePack;
use maruhi_service::{Actor, Service};
use time::OffsetDateTime;

use crate::args::{AlertsCmd, DomainCmd, Global, RiskCmd, RulesCmd};
use crate::commands::{lang, print_json};

/// The installation's own rule folder, when it has one: the pack, or why it
/// does not load.
/// The installation's own rule folder (the installation must exist).
fn rules_dir(g: &Global) -> Result<std::path::PathBuf> {
    Ok(maruhi_service::Installation::locate(&crate::commands::config(g))?.rules_dir())
}

/// `maruhi risk rules …` (needs no database).
pub fn rules(g: &Global, cmd: RulesCmd) -> Result<u8> {
    match cmd {
        RulesCmd::Export { dir } => {
            let dir = match dir {
                Some(d) => d,
                None => rules_dir(g)?,
            };
            let written = RulePack::export_builtin(&dir).map_err(|e| anyhow::anyhow!(e))?;
            println!("{} files written to {}", written.len(), dir.display());
        }
        RulesCmd::Check { dir } => {
            let dir = match dir {
                Some(d) => d,
                None => rules_dir(g)?,
            };
            let pack = RulePack::from_dir(&dir).map_err(|e| anyhow::anyhow!(e))?;
            println!("{}: {} rules load", dir.display(), pack.rules().rules().len());
        }
        RulesCmd::List { json } => {
            // The installation's own rules where it has a rule folder.
            let own = crate::commands::installation(g)?.map(|i| i.rules_dir()).filter(|d| d.is_dir());
            let pack = match own {
                Some(dir) => RulePack::from_dir(&dir),
                None => RulePack::builtin(),
            }
            .map_err(|e| anyhow::anyhow!(e))?;
            let rules: Vec<_> = pack
                .rules()
                .rules()
                .iter()
                .map(|r| serde_json::json!({"id": r.id, "name": r.name, "title": r.title, "level": r.level}))
                .collect();
            if json {
                print_json(&rules)?;
            } else {
                let mut out = std::io::stdout().lock();
                // The readable name where the rule has one (ids are UUIDs, as
                // Sigma tools expect).
                for r in pack.rules().rules() {
                    let name = r.name.as_deref().unwrap_or(&r.id);
                    writeln!(out, "{name:<40} {:<14} {}", r.level.as_str(), r.title)?;
                }
            }
        }
    }
    Ok(0)
}

/// Parses `--as-of`: a day (the end of it, in +09:00) or an RFC 3339 instant.
fn as_of(text: &str) -> Result<OffsetDateTime> {
    maruhi_service::risk::parse_as_of(text)
        .with_context(|| format!("--as-of {text}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// Runs the analysis after an import, reporting on stderr (stdout keeps the
/// import's report, which may be JSON).
/// The import itself is done either way: a failed analysis is a warning.
pub async fn analyse_after_import(svc: &Service, op: &Actor) -> Result<()> {
    let r = match svc.analyse_risk(op).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("warning: {}", crate::commands::describe(&anyhow::Error::new(e)));
            return Ok(());
        }
    };
    match lang() {
        maruhi_service::i18n::Lang::Ja => eprintln!(
            "リスク分析: {} 件のイベントから指標 {} 件、アラート {} 件（新規 {} 件）",
            r.events, r.indicators, r.alerts, r.new_alerts
        ),
        maruhi_service::i18n::Lang::En => eprintln!(
            "risk analysis: {} events, {} indicators, {} alerts ({} new)",
            r.events, r.indicators, r.alerts, r.new_alerts
        ),
    }
    for w in &r.warnings {
        eprintln!("warning: {}", w.text(lang()));
    }
    Ok(())
}

pub async fn risk(svc: &Service, op: &Actor, cmd: RiskCmd) -> Result<()> {
    let lang = lang();
    match cmd {
        RiskCmd::Analyse { json } => {
            let report = svc.analyse_risk(op).await?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "{} events analysed in {:.1} s: {} indicators, {} alerts ({} new), {} people with indicators",
                    report.events, report.seconds, report.indicators, report.alerts, report.new_alerts, report.people
                );
                if report.skipped_without_user > 0 {
                    println!("{} events without a user were not evaluated", report.skipped_without_user);
                }
                for w in &report.warnings {
                    eprintln!("warning: {}", w.text(lang));
                }
            }
        }
        RiskCmd::Users { as_of: at, top, json } => {
            let at = at.as_deref().map(as_of).transpose()?;
            let users = svc.risk_users(op, at, top, lang).await?;
            if json {
                print_json(&users)?;
            } else {
                let mut out = std::io::stdout().lock();
                for (i, u) in users.iter().enumerate() {
                    let lists =
                        if u.watchlists.is_empty() { String::new() } else { format!(" [{}]", u.watchlists.join(",")) };
                    writeln!(out, "{:>3}. {:<24} {:>7.1}{}", i + 1, u.user, u.score, lists)?;
                    for r in u.reasons.iter().take(3) {
                        writeln!(
                            out,
                            "       {:>6.1}  {}{}",
                            r.points,
                            r.text,
                            if r.count > 1 { format!(" (×{})", r.count) } else { String::new() }
                        )?;
                    }
                }
            }
        }
        RiskCmd::User { user, as_of: at, json } => {
            let at = at.as_deref().map(as_of).transpose()?;
            let person = svc.risk_person(op, &user, at, lang).await?;
            if json {
                print_json(&person)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}  score {:.1}  {}", person.user, person.score, person.watchlists.join(","))?;
                for a in &person.alerts {
                    writeln!(out, "  alert #{:<5} {} {:<8} {:<13} {}", a.id, a.day, a.severity, a.status, a.title)?;
                }
                for i in person.indicators.iter().take(50) {
                    writeln!(out, "  {} {:<32} {}", i.day, i.rule, lang.pick(&i.reason.ja, &i.reason.en))?;
                }
            }
        }
        RiskCmd::Rules(_) => bail!("internal: rule commands run without the database"),
        RiskCmd::Domain(cmd) => {
            match cmd {
                DomainCmd::Add { category, domain } => {
                    svc.set_risk_domain(op, &domain, &category).await?;
                    println!("{domain}: {category}");
                }
                DomainCmd::Remove { domain } => {
                    svc.remove_risk_domain(op, &domain).await?;
                    println!("{domain}: removed");
                }
                DomainCmd::Suggest { json } => {
                    let suggestions = svc.suggest_company_domains(op).await?;
                    if json {
                        print_json(&suggestions)?;
                    } else {
                        let mut out = std::io::stdout().lock();
                        for s in &suggestions {
                            writeln!(out, "{:<32} {:>5} people  ({})", s.domain, s.people, s.sources.join(", "))?;
                        }
                        if !suggestions.is_empty() {
                            match lang {
                                maruhi_service::i18n::Lang::Ja => {
                                    eprintln!("自社のドメインであれば maruhi risk domain add company ドメイン で設定してください")
                                }
                                maruhi_service::i18n::Lang::En => {
                                    eprintln!("confirm the company's own with: maruhi risk domain add company DOMAIN")
                                }
                            }
                        }
                    }
                }
                DomainCmd::List { json } => {
                    let domains = svc.risk_domains(op).await?;
                    if json {
                        let list: Vec<_> =
                            domains.iter().map(|(d, c)| serde_json::json!({"domain": d, "category": c})).collect();
                        print_json(&list)?;
                    } else {
                        for (d, c) in domains {
                            println!("{c:<11} {d}");
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

pub async fn alerts(svc: &Service, op: &Actor, cmd: AlertsCmd) -> Result<()> {
    match cmd {
        AlertsCmd::List { status, limit, offset, json, page_json } => {
            let page = svc.alert_page(op, status.as_deref(), limit, offset).await?;
            if page_json {
                print_json(&page)?;
            } else if json {
                print_json(&page.alerts)?;
            } else {
                let mut out = std::io::stdout().lock();
                for a in &page.alerts {
                    writeln!(
                        out,
                        "#{:<5} {} {:<20} {:<8} {:<13} {:>5} events  {}",
                        a.id, a.day, a.user, a.severity, a.status, a.event_count, a.title
                    )?;
                }
            }
            // The rest of a long list is only a flag away; say so on stderr
            // (stdout keeps exactly the alerts).
            let shown = page.offset + page.alerts.len() as i64;
            if shown < page.total {
                match lang() {
                    maruhi_service::i18n::Lang::Ja => eprintln!(
                        "{} 件中 {}〜{} 件目を表示（続きは --offset {shown}）",
                        page.total,
                        page.offset + 1,
                        shown
                    ),
                    maruhi_service::i18n::Lang::En => eprintln!(
                        "showing {}–{} of {} alerts (more with --offset {shown})",
                        page.offset + 1,
                        shown,
                        page.total
                    ),
                }
            }
        }
        AlertsCmd::Show { id, json } => {
            let detail = svc.alert(op, id).await?;
            if json {
                print_json(&detail)?;
            } else {
                let a = &detail.alert;
                let mut out = std::io::stdout().lock();
                writeln!(out, "#{} {} [{}] {} — {}", a.id, a.title, a.severity, a.user, a.status)?;
                writeln!(out, "{} .. {}  {} events", a.first_event_time, a.last_event_time, a.event_count)?;
                for r in &a.reasons {
                    writeln!(out, "  - {}", lang().pick(&r.ja, &r.en))?;
                }
                for e in &detail.events {
                    writeln!(out, "  {e}")?;
                }
            }
        }
        AlertsCmd::Triage { id, status, comment } => {
            let a = svc.triage_alert(op, id, &status, &comment).await?;
            println!("#{} {}", a.id, a.status);
        }
    }
    Ok(())
}
