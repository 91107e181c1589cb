//! The leak and contamination scanner inside an installation: fingerprinted
//! material (our secrets' and third parties'), the index over it, and scans
//! of uploaded files with their findings in the audit trail.
//!
//! Material is stored as keyed fingerprints (maruhi-fingerprint), never as
//! plain text; the extracted text is kept only sealed (XChaCha20-Poly1305
//! under a key derived from the installation key) so that entitled users can
//! see a matching passage beside the scanned one. The index is rebuilt in
//! memory when the material generation (bumped with every change, in the
//! same transaction) moves, so several server processes stay current.

use std::sync::{Arc, Mutex};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use maruhi_fingerprint::{BackgroundSet, Fingerprinter, Fingerprints, Key};
pub use maruhi_scan::{Collection, FileReport, Finding, Span, Thresholds};
use maruhi_scan::{Reference, Scanner};
use maruhi_store::materials::{MaterialRow, NewMaterial};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit::{self, AuditAction, Event};
use crate::auth::hex_lower;
use crate::i18n::Msg;
use crate::model::Role;
use crate::validate::Problems;
use crate::{policy, Actor, Error, Result, Service};

/// Keys derived from the installation key, one per purpose.
pub(crate) struct ScanKeys {
    fingerprint: Key,
    seal: [u8; 32],
    /// Keys the digest of unknown user names typed at the login.
    pub(crate) unknown_user: [u8; 32],
    /// Keys the exact-data-match indexes (each mixes in its own salt).
    pub(crate) edm: [u8; 32],
    /// Keys the sharing gate's pseudonyms and the forum identity.
    pub(crate) share: [u8; 32],
}

impl ScanKeys {
    pub(crate) fn derive(installation_key: &[u8; 32]) -> ScanKeys {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut h = Sha256::new();
            h.update(label);
            h.update(installation_key);
            h.finalize().into()
        };
        ScanKeys {
            fingerprint: Key::from_bytes(derive(b"maruhi fingerprint key v1\0")),
            seal: derive(b"maruhi material seal key v1\0"),
            unknown_user: derive(b"maruhi unknown user name key v1\0"),
            edm: derive(b"maruhi edm key v1\0"),
            share: derive(b"maruhi sharing pseudonym key v1\0"),
        }
    }
}

/// The collections material can be added to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialCollection {
    Secret,
    ThirdParty,
    Background,
}

impl MaterialCollection {
    pub fn id(self) -> &'static str {
        match self {
            MaterialCollection::Secret => "secret",
            MaterialCollection::ThirdParty => "third_party",
            MaterialCollection::Background => "background",
        }
    }

    pub fn parse(s: &str) -> Option<MaterialCollection> {
        match s {
            "secret" => Some(MaterialCollection::Secret),
            "third_party" | "third-party" => Some(MaterialCollection::ThirdParty),
            "background" => Some(MaterialCollection::Background),
            _ => None,
        }
    }
}

/// One fingerprinted document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Material {
    pub id: i64,
    pub collection: MaterialCollection,
    pub secret_id: Option<i64>,
    pub name: String,
    pub note: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub format: String,
    pub normalized_chars: i64,
    pub fingerprints: i64,
    /// Whether the extracted text is kept (sealed) for passage views.
    pub text_kept: bool,
    pub created_by: Option<String>,
    pub created_at: String,
    /// Whether the original file is kept in the vault (downloadable by
    /// those entitled to the content).
    pub stored: bool,
}

fn material(row: MaterialRow) -> Material {
    Material {
        id: row.id,
        collection: MaterialCollection::parse(&row.collection).unwrap_or(MaterialCollection::Background),
        secret_id: row.secret_id,
        name: row.name,
        note: row.note,
        sha256: row.sha256,
        size_bytes: row.size_bytes,
        format: row.format,
        normalized_chars: row.normalized_chars,
        fingerprints: row.fingerprint_count,
        text_kept: row.has_text,
        created_by: row.created_by_name,
        created_at: row.created_at,
        stored: row.object_id.is_some(),
    }
}

/// What adding a file produced: a material per document inside it, and a
/// diagnostic per part that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct AttachOutcome {
    pub materials: Vec<Material>,
    pub diagnostics: Vec<ScanDiagnostic>,
}

/// A problem with one file or member, for the user (never document content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanDiagnostic {
    pub path: String,
    pub code: String,
    pub message: String,
}

