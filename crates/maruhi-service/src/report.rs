//! Proof of 秘密管理性: the register as it stood on any date, a secret's
//! report, and who has yet to acknowledge what.
//!
//! Courts ask whether the company made its intent to keep the information
//! secret recognisable to employees by concrete measures (経済産業省
//! 営業秘密管理指針, 2015 full revision, revised 2019): marks and storage
//! locations by medium (紙・電子・物件・その他), need-to-know access,
//! pledges and rules, reviews. Everything here is rebuilt from the audit
//! trail, never from the current tables, so a report as of a date says
//! what the register said then, and every statement names the ledger entry
//! that proves it (with its inclusion proof when a signed checkpoint
//! covers it).
//!
//! The replay reads `secret.*` and `group.*` events in order: a creation
//! carries the whole record and its grants, an update the fields it
//! changed (before and after), grants and revocations their principal, an
//! acknowledgement the rules version its actor acknowledged, group changes
//! their members. A record whose creator's personal details were erased
//! (APPI) cannot be rebuilt and says so.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::AuditAction;
use crate::{policy, Actor, Error, Result, Service};

pub mod render;

/// What dates a report: the last ledger entry at or before the as-of time,
/// the first signed checkpoint that covers it, and that checkpoint's time
/// stamp, if any.
#[derive(Debug, Clone, Serialize)]
pub struct Dating {
    pub as_of: String,
    pub last_index: Option<i64>,
    pub checkpoint_size: Option<i64>,
    pub checkpoint_signed_at: Option<String>,
    pub timestamp_size: Option<i64>,
    pub timestamp_at: Option<String>,
    pub timestamp_tsa: Option<String>,
}

/// A principal on an access list, and since when.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    /// `user` or `group`.
    pub kind: String,
    pub name: String,
    pub since: String,
}

/// Someone who must acknowledge a secret's rules, and since when.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub user: String,
    pub since: String,
}

/// An acknowledgement as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Ack {
    pub user: String,
    pub rules_version: i64,
    pub at: String,
    pub ledger_index: Option<i64>,
}

/// A secret as it stood.
#[derive(Debug, Clone, Serialize)]
pub struct SecretState {
    pub id: i64,
    /// The register record then (title, level, category, status, marks,
    /// locations, agreements, review date, handling rules, …).
    pub record: Value,
    /// The creation's details were erased: the record cannot be rebuilt.
    pub erased: bool,
    pub registered_at: String,
    pub registered_by: String,
    pub registered_index: Option<i64>,
    pub access: Vec<Principal>,
    /// Everyone the access list named, groups expanded as they were.
    pub entitled: Vec<Person>,
    pub rules_version: i64,
    pub rules_since: String,
    pub acknowledged: Vec<Ack>,
    /// Entitled people without an acknowledgement of the current rules
    /// (registered secrets only), since they were entitled or the rules changed.
    pub outstanding: Vec<Person>,
}

impl SecretState {
    pub fn title(&self) -> &str {
        self.record["title"].as_str().unwrap_or_default()
    }

    fn text(&self, key: &str) -> String {
        match &self.record[key] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
            Value::Null => String::new(),
            v => v.to_string(),
        }
    }
}

/// The register as it stood.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterAsOf {
    pub dating: Dating,
    pub secrets: Vec<SecretState>,
}

/// One statement of a report and the ledger entry that proves it.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub at: String,
    pub action: String,
    pub ja: String,
    pub en: String,
    pub ledger_index: Option<i64>,
}

/// Marks and storage locations under one of the 指針's media.
#[derive(Debug, Clone, Serialize)]
pub struct Medium {
    pub ja: &'static str,
    pub en: &'static str,
    pub marks: Vec<String>,
    pub locations: Vec<String>,
}

/// A secret's 秘密管理性 report.
#[derive(Debug, Clone, Serialize)]
pub struct SecretReport {
    pub dating: Dating,
    pub secret: SecretState,
    pub media: Vec<Medium>,
    /// The review date, and whether it had passed on the as-of date.
    pub review_date: Option<String>,
    pub review_overdue: bool,
    pub statements: Vec<Statement>,
    /// Scans and findings (shown to those who see investigations).
    pub scans: Vec<Statement>,
    /// `c2sp.org/tlog-proof@v1` text per ledger index, where a signed
    /// checkpoint covers it.
    pub proofs: BTreeMap<i64, String>,
    pub generated_at: String,
}

