//! Sharing with an industry forum: reports drafted from a case (or by hand),
//! the anonymisation gate, the provider's approval, and exchange as STIX 2.1
//! and MISP.
//!
//! The path out is one way: draft → [`gate`] → approval → export. Approval
//! (legal/IP or an administrator, never the report's own drafter) stores the
//! exact bytes the gate produced and records their SHA-256 in the ledger.
//! Every route out (the CLI's export and push, the API, the TAXII server)
//! renders from those bytes only, after checking them against the recorded
//! digest and against the dictionary as it stands now; a report not
//! approved, changed since, or with a dictionary term added since that it
//! contains, does not leave.
//!
//! Reports received from a forum (TAXII pull, STIX or MISP import) are kept
//! as received in a read-only library.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::Msg;
use crate::model::Role;
use crate::{Actor, Error, Result, Service};

pub mod gate;
pub mod misp;
pub mod stix;

pub use gate::{Dictionary, Removal, TERM_KINDS};

/// TLP 2.0 levels (FIRST), the sharing report's marking.
pub const TLPS: [&str; 5] = ["clear", "green", "amber", "amber+strict", "red"];

/// What an indicator may be.
pub const INDICATOR_KINDS: [&str; 12] = [
    "sender",
    "domain",
    "url",
    "sha256",
    "sha1",
    "md5",
    "attachment",
    "subject",
    "attack",
    "malware",
    "header",
    "body",
];

/// One indicator of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub kind: String,
    pub value: String,
}

/// A count the report gives ("37 mails were received").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub label: String,
    pub n: u64,
}

/// A sharing report as drafted: everything a forum would want to learn, in
/// the provider's own words, before the gate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// The report's id (a UUID), fixed when drafted; pseudonyms are keyed
    /// with it.
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub title: String,
    /// TLP 2.0 level; `amber` when not given.
    #[serde(default)]
    pub tlp: String,
    /// What happened: the method (手口).
    #[serde(default)]
    pub method: String,
    /// How it was found.
    #[serde(default)]
    pub detection: String,
    /// What helped, and what was done (対策).
    #[serde(default)]
    pub countermeasures: String,
    /// Anything else.
    #[serde(default)]
    pub text: String,
    /// When it was first and last seen (any date form; coarsened to the week).
    #[serde(default)]
    pub first_seen: String,
    #[serde(default)]
    pub last_seen: String,
    #[serde(default)]
    pub counts: Vec<Count>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

/// A count after the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedCount {
    pub label: String,
    /// `<10` or `~40`.
    pub approx: String,
}

/// A report after the gate: what is approved and what leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shared {
    pub uuid: String,
    /// The provider's forum pseudonym.
    pub producer: String,
    pub tlp: String,
    /// The ISO week the report was approved in.
    pub week: String,
    pub title: String,
    pub method: String,
    pub detection: String,
    pub countermeasures: String,
    pub text: String,
    pub first_seen: String,
    pub last_seen: String,
    pub counts: Vec<SharedCount>,
    pub indicators: Vec<Indicator>,
}

/// The approval of a report.
#[derive(Debug, Clone, Serialize)]
pub struct ApprovalView {
    pub sha256: String,
    pub by: String,
    pub at: String,
    pub ledger_index: i64,
}

/// A report in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    pub id: i64,
    pub origin: String,
    pub title: String,
    pub tlp: String,
    pub source_case: Option<i64>,
    pub received_from: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub approved: Option<ApprovalView>,
}

/// A report with the reviewer's side-by-side: the draft, what the gate
/// makes of it now, what it removed, and what it could not remove.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    #[serde(flatten)]
    pub report: ReportSummary,
    /// The draft (local reports) or the summary of what was received.
    pub draft: Draft,
    /// What the gate makes of the draft now (local reports).
    pub gated: Option<Shared>,
    pub removals: Vec<Removal>,
    /// Dictionary terms or internal addresses the gate's output still holds
    /// (approval is refused while there are any): (kind, text).
    pub residuals: Vec<(String, String)>,
    /// The approved bytes, as approved.
    pub approved_body: Option<Value>,
    /// The document received (received reports).
    pub received: Option<Value>,
}

