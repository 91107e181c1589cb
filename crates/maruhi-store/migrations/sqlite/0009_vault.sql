-- maruhi schema version 9: the vault, which keeps the original files of a
-- secret's material, encrypted.
--
-- The bytes live in an object store (a folder under the data directory, or
-- an S3-compatible bucket) under `object_key`, encrypted with a data key of
-- their own (XChaCha20-Poly1305, STREAM construction); the data key is kept
-- here only wrapped by the installation's master key, which `master_key_id`
-- names (the first 16 hex digits of its SHA-256), so rotating the master key
-- rewraps these rows and never touches the objects. `sha256` and
-- `size_bytes` are the plaintext's, and enter the ledger with the row.
CREATE TABLE vault_objects (
    id            INTEGER PRIMARY KEY,
    secret_id     INTEGER NOT NULL REFERENCES secrets(id),
    name          TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    wrapped_key   BLOB NOT NULL,
    master_key_id TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL,
    CONSTRAINT vault_objects_key_unique UNIQUE (object_key),
    CONSTRAINT vault_objects_size_nonnegative CHECK (size_bytes >= 0),
    CONSTRAINT vault_objects_sha256_hex CHECK (length(sha256) = 64)
) STRICT;
CREATE INDEX vault_objects_by_secret ON vault_objects(secret_id, id);

-- The stored original a material was extracted from (several materials of
-- one archive share it).
ALTER TABLE materials ADD COLUMN object_id INTEGER REFERENCES vault_objects(id);
