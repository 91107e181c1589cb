//! Identity resolution: one person, one name. Sources name the same person
//! differently: an account (`tanaka`), a mail address
//! (`tanaka@example.co.jp`), a UPN (`TANAKA@CORP.EXAMPLE.CO.JP`) or a
//! down-level logon name (`CORP\tanaka`). Detection joins a person's events,
//! HR dates and watchlists only under one name, so every name is read through
//! [`Identities::canonical`]:
//!
//! 1. names are case-folded;
//! 2. an alias is replaced by its user: hand-made aliases first, then the
//!    automatic ones (maruhi users' mail addresses; HR names of the form
//!    `user@domain` whose `user` is a maruhi account);
//! 3. `DOMAIN\user` becomes `user`, and `user@domain` becomes `user` when
//!    `domain` is one of the company's domains (or below one);
//!
//! repeated (an alias may lead to a form, a form to an alias) a few times.
//! Automatic aliases are derived whenever they are read, so they follow
//! changes to users and HR data; the table holds only the hand-made ones.
//!
//! An events import stores the canonical name in place of an alias (and
//! counts the events it resolved); an analysis resolves the stored names
//! again, so an alias added later applies to events imported before it.
//!
//! User names are personal data: they enter the audit trail only in
//! summaries, never as an entry's object.

use std::collections::{BTreeMap, HashMap};

use maruhi_store::identities::AliasRow;
use serde::Serialize;
use serde_json::json;

use crate::audit::{self, AuditAction, Event};
use crate::i18n::Msg;
use crate::{policy, Actor, Error, Result, Service};

/// How many alias or form steps a name is followed through; ends cycles.
const MAX_STEPS: usize = 6;

/// Where an alias comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AliasSource {
    /// Entered by hand (`maruhi identity add`, the identities page).
    Manual,
    /// A maruhi user's mail address.
    UserEmail,
    /// An HR record's name in UPN form.
    Hr,
}

impl AliasSource {
    pub fn name(self) -> &'static str {
        match self {
            AliasSource::Manual => "manual",
            AliasSource::UserEmail => "user-email",
            AliasSource::Hr => "hr",
        }
    }
}

/// An alias as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alias {
    pub alias: String,
    /// The name it stands for (as entered; see `canonical` for where the
    /// chain of aliases ends).
    pub user: String,
    /// Where the alias chain ends: the name detection uses.
    pub canonical: String,
    pub source: AliasSource,
    pub note: String,
    /// Who entered a hand-made alias, and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_at: Option<String>,
}

/// The installation's identity map, built once per import or analysis.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    aliases: HashMap<String, String>,
    company_domains: Vec<String>,
}

/// Case-folds a name as every table keys it.
pub fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Identities {
    /// A map from explicit aliases (`alias → user`, later entries win) and
    /// the company's domains.
    pub fn new<'a>(
        aliases: impl IntoIterator<Item = (&'a str, &'a str)>,
        company_domains: impl IntoIterator<Item = &'a str>,
    ) -> Identities {
        Identities {
            aliases: aliases.into_iter().map(|(a, u)| (fold(a), fold(u))).filter(|(a, u)| a != u).collect(),
            company_domains: company_domains
                .into_iter()
                .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
        }
    }

    /// Whether `domain` is one of the company's domains or below one.
    pub fn is_company_domain(&self, domain: &str) -> bool {
        let domain = domain.trim_end_matches('.');
        self.company_domains.iter().any(|c| {
            domain.eq_ignore_ascii_case(c)
                || (domain.len() > c.len()
                    && domain.is_char_boundary(domain.len() - c.len() - 1)
                    && domain[domain.len() - c.len()..].eq_ignore_ascii_case(c)
                    && domain.as_bytes()[domain.len() - c.len() - 1] == b'.')
        })
    }

    /// The name detection knows this person by (case-folded).
    pub fn canonical(&self, name: &str) -> String {
        let mut n = fold(name);
        for _ in 0..MAX_STEPS {
            if let Some(user) = self.aliases.get(&n) {
                n = user.clone();
                continue;
            }
            if let Some((domain, user)) = n.split_once('\\') {
                if !domain.is_empty() && !user.is_empty() {
                    n = user.to_owned();
                    continue;
                }
            }
            if let Some((user, domain)) = n.rsplit_once('@') {
                if !user.is_empty() && self.is_company_domain(domain) {
                    n = user.to_owned();
                    continue;
                }
            }
            break;
        }
        n
    }

    /// The canonical name when it differs from `name` by more than case:
    /// what an import writes in place of the source's name.
    pub fn resolve(&self, name: &str) -> Option<String> {
        // Most names are canonical already: decide those without
        // allocating (an import calls this for every event).
        let trimmed = name.trim();
        if !trimmed.contains(['\\', '@'])
            && !trimmed.chars().any(char::is_uppercase)
            && !self.aliases.contains_key(trimmed)
        {
            return None;
        }
        let c = self.canonical(name);
        (c != fold(name)).then_some(c)
    }
}

