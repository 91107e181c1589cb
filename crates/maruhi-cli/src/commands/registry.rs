//! The register and its people: users, groups, tokens, secrets, levels,
//! and the audit trail.

use std::io::Write;

use anyhow::{Context, Result};
use maruhi_service::admin::UserInput;
use maruhi_service::model::SecretInput;
use maruhi_service::{Actor, ListParams, Scope, Service};

use super::{lang, print_json, read_password};
use crate::args::{GroupCmd, LevelsCmd, SecretCmd, TokenCmd, UserCmd};

pub(super) async fn user(svc: &Service, op: &Actor, cmd: UserCmd) -> Result<()> {
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

pub(super) async fn group(svc: &Service, op: &Actor, cmd: GroupCmd) -> Result<()> {
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

pub(super) async fn token(svc: &Service, op: &Actor, cmd: TokenCmd) -> Result<()> {
    let TokenCmd::Create { user, name, scope } = cmd;
    let scope = Scope::parse(&scope).context("the scope is read or write")?;
    let token = svc.create_token(op, &user, &name, scope).await?;
    println!("{}", token.expose());
    eprintln!("this token is shown only once; store it somewhere safe");
    Ok(())
}

pub(super) async fn secret(svc: &Service, op: &Actor, cmd: SecretCmd) -> Result<()> {
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
        SecretCmd::Attach { id, files, no_text, store, json } => {
            crate::scan::attach(svc, op, id, &files, no_text, store, json).await?;
        }
        SecretCmd::Status { id, status, reason } => {
            let s = svc.change_status(op, id, &status, &reason).await?;
            println!("{}\t{}", s.id, s.status.id());
        }
    }
    Ok(())
}

pub(super) async fn levels(svc: &Service, op: &Actor, cmd: LevelsCmd) -> Result<()> {
    if let LevelsCmd::Set { levels } = cmd {
        svc.set_levels(op, &levels).await?;
    }
    for l in svc.levels().await? {
        println!("{l}");
    }
    Ok(())
}

pub(super) async fn audit(svc: &Service, op: &Actor, limit: i64, action: Option<&str>, json: bool) -> Result<()> {
    let page = svc.audit_log(op, action, 1, limit).await?;
    if json {
        return print_json(&page.items);
    }
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
    Ok(())
}