/// Someone who has yet to acknowledge a secret's current rules.
#[derive(Debug, Clone, Serialize)]
pub struct AckGap {
    pub secret_id: i64,
    pub title: String,
    pub secret_department: String,
    pub user: String,
    pub user_department: String,
    pub rules_version: i64,
    pub since: String,
}

#[derive(Default)]
struct Replayed {
    secrets: BTreeMap<i64, State>,
}

#[derive(Default)]
struct State {
    record: Value,
    erased: bool,
    registered: (String, String, Option<i64>),
    access: BTreeMap<(String, String), String>,
    rules_since: String,
    acks: BTreeMap<String, Ack>,
    statements: Vec<Statement>,
    scans: Vec<Statement>,
}

fn summary_of(row: &maruhi_store::rows::AuditRow) -> Value {
    serde_json::from_str(&row.summary).unwrap_or(Value::Null)
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.chars().take(120).collect(),
        Value::Null => "—".into(),
        Value::Array(a) => a.iter().map(short).collect::<Vec<_>>().join(", "),
        Value::Object(o) if o.contains_key("name") => short(&o["name"]),
        v => v.to_string().chars().take(120).collect(),
    }
}

/// Replays `secret.*`, `group.*` and material events in trail order.
/// A principal of a grant as `(kind, name)`: users by their account name.
fn principal(p: &Value, users: &BTreeMap<i64, (String, String)>, groups: &BTreeMap<i64, String>) -> (String, String) {
    let kind = short(&p["kind"]);
    let id = p["id"].as_i64();
    let name = match (kind.as_str(), id) {
        ("user", Some(id)) => users.get(&id).map(|u| u.0.clone()),
        ("group", Some(id)) => groups.get(&id).cloned(),
        _ => None,
    };
    (kind, name.unwrap_or_else(|| short(&p["name"])))
}

