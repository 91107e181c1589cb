-- maruhi schema version 6: activity events and HR data for insider-risk
-- detection.
--
-- Every import of an activity log is one row of `event_imports`, written in
-- the transaction of its first batch of events and finished (counts, input
-- digest) in the transaction that records it in the audit trail. A row whose
-- `finished_at` is NULL belongs to an import that was interrupted.
CREATE TABLE event_imports (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    format      TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id),
    actor_name  TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    accepted    INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT,
    CONSTRAINT event_imports_format_known CHECK (format IN ('jsonl','csv','cert','evtx','m365','squid')),
    CONSTRAINT event_imports_source_nonempty CHECK (length(source) > 0)
) STRICT;

-- One activity event in the canonical form of maruhi-events (`body`, one JSON
-- line), keyed by its stable `event.id`, so that importing the same data
-- again inserts nothing (INSERT … ON CONFLICT DO NOTHING). `ts_ms` is the
-- instant in UTC milliseconds; `user_name` and `action` are copied out of the
-- body for the detection engine's range reads (a user's events in time order).
CREATE TABLE events (
    id        TEXT NOT NULL PRIMARY KEY,
    ts_ms     INTEGER NOT NULL,
    user_name TEXT,
    action    TEXT NOT NULL,
    body      TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES event_imports(id),
    CONSTRAINT events_id_nonempty CHECK (length(id) > 0)
) STRICT;
-- `id` completes both indexes so that reads ordered by (ts_ms, id) and their
-- keyset pages come straight from the index, without a sort.
CREATE INDEX events_by_user_time ON events(user_name, ts_ms, id);
CREATE INDEX events_by_time ON events(ts_ms, id);

-- HR dates of departing employees: the notice of resignation, the last
-- working day and the legal end of employment (often later: leave is taken
-- before it). Dates are ISO `YYYY-MM-DD`, which compare as text in date order.
CREATE TABLE hr_records (
    id               INTEGER PRIMARY KEY,
    user_name        TEXT NOT NULL,
    notice_date      TEXT NOT NULL,
    last_working_day TEXT,
    end_date         TEXT,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    CONSTRAINT hr_records_user_unique UNIQUE (user_name),
    CONSTRAINT hr_records_dates_iso CHECK (length(notice_date) = 10
        AND (last_working_day IS NULL OR length(last_working_day) = 10)
        AND (end_date IS NULL OR length(end_date) = 10)),
    CONSTRAINT hr_records_dates_ordered CHECK ((last_working_day IS NULL OR notice_date <= last_working_day)
        AND (end_date IS NULL OR notice_date <= end_date)
        AND (last_working_day IS NULL OR end_date IS NULL OR last_working_day <= end_date))
) STRICT;

-- Watchlists that raise a user's risk: departing employees (kept from HR data
-- or added by hand), contractors and privileged accounts. A `departing` entry
-- from HR counts from the notice date up to the end date; whether it counts
-- is decided when read, as of a date.
CREATE TABLE watchlist_members (
    id        INTEGER PRIMARY KEY,
    list      TEXT NOT NULL,
    user_name TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL,
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    CONSTRAINT watchlist_members_unique UNIQUE (list, user_name),
    CONSTRAINT watchlist_members_list_known CHECK (list IN ('departing','contractors','privileged')),
    CONSTRAINT watchlist_members_source_known CHECK (source IN ('manual','hr')),
    CONSTRAINT watchlist_members_hr_departing CHECK (source = 'manual' OR list = 'departing')
) STRICT;
