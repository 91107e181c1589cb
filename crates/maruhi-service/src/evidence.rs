//! Prior-use evidence (先使用権, 特許法79条) as a BagIt 1.0 bag (RFC 8493):
//! what a company hands its patent attorney to prove it already held a
//! secret's material on a date, checkable offline by anyone.
//!
//! ```text
//! bagit.txt  bag-info.txt  manifest-sha256.txt  manifest-sha512.txt
//! tagmanifest-sha256.txt
//! data/materials.txt                 each material: SHA-256, size, name, ledger entry
//! data/originals/ID-NAME             the stored originals (not with --hashes-only)
//! evidence/README-ja.txt, README-en.txt   what each file proves, how to check it by hand
//! evidence/log-key.txt               the log's verifier key
//! evidence/secret.json               the register record at export
//! evidence/entries/N.entry           the ledger entry's bytes (what its leaf hashes)
//! evidence/entries/N.opening.json    the personal details and salt behind its commitment
//! evidence/entries/N.tlog-proof      c2sp.org/tlog-proof@v1 (carries the checkpoint and its time stamp)
//! evidence/checkpoints/S.txt         the checkpoint's signed text (what a time stamp dates)
//! evidence/checkpoints/S.note        the whole signed note, with witness cosignatures
//! evidence/timestamps/S.tst          RFC 3161 token over SHA-256(S.txt)
//! evidence/timestamps/S.renewal-N.tst  token over SHA-256 of the token before it
//! evidence/tsa-ca.pem                the TSA's CA, when given
//! ```
//!
//! A material's file hash is in the summary of the entry that attached it,
//! behind the entry's salted commitment ([`crate::ledger::commitment`]); the
//! opening shows it, and `verify_bag` recomputes the commitment. The chain
//! is: file → SHA-256 in the opening → commitment in the entry → leaf in the
//! checkpoint (inclusion proof) → checkpoint signed by the log → checkpoint
//! text dated by the TSA's token. The material existed no later than the
//! token's time.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use maruhi_ledger::checkpoint::TrustPolicy;
use maruhi_ledger::note::Ed25519Verifier;
use maruhi_ledger::TlogProof;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use crate::audit::{self, AuditAction, Event};

mod case_bag;
use crate::{policy, Actor, Error, Result, Service};
pub use case_bag::CaseBagSummary;

/// How to make the bag.
#[derive(Debug, Clone, Default)]
pub struct PriorUseOptions {
    /// List material by hash only, even where the original is stored (for
    /// material that must not leave the company).
    pub hashes_only: bool,
    /// The TSA's CA certificate (PEM or DER), put in the bag so that the
    /// tokens can be checked from it alone.
    pub tsa_ca: Option<Vec<u8>>,
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct BagSummary {
    pub dir: PathBuf,
    pub entries: usize,
    pub materials: usize,
    pub timestamps: usize,
    /// Entries left out because no signed checkpoint covers them yet.
    pub pending: usize,
}

/// The personal details behind an entry's commitment.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Opening {
    salt: String,
    actor_id: Option<i64>,
    actor: String,
    remote_addr: Option<String>,
    summary: String,
}