/// How a report is drafted.
#[derive(Debug, Clone, Default)]
pub struct NewDraft {
    /// The case it is drafted from (the drafter must see the case).
    pub from_case: Option<i64>,
    /// The title, or the case's.
    pub title: String,
    /// Fields given beyond the title (a JSON file, the API's body).
    pub draft: Option<Draft>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Stix,
    Misp,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "stix" => Some(Format::Stix),
            "misp" => Some(Format::Misp),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Format::Stix => "stix",
            Format::Misp => "misp",
        }
    }
}

/// A dictionary term as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub kind: String,
    pub term: String,
    /// `manual`, or where it is read from (`register`, `users`, `hr`).
    pub source: String,
}

/// Who may draft sharing reports: those who investigate and oversee.
pub fn may_draft(actor: &Actor) -> bool {
    actor.scope == crate::auth::Scope::Write && matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
}

/// Who approves what leaves: legal/IP and administrators.
pub fn may_approve(actor: &Actor) -> bool {
    actor.scope == crate::auth::Scope::Write && matches!(actor.role, Role::Admin | Role::Legal)
}

/// Who sees reports (drafts hold what the gate removes): legal/IP,
/// administrators, the drafter, and the operator.
fn sees_report(actor: &Actor, created_by: Option<i64>) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal)
        || actor.user_id.is_none()
        || (actor.user_id.is_some() && actor.user_id == created_by && may_draft(actor))
}

/// Who sees the library of reports received from forums.
fn sees_library(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst) || actor.user_id.is_none()
}

/// A random UUID (version 4, RFC 9562).
pub fn uuid_v4() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(format_uuid(b, 4))
}

/// 16 bytes as a UUID of the given version with the RFC 9562 variant.
pub(crate) fn format_uuid(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

fn clean(field: &'static str, s: &str, max: usize) -> Result<String> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(Error::invalid(field, Msg::TooLong));
    }
    if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
        return Err(Error::invalid(field, Msg::InputInvalid));
    }
    Ok(s.to_owned())
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_attack_id(s: &str) -> bool {
    let b = s.as_bytes();
    let base = b.len() >= 5 && b[0] == b'T' && b[1..5].iter().all(u8::is_ascii_digit);
    base && (b.len() == 5 || (b.len() == 9 && b[5] == b'.' && b[6..9].iter().all(u8::is_ascii_digit)))
}

/// Checks a draft's fields; fills the defaults.
fn validate(mut d: Draft) -> Result<Draft> {
    d.title = clean("title", &d.title, 200)?;
    if d.title.is_empty() {
        return Err(Error::invalid("title", Msg::Required));
    }
    d.tlp = if d.tlp.trim().is_empty() { "amber".to_owned() } else { d.tlp.trim().to_ascii_lowercase() };
    if !TLPS.contains(&d.tlp.as_str()) {
        return Err(Error::invalid("tlp", Msg::UnknownTlp));
    }
    d.method = clean("method", &d.method, 20_000)?;
    d.detection = clean("detection", &d.detection, 20_000)?;
    d.countermeasures = clean("countermeasures", &d.countermeasures, 20_000)?;
    d.text = clean("text", &d.text, 50_000)?;
    d.first_seen = clean("first_seen", &d.first_seen, 40)?;
    d.last_seen = clean("last_seen", &d.last_seen, 40)?;
    if d.counts.len() > 100 || d.indicators.len() > 1000 {
        return Err(Error::invalid("indicators", Msg::TooMany));
    }
    for c in &mut d.counts {
        c.label = clean("counts", &c.label, 200)?;
    }
    for i in &mut d.indicators {
        i.kind = i.kind.trim().to_ascii_lowercase();
        i.value = clean("indicators", &i.value, 10_000)?;
        let v = i.value.as_str();
        let ok = match i.kind.as_str() {
            "sha256" => is_hex(v, 64),
            "sha1" => is_hex(v, 40),
            "md5" => is_hex(v, 32),
            "attack" => is_attack_id(v),
            "sender" => v.contains('@') && !v.contains(char::is_whitespace),
            "domain" => v.contains('.') && !v.contains(char::is_whitespace),
            "url" => v.contains("://") && !v.contains(char::is_whitespace),
            k => INDICATOR_KINDS.contains(&k) && !v.is_empty(),
        };
        if !ok {
            return Err(Error::invalid("indicators", Msg::BadIndicator));
        }
        if matches!(i.kind.as_str(), "sha256" | "sha1" | "md5") {
            i.value = i.value.to_ascii_lowercase();
        }
    }
    Ok(d)
}

