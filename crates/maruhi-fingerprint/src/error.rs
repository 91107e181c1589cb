//! The crate's error type.

/// Everything that can go wrong in this crate. Each variant has a stable code
/// (see [`Error::code`]) for logs, findings and evidence packages.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The builder was not given an installation key.
    #[error("fingerprinter has no installation key")]
    MissingKey,
    /// A parameter is outside its allowed range.
    #[error("parameter {name} = {value} is out of range ({expected})")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: usize,
        /// The allowed range, in words.
        expected: &'static str,
    },
    /// A document is longer than positions can address.
    #[error("document of {len} bytes exceeds the limit of {max} bytes")]
    DocumentTooLarge {
        /// The document's length in bytes.
        len: usize,
        /// The limit in bytes.
        max: usize,
    },
    /// Fingerprints made with another key or other parameters were mixed in;
    /// their hashes are not comparable.
    #[error("fingerprints were made with a different key or parameters")]
    IncompatibleParameters,
    /// The reference set cannot address more documents or entries.
    #[error("reference set is full ({max} entries)")]
    ReferenceSetFull {
        /// The limit.
        max: usize,
    },
}

impl Error {
    /// The stable code of this error, as shown to users and auditors.
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingKey => "MRH-FP-001",
            Error::InvalidParameter { .. } => "MRH-FP-002",
            Error::DocumentTooLarge { .. } => "MRH-FP-003",
            Error::IncompatibleParameters => "MRH-FP-004",
            Error::ReferenceSetFull { .. } => "MRH-FP-005",
        }
    }
}
