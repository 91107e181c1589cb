//! Domain types of the register.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// What a user is in the organisation; decides what they may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Legal,
    Analyst,
    Auditor,
    Employee,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Admin, Role::Manager, Role::Legal, Role::Analyst, Role::Auditor, Role::Employee];

    pub fn id(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Legal => "legal",
            Role::Analyst => "analyst",
            Role::Auditor => "auditor",
            Role::Employee => "employee",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::Admin, Lang::Ja) => "システム管理者",
            (Role::Admin, Lang::En) => "Administrator",
            (Role::Manager, Lang::Ja) => "管理責任者",
            (Role::Manager, Lang::En) => "Secret owner",
            (Role::Legal, Lang::Ja) => "知財・法務",
            (Role::Legal, Lang::En) => "Legal / IP",
            (Role::Analyst, Lang::Ja) => "セキュリティ分析担当",
            (Role::Analyst, Lang::En) => "Security analyst",
            (Role::Auditor, Lang::Ja) => "監査担当",
            (Role::Auditor, Lang::En) => "Auditor",
            (Role::Employee, Lang::Ja) => "従業員",
            (Role::Employee, Lang::En) => "Employee",
        }
    }
}

/// The categories of trade secrets METI's guidelines distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Drawing,
    Process,
    Mold,
    SourceCode,
    ExperimentData,
    Research,
    Customer,
    Sales,
    Supplier,
    Finance,
    Personnel,
    Other,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Drawing,
        Category::Process,
        Category::Mold,
        Category::SourceCode,
        Category::ExperimentData,
        Category::Research,
        Category::Customer,
        Category::Sales,
        Category::Supplier,
        Category::Finance,
        Category::Personnel,
        Category::Other,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Category::Drawing => "drawing",
            Category::Process => "process",
            Category::Mold => "mold",
            Category::SourceCode => "source_code",
            Category::ExperimentData => "experiment_data",
            Category::Research => "research",
            Category::Customer => "customer",
            Category::Sales => "sales",
            Category::Supplier => "supplier",
            Category::Finance => "finance",
            Category::Personnel => "personnel",
            Category::Other => "other",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        let (ja, en) = self.labels();
        match lang {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Category::Drawing => ("設計図", "Design drawings"),
            Category::Process => ("製造プロセス・作業工程書", "Manufacturing process"),
            Category::Mold => ("金型", "Molds and dies"),
            Category::SourceCode => ("ソースコード", "Source code"),
            Category::ExperimentData => ("実験データ", "Experimental data"),
            Category::Research => ("研究開発情報", "R&D information"),
            Category::Customer => ("顧客情報", "Customer information"),
            Category::Sales => ("営業・販売情報", "Sales information"),
            Category::Supplier => ("仕入先情報", "Supplier information"),
            Category::Finance => ("経営・財務情報", "Management and finance"),
            Category::Personnel => ("人事情報", "Personnel information"),
            Category::Other => ("その他", "Other"),
        }
    }

    /// Accepts the id or either label.
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL.into_iter().find(|c| {
            let (ja, en) = c.labels();
            c.id() == s || ja == s || en.eq_ignore_ascii_case(s)
        })
    }
}

/// A secret's life: draft → registered → retired or disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Registered,
    Retired,
    Disclosed,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Draft, Status::Registered, Status::Retired, Status::Disclosed];

    pub fn id(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Registered => "registered",
            Status::Retired => "retired",
            Status::Disclosed => "disclosed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.id() == s.trim())
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Draft, Lang::Ja) => "下書き",
            (Status::Draft, Lang::En) => "Draft",
            (Status::Registered, Lang::Ja) => "登録済み",
            (Status::Registered, Lang::En) => "Registered",
            (Status::Retired, Lang::Ja) => "管理終了",
            (Status::Retired, Lang::En) => "Retired",
            (Status::Disclosed, Lang::Ja) => "公開済み",
            (Status::Disclosed, Lang::En) => "Disclosed",
        }
    }

    /// Allowed transitions. Disclosed is final: once public, information can
    /// never again be a trade secret (it fails 非公知性).
    pub fn can_become(self, next: Status) -> bool {
        matches!(
            (self, next),
            (Status::Draft, Status::Registered)
                | (Status::Draft, Status::Retired)
                | (Status::Registered, Status::Retired)
                | (Status::Registered, Status::Disclosed)
                | (Status::Retired, Status::Registered)
        )
    }

    /// Whether changing into this status needs a recorded reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Status::Retired | Status::Disclosed)
    }
}

/// A user or a group on an access list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub kind: PrincipalKind,
    pub id: i64,
    pub name: String,
    pub granted_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    User,
    Group,
}

impl PrincipalKind {
    pub fn id(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        }
    }
}

/// A user named on the API: their id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

/// Notes on the three legal requirements of a trade secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalNotes {
    #[serde(default)]
    pub usefulness: String,
    #[serde(default)]
    pub non_public: String,
    #[serde(default)]
    pub secrecy_management: String,
}

/// A register entry as users see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Secret {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub category: Category,
    pub level: String,
    pub department: String,
    pub manager: Option<UserRef>,
    pub status: Status,
    pub status_reason: String,
    pub review_date: Option<String>,
    pub locations: Vec<String>,
    pub marks: Vec<String>,
    pub agreements: Vec<String>,
    pub tags: Vec<String>,
    pub notes: LegalNotes,
    pub handling_rules: String,
    pub rules_version: i64,
    pub revision: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Vec<Grant>>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a caller sends to register or change a secret. Unknown fields are
/// rejected so that a typo never silently drops data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretInput {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub category: String,
    pub level: String,
    #[serde(default)]
    pub department: String,
    /// The 管理責任者's user name.
    #[serde(default)]
    pub manager: Option<String>,
    #[serde(default)]
    pub review_date: Option<String>,
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub marks: Vec<String>,
    #[serde(default)]
    pub agreements: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: LegalNotes,
    #[serde(default)]
    pub handling_rules: String,
    /// Only on creation: initial access list (`NAME` or `group:NAME`).
    #[serde(default)]
    pub grants: Vec<String>,
    /// Only on creation: `draft` (default) or `registered`.
    #[serde(default)]
    pub status: Option<String>,
    /// Only on update: the revision the change is based on.
    #[serde(default)]
    pub revision: Option<i64>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page.max(1)).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub department: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub member_count: i64,
    pub created_at: String,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// The event's leaf index in the evidence ledger.
    pub ledger_index: Option<i64>,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Acknowledgement {
    pub user_id: i64,
    pub user: String,
    pub rules_version: i64,
    pub acknowledged_at: String,
}
