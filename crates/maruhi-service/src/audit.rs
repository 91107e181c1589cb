//! The audit boundary: the one place every state change is recorded.
//!
//! Callers describe what happened as an [`Event`] and hand it to [`record`]
//! together with the open write transaction, so the change and its record
//! commit or roll back together. The record is a row of the append-only
//! audit table and, in the same transaction, the next leaf of the evidence
//! ledger ([`crate::ledger`]).

use maruhi_store::{audit::NewAuditEvent, WriteTx};
use serde_json::Value;

use crate::{Actor, Result};

/// Every kind of event in the audit trail. The id is what the trail and
/// the ledger store; the label what pages show, in both languages (the
/// match makes a new action without a label a compile error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    SecretCreate,
    SecretUpdate,
    SecretStatus,
    SecretGrant,
    SecretRevoke,
    SecretView,
    SecretAcknowledge,
    AuthLogin,
    AuthLoginFailed,
    AuthLoginThrottled,
    AuthLogout,
    UserCreate,
    UserUpdate,
    UserPassword,
    GroupCreate,
    GroupMemberAdd,
    GroupMemberRemove,
    TokenCreate,
    TokenRevoke,
    LevelsUpdate,
    RegisterExport,
    LedgerErase,
    MaterialAttach,
    MaterialAdd,
    MaterialRemove,
    ScanFinding,
    ScanContamination,
    EventsImport,
    HrImport,
    WatchlistAdd,
    WatchlistRemove,
    IdentityAdd,
    IdentityRemove,
    RiskAnalyse,
    RiskAlert,
    RiskTriage,
    RiskAssign,
    RiskDomainSet,
    RiskDomainRemove,
    EvidenceExport,
    CopyTrace,
    VaultStore,
    MaterialDownload,
    VaultRotateKey,
    CaseOpen,
    CaseNote,
    CaseUpdate,
    CaseHold,
    CaseRelease,
    EventsKeepOriginal,
    ReminderSend,
    AssessmentAnswer,
    AssessmentSave,
    Backup,
    EdmAdd,
    EdmRefresh,
    EdmRemove,
    EdmFinding,
    ShareDraft,
    ShareDictionary,
    ShareApprove,
    ShareExport,
    ShareImport,
}

impl AuditAction {
    pub const ALL: [AuditAction; 63] = [
        AuditAction::SecretCreate,
        AuditAction::SecretUpdate,
        AuditAction::SecretStatus,
        AuditAction::SecretGrant,
        AuditAction::SecretRevoke,
        AuditAction::SecretView,
        AuditAction::SecretAcknowledge,
        AuditAction::AuthLogin,
        AuditAction::AuthLoginFailed,
        AuditAction::AuthLoginThrottled,
        AuditAction::AuthLogout,
        AuditAction::UserCreate,
        AuditAction::UserUpdate,
        AuditAction::UserPassword,
        AuditAction::GroupCreate,
        AuditAction::GroupMemberAdd,
        AuditAction::GroupMemberRemove,
        AuditAction::TokenCreate,
        AuditAction::TokenRevoke,
        AuditAction::LevelsUpdate,
        AuditAction::RegisterExport,
        AuditAction::LedgerErase,
        AuditAction::MaterialAttach,
        AuditAction::MaterialAdd,
        AuditAction::MaterialRemove,
        AuditAction::ScanFinding,
        AuditAction::ScanContamination,
        AuditAction::EventsImport,
        AuditAction::HrImport,
        AuditAction::WatchlistAdd,
        AuditAction::WatchlistRemove,
        AuditAction::IdentityAdd,
        AuditAction::IdentityRemove,
        AuditAction::RiskAnalyse,
        AuditAction::RiskAlert,
        AuditAction::RiskTriage,
        AuditAction::RiskAssign,
        AuditAction::RiskDomainSet,
        AuditAction::RiskDomainRemove,
        AuditAction::EvidenceExport,
        AuditAction::CopyTrace,
        AuditAction::VaultStore,
        AuditAction::MaterialDownload,
        AuditAction::VaultRotateKey,
        AuditAction::CaseOpen,
        AuditAction::CaseNote,
        AuditAction::CaseUpdate,
        AuditAction::CaseHold,
        AuditAction::CaseRelease,
        AuditAction::EventsKeepOriginal,
        AuditAction::ReminderSend,
        AuditAction::AssessmentAnswer,
        AuditAction::AssessmentSave,
        AuditAction::Backup,
        AuditAction::EdmAdd,
        AuditAction::EdmRefresh,
        AuditAction::EdmRemove,
        AuditAction::EdmFinding,
        AuditAction::ShareDraft,
        AuditAction::ShareDictionary,
        AuditAction::ShareApprove,
        AuditAction::ShareExport,
        AuditAction::ShareImport,
    ];

