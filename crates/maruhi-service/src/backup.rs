//! Backup and restore of a whole installation: the database (SQLite), the
//! keys, the vault's stored objects and the installation's own rules, in one
//! file encrypted with a passphrase.
//!
//! The database is copied online with SQLite's `VACUUM INTO`, one read
//! transaction, so the copy is consistent while the server keeps writing;
//! the vault's objects are immutable once written and are read after it, so
//! every object the copy refers to is there. On PostgreSQL the database is
//! dumped with `pg_dump` beforehand (README: Backup and restore) and the
//! backup carries the rest.
//!
//! Every member is sealed as the vault seals an object (XChaCha20-Poly1305
//! STREAM, its own data key), the data keys are wrapped by a backup key, and
//! the backup key by a key derived from the passphrase with Argon2id
//! (RFC 9106). The last member is a manifest of every member's SHA-256 and
//! size, so a dropped, reordered or truncated member is noticed.
//!
//! ```text
//! file    = "MRHBAK1\n" ‖ u32 n ‖ header (n bytes of JSON: KDF, wrapped backup key)
//!           ‖ member* ‖ u32 0
//! member  = u32 n ‖ name ‖ u32 n ‖ wrapped data key ‖ (u32 n ‖ sealed bytes)* ‖ u32 0
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

use crate::audit::{self, AuditAction, Event};
use crate::i18n::Msg;
use crate::installation::io;
use crate::vault::{MasterKey, ObjectReader, ObjectStore, ObjectWriter};
use crate::{policy, Actor, Error, Installation, Result, Service};

const MAGIC: &[u8; 8] = b"MRHBAK1\n";
const KEY_AAD: &str = "maruhi backup key v1";
const MANIFEST: &str = "MANIFEST.json";
const DATABASE: &str = "maruhi.db";
/// The longest name or wrapped key a member may carry, and the largest chunk.
const MAX_NAME: u32 = 4096;
const MAX_CHUNK: u32 = 16 << 20;
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE: usize = 12;

/// The passphrase's key derivation (kept in the backup's header).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Kdf {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Kdf {
    /// RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes),
    /// with one lane: this runs on small servers.
    fn default() -> Kdf {
        Kdf { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    created_at: String,
    kdf: Kdf,
    salt: String,
    wrapped_key: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    created_at: String,
    backend: String,
    ledger_size: u64,
    members: BTreeMap<String, (String, u64)>,
}

/// What a backup holds.
#[derive(Debug, Clone, Serialize)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub database: bool,
    pub keys: usize,
    pub objects: usize,
    pub ledger_size: u64,
}

/// What a restore wrote and found.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreSummary {
    pub data_dir: PathBuf,
    pub created_at: String,
    pub database: bool,
    pub keys: usize,
    pub objects: usize,
    pub ledger: crate::ledger::VerifyReport,
    /// Stored objects the restored database names that the vault lacks.
    pub missing_objects: Vec<String>,
}

fn check_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.trim().chars().count() < MIN_PASSPHRASE {
        return Err(Error::invalid("passphrase", Msg::PassphraseTooShort));
    }
    Ok(())
}

fn derive(passphrase: &str, salt: &[u8], kdf: Kdf) -> Result<MasterKey> {
    let params = argon2::Params::new(kdf.memory_kib, kdf.iterations, kdf.parallelism, Some(32))
        .map_err(|e| Error::Internal(format!("argon2: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| Error::Internal(format!("argon2: {e}")))?;
    Ok(MasterKey::from_bytes(key))
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
    Ok(b)
}

fn damaged(why: impl std::fmt::Display) -> Error {
    Error::Tampered(format!("the backup does not open: {why}"))
}

type Shared = Arc<Mutex<tokio::io::BufWriter<tokio::fs::File>>>;

/// Writes sealed parts as length-prefixed chunks of the backup file.
struct ChunkWriter {
    out: Shared,
    path: PathBuf,
}

impl ObjectWriter for ChunkWriter {
    fn write(&mut self, part: Vec<u8>) -> crate::vault::BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            let mut out = self.out.lock().await;
            for chunk in part.chunks(MAX_CHUNK as usize) {
                out.write_u32(chunk.len() as u32).await.map_err(io("cannot write", &self.path))?;
                out.write_all(chunk).await.map_err(io("cannot write", &self.path))?;
            }
            Ok(())
        })
    }

    fn finish(self: Box<Self>) -> crate::vault::BoxFuture<'static, Result<()>> {
        Box::pin(async move { self.out.lock().await.write_u32(0).await.map_err(io("cannot write", &self.path)) })
    }

    fn abort(self: Box<Self>) -> crate::vault::BoxFuture<'static, ()> {
        Box::pin(async {})
    }
}

