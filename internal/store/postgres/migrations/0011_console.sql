-- The console's lists filter by severity and by when alertsync first
-- stored an alert, and its sessions live here so that they outlive a
-- restart and every replica honours them.
--
-- alerts_severity and incidents_severity keep a severity filter a walk in
-- id order (keyset paging) over matching rows only. alerts_first_seen
-- turns a time window into an id range with one lookup per bound: ids
-- grow with first_seen_at, so the page then walks the primary key (or
-- alerts_severity) between those ids.
CREATE INDEX alerts_severity ON alerts (tenant, severity, id);
CREATE INDEX alerts_first_seen ON alerts (tenant, first_seen_at, id);
CREATE INDEX incidents_severity ON incidents (tenant, severity, id);

-- A session is found by a digest of its id, never the id itself; it
-- belongs to the tenant of whoever logged in (an operator's to the
-- default tenant), so deleting a tenant deletes its sessions.
CREATE TABLE console_sessions (
	tenant     TEXT   NOT NULL,
	id_digest  BYTEA  NOT NULL,
	principal  TEXT   NOT NULL,
	role       TEXT   NOT NULL,
	home       TEXT   NOT NULL,
	credential TEXT   NOT NULL,
	binding    BYTEA  NOT NULL,
	seed       BYTEA  NOT NULL,
	acting     TEXT   NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (tenant, id_digest)
);
CREATE INDEX console_sessions_expiry ON console_sessions (tenant, expires_at);

-- Row-level security as on every tenant's table (see 0010).
ALTER TABLE console_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE console_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON console_sessions
	USING (tenant = current_setting('alertsync.tenant', true))
	WITH CHECK (tenant = current_setting('alertsync.tenant', true));
CREATE POLICY hub_scope ON console_sessions
	USING (current_setting('alertsync.tenant', true) = '*');

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alertsync_scoped') THEN
		EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON console_sessions TO alertsync_scoped';
	END IF;
EXCEPTION WHEN insufficient_privilege THEN
	NULL;
END $$;