    /// The stored id, e.g. `secret.create`.
    pub const fn id(self) -> &'static str {
        match self {
            AuditAction::SecretCreate => "secret.create",
            AuditAction::SecretUpdate => "secret.update",
            AuditAction::SecretStatus => "secret.status",
            AuditAction::SecretGrant => "secret.grant",
            AuditAction::SecretRevoke => "secret.revoke",
            AuditAction::SecretView => "secret.view",
            AuditAction::SecretAcknowledge => "secret.acknowledge",
            AuditAction::AuthLogin => "auth.login",
            AuditAction::AuthLoginFailed => "auth.login_failed",
            AuditAction::AuthLoginThrottled => "auth.login_throttled",
            AuditAction::AuthLogout => "auth.logout",
            AuditAction::UserCreate => "user.create",
            AuditAction::UserUpdate => "user.update",
            AuditAction::UserPassword => "user.password",
            AuditAction::GroupCreate => "group.create",
            AuditAction::GroupMemberAdd => "group.member_add",
            AuditAction::GroupMemberRemove => "group.member_remove",
            AuditAction::TokenCreate => "token.create",
            AuditAction::TokenRevoke => "token.revoke",
            AuditAction::LevelsUpdate => "levels.update",
            AuditAction::RegisterExport => "register.export",
            AuditAction::LedgerErase => "ledger.erase",
            AuditAction::MaterialAttach => "material.attach",
            AuditAction::MaterialAdd => "material.add",
            AuditAction::MaterialRemove => "material.remove",
            AuditAction::ScanFinding => "scan.finding",
            AuditAction::ScanContamination => "scan.contamination",
            AuditAction::EventsImport => "events.import",
            AuditAction::HrImport => "hr.import",
            AuditAction::WatchlistAdd => "watchlist.add",
            AuditAction::WatchlistRemove => "watchlist.remove",
            AuditAction::IdentityAdd => "identity.add",
            AuditAction::IdentityRemove => "identity.remove",
            AuditAction::RiskAnalyse => "risk.analyse",
            AuditAction::RiskAlert => "risk.alert",
            AuditAction::RiskTriage => "risk.triage",
            AuditAction::RiskAssign => "risk.assign",
            AuditAction::RiskDomainSet => "risk.domain.set",
            AuditAction::RiskDomainRemove => "risk.domain.remove",
            AuditAction::EvidenceExport => "evidence.export",
            AuditAction::CopyTrace => "scan.trace",
            AuditAction::VaultStore => "vault.store",
            AuditAction::MaterialDownload => "material.download",
            AuditAction::VaultRotateKey => "vault.rotate_key",
            AuditAction::CaseOpen => "case.open",
            AuditAction::CaseNote => "case.note",
            AuditAction::CaseUpdate => "case.update",
            AuditAction::CaseHold => "case.hold",
            AuditAction::CaseRelease => "case.release",
            AuditAction::EventsKeepOriginal => "events.keep_original",
            AuditAction::ReminderSend => "reminder.send",
            AuditAction::AssessmentAnswer => "assessment.answer",
            AuditAction::AssessmentSave => "assessment.save",
            AuditAction::Backup => "installation.backup",
            AuditAction::EdmAdd => "edm.add",
            AuditAction::EdmRefresh => "edm.refresh",
            AuditAction::EdmRemove => "edm.remove",
            AuditAction::EdmFinding => "scan.edm",
            AuditAction::ShareDraft => "share.draft",
            AuditAction::ShareDictionary => "share.dictionary",
            AuditAction::ShareApprove => "share.approve",
            AuditAction::ShareExport => "share.export",
            AuditAction::ShareImport => "share.import",
        }
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let (ja, en) = match self {
            AuditAction::SecretCreate => ("登録", "Registered"),
            AuditAction::SecretUpdate => ("変更", "Changed"),
            AuditAction::SecretStatus => ("状態変更", "Status changed"),
            AuditAction::SecretGrant => ("アクセス権付与", "Access granted"),
            AuditAction::SecretRevoke => ("アクセス権削除", "Access revoked"),
            AuditAction::SecretView => ("閲覧", "Viewed"),
            AuditAction::SecretAcknowledge => ("確認・誓約", "Acknowledged"),
            AuditAction::AuthLogin => ("ログイン", "Logged in"),
            AuditAction::AuthLoginFailed => ("ログイン失敗", "Login failed"),
            AuditAction::AuthLoginThrottled => ("ログイン拒否（試行過多）", "Login refused (throttled)"),
            AuditAction::AuthLogout => ("ログアウト", "Logged out"),
            AuditAction::UserCreate => ("ユーザー作成", "User created"),
            AuditAction::UserUpdate => ("ユーザー変更", "User changed"),
            AuditAction::UserPassword => ("パスワード変更", "Password changed"),
            AuditAction::GroupCreate => ("グループ作成", "Group created"),
            AuditAction::GroupMemberAdd => ("メンバー追加", "Member added"),
            AuditAction::GroupMemberRemove => ("メンバー削除", "Member removed"),
            AuditAction::TokenCreate => ("トークン発行", "Token created"),
            AuditAction::TokenRevoke => ("トークン失効", "Token revoked"),
            AuditAction::LevelsUpdate => ("秘密区分の変更", "Levels changed"),
            AuditAction::RegisterExport => ("台帳の出力", "Register exported"),
            AuditAction::LedgerErase => ("個人情報の消去", "Personal data erased"),
            AuditAction::MaterialAttach => ("資料の指紋登録", "Material fingerprinted"),
            AuditAction::MaterialAdd => ("第三者・定型資料の登録", "Collection material added"),
            AuditAction::MaterialRemove => ("資料の登録解除", "Material removed"),
            AuditAction::ScanFinding => ("スキャンで検出", "Found by a scan"),
            AuditAction::ScanContamination => ("第三者資料の混入を検出", "Third-party material found"),
            AuditAction::EventsImport => ("行動ログの取り込み", "Activity events imported"),
            AuditAction::HrImport => ("人事データの取り込み", "HR data imported"),
            AuditAction::WatchlistAdd => ("ウォッチリストに追加", "Added to a watchlist"),
            AuditAction::WatchlistRemove => ("ウォッチリストから削除", "Removed from a watchlist"),
            AuditAction::IdentityAdd => ("別名の登録", "Alias recorded"),
            AuditAction::IdentityRemove => ("別名の削除", "Alias removed"),
            AuditAction::RiskAnalyse => ("リスク分析", "Risk analysed"),
            AuditAction::RiskAlert => ("アラート発生", "Alert raised"),
            AuditAction::RiskTriage => ("アラートの判定", "Alert triaged"),
            AuditAction::RiskAssign => ("アラートの担当者の指定", "Alert assigned"),
            AuditAction::RiskDomainSet => ("ドメインの分類", "Domain classified"),
            AuditAction::RiskDomainRemove => ("ドメイン分類の削除", "Domain classification removed"),
            AuditAction::EvidenceExport => ("証拠パッケージの出力", "Evidence package exported"),
            AuditAction::CopyTrace => ("流出物の追跡", "Leaked copy traced"),
            AuditAction::VaultStore => ("原本の暗号化保管", "Original stored (encrypted)"),
            AuditAction::MaterialDownload => ("原本のダウンロード", "Original downloaded"),
            AuditAction::VaultRotateKey => ("保管庫マスター鍵の更新", "Vault master key rotated"),
            AuditAction::CaseOpen => ("事案の開始", "Case opened"),
            AuditAction::CaseNote => ("調査記録", "Case journal entry"),
            AuditAction::CaseUpdate => ("事案の変更", "Case changed"),
            AuditAction::CaseHold => ("訴訟ホールド", "Legal hold placed"),
            AuditAction::CaseRelease => ("訴訟ホールドの解除", "Legal hold released"),
            AuditAction::EventsKeepOriginal => ("行動ログ原本の保管", "Activity log original kept"),
            AuditAction::ReminderSend => ("対応事項のメール送信", "Reminders mailed"),
            AuditAction::AssessmentAnswer => ("自己評価の回答", "Self-assessment answered"),
            AuditAction::AssessmentSave => ("自己評価の保存", "Self-assessment saved"),
            AuditAction::Backup => ("バックアップ", "Backup"),
            AuditAction::EdmAdd => ("顧客データ照合（EDM）の登録", "Exact-data-match dataset added"),
            AuditAction::EdmRefresh => ("顧客データ照合（EDM）の更新", "Exact-data-match dataset refreshed"),
            AuditAction::EdmRemove => ("顧客データ照合（EDM）の削除", "Exact-data-match dataset removed"),
            AuditAction::EdmFinding => ("スキャン検出（顧客データの行）", "Scan finding (database rows)"),
            AuditAction::ShareDraft => ("共有報告の起案", "Sharing report drafted"),
            AuditAction::ShareDictionary => ("匿名化辞書への追加", "Anonymisation dictionary term added"),
            AuditAction::ShareApprove => ("共有報告の承認", "Sharing report approved"),
            AuditAction::ShareExport => ("共有報告の送出", "Sharing report exported"),
            AuditAction::ShareImport => ("共有報告の受領", "Sharing report received"),
        };
        lang.pick(ja, en)
    }

    pub fn parse(id: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.id() == id)
    }

    /// Events of an investigation rather than of the management of a
    /// secret: shown only to those who investigate.
    pub fn is_investigation(self) -> bool {
        matches!(
            self,
            AuditAction::ScanFinding
                | AuditAction::ScanContamination
                | AuditAction::CopyTrace
                | AuditAction::EdmFinding
        )
    }
}