/// Reads one member's chunks back, up to its closing empty chunk.
struct ChunkReader {
    input: Arc<Mutex<tokio::io::BufReader<tokio::fs::File>>>,
    done: bool,
}

impl ObjectReader for ChunkReader {
    fn next(&mut self) -> crate::vault::BoxFuture<'_, Result<Option<Vec<u8>>>> {
        Box::pin(async move {
            if self.done {
                return Ok(None);
            }
            let mut input = self.input.lock().await;
            let n = input.read_u32().await.map_err(damaged)?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            if n > MAX_CHUNK {
                return Err(damaged("a chunk is too large"));
            }
            let mut buf = vec![0u8; n as usize];
            input.read_exact(&mut buf).await.map_err(damaged)?;
            Ok(Some(buf))
        })
    }
}

struct Sealing {
    out: Shared,
    path: PathBuf,
    key: MasterKey,
    manifest: Manifest,
}

impl Sealing {
    async fn member(&mut self, name: &str, input: impl tokio::io::AsyncRead + Unpin) -> Result<()> {
        let data_key: [u8; 32] = random()?;
        let wrapped = self.key.wrap(&data_key, name)?;
        {
            let mut out = self.out.lock().await;
            let e = io("cannot write", &self.path);
            let framed = async {
                out.write_u32(name.len() as u32).await?;
                out.write_all(name.as_bytes()).await?;
                out.write_u32(wrapped.len() as u32).await?;
                out.write_all(&wrapped).await
            };
            framed.await.map_err(e)?;
        }
        let mut writer: Box<dyn ObjectWriter> =
            Box::new(ChunkWriter { out: self.out.clone(), path: self.path.clone() });
        let (sha256, size) = crate::vault::encrypt_into(&data_key, input, writer.as_mut()).await?;
        writer.finish().await?;
        self.manifest.members.insert(name.to_owned(), (sha256, size));
        Ok(())
    }

    async fn file(&mut self, name: &str, path: &Path) -> Result<()> {
        let f = tokio::fs::File::open(path).await.map_err(io("cannot read", path))?;
        self.member(name, f).await
    }
}

impl Service {
    /// The object keys of every stored object: secrets' originals and
    /// other files (case attachments, kept import originals).
    async fn object_keys(&self) -> Result<Vec<String>> {
        let mut conn = self.db.read().await?;
        let mut keys: Vec<String> =
            maruhi_store::vault::all(&mut conn).await?.into_iter().map(|o| o.object_key).collect();
        keys.extend(maruhi_store::vault::all_files(&mut conn).await?.into_iter().map(|o| o.object_key));
        Ok(keys)
    }

