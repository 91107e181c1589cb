-- maruhi schema version 19: who works an insider-risk alert.
--
-- An alert is assigned to one maruhi user (an analyst, usually) or to no
-- one. Who assigned it to whom, and when, is in the audit trail
-- (`risk.assign`), like every triage decision.
ALTER TABLE risk_alerts ADD COLUMN assignee_id BIGINT REFERENCES users(id);
CREATE INDEX risk_alerts_by_assignee ON risk_alerts(assignee_id);
