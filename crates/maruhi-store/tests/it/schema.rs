//! Both backends' migrations build the same schema: the same tables, the same
//! columns (with the same nullability and primary keys, and types that differ
//! only as the dialects do), the same indexes and the same foreign keys.

use std::collections::BTreeSet;

use maruhi_store::Db;
use sqlx::Row;

/// A column: table, name, type class, not null, part of the primary key.
type Column = (String, String, &'static str, bool, bool);

/// An index: table, key columns, unique. Names are compared separately for
/// the indexes the migrations name (PostgreSQL and SQLite name the indexes
/// behind UNIQUE constraints differently).
type Index = (String, String, bool);

/// The dialects' spellings of one type. SQLite's STRICT tables know INTEGER,
/// REAL, TEXT, BLOB and ANY; PostgreSQL's migrations use BIGINT for every
/// integer (INTEGER where a value is known to be small), DOUBLE PRECISION,
/// TEXT (with collation "C" for ids, names and dates) and BYTEA.
fn class(ty: &str) -> &'static str {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "smallint" => "integer",
        "real" | "double precision" => "real",
        "text" => "text",
        "blob" | "bytea" => "blob",
        _ => "other",
    }
}

/// A foreign key: table, column, referenced table, referenced column.
type ForeignKey = (String, String, String, String);

struct Schema {
    tables: BTreeSet<String>,
    columns: BTreeSet<Column>,
    indexes: BTreeSet<Index>,
    index_names: BTreeSet<String>,
    foreign_keys: BTreeSet<ForeignKey>,
}

async fn sqlite_schema(db: &Db) -> Schema {
    let mut conn = db.read().await.unwrap();
    let tables: BTreeSet<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("name"))
            .collect();
    let mut columns = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    let mut index_names = BTreeSet::new();
    let mut foreign_keys = BTreeSet::new();
    for t in &tables {
        for r in sqlx::query("SELECT \"table\" AS rt, \"from\" AS col, \"to\" AS rc FROM pragma_foreign_key_list($1)")
            .bind(t)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        {
            foreign_keys.insert((t.clone(), r.get("col"), r.get("rt"), r.get("rc")));
        }
        for r in sqlx::query("SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info($1)")
            .bind(t)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        {
            let pk = r.get::<i64, _>("pk") > 0;
            // An INTEGER PRIMARY KEY is the rowid: never null, though the
            // pragma does not say so.
            let not_null = r.get::<i64, _>("nn") != 0 || pk;
            columns.insert((t.clone(), r.get("name"), class(&r.get::<String, _>("type")), not_null, pk));
        }
        for r in sqlx::query("SELECT name, \"unique\" AS uq, origin FROM pragma_index_list($1)")
            .bind(t)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        {
            let name: String = r.get("name");
            let origin: String = r.get("origin");
            if origin == "pk" {
                continue;
            }
            let cols: Vec<String> = sqlx::query("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&name)
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .iter()
                .map(|c| c.try_get::<String, _>("name").unwrap_or_else(|_| "<expression>".into()))
                .collect();
            indexes.insert((t.clone(), cols.join(","), r.get::<i64, _>("uq") != 0));
            if origin == "c" {
                index_names.insert(name);
            }
        }
    }
    Schema { tables, columns, indexes, index_names, foreign_keys }
}

