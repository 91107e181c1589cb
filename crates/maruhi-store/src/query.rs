//! A small builder for SQL with numbered parameters (`$1`, `$2`, …), the
//! placeholder form both PostgreSQL and sqlx's SQLite driver accept.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
    OptInt(Option<i64>),
    OptText(Option<String>),
    Blob(Vec<u8>),
    Float(f64),
}

#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
    /// Anonymous `?` placeholders instead of `$n` (see [`Sql::rows_for`]).
    anonymous: bool,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql { text: text.to_owned(), args: Vec::new(), anonymous: false }
    }

    /// A multi-row statement for `conn`, every parameter through
    /// [`bind`](Self::bind) in order: on SQLite its placeholders are
    /// anonymous (`?`), which sqlx binds in linear time (a `$n` is found by
    /// name, a linear search per parameter), so a statement can carry
    /// `PARAMS_PER_STATEMENT` (1,000) parameters.
    pub fn rows_for(conn: &sqlx::AnyConnection, text: &str) -> Self {
        Sql { text: text.to_owned(), args: Vec::new(), anonymous: is_sqlite(conn) }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        if self.anonymous {
            self.text.push('?');
        } else {
            let n = self.args.len();
            self.text.push('$');
            self.text.push_str(&n.to_string());
        }
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Int(i) => q.bind(*i),
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::OptInt(i) => q.bind(*i),
                Arg::OptText(s) => q.bind(s.as_deref()),
                Arg::Blob(b) => q.bind(b.as_slice()),
                Arg::Float(f) => q.bind(*f),
            };
        }
        q
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Float(v)
    }
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Blob(v)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::OptInt(v)
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::OptText(v.map(str::to_owned))
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern matching
/// `needle` anywhere. Case folding is left to the database's `LOWER()`.
pub fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Inserts `items`, one row of `N` parameters each (`row`), with multi-row
/// statements `head (…), (…) tail` of [`PARAMS_PER_STATEMENT`] parameters
/// ([`Sql::rows_for`]). `head` ends with `VALUES `; `tail` may add an
/// `ON CONFLICT` clause. Returns the rows inserted.
pub(crate) async fn insert_rows<T, const N: usize>(
    conn: &mut sqlx::AnyConnection,
    head: &str,
    tail: &str,
    items: &[T],
    row: impl Fn(&T) -> [Arg; N],
) -> crate::Result<u64> {
    let mut inserted = 0;
    for chunk in items.chunks(rows_per_statement(N)) {
        let mut sql = Sql::rows_for(conn, head);
        for (i, item) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            for (k, arg) in row(item).into_iter().enumerate() {
                if k > 0 {
                    sql.push(", ");
                }
                sql.bind(arg);
            }
            sql.push(")");
        }
        sql.push(tail);
        inserted += sql.query().execute(&mut *conn).await.map_err(crate::StoreError::from_write)?.rows_affected();
    }
    Ok(inserted)
}

pub(crate) fn is_sqlite(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == "SQLite"
}

/// Parameters per multi-row statement built with [`Sql::rows_for`]. On
/// SQLite, with anonymous placeholders, larger statements only save round
/// trips to sqlx's worker thread (`$n` placeholders would make binding
/// quadratic: an import spent half its time there at 3,000 parameters); on
/// PostgreSQL a statement is parsed and planned once per size, so the same
/// size serves both.
pub(crate) const PARAMS_PER_STATEMENT: usize = 1_000;

/// Rows per multi-row statement for rows of `params` parameters.
const fn rows_per_statement(params: usize) -> usize {
    let rows = PARAMS_PER_STATEMENT / params;
    if rows == 0 {
        1
    } else {
        rows
    }
}
