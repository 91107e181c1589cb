//! The installation: a data directory with the keys, the scan index and the
//! rule folder, and the database (SQLite inside the directory, or a URL).
//!
//! ```text
//! <data dir>/            0700
//!   keys/installation.key  64 hex digits: seals material text, keys fingerprints
//!   keys/ledger.key        the log's Ed25519 signer key (C2SP signed note)
//!   keys/master.key        64 hex digits: wraps the vault's data keys (made on
//!                          first use in installations older than the vault)
//!   vault/objects/         the vault's encrypted originals (local store)
//!   maruhi.db              SQLite, unless a database URL is given
//!   index/                 the scan index, rebuilt from the database when missing
//!   edm/                   exact-data-match indexes (keyed hashes only), one per dataset
//!   rules/                 optional: the installation's own Sigma rule pack
//! ```
//!
//! Only [`Installation::create`] (`maruhi init`, `maruhi demo`) makes one.
//! Every other use goes through [`Installation::open`], which refuses a
//! directory without one ([`Error::NoInstallation`]), so a mistyped
//! `--data-dir` never becomes a new installation, and refuses a missing or
//! unreadable key ([`Error::Key`]) instead of making a new one: a new ledger
//! key would orphan every signed checkpoint, a new installation key every
//! sealed text and fingerprint. Keys are restored from backup.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result, Service};

/// Where an installation lives.
#[derive(Debug, Clone)]
pub struct InstallationConfig {
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; SQLite inside the data directory when
    /// absent.
    pub database_url: Option<String>,
}

/// An installation's layout: where each part lives.
#[derive(Debug, Clone)]
pub struct Installation {
    dir: PathBuf,
    database_url: String,
    /// [`Installation::create`] made the directory itself.
    made_dir: bool,
}

const INSTALLATION_KEY: &str = "keys/installation.key";
const LEDGER_KEY: &str = "keys/ledger.key";
const MASTER_KEY: &str = "keys/master.key";

impl Installation {
    /// The installation at `config.data_dir`, which must exist.
    pub fn locate(config: &InstallationConfig) -> Result<Installation> {
        let dir = absolute(&config.data_dir)?;
        if !dir.join(INSTALLATION_KEY).exists() {
            return Err(Error::NoInstallation(dir));
        }
        Ok(Installation::at(dir, config))
    }

    /// The installation at `config.data_dir` if there is one.
    pub fn find(config: &InstallationConfig) -> Result<Option<Installation>> {
        match Installation::locate(config) {
            Ok(i) => Ok(Some(i)),
            Err(Error::NoInstallation(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the directory and keys of a new installation. Refuses a
    /// directory that already holds one; on failure, removes what it made.
    pub fn create(config: &InstallationConfig) -> Result<Installation> {
        let dir = absolute(&config.data_dir)?;
        if dir.join(INSTALLATION_KEY).exists() {
            return Err(Error::AlreadyInstalled(dir));
        }
        let made_dir = !dir.exists();
        let installation = Installation { made_dir, ..Installation::at(dir, config) };
        installation.write_layout().inspect_err(|_| installation.discard())?;
        Ok(installation)
    }

    /// The installation at `config.data_dir`, created when there is none
    /// (`maruhi demo`).
    pub fn open_or_create(config: &InstallationConfig) -> Result<(Installation, bool)> {
        match Installation::find(config)? {
            Some(i) => Ok((i, false)),
            None => Ok((Installation::create(config)?, true)),
        }
    }

    fn at(dir: PathBuf, config: &InstallationConfig) -> Installation {
        let database_url =
            config.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.join("maruhi.db").display()));
        Installation { dir, database_url, made_dir: false }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The installation's own rule folder (`risk rules export` writes it).
    pub fn rules_dir(&self) -> PathBuf {
        self.dir.join("rules")
    }

    pub fn index_dir(&self) -> PathBuf {
        self.dir.join("index")
    }

    /// The exact-data-match indexes (keyed hashes of customer databases).
    pub fn edm_dir(&self) -> PathBuf {
        self.dir.join("edm")
    }

    /// The vault's local object folder.
    pub fn vault_dir(&self) -> PathBuf {
        self.dir.join("vault")
    }

    /// The vault's master key file: `keys/master.key` (made on first use
    /// when missing), or `file` (`MARUHI_MASTER_KEY_FILE`), never made.
    pub fn master_key_file(&self, file: Option<&Path>) -> crate::vault::MasterKeyFile {
        match file {
            Some(path) => crate::vault::MasterKeyFile { path: path.to_owned(), create_if_missing: false },
            None => crate::vault::MasterKeyFile { path: self.dir.join(MASTER_KEY), create_if_missing: true },
        }
    }

    /// The installation key (scan keys derive from it).
    pub fn installation_key(&self) -> Result<[u8; 32]> {
        let path = self.dir.join(INSTALLATION_KEY);
        let text = read_key(&path)?;
        parse_hex_key(&text).ok_or_else(|| Error::Key { path, why: "not 64 hex digits".into() })
    }

    /// Connects to the database (migrating it) and returns the service with
    /// this installation's keys, index and rules.
    pub async fn open(&self) -> Result<Service> {
        let ledger_path = self.dir.join(LEDGER_KEY);
        let ledger_key = read_key(&ledger_path)?;
        let installation_key = self.installation_key()?;
        let svc = Service::open(&self.database_url).await?;
        let mut svc = svc.with_ledger_key(&ledger_key).map_err(|e| match e {
            Error::Key { why, .. } => Error::Key { path: ledger_path, why },
            e => e,
        })?;
        svc = svc.with_index_dir(self.index_dir()).with_edm_dir(self.edm_dir()).with_installation_key(installation_key);
        // The local vault by default; front ends replace it with a vault
        // URL or another master key file (`Service::with_vault`).
        svc = svc.with_vault(crate::vault::Vault::new(
            std::sync::Arc::new(crate::vault::LocalStore::new(self.vault_dir())),
            self.master_key_file(None),
        ));
        let rules = self.rules_dir();
        if rules.is_dir() {
            svc = match crate::risk::RulePack::from_dir(&rules) {
                Ok(pack) => svc.with_rule_pack(pack),
                Err(why) => {
                    tracing::warn!(dir = %rules.display(), "the rule folder does not load, so no risk analysis can run:\n{why}");
                    svc.with_broken_rule_pack(why)
                }
            };
        }
        Ok(svc)
    }

    fn write_layout(&self) -> Result<()> {
        let keys = self.dir.join("keys");
        std::fs::create_dir_all(&keys).map_err(io("cannot create", &keys))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io("cannot restrict", &self.dir))?;
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| Error::Internal(format!("no randomness: {e}")))?;
        let hex = hex::encode(key);
        // The log's origin names this installation; the key signs its
        // checkpoints. The ledger key is written first: the installation
        // key marks a complete installation.
        let origin = format!("maruhi/{}", &hex[..8]);
        write_new_key(&self.dir.join(LEDGER_KEY), &crate::ledger::new_log_key(&origin)?)?;
        self.master_key_file(None).load_or_create()?;
        write_new_key(&self.dir.join(INSTALLATION_KEY), &hex)
    }

    /// Removes what a failed [`Installation::create`] (or `init` after it)
    /// made: the keys and the SQLite files, and the directory when it made
    /// it. Only for an installation just created.
    pub fn discard(&self) {
        if self.made_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
            return;
        }
        let _ = std::fs::remove_dir_all(self.dir.join("keys"));
        if self.database_url.starts_with("sqlite:") {
            for name in ["maruhi.db", "maruhi.db-wal", "maruhi.db-shm"] {
                let _ = std::fs::remove_file(self.dir.join(name));
            }
        }
    }
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    std::path::absolute(dir).map_err(io("cannot resolve", dir))
}