/// A bag's files as one zip, under `folder/`.
fn zip_folder(folder: &str, files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let zip_err = |e: zip::result::ZipError| Error::Internal(format!("zip: {e}"));
    for (path, bytes) in files {
        zip.start_file(format!("{folder}/{path}"), opts).map_err(zip_err)?;
        std::io::Write::write_all(&mut zip, bytes).map_err(|e| Error::Internal(format!("zip: {e}")))?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

/// Entries that do not belong in prior-use evidence: views (many, and about
/// people, not the secret) and investigations.
fn is_evidence(action: &str) -> bool {
    match AuditAction::parse(action) {
        Some(a) => a != AuditAction::SecretView && !a.is_investigation(),
        None => false,
    }
}

impl Service {
    /// Writes the prior-use bag of a secret into `out`, which must not
    /// exist or be empty. Every entry must be under a signed checkpoint
    /// (publish one first). Admin, legal/IP and the secret's 管理責任者.
    pub async fn prior_use_bag(
        &self,
        actor: &Actor,
        secret_id: i64,
        out: &Path,
        options: &PriorUseOptions,
    ) -> Result<BagSummary> {
        ensure_empty(out)?;
        let existed = out.exists();
        // Originals are streamed into the folder as they are read from the
        // vault (any size); the rest follows once the manifests are known.
        let made = match self.prior_use_files(actor, secret_id, options, Some(out)).await {
            Ok((files, summary)) => write_files(out, &files).map(|()| summary),
            Err(e) => Err(e),
        };
        match made {
            Ok(mut summary) => {
                summary.dir = out.to_owned();
                Ok(summary)
            }
            Err(e) => {
                // Nothing half-written is left behind.
                let _ = if existed { clear_dir(out) } else { std::fs::remove_dir_all(out) };
                Err(e)
            }
        }
    }

    /// The same bag as one zip file (for a download), its folder named
    /// `prior-use-N/`.
    pub async fn prior_use_zip(&self, actor: &Actor, secret_id: i64, options: &PriorUseOptions) -> Result<Vec<u8>> {
        let (files, _) = self.prior_use_files(actor, secret_id, options, None).await?;
        zip_folder(&format!("prior-use-{secret_id}"), &files)
    }

    /// Every file of the prior-use bag, by path; audited as one export.
    /// With `stream_to`, stored originals are written there directly
    /// instead of being returned.
    async fn prior_use_files(
        &self,
        actor: &Actor,
        secret_id: i64,
        options: &PriorUseOptions,
        stream_to: Option<&Path>,
    ) -> Result<(BTreeMap<String, Vec<u8>>, BagSummary)> {
        let secret = self.get_secret(actor, secret_id).await?;
        if !policy::may_manage_secret(actor, secret.manager.as_ref().map(|m| m.id)) {
            return Err(Error::Forbidden);
        }
        let rows = {
            let mut conn = self.db.read().await?;
            maruhi_store::audit::for_object(&mut conn, "secret", &secret_id.to_string()).await?
        };
        let mut bag = Bag::default();
        let mut materials = Vec::new();
        let mut stamped = BTreeSet::new();
        let mut pending = 0;
        let mut attached = Vec::new();
        for row in rows.iter().filter(|r| is_evidence(&r.action)) {
            let Some(index) = row.ledger_index else { continue };
            if !self.add_entry(&mut bag, row, &mut stamped).await? {
                pending += 1;
                continue;
            }
            if row.action == AuditAction::MaterialAttach.id() && row.salt.is_some() {
                let s: serde_json::Value = serde_json::from_str(&row.summary).unwrap_or_default();
                if let Some(sha) = s["file_sha256"].as_str() {
                    if let Some(id) = s["material"].as_i64() {
                        attached.push(id);
                    }
                    materials.push(format!(
                        "{sha}\t{}\tentry {index}\t{}\n",
                        s["material"].as_i64().unwrap_or_default(),
                        s["name"].as_str().unwrap_or_default().replace(['\t', '\n'], " ")
                    ));
                }
            }
        }
        self.add_renewals(&mut bag, &stamped).await?;
        let entries = bag.tags.keys().filter(|k| k.ends_with(".entry")).count();
        if !options.hashes_only {
            self.add_originals(actor, &attached, &mut bag, stream_to).await?;
        }
        bag.payload(
            "data/materials.txt",
            format!("# file SHA-256\tmaterial\tregistered by\tname\n{}", materials.concat()).into_bytes(),
        );
        bag.tag("evidence/log-key.txt".into(), format!("{}\n", self.ledger_public_key()?).into_bytes());
        let record = secret_record(&secret);
        bag.tag("evidence/secret.json".into(), pretty(&record)?);
        if let Some(ca) = &options.tsa_ca {
            let der = maruhi_timestamp::certificate_der(ca)
                .map_err(|_| Error::invalid("tsa_ca", crate::i18n::Msg::NotACertificate))?;
            bag.tag("evidence/tsa-ca.pem".into(), pem("CERTIFICATE", &der).into_bytes());
        }
        bag.tag("evidence/README-ja.txt".into(), readme(crate::i18n::Lang::Ja, secret_id).into_bytes());
        bag.tag("evidence/README-en.txt".into(), readme(crate::i18n::Lang::En, secret_id).into_bytes());
        let info = format!(
            "Source-Organization: maruhi, log {}\nBagging-Date: {}\nExternal-Identifier: secret {secret_id}\n\
             External-Description: Prior-use evidence (先使用権) for a registered trade secret: ledger entries, \
             inclusion proofs, signed checkpoints and RFC 3161 time stamps. See evidence/README-en.txt.\n",
            self.ledger_public_key()?.split('+').next().unwrap_or_default(),
            self.now().date(),
        );
        let files = bag.finish(&info);
        let summary =
            BagSummary { dir: PathBuf::new(), entries, materials: materials.len(), timestamps: stamped.len(), pending };
        let mut tx = self.db.begin().await?;
        let event = Event::new(actor, AuditAction::EvidenceExport, "secret", secret_id)
            .summary(serde_json::json!({"entries": entries, "materials": summary.materials, "kind": "prior-use"}));
        audit::record(&mut tx, &self.now_text(), event).await?;
        tx.commit().await?;
        Ok((files, summary))
    }
}

impl Service {
    /// Puts a ledger entry in the bag: its bytes, its opening (the personal
    /// details behind its commitment, unless erased), its inclusion proof,
    /// the checkpoint and the checkpoint's time stamps. False when no signed
    /// checkpoint covers the entry yet (the next bag will carry it).
    pub(crate) async fn add_entry(
        &self,
        bag: &mut Bag,
        row: &maruhi_store::rows::AuditRow,
        stamped: &mut BTreeSet<u64>,
    ) -> Result<bool> {
        let Some(index) = row.ledger_index else { return Ok(false) };
        let entry = crate::ledger::entry_of(row)?;
        let proof_text = match self.ledger_proof(index).await {
            Err(Error::Conflict(crate::i18n::Msg::NotYetCheckpointed)) => return Ok(false),
            other => other?,
        };
        let proof = TlogProof::parse(proof_text.as_bytes()).map_err(|e| Error::ledger(e.code(), e))?;
        let stem = format!("evidence/entries/{index:08}");
        bag.tag(format!("{stem}.entry"), entry);
        bag.tag(format!("{stem}.tlog-proof"), proof_text.into_bytes());
        if let Some(salt) = &row.salt {
            let opening = Opening {
                salt: salt.clone(),
                actor_id: row.actor_id,
                actor: row.actor_name.clone(),
                remote_addr: row.remote_addr.clone(),
                summary: row.summary.clone(),
            };
            bag.tag(format!("{stem}.opening.json"), pretty(&opening)?);
        }
        let size = proof.checkpoint().size();
        let cp = format!("evidence/checkpoints/{size:08}");
        bag.tag(format!("{cp}.txt"), proof.note().text().as_bytes().to_vec());
        bag.tag(format!("{cp}.note"), proof.note().to_bytes());
        for token in maruhi_ledger::timestamp::timestamps(proof.note()) {
            bag.tag(format!("evidence/timestamps/{size:08}.tst"), token.to_vec());
            stamped.insert(size);
        }
        Ok(true)
    }

    /// Renewals keep a token verifiable after its TSA certificate expires.
    pub(crate) async fn add_renewals(&self, bag: &mut Bag, stamped: &BTreeSet<u64>) -> Result<()> {
        for (size, chain) in self.timestamp_chains().await? {
            if stamped.contains(&(size as u64)) {
                for (n, token) in chain.into_iter().enumerate().skip(1) {
                    bag.tag(format!("evidence/timestamps/{size:08}.renewal-{n}.tst"), token);
                }
            }
        }
        Ok(())
    }
}

/// Writes a bag's files into `out`, which must not exist or be empty.
pub fn write_bag(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    write_dir(out, files)
}

/// Writes the bag's files into `out`, which must not exist or be empty.
pub(crate) fn write_dir(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    ensure_empty(out)?;
    write_files(out, files)
}

fn ensure_empty(out: &Path) -> Result<()> {
    if out.exists() && std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Error::Io {
            what: "not an empty directory:",
            path: out.to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        });
    }
    Ok(())
}