fn replay(
    rows: &[maruhi_store::rows::AuditRow],
    users: &BTreeMap<i64, (String, String)>,
    groups: &mut BTreeMap<i64, String>,
) -> (Replayed, BTreeMap<String, BTreeMap<String, String>>) {
    let mut out = Replayed::default();
    let mut by_display: BTreeMap<String, String> = BTreeMap::new();
    for (username, display) in users.values() {
        by_display.entry(display.clone()).or_insert_with(|| username.clone());
    }
    // Group name → member → since.
    let mut members: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for row in rows {
        let s = summary_of(row);
        let at = row.occurred_at.clone();
        let who = row.actor_name.clone();
        let idx = row.ledger_index;
        if row.object_type == "group" {
            match AuditAction::parse(&row.action) {
                Some(AuditAction::GroupCreate) => {
                    if let (Some(id), Some(name)) =
                        (row.object_id.as_deref().and_then(|i| i.parse().ok()), s["name"].as_str())
                    {
                        groups.insert(id, name.to_owned());
                    }
                }
                Some(AuditAction::GroupMemberAdd) => {
                    if let (Some(g), Some(u)) = (s["group"].as_str(), s["user"].as_str()) {
                        members.entry(g.to_owned()).or_default().insert(u.to_owned(), at.clone());
                    }
                }
                Some(AuditAction::GroupMemberRemove) => {
                    if let (Some(g), Some(u)) = (s["group"].as_str(), s["user"].as_str()) {
                        members.entry(g.to_owned()).or_default().remove(u);
                    }
                }
                _ => {}
            }
            continue;
        }
        let Some(id) = row.object_id.as_deref().and_then(|i| i.parse::<i64>().ok()) else { continue };
        let Some(action) = AuditAction::parse(&row.action) else { continue };
        if action == AuditAction::SecretView {
            continue;
        }
        let st = out.secrets.entry(id).or_default();
        let say = |ja: String, en: String| Statement {
            at: at.clone(),
            action: row.action.clone(),
            ja,
            en,
            ledger_index: idx,
        };
        match action {
            AuditAction::SecretCreate => {
                st.erased = s["after"].is_null();
                st.record = s["after"].clone();
                st.registered = (at.clone(), who.clone(), idx);
                st.rules_since = at.clone();
                match s["principals"].as_array() {
                    Some(list) => {
                        for p in list {
                            st.access.insert(principal(p, users, groups), at.clone());
                        }
                    }
                    // Older entries name principals only (users by display name).
                    None => {
                        for g in s["grants"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                            let (kind, name) = g.split_once(':').unwrap_or(("user", g));
                            let name = match kind {
                                "user" => by_display.get(name).cloned().unwrap_or_else(|| name.to_owned()),
                                _ => name.to_owned(),
                            };
                            st.access.insert((kind.to_owned(), name), at.clone());
                        }
                    }
                }
                st.statements.push(say(
                    format!(
                        "{who} が登録（区分 {}、分類 {}）",
                        short(&st.record["level"]),
                        short(&st.record["category"])
                    ),
                    format!(
                        "Registered by {who} (level {}, category {})",
                        short(&st.record["level"]),
                        short(&st.record["category"])
                    ),
                ));
            }
            AuditAction::SecretUpdate => {
                let mut changed = Vec::new();
                if let (Some(obj), Some(rec)) = (s.as_object(), st.record.as_object_mut()) {
                    for (k, v) in obj {
                        rec.insert(k.clone(), v["after"].clone());
                        changed.push(format!("{k}: {} → {}", short(&v["before"]), short(&v["after"])));
                        if k == "rules_version" {
                            st.rules_since = at.clone();
                        }
                    }
                }
                let list = changed.join("; ");
                st.statements.push(say(format!("{who} が変更: {list}"), format!("Changed by {who}: {list}")));
            }
            AuditAction::SecretStatus => {
                let (b, a) = (short(&s["status"]["before"]), short(&s["status"]["after"]));
                if let Some(rec) = st.record.as_object_mut() {
                    rec.insert("status".into(), s["status"]["after"].clone());
                    rec.insert("status_reason".into(), s["reason"].clone());
                }
                let reason = short(&s["reason"]);
                st.statements.push(say(
                    format!("{who} が状態を変更: {b} → {a}（{reason}）"),
                    format!("Status changed by {who}: {b} → {a} ({reason})"),
                ));
            }
            AuditAction::SecretGrant => {
                let (kind, name) = principal(&s["principal"], users, groups);
                st.access.insert((kind.clone(), name.clone()), at.clone());
                st.statements.push(say(
                    format!("{who} がアクセス権を付与: {kind}:{name}"),
                    format!("Access granted by {who}: {kind}:{name}"),
                ));
            }
            AuditAction::SecretRevoke => {
                let kind = short(&s["principal"]["kind"]);
                let pid = s["principal"]["id"].as_i64().unwrap_or_default();
                let name = match kind.as_str() {
                    "group" => groups.get(&pid).cloned(),
                    _ => users.get(&pid).map(|u| u.0.clone()),
                }
                .unwrap_or_else(|| format!("#{pid}"));
                st.access.remove(&(kind.clone(), name.clone()));
                st.statements.push(say(
                    format!("{who} がアクセス権を削除: {kind}:{name}"),
                    format!("Access revoked by {who}: {kind}:{name}"),
                ));
            }
            AuditAction::SecretAcknowledge => {
                let version = s["rules_version"].as_i64().unwrap_or_default();
                st.acks.insert(
                    who.clone(),
                    Ack { user: who.clone(), rules_version: version, at: at.clone(), ledger_index: idx },
                );
                st.statements.push(say(
                    format!("{who} が取扱規程 第{version}版を確認・誓約"),
                    format!("{who} acknowledged the handling rules, version {version}"),
                ));
            }
            AuditAction::MaterialAttach => {
                let name = short(&s["name"]);
                let sha = short(&s["file_sha256"]);
                st.statements.push(say(
                    format!("{who} が資料「{name}」を登録（SHA-256 {sha}）"),
                    format!("{who} registered material \"{name}\" (SHA-256 {sha})"),
                ));
            }
            AuditAction::VaultStore => {
                let name = short(&s["name"]);
                st.statements.push(say(
                    format!("原本「{name}」を暗号化して保管"),
                    format!("Original \"{name}\" kept encrypted in the vault"),
                ));
            }
            AuditAction::MaterialDownload => {
                let name = short(&s["name"]);
                st.statements.push(say(
                    format!("{who} が「{name}」をダウンロード（記録済み）"),
                    format!("{who} downloaded \"{name}\" (recorded)"),
                ));
            }
            AuditAction::EvidenceExport => {
                st.statements.push(say(format!("{who} が証拠を出力"), format!("Evidence exported by {who}")));
            }
            AuditAction::ScanFinding | AuditAction::CopyTrace => {
                let path = short(&s["path"]);
                st.scans.push(say(
                    format!("スキャンで検出: {path}（一致 {} 文字）", short(&s["matched_chars"])),
                    format!("Found by a scan: {path} ({} characters matched)", short(&s["matched_chars"])),
                ));
            }
            _ => {}
        }
    }
    (out, members)
}

