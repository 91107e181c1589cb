//! The register of secrets (営業秘密管理台帳).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::query::{like_pattern, Sql};
use crate::rows::SecretRow;
use crate::{json_list, to_json_list, Result};

const SELECT: &str = "SELECT s.id, s.title, s.summary, s.category, s.level, s.department, s.manager_id, \
     u.display_name AS manager_name, s.status, s.status_reason, s.review_date, s.locations, s.marks, \
     s.agreements, s.tags, s.usefulness, s.non_public, s.secrecy_mgmt, s.handling_rules, s.rules_version, \
     s.revision, s.created_by, s.created_at, s.updated_at \
     FROM secrets s LEFT JOIN users u ON u.id = s.manager_id";

fn decode(r: &AnyRow) -> Result<SecretRow> {
    Ok(SecretRow {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        summary: r.try_get("summary")?,
        category: r.try_get("category")?,
        level: r.try_get("level")?,
        department: r.try_get("department")?,
        manager_id: r.try_get("manager_id")?,
        manager_name: r.try_get("manager_name")?,
        status: r.try_get("status")?,
        status_reason: r.try_get("status_reason")?,
        review_date: r.try_get("review_date")?,
        locations: json_list(&r.try_get::<String, _>("locations")?, "locations")?,
        marks: json_list(&r.try_get::<String, _>("marks")?, "marks")?,
        agreements: json_list(&r.try_get::<String, _>("agreements")?, "agreements")?,
        tags: json_list(&r.try_get::<String, _>("tags")?, "tags")?,
        usefulness: r.try_get("usefulness")?,
        non_public: r.try_get("non_public")?,
        secrecy_mgmt: r.try_get("secrecy_mgmt")?,
        handling_rules: r.try_get("handling_rules")?,
        rules_version: r.try_get("rules_version")?,
        revision: r.try_get("revision")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Inserts a secret; `id`, `manager_name` and `revision` of `s` are ignored.
pub async fn insert(conn: &mut AnyConnection, s: &SecretRow) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO secrets (title, summary, category, level, department, manager_id, status, status_reason, \
         review_date, locations, marks, agreements, tags, usefulness, non_public, secrecy_mgmt, handling_rules, \
         rules_version, revision, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $20, $21) \
         RETURNING id",
    )
    .bind(s.title.as_str())
    .bind(s.summary.as_str())
    .bind(s.category.as_str())
    .bind(s.level.as_str())
    .bind(s.department.as_str())
    .bind(s.manager_id)
    .bind(s.status.as_str())
    .bind(s.status_reason.as_str())
    .bind(s.review_date.as_deref())
    .bind(to_json_list(&s.locations))
    .bind(to_json_list(&s.marks))
    .bind(to_json_list(&s.agreements))
    .bind(to_json_list(&s.tags))
    .bind(s.usefulness.as_str())
    .bind(s.non_public.as_str())
    .bind(s.secrecy_mgmt.as_str())
    .bind(s.handling_rules.as_str())
    .bind(s.rules_version)
    .bind(s.created_by)
    .bind(s.created_at.as_str())
    .bind(s.updated_at.as_str())
    .fetch_one(conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Writes every editable field of `s` when the stored revision is still
/// `s.revision`, and bumps the revision. Returns false on a lost update.
pub async fn update(conn: &mut AnyConnection, s: &SecretRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE secrets SET title = $1, summary = $2, category = $3, level = $4, department = $5, manager_id = $6, \
         status = $7, status_reason = $8, review_date = $9, locations = $10, marks = $11, agreements = $12, \
         tags = $13, usefulness = $14, non_public = $15, secrecy_mgmt = $16, handling_rules = $17, \
         rules_version = $18, updated_at = $19, revision = revision + 1 WHERE id = $20 AND revision = $21",
    )
    .bind(s.title.as_str())
    .bind(s.summary.as_str())
    .bind(s.category.as_str())
    .bind(s.level.as_str())
    .bind(s.department.as_str())
    .bind(s.manager_id)
    .bind(s.status.as_str())
    .bind(s.status_reason.as_str())
    .bind(s.review_date.as_deref())
    .bind(to_json_list(&s.locations))
    .bind(to_json_list(&s.marks))
    .bind(to_json_list(&s.agreements))
    .bind(to_json_list(&s.tags))
    .bind(s.usefulness.as_str())
    .bind(s.non_public.as_str())
    .bind(s.secrecy_mgmt.as_str())
    .bind(s.handling_rules.as_str())
    .bind(s.rules_version)
    .bind(s.updated_at.as_str())
    .bind(s.id)
    .bind(s.revision)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<SecretRow>> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(conn).await?.as_ref().map(decode).transpose()
}

/// Appends the need-to-know condition: `viewer` manages the secret, or is on
/// its access list directly or through a group.
///
/// Written as `id IN (… UNION …)` rather than a disjunction so that both
/// PostgreSQL and SQLite first collect the viewer's few ids from the
/// principal indexes and then fetch those rows, instead of testing every
/// secret of the register (33 ms against 0.3 ms over 100,000 secrets).
pub fn push_visible_to(sql: &mut Sql, viewer: i64) {
    sql.push(
        "s.id IN (SELECT a.secret_id FROM secret_access a \
         WHERE a.principal_kind = 'user' AND a.principal_id = ",
    )
    .bind(viewer)
    .push(
        " UNION SELECT a.secret_id FROM secret_access a JOIN group_members m ON m.group_id = a.principal_id \
         WHERE a.principal_kind = 'group' AND m.user_id = ",
    )
    .bind(viewer)
    .push(" UNION SELECT x.id FROM secrets x WHERE x.manager_id = ")
    .bind(viewer)
    .push(")");
}

/// Whether `viewer` may see secret `id` under need-to-know alone.
pub async fn is_visible_to(conn: &mut AnyConnection, id: i64, viewer: i64) -> Result<bool> {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM secrets s WHERE s.id = ");
    sql.bind(id).push(" AND ");
    push_visible_to(&mut sql, viewer);
    Ok(sql.query().fetch_one(conn).await?.try_get::<i64, _>("n")? > 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Updated,
    Title,
    Level,
    Status,
    Review,
    Id,
}

/// What the register list asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `None` sees the whole register; `Some(user)` applies need-to-know.
    pub viewer: Option<i64>,
    pub text: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub category: Option<String>,
    pub department: Option<String>,
    pub review_due_by: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

fn push_filters(sql: &mut Sql, q: &ListQuery) {
    sql.push(" WHERE 1 = 1");
    if let Some(viewer) = q.viewer {
        sql.push(" AND ");
        push_visible_to(sql, viewer);
    }
    if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
        let p = like_pattern(text);
        // Both sides go through the database's own LOWER(), so case folding is
        // the same for text and pattern on each backend (SQLite folds ASCII
        // only; PostgreSQL folds by its locale).
        sql.push(" AND (LOWER(s.title) LIKE LOWER(")
            .bind(p.clone())
            .push(") ESCAPE '\\' OR LOWER(s.summary) LIKE LOWER(")
            .bind(p.clone())
            .push(") ESCAPE '\\' OR LOWER(s.tags) LIKE LOWER(")
            .bind(p.clone())
            .push(") ESCAPE '\\' OR LOWER(s.department) LIKE LOWER(")
            .bind(p)
            .push(") ESCAPE '\\')");
    }
    for (col, val) in
        [("s.level", &q.level), ("s.status", &q.status), ("s.category", &q.category), ("s.department", &q.department)]
    {
        if let Some(v) = val.as_deref().filter(|v| !v.is_empty()) {
            sql.push(" AND ").push(col).push(" = ").bind(v);
        }
    }
    if let Some(d) = q.review_due_by.as_deref() {
        sql.push(" AND s.review_date IS NOT NULL AND s.review_date <= ").bind(d);
        sql.push(" AND s.status IN ('draft', 'registered')");
    }
}

/// How many rows match the filters (limit and offset are ignored).
pub async fn count(conn: &mut AnyConnection, q: &ListQuery) -> Result<i64> {
    let mut count = Sql::new("SELECT COUNT(*) AS n FROM secrets s");
    push_filters(&mut count, q);
    Ok(count.query().fetch_one(conn).await?.try_get("n")?)
}

/// One page of the register.
pub async fn page(conn: &mut AnyConnection, q: &ListQuery) -> Result<Vec<SecretRow>> {
    let mut sql = Sql::new(SELECT);
    push_filters(&mut sql, q);
    let dir = if q.descending { "DESC" } else { "ASC" };
    let order = match q.sort {
        SortKey::Updated => format!("s.updated_at {dir}, s.id {dir}"),
        SortKey::Title => format!("s.title {dir}, s.id {dir}"),
        SortKey::Level => format!("(SELECT l.rank FROM levels l WHERE l.name = s.level) {dir}, s.id {dir}"),
        SortKey::Status => format!("s.status {dir}, s.id {dir}"),
        // NULLs last on both backends (SQLite and PostgreSQL disagree otherwise).
        SortKey::Review => format!("s.review_date IS NULL, s.review_date {dir}, s.id {dir}"),
        SortKey::Id => format!("s.id {dir}"),
    };
    sql.push(" ORDER BY ").push(&order).push(" LIMIT ").bind(q.limit).push(" OFFSET ").bind(q.offset);
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

/// Counts of visible secrets by (level, status).
pub async fn counts(conn: &mut AnyConnection, viewer: Option<i64>) -> Result<Vec<(String, String, i64)>> {
    let mut sql = Sql::new("SELECT s.level, s.status, COUNT(*) AS n FROM secrets s");
    push_filters(&mut sql, &ListQuery { viewer, ..ListQuery::default() });
    sql.push(" GROUP BY s.level, s.status");
    let rows = sql.query().fetch_all(conn).await?;
    rows.iter().map(|r| Ok((r.try_get("level")?, r.try_get("status")?, r.try_get("n")?))).collect()
}

/// Departments in use, for the filter list.
///
/// Walks the department index from one distinct value to the next (a
/// "loose index scan"), so the cost grows with the number of departments,
/// not of secrets, on both SQLite and PostgreSQL.
pub async fn departments(conn: &mut AnyConnection, viewer: Option<i64>) -> Result<Vec<String>> {
    if let Some(viewer) = viewer {
        let mut sql = Sql::new("SELECT DISTINCT s.department FROM secrets s WHERE s.department <> '' AND ");
        push_visible_to(&mut sql, viewer);
        sql.push(" ORDER BY s.department");
        let rows = sql.query().fetch_all(conn).await?;
        return rows.iter().map(|r| Ok(r.try_get("department")?)).collect();
    }
    let rows = sqlx::query(
        "WITH RECURSIVE d(department) AS ( \
           SELECT MIN(department) FROM secrets WHERE department > '' \
           UNION ALL \
           SELECT (SELECT MIN(s.department) FROM secrets s WHERE s.department > d.department) \
           FROM d WHERE d.department IS NOT NULL \
         ) SELECT department FROM d WHERE department IS NOT NULL ORDER BY department",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("department")?)).collect()
}
