-- maruhi schema version 2: indexes for the register list at scale.
-- The department filter lists distinct departments on every page; with this
-- index that is an index skip-scan instead of a sort of the whole table.
CREATE INDEX secrets_by_department ON secrets(department);
-- Dashboard counts group by level and status.
CREATE INDEX secrets_by_level_status ON secrets(level, status);
