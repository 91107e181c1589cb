//! Incidents (有事): cases, their investigation journal, the initial-response
//! checklist and legal holds.
//!
//! A case is need-to-know: its members and legal/IP see it (and the local
//! operator, who holds the data directory); anyone else gets `NotFound`,
//! whether it exists or not, and is never listed it.
//!
//! The journal is append-only. Every change to a case (opening, notes,
//! corrections, links, members, status, checklist steps, hold and release)
//! is one journal entry and one ledger entry in the same transaction. The
//! ledger entry's summary carries the SHA-256 of the journal entry's body
//! (canonical JSON: its text, attachments' hashes, what changed), behind the
//! ledger's salted commitment, so an exported journal proves itself entry by
//! entry while the audit trail shows no case content to those who read it.
//!
//! The initial-response checklist follows METI's 秘密情報の保護ハンドブック
//! (2016, 第6章「漏えい事案への対応」) and IPA's 組織における内部不正防止
//! ガイドライン (第5版, 2022, 「事後対策」): preserve evidence early and widely,
//! stop further damage, establish what left and how, hear those involved,
//! consult counsel and the police, inform partners, prevent recurrence. The
//! wording is ours.

use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::{Lang, Msg};
use crate::model::Role;
use crate::{policy, Actor, Error, Result, Service};

/// How a case came about.
pub const CASE_KINDS: [&str; 7] = ["manual", "alert", "finding", "departure", "partner", "customer", "whistleblower"];
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
pub const STATUSES: [&str; 4] = ["open", "investigating", "reported", "closed"];
/// What a case may concern.
pub const LINK_KINDS: [&str; 5] = ["alert", "event", "finding", "secret", "person"];

/// One step of the initial-response checklist.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Step {
    pub id: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
}

/// The initial-response checklist, in the order the guidance gives.
pub const CHECKLIST: [Step; 8] = [
    Step {
        id: "preserve",
        ja: "証拠の保全（ログ、端末、メール、持出し記録を確保し、消去・上書きを止める）",
        en: "Preserve evidence (secure logs, devices, mail and transfer records; stop deletion and overwriting)",
    },
    Step {
        id: "contain",
        ja: "被害の拡大防止（当該者のアクセス権の停止・変更、アカウントや持出し手段の制限）",
        en: "Contain (suspend or change the person's access, restrict accounts and channels)",
    },
    Step {
        id: "scope", ja: "漏えいした情報・経路・時期の特定", en: "Establish what left, how and when"
    },
    Step {
        id: "interview",
        ja: "関係者への事情聴取（日時、同席者、内容を記録）",
        en: "Interview those involved (record when, who was present, what was said)",
    },
    Step {
        id: "counsel",
        ja: "弁護士・法務への相談（民事・刑事の措置の検討）",
        en: "Consult counsel and legal (civil and criminal measures)",
    },
    Step {
        id: "police",
        ja: "警察への相談（都道府県警察の営業秘密保護対策の窓口）",
        en: "Consult the police (the prefectural police's trade-secret desk)",
    },
    Step {
        id: "partners",
        ja: "取引先・顧客など関係者への連絡",
        en: "Inform partners, customers and others concerned",
    },
    Step {
        id: "prevent", ja: "再発防止策の決定と実施", en: "Decide and carry out measures against recurrence"
    },
];

/// The checklist's step ids, in order.
pub const STEP_IDS: [&str; 8] =
    ["preserve", "contain", "scope", "interview", "counsel", "police", "partners", "prevent"];

/// What opening a case takes.
#[derive(Debug, Clone, Default)]
pub struct NewCase {
    pub title: String,
    pub kind: String,
    pub severity: String,
    /// The first journal entry: why the case was opened.
    pub note: String,
    /// Alerts the case starts from.
    pub alerts: Vec<i64>,
}

/// A case in a list.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub severity: String,
    pub status: String,
    pub status_reason: String,
    pub opened_at: String,
    pub updated_at: String,
    /// Since when a legal hold is in force.
    pub hold_since: Option<String>,
}

