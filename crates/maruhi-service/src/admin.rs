//! Users and groups, administered by admins.

use maruhi_store::rows::UserRow;
use maruhi_store::users::NewUser;
use serde::Deserialize;
use serde_json::json;

use crate::audit::{self, AuditAction, Event};
use crate::auth::{check_password_policy, hash_password};
use crate::i18n::Msg;
use crate::model::{Group, Role, User};
use crate::policy;
use crate::validate::{valid_username, Problems};
use crate::{Actor, Error, Result, Service, StoreError};

/// A new user as the API, the CLI and the admin page send it.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub department: String,
    pub role: String,
    /// Optional: a user without a password can only use tokens.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for UserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password never reaches logs.
        f.debug_struct("UserInput").field("username", &self.username).field("role", &self.role).finish_non_exhaustive()
    }
}

/// Changes to a user's profile.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub department: String,
    pub role: String,
    #[serde(default)]
    pub disabled: bool,
}

fn to_user(u: UserRow) -> User {
    User {
        id: u.id,
        role: Role::parse(&u.role).unwrap_or(Role::Employee),
        username: u.username,
        display_name: u.display_name,
        email: u.email,
        department: u.department,
        disabled: u.disabled,
        created_at: u.created_at,
    }
}

fn check_email(p: &mut Problems, email: &str) -> String {
    let e = p.text("email", email, false, 254);
    let plausible =
        e.is_empty() || e.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if !plausible {
        p.add("email", Msg::InputInvalid);
    }
    e
}

impl Service {
    /// Creates the first administrator of a new installation.
    pub async fn init_admin(&self, username: &str, password: &str) -> Result<User> {
        self.create_user(
            &Actor::operator(),
            UserInput {
                username: username.to_owned(),
                display_name: username.to_owned(),
                role: "admin".to_owned(),
                password: Some(password.to_owned()),
                ..UserInput::default()
            },
        )
        .await
    }