    /// Writes a backup of `installation` (this service's) to `out`, which
    /// must not exist: the database copied online (SQLite), the keys (also
    /// a master key kept outside the data directory), the vault's objects
    /// read through its store (local or S3), and the installation's rules.
    /// Admin only (the CLI's operator); recorded in the audit trail.
    pub async fn backup(
        &self,
        actor: &Actor,
        installation: &Installation,
        out: &Path,
        passphrase: &str,
        kdf: Kdf,
    ) -> Result<BackupSummary> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        check_passphrase(passphrase)?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .await
            .map_err(io("cannot create", out))?;
        let made = self.write_backup(installation, file, out, passphrase, kdf).await;
        match made {
            Ok(mut summary) => {
                summary.bytes = tokio::fs::metadata(out).await.map(|m| m.len()).unwrap_or_default();
                let mut tx = self.db.begin().await?;
                let event = Event::new(actor, AuditAction::Backup, "installation", 0).summary(serde_json::json!({
                    "database": summary.database, "keys": summary.keys, "objects": summary.objects,
                    "ledger_size": summary.ledger_size, "bytes": summary.bytes,
                }));
                audit::record(&mut tx, &self.now_text(), event).await?;
                tx.commit().await?;
                Ok(summary)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(out).await;
                Err(e)
            }
        }
    }

    async fn write_backup(
        &self,
        installation: &Installation,
        file: tokio::fs::File,
        path: &Path,
        passphrase: &str,
        kdf: Kdf,
    ) -> Result<BackupSummary> {
        let salt: [u8; 16] = random()?;
        let backup_key = MasterKey::from_bytes(random()?);
        let secret: [u8; 32] = backup_key.bytes();
        let wrapped = derive(passphrase, &salt, kdf)?.wrap(&secret, KEY_AAD)?;
        let header = Header {
            format: 1,
            created_at: self.now_text(),
            kdf,
            salt: hex::encode(salt),
            wrapped_key: hex::encode(wrapped),
        };
        let header = serde_json::to_vec(&header).map_err(|e| Error::Internal(e.to_string()))?;
        let out: Shared = Arc::new(Mutex::new(tokio::io::BufWriter::with_capacity(1 << 20, file)));
        {
            let mut w = out.lock().await;
            let e = io("cannot write", path);
            let framed = async {
                w.write_all(MAGIC).await?;
                w.write_u32(header.len() as u32).await?;
                w.write_all(&header).await
            };
            framed.await.map_err(e)?;
        }
        let mut s = Sealing {
            out: out.clone(),
            path: path.to_owned(),
            key: backup_key,
            manifest: Manifest {
                created_at: self.now_text(),
                backend: format!("{:?}", self.backend()).to_lowercase(),
                ..Manifest::default()
            },
        };
        let ledger_size = self.ledger_size().await?;
        s.manifest.ledger_size = u64::try_from(ledger_size).unwrap_or_default();

        // The database: a consistent copy, sealed, then removed.
        let database = self.backend() == maruhi_store::Backend::Sqlite;
        if database {
            let copy = installation.dir().join(format!(".backup-{}.db", hex::encode(random::<8>()?)));
            let copied = async {
                let mut conn = self.db.read().await?;
                maruhi_store::backup::vacuum_into(&mut conn, &copy.to_string_lossy()).await?;
                drop(conn);
                s.file(DATABASE, &copy).await
            };
            let result = copied.await;
            let _ = tokio::fs::remove_file(&copy).await;
            result?;
        }

        // The keys, the master key wherever it is kept.
        let mut keys = 0;
        for (name, path) in [
            ("keys/installation.key", installation.dir().join("keys/installation.key")),
            ("keys/ledger.key", installation.dir().join("keys/ledger.key")),
        ] {
            s.file(name, &path).await?;
            keys += 1;
        }
        if let Ok(vault) = self.vault() {
            let master = &vault.master_key_file().path;
            if master.exists() {
                s.file("keys/master.key", master).await?;
                keys += 1;
            }
        }

        // The installation's own rules.
        let rules = installation.rules_dir();
        if rules.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&rules)
                .map_err(io("cannot read", &rules))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            for p in entries {
                let name = format!("rules/{}", p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
                s.file(&name, &p).await?;
            }
        }

        // The vault's objects, as stored (already encrypted).
        let mut objects = 0;
        if let Ok(vault) = self.vault() {
            for key in self.object_keys().await? {
                // The store's parts are piped into the sealing; a read that
                // fails fails the backup (not a short member).
                let mut reader = vault.store().get(&key).await?;
                let (mut tx, rx) = tokio::io::duplex(1 << 20);
                let pump = tokio::spawn(async move {
                    while let Some(part) = reader.next().await? {
                        if tx.write_all(&part).await.is_err() {
                            break;
                        }
                    }
                    Ok::<(), Error>(())
                });
                let sealed = s.member(&format!("vault/{key}"), rx).await;
                pump.await.map_err(Error::task)??;
                sealed?;
                objects += 1;
            }
        }

        let manifest = serde_json::to_vec(&s.manifest).map_err(|e| Error::Internal(e.to_string()))?;
        s.member(MANIFEST, manifest.as_slice()).await?;
        let mut w = out.lock().await;
        let e = io("cannot write", path);
        let closed = async {
            w.write_u32(0).await?;
            w.flush().await?;
            w.get_ref().sync_all().await
        };
        closed.await.map_err(e)?;
        Ok(BackupSummary {
            path: path.to_owned(),
            bytes: 0,
            database,
            keys,
            objects,
            ledger_size: s.manifest.ledger_size,
        })
    }
}

