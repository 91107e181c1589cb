-- maruhi schema version 11: idle timeout. A session also ends after a spell
-- without requests (OWASP ASVS 3.3.2, NIST SP 800-63B §7.2), so
-- `last_seen_at` is kept, refreshed at most once a minute.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