/// Empties a folder that was empty before (its own entries only).
pub(crate) fn clear_dir(out: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(out)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(path)?;
        } else {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

fn write_files(out: &Path, files: &BTreeMap<String, Vec<u8>>) -> Result<()> {
    for (path, bytes) in files {
        let file = out.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                what: "cannot create",
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&file, bytes).map_err(|source| Error::Io { what: "cannot write", path: file, source })?;
    }
    Ok(())
}

/// The most original bytes a bag assembled in memory (a zip download)
/// carries; a bag written to a folder streams them and has no limit.
const MAX_BAG_ORIGINALS: u64 = 256 << 20;

impl Service {
    /// Puts the stored originals of `materials` under `data/originals/`
    /// (material id and name), where the vault keeps them: in memory, or
    /// streamed into the bag's folder `stream_to` part by part, hashed on
    /// the way (SHA-256 and SHA-512 for the manifests).
    async fn add_originals(
        &self,
        actor: &Actor,
        materials: &[i64],
        bag: &mut Bag,
        stream_to: Option<&Path>,
    ) -> Result<()> {
        let mut total = 0u64;
        for &id in materials {
            let mut original = match self.material_original(actor, id).await {
                Ok(o) => o,
                // Not stored (fingerprints only), or no vault: listed by hash.
                Err(Error::NotFound | Error::NotConfigured(_)) => continue,
                Err(e) => return Err(e),
            };
            let name = original.name.replace(['/', '\\', '\n', '\t'], "_");
            let path = format!("data/originals/{id}-{name}");
            if let Some(out) = stream_to {
                let file = out.join(&path);
                let io = crate::installation::io;
                if let Some(parent) = file.parent() {
                    tokio::fs::create_dir_all(parent).await.map_err(io("cannot create", parent))?;
                }
                let mut w = tokio::fs::File::create(&file).await.map_err(io("cannot write", &file))?;
                let (mut h256, mut h512, mut size) = (Sha256::new(), Sha512::new(), 0u64);
                while let Some(chunk) = original.next().await? {
                    h256.update(&chunk);
                    h512.update(&chunk);
                    size += chunk.len() as u64;
                    tokio::io::AsyncWriteExt::write_all(&mut w, &chunk).await.map_err(io("cannot write", &file))?;
                }
                tokio::io::AsyncWriteExt::flush(&mut w).await.map_err(io("cannot write", &file))?;
                w.sync_all().await.map_err(io("cannot write", &file))?;
                bag.written(&path, hex::encode(h256.finalize()), hex::encode(h512.finalize()), size);
                continue;
            }
            total += original.size;
            if total > MAX_BAG_ORIGINALS {
                return Err(Error::Conflict(crate::i18n::Msg::BagTooLarge));
            }
            let mut bytes = Vec::with_capacity(original.size as usize);
            while let Some(chunk) = original.next().await? {
                bytes.extend_from_slice(&chunk);
            }
            bag.payload(&path, bytes);
        }
        Ok(())
    }
}

