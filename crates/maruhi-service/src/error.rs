//! The service layer's error type, with stable codes for users and auditors.
//!
//! Every variant has a code (`MRH-AREA-NNN`) listed in `docs/codes.md`;
//! errors from the pure crates keep their own codes ([`Error::Ledger`]),
//! so a problem found by `maruhi ledger verify` or by a proof check is
//! named the same way in the CLI, the API and the logs.

use std::path::PathBuf;

use crate::i18n::{Lang, Msg};

/// A problem with one input field, explained in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    #[serde(skip)]
    pub msg: Msg,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the input is invalid")]
    Invalid(Vec<FieldError>),
    /// Also returned when the caller may not know the object exists.
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("too many failed logins; try again later")]
    Throttled { retry_after_secs: u64 },
    #[error("conflict")]
    Conflict(Msg),
    /// Every extraction slot is taken (scans and attachments are CPU work
    /// with a global cap); try again shortly. Never queued.
    #[error("the server is busy; try again shortly")]
    Busy,
    /// The data directory holds no installation: only `maruhi init` (and
    /// `demo`) create one, so a mistyped path never becomes a new one.
    #[error("no maruhi installation at {0}")]
    NoInstallation(PathBuf),
    /// `init` on a directory that already holds an installation.
    #[error("an installation already exists at {0}")]
    AlreadyInstalled(PathBuf),
    /// A key file of an existing installation is missing or unreadable. It
    /// is never replaced by a new key: that would orphan every signed
    /// checkpoint and fingerprint. Restore it from backup.
    #[error("key file {path}: {why}")]
    Key { path: PathBuf, why: String },
    /// The installation's files cannot be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The operation needs configuration this installation lacks; the
    /// message says what to set.
    #[error("not configured")]
    NotConfigured(Msg),
    /// A ledger operation failed with the library's code (`MRH-LEDGER-…`).
    #[error("{code}: {detail}")]
    Ledger { code: &'static str, detail: String },
    /// Stored evidence disagrees with itself (a node, leaf or signature does
    /// not match): a tamper signal, always logged.
    #[error("stored evidence does not verify: {0}")]
    Tampered(String),
    /// A time-stamp authority or witness failed; `detail` keeps the cause.
    #[error("{peer}: {detail}")]
    Peer { code: &'static str, peer: String, detail: String },
    /// The vault's object store failed (unreachable, refused, a file not
    /// readable); the detail names the store and the cause.
    #[error("vault: {0}")]
    Vault(String),
    /// A copy could not be marked (the format is not supported yet, or the
    /// document is malformed); nothing was handed over.
    #[error("cannot mark a copy: {0}")]
    Marking(String),
    /// What was asked would destroy evidence that a case under legal hold
    /// concerns (erasing a person's details); the cases are named by number.
    #[error("refused: under legal hold by case {cases:?}")]
    Held { cases: Vec<i64> },
    /// A failure of ours the user cannot fix (no randomness, an impossible
    /// state); the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] maruhi_store::StoreError),
}

impl Error {
    pub fn invalid(field: &'static str, msg: Msg) -> Self {
        Error::Invalid(vec![FieldError { field, msg }])
    }

    /// A blocking task (parsing, extraction, hashing) that ended without an
    /// answer (it panicked, or the runtime is shutting down): a failure of
    /// ours, logged.
    pub(crate) fn task(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("a background task failed: {e}"))
    }

    /// A ledger library error, keeping its code.
    pub(crate) fn ledger(code: &'static str, e: impl std::fmt::Display) -> Self {
        Error::Ledger { code, detail: e.to_string() }
    }

    /// The stable code shown to users, in API problem details and in logs.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "MRH-INPUT-001",
            Error::NotFound => "MRH-NOTFOUND-001",
            Error::Forbidden => "MRH-AUTHZ-001",
            Error::Unauthenticated => "MRH-AUTH-001",
            Error::BadCredentials => "MRH-AUTH-002",
            Error::Throttled { .. } => "MRH-AUTH-003",
            Error::Conflict(_) => "MRH-CONFLICT-001",
            Error::Busy => "MRH-BUSY-001",
            Error::NoInstallation(_) => "MRH-SETUP-001",
            Error::AlreadyInstalled(_) => "MRH-SETUP-002",
            Error::Key { .. } => "MRH-SETUP-003",
            Error::Io { .. } => "MRH-SETUP-004",
            Error::NotConfigured(_) => "MRH-CONFIG-001",
            Error::Ledger { code, .. } | Error::Peer { code, .. } => code,
            Error::Tampered(_) => "MRH-TAMPER-001",
            Error::Internal(_) => "MRH-INTERNAL-001",
            Error::Marking(_) => "MRH-MARK-001",
            Error::Held { .. } => "MRH-CASE-001",
            Error::Vault(_) => "MRH-VAULT-001",
            Error::Store(maruhi_store::StoreError::SchemaTooNew { .. }) => "MRH-STORE-002",
            Error::Store(_) => "MRH-STORE-001",
        }
    }

    /// The HTTP status that fits.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid(_) => 422,
            Error::NotFound => 404,
            Error::Forbidden => 403,
            Error::Unauthenticated | Error::BadCredentials => 401,
            Error::Throttled { .. } => 429,
            Error::Conflict(_) | Error::AlreadyInstalled(_) | Error::Held { .. } => 409,
            Error::Marking(_) => 415,
            Error::Busy | Error::NotConfigured(_) => 503,
            Error::Peer { .. } => 502,
            Error::NoInstallation(_)
            | Error::Key { .. }
            | Error::Io { .. }
            | Error::Ledger { .. }
            | Error::Tampered(_)
            | Error::Internal(_)
            | Error::Vault(_)
            | Error::Store(_) => 500,
        }
    }

    /// A one-line explanation for the user. Server errors stay opaque over
    /// HTTP; the operator's own (setup, keys) name the file and what to do.
    pub fn message(&self, lang: Lang) -> String {
        let msg = match self {
            Error::Invalid(_) => Msg::InputInvalid,
            Error::NotFound => Msg::NotFound,
            Error::Forbidden => Msg::Forbidden,
            Error::Unauthenticated => Msg::LoginRequired,
            Error::BadCredentials => Msg::BadCredentials,
            Error::Throttled { .. } => Msg::Throttled,
            Error::Conflict(m) | Error::NotConfigured(m) => *m,
            Error::Busy => Msg::Busy,
            Error::NoInstallation(dir) => {
                return match lang {
                    Lang::Ja => format!(
                        "{} に maruhi のインストールがありません。新しく作るには `maruhi init` を実行してください（--data-dir の綴りも確認してください）。",
                        dir.display()
                    ),
                    Lang::En => format!(
                        "no maruhi installation at {}; run `maruhi init` to create one (or check the spelling of --data-dir)",
                        dir.display()
                    ),
                }
            }
            Error::AlreadyInstalled(dir) => {
                return match lang {
                    Lang::Ja => format!("{} にはすでにインストールがあります。", dir.display()),
                    Lang::En => format!("an installation already exists at {}", dir.display()),
                }
            }
            Error::Key { path, why } => {
                return match lang {
                    Lang::Ja => format!(
                        "鍵ファイル {} を使えません（{why}）。新しい鍵では署名済みの証跡と照合できないため、作り直しません。バックアップから復元してください。",
                        path.display()
                    ),
                    Lang::En => format!(
                        "the key file {} cannot be used ({why}); it is never replaced by a new key, which would break every signed checkpoint: restore it from backup",
                        path.display()
                    ),
                }
            }
            Error::Io { what, path, source } => return format!("{what} {}: {source}", path.display()),
            Error::Held { cases } => {
                let list = cases.iter().map(|c| format!("No.{c}")).collect::<Vec<_>>().join(", ");
                return match lang {
                    Lang::Ja => format!("訴訟ホールド中の事案（{list}）の対象のため実行できません。ホールドの解除後に行ってください。"),
                    Lang::En => format!("refused: case {list} is under legal hold and concerns this; release the hold first"),
                };
            }
            Error::Peer { peer, detail, .. } => return format!("{peer}: {detail}"),
            Error::Marking(why) => {
                return match lang {
                    Lang::Ja => format!("この形式にはまだ複製番号を入れられません（{why}）。テキスト、DOCX、XLSX、PPTX に対応しています。"),
                    Lang::En => format!("copies of this format cannot be marked yet ({why}); text, DOCX, XLSX and PPTX can"),
                }
            }
            Error::Ledger { .. } | Error::Tampered(_) | Error::Internal(_) | Error::Vault(_) | Error::Store(_) => {
                Msg::ServerError
            }
        };
        msg.text(lang).to_owned()
    }

    /// A failure of ours, logged with an operation id. A 503 that says to
    /// come back is not one; a missing setting is the operator's to fix.
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500 && !matches!(self, Error::Busy | Error::NotConfigured(_))
    }

    /// Seconds after which the request may be retried (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::Busy => Some(crate::BUSY_RETRY_AFTER_SECS),
            Error::Throttled { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The `MRH-AREA-NNN` codes in a text.
    fn codes(text: &str) -> impl Iterator<Item = &str> {
        text.match_indices("MRH-").filter_map(|(i, _)| {
            let rest = &text[i..];
            let end = rest.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'))?;
            let code = &rest[..end];
            let n = code.rsplit('-').next()?;
            (n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit())).then_some(code)
        })
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !matches!(path.file_name().and_then(|n| n.to_str()), Some("tests" | "target" | "fuzz" | "benches")) {
                    sources(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every code in the source is in docs/codes.md once, and every code
    /// there is used.
    #[test]
    fn codes_are_registered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let registry = std::fs::read_to_string(root.join("docs/codes.md")).expect("docs/codes.md");
        let mut listed = BTreeMap::<&str, usize>::new();
        for line in registry.lines().filter(|l| l.starts_with("| MRH-")) {
            if let Some(code) = codes(line).next() {
                *listed.entry(code).or_default() += 1;
            }
        }
        let twice: Vec<_> = listed.iter().filter(|(_, n)| **n > 1).map(|(c, _)| *c).collect();
        assert!(twice.is_empty(), "listed more than once in docs/codes.md: {twice:?}");
        let mut files = Vec::new();
        sources(&root.join("crates"), &mut files);
        let mut used = BTreeSet::new();
        for f in &files {
            let text = std::fs::read_to_string(f).expect("source");
            used.extend(codes(&text).map(str::to_owned));
        }
        let unlisted: Vec<_> = used.iter().filter(|c| !listed.contains_key(c.as_str())).collect();
        assert!(unlisted.is_empty(), "codes used but not in docs/codes.md: {unlisted:?}");
        let unused: Vec<_> = listed.keys().filter(|c| !used.contains(**c)).collect();
        assert!(unused.is_empty(), "codes in docs/codes.md that nothing uses: {unused:?}");
    }
}
