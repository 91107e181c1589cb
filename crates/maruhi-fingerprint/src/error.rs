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
    /// Stored fingerprints or a stored index are truncated, corrupt or in a
    /// format this version does not read.
    #[error("stored fingerprint data is invalid: {what}")]
    Corrupt {
        /// What was wrong, in words.
        what: &'static str,
    },
    /// Stored fingerprints were made by another version of the normalisation
    /// or hashing algorithm; their hashes are not comparable with today's, so
    /// the documents must be fingerprinted again.
    #[error("stored fingerprints were made by algorithm version {found}, this is version {current}")]
    StaleAlgorithm {
        /// The version in the data.
        found: u8,
        /// [`crate::ALGORITHM_VERSION`].
        current: u8,
    },
    /// [`crate::ReferenceSet::discount_common`] was given a grouping that
    /// does not name one group per document.
    #[error("{groups} document groups given for {documents} documents")]
    GroupsMismatch {
        /// Groups given.
        groups: usize,
        /// Documents in the set.
        documents: usize,
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
            Error::Corrupt { .. } => "MRH-FP-006",
            Error::StaleAlgorithm { .. } => "MRH-FP-007",
            Error::GroupsMismatch { .. } => "MRH-FP-008",
        }
    }
}
