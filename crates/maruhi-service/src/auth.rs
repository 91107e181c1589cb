//! Passwords (Argon2id), browser sessions, API tokens and login throttling.
//!
//! Session cookies and API tokens are 256-bit random values; only their
//! SHA-256 is stored, so a copy of the database does not let anyone log in.
//! A failed login takes as long whether or not the user exists and says the
//! same thing, so it never reveals which user names exist (OWASP ASVS 2.2).
//!
//! Failed logins slow guessing down without letting anyone lock a user out
//! (OWASP ASVS 2.2.1, NIST SP 800-63B §5.2.2): no account is ever locked.
//! - A client (user name and address) gets [`FREE_FAILURES_PER_CLIENT`]
//!   free failures within [`THROTTLE_WINDOW`]; after that it must wait
//!   1 s, 2 s, 4 s, … (at most [`MAX_BACKOFF`]) after its last failure
//!   before it may try again. Only that address is refused, so an attacker
//!   elsewhere cannot keep the real user out.
//! - An address gets [`FREE_FAILURES_PER_ADDR`] free failures over all
//!   user names (password spraying), then the same backoff.
//! - An account attacked from many addresses is slowed, never refused:
//!   beyond [`FREE_FAILURES_PER_ACCOUNT`] failures every attempt on it waits
//!   100 ms, 200 ms, … up to [`ACCOUNT_DELAY_CEILING`] before the password
//!   is checked.
//!
//! A successful login forgets only its own client's failures.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::Duration;

use crate::audit::{self, AuditAction, Event};
use crate::clock::format_time;
use crate::i18n::Msg;
use crate::model::Role;
use crate::{Actor, Error, Result, Service};

/// How long a browser session lasts.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// A session without requests for this long ends (NIST SP 800-63B §7.2:
/// at most 30 minutes of inactivity at AAL2).
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// How stale `last_seen_at` may get before a request refreshes it (a write
/// per request would serialise every page view on SQLite).
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// Failures within this window count towards throttling.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failures of one user name from one address before the backoff starts.
pub const FREE_FAILURES_PER_CLIENT: i64 = 3;
/// Failures from one address (any user name) before the backoff starts.
pub const FREE_FAILURES_PER_ADDR: i64 = 30;
/// The longest a client waits between attempts.
pub const MAX_BACKOFF: Duration = Duration::minutes(15);
/// Failures of one user name (any address) before attempts are slowed.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 10;
/// The longest an attempt on an attacked account is slowed.
pub const ACCOUNT_DELAY_CEILING: std::time::Duration = std::time::Duration::from_secs(2);

/// How long a client with `failures` recent failures waits after its last
/// one: nothing for the first `free`, then 1 s doubling up to [`MAX_BACKOFF`].
pub fn backoff(failures: i64, free: i64) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(20) as u32;
    Duration::seconds(1i64 << doublings).min(MAX_BACKOFF)
}

/// How long an attempt on an account with `failures` recent failures (from
/// every address) is slowed: nothing for the first
/// [`FREE_FAILURES_PER_ACCOUNT`], then 100 ms doubling up to `ceiling`.
pub fn account_delay(failures: i64, ceiling: std::time::Duration) -> std::time::Duration {
    if failures < FREE_FAILURES_PER_ACCOUNT {
        return std::time::Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES_PER_ACCOUNT).min(20) as u32;
    std::time::Duration::from_millis(100u64 << doublings).min(ceiling)
}
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn id(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// A secret string whose Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(String);

impl Credential {
    pub fn new(s: String) -> Self {
        Credential(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionInfo").field("actor", &self.actor).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(****)")
    }
}

impl std::fmt::Display for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

/// A live browser session. Its Debug output leaves out the CSRF token.
#[derive(Clone)]
pub struct SessionInfo {
    pub actor: Actor,
    pub display_name: String,
    pub csrf_token: String,
}

pub(crate) fn random_token(prefix: &str) -> Result<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf)
        .map_err(|_| Error::Store(maruhi_store::StoreError::Corrupt { what: "no randomness".into() }))?;
    Ok(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)))
}

/// `n` random bytes as lowercase hex.
pub(crate) fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf)
        .map_err(|_| Error::Store(maruhi_store::StoreError::Corrupt { what: "no randomness".into() }))?;
    Ok(hex_lower(&buf))
}

