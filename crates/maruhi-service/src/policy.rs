//! Who may do what. Every service method asks here before it reads or writes;
//! the server and the CLI never decide on their own.
//!
//! Need-to-know: a user who is neither on a secret's access list (directly or
//! through a group) nor its 管理責任者 does not learn that it exists, unless
//! their role is meant to oversee the register as a whole (admin, legal/IP,
//! auditor), and then they see the register entry (metadata, legal notes,
//! handling rules); the material itself is never stored in the register.

use crate::auth::Scope;
use crate::model::Role;
use crate::Actor;

/// Roles that see the whole register's metadata.
pub fn sees_whole_register(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Legal | Role::Auditor)
}

/// Roles that may register new secrets.
pub fn may_create_secret(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Manager | Role::Legal)
}

/// Editing, status changes and grants: admin and legal/IP for every secret,
/// a 管理責任者 for the secrets they manage.
pub fn may_manage_secret(actor: &Actor, manager_id: Option<i64>) -> bool {
    actor.scope == Scope::Write
        && match actor.role {
            Role::Admin | Role::Legal => true,
            Role::Manager => actor.user_id.is_some() && manager_id == actor.user_id,
            _ => false,
        }
}

pub fn may_administer(actor: &Actor) -> bool {
    actor.role == Role::Admin
}

pub fn may_administer_write(actor: &Actor) -> bool {
    actor.role == Role::Admin && actor.scope == Scope::Write
}

/// The audit trail is for those who oversee.
pub fn may_read_audit(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal | Role::Auditor)
}

/// Auditors read; they never change the register.
pub fn may_write(actor: &Actor) -> bool {
    actor.scope == Scope::Write && actor.role != Role::Auditor
}

/// Scanning files against the installation's material: those who
/// investigate (analysts), oversee (admin, legal/IP) or own secrets
/// (managers). Each sees only the findings about secrets they may see.
/// A scan records evidence and costs CPU, so it needs write scope.
pub fn may_scan(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst | Role::Manager)
}

/// Who traces a leaked copy to its recipient: those who investigate.
pub fn may_trace(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
}

/// Who sees that a secret was found by a scan, and what was scanned: the
/// investigation itself. Legal/IP, analysts, admin and the secret's own
/// 管理責任者; never the rest of the access list, which may include the
/// person under investigation. (Auditors read the whole audit trail, not
/// a secret's history.)
pub fn sees_investigations(actor: &Actor, manager_id: Option<i64>) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
        || (actor.user_id.is_some() && manager_id == actor.user_id)
}

/// Audit actions that belong to an investigation rather than to the
/// management of a secret.
pub fn is_investigation_action(action: &str) -> bool {
    crate::audit::AuditAction::parse(action).is_some_and(crate::audit::AuditAction::is_investigation)
}

/// Whether a scan may tell the caller about every finding: only roles that
/// see every secret and the third-party collection. Anyone else must not
/// learn, even as a count, that material they may not see matched.
pub fn sees_every_finding(role: Role) -> bool {
    sees_whole_register(role) && sees_collections(role)
}

/// The third-party and background collections are kept by admin and
/// legal/IP.
pub fn may_manage_collections(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal)
}

/// Who sees the third-party collection and contamination findings.
pub fn sees_collections(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Legal | Role::Analyst)
}

/// Importing activity logs: admin and those who investigate (analysts),
/// with write scope. An import adds to what every user is scored on.
pub fn may_import_events(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Analyst)
}

/// Reading stored activity events (personal data about employees'
/// behaviour): admin, legal/IP and analysts.
pub fn may_read_events(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Legal | Role::Analyst)
}

/// HR dates and watchlists are personal data that change how users are
/// scored: admin and legal/IP keep them, with write scope.
pub fn may_manage_hr(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal)
}

/// Who reads HR dates and watchlists: those who keep them and analysts, who
/// work the alerts they raise.
pub fn may_read_hr(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Legal | Role::Analyst)
}
/// Insider-risk results (scores, alerts, evidence) are personal data about
/// employees: those who investigate (analysts) and oversee (admin,
/// legal/IP) see them; auditors see the audit trail of what was done.
pub fn may_review_risk(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
}

/// Running an analysis (it changes stored results and writes the audit trail).
pub fn may_analyse_risk(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
}

/// Triage of alerts: analysts and admin, and legal/IP who decide on cases.
pub fn may_triage(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
}

/// Targeted-mail triage: the CSIRT's work on reported mail, which holds
/// employees' correspondence: analysts, and admin and legal/IP who decide on
/// cases. Triage changes nothing, so a read-only token may run it.
pub fn may_triage_mail(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Legal | Role::Analyst)
}

/// The company's and competitors' domains: admin and legal/IP.
pub fn may_manage_risk_settings(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal)
}

/// The self-assessment against METI's and IPA's guidance is about the whole
/// organisation (counts over every secret, alerts and leavers): those who
/// oversee the register see it (admin, legal/IP, auditors), like the
/// register-wide counts of the dashboard. Managers see their own secrets,
/// not the organisation's figures.
pub fn may_view_assessment(role: Role) -> bool {
    sees_whole_register(role)
}

/// Answering assessment items and saving snapshots: admin and legal/IP with
/// write scope (auditors read what others answered).
pub fn may_answer_assessment(actor: &Actor) -> bool {
    actor.scope == Scope::Write && matches!(actor.role, Role::Admin | Role::Legal)
}