/// A secret's register record as evidence carries it.
pub(crate) fn secret_record(secret: &crate::model::Secret) -> serde_json::Value {
    serde_json::json!({
        "id": secret.id, "title": secret.title, "level": secret.level, "category": secret.category.id(),
        "status": secret.status.id(), "department": secret.department, "created_at": secret.created_at,
        "summary": secret.summary, "notes": secret.notes, "marks": secret.marks,
        "locations": secret.locations, "handling_rules": secret.handling_rules,
    })
}

pub(crate) fn pretty(v: &impl Serialize) -> Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(v).map_err(|e| Error::Internal(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A bag being assembled: payload and tag files by path, and payload
/// files already written to the bag's folder (by their digests and size).
#[derive(Default)]
pub(crate) struct Bag {
    payload: BTreeMap<String, Vec<u8>>,
    written: BTreeMap<String, (String, String, u64)>,
    tags: BTreeMap<String, Vec<u8>>,
}

impl Bag {
    pub(crate) fn written(&mut self, path: &str, sha256: String, sha512: String, size: u64) {
        self.written.insert(path.to_owned(), (sha256, sha512, size));
    }

    pub(crate) fn payload(&mut self, path: &str, bytes: Vec<u8>) {
        self.payload.insert(path.to_owned(), bytes);
    }

    pub(crate) fn tag(&mut self, path: String, bytes: Vec<u8>) {
        self.tags.insert(path, bytes);
    }

    /// Adds the manifests (SHA-256 and SHA-512 of the payload) and the tag
    /// manifest (RFC 8493 §2.1.3, §2.2.1); returns every file by path.
    pub(crate) fn finish(mut self, info: &str) -> BTreeMap<String, Vec<u8>> {
        let octets = self.payload.values().map(|b| b.len() as u64).sum::<u64>()
            + self.written.values().map(|(_, _, n)| n).sum::<u64>();
        let count = self.payload.len() + self.written.len();
        let manifest = |digest: fn(&[u8]) -> String, files: &BTreeMap<String, Vec<u8>>| {
            files.iter().map(|(p, b)| (p.clone(), digest(b))).collect::<BTreeMap<_, _>>()
        };
        let lines = |mut m: BTreeMap<String, String>, extra: &mut dyn Iterator<Item = (String, String)>| {
            m.extend(extra);
            m.iter().map(|(p, d)| format!("{d}  {p}\n")).collect::<String>()
        };
        let m256 = lines(
            manifest(sha256_hex, &self.payload),
            &mut self.written.iter().map(|(p, (d, _, _))| (p.clone(), d.clone())),
        );
        let m512 = lines(
            manifest(sha512_hex, &self.payload),
            &mut self.written.iter().map(|(p, (_, d, _))| (p.clone(), d.clone())),
        );
        self.tag("bagit.txt".into(), b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec());
        self.tag("bag-info.txt".into(), format!("{info}Payload-Oxum: {octets}.{count}\n").into_bytes());
        self.tag("manifest-sha256.txt".into(), m256.into_bytes());
        self.tag("manifest-sha512.txt".into(), m512.into_bytes());
        let tagmanifest = lines(manifest(sha256_hex, &self.tags), &mut std::iter::empty());
        self.tag("tagmanifest-sha256.txt".into(), tagmanifest.into_bytes());
        self.payload.append(&mut self.tags);
        self.payload
    }
}

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn sha512_hex(b: &[u8]) -> String {
    hex::encode(Sha512::digest(b))
}

/// What `verify_bag` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BagReport {
    /// Entries whose inclusion proof, log signature and opening verified.
    pub entries: usize,
    /// Time stamps that verified: checkpoint size, time (UTC), TSA.
    pub timestamps: Vec<(u64, String, String)>,
    /// Materials: file SHA-256, and the earliest verified time stamp over
    /// the entry that registered it ("existed no later than").
    pub materials: Vec<(String, Option<String>)>,
    pub problems: Vec<crate::ledger::VerifyProblem>,
    /// When the whole package (its tag manifest) was time-stamped, and by
    /// which TSA.
    pub package_stamped: Option<(String, String)>,
    /// Case journal entries whose body matched their ledger entry.
    pub journal_entries: usize,
}

impl BagReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, code: &'static str, message: String) {
        self.problems.push(crate::ledger::VerifyProblem { code, message });
    }
}

