-- Tenants: every row a customer organisation owns carries its tenant, and
-- every primary key, unique key and index leads with it, so the tables can
-- later be distributed by tenant (Citus-style) without a schema change.
-- Rows from before tenants existed move into the default tenant. The
-- tenant column keeps no default: the store names the tenant of every
-- statement, and a default would hide a forgotten one.

CREATE TABLE tenants (
	id         TEXT   PRIMARY KEY,
	name       TEXT   NOT NULL,
	status     TEXT   NOT NULL,
	data_key   BYTEA,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
INSERT INTO tenants (id, name, status, data_key, created_at, updated_at)
VALUES ('default', 'Default', 'active', NULL,
	(extract(epoch FROM now()) * 1000000)::bigint, (extract(epoch FROM now()) * 1000000)::bigint);

-- Foreign keys go first: they depend on the keys replaced below.
ALTER TABLE alerts DROP CONSTRAINT alerts_incident_id_fkey;
ALTER TABLE validations DROP CONSTRAINT validations_alert_id_fkey;
ALTER TABLE playbook_steps DROP CONSTRAINT playbook_steps_run_id_fkey;

DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['incidents', 'alerts', 'revisions', 'comments', 'outbox', 'quarantine',
		'integrations', 'cursors', 'validations', 'ledger', 'alert_entities', 'memberships', 'evidence',
		'evidence_entities', 'playbooks', 'playbook_runs', 'playbook_steps']
	LOOP
		EXECUTE format('ALTER TABLE %I ADD COLUMN tenant TEXT NOT NULL DEFAULT %L', t, 'default');
		EXECUTE format('ALTER TABLE %I ALTER COLUMN tenant DROP DEFAULT', t);
	END LOOP;
END $$;

-- Primary and unique keys, each with the tenant in front.
ALTER TABLE incidents DROP CONSTRAINT incidents_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE alerts DROP CONSTRAINT alerts_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE alerts DROP CONSTRAINT alerts_integration_vendor_id_key, ADD UNIQUE (tenant, integration, vendor_id);
ALTER TABLE revisions DROP CONSTRAINT revisions_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE revisions DROP CONSTRAINT revisions_kind_object_id_seq_key, ADD UNIQUE (tenant, kind, object_id, seq);
ALTER TABLE comments DROP CONSTRAINT comments_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE outbox DROP CONSTRAINT outbox_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE outbox DROP CONSTRAINT outbox_idem_key_key, ADD UNIQUE (tenant, idem_key);
ALTER TABLE quarantine DROP CONSTRAINT quarantine_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE integrations DROP CONSTRAINT integrations_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE cursors DROP CONSTRAINT cursors_pkey, ADD PRIMARY KEY (tenant, integration, stream);
ALTER TABLE validations DROP CONSTRAINT validations_pkey, ADD PRIMARY KEY (tenant, alert_id);
ALTER TABLE ledger DROP CONSTRAINT ledger_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE alert_entities DROP CONSTRAINT alert_entities_pkey, ADD PRIMARY KEY (tenant, value, alert_id);
ALTER TABLE memberships DROP CONSTRAINT memberships_pkey, ADD PRIMARY KEY (tenant, incident_id, alert_id);
ALTER TABLE evidence DROP CONSTRAINT evidence_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE evidence DROP CONSTRAINT evidence_integration_vendor_id_key, ADD UNIQUE (tenant, integration, vendor_id);
ALTER TABLE evidence_entities DROP CONSTRAINT evidence_entities_pkey, ADD PRIMARY KEY (tenant, value, occurred_at, evidence_id);
ALTER TABLE playbooks DROP CONSTRAINT playbooks_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE playbook_runs DROP CONSTRAINT playbook_runs_pkey, ADD PRIMARY KEY (tenant, id);
ALTER TABLE playbook_steps DROP CONSTRAINT playbook_steps_pkey, ADD PRIMARY KEY (tenant, run_id, idx);

-- Foreign keys within a tenant: a row can only name its own tenant's
-- parent.
ALTER TABLE alerts ADD FOREIGN KEY (tenant, incident_id) REFERENCES incidents (tenant, id);
ALTER TABLE validations ADD FOREIGN KEY (tenant, alert_id) REFERENCES alerts (tenant, id);
ALTER TABLE playbook_steps ADD FOREIGN KEY (tenant, run_id) REFERENCES playbook_runs (tenant, id);

-- The indexes, as before with the tenant in front; partial-index
-- predicates are written as the queries state them.
DROP INDEX alert_entities_alert, alerts_incident, alerts_same_as, comments_object, evidence_entities_evidence,
	incidents_vendor, ledger_at, ledger_object, memberships_alert, outbox_active, outbox_lane, outbox_object,
	outbox_object_action, outbox_origin, playbook_runs_dedupe, playbook_runs_open, playbook_runs_playbook,
	quarantine_integration, validations_due;
CREATE INDEX alert_entities_alert ON alert_entities (tenant, alert_id);
CREATE INDEX alerts_incident ON alerts (tenant, incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX alerts_same_as ON alerts (tenant, same_as) WHERE same_as <> '';
CREATE INDEX comments_object ON comments (tenant, kind, object_id, id);
CREATE INDEX evidence_entities_evidence ON evidence_entities (tenant, evidence_id);
CREATE UNIQUE INDEX incidents_vendor ON incidents (tenant, integration, vendor_id) WHERE integration <> '';
CREATE INDEX ledger_at ON ledger (tenant, at);
CREATE INDEX ledger_object ON ledger (tenant, integration, kind, vendor_id, at);
CREATE INDEX memberships_alert ON memberships (tenant, alert_id, incident_id);
CREATE INDEX outbox_active ON outbox (tenant, priority, id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_lane ON outbox (tenant, integration, priority, id) WHERE state IN ('pending', 'leased') AND integration > '';
CREATE INDEX outbox_object ON outbox (tenant, integration, object_ref, id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_object_action ON outbox (tenant, integration, object_ref, action, priority);
CREATE INDEX outbox_origin ON outbox (tenant, origin_kind, origin_id);
CREATE UNIQUE INDEX playbook_runs_dedupe ON playbook_runs (tenant, dedupe) WHERE dedupe IS NOT NULL;
CREATE INDEX playbook_runs_open ON playbook_runs (tenant, playbook_id, group_until) WHERE status = 'running' AND group_until > 0;
CREATE INDEX playbook_runs_playbook ON playbook_runs (tenant, playbook_id, id);
CREATE INDEX quarantine_integration ON quarantine (tenant, integration, id);
CREATE INDEX validations_due ON validations (tenant, next_pass_at, alert_id) WHERE NOT done;

-- The entity index keeps each alert's tenant.
CREATE OR REPLACE FUNCTION alert_entities_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO alert_entities (tenant, value, alert_id)
	SELECT DISTINCT n.tenant, v, n.id FROM new_rows n, jsonb_each(n.entities::jsonb) k, jsonb_array_elements_text(k.value) v
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION alert_entities_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM alert_entities WHERE tenant = NEW.tenant AND alert_id = NEW.id;
	INSERT INTO alert_entities (tenant, value, alert_id)
	SELECT DISTINCT NEW.tenant, v, NEW.id FROM jsonb_each(NEW.entities::jsonb) k, jsonb_array_elements_text(k.value) v
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

-- Row-level security, the second guard: a transaction sees and writes
-- only the rows of the tenant it names in alertsync.tenant, or every
-- tenant's when it names '*' (the hub's own cross-tenant work, such as
-- the outbox claim); one that names nothing sees nothing.
-- FORCE makes the policies bind the tables' owner too.
DO $$
DECLARE t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['incidents', 'alerts', 'revisions', 'comments', 'outbox', 'quarantine',
		'integrations', 'cursors', 'validations', 'ledger', 'alert_entities', 'memberships', 'evidence',
		'evidence_entities', 'playbooks', 'playbook_runs', 'playbook_steps']
	LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
		EXECUTE format($p$CREATE POLICY tenant_scope ON %I
			USING (tenant = current_setting('alertsync.tenant', true))
			WITH CHECK (tenant = current_setting('alertsync.tenant', true))$p$, t);
		EXECUTE format($p$CREATE POLICY hub_scope ON %I
			USING (current_setting('alertsync.tenant', true) = '*')$p$, t);
	END LOOP;
END $$;

-- Superusers (and roles with BYPASSRLS) are not bound by policies, even
-- forced ones, so a tenant's transaction takes this role when the store
-- connects as such a user (see DB.findScopeRole). Roles belong to the whole
-- server: make it once, and where the user may not make roles, go on (the
-- policies then bind the owner through FORCE). A later migration that
-- adds a table grants it to the role too.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alertsync_scoped') THEN
		CREATE ROLE alertsync_scoped NOLOGIN;
	END IF;
EXCEPTION WHEN insufficient_privilege OR duplicate_object THEN
	NULL;
END $$;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alertsync_scoped') THEN
		EXECUTE format('GRANT USAGE ON SCHEMA %I TO alertsync_scoped', current_schema());
		EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO alertsync_scoped', current_schema());
		EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO alertsync_scoped', current_schema());
	END IF;
EXCEPTION WHEN insufficient_privilege THEN
	NULL;
END $$;
