-- maruhi schema version 16: sharing with an industry forum.
--
-- A sharing report is drafted from a case or by hand, passes the
-- anonymisation gate, and leaves only once legal/IP (or an administrator)
-- approved the exact bytes the gate produced: `approved_body` holds them and
-- `approved_sha256` their digest, which the approval's ledger entry carries
-- too. Editing the draft clears the approval. Reports received from a forum
-- (TAXII pull, STIX or MISP import) are kept as received, read-only.
CREATE TABLE share_reports (
    id              INTEGER PRIMARY KEY,
    -- 'local' (drafted here) or 'received' (from a forum, read-only).
    origin          TEXT NOT NULL,
    title           TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    -- JSON: the draft as written (local) or the document received.
    draft           TEXT NOT NULL,
    source_case     INTEGER REFERENCES cases(id),
    received_from   TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_by_name TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    approved_body   TEXT,
    approved_sha256 TEXT,
    approved_by_name TEXT,
    approved_at     TEXT,
    approved_ledger_index INTEGER,
    CONSTRAINT share_reports_origin_known CHECK (origin IN ('local','received')),
    CONSTRAINT share_reports_tlp_known CHECK (tlp IN ('clear','green','amber','amber+strict','red')),
    CONSTRAINT share_reports_approval_whole CHECK ((approved_body IS NULL) = (approved_sha256 IS NULL))
) STRICT;
CREATE INDEX share_reports_by_approval ON share_reports(approved_at, id);

-- The installation's own sharing dictionary: terms that identify it, added
-- by hand. Terms from the register, users and HR data are read where they
-- live when the gate runs, so they are never stale.
CREATE TABLE share_dictionary (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    term        TEXT NOT NULL,
    added_by_name TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    CONSTRAINT share_dictionary_kind_known CHECK (kind IN
        ('company','brand','product','project','person','employee-id','domain','ip-range','host-suffix')),
    CONSTRAINT share_dictionary_unique UNIQUE (kind, term)
) STRICT;