impl Service {
    /// Every alias: hand-made ones and those derived from users' mail
    /// addresses and HR data, with their sources. Built from one connection.
    async fn alias_table(&self, conn: &mut maruhi_store::AnyConnection) -> Result<(Vec<Alias>, Vec<String>)> {
        let company: Vec<String> = maruhi_store::risk::domains(conn)
            .await?
            .into_iter()
            .filter(|(_, c)| c == "company")
            .map(|(d, _)| d)
            .collect();
        let users = maruhi_store::users::list(conn).await?;
        let accounts: std::collections::HashSet<String> = users.iter().map(|u| fold(&u.username)).collect();
        let mut auto: BTreeMap<String, (String, AliasSource)> = BTreeMap::new();
        for u in &users {
            let (email, username) = (fold(&u.email), fold(&u.username));
            if !email.is_empty() && email != username {
                auto.entry(email).or_insert((username, AliasSource::UserEmail));
            }
        }
        for h in maruhi_store::hr::list_hr(conn).await? {
            let name = fold(&h.user_name);
            if let Some((local, _)) = name.rsplit_once('@') {
                if accounts.contains(local) && !auto.contains_key(&name) {
                    auto.insert(name.clone(), (local.to_owned(), AliasSource::Hr));
                }
            }
        }
        let manual = maruhi_store::identities::list(conn).await?;
        let mut out: Vec<Alias> = auto
            .into_iter()
            .filter(|(a, _)| !manual.iter().any(|m| &m.alias == a))
            .map(|(alias, (user, source))| Alias {
                alias,
                canonical: String::new(),
                user,
                source,
                note: String::new(),
                added_by: None,
                added_at: None,
            })
            .collect();
        out.extend(manual.into_iter().map(|m| Alias {
            alias: m.alias,
            canonical: String::new(),
            user: m.user_name,
            source: AliasSource::Manual,
            note: m.note,
            added_by: Some(m.added_by),
            added_at: Some(m.added_at),
        }));
        Ok((out, company))
    }

    /// The identity map detection and imports read names through.
    pub(crate) async fn identities_from(&self, conn: &mut maruhi_store::AnyConnection) -> Result<Identities> {
        let (aliases, company) = self.alias_table(conn).await?;
        // Hand-made aliases come last, so they win over derived ones.
        Ok(Identities::new(
            aliases.iter().map(|a| (a.alias.as_str(), a.user.as_str())),
            company.iter().map(String::as_str),
        ))
    }

    /// Every alias with the name it resolves to, by canonical name. Admin,
    /// legal/IP and analysts.
    pub async fn identities(&self, actor: &Actor) -> Result<Vec<Alias>> {
        if !policy::may_read_hr(actor.role) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let (mut aliases, company) = self.alias_table(&mut conn).await?;
        let map = Identities::new(
            aliases.iter().map(|a| (a.alias.as_str(), a.user.as_str())),
            company.iter().map(String::as_str),
        );
        for a in &mut aliases {
            a.canonical = map.canonical(&a.alias);
        }
        aliases.sort_by(|a, b| (&a.canonical, &a.alias).cmp(&(&b.canonical, &b.alias)));
        Ok(aliases)
    }

    /// The name `name` resolves to. Admin, legal/IP and analysts.
    pub async fn canonical_user(&self, actor: &Actor, name: &str) -> Result<String> {
        if !policy::may_read_hr(actor.role) && !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(self.identities_from(&mut conn).await?.canonical(name))
    }

