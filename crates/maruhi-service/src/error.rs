//! The service layer's error type, with stable codes for users and auditors.

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
    #[error(transparent)]
    Store(#[from] maruhi_store::StoreError),
}

impl Error {
    pub fn invalid(field: &'static str, msg: Msg) -> Self {
        Error::Invalid(vec![FieldError { field, msg }])
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
            Error::Conflict(_) => 409,
            Error::Busy => 503,
            Error::Store(_) => 500,
        }
    }

    /// A one-line explanation for the user. Server errors stay opaque.
    pub fn message(&self, lang: Lang) -> String {
        let msg = match self {
            Error::Invalid(_) => Msg::InputInvalid,
            Error::NotFound => Msg::NotFound,
            Error::Forbidden => Msg::Forbidden,
            Error::Unauthenticated => Msg::LoginRequired,
            Error::BadCredentials => Msg::BadCredentials,
            Error::Throttled { .. } => Msg::Throttled,
            Error::Conflict(m) => *m,
            Error::Busy => Msg::Busy,
            Error::Store(_) => Msg::ServerError,
        };
        msg.text(lang).to_owned()
    }

    /// A 503 that says to come back is not a failure of ours.
    pub fn is_server_error(&self) -> bool {
        self.status() >= 500 && !matches!(self, Error::Busy)
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