/// Checks a bag offline: its manifests, every entry's proof against the log
/// key, every opening against its entry, every time stamp against the TSA's
/// CA. `key` and `tsa_ca` pin what the bag itself carries: a key read from
/// the bag only proves the bag is consistent with itself.
pub fn verify_bag(dir: &Path, key: Option<&str>, tsa_ca: Option<&[u8]>) -> BagReport {
    let mut report = BagReport::default();
    let read = |p: &str| std::fs::read(dir.join(p));
    match read("bagit.txt") {
        Ok(b) if String::from_utf8_lossy(&b).lines().next() == Some("BagIt-Version: 1.0") => {}
        _ => report.problem("MRH-BAG-001", "bagit.txt is missing or not BagIt 1.0".into()),
    }
    check_manifests(dir, &mut report);
    let key_text = match key {
        Some(k) => k.to_owned(),
        None => read("evidence/log-key.txt").map(|b| String::from_utf8_lossy(&b).trim().to_owned()).unwrap_or_default(),
    };
    let Ok(verifier) = Ed25519Verifier::from_vkey(key_text.trim()) else {
        report.problem("MRH-BAG-004", "no usable log key (give --key, or the bag's evidence/log-key.txt)".into());
        return report;
    };
    let anchors: Vec<Vec<u8>> = match tsa_ca.map(<[u8]>::to_vec).or_else(|| read("evidence/tsa-ca.pem").ok()) {
        Some(pem) => maruhi_timestamp::certificate_der(&pem).into_iter().collect(),
        None => Vec::new(),
    };
    let name = maruhi_ledger::note::Verifier::name(&verifier).to_owned();
    let policy = TrustPolicy { origin: &name, log_key: &verifier, witnesses: &[], witness_threshold: 0 };
    // Checkpoint sizes dated by a verified token.
    let mut dated: BTreeMap<u64, String> = BTreeMap::new();
    let mut registered: BTreeMap<String, u64> = BTreeMap::new();
    // Case journals: the body hash each verified entry commits to.
    let mut bodies: BTreeMap<i64, String> = BTreeMap::new();
    let entries_dir = dir.join("evidence/entries");
    let mut stems: Vec<PathBuf> = std::fs::read_dir(&entries_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "entry"))
        .collect();
    stems.sort();
    for path in stems {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let (Ok(entry), Ok(proof)) = (std::fs::read(&path), std::fs::read(path.with_extension("tlog-proof"))) else {
            report.problem("MRH-BAG-004", format!("entry {name}: its proof is missing"));
            continue;
        };
        let proof = match TlogProof::parse(&proof) {
            Ok(p) => p,
            Err(e) => {
                report.problem("MRH-BAG-004", format!("entry {name}: the proof does not parse ({e})"));
                continue;
            }
        };
        if let Err(e) = proof.verify(&maruhi_ledger::leaf_hash(&entry), &policy) {
            report.problem("MRH-BAG-004", format!("entry {name}: the proof does not verify ({}: {e})", e.code()));
            continue;
        }
        let size = proof.checkpoint().size();
        for token in maruhi_ledger::timestamp::timestamps(proof.note()) {
            let imprint: [u8; 32] = Sha256::digest(proof.note().text().as_bytes()).into();
            match maruhi_timestamp::verify_token(token, &imprint, &anchors) {
                Ok(stamp) => {
                    let at = time::OffsetDateTime::from_unix_timestamp(stamp.unix_time as i64)
                        .map(crate::clock::format_time)
                        .unwrap_or_default();
                    if !dated.contains_key(&size) {
                        report.timestamps.push((size, at.clone(), stamp.tsa));
                    }
                    dated.insert(size, at);
                }
                Err(e) if anchors.is_empty() => report.problem(
                    "MRH-BAG-006",
                    format!("checkpoint {size}: no TSA certificate to check its time stamp (give --tsa-ca): {e}"),
                ),
                Err(e) => {
                    report.problem("MRH-BAG-006", format!("checkpoint {size}: the time stamp does not verify: {e}"))
                }
            }
        }
        // Without an opening (personal details erased), the entry still
        // proves that an event happened, not which file it named.
        if let Ok(bytes) = std::fs::read(path.with_extension("opening.json")) {
            match serde_json::from_slice::<Opening>(&bytes) {
                Ok(o) => {
                    let c =
                        crate::ledger::commitment(&o.salt, o.actor_id, &o.actor, o.remote_addr.as_deref(), &o.summary);
                    if !String::from_utf8_lossy(&entry).contains(&format!("\npersonal {c}\n")) {
                        report
                            .problem("MRH-BAG-005", format!("entry {name}: the opening does not match its commitment"));
                        continue;
                    }
                    let s: serde_json::Value = serde_json::from_str(&o.summary).unwrap_or_default();
                    // Files named by an entry: material, an import's original.
                    for key in ["file_sha256", "sha256"] {
                        if let Some(sha) = s[key].as_str() {
                            registered.entry(sha.to_owned()).or_insert(size);
                        }
                    }
                    if let (Some(sha), Ok(index)) = (s["body_sha256"].as_str(), name.parse::<i64>()) {
                        bodies.insert(index, sha.to_owned());
                    }
                }
                Err(e) => report.problem("MRH-BAG-005", format!("entry {name}: the opening does not parse ({e})")),
            }
        }
        report.entries += 1;
    }
    check_renewals(dir, &anchors, &mut report);
    check_journal(dir, &bodies, &mut registered, &mut report);
    if let Ok(token) = read("tagmanifest-sha256.txt.tst") {
        let tagmanifest = read("tagmanifest-sha256.txt").unwrap_or_default();
        let imprint: [u8; 32] = Sha256::digest(&tagmanifest).into();
        match maruhi_timestamp::verify_token(&token, &imprint, &anchors) {
            Ok(stamp) => {
                let at = time::OffsetDateTime::from_unix_timestamp(stamp.unix_time as i64)
                    .map(crate::clock::format_time)
                    .unwrap_or_default();
                report.package_stamped = Some((at, stamp.tsa));
            }
            Err(e) => report.problem(
                "MRH-BAG-006",
                format!("tagmanifest-sha256.txt.tst: does not date tagmanifest-sha256.txt: {e}"),
            ),
        }
    }
    // Every original carried must be a file a verified entry registered.
    let mut originals = Vec::new();
    list_files(&dir.join("data/originals"), dir, &mut originals);
    for path in originals {
        let sha = std::fs::read(dir.join(&path)).map(|b| sha256_hex(&b)).unwrap_or_default();
        if !registered.contains_key(&sha) {
            report.problem("MRH-BAG-007", format!("{path}: no verified entry registers this file"));
        }
    }
    // Every material listed must have been registered by a verified entry.
    let listed = read("data/materials.txt").map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
    for line in listed.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let sha = line.split('\t').next().unwrap_or_default().to_owned();
        match registered.get(&sha) {
            Some(size) => {
                let date = dated.range(size..).next().map(|(_, at)| at.clone());
                report.materials.push((sha, date));
            }
            None => report.problem("MRH-BAG-007", format!("material {sha}: no verified entry registers it")),
        }
    }
    report
}

