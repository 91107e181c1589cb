-- maruhi schema version 14: self-assessment against METI's 秘密情報の保護
-- ハンドブック and IPA's 組織における内部不正防止ガイドライン.
--
-- The items themselves are data compiled into the binary
-- (`maruhi-service/assess/items.json`); the database keeps only what people
-- answered and the snapshots they saved. An item's answer is replaced when
-- answered again; every answer is also an audit event, so the history of
-- answers is the audit trail's.
CREATE TABLE assessment_answers (
    item_id     TEXT NOT NULL PRIMARY KEY,
    answer      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    -- JSON array of {"name", "sha256"}: the evidence files named by the answer.
    evidence    TEXT NOT NULL DEFAULT '[]',
    answered_by INTEGER REFERENCES users(id),
    answered_by_name TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    CONSTRAINT assessment_answers_answer_known CHECK (answer IN ('yes','partly','no','na'))
) STRICT;

-- A saved assessment: the overall and per-objective scores (JSON object,
-- objective id -> score or null) and every item's result (JSON array), as
-- they were when saved, so scores can be shown over time.
CREATE TABLE assessment_snapshots (
    id          INTEGER PRIMARY KEY,
    taken_at    TEXT NOT NULL,
    taken_by    INTEGER REFERENCES users(id),
    taken_by_name TEXT NOT NULL,
    overall     INTEGER,
    objectives  TEXT NOT NULL,
    items       TEXT NOT NULL,
    CONSTRAINT assessment_snapshots_overall_range CHECK (overall IS NULL OR (overall >= 0 AND overall <= 100))
) STRICT;
CREATE INDEX assessment_snapshots_by_time ON assessment_snapshots(taken_at, id);