    pub async fn create_user(&self, actor: &Actor, input: UserInput) -> Result<User> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut p = Problems::default();
        let username = input.username.trim().to_owned();
        if !valid_username(&username) {
            p.add("username", Msg::BadUsername);
        }
        let display = p.text("display_name", &input.display_name, false, 100);
        let display = if display.is_empty() { username.clone() } else { display };
        let email = check_email(&mut p, &input.email);
        let department = p.text("department", &input.department, false, 100);
        let role = Role::parse(&input.role);
        if role.is_none() {
            p.add("role", Msg::UnknownRole);
        }
        if let Some(pw) = &input.password {
            if let Err(Error::Invalid(e)) = check_password_policy(pw) {
                p.0.extend(e);
            }
        }
        p.finish()?;
        let role = role.unwrap_or(Role::Employee);
        // Hash before the transaction: Argon2 is deliberately slow.
        let hash = input.password.as_deref().map(hash_password).transpose()?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        // `Admin` beside `admin` would be a look-alike of another account:
        // user names are unique ignoring case (one creation at a time).
        tx.lock_named("users:create").await?;
        if maruhi_store::users::username_taken_ignoring_case(tx.conn(), &username).await? {
            return Err(Error::invalid("username", Msg::UsernameTaken));
        }
        let id = maruhi_store::users::insert(
            tx.conn(),
            &NewUser {
                username: &username,
                display_name: &display,
                email: &email,
                department: &department,
                role: role.id(),
                password_hash: hash.as_deref(),
                created_at: &at,
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Duplicate { .. } => Error::invalid("username", Msg::UsernameTaken),
            other => Error::Store(other),
        })?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::UserCreate, "user", id)
                .summary(json!({"username": username, "role": role.id()})),
        )
        .await?;
        let user = maruhi_store::users::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(to_user(user))
    }

    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>> {
        if !policy::may_administer(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::users::list(&mut conn).await?.into_iter().map(to_user).collect())
    }

    pub async fn user_by_name(&self, actor: &Actor, username: &str) -> Result<User> {
        let mut conn = self.db.read().await?;
        let u = maruhi_store::users::by_username(&mut conn, username.trim()).await?.ok_or(Error::NotFound)?;
        if !(policy::may_administer(actor) || actor.user_id == Some(u.id)) {
            return Err(Error::NotFound);
        }
        Ok(to_user(u))
    }

    pub async fn update_user(&self, actor: &Actor, id: i64, upd: UserUpdate) -> Result<User> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut p = Problems::default();
        let display = p.text("display_name", &upd.display_name, true, 100);
        let email = check_email(&mut p, &upd.email);
        let department = p.text("department", &upd.department, false, 100);
        let role = Role::parse(&upd.role);
        if role.is_none() {
            p.add("role", Msg::UnknownRole);
        }
        p.finish()?;
        let role = role.unwrap_or(Role::Employee);
        if actor.user_id == Some(id) && (upd.disabled || role != Role::Admin) {
            // An admin cannot lock themselves out by accident.
            return Err(Error::invalid("role", Msg::Forbidden));
        }
        let mut tx = self.db.begin().await?;
        let before = maruhi_store::users::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        maruhi_store::users::update_profile(tx.conn(), id, &display, &email, &department, role.id(), upd.disabled)
            .await?;
        if upd.disabled {
            maruhi_store::auth::delete_sessions_of(tx.conn(), id).await?;
        }
        let after = maruhi_store::users::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        let as_json = |u: &UserRow| json!({"display_name": u.display_name, "email": u.email, "department": u.department, "role": u.role, "disabled": u.disabled});
        audit::record(
            &mut tx,
            &self.now_text(),
            Event::new(actor, AuditAction::UserUpdate, "user", id)
                .summary(audit::diff(&as_json(&before), &as_json(&after))),
        )
        .await?;
        tx.commit().await?;
        Ok(to_user(after))
    }

    /// Sets a password: admins for anyone, users for themselves.
    pub async fn set_password(&self, actor: &Actor, username: &str, password: &str) -> Result<()> {
        check_password_policy(password)?;
        let hash = hash_password(password)?;
        let mut tx = self.db.begin().await?;
        let user = maruhi_store::users::by_username(tx.conn(), username.trim()).await?.ok_or(Error::NotFound)?;
        if !(policy::may_administer_write(actor) || actor.user_id == Some(user.id)) {
            return Err(Error::Forbidden);
        }
        maruhi_store::users::set_password_hash(tx.conn(), user.id, &hash).await?;
        maruhi_store::auth::delete_sessions_of(tx.conn(), user.id).await?;
        audit::record(&mut tx, &self.now_text(), Event::new(actor, AuditAction::UserPassword, "user", user.id)).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_group(&self, actor: &Actor, name: &str, description: &str) -> Result<Group> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut p = Problems::default();
        let name = p.text("name", name, true, 100);
        if name.contains(':') || name.contains(',') {
            p.add("name", Msg::InputInvalid);
        }
        let description = p.text("description", description, false, 500);
        p.finish()?;
        let at = self.now_text();
        let mut tx = self.db.begin().await?;
        let id = maruhi_store::groups::insert(tx.conn(), &name, &description, &at).await.map_err(|e| match e {
            StoreError::Duplicate { .. } => Error::invalid("name", Msg::GroupTaken),
            other => Error::Store(other),
        })?;
        audit::record(
            &mut tx,
            &at,
            Event::new(actor, AuditAction::GroupCreate, "group", id).summary(json!({"name": name})),
        )
        .await?;
        let g = maruhi_store::groups::get(tx.conn(), id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(Group {
            id: g.id,
            name: g.name,
            description: g.description,
            member_count: g.member_count,
            created_at: g.created_at,
        })
    }

    pub async fn list_groups(&self, actor: &Actor) -> Result<Vec<(Group, Vec<User>)>> {
        if !policy::may_administer(actor) {
            return Err(Error::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for g in maruhi_store::groups::list(&mut conn).await? {
            let members = maruhi_store::groups::members(&mut conn, g.id).await?.into_iter().map(to_user).collect();
            out.push((
                Group {
                    id: g.id,
                    name: g.name,
                    description: g.description,
                    member_count: g.member_count,
                    created_at: g.created_at,
                },
                members,
            ));
        }
        Ok(out)
    }

    /// Adds (or with `add = false` removes) a user to a group.
    pub async fn set_membership(&self, actor: &Actor, group: &str, username: &str, add: bool) -> Result<()> {
        if !policy::may_administer_write(actor) {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let g = maruhi_store::groups::by_name(tx.conn(), group.trim())
            .await?
            .ok_or_else(|| Error::invalid("group", Msg::UnknownGroup))?;
        let u = maruhi_store::users::by_username(tx.conn(), username.trim())
            .await?
            .ok_or_else(|| Error::invalid("username", Msg::UnknownUser))?;
        let changed = if add {
            maruhi_store::groups::add_member(tx.conn(), g.id, u.id).await?
        } else {
            maruhi_store::groups::remove_member(tx.conn(), g.id, u.id).await?
        };
        if changed {
            let action = if add { AuditAction::GroupMemberAdd } else { AuditAction::GroupMemberRemove };
            audit::record(
                &mut tx,
                &self.now_text(),
                Event::new(actor, action, "group", g.id).summary(json!({"group": g.name, "user": u.username})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Service {
    /// The user name behind a user id (for prefilling forms).
    pub async fn username_of(&self, id: i64) -> Result<String> {
        let mut conn = self.db.read().await?;
        Ok(maruhi_store::users::get(&mut conn, id).await?.map(|u| u.username).unwrap_or_default())
    }
}
