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
-- alerts_tenant and incidents_tenant are PostgreSQL's primary keys
-- (tenant, id). SQLite keys these tables by its rowid, which no tenant
-- leads; without them its planner (which keeps no statistics here) took
-- any index led by the tenant for "tenant = ? AND id > ? ORDER BY id" and
-- sorted the tenant's every alert for one page: half a second at a
-- million alerts. With them a page walks the tenant's ids in order.
CREATE INDEX alerts_tenant ON alerts (tenant, id);
CREATE INDEX incidents_tenant ON incidents (tenant, id);
CREATE INDEX alerts_first_seen ON alerts (tenant, first_seen_at, id);
CREATE INDEX incidents_severity ON incidents (tenant, severity, id);

-- A session is found by a digest of its id, never the id itself; it
-- belongs to the tenant of whoever logged in (an operator's to the
-- default tenant), so deleting a tenant deletes its sessions.
CREATE TABLE console_sessions (
	tenant     TEXT    NOT NULL,
	id_digest  BLOB    NOT NULL,
	principal  TEXT    NOT NULL,
	role       TEXT    NOT NULL,
	home       TEXT    NOT NULL,
	credential TEXT    NOT NULL,
	binding    BLOB    NOT NULL,
	seed       BLOB    NOT NULL,
	acting     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, id_digest)
) STRICT, WITHOUT ROWID;
CREATE INDEX console_sessions_expiry ON console_sessions (tenant, expires_at);