/// Restores a backup into `config.data_dir`, which must hold no
/// installation and be empty or missing; vault objects go to `store` (the
/// data directory's own folder when `None`). The database comes from the
/// backup on SQLite; with a PostgreSQL `config.database_url` it must have
/// been restored with `pg_restore` first. Ends with a full ledger
/// verification and a check that every stored object is there. On failure
/// nothing written is left behind.
pub async fn restore(
    backup: &Path,
    config: &crate::InstallationConfig,
    store: Option<Arc<dyn ObjectStore>>,
    passphrase: &str,
) -> Result<RestoreSummary> {
    let dir = std::path::absolute(&config.data_dir).map_err(io("cannot resolve", &config.data_dir))?;
    if dir.exists() && std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Error::Io {
            what: "not an empty directory:",
            path: dir.clone(),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        });
    }
    let made_dir = !dir.exists();
    let mut written_objects = Vec::new();
    let store = store.unwrap_or_else(|| Arc::new(crate::vault::LocalStore::new(dir.join("vault"))));
    let result = restore_into(backup, config, &dir, store.clone(), passphrase, &mut written_objects).await;
    if result.is_err() {
        for key in &written_objects {
            let _ = store.delete(key).await;
        }
        let _ = if made_dir { std::fs::remove_dir_all(&dir) } else { crate::evidence::clear_dir(&dir) };
    }
    result
}

