-- An alert can belong to several incidents (Sentinel and Graph let an
-- analyst relate one alert to a second incident). Each membership keeps
-- who made it and when; alerts.incident_id stays as the alert's first
-- incident, for correlation.
CREATE TABLE memberships (
	incident_id INTEGER NOT NULL,
	alert_id    INTEGER NOT NULL,
	source      TEXT   NOT NULL,
	added_at    INTEGER NOT NULL,
	PRIMARY KEY (incident_id, alert_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_alert ON memberships (alert_id, incident_id);

INSERT INTO memberships (incident_id, alert_id, source, added_at)
SELECT incident_id, id, 'migrated', last_changed_at FROM alerts WHERE incident_id IS NOT NULL;

-- The classification an incident was closed with at its source, in
-- canonical words (true_positive, benign_positive, false_positive,
-- undetermined), so closing it can dismiss or resolve its alerts.
ALTER TABLE incidents ADD COLUMN classification TEXT NOT NULL DEFAULT '';

-- One alert seen through two APIs (a Defender for Cloud alert also listed
-- by Graph alerts_v2) is one alert: same_as names the other API's record
-- ("defendercloud:<alert name>"), twin_id links the two local records.
ALTER TABLE alerts ADD COLUMN same_as TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN twin_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_same_as ON alerts (same_as) WHERE same_as <> '';

-- The claim across every lane walks unfinished items decisions first, then
-- in id order: the index follows that order so the walk stops at LIMIT.
DROP INDEX outbox_active;
CREATE INDEX outbox_active ON outbox (priority, id) WHERE state IN ('pending', 'leased');