impl From<maruhi_scan::Diagnostic> for ScanDiagnostic {
    fn from(d: maruhi_scan::Diagnostic) -> Self {
        ScanDiagnostic { path: d.path, code: d.code.to_owned(), message: d.message }
    }
}

/// A scan of one uploaded file, as the asking user may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ScanOutcome {
    pub path: String,
    pub bytes: u64,
    pub documents: usize,
    pub sha256: Option<String>,
    /// Findings the user may see.
    pub findings: Vec<Finding>,
    /// Whether findings may have been withheld: true for every caller who
    /// may not see every secret and the third-party collection. Findings
    /// about material the caller may not see are recorded in the audit
    /// trail for legal and the secrets' managers, and neither shown nor
    /// counted here (a count would confirm that a secret the caller may not
    /// know of exists). It depends on the caller's role only, never on
    /// what was found.
    pub restricted: bool,
    /// Rows of customer databases (exact data match) the user may see,
    /// on the same rule as findings.
    pub edm: Vec<maruhi_scan::EdmFinding>,
    pub diagnostics: Vec<ScanDiagnostic>,
}

/// A matching passage of stored material, for a side-by-side view.
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    pub material_id: i64,
    pub text: String,
}

/// The scanner cache: the material generation it was built at.
#[derive(Default)]
pub(crate) struct ScannerCache(Mutex<Option<(i64, Arc<Scanner>)>>);

impl Service {
    /// Sets the installation key from which the fingerprint and sealing keys
    /// are derived. Without it, the scanner's operations refuse to run.
    pub fn with_installation_key(mut self, key: [u8; 32]) -> Service {
        self.scan_keys = Some(Arc::new(ScanKeys::derive(&key)));
        self
    }

    pub(crate) fn scan_keys(&self) -> Result<&ScanKeys> {
        self.scan_keys.as_deref().ok_or(Error::NotConfigured(Msg::NoInstallationKey))
    }

    /// Keeps the built fingerprint index in `dir` (the data directory's
    /// `index/`), so a process starting up loads it instead of rebuilding it.
    pub fn with_index_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Service {
        self.index_dir = Some(dir.into());
        self
    }

    /// The fingerprinter of the installation with this key, without opening
    /// it: `maruhi scan --reference` on an installation's machine
    /// fingerprints its reference folder with it, so that the same material
    /// gives the same evidence, and the same verdict, as in the installation
    /// (keyed winnowing selects other k-grams under another key, and a
    /// passage near `--min-passage` may then be evidenced on one side only).
    pub fn installation_fingerprinter(installation_key: &[u8; 32]) -> Result<Fingerprinter> {
        Fingerprinter::builder()
            .key(ScanKeys::derive(installation_key).fingerprint)
            .build()
            .map_err(|_| Error::NotConfigured(Msg::NoInstallationKey))
    }

    /// The installation's fingerprinter.
    pub fn fingerprinter(&self) -> Result<Fingerprinter> {
        Fingerprinter::builder()
            .key(self.scan_keys()?.fingerprint.clone())
            .build()
            .map_err(|_| Error::NotConfigured(Msg::NoInstallationKey))
    }

    /// Fingerprints a file (every document inside it) as material of secret
    /// `secret_id`. Allowed to whoever may manage the secret.
    pub async fn attach_material(
        &self,
        actor: &Actor,
        secret_id: i64,
        file_name: &str,
        bytes: &[u8],
        keep_text: bool,
    ) -> Result<AttachOutcome> {
        self.attach(actor, secret_id, file_name, bytes, keep_text, false).await
    }

    /// Like [`Service::attach_material`], and keeps the original file in
    /// the vault, encrypted ([`crate::vault`]). The object is written
    /// first; its row, its SHA-256 and size in the ledger (`vault.store`)
    /// and the materials commit together, and a failed commit removes the
    /// object again.
    pub async fn attach_and_store(
        &self,
        actor: &Actor,
        secret_id: i64,
        file_name: &str,
        bytes: &[u8],
        keep_text: bool,
    ) -> Result<AttachOutcome> {
        self.attach(actor, secret_id, file_name, bytes, keep_text, true).await
    }

