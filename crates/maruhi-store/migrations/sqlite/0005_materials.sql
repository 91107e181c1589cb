-- maruhi schema version 5: fingerprinted material for the leak and
-- contamination scanner.
--
-- A material is one document's text (a file, or a member of an archive or a
-- mail) reduced to its keyed winnowing fingerprints. Three collections share
-- the table: our own secrets' material (linked to a register entry),
-- third-party material received under NDA or declared by new hires, and
-- background (public or boilerplate) text whose fingerprints never count.
-- The content itself is not needed to scan; `sealed_text` optionally keeps
-- the extracted text encrypted (ChaCha20-Poly1305 envelope under the
-- installation key) so entitled users can see matching passages side by side.
CREATE TABLE materials (
    id               INTEGER PRIMARY KEY,
    collection       TEXT NOT NULL,
    secret_id        INTEGER REFERENCES secrets(id),
    name             TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    sha256           TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL,
    format           TEXT NOT NULL,
    normalized_chars INTEGER NOT NULL,
    fingerprint_count INTEGER NOT NULL,
    fingerprints     BLOB NOT NULL,
    sealed_text      BLOB,
    created_by       INTEGER REFERENCES users(id),
    created_at       TEXT NOT NULL,
    removed_at       TEXT,
    CONSTRAINT materials_collection_known CHECK (collection IN ('secret','third_party','background')),
    CONSTRAINT materials_secret_linked CHECK ((collection = 'secret') = (secret_id IS NOT NULL)),
    CONSTRAINT materials_name_nonempty CHECK (length(name) > 0)
) STRICT;
CREATE INDEX materials_by_secret ON materials(secret_id, id);
CREATE INDEX materials_by_collection ON materials(collection, id);

-- Bumped in the same transaction as every change to `materials`, so every
-- process can tell cheaply whether its in-memory index is current.
CREATE TABLE material_generation (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
) STRICT;
INSERT INTO material_generation (id, generation) VALUES (1, 0);
