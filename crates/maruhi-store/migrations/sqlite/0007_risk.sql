-- maruhi schema version 7: insider-risk detection results.
--
-- `risk_indicators` holds every indicator of the latest analysis (rule
-- matches and days above a person's usual); scores are computed from them
-- for any as-of date, so they are replaced wholesale by each analysis.
-- `risk_alerts` holds what analysts review; an alert's key (rule/user/day)
-- is stable across analyses, so triage decisions stay attached when the
-- events are analysed again (after an HR notice, say). Alerts the latest
-- analysis no longer produces are kept and marked `stale`.
-- `risk_domains` classifies the company's own and its competitors' domains
-- (the public lists are part of the rule pack).
CREATE TABLE risk_indicators (
    id          INTEGER PRIMARY KEY,
    user_name   TEXT NOT NULL,
    time_ms     INTEGER NOT NULL,
    day         TEXT NOT NULL,
    rule        TEXT NOT NULL,
    title       TEXT NOT NULL,
    title_ja    TEXT NOT NULL,
    level       TEXT NOT NULL,
    weight      REAL NOT NULL,
    above_usual INTEGER NOT NULL,
    sequence    INTEGER NOT NULL,
    reason_ja   TEXT NOT NULL,
    reason_en   TEXT NOT NULL,
    event_ids   TEXT NOT NULL
) STRICT;
CREATE INDEX risk_indicators_by_user ON risk_indicators(user_name, time_ms);

CREATE TABLE risk_alerts (
    id             INTEGER PRIMARY KEY,
    alert_key      TEXT NOT NULL UNIQUE,
    user_name      TEXT NOT NULL,
    rule           TEXT NOT NULL,
    title          TEXT NOT NULL,
    title_ja       TEXT NOT NULL,
    severity       TEXT NOT NULL,
    day            TEXT NOT NULL,
    first_event_ms INTEGER NOT NULL,
    last_event_ms  INTEGER NOT NULL,
    event_count    INTEGER NOT NULL,
    event_ids      TEXT NOT NULL,
    reasons        TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'new',
    comment        TEXT NOT NULL DEFAULT '',
    stale          INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     INTEGER REFERENCES users(id),
    CONSTRAINT risk_alerts_status_known CHECK (status IN ('new','investigating','dismissed','confirmed'))
) STRICT;
CREATE INDEX risk_alerts_by_time ON risk_alerts(first_event_ms, id);
CREATE INDEX risk_alerts_by_user ON risk_alerts(user_name, first_event_ms);

CREATE TABLE risk_domains (
    domain     TEXT NOT NULL PRIMARY KEY,
    category   TEXT NOT NULL,
    added_by   INTEGER REFERENCES users(id),
    added_at   TEXT NOT NULL,
    CONSTRAINT risk_domains_category_known CHECK (category IN ('company','competitor'))
) STRICT;

-- When the events were last analysed, and how many there were then.
CREATE TABLE risk_analysis (
    id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    analysed_at TEXT,
    events      INTEGER NOT NULL DEFAULT 0,
    indicators  INTEGER NOT NULL DEFAULT 0,
    alerts      INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO risk_analysis (id) VALUES (1);