    /// Material is attached by those who manage the secret.
    async fn attach(
        &self,
        actor: &Actor,
        secret_id: i64,
        file_name: &str,
        bytes: &[u8],
        keep_text: bool,
        store: bool,
    ) -> Result<AttachOutcome> {
        {
            let mut conn = self.db.read().await?;
            let row = self.visible_row(&mut conn, actor, secret_id).await?;
            if !policy::may_manage_secret(actor, row.manager_id) {
                return Err(Error::Forbidden);
            }
        }
        if store {
            self.ensure_master_key().await?;
        }
        self.add_material(actor, MaterialCollection::Secret, Some(secret_id), file_name, "", bytes, keep_text, store)
            .await
    }

    /// Adds a file to the third-party or background collection (admin and
    /// legal/IP). `note` says where it came from (an NDA, a new hire's
    /// declaration, a public source).
    pub async fn add_collection_material(
        &self,
        actor: &Actor,
        collection: MaterialCollection,
        file_name: &str,
        note: &str,
        bytes: &[u8],
        keep_text: bool,
    ) -> Result<AttachOutcome> {
        if !policy::may_manage_collections(actor) {
            return Err(Error::Forbidden);
        }
        if collection == MaterialCollection::Secret {
            return Err(Error::invalid("collection", Msg::UnknownCollection));
        }
        let mut problems = Problems::default();
        problems.text("note", note, false, 2000);
        problems.finish()?;
        self.add_material(actor, collection, None, file_name, note, bytes, keep_text, false).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn add_material(
        &self,
        actor: &Actor,
        collection: MaterialCollection,
        secret_id: Option<i64>,
        file_name: &str,
        note: &str,
        bytes: &[u8],
        keep_text: bool,
        store: bool,
    ) -> Result<AttachOutcome> {
        let mut problems = Problems::default();
        let file_name = problems.text("file", file_name, true, 500);
        problems.finish()?;
        let _slot = self.extraction_slot()?;
        let fp = self.fingerprinter()?;
        let limits = maruhi_extract::Limits::default();
        let (name, data) = (file_name.clone(), bytes.to_vec());
        // Extraction and fingerprinting are CPU work: off the async threads.
        let background = collection == MaterialCollection::Background;
        let (prepared, exact, diagnostics) =
            tokio::task::spawn_blocking(move || prepare(&fp, &name, &data, &limits, background))
                .await
                .map_err(Error::task)?;
        // A file without text (a drawing, an image) is still registered by
        // its exact content; only boilerplate must have text.
        if prepared.is_empty() && exact.is_empty() {
            return Err(Error::invalid("file", Msg::NoText));
        }
        let file_sha = hex_lower(&Sha256::digest(bytes));
        // The object is written before the transaction begins (an upload to
        // a remote store must not hold the database's write lock).
        let stored = match (store, secret_id) {
            (true, Some(sid)) => Some((sid, file_name.clone(), self.vault()?.put(bytes).await?)),
            _ => None,
        };
        let at = self.now_text();
        let written = self
            .write_materials(
                actor,
                collection,
                secret_id,
                note,
                keep_text,
                (&prepared, &exact),
                &file_sha,
                &at,
                stored.as_ref(),
            )
            .await;
        let ids = match written {
            Ok(ids) => ids,
            Err(e) => {
                if let (Some((_, _, object)), Ok(vault)) = (&stored, self.vault()) {
                    let _ = vault.store().delete(&object.object_key).await;
                }
                return Err(e);
            }
        };
        let mut conn = self.db.read().await?;
        let mut materials = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = maruhi_store::materials::get(&mut conn, id).await? {
                materials.push(material(row));
            }
        }
        Ok(AttachOutcome { materials, diagnostics: diagnostics.into_iter().map(Into::into).collect() })
    }