/// Maps an I/O error on `path` to [`Error::Io`].
pub(crate) fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_owned();
    move |source| Error::Io { what, path, source }
}

fn read_key(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::Key {
        path: path.to_owned(),
        why: if e.kind() == std::io::ErrorKind::NotFound { "missing".into() } else { e.to_string() },
    })
}

/// Writes a key file readable by its owner only; never overwrites one.
pub fn write_new_key(path: &Path, contents: &str) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io("cannot create", path))?;
    f.write_all(contents.as_bytes()).and_then(|()| f.sync_all()).map_err(io("cannot write", path))
}

/// 64 hex digits, surrounding white space allowed.
pub fn parse_hex_key(text: &str) -> Option<[u8; 32]> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut key).ok()?;
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> InstallationConfig {
        InstallationConfig { data_dir: dir.to_owned(), database_url: None }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("maruhi-inst-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_missing_directory_is_no_installation_and_stays_missing() {
        let dir = scratch("typo");
        assert!(matches!(Installation::locate(&config(&dir)), Err(Error::NoInstallation(_))));
        assert!(!dir.exists());
    }

    #[test]
    fn create_twice_is_refused_and_keys_are_never_replaced() {
        let dir = scratch("twice");
        let inst = Installation::create(&config(&dir)).expect("create");
        let key = std::fs::read(dir.join(LEDGER_KEY)).expect("ledger key");
        assert!(matches!(Installation::create(&config(&dir)), Err(Error::AlreadyInstalled(_))));
        assert_eq!(std::fs::read(dir.join(LEDGER_KEY)).expect("ledger key"), key);
        inst.installation_key().expect("installation key");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[tokio::test]
    async fn a_lost_ledger_key_is_an_error_naming_the_file() {
        let dir = scratch("lost");
        let inst = Installation::create(&config(&dir)).expect("create");
        std::fs::remove_file(dir.join(LEDGER_KEY)).expect("lose the key");
        match inst.open().await {
            Err(Error::Key { path, .. }) => assert!(path.ends_with(LEDGER_KEY)),
            other => panic!("expected a key error, got {other:?}"),
        }
        assert!(!dir.join(LEDGER_KEY).exists(), "no new key was made");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn keys_parse_as_64_hex_digits() {
        assert_eq!(parse_hex_key(&format!("{}\n", "ab".repeat(32))), Some([0xab; 32]));
        assert_eq!(parse_hex_key("abc"), None);
        assert_eq!(parse_hex_key(&"zz".repeat(32)), None);
    }
}