    /// Records that `alias` is another name of `user` (or points it at
    /// another user). Admin and legal/IP with write scope.
    pub async fn identity_add(&self, actor: &Actor, alias: &str, user: &str, note: &str) -> Result<Alias> {
        if !policy::may_manage_hr(actor) {
            return Err(Error::Forbidden);
        }
        let alias = crate::hr::person_name(alias)
            .map(|a| fold(&a))
            .ok_or_else(|| Error::invalid("alias", Msg::BadPersonName))?;
        let user =
            crate::hr::person_name(user).map(|u| fold(&u)).ok_or_else(|| Error::invalid("user", Msg::BadPersonName))?;
        let mut problems = crate::validate::Problems::default();
        let note = problems.text("note", note, false, 500);
        problems.finish()?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let map = self.identities_from(tx.conn()).await?;
        // An alias of itself, or one whose user leads back to it, would make
        // a cycle.
        if alias == user || map.canonical(&user) == alias {
            return Err(Error::invalid("user", Msg::IdentityCycle));
        }
        let before = maruhi_store::identities::get(tx.conn(), &alias).await?;
        if before.as_ref().is_some_and(|b| b.user_name == user && b.note == note) {
            drop(tx);
            return self.identity(actor, &alias).await;
        }
        let row = AliasRow {
            alias: alias.clone(),
            user_name: user.clone(),
            note: note.clone(),
            added_by: actor.username.clone(),
            added_at: at.clone(),
        };
        maruhi_store::identities::upsert(tx.conn(), &row).await?;
        let summary = json!({
            "alias": alias, "user": user, "note": note, "replaces": before.map(|b| b.user_name),
        });
        let event =
            Event { action: AuditAction::IdentityAdd, object_type: "identity", object_id: None, summary, actor };
        audit::record(&mut tx, &at, event).await?;
        tx.commit().await?;
        self.risk_inputs_changed(actor);
        self.identity(actor, &alias).await
    }

    /// Removes a hand-made alias (derived ones follow their users and HR
    /// data). Admin and legal/IP with write scope.
    pub async fn identity_remove(&self, actor: &Actor, alias: &str) -> Result<()> {
        if !policy::may_manage_hr(actor) {
            return Err(Error::Forbidden);
        }
        let alias = fold(alias);
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let Some(before) = maruhi_store::identities::get(tx.conn(), &alias).await? else {
            return Err(Error::NotFound);
        };
        maruhi_store::identities::remove(tx.conn(), &alias).await?;
        let summary = json!({ "alias": alias, "user": before.user_name });
        let event =
            Event { action: AuditAction::IdentityRemove, object_type: "identity", object_id: None, summary, actor };
        audit::record(&mut tx, &at, event).await?;
        tx.commit().await?;
        self.risk_inputs_changed(actor);
        Ok(())
    }

    async fn identity(&self, actor: &Actor, alias: &str) -> Result<Alias> {
        self.identities(actor).await?.into_iter().find(|a| a.alias == alias).ok_or(Error::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_aliases_lead_to_one_name() {
        let map = Identities::new(
            [("tanaka@example.co.jp", "tanaka"), ("t.tanaka", "tanaka"), ("a", "b"), ("b", "a")],
            ["example.co.jp"],
        );
        assert_eq!(map.canonical("Tanaka@Example.CO.JP"), "tanaka");
        assert_eq!(map.canonical("TANAKA@CORP.EXAMPLE.CO.JP"), "tanaka");
        assert_eq!(map.canonical("CORP\\tanaka"), "tanaka");
        assert_eq!(map.canonical("t.tanaka@corp.example.co.jp"), "tanaka");
        assert_eq!(map.canonical("tanaka@rival.example"), "tanaka@rival.example");
        assert_eq!(map.canonical("tanaka@notexample.co.jp"), "tanaka@notexample.co.jp");
        assert_eq!(map.resolve("Tanaka"), None, "case alone is not a resolution");
        assert_eq!(map.resolve("CORP\\Tanaka").as_deref(), Some("tanaka"));
        // A cycle ends somewhere instead of looping.
        assert!(["a", "b"].contains(&map.canonical("a").as_str()));
    }
}