/// A case package: every journal entry's body must hash to what its
/// verified ledger entry commits to, and every attached file must be one a
/// verified body names (attachments become registered files).
fn check_journal(
    dir: &Path,
    bodies: &BTreeMap<i64, String>,
    registered: &mut BTreeMap<String, u64>,
    report: &mut BagReport,
) {
    let Ok(bytes) = std::fs::read(dir.join("data/journal.json")) else { return };
    let journal: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            report.problem("MRH-BAG-008", format!("data/journal.json: does not parse ({e})"));
            return;
        }
    };
    let mut attached = BTreeSet::new();
    for e in journal["entries"].as_array().into_iter().flatten() {
        let id = e["id"].as_i64().unwrap_or_default();
        let body = e["body"].as_str().unwrap_or_default();
        let Some(index) = e["ledger_index"].as_i64() else {
            report.problem("MRH-BAG-008", format!("data/journal.json: entry {id} names no ledger entry"));
            continue;
        };
        match bodies.get(&index) {
            Some(sha) if *sha == sha256_hex(body.as_bytes()) => {
                report.journal_entries += 1;
                let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
                for f in parsed["files"].as_array().into_iter().flatten() {
                    if let Some(sha) = f["sha256"].as_str() {
                        attached.insert(sha.to_owned());
                    }
                }
            }
            Some(_) => report.problem(
                "MRH-BAG-008",
                format!("data/journal.json: entry {id} differs from what ledger entry {index} recorded"),
            ),
            None => report.problem(
                "MRH-BAG-008",
                format!("data/journal.json: entry {id}: ledger entry {index} is not in the bag or does not verify"),
            ),
        }
    }
    let mut files = Vec::new();
    list_files(&dir.join("data/files"), dir, &mut files);
    for path in files {
        let sha = std::fs::read(dir.join(&path)).map(|b| sha256_hex(&b)).unwrap_or_default();
        if attached.contains(&sha) {
            registered.entry(sha).or_insert(0);
        } else {
            report.problem("MRH-BAG-007", format!("{path}: no verified journal entry attaches this file"));
        }
    }
}

