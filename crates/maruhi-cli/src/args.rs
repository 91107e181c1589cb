//! Command-line arguments. Types only; the doc comments are the help text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// ㊙ maruhi: a self-hosted trade-secret register (営業秘密管理台帳) with
/// need-to-know access control and an audit trail.
#[derive(Debug, Parser)]
#[command(name = "maruhi", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Directory of the installation: database, keys, scan index, rules (`maruhi init` creates it)
    #[arg(
        long,
        global = true,
        env = "MARUHI_DATA_DIR",
        default_value = "./maruhi-data",
        help_heading = "Global options"
    )]
    pub data_dir: PathBuf,
    /// Database URL (default: SQLite inside the data directory; postgres://… selects PostgreSQL)
    #[arg(long, global = true, env = "MARUHI_DATABASE_URL", hide_env_values = true, help_heading = "Global options")]
    pub database_url: Option<String>,
    /// Where the vault keeps encrypted originals: s3://BUCKET/PREFIX?endpoint=URL&region=R for an
    /// S3-compatible store (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); default:
    /// the data directory's vault/ folder
    #[arg(long, global = true, env = "MARUHI_VAULT_URL", help_heading = "Global options")]
    pub vault_url: Option<String>,
    /// The vault's master key file (64 hex digits), instead of the data directory's keys/master.key
    #[arg(long, global = true, env = "MARUHI_MASTER_KEY_FILE", help_heading = "Global options")]
    pub master_key_file: Option<PathBuf>,
    /// More log lines on standard error: -v for progress, -vv for detail (MARUHI_LOG overrides)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = "Global options")]
    pub verbose: u8,
}

/// How the ledger is published: witnesses that cosign checkpoints and an
/// RFC 3161 authority that dates them. Only `serve`, `demo`, `ledger`,
/// `evidence` and `case` publish.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Publishing the ledger")]
pub struct PublishArgs {
    /// A witness that must cosign checkpoints, as VKEY@URL (repeatable; comma-separated in the environment)
    #[arg(long = "witness", global = true, env = "MARUHI_WITNESSES", value_delimiter = ',')]
    pub witnesses: Vec<String>,
    /// How many witnesses must cosign before a checkpoint is published (default: all)
    #[arg(long, global = true, env = "MARUHI_WITNESS_THRESHOLD")]
    pub witness_threshold: Option<usize>,
    /// RFC 3161 time-stamp authority URL for time anchors over checkpoints (http or https)
    #[arg(long, global = true, env = "MARUHI_TSA_URL", requires = "tsa_ca")]
    pub tsa_url: Option<String>,
    /// The TSA's trusted CA (or its own) certificate, PEM or DER
    #[arg(long, global = true, env = "MARUHI_TSA_CA", requires = "tsa_url")]
    pub tsa_ca: Option<PathBuf>,
    /// Seconds between time anchors while the log grows
    #[arg(long, global = true, env = "MARUHI_TSA_INTERVAL", default_value_t = 600)]
    pub tsa_interval: u64,
    /// CA certificates (PEM) trusted, besides the system's, for witnesses and the TSA over HTTPS
    #[arg(long, global = true, env = "MARUHI_PEER_CA")]
    pub peer_ca: Option<PathBuf>,
}

/// Reminder mail over SMTP (`serve` and `reminders send`). The relay's
/// user name and password come only from MARUHI_SMTP_USER and
/// MARUHI_SMTP_PASSWORD, never from flags.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Reminder mail")]
pub struct MailArgs {
    /// SMTP relay: smtp://HOST:PORT (plain), smtp://HOST:PORT?starttls=true or smtps://HOST:PORT; log in with MARUHI_SMTP_USER and MARUHI_SMTP_PASSWORD
    #[arg(long, env = "MARUHI_SMTP_URL", requires = "smtp_from")]
    pub smtp_url: Option<String>,
    /// The reminders' sender address (From)
    #[arg(long, env = "MARUHI_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// The server's address as people reach it, for links in mail (e.g. `https://maruhi.example.co.jp`)
    #[arg(long, env = "MARUHI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Hours before a person is sent reminders again
    #[arg(long, env = "MARUHI_REMIND_EVERY_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..))]
    pub remind_every_hours: u32,
}

