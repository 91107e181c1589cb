-- maruhi schema version 4: RFC 3161 time-stamp tokens over checkpoints.
-- A token's message imprint is the SHA-256 of the checkpoint's text (origin,
-- size, root), so one token dates every entry of that checkpoint's tree.
CREATE TABLE ledger_timestamps (
    size       BIGINT NOT NULL PRIMARY KEY REFERENCES ledger_checkpoints(size),
    token      BYTEA NOT NULL,
    tsa        TEXT NOT NULL,
    stamped_at TEXT NOT NULL
);