/// A file attached to a journal entry.
#[derive(Debug, Clone, Serialize)]
pub struct CaseFile {
    pub id: i64,
    pub entry_id: i64,
    pub name: String,
    pub sha256: String,
    pub size: i64,
}

/// One journal entry as shown.
#[derive(Debug, Clone, Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub at: String,
    pub author: String,
    pub kind: String,
    pub step: Option<String>,
    /// The entry's text (a note, a correction, a reason).
    pub text: String,
    /// Everything the entry records, as committed to in the ledger.
    pub body: Value,
    pub refers_to: Option<i64>,
    pub ledger_index: i64,
}

/// A checklist step and when it was done.
#[derive(Debug, Clone, Serialize)]
pub struct StepState {
    pub step: Step,
    /// The journal entry that recorded it (the first, when recorded again).
    pub done: Option<JournalEntry>,
}

/// Something a case concerns.
#[derive(Debug, Clone, Serialize)]
pub struct CaseLink {
    pub kind: String,
    pub reference: String,
}

/// A case with everything recorded about it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: CaseSummary,
    pub members: Vec<String>,
    pub links: Vec<CaseLink>,
    pub journal: Vec<JournalEntry>,
    pub checklist: Vec<StepState>,
    pub files: Vec<CaseFile>,
}

/// A file to attach to a journal entry.
pub struct Attachment<R> {
    pub name: String,
    pub reader: R,
}

/// Who may open cases: those who investigate and oversee, and managers
/// (whose secrets leak), with write scope.
pub fn may_open_case(actor: &Actor) -> bool {
    actor.scope == crate::auth::Scope::Write
        && matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst | Role::Manager)
}

/// Who sees a case: legal/IP, its members, and the local operator.
fn sees_case(actor: &Actor, members: &[i64]) -> bool {
    actor.role == Role::Legal || actor.user_id.is_none() || actor.user_id.is_some_and(|id| members.contains(&id))
}

/// Releasing a hold is legal's decision (and the operator's).
fn may_release(actor: &Actor) -> bool {
    actor.scope == crate::auth::Scope::Write && (actor.role == Role::Legal || actor.user_id.is_none())
}

fn summary(row: maruhi_store::cases::CaseRow) -> CaseSummary {
    CaseSummary {
        id: row.id,
        title: row.title,
        kind: row.kind,
        severity: row.severity,
        status: row.status,
        status_reason: row.status_reason,
        opened_at: row.opened_at,
        updated_at: row.updated_at,
        hold_since: row.hold_since,
    }
}

fn entry(row: maruhi_store::cases::EntryRow) -> JournalEntry {
    let body: Value = serde_json::from_str(&row.body).unwrap_or(Value::Null);
    JournalEntry {
        id: row.id,
        at: row.at,
        author: row.author_name,
        kind: row.kind,
        step: row.step,
        text: body["text"].as_str().unwrap_or_default().to_owned(),
        body,
        refers_to: row.refers_to,
        ledger_index: row.ledger_index,
    }
}

/// The SHA-256 a journal entry's ledger entry commits to.
pub fn body_sha256(body: &str) -> String {
    hex_lower(&Sha256::digest(body.as_bytes()))
}

fn text_field(field: &'static str, text: &str, max: usize, required: bool) -> Result<String> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(Error::invalid(field, Msg::Required));
    }
    if text.chars().count() > max {
        return Err(Error::invalid(field, Msg::TooLong));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Error::invalid(field, Msg::InputInvalid));
    }
    Ok(text.to_owned())
}

fn one_of(field: &'static str, value: &str, allowed: &[&str], default: &'static str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(default.to_owned());
    }
    allowed
        .iter()
        .find(|a| **a == value)
        .map(|a| (*a).to_owned())
        .ok_or_else(|| Error::invalid(field, Msg::InputInvalid))
}

/// What one change writes: the journal entry and its ledger entry.
struct Change<'a> {
    action: AuditAction,
    kind: &'static str,
    step: Option<&'a str>,
    body: Value,
    refers_to: Option<i64>,
}