    /// The materials' rows, the stored object's row and their audit events,
    /// in one transaction.
    #[allow(clippy::too_many_arguments)]
    async fn write_materials(
        &self,
        actor: &Actor,
        collection: MaterialCollection,
        secret_id: Option<i64>,
        note: &str,
        keep_text: bool,
        (prepared, exact): (&[Prepared], &[ExactFile]),
        file_sha: &str,
        at: &str,
        stored: Option<&(i64, String, crate::vault::StoredObject)>,
    ) -> Result<Vec<i64>> {
        let mut tx = self.db.begin().await?;
        let mut ids = Vec::with_capacity(prepared.len());
        let mut events = Vec::with_capacity(prepared.len() + 1);
        let object_id = match stored {
            Some((sid, name, object)) => {
                Some(self.insert_object(&mut tx, actor, *sid, name, object, at, &mut events).await?)
            }
            None => None,
        };
        let sealed = prepared
            .iter()
            .map(|p| keep_text.then(|| self.seal(&p.sha256, p.text.as_bytes())).transpose())
            .collect::<Result<Vec<_>>>()?;
        let material = |name, sha256, size_bytes, format, chars, count, fingerprints, sealed_text| NewMaterial {
            collection: collection.id(),
            secret_id,
            name,
            note,
            sha256,
            size_bytes,
            format,
            normalized_chars: chars,
            fingerprint_count: count,
            fingerprints,
            sealed_text,
            created_by: actor.user_id,
            created_at: at,
        };
        // Documents by their text, files without text by their exact content.
        let mut rows = Vec::with_capacity(prepared.len() + exact.len());
        for (p, sealed) in prepared.iter().zip(&sealed) {
            let row = material(
                p.name.as_str(),
                p.sha256.as_str(),
                p.size as i64,
                p.format,
                p.normalized_chars as i64,
                p.fingerprint_count as i64,
                &p.fingerprints[..],
                sealed.as_deref(),
            );
            // The file's and the document's SHA-256 enter the ledger: one time
            // stamp over a checkpoint dates the material (prior-use evidence).
            let summary = json!({
                "collection": collection.id(), "name": p.name,
                "file_sha256": file_sha, "text_sha256": p.sha256, "chars": p.normalized_chars,
            });
            rows.push((row, summary));
        }
        for f in exact {
            let size = i64::try_from(f.size).unwrap_or(i64::MAX);
            let row = material(f.name.as_str(), f.sha256.as_str(), size, EXACT_FILE_FORMAT, 0, 0, &[], None);
            let summary = json!({
                "collection": collection.id(), "name": f.name,
                "file_sha256": file_sha, "exact_sha256": f.sha256, "bytes": f.size,
            });
            rows.push((row, summary));
        }
        for (row, mut summary) in rows {
            let id = maruhi_store::materials::insert(tx.conn(), &row).await?;
            if let Some(object_id) = object_id {
                maruhi_store::materials::set_object(tx.conn(), id, object_id).await?;
            }
            ids.push(id);
            summary["material"] = id.into();
            events.push(match secret_id {
                Some(sid) => Event::new(actor, AuditAction::MaterialAttach, "secret", sid).summary(summary),
                None => Event::new(actor, AuditAction::MaterialAdd, "material", id).summary(summary),
            });
        }
        audit::record_many(&mut tx, at, &events).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Removes a material from the index (its audit history stays).
    pub async fn remove_material(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let row = maruhi_store::materials::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        match row.secret_id {
            Some(sid) => {
                let secret = self.visible_row(tx.conn(), actor, sid).await?;
                if !policy::may_manage_secret(actor, secret.manager_id) {
                    return Err(Error::Forbidden);
                }
            }
            None if !policy::may_manage_collections(actor) => return Err(Error::NotFound),
            None => {}
        }
        let at = self.now_text();
        maruhi_store::materials::remove(tx.conn(), id, &at).await?;
        let summary = json!({"material": id, "name": row.name, "text_sha256": row.sha256});
        let event = match row.secret_id {
            Some(sid) => Event::new(actor, AuditAction::MaterialRemove, "secret", sid).summary(summary),
            None => Event::new(actor, AuditAction::MaterialRemove, "material", id).summary(summary),
        };
        audit::record(&mut tx, &at, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The material fingerprinted for a secret the actor may see.
    pub async fn secret_materials(&self, actor: &Actor, secret_id: i64) -> Result<Vec<Material>> {
        let mut conn = self.db.read().await?;
        self.visible_row(&mut conn, actor, secret_id).await?;
        Ok(maruhi_store::materials::for_secret(&mut conn, secret_id).await?.into_iter().map(material).collect())
    }

    /// The third-party or background collection.
    pub async fn collection_materials(&self, actor: &Actor, collection: MaterialCollection) -> Result<Vec<Material>> {
        if collection == MaterialCollection::Secret || !policy::sees_collections(actor.role) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::materials::in_collection(&mut conn, collection.id())
            .await?
            .into_iter()
            .map(material)
            .collect())
    }

    /// The scanner over every live material, rebuilt when material changed,
    /// looking for the rows of every exact-data-match dataset too.
    pub async fn scanner(&self) -> Result<Arc<Scanner>> {
        let scanner = self.fingerprint_scanner().await?;
        Ok(match self.edm_matcher().await? {
            Some(m) => Arc::new(scanner.with_edm(m)),
            None => scanner,
        })
    }

    /// The scanner over every live material, rebuilt when material changed.
    async fn fingerprint_scanner(&self) -> Result<Arc<Scanner>> {
        let generation = {
            let mut conn = self.db.read().await?;
            maruhi_store::materials::generation(&mut conn).await?
        };
        if let Ok(cache) = self.scanner_cache.0.lock() {
            if let Some((g, scanner)) = cache.as_ref() {
                if *g == generation {
                    return Ok(Arc::clone(scanner));
                }
            }
        }
        let fp = self.fingerprinter()?;
        let meta = {
            let mut conn = self.db.read().await?;
            let mut meta = Vec::new();
            for c in [MaterialCollection::Secret, MaterialCollection::ThirdParty] {
                meta.extend(maruhi_store::materials::in_collection(&mut conn, c.id()).await?);
            }
            meta
        };
        // Files registered by their exact content are not in the fingerprint
        // index: they are matched by their SHA-256 alone.
        let (exact_rows, meta): (Vec<MaterialRow>, Vec<MaterialRow>) =
            meta.into_iter().partition(|m| m.format == EXACT_FILE_FORMAT);
        let mut exact = maruhi_scan::ExactFiles::default();
        for row in &exact_rows {
            if let Some(sha) = sha256_bytes(&row.sha256) {
                exact.add(reference(row), sha);
            }
        }
        // A stored index of this generation loads at memory speed; without
        // one, the index is built from every material's fingerprints and
        // stored for the next process.
        let cached = self.index_dir.as_ref().map(|dir| IndexFiles::new(dir, generation));
        let loaded = match &cached {
            Some(files) => {
                let (files, fp, meta) = (files.clone(), fp.clone(), meta.clone());
                tokio::task::spawn_blocking(move || files.load(fp, meta)).await.ok().flatten()
            }
            None => None,
        };
        let scanner = match loaded {
            Some(scanner) => scanner,
            None => {
                let rows = {
                    let mut conn = self.db.read().await?;
                    maruhi_store::materials::all_fingerprints(&mut conn).await?
                };
                tokio::task::spawn_blocking(move || {
                    let scanner = build_scanner(fp, rows, meta)?;
                    if let Some(files) = cached {
                        if let Err(e) = files.store(&scanner) {
                            tracing::warn!(error = %e, "could not store the fingerprint index; it is rebuilt next time");
                        }
                    }
                    Ok::<_, Error>(scanner)
                })
                .await
                .map_err(Error::task)??
            }
        };
        let scanner = Arc::new(scanner.with_exact_files(exact));
        if let Ok(mut cache) = self.scanner_cache.0.lock() {
            *cache = Some((generation, Arc::clone(&scanner)));
        }
        Ok(scanner)
    }

    /// Scans an uploaded file against the installation's material. Findings
    /// about registered secrets and third-party material are recorded in the
    /// audit trail (all of them, also those the caller may not see); the
    /// caller sees those they may.
    pub async fn scan_upload(&self, actor: &Actor, file_name: &str, bytes: Vec<u8>) -> Result<ScanOutcome> {
        Ok(self.scan_upload_titled(actor, file_name, bytes).await?.0)
    }

    /// [`Service::scan_upload`], with the titles of the secrets found.
    pub(crate) async fn scan_upload_titled(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<(ScanOutcome, std::collections::HashMap<i64, String>)> {
        if !policy::may_scan(actor) {
            return Err(Error::Forbidden);
        }
        let mut problems = Problems::default();
        let name = problems.text("file", file_name, false, 500);
        problems.finish()?;
        let name = if name.is_empty() { "upload".to_owned() } else { name };
        // Held until the scan ends (also while a changed index is rebuilt).
        let _slot = self.extraction_slot()?;
        let scanner = self.scanner().await?;
        // One file for a person to read: with what was discounted and why.
        let report = tokio::task::spawn_blocking(move || scanner.with_explanations(true).scan_bytes(&name, &bytes))
            .await
            .map_err(Error::task)?;
        self.record_findings(actor, std::slice::from_ref(&report)).await?;
        self.visible_outcome(actor, report).await
    }

    /// Records the findings of scanned files in the audit trail, one event per
    /// finding, in one transaction.
    pub async fn record_findings(&self, actor: &Actor, reports: &[FileReport]) -> Result<usize> {
        let mut events = Self::edm_events(actor, reports);
        for report in reports {
            for f in &report.findings {
                let summary = json!({
                    "path": f.path, "file_sha256": report.sha256, "material": f.material_id,
                    "reference": f.reference, "coverage": f.coverage, "matched_chars": f.matched_chars,
                    "longest_passage": f.longest_passage, "severity": f.severity,
                });
                events.push(match (f.collection, f.secret_id, f.material_id) {
                    (Collection::Secret, Some(sid), _) => {
                        Event::new(actor, AuditAction::ScanFinding, "secret", sid).summary(summary)
                    }
                    (_, _, Some(mid)) => {
                        Event::new(actor, AuditAction::ScanContamination, "material", mid).summary(summary)
                    }
                    _ => continue,
                });
            }
        }
        if events.is_empty() {
            return Ok(0);
        }
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        audit::record_many(&mut tx, &at, &events).await?;
        tx.commit().await?;
        Ok(events.len())
    }

    /// What of a report the actor may see (the rest is left out without a
    /// trace), with the titles of the secrets found.
    async fn visible_outcome(
        &self,
        actor: &Actor,
        report: FileReport,
    ) -> Result<(ScanOutcome, std::collections::HashMap<i64, String>)> {
        let mut conn = self.db.read().await?;
        let mut findings = Vec::new();
        let mut titles = std::collections::HashMap::new();
        for f in report.findings {
            let visible = match (f.collection, f.secret_id) {
                (Collection::Secret, Some(sid)) => match maruhi_store::secrets::get(&mut conn, sid).await? {
                    Some(row) if Self::may_view(&mut conn, actor, &row).await? => {
                        titles.insert(sid, row.title);
                        true
                    }
                    _ => false,
                },
                _ => policy::sees_collections(actor.role),
            };
            if visible {
                findings.push(f);
            }
        }
        let mut edm = Vec::new();
        for f in report.edm {
            let visible = match f.secret_id {
                Some(sid) => match maruhi_store::secrets::get(&mut conn, sid).await? {
                    Some(row) if Self::may_view(&mut conn, actor, &row).await? => {
                        titles.insert(sid, row.title);
                        true
                    }
                    _ => false,
                },
                None => policy::sees_collections(actor.role),
            };
            if visible {
                edm.push(f);
            }
        }
        let any_visible = !findings.is_empty() || !edm.is_empty();
        let outcome = ScanOutcome {
            edm,
            path: report.path,
            bytes: report.bytes,
            documents: report.documents,
            // The scanner hashes a file only when something matched: shown
            // only with a visible finding, or its presence would tell.
            sha256: report.sha256.filter(|_| any_visible),
            findings,
            restricted: !policy::sees_every_finding(actor.role),
            diagnostics: report.diagnostics.into_iter().map(Into::into).collect(),
        };
        Ok((outcome, titles))
    }

    /// A passage of stored material's text (byte range of its extracted
    /// text), for a side-by-side view. Only for those entitled to the
    /// content: the secret's manager and access list, admin and legal/IP
    /// (never auditors, who oversee management, not content); third-party
    /// material for those who see the collections.
    pub async fn material_passage(
        &self,
        actor: &Actor,
        material_id: i64,
        range: [usize; 2],
    ) -> Result<Option<Passage>> {
        let mut conn = self.db.read().await?;
        let text = self.material_text(&mut conn, actor, material_id).await?;
        // `excerpt` keeps the range inside the text and on char boundaries.
        Ok(text.map(|text| Passage { material_id, text: maruhi_scan::excerpt(&text, range, 400) }))
    }

    /// The whole sealed text of a material, opened for those entitled to it
    /// (see [`Service::material_passage`]); `None` when only fingerprints
    /// were kept.
    pub(crate) async fn material_text(
        &self,
        conn: &mut maruhi_store::AnyConnection,
        actor: &Actor,
        material_id: i64,
    ) -> Result<Option<String>> {
        let row = maruhi_store::materials::get(conn, material_id).await?.ok_or(Error::NotFound)?;
        let allowed = match row.secret_id {
            Some(sid) => {
                self.visible_row(conn, actor, sid).await?;
                self.entitled_to_content(conn, actor, sid).await?
            }
            None => policy::sees_collections(actor.role),
        };
        if !allowed || actor.role == Role::Auditor {
            return Err(Error::NotFound);
        }
        let Some(sealed) = maruhi_store::materials::sealed_text(conn, material_id).await? else {
            return Ok(None);
        };
        String::from_utf8(self.open_sealed(&row.sha256, &sealed)?).map(Some).map_err(|_| corrupt())
    }

    fn seal(&self, text_sha256: &str, plain: &[u8]) -> Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new(&self.scan_keys()?.seal.into());
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: text_sha256.as_bytes() })
            .map_err(|_| Error::Internal("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open_sealed(&self, text_sha256: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new(&self.scan_keys()?.seal.into());
        if sealed.len() < 24 {
            return Err(corrupt());
        }
        let (nonce, body) = sealed.split_at(24);
        cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: text_sha256.as_bytes() })
            .map_err(|_| corrupt())
    }
}

