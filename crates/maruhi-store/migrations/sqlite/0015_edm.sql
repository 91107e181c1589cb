-- maruhi schema version 15: exact data match (EDM). A dataset is a customer
-- database registered by its export: its columns and counts here, its rows
-- only as keyed hashes in an index file under the data directory (`file`).
CREATE TABLE edm_datasets (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    secret_id      INTEGER REFERENCES secrets(id),
    columns_json   TEXT NOT NULL,
    primary_column TEXT NOT NULL,
    source_rows    INTEGER NOT NULL CONSTRAINT edm_source_rows_nonneg CHECK (source_rows >= 0),
    row_count      INTEGER NOT NULL CONSTRAINT edm_rows_nonneg CHECK (row_count >= 0),
    bytes          INTEGER NOT NULL,
    file           TEXT NOT NULL,
    source_sha256  TEXT NOT NULL,
    created_by     INTEGER,
    created_at     TEXT NOT NULL,
    refreshed_at   TEXT NOT NULL
) STRICT;
