//! What a page or an API use case shows, in one service call each: the
//! front ends render, they do not assemble use cases or decide who may do
//! what. A view that shows a secret is audited once (`secret.view`); lists
//! are not views of each secret they name.

use std::collections::hash_map::{Entry, HashMap};

use serde::Serialize;

use crate::model::{Acknowledgement, AuditEntry, Secret, Status};
use crate::scan::{Material, ScanOutcome};
use crate::{policy, Actor, Error, Result, Service};

/// Everything a secret's page shows, and what the viewer may do there.
#[derive(Debug, Clone, Serialize)]
pub struct SecretPage {
    pub secret: Secret,
    /// The classification levels, most secret first.
    pub levels: Vec<String>,
    /// The secret's changes, oldest first, as the viewer may see them:
    /// its audit trail without the views (who looked at what is for
    /// auditors, in the audit log).
    pub history: Vec<AuditEntry>,
    pub acknowledgements: Vec<Acknowledgement>,
    pub materials: Vec<Material>,
    /// The viewer may edit, grant and change the status.
    pub may_manage: bool,
    /// The viewer may download stored originals (need-to-know on content).
    pub may_download: bool,
    /// The installation keeps originals (a vault is configured).
    pub vault: bool,
    /// The viewer may acknowledge the handling rules now.
    pub may_acknowledge: bool,
    /// The viewer has acknowledged the current rules.
    pub acknowledged_current: bool,
    /// The statuses the secret may move to.
    pub transitions: Vec<Status>,
    /// Material time-stamped so far: material id → the time of the earliest
    /// time stamp over the entry that registered it ("existed no later
    /// than").
    pub anchors: std::collections::BTreeMap<i64, String>,
    /// The viewer may download the prior-use evidence.
    pub may_export_evidence: bool,
}

/// A registered secret whose current handling rules the viewer has not
/// acknowledged, with the rules in full (the acknowledgement is informed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutstandingAck {
    pub secret_id: i64,
    pub title: String,
    pub rules_version: i64,
    pub handling_rules: String,
}

/// The web scan's result: the findings the viewer may see, each with its
/// secret's title and its passages side by side.
#[derive(Debug, Clone)]
pub struct ScanPage {
    pub outcome: ScanOutcome,
    /// One per finding of `outcome`, in the same order.
    pub details: Vec<FindingDetail>,
}

#[derive(Debug, Clone)]
pub struct FindingDetail {
    /// The registered secret found, when it is one.
    pub secret: Option<(i64, String)>,
    /// The passages the scanner gave text to (the longest few).
    pub passages: Vec<PassageDetail>,
}

#[derive(Debug, Clone)]
pub struct PassageDetail {
    pub query_text: String,
    pub aligned_chars: usize,
    pub similarity: f64,
    pub reference: ReferenceText,
}

/// The reference's side of a passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceText {
    Text(String),
    /// Only fingerprints were kept of the material.
    NotKept,
    /// The viewer may see the finding but not the material's content.
    NotEntitled,
}

impl Service {
    /// A secret's page: one `secret.view` in the audit trail.
    pub async fn secret_page(&self, actor: &Actor, id: i64) -> Result<SecretPage> {
        let secret = self.get_secret(actor, id).await?;
        let levels = self.levels().await?;
        let history = self.history(actor, id).await?;
        let acknowledgements = self.acknowledgements(actor, id).await?;
        let materials = self.secret_materials(actor, id).await?;
        let entitled = self.is_entitled(actor, id).await?;
        let mut anchors = std::collections::BTreeMap::new();
        {
            let mut conn = self.db.read().await?;
            for h in history.iter().filter(|h| h.action == crate::audit::AuditAction::MaterialAttach.id()) {
                let (Some(index), Some(material)) = (h.ledger_index, h.summary["material"].as_i64()) else { continue };
                if let Some(t) = maruhi_store::ledger::timestamp_covering(&mut conn, index).await? {
                    anchors.insert(material, t.stamped_at);
                }
            }
        }
        let may_download = {
            let mut conn = self.db.read().await?;
            self.entitled_to_content(&mut conn, actor, id).await?
        };
        let acknowledged_current = actor.user_id.is_some_and(|uid| {
            acknowledgements.iter().any(|a| a.user_id == uid && a.rules_version == secret.rules_version)
        });
        let may_manage = policy::may_manage_secret(actor, secret.manager.as_ref().map(|m| m.id));
        Ok(SecretPage {
            may_manage,
            may_export_evidence: may_manage,
            anchors,
            may_download,
            vault: self.vault().is_ok(),
            may_acknowledge: entitled && secret.status == Status::Registered && policy::may_write(actor),
            acknowledged_current,
            transitions: Status::ALL.into_iter().filter(|s| secret.status.can_become(*s)).collect(),
            secret,
            levels,
            history: history.into_iter().filter(|h| h.action != crate::audit::AuditAction::SecretView.id()).collect(),
            acknowledgements,
            materials,
        })
    }