/// Each renewal token `S.renewal-N.tst` must date the SHA-256 of the token
/// before it (`S.tst` for N = 1).
fn check_renewals(dir: &Path, anchors: &[Vec<u8>], report: &mut BagReport) {
    let stamps = dir.join("evidence/timestamps");
    let mut renewals: Vec<PathBuf> = std::fs::read_dir(&stamps)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains(".renewal-"))
        .collect();
    renewals.sort();
    for path in renewals {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let Some((size, n)) = name.strip_suffix(".tst").and_then(|s| s.split_once(".renewal-")) else { continue };
        let previous = match n.parse::<u32>() {
            Ok(1) => format!("{size}.tst"),
            Ok(n) => format!("{size}.renewal-{}.tst", n - 1),
            Err(_) => continue,
        };
        let (Ok(token), Ok(before)) = (std::fs::read(&path), std::fs::read(stamps.join(&previous))) else {
            report.problem("MRH-BAG-006", format!("{name}: the token it renews ({previous}) is missing"));
            continue;
        };
        let imprint: [u8; 32] = Sha256::digest(&before).into();
        if let Err(e) = maruhi_timestamp::verify_token(&token, &imprint, anchors) {
            report.problem("MRH-BAG-006", format!("{name}: does not date {previous}: {e}"));
        }
    }
}

/// RFC 8493 §3: every payload file is in each manifest with the right
/// digest and nothing else is; the tag manifest covers the tag files.
fn check_manifests(dir: &Path, report: &mut BagReport) {
    let mut payload = Vec::new();
    list_files(&dir.join("data"), dir, &mut payload);
    let on_disk: BTreeSet<String> = payload.into_iter().collect();
    for (manifest, digest) in
        [("manifest-sha256.txt", sha256_hex as fn(&[u8]) -> String), ("manifest-sha512.txt", sha512_hex)]
    {
        let Ok(text) = std::fs::read_to_string(dir.join(manifest)) else {
            report.problem("MRH-BAG-002", format!("{manifest} is missing"));
            continue;
        };
        let mut named = BTreeSet::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let Some((hash, path)) = line.split_once("  ").or_else(|| line.split_once(' ')) else {
                report.problem("MRH-BAG-002", format!("{manifest}: malformed line"));
                continue;
            };
            let path = path.trim_start();
            named.insert(path.to_owned());
            match std::fs::read(dir.join(path)) {
                Ok(bytes) if digest(&bytes) == hash => {}
                Ok(_) => report.problem("MRH-BAG-002", format!("{path}: does not match {manifest}")),
                Err(_) => report.problem("MRH-BAG-002", format!("{path}: listed in {manifest} but missing")),
            }
        }
        for extra in on_disk.difference(&named) {
            report.problem("MRH-BAG-002", format!("{extra}: in data/ but not in {manifest}"));
        }
    }
    match std::fs::read_to_string(dir.join("tagmanifest-sha256.txt")) {
        Ok(text) => {
            for line in text.lines().filter(|l| !l.is_empty()) {
                let Some((hash, path)) = line.split_once("  ") else { continue };
                match std::fs::read(dir.join(path)) {
                    Ok(bytes) if sha256_hex(&bytes) == hash => {}
                    _ => report.problem("MRH-BAG-003", format!("{path}: does not match tagmanifest-sha256.txt")),
                }
            }
        }
        Err(_) => report.problem("MRH-BAG-003", "tagmanifest-sha256.txt is missing".into()),
    }
}