/// The Monday of an ISO week (`2026-W45`), or `None`.
pub fn week_start(week: &str) -> Option<time::Date> {
    let (y, w) = week.split_once("-W")?;
    time::Date::from_iso_week_date(y.parse().ok()?, w.parse().ok()?, time::Weekday::Monday).ok()
}

/// Runs the gate over a draft.
pub fn run_gate(
    draft: &Draft,
    dict: &Dictionary,
    key: [u8; 32],
    producer: &str,
    now: time::Date,
) -> (Shared, Vec<Removal>) {
    let mut g = gate::Gate::new(dict, key, &draft.uuid);
    let (year, week, _) = now.to_iso_week_date();
    let seen = |g: &mut gate::Gate<'_>, field: &str, s: &str| -> String {
        if s.is_empty() {
            return String::new();
        }
        match gate::coarsen_date(s) {
            Some(w) => {
                g.record(field, "date", s, &w);
                w
            }
            // Not a date the gate reads: it does not leave.
            None => {
                g.record(field, "date", s, "");
                String::new()
            }
        }
    };
    let first_seen = seen(&mut g, "first_seen", &draft.first_seen);
    let last_seen = seen(&mut g, "last_seen", &draft.last_seen);
    let mut counts = Vec::new();
    for (i, c) in draft.counts.iter().enumerate() {
        let approx = gate::approx(c.n);
        g.record(&format!("counts[{i}].n"), "count", &c.n.to_string(), &approx);
        counts.push(SharedCount { label: g.text(&format!("counts[{i}].label"), &c.label), approx });
    }
    let mut indicators = Vec::new();
    for (i, ind) in draft.indicators.iter().enumerate() {
        let field = format!("indicators[{i}].value");
        let value = match ind.kind.as_str() {
            // Digests and technique ids identify nobody.
            "sha256" | "sha1" | "md5" | "attack" => ind.value.clone(),
            _ => g.text(&field, &ind.value),
        };
        // A sender or domain that was the provider's own is no indicator for
        // anyone else, and its pseudonym would only point back.
        if matches!(ind.kind.as_str(), "sender" | "domain") && value != ind.value {
            g.record(&field, "indicator", &ind.value, "");
            continue;
        }
        indicators.push(Indicator { kind: ind.kind.clone(), value });
    }
    let shared = Shared {
        uuid: draft.uuid.clone(),
        producer: producer.to_owned(),
        tlp: draft.tlp.clone(),
        week: format!("{year:04}-W{week:02}"),
        title: g.text("title", &draft.title),
        method: g.text("method", &draft.method),
        detection: g.text("detection", &draft.detection),
        countermeasures: g.text("countermeasures", &draft.countermeasures),
        text: g.text("text", &draft.text),
        first_seen,
        last_seen,
        counts,
        indicators,
    };
    (shared, g.removals)
}

/// The canonical bytes of a gated report: what is approved and hashed.
pub fn shared_bytes(shared: &Shared) -> Result<String> {
    let v = serde_json::to_value(shared).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(audit::canonical_json(&v))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex_lower(&Sha256::digest(bytes))
}

fn approval_view(a: &maruhi_store::sharing::Approval) -> ApprovalView {
    ApprovalView { sha256: a.sha256.clone(), by: a.by_name.clone(), at: a.at.clone(), ledger_index: a.ledger_index }
}

