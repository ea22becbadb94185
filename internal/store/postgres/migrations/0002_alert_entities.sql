-- An index of every entity value an alert names, kept by triggers, so
-- correlation ("open alerts sharing this host, user, IP or hash") is an
-- index lookup instead of a scan of every alert's entities JSON.
CREATE TABLE alert_entities (
	value    TEXT   NOT NULL,
	alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
	PRIMARY KEY (value, alert_id)
);

CREATE INDEX alert_entities_alert ON alert_entities (alert_id);

INSERT INTO alert_entities (value, alert_id)
SELECT DISTINCT v, a.id FROM alerts a, jsonb_each(a.entities::jsonb) k, jsonb_array_elements_text(k.value) v
ON CONFLICT DO NOTHING;

CREATE FUNCTION alert_entities_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF OLD.entities IS NOT DISTINCT FROM NEW.entities THEN
			RETURN NULL;
		END IF;
		DELETE FROM alert_entities WHERE alert_id = NEW.id;
	END IF;
	INSERT INTO alert_entities (value, alert_id)
	SELECT DISTINCT v, NEW.id FROM jsonb_each(NEW.entities::jsonb) k, jsonb_array_elements_text(k.value) v
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

CREATE TRIGGER alert_entities_insert AFTER INSERT ON alerts
FOR EACH ROW EXECUTE FUNCTION alert_entities_sync();

CREATE TRIGGER alert_entities_update AFTER UPDATE OF entities ON alerts
FOR EACH ROW EXECUTE FUNCTION alert_entities_sync();
