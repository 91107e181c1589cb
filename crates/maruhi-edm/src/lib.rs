//! Exact data match (EDM): find rows of a customer database in any text,
//! without keeping the database.
//!
//! A CSV export is read once, in a stream ([`index::build`]); every cell is
//! normalised by its column's type ([`normalize`], Japanese-aware: 全角,
//! hyphens, `+81`, 和暦, 漢数字 and 丁目/番地/号 in addresses, old kanji forms
//! in names) and kept only as a short keyed hash, so the index file holds
//! no plain value and no unkeyed hash. The [`Matcher`] looks for a primary
//! element (a phone number, an e-mail address, an id) in extracted text and
//! reports a row when at least one more cell of that row is near it.
//!
//! ```no_run
//! use maruhi_edm::{index, Dataset, Key, Matcher, schema::Declared};
//! # fn main() -> Result<(), maruhi_edm::Error> {
//! let key = Key::from_bytes([7; 32]);
//! let csv = std::fs::File::open("customers.csv")?;
//! let out = std::path::Path::new("customers.edm");
//! index::build(csv, index::Encoding::Auto, &Declared::default(), &key, [1; 16], None, out)?;
//! let index = index::Index::load(out, &key)?;
//! let m = Matcher::new(vec![Dataset { name: "顧客".into(), secret_id: None, index }]);
//! for found in m.find("山田太郎様 090-1234-5678") {
//!     println!("{} rows of {}", found.rows, found.dataset);
//! }
//! # Ok(()) }
//! ```

pub mod index;
pub mod matcher;
pub mod normalize;
pub mod schema;

/// SHA-256, for the fuzz target that repairs an index file's checksum.
#[doc(hidden)]
pub fn __sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

pub use index::{BuildStats, Delta, Encoding, Index, Key};
pub use matcher::{Dataset, Match, Matcher, Severity};
pub use schema::{Column, ColumnType, Declared, NamePart, Schema};

/// What can go wrong building or loading an index. Messages never contain
/// the data's values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the CSV export has no header row")]
    Empty,
    #[error("CSV line {line}: {message}")]
    Csv { line: usize, message: String },
    #[error("schema (line {line}): {message}")]
    Schema { line: usize, message: String },
    #[error("no column can be primary: a phone, e-mail or id column is needed (or declare one)")]
    NoPrimary,
    #[error("the index file is damaged")]
    Corrupt,
    #[error("the index file was built under another key")]
    WrongKey,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}
