-- maruhi schema version 8: identity aliases for insider-risk detection.
--
-- The same person appears under several names in different sources: an
-- account (`tanaka`), a mail address (`tanaka@example.co.jp`), a UPN
-- (`tanaka@corp.example.co.jp`) or a down-level logon name (`CORP\tanaka`).
-- `identity_aliases` holds the hand-made entries: `alias` (case-folded) is
-- read as the canonical `user_name` wherever activity events, HR data and
-- watchlists name people. The automatic entries (users' mail addresses, HR
-- names in UPN form, UPNs of the company's domains) are derived when read,
-- so they never go stale; a hand-made entry wins over them.
CREATE TABLE identity_aliases (
    alias     TEXT NOT NULL PRIMARY KEY,
    user_name TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    CONSTRAINT identity_aliases_alias_nonempty CHECK (length(alias) > 0),
    CONSTRAINT identity_aliases_user_nonempty CHECK (length(user_name) > 0),
    CONSTRAINT identity_aliases_not_self CHECK (alias <> user_name)
) STRICT;
CREATE INDEX identity_aliases_by_user ON identity_aliases(user_name, alias);