impl Service {
    /// Appends a change to the journal with its ledger entry, inside `tx`.
    async fn journal(
        &self,
        tx: &mut maruhi_store::WriteTx,
        actor: &Actor,
        case_id: i64,
        at: &str,
        change: Change<'_>,
    ) -> Result<i64> {
        let body = audit::canonical_json(&change.body);
        let event = Event::new(actor, change.action, "case", case_id).summary(json!({
            "entry": change.kind, "step": change.step, "body_sha256": body_sha256(&body),
        }));
        let ledger_index = audit::record(tx, at, event).await?;
        let id = maruhi_store::cases::append(
            tx.conn(),
            &maruhi_store::cases::NewEntry {
                case_id,
                at,
                author_id: actor.user_id,
                author_name: &actor.username,
                kind: change.kind,
                step: change.step,
                body: &body,
                refers_to: change.refers_to,
                ledger_index,
            },
        )
        .await?;
        maruhi_store::cases::touch(tx.conn(), case_id, at).await?;
        Ok(id)
    }

    /// The case, if the actor may see it (else `NotFound`).
    async fn visible_case(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<maruhi_store::cases::CaseRow> {
        let row = maruhi_store::cases::get(conn, id).await?.ok_or(Error::NotFound)?;
        let members = maruhi_store::cases::members(conn, id).await?;
        if !sees_case(actor, &members) {
            return Err(Error::NotFound);
        }
        Ok(row)
    }

    /// `NotFound` unless the actor may see the case: checked before any
    /// input, so that nobody learns of a case from a validation error.
    async fn seen_case(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut conn = self.db.read().await?;
        self.visible_case(&mut conn, actor, id).await.map(drop)
    }

    /// A case the actor may see and change (write scope, not an auditor).
    async fn writable_case(&self, tx: &mut maruhi_store::WriteTx, actor: &Actor, id: i64) -> Result<()> {
        self.visible_case(tx.conn(), actor, id).await?;
        if !policy::may_write(actor) {
            return Err(Error::Forbidden);
        }
        Ok(())
    }

    /// Opens a case; the opener becomes its first member. With alerts, the
    /// case concerns them and the people they are about.
    pub async fn open_case(&self, actor: &Actor, new: NewCase) -> Result<CaseSummary> {
        if !may_open_case(actor) {
            return Err(Error::Forbidden);
        }
        let title = text_field("title", &new.title, 200, true)?;
        let default_kind = if new.alerts.is_empty() { "manual" } else { "alert" };
        let kind = one_of("kind", &new.kind, &CASE_KINDS, default_kind)?;
        let severity = one_of("severity", &new.severity, &SEVERITIES, "medium")?;
        let note = text_field("note", &new.note, 20_000, false)?;
        if !new.alerts.is_empty() && !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let mut people = Vec::new();
        for &alert in &new.alerts {
            let row = maruhi_store::risk::alert(tx.conn(), alert)
                .await?
                .ok_or_else(|| Error::invalid("alert", Msg::NotFound))?;
            people.push(row.alert.user_name);
        }
        let id = maruhi_store::cases::insert(
            tx.conn(),
            &maruhi_store::cases::NewCase {
                title: &title,
                kind: &kind,
                severity: &severity,
                opened_by: actor.user_id,
                at: &at,
            },
        )
        .await?;
        if let Some(user) = actor.user_id {
            maruhi_store::cases::add_member(tx.conn(), id, user, &at).await?;
        }
        let mut links = Vec::new();
        for alert in &new.alerts {
            links.push(("alert", alert.to_string()));
        }
        for person in people {
            links.push(("person", person));
        }
        let mut linked = Vec::new();
        for (kind, reference) in &links {
            if maruhi_store::cases::add_link(tx.conn(), id, kind, reference, &at).await? {
                linked.push(json!({"kind": kind, "ref": reference}));
            }
        }
        let body = json!({
            "text": note, "title": title, "kind": kind, "severity": severity, "links": linked,
        });
        let change = Change { action: AuditAction::CaseOpen, kind: "opened", step: None, body, refers_to: None };
        self.journal(&mut tx, actor, id, &at, change).await?;
        let row = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(row))
    }