fn summary(row: &maruhi_store::sharing::ReportRow) -> ReportSummary {
    ReportSummary {
        id: row.id,
        origin: row.origin.clone(),
        title: row.title.clone(),
        tlp: row.tlp.clone(),
        source_case: row.source_case,
        received_from: row.received_from.clone(),
        created_by: row.created_by_name.clone(),
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        approved: row.approval.as_ref().map(approval_view),
    }
}

/// The document a received report keeps: what was received and our reading of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Received {
    format: Format,
    summary: Draft,
    document: Value,
}

impl Service {
    fn share_key(&self) -> Result<[u8; 32]> {
        Ok(self.scan_keys()?.share)
    }

    /// The installation's pseudonym in forums: keyed, so it is stable and
    /// says nothing about who it is.
    pub fn forum_pseudonym(&self) -> Result<String> {
        let key = self.share_key()?;
        let mut h = Sha256::new();
        h.update(key);
        h.update(b"maruhi forum identity v1");
        Ok(format!("member-{}", &hex::encode(h.finalize())[..8]))
    }

    /// The dictionary as the gate uses it: terms added by hand and those read
    /// from the register, users and HR data.
    async fn dictionary(&self, conn: &mut maruhi_store::AnyConnection) -> Result<Dictionary> {
        let mut pairs: Vec<(String, String)> =
            maruhi_store::sharing::terms(conn).await?.into_iter().map(|t| (t.kind, t.term)).collect();
        pairs.extend(maruhi_store::sharing::derived_terms(conn).await?);
        Ok(Dictionary::new(pairs))
    }

    async fn visible_report(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<maruhi_store::sharing::ReportRow> {
        let row = maruhi_store::sharing::get(conn, id).await?.ok_or(Error::NotFound)?;
        let visible = match row.origin.as_str() {
            "local" => sees_report(actor, row.created_by),
            _ => sees_library(actor),
        };
        if !visible {
            return Err(Error::NotFound);
        }
        Ok(row)
    }

    /// Drafts a sharing report, from a case the actor sees or by hand.
    pub async fn share_draft(&self, actor: &Actor, new: NewDraft) -> Result<ReportSummary> {
        if !may_draft(actor) {
            return Err(Error::Forbidden);
        }
        let mut draft = new.draft.unwrap_or_default();
        if let Some(case_id) = new.from_case {
            // The cases module decides who sees a case.
            let case = self.case(actor, case_id).await?;
            if draft.title.trim().is_empty() {
                draft.title = case.case.title.clone();
            }
            if draft.text.trim().is_empty() {
                let notes: Vec<&str> =
                    case.journal.iter().map(|e| e.text.as_str()).filter(|t| !t.trim().is_empty()).collect();
                draft.text = notes.join("\n\n");
            }
            if draft.first_seen.is_empty() {
                draft.first_seen = case.case.opened_at.clone();
            }
            if draft.last_seen.is_empty() {
                draft.last_seen = case.case.updated_at.clone();
            }
        }
        if !new.title.trim().is_empty() {
            draft.title = new.title;
        }
        draft.uuid = uuid_v4()?;
        let draft = validate(draft)?;
        self.share_key()?;
        let body = serde_json::to_string(&draft).map_err(|e| Error::Internal(e.to_string()))?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let id = maruhi_store::sharing::insert(
            tx.conn(),
            &maruhi_store::sharing::NewReport {
                origin: "local",
                title: &draft.title,
                tlp: &draft.tlp,
                draft: &body,
                source_case: new.from_case,
                received_from: "",
                created_by: actor.user_id,
                created_by_name: &actor.username,
                at: &at,
            },
        )
        .await?;
        let event = Event::new(actor, AuditAction::ShareDraft, "share", id)
            .summary(json!({"case": new.from_case, "draft_sha256": sha256_hex(body.as_bytes())}));
        audit::record(&mut tx, &at, event).await?;
        let row = maruhi_store::sharing::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(&row))
    }