pub(crate) fn token_hash(token: &str) -> String {
    hex_lower(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|_| Error::Store(maruhi_store::StoreError::Corrupt { what: "no randomness".into() }))?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| Error::Forbidden)?;
    // Argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1): OWASP's
    // recommended minimum for interactive logins.
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| Error::Store(maruhi_store::StoreError::Corrupt { what: "password hashing failed".into() }))
}

fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A valid Argon2id hash of a random password, verified against when the user
/// does not exist so that both paths cost the same.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wXBeMPOr4Dd2S8i0c3GNSVeWwUxK7DUDvIMCv7rcBf0";

pub(crate) fn check_password_policy(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid("password", Msg::PasswordTooShort));
    }
    if is_guessable(password) {
        return Err(Error::invalid("password", Msg::PasswordGuessable));
    }
    Ok(())
}

/// The most common passwords and their bases (a short embedded list; no
/// lookup leaves the machine).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether a password of enough length is still among the first guesses
/// (NIST SP 800-63B §5.1.1.2: compare against commonly used passwords,
/// repetitive or sequential characters): all whitespace, a common password
/// with digits or punctuation added at the end, one short unit repeated
/// (`abcabcabcabc`), or a run of the keyboard, the alphabet or the digits.
pub fn is_guessable(password: &str) -> bool {
    let p = password.trim().to_lowercase();
    if p.is_empty() {
        return true;
    }
    let base = p.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace());
    let common = COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == p || l == base);
    let chars: Vec<char> = p.chars().collect();
    let repeated =
        (1..=4).any(|unit| chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]));
    let runs = ["01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm"];
    let sequential = runs.iter().any(|r| {
        let reversed: String = r.chars().rev().collect();
        r.contains(p.as_str()) || reversed.contains(p.as_str())
    });
    common || base.is_empty() || repeated || sequential
}

/// The actor name of an attempt on a user name that does not exist.
pub const UNKNOWN_USER: &str = "unknown user";

/// A login attempt names the user by id when one exists. A name that
/// matches no user may be a password typed into the wrong field: it is
/// never recorded as typed, only as a keyed digest (`username_digest`, the
/// first 16 hex digits of SHA-256 over a key derived from the installation
/// key and the name), so repeated attempts on one name can be told apart
/// without the name being readable.
fn attempt_event<'a>(attempt: &'a Actor, action: AuditAction, typed: &str, key: Option<&[u8; 32]>) -> Event<'a> {
    let summary = match (attempt.user_id, key) {
        (Some(_), _) => serde_json::json!({ "username": typed.chars().take(64).collect::<String>() }),
        (None, Some(key)) => {
            let mut h = Sha256::new();
            h.update(key);
            h.update(typed.as_bytes());
            serde_json::json!({ "username_digest": hex_lower(&h.finalize()[..8]) })
        }
        (None, None) => serde_json::json!({}),
    };
    let object = attempt.user_id.map(|id| id.to_string()).unwrap_or_else(|| "unknown".to_owned());
    Event::new(attempt, action, "user", object).summary(summary)
}