/// The values a free-text argument takes, listed in the help. The service
/// checks them again; a test checks the lists against the service's.
pub mod values {
    pub const ROLES: [&str; 6] = ["admin", "manager", "legal", "analyst", "auditor", "employee"];
    pub const SCOPES: [&str; 2] = ["read", "write"];
    pub const STATUSES: [&str; 4] = ["draft", "registered", "retired", "disclosed"];
    pub const NEW_STATUSES: [&str; 2] = ["draft", "registered"];
    pub const COLLECTIONS: [&str; 2] = ["third_party", "background"];
    pub const WATCHLISTS: [&str; 3] = ["departing", "contractors", "privileged"];
    pub const ALERT_STATUSES: [&str; 4] = maruhi_service::risk::ALERT_STATUSES;
    pub const DOMAIN_CATEGORIES: [&str; 2] = ["company", "competitor"];
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the data directory, keys and schema, and the first administrator
    Init {
        /// User name of the first administrator
        #[arg(long)]
        admin_user: String,
        /// File holding the administrator's password (at least 12 characters)
        #[arg(long)]
        admin_password_file: PathBuf,
    },
    /// Serve the web UI and the API
    Serve {
        /// Address to listen on
        #[arg(long, env = "MARUHI_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Mark session cookies Secure (default: on unless listening on loopback)
        #[arg(long)]
        secure_cookies: Option<bool>,
        /// Scans and attachments that may run at once; more are refused with
        /// 503 and Retry-After, never queued (default: one per core)
        #[arg(long, env = "MARUHI_MAX_EXTRACTIONS", value_parser = clap::value_parser!(u16).range(1..))]
        max_extractions: Option<u16>,
        /// The server is reached over HTTPS only (TLS ends at a proxy in
        /// front): Secure cookies and Strict-Transport-Security
        #[arg(long, env = "MARUHI_BEHIND_TLS")]
        behind_tls: bool,
        /// A proxy (address or CIDR range) whose X-Forwarded-For names the
        /// client, for throttling and the audit trail (repeatable; the
        /// variable takes a comma-separated list). Others' headers are ignored
        #[arg(long = "trusted-proxy", env = "MARUHI_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<maruhi_server::Cidr>,
        /// A partner's domain whose look-alikes the mail triage page flags
        /// (repeatable; the variable takes a comma-separated list)
        #[arg(long = "mail-partner-domain", env = "MARUHI_MAIL_PARTNER_DOMAINS", value_delimiter = ',')]
        mail_partner_domains: Vec<String>,
        /// The authserv-id of the company's border mail server, whose
        /// Authentication-Results the mail triage page trusts (repeatable)
        #[arg(long = "mail-authserv-id", env = "MARUHI_MAIL_AUTHSERV_IDS", value_delimiter = ',')]
        mail_authserv_ids: Vec<String>,
        #[command(flatten)]
        mail: MailArgs,
        #[command(flatten)]
        publish: PublishArgs,
    },
    /// Initialise if needed, load a sample manufacturing company and serve it
    Demo {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        publish: PublishArgs,
    },
    /// Manage users
    #[command(subcommand)]
    User(UserCmd),
    /// Manage groups
    #[command(subcommand)]
    Group(GroupCmd),
    /// Manage API tokens
    #[command(subcommand)]
    Token(TokenCmd),
    /// Work with the register of secrets
    #[command(subcommand)]
    Secret(SecretCmd),
    /// Show or set the ordered classification levels
    #[command(subcommand)]
    Levels(LevelsCmd),
    /// Inspect and verify the evidence ledger (the audit trail as a Merkle log)
    Ledger {
        #[command(flatten)]
        publish: PublishArgs,
        #[command(subcommand)]
        cmd: LedgerCmd,
    },
    /// Evidence packages: prior-use (先使用権) bags anyone can verify offline
    Evidence {
        #[command(flatten)]
        publish: PublishArgs,
        #[command(subcommand)]
        cmd: EvidenceCmd,
    },
    /// Incidents (事案): cases, the investigation journal, legal holds and evidence packages
    Case {
        #[command(flatten)]
        publish: PublishArgs,
        #[command(subcommand)]
        cmd: CaseCmd,
    },
    /// Share incidents with an industry forum: drafts, the anonymisation gate, approval, STIX 2.1 / MISP / TAXII 2.1
    #[command(subcommand)]
    Share(ShareCmd),
    /// Reports that prove 秘密管理性: a secret's report, the register as it stood on a date, acknowledgements outstanding
    #[command(subcommand)]
    Report(ReportCmd),
    /// Self-assessment against METI's 秘密情報の保護ハンドブック and IPA's 内部不正防止ガイドライン
    ///
    /// Without a subcommand: scores per objective, each item's score, measured
    /// value or answer, and the next step in maruhi for each gap.
    #[command(args_conflicts_with_subcommands = true)]
    Assess {
        #[command(subcommand)]
        cmd: Option<AssessCmd>,
        /// Print JSON (the same as --format json)
        #[arg(long)]
        json: bool,
        /// Save the result as a snapshot, for scores over time (`assess history`)
        #[arg(long)]
        save: bool,
        /// Output: text for people, json for programs, html for a standalone report
        #[arg(long, value_enum, default_value_t = AssessFormat::Text)]
        format: AssessFormat,
        /// Write the output to FILE instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Language of text and html output (default: Japanese when LANG says so, else English)
        #[arg(long, value_parser = ["ja", "en"])]
        lang: Option<String>,
    },
    /// Back up the installation (database, keys, vault, rules) online into one passphrase-encrypted file
    Backup {
        /// The backup file to write (must not exist)
        #[arg(long)]
        out: PathBuf,
        /// File holding the passphrase (at least 12 characters; else MARUHI_BACKUP_PASSPHRASE)
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
    },
    /// Restore a backup into an empty --data-dir, then verify the ledger and the vault
    Restore {
        /// The backup file
        file: PathBuf,
        /// File holding the passphrase (else MARUHI_BACKUP_PASSPHRASE)
        #[arg(long)]
        passphrase_file: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Name the recipient of a leaked marked copy (or a fragment pasted out of one); exit 1 when no mark is found
    Trace {
        /// The leaked file (any format the scanner reads: text, Office, PDF, mail, archives)
        file: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Verify an offline ledger proof with nothing but the log's public key
    VerifyProof {
        /// A c2sp.org/tlog-proof@v1 file (from `maruhi ledger proof`)
        file: PathBuf,
        /// The log's verifier key (from `maruhi ledger public-key`)
        #[arg(long)]
        key: String,
        /// The entry's bytes (default: the entry carried in the proof)
        #[arg(long)]
        entry: Option<PathBuf>,
        /// A witness's cosignature key that must have cosigned (repeatable)
        #[arg(long = "witness-key")]
        witness_keys: Vec<String>,
        /// An RFC 3161 token that dates the proof's checkpoint (default: the one the proof carries)
        #[arg(long, requires = "timestamp_ca")]
        timestamp: Option<PathBuf>,
        /// The TSA's trusted certificate, PEM or DER: checks the proof's time stamp
        #[arg(long)]
        timestamp_ca: Option<PathBuf>,
    },
    /// Run a C2SP tlog-witness, or make a witness key
    #[command(subcommand)]
    Witness(WitnessCmd),
    /// Find registered or reference material in files, folders, archives and mail
    ///
    /// Exit code 0: nothing found; 1: findings; 2: the scan could not run.
    Scan {
        /// Files or folders to scan (folders recursively; archives and mail are opened)
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Fingerprint every file under DIR on the fly and scan against those (no database needed)
        #[arg(long)]
        reference: Option<PathBuf>,
        /// With --reference: boilerplate under DIR whose matches never count
        #[arg(long, requires = "reference")]
        background: Option<PathBuf>,
        /// Output: text for people, jsonl for programs (one JSON object per line)
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// Worker threads (default: one per core)
        #[arg(long)]
        threads: Option<usize>,
        /// Report a reference when one aligned passage has at least this many normalised characters
        /// (shorter shared phrases never count)
        #[arg(long, default_value_t = maruhi_scan::DEFAULT_MIN_PASSAGE)]
        min_passage: usize,
        /// And when its passages have at least this many aligned characters together
        #[arg(long, default_value_t = 0)]
        min_chars: usize,
        /// List in each finding the boilerplate that did not count, and why (slower when findings are many)
        #[arg(long)]
        explain: bool,
    },
    /// Targeted-mail (標的型メール) triage: signs per mail and per conversation
    #[command(subcommand)]
    Mail(MailCmd),
    /// Fingerprinted material: third-party (NDA, new hires) and background (boilerplate) collections
    #[command(subcommand)]
    Material(MaterialCmd),
    /// The vault of encrypted originals
    #[command(subcommand)]
    Vault(VaultCmd),
    /// Exact data match: customer databases whose rows `maruhi scan` finds in any file
    #[command(subcommand)]
    Edm(EdmCmd),
    /// Activity logs for insider-risk detection
    #[command(subcommand)]
    Events(EventsCmd),
    /// HR dates of departing employees (they put users on the departing watchlist)
    #[command(subcommand)]
    Hr(HrCmd),
    /// Watchlists that raise a user's risk: departing, contractors, privileged
    #[command(subcommand)]
    Watchlist(WatchlistCmd),
    /// One person, one name: aliases (mail addresses, UPNs, DOMAIN\user) of the people detection scores
    #[command(subcommand)]
    Identity(IdentityCmd),
    /// Insider-risk detection: analyse activity, rank people, rule pack, domains
    #[command(subcommand)]
    Risk(RiskCmd),
    /// Insider-risk alerts: list, show with evidence, triage
    #[command(subcommand)]
    Alerts(AlertsCmd),
    /// Mail people their reminders (overdue reviews, acknowledgements, untriaged alerts)
    #[command(subcommand)]
    Reminders(RemindersCmd),
    /// Print the audit trail, newest first
    Audit {
        /// How many events
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Only actions starting with this prefix (e.g. secret.)
        #[arg(long)]
        action: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RemindersCmd {
    /// Send each person with reminders one mail, unless sent within the interval
    Send {
        /// Only list who would be sent what; send and record nothing
        #[arg(long)]
        dry_run: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        mail: MailArgs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AssessFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Subcommand)]
pub enum AssessCmd {
    /// Answer an item that is answered by hand (replaces an earlier answer; audited)
    Answer {
        /// The item's id (e.g. T01; `maruhi assess` lists them)
        item: String,
        /// yes, partly, no, or na (not applicable)
        #[arg(long, value_parser = maruhi_service::assess::ANSWERS)]
        answer: String,
        /// What the answer rests on
        #[arg(long, default_value = "")]
        note: String,
        /// A file that shows it (repeatable): its name and SHA-256 are recorded, not its content
        #[arg(long = "evidence", value_name = "FILE")]
        evidence: Vec<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Saved snapshots, newest first: the overall and per-objective scores over time
    History {
        /// How many snapshots
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCmd {
    /// Score mail for the signs of a targeted attack (IPA's list), conversations included
    ///
    /// Reads .eml files, folders (Maildir too) and mbox files. Each mail gets a
    /// verdict (clean, suspicious, malicious), a score and its reasons.
    /// Exit code 0: all clean; 1: something suspicious or malicious; 2: could not run.
    Triage {
        /// Mail files, folders or mbox files
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output: text for people, jsonl for programs (one JSON object per line)
        #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
        format: ScanFormat,
        /// Also report each conversation (text: mails grouped by conversation)
        #[arg(long)]
        thread: bool,
        /// The company's own domain (repeatable; the variable takes a comma-separated list)
        #[arg(long = "own-domain", env = "MARUHI_MAIL_OWN_DOMAINS", value_delimiter = ',')]
        own_domains: Vec<String>,
        /// A partner's or customer's domain whose look-alikes are signs (repeatable)
        #[arg(long = "partner-domain", env = "MARUHI_MAIL_PARTNER_DOMAINS", value_delimiter = ',')]
        partner_domains: Vec<String>,
        /// The authserv-id of the company's border mail server; only its
        /// Authentication-Results are read (repeatable)
        #[arg(long = "authserv-id", env = "MARUHI_MAIL_AUTHSERV_IDS", value_delimiter = ',')]
        authserv_ids: Vec<String>,
        /// A file of DKIM public keys to verify signatures offline, one
        /// `selector._domainkey.domain v=DKIM1; k=rsa; p=…` per line (repeatable)
        #[arg(long = "dkim-key", value_name = "FILE")]
        dkim_keys: Vec<PathBuf>,
        /// Language of the reasons in text output (default: Japanese when LANG says so, else English)
        #[arg(long, value_parser = ["ja", "en"])]
        lang: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Text,
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum MaterialCmd {
    /// Fingerprint files into the third-party or background collection
    Add {
        /// third_party (someone else's material, for contamination checks) or background (boilerplate)
        #[arg(long, value_parser = values::COLLECTIONS)]
        collection: String,
        /// Where the material came from (NDA, new hire's declaration, public source)
        #[arg(long, default_value = "")]
        note: String,
        /// Keep only fingerprints, not the sealed text (no side-by-side passages)
        #[arg(long)]
        no_text: bool,
        /// Files, or folders to add every file below (e.g. public documents for the background)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List material of a secret or of a collection
    List {
        /// A secret's id
        #[arg(long, conflicts_with = "collection")]
        secret: Option<i64>,
        /// Material of this collection
        #[arg(long, value_parser = values::COLLECTIONS)]
        collection: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Take a material out of the index (its history stays in the audit trail)
    Remove {
        /// The material's id (from `material list`)
        id: i64,
    },
    /// Download the stored original of a material (recorded in the ledger)
    Get {
        /// The material's id (from `material list --secret ID`)
        material_id: i64,
        /// Where to write the file (refused if it exists)
        #[arg(long)]
        out: PathBuf,
        /// A copy marked for this recipient (㊙ banner and an invisible code `maruhi trace` reads); text, DOCX, XLSX, PPTX and PDF
        #[arg(long = "for", value_name = "USER")]
        recipient: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EdmCmd {
    /// Register a customer database by its CSV export (UTF-8 or Shift_JIS, header row); only keyed hashes are kept
    Add {
        /// The dataset's name (shown in findings)
        name: String,
        /// The CSV export, read once in a stream
        file: PathBuf,
        /// The secret the database belongs to (its manager may then maintain the dataset)
        #[arg(long)]
        secret: Option<i64>,
        /// A schema file: `primary = "HEADER"`, `ignore = [..]`, and `[columns]` with types
        /// (id, phone, email, postal, date, name, kana, address, free)
        #[arg(long)]
        schema: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Replace a dataset's rows with a new export (reports rows added, removed and kept)
    Refresh {
        /// The dataset's name
        name: String,
        /// The new CSV export
        file: PathBuf,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// List the datasets: columns, rows, last refresh
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Remove a dataset and its index (its history stays in the audit trail)
    Remove {
        /// The dataset's name
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum VaultCmd {
    /// Wrap every stored data key under a new master key (the content is not re-encrypted)
    RotateKey {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user
    Add {
        /// User name (letters, digits, '.', '_', '-')
        name: String,
        /// What the user may do
        #[arg(long, value_parser = values::ROLES)]
        role: String,
        /// File holding the password; without it the user can only use API tokens
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Display name (defaults to the user name)
        #[arg(long, default_value = "")]
        display_name: String,
        /// E-mail address
        #[arg(long, default_value = "")]
        email: String,
        /// Department
        #[arg(long, default_value = "")]
        department: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// List users
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password (ends their sessions)
    Passwd {
        /// The user's name
        name: String,
        /// File holding the new password
        #[arg(long)]
        password_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    /// Add a group
    Add {
        /// The group's name (grant it with group:NAME)
        name: String,
        /// What the group is for
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Add a user to a group
    AddMember {
        /// The group's name
        group: String,
        /// The user's name
        user: String,
    },
    /// Remove a user from a group
    RemoveMember {
        /// The group's name
        group: String,
        /// The user's name
        user: String,
    },
    /// List groups and members
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create an API token for a user and print it once
    Create {
        /// The user the token acts as
        #[arg(long)]
        user: String,
        /// What the token is for
        #[arg(long, default_value = "cli")]
        name: String,
        /// What the token may do: read, or read and write
        #[arg(long, default_value = "write", value_parser = values::SCOPES)]
        scope: String,
    },
}

// Parsed once per process; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SecretCmd {
    /// Register a secret
    Add {
        /// Title (seen only by those who may see the secret)
        #[arg(long)]
        title: String,
        /// Classification level (e.g. 極秘, 秘, 社外秘)
        #[arg(long)]
        level: String,
        /// Category id or label (e.g. drawing, 設計図, customer, 顧客情報)
        #[arg(long)]
        category: String,
        /// Non-secret summary
        #[arg(long, default_value = "")]
        summary: String,
        /// Owning department
        #[arg(long, default_value = "")]
        department: String,
        /// User name of the 管理責任者
        #[arg(long)]
        manager: Option<String>,
        /// Review date, YYYY-MM-DD
        #[arg(long)]
        review_date: Option<String>,
        /// Where the material is (repeatable)
        #[arg(long = "location")]
        locations: Vec<String>,
        /// Marks applied (repeatable)
        #[arg(long = "mark")]
        marks: Vec<String>,
        /// Tags (repeatable)
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Grant access to a user (NAME) or group (group:NAME); repeatable
        #[arg(long = "grant")]
        grants: Vec<String>,
        /// The status it starts in
        #[arg(long, default_value = "draft", value_parser = values::NEW_STATUSES)]
        status: String,
        /// Print the new secret as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the register
    List {
        /// Search in title, summary, tags and department
        #[arg(long)]
        query: Option<String>,
        /// Only secrets of this classification level
        #[arg(long)]
        level: Option<String>,
        /// Only secrets in this status
        #[arg(long, value_parser = values::STATUSES)]
        status: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one secret
    Show {
        /// The secret's id
        id: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Grant access to a user (NAME) or group (group:NAME)
    Grant {
        /// The secret's id
        id: i64,
        /// A user's name, or group:NAME
        principal: String,
    },
    /// Fingerprint material of a secret (every document in each file; archives and mail are opened)
    Attach {
        /// The secret's id
        id: i64,
        /// Files, or folders to attach every file below
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Keep only fingerprints, not the sealed text (no side-by-side passages)
        #[arg(long)]
        no_text: bool,
        /// Also keep each original file in the vault, encrypted (downloadable with `material get`)
        #[arg(long)]
        store: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Change the status
    Status {
        /// The secret's id
        id: i64,
        /// The new status
        #[arg(value_parser = values::STATUSES)]
        status: String,
        /// Why (required to retire or disclose)
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum LevelsCmd {
    /// Print the levels, most secret first
    Show,
    /// Replace the levels, most secret first
    Set {
        /// The levels, e.g. 極秘 秘 社外秘
        #[arg(required = true)]
        levels: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// Print the log's verifier key
    PublicKey,
    /// Sign a checkpoint if the log grew, and print the latest signed checkpoint
    Checkpoint,
    /// Print an offline proof (c2sp.org/tlog-proof@v1) for an entry
    Proof {
        /// The entry's index in the log
        index: i64,
        /// Also write the RFC 3161 token that dates the proof's checkpoint
        #[arg(long)]
        timestamp_out: Option<PathBuf>,
    },
    /// Get an RFC 3161 time stamp over the latest checkpoint now (needs --tsa-url and --tsa-ca)
    Timestamp,
    /// Renew time stamps whose TSA certificate expires soon: a new token over each old one (needs --tsa-url and --tsa-ca)
    Restamp {
        /// Renew tokens whose certificate expires within this many days
        #[arg(long, default_value_t = 730)]
        within_days: u64,
    },
    /// Write every time-stamp token as a .tst file, for deposit with a keeping service
    Tokens {
        /// The folder to write them to
        #[arg(long)]
        out: PathBuf,
    },
    /// Print an entry
    Entry {
        /// The entry's index in the log
        index: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Erase a user's personal details from the audit trail (APPI); proofs stay valid
    Erase {
        /// The user whose name, addresses and event summaries are erased
        #[arg(long)]
        user: String,
    },
    /// Re-read the whole log, recompute every hash and check the signed checkpoints
    Verify {
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Write a secret's prior-use evidence as a BagIt bag: ledger entries, proofs, checkpoints, time stamps
    PriorUse {
        /// The secret's id
        id: i64,
        /// The folder to write (must not exist, or be empty)
        #[arg(long)]
        out: PathBuf,
        /// List material only by its hashes, for material that must not leave the company
        #[arg(long)]
        hashes_only: bool,
        /// The TSA's CA certificate (PEM or DER), put in the bag to check its time stamps
        #[arg(long)]
        tsa_ca_cert: Option<PathBuf>,
    },
    /// Check a bag offline: manifests, proofs, openings and time stamps (exit 1 on any problem)
    Verify {
        /// The bag's folder
        dir: PathBuf,
        /// The log's verifier key, obtained independently of the bag (default: the bag's own)
        #[arg(long)]
        key: Option<String>,
        /// The TSA's CA certificate (default: the bag's own)
        #[arg(long)]
        tsa_ca_cert: Option<PathBuf>,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// A secret's 秘密管理性 report: registration, marks and locations by medium, access, acknowledgements, history, proofs
    Secret {
        /// The secret's id
        id: i64,
        /// The report's form
        #[arg(long, value_parser = ["pdf", "html", "json"], default_value = "pdf")]
        format: String,
        /// The file to write
        #[arg(long)]
        out: PathBuf,
        /// The day (YYYY-MM-DD, its end in Japan time) or instant (RFC 3339) the report speaks of; default now
        #[arg(long)]
        as_of: Option<String>,
    },
    /// The register, access lists and acknowledgements as they stood, with the checkpoint and time stamp that date them
    Register {
        /// The day (YYYY-MM-DD, its end in Japan time) or instant (RFC 3339); default now
        #[arg(long)]
        as_of: Option<String>,
        /// The form
        #[arg(long, value_parser = ["csv", "html", "pdf", "json"], default_value = "csv")]
        format: String,
        /// The file to write (default: standard output; a PDF needs a file)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Who has yet to acknowledge each registered secret's current rules (groups expanded), since when
    Acks {
        /// The form
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// The file to write (default: standard output)
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ShareCmd {
    /// Draft a sharing report from a case you can see, or by hand
    #[command(group(clap::ArgGroup::new("source").required(true).multiple(true).args(["from_case", "title", "file"])))]
    Draft {
        /// The case to draft from (its title, journal and dates)
        #[arg(long, value_name = "ID")]
        from_case: Option<i64>,
        /// The report's title
        #[arg(long)]
        title: Option<String>,
        /// The draft's fields as JSON: title, tlp, method (手口), detection,
        /// countermeasures (対策), text, first_seen, last_seen, counts
        /// [{label, n}], indicators [{kind, value}]
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Replace a draft's fields with a JSON file (clears any approval)
    Edit {
        /// The report's id
        id: i64,
        /// The draft's fields as JSON (as for `share draft --file`)
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// List sharing reports: your drafts and the library received from forums
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show a report side by side: the draft, what the gate makes of it, what it removed
    Show {
        /// The report's id
        id: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Approve what the gate makes of a report (legal/IP or admin; not its drafter)
    Approve {
        /// The report's id
        id: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Export an approved report as a STIX 2.1 bundle or a MISP event
    Export {
        /// The report's id
        id: i64,
        /// The format
        #[arg(long, value_parser = ["stix", "misp"], default_value = "stix")]
        format: String,
        /// Where to write it (stdout when absent)
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write every approved report you can see as a static MISP feed (manifest.json and one event per file)
    Feed {
        /// The feed's directory (created; existing events in it are kept)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Keep a STIX 2.1 bundle or a MISP event received from a forum in the read-only library
    Import {
        /// The file received
        file: PathBuf,
        /// Where it came from
        #[arg(long, default_value = "file")]
        from: String,
    },
    /// Push an approved report to a forum's TAXII 2.1 collection
    Push {
        /// The report's id
        id: i64,
        #[command(flatten)]
        taxii: TaxiiArgs,
    },
    /// Pull the reports in a forum's TAXII 2.1 collection into the read-only library
    Pull {
        #[command(flatten)]
        taxii: TaxiiArgs,
        /// Only objects added after this time (RFC 3339)
        #[arg(long, value_name = "TIME")]
        added_after: Option<String>,
    },
    /// The anonymisation dictionary: terms that identify this installation
    #[command(subcommand)]
    Dictionary(DictionaryCmd),
}

/// Where a forum's TAXII 2.1 server is, and how to sign in.
#[derive(Debug, clap::Args)]
pub struct TaxiiArgs {
    /// The TAXII API root, e.g. `https://forum.example/taxii2/forum/`
    #[arg(long, value_name = "URL")]
    pub taxii: String,
    /// The collection's id
    #[arg(long, value_name = "ID")]
    pub collection: String,
    /// The member's token (a bearer token; the password with --user)
    #[arg(long, env = "MARUHI_TAXII_TOKEN", hide_env_values = true)]
    pub token: String,
    /// Sign in with HTTP Basic as this user, the token as password
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DictionaryCmd {
    /// Add a term the gate removes from everything shared
    Add {
        /// What the term is
        #[arg(long, value_parser = maruhi_service::sharing::TERM_KINDS)]
        kind: String,
        /// The term (a domain, an IP range like 10.1.0.0/16, a name)
        term: String,
    },
    /// List the terms: added by hand and read from the register, users and HR data
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Open a case (the first journal entry says why)
    Open {
        /// A short title, e.g. 退職予定者による設計図の持ち出し
        #[arg(long)]
        title: String,
        /// How the case came about
        #[arg(long, value_parser = maruhi_service::cases::CASE_KINDS)]
        kind: Option<String>,
        /// How serious it is
        #[arg(long, value_parser = maruhi_service::cases::SEVERITIES, default_value = "medium")]
        severity: String,
        /// An alert the case starts from (repeatable); the case then concerns its person
        #[arg(long = "from-alert", value_name = "ID")]
        from_alerts: Vec<i64>,
        /// Why the case is opened (the first journal entry)
        #[arg(long, default_value = "")]
        note: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// List cases, newest first
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show a case: members, what it concerns, checklist and journal
    Show {
        /// The case's id
        id: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Write a journal entry, with files kept in the vault
    Note {
        /// The case's id
        id: i64,
        /// What was done, why, and what was found
        #[arg(long)]
        text: String,
        /// A file to attach (repeatable)
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<PathBuf>,
        /// The entry this one corrects (entries are never changed)
        #[arg(long, value_name = "ENTRY")]
        corrects: Option<i64>,
    },
    /// Link the case to what it concerns (one of the options)
    Add {
        /// The case's id
        id: i64,
        /// An insider-risk alert's id
        #[arg(long, group = "what")]
        alert: Option<i64>,
        /// An activity event's id (event.id)
        #[arg(long, group = "what")]
        event: Option<String>,
        /// A registered secret's id
        #[arg(long, group = "what")]
        secret: Option<i64>,
        /// A scan finding, by its ledger index
        #[arg(long, group = "what")]
        finding: Option<i64>,
        /// A person concerned (any of their names)
        #[arg(long, group = "what")]
        user: Option<String>,
    },
    /// Add a maruhi user to the case's members (they will see it)
    Assign {
        /// The case's id
        id: i64,
        /// The user's name
        #[arg(long)]
        user: String,
    },
    /// Record that a step of the initial-response checklist was done
    Step {
        /// The case's id
        id: i64,
        /// The step
        #[arg(value_parser = maruhi_service::cases::STEP_IDS)]
        step: String,
        /// What was done
        #[arg(long, default_value = "")]
        text: String,
    },
    /// Change the status (reporting and closing need a reason)
    Status {
        /// The case's id
        id: i64,
        /// The new status
        #[arg(value_parser = maruhi_service::cases::STATUSES)]
        status: String,
        /// Why
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Place the case under legal hold: what it concerns cannot be erased
    Hold {
        /// The case's id
        id: i64,
        /// Why (e.g. litigation anticipated)
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Release a legal hold (legal/IP)
    Release {
        /// The case's id
        id: i64,
        /// Why the hold is no longer needed
        #[arg(long)]
        reason: String,
    },
    /// A person's timeline around their departure (HR dates, indicators, alerts, cited events)
    Timeline {
        /// The case's id
        id: i64,
        /// The person (any of their names)
        #[arg(long)]
        user: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Write the case's evidence package as a BagIt bag, time-stamped when a TSA is configured
    Export {
        /// The case's id
        id: i64,
        /// The folder to write (must not exist, or be empty)
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum WitnessCmd {
    /// Create a witness key file and print its verifier key
    Keygen {
        /// The witness's name, e.g. witness.example.co.jp/w1
        #[arg(long)]
        name: String,
        /// Where to write the private key (mode 0600)
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve the tlog-witness add-checkpoint API
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: std::net::SocketAddr,
        /// The witness's private key file (from `maruhi witness keygen`)
        #[arg(long)]
        key: PathBuf,
        /// A log's verifier key to follow (repeatable)
        #[arg(long = "log", required = true)]
        logs: Vec<String>,
        /// Where the witness keeps the latest cosigned checkpoint of each log
        #[arg(long)]
        state: PathBuf,
    },
}

/// `--format` of `maruhi events import`: every format maruhi-events reads
/// (see its SCHEMA.md), each with a line of help.
fn event_format() -> impl clap::builder::TypedValueParser<Value = maruhi_events::Format> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let help = |f: maruhi_events::Format| match f {
        maruhi_events::Format::Jsonl => {
            "JSON: maruhi's canonical JSON Lines, and ECS as Winlogbeat, Elastic Agent and Elasticsearch exports \
             (_search responses, elasticdump) write it; see --action-map"
        }
        maruhi_events::Format::Csv => "Any CSV with a header; see --csv-map",
        maruhi_events::Format::Cert => {
            "One CSV file of the CMU CERT insider-threat dataset (logon, device, file, email, http)"
        }
        maruhi_events::Format::Evtx => "A Windows event log file, Security channel",
        maruhi_events::Format::M365 => "Microsoft 365 unified audit log (JSON, JSON Lines or the CSV export)",
        maruhi_events::Format::Squid => "Squid's native access log",
        _ => "",
    };
    PossibleValuesParser::new(maruhi_events::Format::ALL.map(|f| PossibleValue::new(f.name()).help(help(f))))
        .try_map(|name| name.parse::<maruhi_events::Format>())
}

#[derive(Debug, Subcommand)]
pub enum EventsCmd {
    /// Import an activity log; bad lines are reported and the good ones kept
    ///
    /// Importing the same data again stores nothing twice (events have stable
    /// ids). Exit code 0: every record was read; 1: some lines were rejected
    /// (the rest were imported); 2: the import could not run.
    Import {
        /// The log file; `-` reads standard input
        file: PathBuf,
        /// The log's format
        #[arg(long, value_parser = event_format())]
        format: maruhi_events::Format,
        /// Where the log came from, recorded with the import (default: the file's name)
        #[arg(long)]
        source: Option<String>,
        /// UTC offset of local times written without one (CERT, CSV)
        #[arg(long, default_value = "+09:00", allow_hyphen_values = true)]
        offset: String,
        /// CSV columns as FIELD=COLUMN pairs, comma-separated or repeated, e.g.
        /// @timestamp=time,user.name=account,file.path=path,event.action=operation
        /// (FIELD: an event field such as host.name, url.full, email.to; without
        /// this option, columns are expected to be named after the fields)
        #[arg(long = "csv-map", value_name = "FIELD=COLUMN,...")]
        csv_map: Vec<String>,
        /// CSV: the action of every record, instead of an event.action column
        #[arg(long, value_name = "ACTION")]
        csv_action: Option<String>,
        /// CSV: what values of the event.action column mean, e.g. Copy=file-copy,Print=print
        #[arg(long, value_name = "VALUE=ACTION,...")]
        csv_action_values: Vec<String>,
        /// CSV: the field delimiter, one character or `tab`
        #[arg(long)]
        csv_delimiter: Option<String>,
        /// jsonl: a table of other tools' event.action (or event.code) values, one
        /// `value=action` per line (`#` comments; `skip` drops such records), read
        /// before the built-in table; the report lists the values no table knows
        #[arg(long, value_name = "FILE")]
        action_map: Option<PathBuf>,
        /// squid: an upload or download is a request of at least this many bytes
        #[arg(long, value_name = "BYTES")]
        upload_threshold: Option<u64>,
        /// Do not run the risk analysis afterwards (when loading several files: run `maruhi risk analyse` at the end)
        #[arg(long)]
        no_analyse: bool,
        /// Also keep the file itself in the vault, encrypted, so that cited events can be shown as their original records
        #[arg(long)]
        keep_original: bool,
        /// How many rejected lines to print (all are counted)
        #[arg(long, default_value_t = 20)]
        show: usize,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum HrCmd {
    /// Import HR dates from a CSV with the header user,notice_date,last_working_day,end_date
    ///
    /// Dates are YYYY-MM-DD; the last working day and end date may be empty.
    /// Importing again updates the dates. Exit code 0: every line was read;
    /// 1: some lines were rejected (the rest were imported); 2: the import
    /// could not run.
    Import {
        /// The CSV file; `-` reads standard input
        file: PathBuf,
        /// Do not run the risk analysis afterwards (when loading several files: run `maruhi risk analyse` at the end)
        #[arg(long)]
        no_analyse: bool,
        /// Print the report as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the HR records
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum WatchlistCmd {
    /// Put a user on a watchlist (departing, contractors or privileged)
    Add {
        /// The watchlist
        #[arg(value_parser = values::WATCHLISTS)]
        list: String,
        /// The user's name
        user: String,
        /// Why, or until when
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Take a user off a watchlist
    Remove {
        /// The watchlist
        #[arg(value_parser = values::WATCHLISTS)]
        list: String,
        /// The user's name
        user: String,
    },
    /// List the members of one watchlist or of all, as of a date
    List {
        /// One watchlist (default: all)
        #[arg(value_parser = values::WATCHLISTS)]
        list: Option<String>,
        /// The date, YYYY-MM-DD (default: today); departures from HR count from notice to end date
        #[arg(long)]
        as_of: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RiskCmd {
    /// Replay every stored activity event through the rule pack; store indicators and alerts
    Analyse {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// People ranked by risk score, with reasons
    Users {
        /// Score as of this day (YYYY-MM-DD, end of day in +09:00) or instant (RFC 3339); default now
        #[arg(long)]
        as_of: Option<String>,
        /// How many people
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// One person's score, indicators and alerts (any of their names: an alias, a mail address, a UPN)
    User {
        /// Any of the person's names
        user: String,
        /// As of this day (YYYY-MM-DD, end of day in +09:00) or instant (RFC 3339): what was known then; default now
        #[arg(long)]
        as_of: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// The detection rules (Sigma) and domain lists
    #[command(subcommand)]
    Rules(RulesCmd),
    /// The company's own and its competitors' domains
    #[command(subcommand)]
    Domain(DomainCmd),
}

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// List the rules in use
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Write the built-in rule pack to a folder to read and change (DATA_DIR/rules is used when it exists)
    Export {
        /// Target folder (default: DATA_DIR/rules)
        dir: Option<PathBuf>,
    },
    /// Check a rule folder: every error with its file
    Check {
        /// The folder (default: DATA_DIR/rules)
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCmd {
    /// Classify a domain: company (our own) or competitor
    Add {
        /// company or competitor
        #[arg(value_parser = values::DOMAIN_CATEGORIES)]
        category: String,
        /// The domain, e.g. example.co.jp
        domain: String,
    },
    /// Remove a domain's classification
    Remove {
        /// The domain
        domain: String,
    },
    /// List classified domains
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Suggest the company's own domains, from users' mail addresses and HR names, to confirm with `add company`
    Suggest {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdentityCmd {
    /// Record that ALIAS (a mail address, UPN, DOMAIN\user or other account) is USER
    ///
    /// Events imported afterwards are stored under USER; the next analysis
    /// also reads earlier events under it.
    Add {
        /// The other name: mail address, UPN, DOMAIN\user, account
        alias: String,
        /// The user it is
        user: String,
        /// Why (e.g. where the alias comes from)
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Remove a hand-made alias
    Remove {
        /// The alias
        alias: String,
    },
    /// List aliases: hand-made ones and those derived from users' mail addresses and HR data
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertsCmd {
    /// Alerts, newest first
    List {
        /// Only alerts in this state
        #[arg(long, value_parser = values::ALERT_STATUSES)]
        status: Option<String>,
        /// How many (1 to 10000)
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// How many of the newest to skip (paging)
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// Print JSON: the array of alerts
        #[arg(long, conflicts_with = "page_json")]
        json: bool,
        /// Print JSON: {"total", "limit", "offset", "alerts": [...]}, with the total of all matching alerts
        #[arg(long)]
        page_json: bool,
    },
    /// One alert with its evidence events
    Show {
        /// The alert's id
        id: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Record a triage decision
    Triage {
        /// The alert's id
        id: i64,
        /// The decision
        #[arg(long, value_parser = values::ALERT_STATUSES)]
        status: String,
        /// Why (required to dismiss or confirm)
        #[arg(long, default_value = "")]
        comment: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Every argument of every command, with the path of its command.
    fn arguments() -> Vec<(String, clap::Arg)> {
        fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, clap::Arg)>) {
            let path = format!("{path} {}", cmd.get_name());
            for arg in cmd.get_arguments() {
                out.push((path.clone(), arg.clone()));
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &path, out);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut out = Vec::new();
        walk(&cmd, "", &mut out);
        out
    }

    #[test]
    fn every_argument_has_help() {
        let missing: Vec<String> = arguments()
            .into_iter()
            .filter(|(_, a)| !matches!(a.get_id().as_str(), "help" | "version") && a.get_help().is_none())
            .map(|(path, a)| format!("{path} {}", a.get_id()))
            .collect();
        assert!(missing.is_empty(), "arguments without a doc comment: {missing:?}");
    }

    #[test]
    fn publishing_options_belong_to_the_commands_that_publish() {
        let with_witness: std::collections::BTreeSet<String> = arguments()
            .into_iter()
            .filter(|(_, a)| a.get_id() == "witnesses")
            .map(|(path, _)| path.trim().split(' ').nth(1).unwrap_or_default().to_owned())
            .collect();
        assert_eq!(with_witness, ["case", "demo", "evidence", "ledger", "serve"].map(String::from).into());
    }

    #[test]
    fn listed_values_are_those_the_service_accepts() {
        use maruhi_service::model::{Role, Status};
        assert_eq!(values::ROLES.to_vec(), Role::ALL.map(Role::id).to_vec());
        assert_eq!(values::STATUSES.to_vec(), Status::ALL.map(Status::id).to_vec());
        assert!(values::NEW_STATUSES.iter().all(|s| Status::parse(s).is_some()));
        assert!(values::SCOPES.iter().all(|s| maruhi_service::Scope::parse(s).is_some()));
        assert!(values::COLLECTIONS.iter().all(|c| maruhi_service::scan::MaterialCollection::parse(c).is_some()));
        assert!(values::WATCHLISTS.iter().all(|w| maruhi_service::hr::Watchlist::from_name(w).is_some()));
    }
}
