//! The register of trade secrets: listing, reading, registering, changing,
//! granting and acknowledging, each checked against [`crate::policy`] and
//! recorded through [`crate::audit`].

use maruhi_store::rows::SecretRow;
use maruhi_store::secrets::ListQuery;
pub use maruhi_store::secrets::SortKey;
use maruhi_store::AnyConnection;
use serde_json::json;

use crate::audit::{self, AuditAction, Event};
use crate::clock::{format_date, parse_date};
use crate::i18n::{Lang, Msg};
use crate::model::{
    Acknowledgement, AuditEntry, Category, Grant, LegalNotes, Page, PrincipalKind, Role, Secret, SecretInput, Status,
    UserRef,
};
use crate::policy;
use crate::validate::Problems;
use crate::{Actor, Error, Result, Service, DEFAULT_LEVELS};

/// Filters, order and page of the register list.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub text: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub department: Option<String>,
    /// Only secrets whose review is due within 30 days.
    pub review_due: bool,
    pub sort: SortKey,
    pub descending: bool,
    pub page: i64,
    pub per_page: i64,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            text: None,
            level: None,
            status: None,
            category: None,
            department: None,
            review_due: false,
            sort: SortKey::Updated,
            descending: true,
            page: 1,
            per_page: 50,
        }
    }
}

/// Counts of whole-register queries, kept for a few seconds.
///
/// Roles that oversee the register (admin, legal, auditor) list all of it,
/// and an exact `COUNT(*)` over 100,000 rows on every page costs more than
/// the page itself. Their totals may lag by up to [`COUNT_TTL`] behind
/// writes made through another server process; writes through this process
/// clear the cache at once. Need-to-know lists are always counted exactly.
#[derive(Default)]
pub(crate) struct CountCache(std::sync::Mutex<std::collections::HashMap<String, (time::OffsetDateTime, i64)>>);

const COUNT_TTL: time::Duration = time::Duration::seconds(10);

impl CountCache {
    fn get(&self, key: &str, now: time::OffsetDateTime) -> Option<i64> {
        let map = self.0.lock().ok()?;
        map.get(key).filter(|(at, _)| now - *at < COUNT_TTL).map(|(_, n)| *n)
    }

    fn put(&self, key: String, now: time::OffsetDateTime, n: i64) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() > 1_000 {
                map.clear();
            }
            map.insert(key, (now, n));
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}

/// The numbers on the dashboard.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub levels: Vec<String>,
    /// (level, status, count) over the secrets the actor may see.
    pub counts: Vec<(String, String, i64)>,
    pub total: i64,
    pub reviews_due: Vec<Secret>,
    pub my_outstanding: Vec<(i64, String, i64)>,
    /// Across the whole register; only for roles that oversee it.
    pub outstanding_total: Option<i64>,
    /// The actor's own reminders ([`crate::reminders`]).
    pub reminders: Vec<crate::reminders::Reminder>,
}

impl Dashboard {
    pub fn count(&self, level: &str, status: &str) -> i64 {
        self.counts.iter().filter(|(l, s, _)| l == level && s == status).map(|(_, _, n)| n).sum()
    }
    pub fn level_total(&self, level: &str) -> i64 {
        self.counts.iter().filter(|(l, _, _)| l == level).map(|(_, _, n)| n).sum()
    }
}

/// The visible form of a stored row.
fn to_secret(r: SecretRow, access: Option<Vec<Grant>>) -> Secret {
    Secret {
        id: r.id,
        title: r.title,
        summary: r.summary,
        category: Category::parse(&r.category).unwrap_or(Category::Other),
        level: r.level,
        department: r.department,
        manager: r.manager_id.map(|id| UserRef { id, name: r.manager_name.unwrap_or_default() }),
        status: Status::parse(&r.status).unwrap_or(Status::Draft),
        status_reason: r.status_reason,
        review_date: r.review_date,
        locations: r.locations,
        marks: r.marks,
        agreements: r.agreements,
        tags: r.tags,
        notes: LegalNotes { usefulness: r.usefulness, non_public: r.non_public, secrecy_management: r.secrecy_mgmt },
        handling_rules: r.handling_rules,
        rules_version: r.rules_version,
        revision: r.revision,
        access,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// The fields of a secret that the audit trail compares.
fn audit_view(s: &Secret) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["access", "revision", "updated_at", "created_at", "id"] {
            o.remove(k);
        }
    }
    v
}