/// What happened, to which object, with a summary of before and after.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub action: AuditAction,
    pub object_type: &'static str,
    pub object_id: Option<String>,
    pub summary: Value,
    pub actor: &'a Actor,
}

impl<'a> Event<'a> {
    pub fn new(actor: &'a Actor, action: AuditAction, object_type: &'static str, object_id: impl ToString) -> Self {
        Event { action, object_type, object_id: Some(object_id.to_string()), summary: Value::Null, actor }
    }

    pub fn summary(mut self, summary: Value) -> Self {
        self.summary = summary;
        self
    }
}

/// Appends the event inside `tx`: as an audit row and as the next leaf of
/// the evidence ledger. Returns its ledger index.
pub async fn record(tx: &mut WriteTx, at: &str, event: Event<'_>) -> Result<i64> {
    record_many(tx, at, std::slice::from_ref(&event)).await
}

/// Appends many events in one transaction, for modules that record in bulk
/// (scan findings, imported activity). Returns the first ledger index.
///
/// The batch computes its tree nodes in memory (reading from the database
/// only the tree's right edge) and writes rows and nodes with multi-row
/// statements, as a pipeline: while the database writes one chunk, the next
/// is encoded, committed to and hashed (sqlx runs SQLite on a thread of its
/// own, and PostgreSQL in its server, so the two overlap).
pub async fn record_many(tx: &mut WriteTx, at: &str, events: &[Event<'_>]) -> Result<i64> {
    /// Events per pipeline stage.
    const CHUNK: usize = 256;
    tx.lock_ledger().await?;
    let first = maruhi_store::ledger::size(tx.conn()).await?;
    let mut tree = crate::ledger::Appender::start(tx.conn(), first).await?;
    let mut ready: Option<Encoded<'_, '_>> = None;
    for (c, chunk) in events.chunks(CHUNK).enumerate() {
        let offset = first + (c * CHUNK) as i64;
        let next = match ready.take() {
            None => encode(at, chunk, offset, &mut tree)?,
            Some(previous) => {
                let (stored, next) =
                    tokio::join!(store(tx, at, &previous), async { encode(at, chunk, offset, &mut tree) });
                stored?;
                next?
            }
        };
        ready = Some(next);
    }
    if let Some(last) = ready {
        store(tx, at, &last).await?;
    }
    Ok(first)
}

/// A chunk of events ready to store: personal details and their salted
/// commitments, and the ledger nodes their leaves complete.
struct Encoded<'a, 'e> {
    events: &'e [Event<'a>],
    first: i64,
    /// Per event: summary, salt, commitment.
    rows: Vec<(String, String, String)>,
    nodes: Vec<(u8, u64, [u8; 32])>,
}