async fn postgres_schema(db: &Db) -> Schema {
    let mut conn = db.read().await.unwrap();
    let tables: BTreeSet<String> = sqlx::query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let mut columns = BTreeSet::new();
    for r in sqlx::query(
        "SELECT c.table_name::text AS t, c.column_name::text AS name, c.data_type::text AS ty, \
                c.is_nullable::text AS nullable, \
                (EXISTS (SELECT 1 FROM information_schema.table_constraints tc \
                         JOIN information_schema.key_column_usage k \
                           ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema \
                         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public' \
                           AND k.table_name = c.table_name AND k.column_name = c.column_name))::text AS pk \
         FROM information_schema.columns c WHERE c.table_schema = 'public'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    {
        columns.insert((
            r.get("t"),
            r.get("name"),
            class(&r.get::<String, _>("ty")),
            r.get::<String, _>("nullable") == "NO",
            r.get::<String, _>("pk") == "true",
        ));
    }
    let mut indexes = BTreeSet::new();
    let mut index_names = BTreeSet::new();
    for r in sqlx::query(
        "SELECT t.relname::text AS t, i.relname::text AS name, ix.indisunique::text AS uq, \
                ix.indisprimary::text AS pk, \
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)::text AS constraint_index, \
                (SELECT string_agg(pg_get_indexdef(ix.indexrelid, k, true), ',' ORDER BY k) \
                 FROM generate_series(1, ix.indnkeyatts) k) AS cols \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    {
        if r.get::<String, _>("pk") == "true" {
            continue;
        }
        // Column collations are the table's business; an index names one
        // only where it differs.
        let cols = r.get::<String, _>("cols").replace(" COLLATE \"C\"", "");
        indexes.insert((r.get("t"), cols, r.get::<String, _>("uq") == "true"));
        if r.get::<String, _>("constraint_index") == "false" {
            index_names.insert(r.get("name"));
        }
    }
    let foreign_keys = sqlx::query(
        "SELECT k.table_name::text AS t, k.column_name::text AS col, \
                u.table_name::text AS rt, u.column_name::text AS rc \
         FROM information_schema.referential_constraints r \
         JOIN information_schema.key_column_usage k \
           ON k.constraint_name = r.constraint_name AND k.constraint_schema = r.constraint_schema \
         JOIN information_schema.key_column_usage u \
           ON u.constraint_name = r.unique_constraint_name AND u.constraint_schema = r.unique_constraint_schema \
          AND u.ordinal_position = k.position_in_unique_constraint \
         WHERE r.constraint_schema = 'public'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("t"), r.get("col"), r.get("rt"), r.get("rc")))
    .collect();
    Schema { tables, columns, indexes, index_names, foreign_keys }
}

fn differences<T: Ord + std::fmt::Debug>(what: &str, sqlite: &BTreeSet<T>, pg: &BTreeSet<T>, out: &mut Vec<String>) {
    for x in sqlite.difference(pg) {
        out.push(format!("{what} only on SQLite: {x:?}"));
    }
    for x in pg.difference(sqlite) {
        out.push(format!("{what} only on PostgreSQL: {x:?}"));
    }
}

#[tokio::test]
async fn both_backends_migrate_to_the_same_schema() {
    let sqlite = Db::connect(&maruhi_store::testing::fresh_sqlite()).await.unwrap();
    sqlite.migrate().await.unwrap();
    let url = maruhi_store::testing::fresh_postgres().await.expect("PostgreSQL test server on 127.0.0.1:5432");
    let pg = Db::connect(&url).await.unwrap();
    pg.migrate().await.unwrap();
    let (s, p) = (sqlite_schema(&sqlite).await, postgres_schema(&pg).await);
    assert!(s.tables.len() > 10, "introspection found the tables: {:?}", s.tables);
    assert!(s.indexes.len() > 5, "introspection found the indexes: {:?}", s.indexes);
    assert!(s.foreign_keys.len() > 3, "introspection found the foreign keys: {:?}", s.foreign_keys);
    let mut out = Vec::new();
    differences("table", &s.tables, &p.tables, &mut out);
    differences("column", &s.columns, &p.columns, &mut out);
    differences("index", &s.indexes, &p.indexes, &mut out);
    differences("index name", &s.index_names, &p.index_names, &mut out);
    differences("foreign key", &s.foreign_keys, &p.foreign_keys, &mut out);
    assert!(out.is_empty(), "the backends' schemas differ:\n{}", out.join("\n"));
}