    /// The cases the actor may see, newest first.
    pub async fn cases(&self, actor: &Actor) -> Result<Vec<CaseSummary>> {
        let mut conn = self.db.read().await?;
        // Legal/IP and the operator see every case; anyone else their own.
        let member = if actor.role == Role::Legal { None } else { actor.user_id };
        Ok(maruhi_store::cases::list(&mut conn, member).await?.into_iter().map(summary).collect())
    }

    /// A case with its members, links, journal, checklist and files.
    pub async fn case(&self, actor: &Actor, id: i64) -> Result<CaseView> {
        let mut conn = self.db.read().await?;
        let row = self.visible_case(&mut conn, actor, id).await?;
        let mut members = Vec::new();
        for user in maruhi_store::cases::members(&mut conn, id).await? {
            if let Some(u) = maruhi_store::users::get(&mut conn, user).await? {
                members.push(u.username);
            }
        }
        let links = maruhi_store::cases::links(&mut conn, id)
            .await?
            .into_iter()
            .map(|(kind, reference)| CaseLink { kind, reference })
            .collect();
        let journal: Vec<JournalEntry> =
            maruhi_store::cases::journal(&mut conn, id).await?.into_iter().map(entry).collect();
        let checklist = CHECKLIST
            .iter()
            .map(|step| StepState {
                step: *step,
                done: journal.iter().find(|e| e.kind == "checklist" && e.step.as_deref() == Some(step.id)).cloned(),
            })
            .collect();
        let mut files = Vec::new();
        for (entry_id, file_id) in maruhi_store::cases::files(&mut conn, id).await? {
            if let Some(f) = maruhi_store::vault::get_file(&mut conn, file_id).await? {
                files.push(CaseFile { id: f.id, entry_id, name: f.name, sha256: f.sha256, size: f.size_bytes });
            }
        }
        Ok(CaseView { case: summary(row), members, links, journal, checklist, files })
    }

    /// Writes a journal entry, with files kept in the vault. With
    /// `refers_to`, it is a correction of that entry (which stays as it
    /// was). Returns the new entry's id.
    pub async fn case_note<R>(
        &self,
        actor: &Actor,
        id: i64,
        text: &str,
        refers_to: Option<i64>,
        attachments: Vec<Attachment<R>>,
    ) -> Result<i64>
    where
        R: tokio::io::AsyncRead + Unpin,
    {
        {
            let mut conn = self.db.read().await?;
            self.visible_case(&mut conn, actor, id).await?;
            if !policy::may_write(actor) {
                return Err(Error::Forbidden);
            }
            if let Some(old) = refers_to {
                let journal = maruhi_store::cases::journal(&mut conn, id).await?;
                if !journal.iter().any(|e| e.id == old) {
                    return Err(Error::invalid("refers_to", Msg::NotFound));
                }
            }
        }
        let text = text_field("text", text, 20_000, true)?;
        // Files are written before the transaction begins, and removed if it
        // fails (as the vault does for material).
        let mut stored = Vec::new();
        if !attachments.is_empty() {
            self.ensure_master_key().await?;
        }
        for a in attachments {
            let put = async {
                let name = text_field("file", &a.name, 255, true)?.replace(['/', '\\'], "_");
                Ok::<_, Error>((name, self.vault()?.put(a.reader).await?))
            };
            match put.await {
                Ok(object) => stored.push(object),
                Err(e) => {
                    self.drop_objects(&stored).await;
                    return Err(e);
                }
            }
        }
        let result = async {
            let at = self.now_text();
            let mut tx = self.db.begin().await?;
            self.writable_case(&mut tx, actor, id).await?;
            let files: Vec<Value> =
                stored.iter().map(|(name, o)| json!({"name": name, "sha256": o.sha256, "size": o.size})).collect();
            let (kind, body) = match refers_to {
                Some(old) => ("correction", json!({"text": text, "corrects": old, "files": files})),
                None => ("note", json!({"text": text, "files": files})),
            };
            let change = Change { action: AuditAction::CaseNote, kind, step: None, body, refers_to };
            let entry_id = self.journal(&mut tx, actor, id, &at, change).await?;
            for (name, object) in &stored {
                let file = self.insert_file(&mut tx, actor, name, object, &at).await?;
                maruhi_store::cases::attach_file(tx.conn(), entry_id, file).await?;
            }
            tx.commit().await?;
            Ok::<i64, Error>(entry_id)
        }
        .await;
        if result.is_err() {
            self.drop_objects(&stored).await;
        }
        result
    }