fn list_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            list_files(&path, root, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The bag's report: what each file proves and how to check it by hand.
fn readme(lang: crate::i18n::Lang, secret_id: i64) -> String {
    match lang {
        crate::i18n::Lang::Ja => format!(
            "先使用権の証拠（営業秘密 No.{secret_id}）\n\n\
この BagIt 形式（RFC 8493）のフォルダは、登録された営業秘密とその資料が、タイムスタンプの時刻より前に\n\
存在していたことを、maruhi を信用せずに第三者が確かめられる形で示します。\n\n\
証明の連鎖:\n\
1. data/materials.txt の各行は資料ファイルの SHA-256 と、それを登録した台帳エントリの番号です。\n\
2. evidence/entries/N.opening.json は、エントリ N の個人情報部分（操作者、要約）と塩です。その要約に\n\
   file_sha256 があり、SHA-256(\"maruhi personal v1\", 塩, 操作者ID, 操作者, アドレス, 要約 を NUL 区切り)\n\
   が N.entry の personal 行と一致します。\n\
3. N.tlog-proof は、エントリ N が署名済みチェックポイントに含まれることの証明（RFC 6962/9162）です。\n\
4. evidence/timestamps/S.tst は、チェックポイント S の本文（evidence/checkpoints/S.txt）の SHA-256 に\n\
   対する RFC 3161 タイムスタンプです。\n\n\
手作業での確認:\n\
  bagit.py --validate .                         （全ファイルのハッシュ）\n\
  maruhi verify-proof evidence/entries/N.tlog-proof --key \"$(cat evidence/log-key.txt)\" --entry evidence/entries/N.entry\n\
  openssl ts -verify -in evidence/timestamps/S.tst -token_in -data evidence/checkpoints/S.txt -CAfile evidence/tsa-ca.pem\n\
  maruhi evidence verify . --key 台帳の公開鍵 --tsa-ca-cert TSAのCA証明書   （全体を一度に確認）\n\n\
台帳の公開鍵は、このフォルダとは別の経路（社内の公開文書など）で入手したものと照合してください。\n"
        ),
        crate::i18n::Lang::En => format!(
            "Prior-use evidence (先使用権) for registered trade secret No. {secret_id}\n\n\
This BagIt folder (RFC 8493) shows that the registered secret and its material existed no later than\n\
the time of its time stamps, in a form anyone can check without trusting maruhi.\n\n\
The chain of proof:\n\
1. Each line of data/materials.txt is a material file's SHA-256 and the ledger entry that registered it.\n\
2. evidence/entries/N.opening.json holds entry N's personal details (actor, summary) and salt. Its summary\n\
   names file_sha256, and SHA-256 of \"maruhi personal v1\", salt, actor id, actor, address and summary,\n\
   each followed by a NUL byte, equals the `personal` line of N.entry.\n\
3. N.tlog-proof proves that entry N is in a signed checkpoint (RFC 6962/9162 inclusion proof).\n\
4. evidence/timestamps/S.tst is an RFC 3161 time stamp over SHA-256 of checkpoint S's text\n\
   (evidence/checkpoints/S.txt).\n\n\
To check by hand:\n\
  bagit.py --validate .                         (every file's hashes)\n\
  maruhi verify-proof evidence/entries/N.tlog-proof --key \"$(cat evidence/log-key.txt)\" --entry evidence/entries/N.entry\n\
  openssl ts -verify -in evidence/timestamps/S.tst -token_in -data evidence/checkpoints/S.txt -CAfile evidence/tsa-ca.pem\n\
  maruhi evidence verify . --key LOG_KEY --tsa-ca-cert TSA_CA   (everything at once)\n\n\
Compare the log's public key with one obtained independently of this folder (e.g. the company's published key).\n"
        ),
    }
}