/// Sealed text that does not open under the installation's key (altered,
/// or sealed by another installation).
fn corrupt() -> Error {
    Error::Tampered("sealed material text does not open".into())
}

struct Prepared {
    name: String,
    format: &'static str,
    size: usize,
    sha256: String,
    text: String,
    normalized_chars: usize,
    fingerprint_count: usize,
    /// Serialised `Fingerprints`, or for background material a `BackgroundSet`
    /// (every k-gram, so that boilerplate is silenced wherever a reference
    /// selects it).
    fingerprints: Vec<u8>,
}

/// The `format` of a material that is a file matched by its exact content
/// (SHA-256) rather than by fingerprints: one per registered file, archive
/// member or attachment without text of its own (a CAD drawing, an image,
/// an archive), see [`maruhi_scan::exact_candidates`].
pub const EXACT_FILE_FORMAT: &str = "file";

/// At most this many files of one upload (the file and its members) are
/// registered by their exact content.
const MAX_EXACT_FILES: usize = 1000;

/// A file or member registered by its exact content.
struct ExactFile {
    name: String,
    size: u64,
    sha256: String,
}

fn prepare(
    fp: &Fingerprinter,
    name: &str,
    bytes: &[u8],
    limits: &maruhi_extract::Limits,
    background: bool,
) -> (Vec<Prepared>, Vec<ExactFile>, Vec<maruhi_scan::Diagnostic>) {
    let extraction = maruhi_extract::extract_bytes(name, bytes, limits);
    // Boilerplate is text; only our own and third-party files are matched
    // as exact copies.
    let exact = if background {
        Vec::new()
    } else {
        maruhi_scan::exact_candidates(&extraction)
            .take(MAX_EXACT_FILES)
            .map(|f| ExactFile { name: f.path.clone(), size: f.size, sha256: hex_lower(&f.sha256) })
            .collect()
    };
    let mut diagnostics = extraction.diagnostics;
    let mut out = Vec::new();
    for doc in extraction.documents {
        let fingerprinted = fp.fingerprint(&doc.text).and_then(|f| {
            let all = if background { Some(fp.background([doc.text.as_str()])?) } else { None };
            Ok((f, all))
        });
        match fingerprinted {
            Ok((f, all)) if !f.is_empty() => out.push(Prepared {
                name: doc.path,
                format: doc.format.as_str(),
                size: doc.text.len(),
                sha256: hex_lower(&Sha256::digest(doc.text.as_bytes())),
                normalized_chars: f.normalized_len(),
                fingerprint_count: all.as_ref().map_or(f.len(), |a| a.len()),
                fingerprints: all.map_or_else(|| f.to_bytes(), |a| a.to_bytes()),
                text: doc.text,
            }),
            Ok(_) => {}
            Err(e) => diagnostics.push(maruhi_scan::Diagnostic {
                path: doc.path,
                code: "MRH-SCAN-001",
                message: format!("could not fingerprint the text: {e}"),
            }),
        }
    }
    (out, exact, diagnostics)
}