/// Parses `NAME`, `user:NAME` or `group:NAME`.
fn parse_principal(s: &str) -> (PrincipalKind, &str) {
    let s = s.trim();
    if let Some(g) = s.strip_prefix("group:") {
        (PrincipalKind::Group, g.trim())
    } else {
        (PrincipalKind::User, s.strip_prefix("user:").unwrap_or(s).trim())
    }
}

async fn resolve_principal(conn: &mut AnyConnection, s: &str) -> Result<Option<(PrincipalKind, i64, String)>> {
    let (kind, name) = parse_principal(s);
    Ok(match kind {
        PrincipalKind::User => maruhi_store::users::by_username(conn, name)
            .await?
            .filter(|u| !u.disabled)
            .map(|u| (kind, u.id, u.display_name)),
        PrincipalKind::Group => maruhi_store::groups::by_name(conn, name).await?.map(|g| (kind, g.id, g.name)),
    })
}

fn csv_cell(out: &mut String, value: &str) {
    // Cells starting with a formula character are prefixed so that a
    // spreadsheet never evaluates text from the register (CSV injection).
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if guarded.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&guarded.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&guarded);
    }
}

impl Service {
    pub(crate) async fn ensure_levels(&self) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if maruhi_store::levels::list(tx.conn()).await?.is_empty() {
            let defaults: Vec<String> = DEFAULT_LEVELS.iter().map(|s| s.to_string()).collect();
            // Servers starting together may both get here: the first wins.
            maruhi_store::levels::insert_missing(tx.conn(), &defaults).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The classification levels, most secret first.
    pub async fn levels(&self) -> Result<Vec<String>> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::levels::list(&mut conn).await?)
    }

    /// Replaces the ordered list of levels. A level in use cannot be dropped.
    pub async fn set_levels(&self, actor: &Actor, levels: &[String]) -> Result<()> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut p = Problems::default();
        let levels = p.list("levels", levels, 20, 30);
        if levels.is_empty() {
            p.add("levels", Msg::Required);
        }
        let mut seen = std::collections::HashSet::new();
        if !levels.iter().all(|l| seen.insert(l.as_str())) {
            p.add("levels", Msg::DuplicateLevel);
        }
        p.finish()?;
        let mut tx = self.db.begin().await?;
        let before = maruhi_store::levels::list(tx.conn()).await?;
        for old in before.iter().filter(|o| !levels.contains(o)) {
            if maruhi_store::levels::usage(tx.conn(), old).await? > 0 {
                return Err(Error::invalid("levels", Msg::LevelInUse));
            }
        }
        maruhi_store::levels::replace(tx.conn(), &levels).await?;
        audit::record(
            &mut tx,
            &self.now_text(),
            Event::new(actor, AuditAction::LevelsUpdate, "levels", "levels")
                .summary(json!({"before": before, "after": levels})),
        )
        .await?;
        tx.commit().await.map_err(Error::from)
    }

    fn viewer(actor: &Actor) -> Option<i64> {
        if policy::sees_whole_register(actor.role) {
            None
        } else {
            // A user id that matches nothing for an actor without one.
            Some(actor.user_id.unwrap_or(-1))
        }
    }

    pub(crate) async fn may_view(conn: &mut AnyConnection, actor: &Actor, row: &SecretRow) -> Result<bool> {
        if policy::sees_whole_register(actor.role) {
            return Ok(true);
        }
        let Some(uid) = actor.user_id else { return Ok(false) };
        if row.manager_id == Some(uid) {
            return Ok(true);
        }
        Ok(maruhi_store::secrets::is_visible_to(conn, row.id, uid).await?)
    }

    /// Loads a secret the actor may see, or `NotFound` (also when they may not:
    /// its existence is itself need-to-know).
    pub(crate) async fn visible_row(&self, conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<SecretRow> {
        let row = maruhi_store::secrets::get(conn, id).await?.ok_or(Error::NotFound)?;
        if Self::may_view(conn, actor, &row).await? {
            Ok(row)
        } else {
            Err(Error::NotFound)
        }
    }

    async fn access_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<Grant>> {
        Ok(maruhi_store::access::list(conn, id)
            .await?
            .into_iter()
            .map(|a| Grant {
                kind: if a.principal_kind == "group" { PrincipalKind::Group } else { PrincipalKind::User },
                id: a.principal_id,
                name: a.name,
                granted_at: a.granted_at,
            })
            .collect())
    }

    fn list_query(actor: &Actor, p: &ListParams, today: time::Date) -> ListQuery {
        let per_page = p.per_page.clamp(1, 500);
        let page = p.page.max(1);
        ListQuery {
            viewer: Self::viewer(actor),
            text: p.text.clone().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
            level: p.level.clone(),
            status: p.status.clone(),
            category: p.category.clone(),
            department: p.department.clone(),
            review_due_by: p.review_due.then(|| format_date(today + time::Duration::days(30))),
            sort: p.sort,
            descending: p.descending,
            limit: per_page,
            offset: (page - 1).saturating_mul(per_page),
        }
    }

    /// One page of the register, filtered by need-to-know.
    pub async fn list_secrets(&self, actor: &Actor, p: &ListParams) -> Result<Page<Secret>> {
        let now = self.now();
        let q = Self::list_query(actor, p, now.date());
        let mut conn = self.db.read().await?;
        let rows = maruhi_store::secrets::page(&mut conn, &q).await?;
        let total = if q.viewer.is_some() {
            maruhi_store::secrets::count(&mut conn, &q).await?
        } else {
            let key =
                format!("{:?}", ListQuery { sort: SortKey::Id, descending: false, limit: 0, offset: 0, ..q.clone() });
            match self.counts.get(&key, now) {
                Some(n) => n,
                None => {
                    let n = maruhi_store::secrets::count(&mut conn, &q).await?;
                    self.counts.put(key, now, n);
                    n
                }
            }
        };
        Ok(Page {
            items: rows.into_iter().map(|r| to_secret(r, None)).collect(),
            total,
            page: p.page.max(1),
            per_page: q.limit,
        })
    }

    /// Every secret matching the filters that the actor may see, in one
    /// statement, so an export is one consistent snapshot (no row repeated
    /// or skipped while others edit).
    pub async fn all_secrets(&self, actor: &Actor, p: &ListParams) -> Result<Vec<Secret>> {
        let mut q = Self::list_query(actor, p, self.now().date());
        q.limit = i64::MAX;
        q.offset = 0;
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::secrets::page(&mut conn, &q).await?.into_iter().map(|r| to_secret(r, None)).collect())
    }

    /// A secret with its access list. Viewing is recorded in the audit trail.
    pub async fn get_secret(&self, actor: &Actor, id: i64) -> Result<Secret> {
        let (row, access) = {
            let mut conn = self.db.read().await?;
            let row = self.visible_row(&mut conn, actor, id).await?;
            let access = Self::access_of(&mut conn, id).await?;
            (row, access)
        };
        let mut tx = self.db.begin().await?;
        audit::record(&mut tx, &self.now_text(), Event::new(actor, AuditAction::SecretView, "secret", id)).await?;
        tx.commit().await?;
        Ok(to_secret(row, Some(access)))
    }

    /// Validates input into a row; `base` carries what the input does not set.
    async fn check_input(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        input: &SecretInput,
        mut base: SecretRow,
    ) -> Result<SecretRow> {
        let mut p = Problems::default();
        base.title = p.text("title", &input.title, true, 200);
        base.summary = p.text("summary", &input.summary, false, 2000);
        match Category::parse(&input.category) {
            Some(c) => base.category = c.id().to_owned(),
            None if input.category.trim().is_empty() => p.add("category", Msg::Required),
            None => p.add("category", Msg::UnknownCategory),
        }
        let levels = maruhi_store::levels::list(conn).await?;
        let level = input.level.trim();
        if level.is_empty() {
            p.add("level", Msg::Required);
        } else if !levels.iter().any(|l| l == level) {
            p.add("level", Msg::UnknownLevel);
        }
        base.level = level.to_owned();
        base.department = p.text("department", &input.department, false, 100);
        base.review_date = match input.review_date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => match parse_date(d) {
                Some(date) => Some(format_date(date)),
                None => {
                    p.add("review_date", Msg::BadDate);
                    None
                }
            },
        };
        base.locations = p.list("locations", &input.locations, 50, 500);
        base.marks = p.list("marks", &input.marks, 20, 200);
        base.agreements = p.list("agreements", &input.agreements, 50, 200);
        let mut tags = p.list("tags", &input.tags, 30, 30);
        tags.dedup();
        base.tags = tags;
        base.usefulness = p.text("notes.usefulness", &input.notes.usefulness, false, 4000);
        base.non_public = p.text("notes.non_public", &input.notes.non_public, false, 4000);
        base.secrecy_mgmt = p.text("notes.secrecy_management", &input.notes.secrecy_management, false, 4000);
        let rules = p.text("handling_rules", &input.handling_rules, false, 8000);
        if rules != base.handling_rules {
            // New rules need new acknowledgements; the version says which
            // text each acknowledgement covered.
            if base.id != 0 {
                base.rules_version += 1;
            }
            base.handling_rules = rules;
        }
        match input.manager.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(name) => match maruhi_store::users::by_username(conn, name).await?.filter(|u| !u.disabled) {
                Some(u) => {
                    base.manager_id = Some(u.id);
                    base.manager_name = Some(u.display_name);
                }
                None => p.add("manager", Msg::UnknownUser),
            },
            None if base.id == 0 && actor.role == Role::Manager => base.manager_id = actor.user_id,
            None => {}
        }
        p.finish()?;
        Ok(base)
    }

    /// Registers a secret.
    pub async fn create_secret(&self, actor: &Actor, input: SecretInput) -> Result<Secret> {
        if !policy::may_create_secret(actor) {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let now = self.now_text();
        let status = match input.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Status::Draft,
            Some(s) => match Status::parse(s) {
                Some(st @ (Status::Draft | Status::Registered)) => st,
                _ => return Err(Error::invalid("status", Msg::UnknownStatus)),
            },
        };
        let base = SecretRow {
            status: status.id().to_owned(),
            rules_version: 1,
            created_by: actor.user_id,
            created_at: now.clone(),
            updated_at: now.clone(),
            ..SecretRow::default()
        };
        let row = self.check_input(tx.conn(), actor, &input, base).await?;
        let mut grants = Vec::new();
        let mut missing = false;
        for g in input.grants.iter().filter(|g| !g.trim().is_empty()) {
            match resolve_principal(tx.conn(), g).await? {
                Some(p) => grants.push(p),
                None => missing = true,
            }
        }
        if missing {
            return Err(Error::invalid("grants", Msg::UnknownUser));
        }
        let id = maruhi_store::secrets::insert(tx.conn(), &row).await?;
        for (kind, pid, _) in &grants {
            maruhi_store::access::grant(tx.conn(), id, kind.id(), *pid, actor.user_id, &now).await?;
        }
        let stored = maruhi_store::secrets::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        let access = Self::access_of(tx.conn(), id).await?;
        let secret = to_secret(stored, Some(access));
        let granted: Vec<String> = grants.iter().map(|(k, _, n)| format!("{}:{n}", k.id())).collect();
        // With ids, so the register can be rebuilt by account, whatever
        // the names shown.
        let principals: Vec<serde_json::Value> =
            grants.iter().map(|(k, pid, n)| json!({"kind": k.id(), "id": pid, "name": n})).collect();
        audit::record(
            &mut tx,
            &now,
            Event::new(actor, AuditAction::SecretCreate, "secret", id)
                .summary(json!({"after": audit_view(&secret), "grants": granted, "principals": principals})),
        )
        .await?;
        tx.commit().await?;
        self.counts.clear();
        Ok(secret)
    }

    /// Changes a secret's fields. `input.revision`, when given, must match.
    pub async fn update_secret(&self, actor: &Actor, id: i64, input: SecretInput) -> Result<Secret> {
        let mut tx = self.db.begin().await?;
        let row = self.visible_row(tx.conn(), actor, id).await?;
        if !policy::may_manage_secret(actor, row.manager_id) {
            return Err(Error::Forbidden);
        }
        if input.revision.is_some_and(|r| r != row.revision) {
            return Err(Error::Conflict(Msg::StaleRevision));
        }
        let before = to_secret(row.clone(), None);
        let mut next = self.check_input(tx.conn(), actor, &input, row).await?;
        next.updated_at = self.now_text();
        if !maruhi_store::secrets::update(tx.conn(), &next).await? {
            return Err(Error::Conflict(Msg::StaleRevision));
        }
        let stored = maruhi_store::secrets::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        let access = Self::access_of(tx.conn(), id).await?;
        let after = to_secret(stored, Some(access));
        audit::record(
            &mut tx,
            &next.updated_at,
            Event::new(actor, AuditAction::SecretUpdate, "secret", id)
                .summary(audit::diff(&audit_view(&before), &audit_view(&after))),
        )
        .await?;
        tx.commit().await?;
        self.counts.clear();
        Ok(after)
    }

    /// Moves a secret along its life cycle, with a reason where one is needed.
    pub async fn change_status(&self, actor: &Actor, id: i64, next: &str, reason: &str) -> Result<Secret> {
        let next = Status::parse(next).ok_or_else(|| Error::invalid("status", Msg::UnknownStatus))?;
        let mut tx = self.db.begin().await?;
        let mut row = self.visible_row(tx.conn(), actor, id).await?;
        if !policy::may_manage_secret(actor, row.manager_id) {
            return Err(Error::Forbidden);
        }
        let current = Status::parse(&row.status).unwrap_or(Status::Draft);
        if !current.can_become(next) {
            return Err(Error::invalid("status", Msg::BadTransition));
        }
        let mut p = Problems::default();
        let reason = p.text("status_reason", reason, next.needs_reason(), 2000);
        p.finish()?;
        row.status = next.id().to_owned();
        row.status_reason = reason.clone();
        row.updated_at = self.now_text();
        if !maruhi_store::secrets::update(tx.conn(), &row).await? {
            return Err(Error::Conflict(Msg::StaleRevision));
        }
        audit::record(
            &mut tx,
            &row.updated_at,
            Event::new(actor, AuditAction::SecretStatus, "secret", id)
                .summary(json!({"status": {"before": current.id(), "after": next.id()}, "reason": reason})),
        )
        .await?;
        let stored = maruhi_store::secrets::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        self.counts.clear();
        Ok(to_secret(stored, None))
    }

    /// Adds a user (`NAME`, `user:NAME`) or group (`group:NAME`) to the access list.
    pub async fn grant(&self, actor: &Actor, id: i64, principal: &str) -> Result<Grant> {
        let mut tx = self.db.begin().await?;
        let row = self.visible_row(tx.conn(), actor, id).await?;
        if !policy::may_manage_secret(actor, row.manager_id) {
            return Err(Error::Forbidden);
        }
        let (kind, pid, name) = match resolve_principal(tx.conn(), principal).await? {
            Some(p) => p,
            None if parse_principal(principal).0 == PrincipalKind::Group => {
                return Err(Error::invalid("principal", Msg::UnknownGroup))
            }
            None => return Err(Error::invalid("principal", Msg::UnknownUser)),
        };
        let at = self.now_text();
        if maruhi_store::access::grant(tx.conn(), id, kind.id(), pid, actor.user_id, &at).await? {
            audit::record(
                &mut tx,
                &at,
                Event::new(actor, AuditAction::SecretGrant, "secret", id)
                    .summary(json!({"principal": {"kind": kind.id(), "id": pid, "name": name}})),
            )
            .await?;
        }
        tx.commit().await?;
        self.counts.clear();
        Ok(Grant { kind, id: pid, name, granted_at: at })
    }

    pub async fn revoke(&self, actor: &Actor, id: i64, kind: PrincipalKind, principal_id: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let row = self.visible_row(tx.conn(), actor, id).await?;
        if !policy::may_manage_secret(actor, row.manager_id) {
            return Err(Error::Forbidden);
        }
        if !maruhi_store::access::revoke(tx.conn(), id, kind.id(), principal_id).await? {
            return Err(Error::NotFound);
        }
        audit::record(
            &mut tx,
            &self.now_text(),
            Event::new(actor, AuditAction::SecretRevoke, "secret", id)
                .summary(json!({"principal": {"kind": kind.id(), "id": principal_id}})),
        )
        .await?;
        tx.commit().await?;
        self.counts.clear();
        Ok(())
    }

    /// The audit trail of one secret, oldest first. Scan findings (who or
    /// what was scanned) are left out for everyone but those who
    /// investigate ([`policy::sees_investigations`]): the rest of the access
    /// list may include the person under investigation. The ledger keeps
    /// every entry; only this view is filtered.
    pub async fn history(&self, actor: &Actor, id: i64) -> Result<Vec<AuditEntry>> {
        let mut conn = self.db.read().await?;
        let row = self.visible_row(&mut conn, actor, id).await?;
        let investigates = policy::sees_investigations(actor, row.manager_id);
        let rows = maruhi_store::audit::for_object(&mut conn, "secret", &id.to_string()).await?;
        Ok(rows
            .into_iter()
            .filter(|r| investigates || !policy::is_investigation_action(&r.action))
            .map(audit_entry)
            .collect())
    }

    pub async fn acknowledgements(&self, actor: &Actor, id: i64) -> Result<Vec<Acknowledgement>> {
        let mut conn = self.db.read().await?;
        self.visible_row(&mut conn, actor, id).await?;
        Ok(maruhi_store::acks::for_secret(&mut conn, id)
            .await?
            .into_iter()
            .map(|a| Acknowledgement {
                user_id: a.user_id,
                user: a.username,
                rules_version: a.rules_version,
                acknowledged_at: a.acknowledged_at,
            })
            .collect())
    }

    /// Whether the actor manages the secret or is on its access list (directly
    /// or through a group): those who acknowledge its handling rules.
    pub async fn is_entitled(&self, actor: &Actor, id: i64) -> Result<bool> {
        let Some(uid) = actor.user_id else { return Ok(false) };
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::secrets::is_visible_to(&mut conn, id, uid).await?)
    }

    /// Records that the actor read and accepts the current handling rules.
    pub async fn acknowledge(&self, actor: &Actor, id: i64) -> Result<i64> {
        let uid = actor.user_id.ok_or(Error::Forbidden)?;
        if !policy::may_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let row = maruhi_store::secrets::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        // Acknowledging is for those entitled to the secret itself, not for
        // roles that only oversee the register.
        let entitled = maruhi_store::secrets::is_visible_to(tx.conn(), id, uid).await?;
        if !entitled {
            return Err(if Self::may_view(tx.conn(), actor, &row).await? { Error::Forbidden } else { Error::NotFound });
        }
        if row.status != Status::Registered.id() {
            return Err(Error::invalid("status", Msg::BadTransition));
        }
        let at = self.now_text();
        if maruhi_store::acks::insert(tx.conn(), id, uid, row.rules_version, &at).await? {
            audit::record(
                &mut tx,
                &at,
                Event::new(actor, AuditAction::SecretAcknowledge, "secret", id)
                    .summary(json!({"rules_version": row.rules_version})),
            )
            .await?;
        }
        tx.commit().await?;
        self.counts.clear();
        Ok(row.rules_version)
    }

    pub async fn dashboard(&self, actor: &Actor) -> Result<Dashboard> {
        let viewer = Self::viewer(actor);
        let levels = self.levels().await?;
        let due = self
            .list_secrets(
                actor,
                &ListParams {
                    review_due: true,
                    sort: SortKey::Review,
                    descending: false,
                    per_page: 10,
                    ..ListParams::default()
                },
            )
            .await?;
        let mut conn = self.db.read().await?;
        let counts = maruhi_store::secrets::counts(&mut conn, viewer).await?;
        let total = counts.iter().map(|(_, _, n)| n).sum();
        let my_outstanding = match actor.user_id {
            Some(uid) => maruhi_store::acks::outstanding_for(&mut conn, uid)
                .await?
                .into_iter()
                .map(|r| (r.secret_id, r.title, r.rules_version))
                .collect(),
            None => Vec::new(),
        };
        let outstanding_total = if policy::sees_whole_register(actor.role) {
            // A join over every grant of the register: cached like the totals.
            let now = self.now();
            Some(match self.counts.get("acks.outstanding_total", now) {
                Some(n) => n,
                None => {
                    let n = maruhi_store::acks::outstanding_total(&mut conn).await?;
                    self.counts.put("acks.outstanding_total".to_owned(), now, n);
                    n
                }
            })
        } else {
            None
        };
        drop(conn);
        let reminders = self.my_reminders(actor).await?;
        Ok(Dashboard { levels, counts, total, reviews_due: due.items, my_outstanding, outstanding_total, reminders })
    }

    /// Departments of the secrets the actor may see, for the filter list
    /// (a department's name can itself reveal a project).
    pub async fn departments(&self, actor: &Actor) -> Result<Vec<String>> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::secrets::departments(&mut conn, Self::viewer(actor)).await?)
    }

    /// Every matching secret the actor may see, as CSV (UTF-8 with a BOM so that
    /// Excel opens Japanese text correctly). The export is audited.
    pub async fn export_csv(&self, actor: &Actor, p: &ListParams, lang: Lang) -> Result<String> {
        let all = self.all_secrets(actor, p).await?;
        let header: [&str; 14] = match lang {
            Lang::Ja => [
                "管理番号",
                "名称",
                "概要",
                "分類",
                "秘密区分",
                "管理部署",
                "管理責任者",
                "状態",
                "見直し期限",
                "保管場所",
                "秘密表示",
                "関連契約",
                "タグ",
                "更新日時",
            ],
            Lang::En => [
                "No.",
                "Title",
                "Summary",
                "Category",
                "Classification",
                "Department",
                "Secret owner",
                "Status",
                "Review date",
                "Locations",
                "Marks",
                "Agreements",
                "Tags",
                "Updated",
            ],
        };
        let mut out = String::from("\u{feff}");
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for s in &all {
            let cells = [
                s.id.to_string(),
                s.title.clone(),
                s.summary.clone(),
                s.category.label(lang).to_owned(),
                s.level.clone(),
                s.department.clone(),
                s.manager.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
                s.status.label(lang).to_owned(),
                s.review_date.clone().unwrap_or_default(),
                s.locations.join(" / "),
                s.marks.join(" / "),
                s.agreements.join(" / "),
                s.tags.join(" "),
                s.updated_at.clone(),
            ];
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                csv_cell(&mut out, c);
            }
            out.push_str("\r\n");
        }
        let mut tx = self.db.begin().await?;
        audit::record(
            &mut tx,
            &self.now_text(),
            Event::new(actor, AuditAction::RegisterExport, "register", "csv").summary(json!({"rows": all.len()})),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The audit trail, newest first. For admin, legal/IP and auditors.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        action_prefix: Option<&str>,
        page: i64,
        per_page: i64,
    ) -> Result<Page<AuditEntry>> {
        if !policy::may_read_audit(actor) {
            return Err(Error::Forbidden);
        }
        let per_page = per_page.clamp(1, 500);
        let page = page.max(1);
        let mut conn = self.db.read().await?;
        let offset = (page - 1).saturating_mul(per_page);
        let (rows, total) = maruhi_store::audit::page(&mut conn, action_prefix, per_page, offset).await?;
        Ok(Page { items: rows.into_iter().map(audit_entry).collect(), total, page, per_page })
    }

    /// The audit trail filtered, newest first (`per_page` 1 to 10,000). Days
    /// are read in Japan time. For admin, legal/IP and auditors.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        q: &AuditSearch,
        page: i64,
        per_page: i64,
    ) -> Result<Page<AuditEntry>> {
        if !policy::may_read_audit(actor) {
            return Err(Error::Forbidden);
        }
        let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        let day_start = |v: &str, next: bool| -> Result<Option<String>> {
            let Some(v) = some(v) else { return Ok(None) };
            let day = crate::clock::parse_date(&v).ok_or_else(|| Error::invalid("date", Msg::BadDate))?;
            let day = if next { day.next_day().unwrap_or(day) } else { day };
            let t = day.midnight().assume_offset(time::macros::offset!(+9)).to_offset(time::UtcOffset::UTC);
            Ok(Some(crate::clock::format_time(t)))
        };
        let filter = maruhi_store::audit::AuditFilter {
            action_prefix: some(&q.action),
            actor_name: some(&q.actor),
            object_type: some(&q.object_type),
            object_id: some(&q.object_id),
            since: day_start(&q.from, false)?,
            before: day_start(&q.to, true)?,
        };
        let per_page = per_page.clamp(1, 10_000);
        let page = page.max(1);
        let mut conn = self.db.read().await?;
        let offset = (page - 1).saturating_mul(per_page);
        let (rows, total) = maruhi_store::audit::search(&mut conn, &filter, per_page, offset).await?;
        Ok(Page { items: rows.into_iter().map(audit_entry).collect(), total, page, per_page })
    }
}

