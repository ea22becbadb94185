-- An index of every entity value an alert names, kept by triggers, so
-- correlation ("open alerts sharing this host, user, IP or hash") is an
-- index lookup instead of a scan of every alert's entities JSON.
CREATE TABLE alert_entities (
	value    TEXT   NOT NULL,
	-- No foreign key: rows come only from the triggers below, and alerts
	-- are never deleted (their history is kept), so a per-row check would
	-- only slow ingest.
	alert_id BIGINT NOT NULL,
	PRIMARY KEY (value, alert_id)
);

CREATE INDEX alert_entities_alert ON alert_entities (alert_id);

INSERT INTO alert_entities (value, alert_id)
SELECT DISTINCT v, a.id FROM alerts a, jsonb_each(a.entities::jsonb) k, jsonb_array_elements_text(k.value) v
ON CONFLICT DO NOTHING;

-- Inserts come in multi-row batches: one statement-level trigger indexes
-- the whole batch through its transition table.
CREATE FUNCTION alert_entities_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alert_entities (value, alert_id)
	SELECT DISTINCT v, n.id FROM new_rows n, jsonb_each(n.entities::jsonb) k, jsonb_array_elements_text(k.value) v
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

CREATE TRIGGER alert_entities_insert AFTER INSERT ON alerts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION alert_entities_inserted();

-- Updates are one row at a time and rarely touch entities; the WHEN
-- clause keeps the function from running at all when they don't.
CREATE FUNCTION alert_entities_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM alert_entities WHERE alert_id = NEW.id;
	INSERT INTO alert_entities (value, alert_id)
	SELECT DISTINCT v, NEW.id FROM jsonb_each(NEW.entities::jsonb) k, jsonb_array_elements_text(k.value) v
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

CREATE TRIGGER alert_entities_update AFTER UPDATE OF entities ON alerts
FOR EACH ROW WHEN (OLD.entities IS DISTINCT FROM NEW.entities)
EXECUTE FUNCTION alert_entities_updated();
