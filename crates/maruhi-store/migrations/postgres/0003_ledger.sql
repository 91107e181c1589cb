-- maruhi schema version 3: the audit trail becomes an RFC 6962 Merkle log.
-- Each audit event gets a gap-free ledger index; its leaf is the canonical
-- encoding of the event in which personal details (actor, address, summary)
-- appear only as a salted commitment, so they can be erased (APPI) while
-- every proof stays valid. Events recorded before this version have no index.
ALTER TABLE audit_events ADD COLUMN ledger_index BIGINT;
ALTER TABLE audit_events ADD COLUMN salt TEXT;
ALTER TABLE audit_events ADD COLUMN commitment TEXT;
CREATE UNIQUE INDEX audit_events_by_ledger_index ON audit_events(ledger_index);

-- Every complete subtree hash of the log: (level, index) as in C2SP
-- tlog-tiles, written once when the subtree completes and never changed.
CREATE TABLE ledger_nodes (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx),
    CONSTRAINT ledger_nodes_hash_size CHECK (octet_length(hash) = 32)
);

-- Signed checkpoints (C2SP tlog-checkpoint notes), one per published size.
CREATE TABLE ledger_checkpoints (
    size      BIGINT NOT NULL PRIMARY KEY,
    root      BYTEA NOT NULL,
    note      TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