async fn restore_into(
    backup: &Path,
    config: &crate::InstallationConfig,
    dir: &Path,
    store: Arc<dyn ObjectStore>,
    passphrase: &str,
    written_objects: &mut Vec<String>,
) -> Result<RestoreSummary> {
    let file = tokio::fs::File::open(backup).await.map_err(io("cannot read", backup))?;
    let input = Arc::new(Mutex::new(tokio::io::BufReader::with_capacity(1 << 20, file)));
    let header: Header = {
        let mut r = input.lock().await;
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic).await.map_err(|_| Error::Conflict(Msg::NotABackup))?;
        if &magic != MAGIC {
            return Err(Error::Conflict(Msg::NotABackup));
        }
        let n = r.read_u32().await.map_err(damaged)?;
        if n > MAX_NAME * 4 {
            return Err(damaged("header too large"));
        }
        let mut h = vec![0u8; n as usize];
        r.read_exact(&mut h).await.map_err(damaged)?;
        serde_json::from_slice(&h).map_err(damaged)?
    };
    if header.format != 1 {
        return Err(damaged(format!("format {} is newer than this maruhi", header.format)));
    }
    let salt = hex::decode(&header.salt).map_err(damaged)?;
    let wrapped = hex::decode(&header.wrapped_key).map_err(damaged)?;
    let backup_key = derive(passphrase, &salt, header.kdf)?
        .unwrap_key(&wrapped, KEY_AAD)
        .map(MasterKey::from_bytes)
        .ok_or(Error::Conflict(Msg::WrongPassphrase))?;

    std::fs::create_dir_all(dir.join("keys")).map_err(io("cannot create", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io("cannot restrict", dir))?;
    }
    let mut seen: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut manifest: Option<Manifest> = None;
    let (mut keys, mut objects, mut database) = (0, 0, false);
    loop {
        let (name, wrapped) = {
            let mut r = input.lock().await;
            let n = r.read_u32().await.map_err(damaged)?;
            if n == 0 {
                break;
            }
            if n > MAX_NAME {
                return Err(damaged("a member's name is too long"));
            }
            let mut name = vec![0u8; n as usize];
            r.read_exact(&mut name).await.map_err(damaged)?;
            let w = r.read_u32().await.map_err(damaged)?;
            if w > MAX_NAME {
                return Err(damaged("a member's key is too long"));
            }
            let mut wrapped = vec![0u8; w as usize];
            r.read_exact(&mut wrapped).await.map_err(damaged)?;
            (String::from_utf8(name).map_err(damaged)?, wrapped)
        };
        if manifest.is_some() {
            return Err(damaged("a member after the manifest"));
        }
        let data_key = backup_key.unwrap_key(&wrapped, &name).ok_or_else(|| damaged(format!("{name}: its key")))?;
        let reader = Box::new(ChunkReader { input: input.clone(), done: false });
        let mut plain = crate::vault::Plaintext::unchecked(reader, &data_key);
        let mut hash = Sha256::new();
        let mut size = 0u64;
        if name == MANIFEST {
            let mut bytes = Vec::new();
            while let Some(part) = plain.next().await? {
                bytes.extend_from_slice(&part);
            }
            manifest = Some(serde_json::from_slice(&bytes).map_err(damaged)?);
            continue;
        }
        if let Some(key) = name.strip_prefix("vault/") {
            let mut w = store.put(key).await?;
            written_objects.push(key.to_owned());
            let copied = async {
                while let Some(part) = plain.next().await? {
                    hash.update(&part);
                    size += part.len() as u64;
                    w.write(part).await?;
                }
                Ok::<(), Error>(())
            };
            if let Err(e) = copied.await {
                w.abort().await;
                return Err(e);
            }
            w.finish().await?;
            objects += 1;
        } else {
            let target = member_path(dir, &name)?;
            if name == DATABASE && config.database_url.as_deref().is_some_and(|u| !u.starts_with("sqlite:")) {
                return Err(Error::Conflict(Msg::BackupHasSqlite));
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io("cannot create", parent))?;
            }
            let mut opts = tokio::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            opts.mode(0o600);
            let mut f = opts.open(&target).await.map_err(io("cannot create", &target))?;
            while let Some(part) = plain.next().await? {
                hash.update(&part);
                size += part.len() as u64;
                f.write_all(&part).await.map_err(io("cannot write", &target))?;
            }
            f.sync_all().await.map_err(io("cannot write", &target))?;
            if name.starts_with("keys/") {
                keys += 1;
            }
            database |= name == DATABASE;
        }
        seen.insert(name, (hex::encode(hash.finalize()), size));
    }
    let manifest = manifest.ok_or_else(|| damaged("no manifest (the file is truncated)"))?;
    if manifest.members != seen {
        let missing: Vec<&String> = manifest.members.keys().filter(|k| !seen.contains_key(*k)).collect();
        return Err(damaged(format!("members differ from the manifest (missing: {missing:?})")));
    }
    if !database && config.database_url.is_none() {
        return Err(Error::Conflict(Msg::BackupNeedsDatabase));
    }

    // The restored installation opens, its ledger verifies, and every
    // object its database names is in the vault.
    let installation = Installation::locate(config)?;
    let svc = installation.open().await?;
    let svc = svc.with_vault(crate::vault::Vault::new(store.clone(), installation.master_key_file(None)));
    let ledger = svc.verify_ledger().await?;
    let missing_objects: Vec<String> =
        svc.object_keys().await?.into_iter().filter(|key| !seen.contains_key(&format!("vault/{key}"))).collect();
    svc.close().await;
    Ok(RestoreSummary {
        data_dir: dir.to_owned(),
        created_at: manifest.created_at,
        database,
        keys,
        objects,
        ledger,
        missing_objects,
    })
}

/// Where a member other than a vault object goes in the data directory;
/// only the names a backup writes are accepted.
fn member_path(dir: &Path, name: &str) -> Result<PathBuf> {
    let ok = match name.split_once('/') {
        None => name == DATABASE,
        Some(("keys", k)) => ["installation.key", "ledger.key", "master.key"].contains(&k),
        Some(("rules", r)) => {
            !r.is_empty() && !r.starts_with('.') && !r.contains(['/', '\\']) && r.chars().all(|c| !c.is_control())
        }
        _ => false,
    };
    if !ok {
        return Err(damaged(format!("unexpected member {name:?}")));
    }
    Ok(dir.join(name))
}
