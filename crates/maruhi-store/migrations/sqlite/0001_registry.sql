-- maruhi schema version 1: the trade-secret register (営業秘密管理台帳),
-- users, groups, sessions, API tokens and the audit trail.
-- Times are RFC 3339 UTC text ("2026-11-25T10:00:00Z"), dates ISO 8601 text;
-- both sort correctly as text. Lists (locations, marks, agreements, tags) are
-- JSON arrays in TEXT columns: they are read and written with the secret as a
-- whole and never joined on.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username),
    CONSTRAINT users_role_known CHECK (role IN ('admin','manager','legal','analyst','auditor','employee')),
    CONSTRAINT users_disabled_bool CHECK (disabled IN (0,1))
) STRICT;

CREATE TABLE user_groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    CONSTRAINT user_groups_name_unique UNIQUE (name)
) STRICT;

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) STRICT;
CREATE INDEX group_members_by_user ON group_members(user_id, group_id);

-- The ordered list of classification levels; rank 0 is the most secret.
CREATE TABLE levels (
    rank INTEGER NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    CONSTRAINT levels_name_unique UNIQUE (name)
) STRICT;

CREATE TABLE secrets (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    summary        TEXT NOT NULL DEFAULT '',
    category       TEXT NOT NULL,
    level          TEXT NOT NULL,
    department     TEXT NOT NULL DEFAULT '',
    manager_id     INTEGER REFERENCES users(id),
    status         TEXT NOT NULL,
    status_reason  TEXT NOT NULL DEFAULT '',
    review_date    TEXT,
    locations      TEXT NOT NULL DEFAULT '[]',
    marks          TEXT NOT NULL DEFAULT '[]',
    agreements     TEXT NOT NULL DEFAULT '[]',
    tags           TEXT NOT NULL DEFAULT '[]',
    usefulness     TEXT NOT NULL DEFAULT '',
    non_public     TEXT NOT NULL DEFAULT '',
    secrecy_mgmt   TEXT NOT NULL DEFAULT '',
    handling_rules TEXT NOT NULL DEFAULT '',
    rules_version  INTEGER NOT NULL DEFAULT 1,
    revision       INTEGER NOT NULL DEFAULT 1,
    created_by     INTEGER REFERENCES users(id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT secrets_status_known CHECK (status IN ('draft','registered','retired','disclosed')),
    CONSTRAINT secrets_title_nonempty CHECK (length(title) > 0)
) STRICT;
CREATE INDEX secrets_by_updated ON secrets(updated_at DESC, id DESC);
CREATE INDEX secrets_by_manager ON secrets(manager_id);
CREATE INDEX secrets_by_review ON secrets(review_date);

-- Need-to-know: who may access a secret, as users or groups.
CREATE TABLE secret_access (
    secret_id      INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    principal_kind TEXT NOT NULL,
    principal_id   INTEGER NOT NULL,
    granted_by     INTEGER REFERENCES users(id),
    granted_at     TEXT NOT NULL,
    PRIMARY KEY (secret_id, principal_kind, principal_id),
    CONSTRAINT secret_access_kind_known CHECK (principal_kind IN ('user','group'))
) STRICT;
CREATE INDEX secret_access_by_principal ON secret_access(principal_kind, principal_id, secret_id);

-- Acknowledgements (誓約/確認) of a secret's handling rules, per rules version.
CREATE TABLE acknowledgements (
    id              INTEGER PRIMARY KEY,
    secret_id       INTEGER NOT NULL REFERENCES secrets(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    rules_version   INTEGER NOT NULL,
    acknowledged_at TEXT NOT NULL,
    CONSTRAINT acknowledgements_once UNIQUE (secret_id, user_id, rules_version)
) STRICT;
CREATE INDEX acknowledgements_by_user ON acknowledgements(user_id, secret_id);

-- Browser sessions; only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

-- API tokens; only the SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    scope        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash),
    CONSTRAINT api_tokens_scope_known CHECK (scope IN ('read','write'))
) STRICT;

-- Failed logins, for throttling; pruned as they age out of the window.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    username    TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_by_user ON login_failures(username, at);
CREATE INDEX login_failures_by_addr ON login_failures(remote_addr, at);

-- The audit trail: append-only. No code path updates or deletes a row.
CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY,
    occurred_at TEXT NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT,
    summary     TEXT NOT NULL,
    remote_addr TEXT
) STRICT;
CREATE INDEX audit_events_by_object ON audit_events(object_type, object_id, seq);