    async fn drop_objects(&self, stored: &[(String, crate::vault::StoredObject)]) {
        if let Ok(vault) = self.vault() {
            for (_, object) in stored {
                let _ = vault.store().delete(&object.object_key).await;
            }
        }
    }

    /// Links a case to an alert, an activity event, a scan finding (its
    /// ledger index), a secret or a person; each must exist and be visible
    /// to the actor. Linking again changes nothing.
    pub async fn case_link(&self, actor: &Actor, id: i64, kind: &str, reference: &str) -> Result<bool> {
        self.seen_case(actor, id).await?;
        let kind = one_of("kind", kind, &LINK_KINDS, "")?;
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(Error::invalid(field_of(&kind), Msg::Required));
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        self.writable_case(&mut tx, actor, id).await?;
        let reference = self.link_target(&mut tx, actor, &kind, reference).await?;
        if !maruhi_store::cases::add_link(tx.conn(), id, &kind, &reference, &at).await? {
            return Ok(false);
        }
        let body = json!({"text": "", "link": {"kind": kind, "ref": reference}});
        let change = Change { action: AuditAction::CaseUpdate, kind: "link", step: None, body, refers_to: None };
        self.journal(&mut tx, actor, id, &at, change).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Checks what a link names and returns its stored form.
    async fn link_target(
        &self,
        tx: &mut maruhi_store::WriteTx,
        actor: &Actor,
        kind: &str,
        reference: &str,
    ) -> Result<String> {
        let field = field_of(kind);
        let number = || reference.parse::<i64>().map_err(|_| Error::invalid(field, Msg::InputInvalid));
        match kind {
            "alert" => {
                if !policy::may_review_risk(actor) {
                    return Err(Error::Forbidden);
                }
                let n = number()?;
                maruhi_store::risk::alert(tx.conn(), n).await?.ok_or_else(|| Error::invalid(field, Msg::NotFound))?;
                Ok(n.to_string())
            }
            "event" => {
                if !policy::may_read_events(actor.role) {
                    return Err(Error::Forbidden);
                }
                let found = maruhi_store::events::by_ids(tx.conn(), &[reference.to_owned()]).await?;
                if found.is_empty() {
                    return Err(Error::invalid(field, Msg::NotFound));
                }
                Ok(reference.to_owned())
            }
            "finding" => {
                let n = number()?;
                let row = maruhi_store::audit::by_ledger_index(tx.conn(), n)
                    .await?
                    .filter(|r| crate::policy::is_investigation_action(&r.action))
                    .ok_or_else(|| Error::invalid(field, Msg::NotFound))?;
                if !policy::may_review_risk(actor) && !policy::sees_collections(actor.role) {
                    return Err(Error::Forbidden);
                }
                Ok(row.ledger_index.unwrap_or(n).to_string())
            }
            "secret" => {
                let n = number()?;
                match self.visible_row(tx.conn(), actor, n).await {
                    Ok(_) => Ok(n.to_string()),
                    Err(Error::NotFound) => Err(Error::invalid(field, Msg::NotFound)),
                    Err(e) => Err(e),
                }
            }
            _ => {
                let name =
                    crate::hr::person_name(reference).ok_or_else(|| Error::invalid("user", Msg::InputInvalid))?;
                Ok(self.identities_from(tx.conn()).await?.canonical(&name))
            }
        }
    }

    /// Adds a maruhi user as a member of the case (they will see it).
    pub async fn case_assign(&self, actor: &Actor, id: i64, username: &str) -> Result<bool> {
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        self.writable_case(&mut tx, actor, id).await?;
        let user = maruhi_store::users::by_username(tx.conn(), username.trim())
            .await?
            .ok_or_else(|| Error::invalid("username", Msg::UnknownUser))?;
        if !maruhi_store::cases::add_member(tx.conn(), id, user.id, &at).await? {
            return Ok(false);
        }
        let body = json!({"text": "", "member": user.username});
        let change = Change { action: AuditAction::CaseUpdate, kind: "member", step: None, body, refers_to: None };
        self.journal(&mut tx, actor, id, &at, change).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a case to `status`; reporting and closing need a reason.
    pub async fn case_status(&self, actor: &Actor, id: i64, status: &str, reason: &str) -> Result<CaseSummary> {
        self.seen_case(actor, id).await?;
        let status = one_of("status", status, &STATUSES, "")?;
        let reason = text_field("reason", reason, 4000, matches!(status.as_str(), "reported" | "closed"))?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        self.writable_case(&mut tx, actor, id).await?;
        let before = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        if before.status == status {
            return Ok(summary(before));
        }
        maruhi_store::cases::set_status(tx.conn(), id, &status, &reason, &at).await?;
        let body = json!({"text": reason, "status": {"before": before.status, "after": status}});
        let change = Change { action: AuditAction::CaseUpdate, kind: "status", step: None, body, refers_to: None };
        self.journal(&mut tx, actor, id, &at, change).await?;
        let row = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(row))
    }

    /// Records that a checklist step was done, with what was done.
    pub async fn case_step(&self, actor: &Actor, id: i64, step: &str, text: &str) -> Result<i64> {
        self.seen_case(actor, id).await?;
        let step =
            CHECKLIST.iter().find(|s| s.id == step.trim()).ok_or_else(|| Error::invalid("step", Msg::InputInvalid))?;
        let text = text_field("text", text, 4000, false)?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        self.writable_case(&mut tx, actor, id).await?;
        let body = json!({"text": text, "step": step.id});
        let change =
            Change { action: AuditAction::CaseNote, kind: "checklist", step: Some(step.id), body, refers_to: None };
        let entry = self.journal(&mut tx, actor, id, &at, change).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Places the case under legal hold: while it holds, what the case
    /// concerns is frozen (a person's details cannot be erased).
    pub async fn case_hold(&self, actor: &Actor, id: i64, reason: &str) -> Result<CaseSummary> {
        self.seen_case(actor, id).await?;
        let reason = text_field("reason", reason, 4000, false)?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        self.writable_case(&mut tx, actor, id).await?;
        let before = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        if before.hold_since.is_some() {
            return Ok(summary(before));
        }
        maruhi_store::cases::set_hold(tx.conn(), id, Some(&at), &at).await?;
        let body = json!({"text": reason});
        let change = Change { action: AuditAction::CaseHold, kind: "hold", step: None, body, refers_to: None };
        self.journal(&mut tx, actor, id, &at, change).await?;
        let row = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(row))
    }

    /// Releases a legal hold, with the reason (legal/IP).
    pub async fn case_release(&self, actor: &Actor, id: i64, reason: &str) -> Result<CaseSummary> {
        self.seen_case(actor, id).await?;
        let reason = text_field("reason", reason, 4000, true)?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        self.visible_case(tx.conn(), actor, id).await?;
        if !may_release(actor) {
            return Err(Error::Forbidden);
        }
        let before = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        let Some(since) = before.hold_since else {
            return Err(Error::Conflict(Msg::NotOnHold));
        };
        maruhi_store::cases::set_hold(tx.conn(), id, None, &at).await?;
        let body = json!({"text": reason, "held_since": since});
        let change = Change { action: AuditAction::CaseRelease, kind: "release", step: None, body, refers_to: None };
        self.journal(&mut tx, actor, id, &at, change).await?;
        let row = maruhi_store::cases::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(row))
    }