impl Service {
    /// Checks a password and opens a session. Every attempt is audited.
    pub async fn login(&self, username: &str, password: &str, remote_addr: &str) -> Result<(Credential, SessionInfo)> {
        let now = self.now();
        let since = format_time(now - THROTTLE_WINDOW);
        let username = username.trim();
        let at = format_time(now);
        // Count and provisionally record the attempt as a failure in one
        // locked transaction, before the password is checked: parallel
        // guesses then cannot all slip under the limit.
        let mut tx = self.db.begin().await?;
        tx.lock_named(&format!("login:{username}")).await?;
        let digest_key = self.scan_keys.as_deref().map(|k| &k.unknown_user);
        let failures = maruhi_store::auth::login_failures_since(tx.conn(), username, remote_addr, &since).await?;
        let found = maruhi_store::users::credentials(tx.conn(), username).await?;

        let attempt = Actor {
            user_id: found.as_ref().map(|(u, _)| u.id),
            username: match &found {
                Some((u, _)) => u.username.clone(),
                None => UNKNOWN_USER.to_owned(),
            },
            role: Role::Employee,
            scope: Scope::Read,
            remote_addr: Some(remote_addr.to_owned()),
        };
        // The client (and the address) must have waited out its backoff
        // since its last failure; a refused attempt is not a failure, so
        // waiting is always enough.
        let wait_until = |last: &Option<String>, n: i64, free: i64| {
            last.as_deref().and_then(crate::clock::parse_time).map(|t| t + backoff(n, free)).filter(|t| *t > now)
        };
        let blocked = [
            wait_until(&failures.client_last, failures.client, FREE_FAILURES_PER_CLIENT),
            wait_until(&failures.addr_last, failures.addr, FREE_FAILURES_PER_ADDR),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(until) = blocked {
            audit::record(&mut tx, &at, attempt_event(&attempt, AuditAction::AuthLoginThrottled, username, digest_key))
                .await?;
            tx.commit().await?;
            let secs = (until - now).whole_seconds().max(1) as u64;
            return Err(Error::Throttled { retry_after_secs: secs });
        }
        maruhi_store::auth::record_login_failure(tx.conn(), username, remote_addr, &at).await?;
        tx.commit().await?;
        // An account attacked from many addresses is slowed, never refused.
        let delay = account_delay(failures.account, self.login_delay_ceiling);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }

        let ok = match &found {
            Some((user, Some(hash))) => verify_password(password, hash) && !user.disabled,
            _ => {
                verify_password(password, DUMMY_HASH);
                false
            }
        };
        let mut tx = self.db.begin().await?;
        let Some((user, _)) = found.filter(|_| ok) else {
            audit::record(&mut tx, &at, attempt_event(&attempt, AuditAction::AuthLoginFailed, username, digest_key))
                .await?;
            tx.commit().await?;
            return Err(Error::BadCredentials);
        };
        let role = Role::parse(&user.role).unwrap_or(Role::Employee);
        let token = random_token("")?;
        let csrf = random_token("")?;
        maruhi_store::auth::insert_session(
            tx.conn(),
            &token_hash(&token),
            user.id,
            &csrf,
            &at,
            &format_time(now + SESSION_LIFETIME),
        )
        .await?;
        maruhi_store::auth::clear_login_failures(tx.conn(), username, remote_addr, &since).await?;
        maruhi_store::auth::purge_expired_sessions(tx.conn(), &at).await?;
        let actor = Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
            role,
            scope: Scope::Write,
            remote_addr: Some(remote_addr.to_owned()),
        };
        audit::record(&mut tx, &at, Event::new(&actor, AuditAction::AuthLogin, "user", user.id)).await?;
        tx.commit().await?;
        Ok((Credential::new(token), SessionInfo { actor, display_name: user.display_name, csrf_token: csrf }))
    }

    /// The session behind a cookie value, if it is live and its user active.
    pub async fn session(&self, cookie: &str, remote_addr: Option<&str>) -> Result<Option<SessionInfo>> {
        let now = self.now();
        let hash = token_hash(cookie);
        let idle_since = crate::clock::format_time(now - SESSION_IDLE);
        let mut conn = self.db.read().await?;
        let Some(row) =
            maruhi_store::auth::session(&mut conn, &hash, &crate::clock::format_time(now), &idle_since).await?
        else {
            return Ok(None);
        };
        let (user_id, csrf) = (row.user_id, row.csrf_token);
        if crate::clock::parse_time(&row.last_seen_at).is_none_or(|seen| now - seen >= TOUCH_EVERY) {
            drop(conn);
            let mut tx = self.db.begin().await?;
            maruhi_store::auth::touch_session(tx.conn(), &hash, &crate::clock::format_time(now)).await?;
            tx.commit().await?;
            conn = self.db.read().await?;
        }
        let Some(user) = maruhi_store::users::get(&mut conn, user_id).await?.filter(|u| !u.disabled) else {
            return Ok(None);
        };
        let actor = Actor {
            user_id: Some(user.id),
            username: user.username,
            role: Role::parse(&user.role).unwrap_or(Role::Employee),
            scope: Scope::Write,
            remote_addr: remote_addr.map(str::to_owned),
        };
        Ok(Some(SessionInfo { actor, display_name: user.display_name, csrf_token: csrf }))
    }

    /// A signed-in user changes their own password: the current one must be
    /// given (a session left open must not be enough to take the account).
    /// Every session of the user ends, this one too. Audited.
    pub async fn change_own_password(&self, actor: &Actor, current: &str, new: &str) -> Result<()> {
        let uid = actor.user_id.ok_or(Error::Forbidden)?;
        let (user, hash) = {
            let mut conn = self.db.read().await?;
            let user = maruhi_store::users::get(&mut conn, uid).await?.ok_or(Error::Unauthenticated)?;
            maruhi_store::users::credentials(&mut conn, &user.username).await?.ok_or(Error::Unauthenticated)?
        };
        if user.id != uid {
            return Err(Error::Unauthenticated);
        }
        // Argon2 is slow by design: off the async threads.
        let (typed, stored) = (current.to_owned(), hash.clone().unwrap_or_else(|| DUMMY_HASH.to_owned()));
        let matches =
            tokio::task::spawn_blocking(move || verify_password(&typed, &stored)).await.map_err(Error::task)?;
        if !matches || hash.is_none() {
            return Err(Error::invalid("current_password", Msg::WrongPassword));
        }
        if new == current {
            return Err(Error::invalid("new_password", Msg::SamePassword));
        }
        check_password_policy(new).map_err(|e| match e {
            Error::Invalid(mut f) => {
                f.iter_mut().for_each(|f| f.field = "new_password");
                Error::Invalid(f)
            }
            e => e,
        })?;
        self.set_password(actor, &user.username, new).await
    }

    pub async fn logout(&self, cookie: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.db.begin().await?;
        maruhi_store::auth::delete_session(tx.conn(), &token_hash(cookie)).await?;
        if let Some(id) = actor.user_id {
            audit::record(&mut tx, &self.now_text(), Event::new(actor, AuditAction::AuthLogout, "user", id)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The actor behind a bearer token.
    pub async fn token_actor(&self, token: &str, remote_addr: Option<&str>) -> Result<Option<Actor>> {
        if !token.starts_with("mrh_") {
            return Ok(None);
        }
        let mut conn = self.db.read().await?;
        let Some((user_id, scope)) = maruhi_store::auth::token(&mut conn, &token_hash(token)).await? else {
            return Ok(None);
        };
        let Some(user) = maruhi_store::users::get(&mut conn, user_id).await?.filter(|u| !u.disabled) else {
            return Ok(None);
        };
        Ok(Some(Actor {
            user_id: Some(user.id),
            username: user.username,
            role: Role::parse(&user.role).unwrap_or(Role::Employee),
            scope: Scope::parse(&scope).unwrap_or(Scope::Read),
            remote_addr: remote_addr.map(str::to_owned),
        }))
    }

    /// Creates an API token for `username` and returns it; it is shown once.
    /// Users create tokens for themselves; admins for anyone.
    pub async fn create_token(&self, actor: &Actor, username: &str, name: &str, scope: Scope) -> Result<Credential> {
        let mut tx = self.db.begin().await?;
        let user = maruhi_store::users::by_username(tx.conn(), username.trim())
            .await?
            .ok_or_else(|| Error::invalid("user", Msg::UnknownUser))?;
        if !(actor.role == Role::Admin || actor.user_id == Some(user.id)) || actor.scope != Scope::Write {
            return Err(Error::Forbidden);
        }
        let name = name.trim();
        let name = if name.is_empty() { "api" } else { name };
        if name.chars().count() > 100 {
            return Err(Error::invalid("name", Msg::TooLong));
        }
        let token = random_token("mrh_")?;
        let at = self.now_text();
        let id =
            maruhi_store::auth::insert_token(tx.conn(), user.id, name, &token_hash(&token), scope.id(), &at).await?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::TokenCreate, "token", id)
                .summary(serde_json::json!({"user": user.username, "name": name, "scope": scope.id()})),
        )
        .await?;
        tx.commit().await?;
        Ok(Credential::new(token))
    }

    pub async fn tokens(&self, actor: &Actor, user_id: i64) -> Result<Vec<maruhi_store::rows::TokenRow>> {
        if !(actor.role == Role::Admin || actor.user_id == Some(user_id)) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::auth::tokens_of(&mut conn, user_id).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, token_id: i64) -> Result<()> {
        if actor.scope != Scope::Write {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let owner = maruhi_store::auth::token_owner(tx.conn(), token_id).await?;
        if owner.is_none() || !(owner == actor.user_id || actor.role == Role::Admin) {
            return Err(Error::NotFound);
        }
        let at = self.now_text();
        if maruhi_store::auth::revoke_token(tx.conn(), token_id, &at).await?.is_none() {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, &at, Event::new(actor, AuditAction::TokenRevoke, "token", token_id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Compares a submitted CSRF token with the session's in constant time.
    pub fn csrf_matches(session: &SessionInfo, submitted: &str) -> bool {
        session.csrf_token.as_bytes().ct_eq(submitted.as_bytes()).into()
    }
}
