-- An index of every entity value an alert names, kept by triggers, so
-- correlation ("open alerts sharing this host, user, IP or hash") is an
-- index lookup instead of a scan of every alert's entities JSON.
CREATE TABLE alert_entities (
	value    TEXT    NOT NULL,
	-- No foreign key: rows come only from the triggers below, and alerts
	-- are never deleted (their history is kept), so a per-row check would
	-- only slow ingest.
	alert_id INTEGER NOT NULL,
	PRIMARY KEY (value, alert_id)
) WITHOUT ROWID;

CREATE INDEX alert_entities_alert ON alert_entities (alert_id);

INSERT OR IGNORE INTO alert_entities (value, alert_id)
SELECT j.value, a.id FROM alerts a, json_each(a.entities) k, json_each(k.value) j;

CREATE TRIGGER alert_entities_insert AFTER INSERT ON alerts BEGIN
	INSERT OR IGNORE INTO alert_entities (value, alert_id)
	SELECT j.value, new.id FROM json_each(new.entities) k, json_each(k.value) j;
END;

CREATE TRIGGER alert_entities_update AFTER UPDATE OF entities ON alerts
WHEN old.entities IS NOT new.entities BEGIN
	DELETE FROM alert_entities WHERE alert_id = new.id;
	INSERT OR IGNORE INTO alert_entities (value, alert_id)
	SELECT j.value, new.id FROM json_each(new.entities) k, json_each(k.value) j;
END;