    /// Refuses when a case under legal hold concerns `person` (any of
    /// their names), naming the cases.
    pub(crate) async fn check_hold(&self, conn: &mut maruhi_store::AnyConnection, names: &[&str]) -> Result<()> {
        let ids = self.identities_from(conn).await?;
        let mut cases = Vec::new();
        for name in names {
            for reference in [ids.canonical(name), crate::identity::fold(name)] {
                for case in maruhi_store::cases::holds_on(conn, "person", &reference).await? {
                    if !cases.contains(&case) {
                        cases.push(case);
                    }
                }
            }
        }
        if cases.is_empty() {
            Ok(())
        } else {
            cases.sort_unstable();
            Err(Error::Held { cases })
        }
    }

    /// A person's timeline around their departure: HR dates, indicators
    /// (what they did that detection noticed, with the secrets and
    /// destinations named in the reasons), alerts, and the events the case
    /// cites; oldest first. Needs a case that concerns the person.
    pub async fn case_timeline(&self, actor: &Actor, id: i64, person: &str, lang: Lang) -> Result<Vec<TimelineItem>> {
        let view = self.case(actor, id).await?;
        if !policy::may_review_risk(actor) {
            return Err(Error::Forbidden);
        }
        let user = {
            let mut conn = self.db.read().await?;
            self.identities_from(&mut conn).await?.canonical(person)
        };
        if !view.links.iter().any(|l| l.kind == "person" && l.reference == user) {
            return Err(Error::NotFound);
        }
        let mut items = Vec::new();
        let mut conn = self.db.read().await?;
        if let Some(hr) = maruhi_store::hr::list_hr(&mut conn).await?.into_iter().find(|h| h.user_name == user) {
            let mut day = |date: Option<String>, ja: &str, en: &str| {
                if let Some(d) = date {
                    items.push(TimelineItem {
                        at: d,
                        kind: "hr".into(),
                        text: lang.pick(ja, en).to_owned(),
                        reference: None,
                    });
                }
            };
            day(Some(hr.notice_date), "退職の申出", "Notice of resignation");
            day(hr.last_working_day, "最終出社日", "Last working day");
            day(hr.end_date, "退職日", "End of employment");
        }
        for row in maruhi_store::risk::indicators_of(&mut conn, &user).await? {
            let reason = lang.pick(&row.reason_ja, &row.reason_en).clone();
            let title = lang.pick(&row.title_ja, &row.title).clone();
            items.push(TimelineItem {
                at: crate::clock::format_time(from_ms(row.time_ms)),
                kind: "indicator".into(),
                text: format!("{title}: {reason}"),
                reference: None,
            });
        }
        let alerts = maruhi_store::risk::alerts(
            &mut conn,
            &maruhi_store::risk::AlertFilter {
                user_name: Some(user.clone()),
                include_stale: true,
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
        for a in alerts {
            items.push(TimelineItem {
                at: crate::clock::format_time(from_ms(a.alert.first_event_ms)),
                kind: "alert".into(),
                text: format!("{} ({}, {})", lang.pick(&a.alert.title_ja, &a.alert.title), a.alert.severity, a.status),
                reference: Some(a.id.to_string()),
            });
        }
        let cited: Vec<String> = view.links.iter().filter(|l| l.kind == "event").map(|l| l.reference.clone()).collect();
        for row in maruhi_store::events::by_ids(&mut conn, &cited).await? {
            if row.user_name.as_deref() != Some(user.as_str()) {
                continue;
            }
            items.push(TimelineItem {
                at: crate::clock::format_time(from_ms(row.ts_ms)),
                kind: "event".into(),
                text: row.action.clone(),
                reference: Some(row.id),
            });
        }
        items.sort_by(|a, b| a.at.cmp(&b.at));
        Ok(items)
    }
}

/// One line of a person's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineItem {
    /// A date (`YYYY-MM-DD`) or a time (RFC 3339, UTC).
    pub at: String,
    /// `hr`, `indicator`, `alert` or `event`.
    pub kind: String,
    pub text: String,
    /// The alert's id or the event's id.
    pub reference: Option<String>,
}

/// A Unix-millisecond time as stored for events and indicators.
pub(crate) fn from_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn field_of(kind: &str) -> &'static str {
    match kind {
        "alert" => "alert",
        "event" => "event",
        "finding" => "finding",
        "secret" => "secret",
        _ => "user",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn step_ids_are_the_checklist() {
        assert_eq!(super::STEP_IDS.to_vec(), super::CHECKLIST.map(|s| s.id).to_vec());
    }
}
