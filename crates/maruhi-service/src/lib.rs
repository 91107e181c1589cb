//! maruhi's service layer: the single code path that the CLI and the server
//! both call.
//!
//! It owns the rules of the trade-secret register (営業秘密管理台帳): who may
//! see and change what (need-to-know, enforced here, never only in a UI),
//! validation with messages in Japanese and English, and the audit trail,
//! which every state change writes in the same transaction as the change
//! through one boundary ([`audit`]).
//!
//! Main types: [`Service`] (built once, shared across requests), [`Actor`]
//! (who is asking), [`model`] (secrets, users, groups), [`Error`] with stable
//! codes, [`i18n`] for both languages.
//!
//! ```no_run
//! # async fn demo() -> Result<(), maruhi_service::Error> {
//! use maruhi_service::{Actor, Service, model::SecretInput};
//! let svc = Service::open("sqlite:///tmp/maruhi.db").await?;
//! let operator = Actor::operator();
//! let secret = svc
//!     .create_secret(&operator, SecretInput {
//!         title: "射出成形条件表".into(),
//!         category: "process".into(),
//!         level: "極秘".into(),
//!         ..SecretInput::default()
//!     })
//!     .await?;
//! # let _ = secret; Ok(()) }
//! ```

use std::sync::Arc;

use maruhi_store::Db;

pub mod admin;
pub mod assess;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cases;
pub mod clock;
pub mod demo;
pub mod edm;
mod error;
pub mod evidence;
pub mod health;
pub mod hr;
pub mod i18n;
pub mod identity;
pub mod ingest;
pub mod installation;
pub mod jobs;
pub mod ledger;
pub mod mail_triage;
pub mod marking;
pub mod model;
pub mod policy;
mod registry;
pub mod reminders;
pub mod report;
pub mod risk;
pub mod scan;
pub mod sharing;
mod validate;
pub mod vault;
pub mod views;

pub use auth::{Credential, Scope, SessionInfo};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, FieldError, Result};
pub use installation::{Installation, InstallationConfig};
pub use maruhi_store::{Backend, StoreError};
pub use registry::{AuditSearch, Dashboard, ListParams, SortKey};

use model::Role;

/// Seconds a caller is told to wait when every extraction slot is taken.
pub const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// The default number of concurrent extractions (scans, attachments): one
/// per core, so uploads cannot starve the rest of the server.
pub fn default_max_extractions() -> usize {
    std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(2)
}

/// The default classification levels, most secret first.
pub const DEFAULT_LEVELS: [&str; 3] = ["極秘", "秘", "社外秘"];

/// Who is asking. Built by the server from a session or a token, or by the
/// CLI for the operator at the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the local operator (CLI with access to the data directory).
    pub user_id: Option<i64>,
    pub username: String,
    pub role: Role,
    pub scope: Scope,
    pub remote_addr: Option<String>,
}

impl Actor {
    /// The operator at the console: whoever can read the data directory or the
    /// database URL already holds everything, so the CLI acts with admin rights
    /// and is recorded as such.
    pub fn operator() -> Actor {
        Actor {
            user_id: None,
            username: "operator (CLI)".to_owned(),
            role: Role::Admin,
            scope: Scope::Write,
            remote_addr: None,
        }
    }
}

/// One of the process's extraction slots, released when dropped.
#[derive(Debug)]
pub struct ExtractionSlot {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// The service: a database, a clock and a short-lived cache of register counts.
#[derive(Clone)]
pub struct Service {
    db: Db,
    clock: Arc<dyn Clock>,
    counts: Arc<registry::CountCache>,
    ledger_key: Option<Arc<maruhi_ledger::note::Ed25519Signer>>,
    scan_keys: Option<Arc<scan::ScanKeys>>,
    scanner_cache: Arc<scan::ScannerCache>,
    index_dir: Option<std::path::PathBuf>,
    /// Where exact-data-match indexes are kept, and the loaded matcher.
    edm_dir: Option<std::path::PathBuf>,
    edm_cache: Arc<edm::EdmCache>,
    /// How long an attempt on an account under attack is slowed at most.
    login_delay_ceiling: std::time::Duration,
    /// Global cap on concurrent extractions (scans and attachments).
    extraction_slots: Arc<tokio::sync::Semaphore>,
    /// The installation's own rule pack, or why it does not load.
    rule_pack: Option<std::result::Result<Arc<risk::RulePack>, String>>,
    builtin_pack: Arc<std::sync::Mutex<Option<Arc<risk::RulePack>>>>,
    analysis: Arc<jobs::AnalysisQueue>,
    /// Where originals are kept, encrypted (`None`: no vault configured).
    vault: Option<vault::Vault>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").field("db", &self.db).finish_non_exhaustive()
    }
}

impl Service {
    /// Connects, migrates and uses the system clock.
    pub async fn open(url: &str) -> Result<Service> {
        Service::open_with_clock(url, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<Service> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        let svc = Service {
            db,
            clock,
            counts: Arc::default(),
            ledger_key: None,
            scan_keys: None,
            scanner_cache: Arc::default(),
            index_dir: None,
            edm_dir: None,
            edm_cache: Arc::default(),
            login_delay_ceiling: auth::ACCOUNT_DELAY_CEILING,
            extraction_slots: Arc::new(tokio::sync::Semaphore::new(default_max_extractions())),
            rule_pack: None,
            builtin_pack: Arc::default(),
            analysis: Arc::default(),
            vault: None,
        };
        svc.ensure_levels().await?;
        Ok(svc)
    }

    /// The longest an attempt on an account attacked from many addresses is
    /// slowed ([`auth::ACCOUNT_DELAY_CEILING`] by default).
    pub fn with_login_delay_ceiling(mut self, ceiling: std::time::Duration) -> Service {
        self.login_delay_ceiling = ceiling;
        self
    }

    /// At most `n` extractions (scans of uploads, attachments of material)
    /// run at once in this process; more are refused with [`Error::Busy`],
    /// never queued. `n` is at least 1.
    pub fn with_max_extractions(mut self, n: usize) -> Service {
        self.extraction_slots = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self
    }

    /// Takes one extraction slot for as long as the returned guard lives, or
    /// answers [`Error::Busy`] at once when all are taken.
    pub fn extraction_slot(&self) -> Result<ExtractionSlot> {
        Arc::clone(&self.extraction_slots)
            .try_acquire_owned()
            .map(|p| ExtractionSlot { _permit: p })
            .map_err(|_| Error::Busy)
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub(crate) fn now_text(&self) -> String {
        clock::format_time(self.clock.now())
    }

    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Whether any user exists yet (an installation is initialised).
    pub async fn is_initialised(&self) -> Result<bool> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::users::count(&mut conn).await? > 0)
    }
}