/// The stored index of one material generation: the fingerprint index
/// (`ReferenceSet`'s flat file) and the material id of each of its documents.
#[derive(Clone)]
struct IndexFiles {
    dir: std::path::PathBuf,
    index: std::path::PathBuf,
    ids: std::path::PathBuf,
}

impl IndexFiles {
    fn new(dir: &std::path::Path, generation: i64) -> IndexFiles {
        IndexFiles {
            dir: dir.to_path_buf(),
            index: dir.join(format!("fingerprints-{generation}.idx")),
            ids: dir.join(format!("fingerprints-{generation}.ids")),
        }
    }

    /// The stored index, if it is there, intact, made under this key and
    /// about materials that still exist.
    fn load(&self, fp: Fingerprinter, meta: Vec<MaterialRow>) -> Option<Scanner> {
        let refs = maruhi_fingerprint::ReferenceSet::from_bytes(&std::fs::read(&self.index).ok()?).ok()?;
        // An index made under another key, or an empty one while material
        // exists (made by a process that could use none of it), is rebuilt.
        if refs.params().is_some_and(|p| p != fp.params()) || (refs.doc_count() == 0 && !meta.is_empty()) {
            return None;
        }
        let by_id: std::collections::HashMap<i64, MaterialRow> = meta.into_iter().map(|m| (m.id, m)).collect();
        let mut references = Vec::new();
        for line in std::fs::read_to_string(&self.ids).ok()?.lines() {
            references.push(reference(by_id.get(&line.parse::<i64>().ok()?)?));
        }
        if references.len() != refs.doc_count() {
            return None;
        }
        let limits = maruhi_extract::Limits::default();
        Some(Scanner::from_parts(fp, refs, references, limits, maruhi_scan::Thresholds::default()))
    }