    /// A secret to edit, with its manager's user name: only for those who
    /// manage it. One `secret.view`.
    pub async fn secret_for_edit(&self, actor: &Actor, id: i64) -> Result<(Secret, String)> {
        let secret = self.get_secret(actor, id).await?;
        if !policy::may_manage_secret(actor, secret.manager.as_ref().map(|m| m.id)) {
            return Err(Error::Forbidden);
        }
        let manager = match &secret.manager {
            Some(m) => self.username_of(m.id).await?,
            None => String::new(),
        };
        Ok((secret, manager))
    }

    /// Registered secrets whose current rules the actor has not
    /// acknowledged, with the rules; not a view of each secret.
    pub async fn outstanding_acks(&self, actor: &Actor) -> Result<Vec<OutstandingAck>> {
        let Some(uid) = actor.user_id else { return Ok(Vec::new()) };
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::acks::outstanding_for(&mut conn, uid)
            .await?
            .into_iter()
            .map(|r| OutstandingAck {
                secret_id: r.secret_id,
                title: r.title,
                rules_version: r.rules_version,
                handling_rules: r.handling_rules,
            })
            .collect())
    }

    /// Scans an uploaded file ([`Service::scan_upload`]) and gathers what
    /// the result page shows: titles, and each material's text opened once
    /// for all its passages.
    pub async fn scan_upload_page(&self, actor: &Actor, file_name: &str, bytes: Vec<u8>) -> Result<ScanPage> {
        let (outcome, titles) = self.scan_upload_titled(actor, file_name, bytes).await?;
        let mut conn = self.db.read().await?;
        let mut texts: HashMap<i64, ReferenceText> = HashMap::new();
        let mut details = Vec::with_capacity(outcome.findings.len());
        for f in &outcome.findings {
            // Findings of secrets the viewer may not see were withheld.
            let secret = f.secret_id.and_then(|id| Some((id, titles.get(&id)?.clone())));
            let mut passages = Vec::new();
            for p in f.passages.iter().filter(|p| !p.query_text.is_empty()) {
                let reference = match f.material_id {
                    Some(mid) => {
                        let text = match texts.entry(mid) {
                            Entry::Occupied(o) => o.into_mut(),
                            Entry::Vacant(v) => v.insert(match self.material_text(&mut conn, actor, mid).await {
                                Ok(Some(text)) => ReferenceText::Text(text),
                                Ok(None) => ReferenceText::NotKept,
                                Err(Error::NotFound | Error::Forbidden) => ReferenceText::NotEntitled,
                                Err(e) => return Err(e),
                            }),
                        };
                        match text {
                            // `excerpt` keeps the range inside the text and on char boundaries.
                            ReferenceText::Text(t) => {
                                ReferenceText::Text(maruhi_scan::excerpt(t, p.reference_bytes, 400))
                            }
                            other => other.clone(),
                        }
                    }
                    None => ReferenceText::NotKept,
                };
                passages.push(PassageDetail {
                    query_text: p.query_text.clone(),
                    aligned_chars: p.aligned_chars,
                    similarity: p.similarity,
                    reference,
                });
            }
            details.push(FindingDetail { secret, passages });
        }
        Ok(ScanPage { outcome, details })
    }
}