fn encode<'a, 'e>(
    at: &str,
    events: &'e [Event<'a>],
    first: i64,
    tree: &mut crate::ledger::Appender,
) -> Result<Encoded<'a, 'e>> {
    let salts = crate::auth::random_hex(16 * events.len())?;
    let mut rows = Vec::with_capacity(events.len());
    let mut entries = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let summary = if event.summary.is_null() { "{}".to_owned() } else { canonical_json(&event.summary) };
        let salt = salts[i * 32..(i + 1) * 32].to_owned();
        let actor = event.actor;
        let commitment =
            crate::ledger::commitment(&salt, actor.user_id, &actor.username, actor.remote_addr.as_deref(), &summary);
        entries.push(crate::ledger::encode_entry(
            at,
            event.action.id(),
            event.object_type,
            event.object_id.as_deref(),
            &commitment,
        ));
        rows.push((summary, salt, commitment));
    }
    let nodes = tree.append(&entries)?;
    Ok(Encoded { events, first, rows, nodes })
}

async fn store(tx: &mut WriteTx, at: &str, chunk: &Encoded<'_, '_>) -> Result<()> {
    maruhi_store::ledger::insert_nodes(tx.conn(), &chunk.nodes).await?;
    let rows: Vec<NewAuditEvent<'_>> = chunk
        .events
        .iter()
        .zip(&chunk.rows)
        .enumerate()
        .map(|(i, (event, (summary, salt, commitment)))| NewAuditEvent {
            occurred_at: at,
            actor_id: event.actor.user_id,
            actor_name: &event.actor.username,
            action: event.action.id(),
            object_type: event.object_type,
            object_id: event.object_id.as_deref(),
            summary,
            remote_addr: event.actor.remote_addr.as_deref(),
            ledger_index: chunk.first + i as i64,
            salt,
            commitment,
        })
        .collect();
    maruhi_store::audit::append_many(tx.conn(), &rows).await?;
    Ok(())
}

/// A summary as it is stored and committed to in the ledger: compact JSON
/// with the keys of every object in byte order.
///
/// serde_json keeps object keys sorted, unless its `preserve_order` feature
/// is on, which any crate of a build can switch on for all of them (the
/// `evtx` crate does); then `json!` and `to_value` keep insertion order. The
/// bytes behind a ledger commitment must not depend on how the binary was
/// built, so the keys are put in order here rather than left to the map type.
pub fn canonical_json(value: &Value) -> String {
    sorted(value).to_string()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// The fields that differ between two JSON objects, as `{field: {before, after}}`.
pub fn diff(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (k, av) in a {
            let bv = b.get(k).unwrap_or(&Value::Null);
            if bv != av {
                out.insert(k.clone(), serde_json::json!({ "before": bv, "after": av }));
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn action_ids_are_distinct_and_parse_back() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.id()), Some(a), "{a:?}");
        }
        let ids: std::collections::HashSet<_> = AuditAction::ALL.iter().map(|a| a.id()).collect();
        assert_eq!(ids.len(), AuditAction::ALL.len());
    }
}
