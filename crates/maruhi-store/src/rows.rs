//! Plain rows as stored. The service layer turns them into domain types.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub department: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: String,
    pub member_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecretRow {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub category: String,
    pub level: String,
    pub department: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub status: String,
    pub status_reason: String,
    pub review_date: Option<String>,
    pub locations: Vec<String>,
    pub marks: Vec<String>,
    pub agreements: Vec<String>,
    pub tags: Vec<String>,
    pub usefulness: String,
    pub non_public: String,
    pub secrecy_mgmt: String,
    pub handling_rules: String,
    pub rules_version: i64,
    pub revision: i64,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRow {
    pub principal_kind: String,
    pub principal_id: i64,
    /// The user's display name or the group's name.
    pub name: String,
    pub granted_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRow {
    pub user_id: i64,
    pub username: String,
    pub rules_version: i64,
    pub acknowledged_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: String,
    pub remote_addr: Option<String>,
    /// The event's leaf index in the evidence ledger (None before schema 3).
    pub ledger_index: Option<i64>,
    /// Hex salt of the personal-data commitment; None once erased.
    pub salt: Option<String>,
    /// Hex SHA-256 commitment to the personal details.
    pub commitment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scope: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}
