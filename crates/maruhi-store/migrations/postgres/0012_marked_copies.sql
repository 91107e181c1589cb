-- maruhi schema version 12: marked copies. Every copy of stored material
-- that leaves the vault carries a code naming its recipient; a leaked copy's
-- code leads back to the download (and its ledger entry).
CREATE TABLE marked_copies (
    code          TEXT NOT NULL PRIMARY KEY,
    material_id   BIGINT NOT NULL REFERENCES materials(id),
    secret_id     BIGINT NOT NULL REFERENCES secrets(id),
    recipient     TEXT NOT NULL,
    downloaded_by TEXT NOT NULL,
    downloaded_at TEXT NOT NULL,
    ledger_index  BIGINT NOT NULL,
    sha256        TEXT NOT NULL
);