impl Service {
    /// The filtered audit trail as CSV (UTF-8 with a BOM for spreadsheet
    /// programs), newest first, at most 10,000 events: the event number
    /// (the same as on the pages and in proofs), the time in Japan time with
    /// its offset, who, the action in words and as its id, the object, the
    /// recorded summary as JSON and the ledger index its proof is for.
    pub async fn audit_csv(&self, actor: &Actor, q: &AuditSearch, lang: Lang) -> Result<String> {
        let page = self.audit_search(actor, q, 1, 10_000).await?;
        let header = match lang {
            Lang::Ja => "番号,日時,実行者,操作,操作ID,対象の種類,対象ID,内容,台帳インデックス",
            Lang::En => "No.,Time,Actor,Action,Action id,Object type,Object id,Summary,Ledger index",
        };
        let mut out = String::from("\u{feff}");
        out.push_str(header);
        out.push_str("\r\n");
        for e in &page.items {
            let label = AuditAction::parse(&e.action).map_or(e.action.as_str(), |a| a.label(lang));
            let cells = [
                e.seq.to_string(),
                crate::clock::local_time_text(&e.at),
                e.actor.clone(),
                label.to_owned(),
                e.action.clone(),
                e.object_type.clone(),
                e.object_id.clone().unwrap_or_default(),
                e.summary.to_string(),
                e.ledger_index.map(|i| i.to_string()).unwrap_or_default(),
            ];
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                csv_cell(&mut out, c);
            }
            out.push_str("\r\n");
        }
        Ok(out)
    }
}

/// Which audit events to list; empty strings are no condition.
#[derive(Debug, Clone, Default)]
pub struct AuditSearch {
    /// An action id or its start (`secret.`).
    pub action: String,
    /// The actor's name as recorded.
    pub actor: String,
    pub object_type: String,
    pub object_id: String,
    /// First day (`YYYY-MM-DD`, Japan time).
    pub from: String,
    /// Last day, included.
    pub to: String,
}

pub(crate) fn audit_entry(r: maruhi_store::rows::AuditRow) -> AuditEntry {
    AuditEntry {
        seq: r.seq,
        ledger_index: r.ledger_index,
        at: r.occurred_at,
        actor: r.actor_name,
        action: r.action,
        object_type: r.object_type,
        object_id: r.object_id,
        summary: serde_json::from_str(&r.summary).unwrap_or(serde_json::Value::Null),
    }
}