/// The 指針's media, by keywords in a mark or location.
fn medium_of(text: &str) -> usize {
    let t = text.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if any(&["紙", "書類", "印刷", "ファイル綴", "キャビネット", "金庫", "paper", "binder", "cabinet", "printed"])
    {
        0
    } else if any(&[
        "\\",
        "/",
        "サーバ",
        "フォルダ",
        "共有",
        "sharepoint",
        "drive",
        "http",
        "smb",
        "nas",
        "電子",
        "pdf",
        "データ",
        "db",
        "git",
        "cloud",
        "クラウド",
    ]) {
        1
    } else if any(&[
        "金型",
        "試作",
        "製品",
        "装置",
        "部品",
        "サンプル",
        "設備",
        "prototype",
        "sample",
        "mold",
        "device",
    ]) {
        2
    } else {
        3
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
}

impl Service {
    /// How the register at `until` is dated in the ledger: by the last
    /// change to it (`last_index`), the checkpoint that covers that entry
    /// and its time stamp.
    async fn dating(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        until: &str,
        last_index: Option<i64>,
    ) -> Result<Dating> {
        let mut dating = Dating {
            as_of: until.to_owned(),
            last_index,
            checkpoint_size: None,
            checkpoint_signed_at: None,
            timestamp_size: None,
            timestamp_at: None,
            timestamp_tsa: None,
        };
        if let Some(index) = last_index {
            if let Some(cp) = maruhi_store::ledger::checkpoint_covering(conn, index).await? {
                dating.checkpoint_size = Some(cp.size);
                dating.checkpoint_signed_at = Some(cp.signed_at);
            }
            if let Some(ts) = maruhi_store::ledger::timestamp_covering(conn, index).await? {
                dating.timestamp_size = Some(ts.size);
                dating.timestamp_at = Some(ts.stamped_at);
                dating.timestamp_tsa = Some(ts.tsa);
            }
        }
        Ok(dating)
    }

    /// Replays the trail up to `until` into secret states and statements.
    async fn replay_until(&self, until: &str) -> Result<(Dating, Vec<(SecretState, State)>)> {
        let mut conn = self.db.read().await?;
        let users: BTreeMap<i64, (String, String)> = maruhi_store::users::list(&mut conn)
            .await?
            .into_iter()
            .map(|u| (u.id, (u.username, u.display_name)))
            .collect();
        let mut groups: BTreeMap<i64, String> =
            maruhi_store::groups::list(&mut conn).await?.into_iter().map(|g| (g.id, g.name)).collect();
        let rows = maruhi_store::audit::of_types_until(&mut conn, &["secret", "group"], until).await?;
        // Views change nothing: the register is dated by its last change.
        let last_change =
            rows.iter().filter(|r| r.action != AuditAction::SecretView.id()).filter_map(|r| r.ledger_index).max();
        let dating = self.dating(&mut conn, until, last_change).await?;
        drop(conn);
        let (replayed, members) = replay(&rows, &users, &mut groups);
        let mut out = Vec::new();
        for (id, st) in replayed.secrets {
            if st.registered.0.is_empty() {
                // Events about a secret created after `until` cannot be here;
                // one without a creation predates the trail.
                continue;
            }
            let mut entitled: BTreeMap<String, String> = BTreeMap::new();
            for ((kind, name), since) in &st.access {
                if kind == "group" {
                    for (user, joined) in members.get(name).into_iter().flatten() {
                        let from = if joined > since { joined } else { since };
                        let e = entitled.entry(user.clone()).or_insert_with(|| from.clone());
                        if from < e {
                            *e = from.clone();
                        }
                    }
                } else {
                    let e = entitled.entry(name.clone()).or_insert_with(|| since.clone());
                    if since < e {
                        *e = since.clone();
                    }
                }
            }
            let rules_version = st.record["rules_version"].as_i64().unwrap_or(1);
            let registered = st.record["status"].as_str() == Some("registered");
            let outstanding = entitled
                .iter()
                .filter(|(user, _)| registered && st.acks.get(*user).is_none_or(|a| a.rules_version != rules_version))
                .map(|(user, since)| Person {
                    user: user.clone(),
                    since: if *since > st.rules_since { since.clone() } else { st.rules_since.clone() },
                })
                .collect();
            let state = SecretState {
                id,
                record: st.record.clone(),
                erased: st.erased,
                registered_at: st.registered.0.clone(),
                registered_by: st.registered.1.clone(),
                registered_index: st.registered.2,
                access: st
                    .access
                    .iter()
                    .map(|((kind, name), since)| Principal {
                        kind: kind.clone(),
                        name: name.clone(),
                        since: since.clone(),
                    })
                    .collect(),
                entitled: entitled.into_iter().map(|(user, since)| Person { user, since }).collect(),
                rules_version,
                rules_since: st.rules_since.clone(),
                acknowledged: st.acks.values().cloned().collect(),
                outstanding,
            };
            out.push((state, st));
        }
        Ok((dating, out))
    }

    /// The secrets as they stood at `until` (an RFC 3339 UTC time).
    pub(crate) async fn replay_states(&self, until: &str) -> Result<Vec<SecretState>> {
        Ok(self.replay_until(until).await?.1.into_iter().map(|(s, _)| s).collect())
    }

    fn until_text(&self, as_of: Option<OffsetDateTime>) -> String {
        crate::clock::format_time(as_of.unwrap_or_else(|| self.now()))
    }

    /// The register, access lists and acknowledgements as they stood at
    /// `as_of` (default now), rebuilt from the trail. Admin, legal/IP and
    /// auditors.
    pub async fn register_as_of(&self, actor: &Actor, as_of: Option<OffsetDateTime>) -> Result<RegisterAsOf> {
        if !policy::sees_whole_register(actor.role) {
            return Err(Error::Forbidden);
        }
        let (dating, states) = self.replay_until(&self.until_text(as_of)).await?;
        Ok(RegisterAsOf { dating, secrets: states.into_iter().map(|(s, _)| s).collect() })
    }

    /// A secret's 秘密管理性 report as of `as_of` (default now): for its
    /// 管理責任者, admin, legal/IP and auditors. A secret the actor may not
    /// see, or that did not exist then, is `NotFound`.
    pub async fn secret_report(&self, actor: &Actor, id: i64, as_of: Option<OffsetDateTime>) -> Result<SecretReport> {
        let secret = self.get_secret(actor, id).await?;
        let manager = secret.manager.as_ref().map(|m| m.id);
        let manages = actor.user_id.is_some() && manager == actor.user_id;
        if !(policy::sees_whole_register(actor.role) || manages) {
            return Err(Error::Forbidden);
        }
        let until = self.until_text(as_of);
        let (dating, states) = self.replay_until(&until).await?;
        let (state, replayed) = states.into_iter().find(|(s, _)| s.id == id).ok_or(Error::NotFound)?;
        let mut media: Vec<Medium> =
            [("紙", "Paper"), ("電子", "Electronic"), ("物件", "Objects"), ("その他", "Other")]
                .into_iter()
                .map(|(ja, en)| Medium { ja, en, marks: Vec::new(), locations: Vec::new() })
                .collect();
        for m in strings(&state.record["marks"]) {
            media[medium_of(&m)].marks.push(m);
        }
        for l in strings(&state.record["locations"]) {
            media[medium_of(&l)].locations.push(l);
        }
        let review_date = state.record["review_date"].as_str().map(str::to_owned);
        let review_overdue = review_date.as_deref().is_some_and(|d| d < &until[..10.min(until.len())]);
        let scans = if policy::sees_investigations(actor, manager) { replayed.scans } else { Vec::new() };
        let mut proofs = BTreeMap::new();
        for index in replayed.statements.iter().chain(&scans).filter_map(|s| s.ledger_index) {
            match self.ledger_proof(index).await {
                Ok(p) => {
                    proofs.insert(index, p);
                }
                Err(Error::Conflict(crate::i18n::Msg::NotYetCheckpointed)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(SecretReport {
            dating,
            secret: state,
            media,
            review_date,
            review_overdue,
            statements: replayed.statements,
            scans,
            proofs,
            generated_at: self.now_text(),
        })
    }

    /// Who has yet to acknowledge the current rules of the registered
    /// secrets the actor oversees (admin, legal/IP, auditors: all; a
    /// 管理責任者: theirs), groups expanded, with since when.
    pub async fn acknowledgement_gaps(&self, actor: &Actor) -> Result<Vec<AckGap>> {
        let all = policy::sees_whole_register(actor.role);
        if !all && actor.role != crate::model::Role::Manager {
            return Err(Error::Forbidden);
        }
        let (_, states) = self.replay_until(&self.until_text(None)).await?;
        let mut conn = self.db.read().await?;
        let departments: BTreeMap<String, String> =
            maruhi_store::users::list(&mut conn).await?.into_iter().map(|u| (u.username, u.department)).collect();
        let manages = |s: &SecretState| actor.user_id.is_some() && s.record["manager"]["id"].as_i64() == actor.user_id;
        let mut out = Vec::new();
        for (s, _) in states.iter().filter(|(s, _)| all || manages(s)) {
            for p in &s.outstanding {
                out.push(AckGap {
                    secret_id: s.id,
                    title: s.title().to_owned(),
                    secret_department: s.text("department"),
                    user: p.user.clone(),
                    user_department: departments.get(&p.user).cloned().unwrap_or_default(),
                    rules_version: s.rules_version,
                    since: p.since.clone(),
                });
            }
        }
        out.sort_by(|a, b| {
            (&a.secret_department, a.secret_id, &a.user).cmp(&(&b.secret_department, b.secret_id, &b.user))
        });
        Ok(out)
    }
}

/// The register as CSV (one row per secret), for a spreadsheet.
pub fn register_csv(r: &RegisterAsOf) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "id",
        "title",
        "level",
        "category",
        "status",
        "department",
        "marks",
        "locations",
        "agreements",
        "access",
        "entitled",
        "rules_version",
        "acknowledged",
        "outstanding",
        "registered_at",
        "ledger_index",
    ])
    .map_err(err)?;
    for s in &r.secrets {
        let access: Vec<String> = s.access.iter().map(|p| format!("{}:{}", p.kind, p.name)).collect();
        let entitled: Vec<&str> = s.entitled.iter().map(|p| p.user.as_str()).collect();
        let acked: Vec<String> = s.acknowledged.iter().map(|a| format!("{}@v{}", a.user, a.rules_version)).collect();
        let outstanding: Vec<&str> = s.outstanding.iter().map(|p| p.user.as_str()).collect();
        w.write_record([
            s.id.to_string(),
            s.title().to_owned(),
            s.text("level"),
            s.text("category"),
            s.text("status"),
            s.text("department"),
            s.text("marks"),
            s.text("locations"),
            s.text("agreements"),
            access.join(" "),
            entitled.join(" "),
            s.rules_version.to_string(),
            acked.join(" "),
            outstanding.join(" "),
            s.registered_at.clone(),
            s.registered_index.map(|i| i.to_string()).unwrap_or_default(),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))
}

/// Acknowledgement gaps as CSV.
pub fn gaps_csv(gaps: &[AckGap]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record(["secret_department", "secret_id", "title", "user", "user_department", "rules_version", "since"])
        .map_err(err)?;
    for g in gaps {
        w.write_record([
            g.secret_department.clone(),
            g.secret_id.to_string(),
            g.title.clone(),
            g.user.clone(),
            g.user_department.clone(),
            g.rules_version.to_string(),
            g.since.clone(),
        ])
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Internal(format!("csv: {e}")))
}