    /// Replaces a local draft's fields (its id stays); clears any approval.
    pub async fn share_edit(&self, actor: &Actor, id: i64, draft: Draft) -> Result<ReportSummary> {
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let row = self.visible_report(tx.conn(), actor, id).await?;
        if row.origin != "local" {
            return Err(Error::Conflict(Msg::ShareReceived));
        }
        if !may_draft(actor) {
            return Err(Error::Forbidden);
        }
        let old: Draft = serde_json::from_str(&row.draft).map_err(|e| Error::Internal(e.to_string()))?;
        let mut draft = draft;
        draft.uuid = old.uuid;
        let draft = validate(draft)?;
        let body = serde_json::to_string(&draft).map_err(|e| Error::Internal(e.to_string()))?;
        maruhi_store::sharing::update_draft(tx.conn(), id, &draft.title, &draft.tlp, &body, &at).await?;
        let event = Event::new(actor, AuditAction::ShareDraft, "share", id)
            .summary(json!({"edit": true, "draft_sha256": sha256_hex(body.as_bytes())}));
        audit::record(&mut tx, &at, event).await?;
        let row = maruhi_store::sharing::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(&row))
    }

    /// Reports the actor sees: local ones, then the library received.
    pub async fn share_reports(&self, actor: &Actor) -> Result<Vec<ReportSummary>> {
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for row in maruhi_store::sharing::list(&mut conn, "local").await? {
            if sees_report(actor, row.created_by) {
                out.push(summary(&row));
            }
        }
        if sees_library(actor) {
            out.extend(maruhi_store::sharing::list(&mut conn, "received").await?.iter().map(summary));
        }
        Ok(out)
    }

    /// A report with the side-by-side of the gate.
    pub async fn share_report(&self, actor: &Actor, id: i64) -> Result<ReportView> {
        let mut conn = self.db.read().await?;
        let row = self.visible_report(&mut conn, actor, id).await?;
        let approved_body = row.approval.as_ref().and_then(|a| serde_json::from_str(&a.body).ok());
        if row.origin != "local" {
            let received: Received = serde_json::from_str(&row.draft).map_err(|e| Error::Internal(e.to_string()))?;
            return Ok(ReportView {
                report: summary(&row),
                draft: received.summary,
                gated: None,
                removals: Vec::new(),
                residuals: Vec::new(),
                approved_body,
                received: Some(received.document),
            });
        }
        let draft: Draft = serde_json::from_str(&row.draft).map_err(|e| Error::Internal(e.to_string()))?;
        let dict = self.dictionary(&mut conn).await?;
        let (shared, removals) =
            run_gate(&draft, &dict, self.share_key()?, &self.forum_pseudonym()?, self.now().date());
        let residuals = gate::residuals(&dict, &shared_bytes(&shared)?);
        Ok(ReportView {
            report: summary(&row),
            draft,
            gated: Some(shared),
            removals,
            residuals,
            approved_body,
            received: None,
        })
    }

    /// Approves what the gate makes of the report now: the exact bytes are
    /// stored and their SHA-256 goes into the ledger.
    pub async fn share_approve(&self, actor: &Actor, id: i64) -> Result<ApprovalView> {
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let row = self.visible_report(tx.conn(), actor, id).await?;
        if row.origin != "local" {
            return Err(Error::Conflict(Msg::ShareReceived));
        }
        if !may_approve(actor) {
            return Err(Error::Forbidden);
        }
        // Four eyes: whoever drafted does not approve (the operator at the
        // console holds the data directory anyway).
        if actor.user_id.is_some() && actor.user_id == row.created_by {
            return Err(Error::Conflict(Msg::ShareOwnApproval));
        }
        let draft: Draft = serde_json::from_str(&row.draft).map_err(|e| Error::Internal(e.to_string()))?;
        let dict = self.dictionary(tx.conn()).await?;
        let (shared, _) = run_gate(&draft, &dict, self.share_key()?, &self.forum_pseudonym()?, self.now().date());
        let body = shared_bytes(&shared)?;
        if !gate::residuals(&dict, &body).is_empty() {
            return Err(Error::Conflict(Msg::ShareResiduals));
        }
        let sha256 = sha256_hex(body.as_bytes());
        let event = Event::new(actor, AuditAction::ShareApprove, "share", id)
            .summary(json!({"sha256": sha256, "tlp": shared.tlp, "uuid": shared.uuid}));
        let ledger_index = audit::record(&mut tx, &at, event).await?;
        let approval = maruhi_store::sharing::Approval {
            body,
            sha256,
            by_name: actor.username.clone(),
            at: at.clone(),
            ledger_index,
        };
        maruhi_store::sharing::approve(tx.conn(), id, &approval).await?;
        tx.commit().await?;
        Ok(approval_view(&approval))
    }

    /// The approved report, checked: its bytes against the recorded digest
    /// and against the dictionary as it stands now.
    async fn approved_shared(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        row: &maruhi_store::sharing::ReportRow,
        dict: &Dictionary,
    ) -> Result<Shared> {
        let Some(a) = row.approval.as_ref().filter(|_| row.origin == "local") else {
            return Err(Error::Conflict(Msg::ShareNotApproved));
        };
        let _ = conn;
        if sha256_hex(a.body.as_bytes()) != a.sha256 {
            return Err(Error::Tampered(format!(
                "sharing report {}: approved bytes do not match their digest",
                row.id
            )));
        }
        if !gate::residuals(dict, &a.body).is_empty() {
            return Err(Error::Conflict(Msg::ShareNotApproved));
        }
        serde_json::from_str(&a.body).map_err(|e| Error::Internal(e.to_string()))
    }

    /// Renders an approved report in a format, for the actor (recorded in the
    /// ledger with the digest of what left). Refused unless approved.
    pub async fn share_export(&self, actor: &Actor, id: i64, format: Format, route: &str) -> Result<Vec<u8>> {
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let row = self.visible_report(tx.conn(), actor, id).await?;
        let dict = self.dictionary(tx.conn()).await?;
        let shared = self.approved_shared(tx.conn(), &row, &dict).await?;
        let bytes = self.render(&shared, format, row.approval.as_ref().map(|a| a.at.as_str()).unwrap_or_default())?;
        let event = Event::new(actor, AuditAction::ShareExport, "share", id).summary(json!({
            "format": format.id(), "route": route, "sha256": sha256_hex(&bytes),
            "approved_sha256": row.approval.as_ref().map(|a| a.sha256.clone()),
        }));
        audit::record(&mut tx, &at, event).await?;
        tx.commit().await?;
        Ok(bytes)
    }

    fn render(&self, shared: &Shared, format: Format, approved_at: &str) -> Result<Vec<u8>> {
        let key = self.share_key()?;
        let value = match format {
            Format::Stix => stix::bundle(shared, &key)?,
            Format::Misp => misp::event(shared, &key, approved_at)?,
        };
        serde_json::to_vec_pretty(&value).map_err(|e| Error::Internal(e.to_string()))
    }

    /// Every approved report's STIX objects with the time it was approved
    /// (TAXII's `date_added`), oldest first: what the TAXII server serves.
    /// Each report is checked as an export is.
    pub async fn share_published(&self) -> Result<Vec<(String, Vec<Value>)>> {
        let mut conn = self.db.read().await?;
        let dict = self.dictionary(&mut conn).await?;
        let key = self.share_key()?;
        let mut out = Vec::new();
        for row in maruhi_store::sharing::approved(&mut conn).await? {
            // A report that no longer passes is withheld, not an error for
            // every other report's reader.
            let Ok(shared) = self.approved_shared(&mut conn, &row, &dict).await else { continue };
            let bundle = stix::bundle(&shared, &key)?;
            let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
            out.push((row.approval.map(|a| a.at).unwrap_or_default(), objects));
        }
        Ok(out)
    }

    /// Adds a term to the dictionary; `false` when it was there.
    pub async fn share_dictionary_add(&self, actor: &Actor, kind: &str, term: &str) -> Result<bool> {
        if !may_approve(actor) && !may_draft(actor) {
            return Err(Error::Forbidden);
        }
        if !TERM_KINDS.contains(&kind) {
            return Err(Error::invalid("kind", Msg::UnknownTermKind));
        }
        let term = clean("term", term, 200)?;
        if term.is_empty() {
            return Err(Error::invalid("term", Msg::Required));
        }
        if kind == "ip-range" && gate::parse_range(&term).is_none() {
            return Err(Error::invalid("term", Msg::InputInvalid));
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let added = maruhi_store::sharing::add_term(tx.conn(), kind, &term, &actor.username, &at).await?;
        if added {
            // The term itself names the company; the trail keeps its digest.
            let event = Event::new(actor, AuditAction::ShareDictionary, "share-dictionary", kind)
                .summary(json!({"kind": kind, "term_sha256": sha256_hex(term.as_bytes())}));
            audit::record(&mut tx, &at, event).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The dictionary: terms added by hand and those read from the data.
    pub async fn share_dictionary(&self, actor: &Actor) -> Result<Vec<Term>> {
        if !may_approve(actor) && !may_draft(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let mut out: Vec<Term> = maruhi_store::sharing::terms(&mut conn)
            .await?
            .into_iter()
            .map(|t| Term { kind: t.kind, term: t.term, source: "manual".into() })
            .collect();
        for (kind, term) in maruhi_store::sharing::derived_terms(&mut conn).await? {
            let source = match kind.as_str() {
                "project" => "register",
                _ => "users",
            };
            out.push(Term { kind, term, source: source.into() });
        }
        Ok(out)
    }

    /// Keeps a STIX 2.1 bundle or a MISP event received from a forum in the
    /// read-only library. Returns the new report.
    pub async fn share_import(&self, actor: &Actor, document: &[u8], from: &str) -> Result<ReportSummary> {
        if !may_draft(actor) {
            return Err(Error::Forbidden);
        }
        let value: Value =
            serde_json::from_slice(document).map_err(|_| Error::invalid("document", Msg::BadShareDocument))?;
        let (format, summary_draft) = if value.get("type").and_then(Value::as_str) == Some("bundle") {
            (Format::Stix, stix::read(&value).ok_or_else(|| Error::invalid("document", Msg::BadShareDocument))?)
        } else {
            (Format::Misp, misp::read(&value).ok_or_else(|| Error::invalid("document", Msg::BadShareDocument))?)
        };
        let title = clean("title", &summary_draft.title, 200).unwrap_or_default();
        let tlp = if TLPS.contains(&summary_draft.tlp.as_str()) { summary_draft.tlp.clone() } else { "amber".into() };
        let received = Received { format, summary: summary_draft, document: value };
        let body = serde_json::to_string(&received).map_err(|e| Error::Internal(e.to_string()))?;
        let from = clean("from", from, 500)?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let id = maruhi_store::sharing::insert(
            tx.conn(),
            &maruhi_store::sharing::NewReport {
                origin: "received",
                title: if title.is_empty() { "(untitled)" } else { &title },
                tlp: &tlp,
                draft: &body,
                source_case: None,
                received_from: &from,
                created_by: actor.user_id,
                created_by_name: &actor.username,
                at: &at,
            },
        )
        .await?;
        let event = Event::new(actor, AuditAction::ShareImport, "share", id)
            .summary(json!({"format": format.id(), "sha256": sha256_hex(document)}));
        audit::record(&mut tx, &at, event).await?;
        let row = maruhi_store::sharing::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(summary(&row))
    }

    /// Whether a received report with this STIX report or MISP event id is
    /// already in the library (a pull does not keep duplicates).
    pub async fn share_received_ids(&self, actor: &Actor) -> Result<Vec<String>> {
        if !sees_library(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for row in maruhi_store::sharing::list(&mut conn, "received").await? {
            if let Ok(r) = serde_json::from_str::<Received>(&row.draft) {
                if is_uuid(&r.summary.uuid) {
                    out.push(r.summary.uuid);
                }
            }
        }
        Ok(out)
    }
}
