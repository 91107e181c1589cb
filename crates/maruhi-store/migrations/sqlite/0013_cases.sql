-- maruhi schema version 13: incidents (事案), their investigation journals
-- and legal holds; originals of activity logs kept in the vault.
--
-- Files kept in the vault that belong to no secret: attachments of journal
-- entries and the original files of activity-log imports. Same envelope
-- encryption as `vault_objects` (rotating the master key rewraps both).
CREATE TABLE vault_files (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    wrapped_key   BLOB NOT NULL,
    master_key_id TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    CONSTRAINT vault_files_key_unique UNIQUE (object_key),
    CONSTRAINT vault_files_size_nonnegative CHECK (size_bytes >= 0),
    CONSTRAINT vault_files_sha256_hex CHECK (length(sha256) = 64)
) STRICT;

-- `events import --keep-original`: the imported file as it was, and where in
-- it each event's record starts (line, or EVTX record id).
ALTER TABLE event_imports ADD COLUMN original_id INTEGER REFERENCES vault_files(id);
ALTER TABLE events ADD COLUMN source_line INTEGER;

-- A case. `hold_since` is set while a legal hold is in force.
CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    severity      TEXT NOT NULL,
    status        TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    opened_by     INTEGER REFERENCES users(id),
    opened_at     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    hold_since    TEXT,
    CONSTRAINT cases_title_nonempty CHECK (length(title) > 0),
    CONSTRAINT cases_kind_known CHECK (kind IN ('manual','alert','finding','departure','partner','customer','whistleblower')),
    CONSTRAINT cases_severity_known CHECK (severity IN ('low','medium','high','critical')),
    CONSTRAINT cases_status_known CHECK (status IN ('open','investigating','reported','closed'))
) STRICT;

-- Who works a case: they (and legal/IP) see it; nobody else learns it exists.
CREATE TABLE case_members (
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    user_id  INTEGER NOT NULL REFERENCES users(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
) STRICT;

-- What a case concerns: alerts, activity events, scan findings (their ledger
-- entry), secrets and people (canonical user names).
CREATE TABLE case_links (
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    kind     TEXT NOT NULL,
    ref      TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, ref),
    CONSTRAINT case_links_kind_known CHECK (kind IN ('alert','event','finding','secret','person'))
) STRICT;
CREATE INDEX case_links_by_ref ON case_links(kind, ref);

-- The investigation journal, append-only: a correction is a new entry that
-- refers to the one it corrects. Status changes, holds, links and checklist
-- steps are entries too, so the journal is the case's whole history; each
-- entry is a ledger leaf (`ledger_index`).
CREATE TABLE case_journal (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    at           TEXT NOT NULL,
    author_id    INTEGER REFERENCES users(id),
    author_name  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    step         TEXT,
    body         TEXT NOT NULL,
    refers_to    INTEGER REFERENCES case_journal(id),
    ledger_index INTEGER NOT NULL,
    CONSTRAINT case_journal_kind_known CHECK (kind IN ('opened','note','correction','checklist','status','hold','release','link','member','export'))
) STRICT;
CREATE INDEX case_journal_by_case ON case_journal(case_id, id);

-- Files attached to journal entries, kept in the vault.
CREATE TABLE case_files (
    entry_id INTEGER NOT NULL REFERENCES case_journal(id),
    file_id  INTEGER NOT NULL REFERENCES vault_files(id),
    PRIMARY KEY (entry_id, file_id)
) STRICT;