    /// Writes both files (through temporary names, so a reader never sees
    /// half a file) and removes those of older generations.
    fn store(&self, scanner: &Scanner) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut index = Vec::new();
        scanner.write_index(&mut index)?;
        let ids: String = scanner.references().iter().map(|r| format!("{}\n", r.material_id.unwrap_or(0))).collect();
        for (path, bytes) in [(&self.ids, ids.as_bytes()), (&self.index, index.as_slice())] {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, path)?;
        }
        for entry in std::fs::read_dir(&self.dir)?.flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with("fingerprints-") && path != self.index && path != self.ids {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(())
    }
}

fn reference(m: &MaterialRow) -> Reference {
    Reference {
        name: m.name.clone(),
        collection: if m.collection == "secret" { Collection::Secret } else { Collection::ThirdParty },
        secret_id: m.secret_id,
        material_id: Some(m.id),
    }
}

/// The 32 bytes of a lowercase hex SHA-256.
fn sha256_bytes(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn build_scanner(fp: Fingerprinter, rows: Vec<(i64, String, Vec<u8>)>, meta: Vec<MaterialRow>) -> Result<Scanner> {
    let by_id: std::collections::HashMap<i64, MaterialRow> = meta.into_iter().map(|m| (m.id, m)).collect();
    let mut builder = Scanner::builder(fp.clone());
    let mut background = Vec::new();
    for (id, collection, bytes) in rows {
        // Fingerprints made with another key or by an older algorithm
        // cannot be matched; they are skipped (and said so) rather than
        // failing every scan.
        let skip = |e: maruhi_fingerprint::Error| {
            tracing::warn!(material = id, error = %e, "material fingerprints are unusable; re-attach the material");
        };
        if collection == "background" {
            match BackgroundSet::from_bytes(&bytes) {
                Ok(set) if set.params() == fp.params() => background.push(set),
                Ok(_) => skip(maruhi_fingerprint::Error::IncompatibleParameters),
                Err(e) => skip(e),
            }
            continue;
        }
        let Some(m) = by_id.get(&id) else { continue };
        match Fingerprints::from_bytes(&bytes) {
            Ok(fingerprints) => {
                if let Err(e) = builder.add(reference(m), &fingerprints) {
                    tracing::warn!(material = id, error = %e, "material fingerprints do not fit the installation key");
                }
            }
            Err(e) => skip(e),
        }
    }
    if let Some(set) = BackgroundSet::union(&background).map_err(|_| corrupt_index())? {
        builder.background(set).map_err(|_| corrupt_index())?;
    }
    builder.build().map_err(|_| corrupt_index())
}

fn corrupt_index() -> Error {
    Error::Store(maruhi_store::StoreError::Corrupt { what: "material fingerprints".into() })
}
