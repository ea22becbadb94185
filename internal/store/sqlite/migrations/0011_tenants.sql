-- Tenants: every row a customer organisation owns carries its tenant, and
-- every key and index leads with it, so a tenant's rows sit together and
-- each lookup stays within one tenant. Rows from before tenants existed
-- move into the default tenant. The tenant column has no default: the
-- store names the tenant of every statement, and a default would hide a
-- forgotten one.
--
-- SQLite cannot change a table's constraints, so each table is rebuilt.
-- Tables keyed by id keep `id INTEGER PRIMARY KEY`: it is SQLite's rowid,
-- which assigns the ids, and SQLite is never distributed by tenant.
-- Foreign keys stay on (the migration runs in one transaction): children
-- are rebuilt pointing at their parent's new table, old children are
-- dropped before old parents, and the renames carry the references over.

-- The entity trigger is made again at the end, with the tenant.
DROP TRIGGER alert_entities_update;

CREATE TABLE tenants (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	data_key   BLOB,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;
INSERT INTO tenants (id, name, status, data_key, created_at, updated_at)
VALUES ('default', 'Default', 'active', NULL,
	CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER),
	CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));

CREATE TABLE incidents_new (
	tenant           TEXT    NOT NULL,
	id               INTEGER PRIMARY KEY,
	integration      TEXT    NOT NULL,
	vendor_id        TEXT    NOT NULL,
	title            TEXT    NOT NULL,
	description      TEXT    NOT NULL,
	severity         TEXT    NOT NULL,
	status           TEXT    NOT NULL,
	remote_status    TEXT    NOT NULL,
	verdict          TEXT    NOT NULL,
	published        INTEGER NOT NULL,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL,
	remote_alert_ids TEXT    NOT NULL,
	raw              BLOB,
	revision         INTEGER NOT NULL,
	last_changed_at  INTEGER NOT NULL,
	notes            TEXT    NOT NULL DEFAULT '',
	classification   TEXT    NOT NULL DEFAULT ''
) STRICT;
INSERT INTO incidents_new (tenant, id, integration, vendor_id, title, description, severity, status,
	remote_status, verdict, published, created_at, updated_at, remote_alert_ids, raw, revision,
	last_changed_at, notes, classification)
SELECT 'default', id, integration, vendor_id, title, description, severity, status, remote_status,
	verdict, published, created_at, updated_at, remote_alert_ids, raw, revision, last_changed_at,
	notes, classification FROM incidents;

CREATE TABLE alerts_new (
	tenant          TEXT    NOT NULL,
	id              INTEGER PRIMARY KEY,
	integration     TEXT    NOT NULL,
	vendor_id       TEXT    NOT NULL,
	title           TEXT    NOT NULL,
	description     TEXT    NOT NULL,
	severity        TEXT    NOT NULL,
	status          TEXT    NOT NULL,
	remote_status   TEXT    NOT NULL,
	verdict         TEXT    NOT NULL,
	published       INTEGER NOT NULL,
	source          TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	entities        TEXT    NOT NULL,
	incident_id     INTEGER REFERENCES incidents_new (id),
	remote_parent   TEXT    NOT NULL,
	raw             BLOB,
	revision        INTEGER NOT NULL,
	first_seen_at   INTEGER NOT NULL,
	last_changed_at INTEGER NOT NULL,
	notes           TEXT    NOT NULL DEFAULT '',
	same_as         TEXT    NOT NULL DEFAULT '',
	twin_id         INTEGER NOT NULL DEFAULT 0,
	UNIQUE (tenant, integration, vendor_id)
) STRICT;
INSERT INTO alerts_new (tenant, id, integration, vendor_id, title, description, severity, status,
	remote_status, verdict, published, source, created_at, updated_at, entities, incident_id,
	remote_parent, raw, revision, first_seen_at, last_changed_at, notes, same_as, twin_id)
SELECT 'default', id, integration, vendor_id, title, description, severity, status, remote_status,
	verdict, published, source, created_at, updated_at, entities, incident_id, remote_parent, raw,
	revision, first_seen_at, last_changed_at, notes, same_as, twin_id FROM alerts;

CREATE TABLE validations_new (
	tenant       TEXT    NOT NULL,
	alert_id     INTEGER NOT NULL REFERENCES alerts_new (id),
	started_at   INTEGER NOT NULL,
	next_pass_at INTEGER NOT NULL,
	ends_at      INTEGER NOT NULL,
	passes       INTEGER NOT NULL,
	done         INTEGER NOT NULL,
	found        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant, alert_id)
) STRICT;
INSERT INTO validations_new (tenant, alert_id, started_at, next_pass_at, ends_at, passes, done,
	found)
SELECT 'default', alert_id, started_at, next_pass_at, ends_at, passes, done, found FROM validations;

CREATE TABLE revisions_new (
	tenant     TEXT    NOT NULL,
	id         INTEGER PRIMARY KEY,
	kind       TEXT    NOT NULL,
	object_id  INTEGER NOT NULL,
	seq        INTEGER NOT NULL,
	actor_kind TEXT    NOT NULL,
	actor_name TEXT    NOT NULL,
	reason     TEXT    NOT NULL,
	changes    TEXT    NOT NULL,
	snapshot   BLOB,
	at         INTEGER NOT NULL,
	UNIQUE (tenant, kind, object_id, seq)
) STRICT;
INSERT INTO revisions_new (tenant, id, kind, object_id, seq, actor_kind, actor_name, reason,
	changes, snapshot, at)
SELECT 'default', id, kind, object_id, seq, actor_kind, actor_name, reason, changes, snapshot, at
FROM revisions;

CREATE TABLE comments_new (
	tenant      TEXT    NOT NULL,
	id          INTEGER PRIMARY KEY,
	kind        TEXT    NOT NULL,
	object_id   INTEGER NOT NULL,
	author_kind TEXT    NOT NULL,
	author_name TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	at          INTEGER NOT NULL
) STRICT;
INSERT INTO comments_new (tenant, id, kind, object_id, author_kind, author_name, body, at)
SELECT 'default', id, kind, object_id, author_kind, author_name, body, at FROM comments;

CREATE TABLE outbox_new (
	tenant          TEXT    NOT NULL,
	id              INTEGER PRIMARY KEY,
	idem_key        TEXT    NOT NULL,
	integration     TEXT    NOT NULL,
	object_ref      TEXT    NOT NULL,
	action          TEXT    NOT NULL,
	payload         BLOB,
	origin_kind     TEXT    NOT NULL,
	origin_id       INTEGER NOT NULL,
	state           TEXT    NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	lease_owner     TEXT    NOT NULL,
	lease_until     INTEGER NOT NULL,
	last_error      TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	priority        INTEGER NOT NULL DEFAULT 0,
	UNIQUE (tenant, idem_key)
) STRICT;
INSERT INTO outbox_new (tenant, id, idem_key, integration, object_ref, action, payload, origin_kind,
	origin_id, state, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at,
	updated_at, priority)
SELECT 'default', id, idem_key, integration, object_ref, action, payload, origin_kind, origin_id,
	state, attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, updated_at,
	priority FROM outbox;

CREATE TABLE quarantine_new (
	tenant      TEXT    NOT NULL,
	id          INTEGER PRIMARY KEY,
	integration TEXT    NOT NULL,
	vendor_id   TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	payload     BLOB,
	at          INTEGER NOT NULL
) STRICT;
INSERT INTO quarantine_new (tenant, id, integration, vendor_id, reason, payload, at)
SELECT 'default', id, integration, vendor_id, reason, payload, at FROM quarantine;

CREATE TABLE integrations_new (
	tenant     TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	enabled    INTEGER NOT NULL,
	settings   TEXT,
	secrets    BLOB,
	policy     TEXT,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, id)
) STRICT;
INSERT INTO integrations_new (tenant, id, kind, name, enabled, settings, secrets, policy, updated_at)
SELECT 'default', id, kind, name, enabled, settings, secrets, policy, updated_at FROM integrations;

CREATE TABLE cursors_new (
	tenant      TEXT    NOT NULL,
	integration TEXT    NOT NULL,
	stream      TEXT    NOT NULL,
	cursor      TEXT    NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant, integration, stream)
) STRICT;
INSERT INTO cursors_new (tenant, integration, stream, cursor, updated_at)
SELECT 'default', integration, stream, cursor, updated_at FROM cursors;

CREATE TABLE ledger_new (
	tenant        TEXT    NOT NULL,
	id            INTEGER PRIMARY KEY,
	integration   TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	vendor_id     TEXT    NOT NULL,
	remote_status TEXT    NOT NULL,
	at            INTEGER NOT NULL
) STRICT;
INSERT INTO ledger_new (tenant, id, integration, kind, vendor_id, remote_status, at)
SELECT 'default', id, integration, kind, vendor_id, remote_status, at FROM ledger;

CREATE TABLE alert_entities_new (
	tenant   TEXT    NOT NULL,
	value    TEXT    NOT NULL,
	alert_id INTEGER NOT NULL,
	PRIMARY KEY (tenant, value, alert_id)
) STRICT, WITHOUT ROWID;
INSERT INTO alert_entities_new (tenant, value, alert_id)
SELECT 'default', value, alert_id FROM alert_entities;

CREATE TABLE memberships_new (
	tenant      TEXT    NOT NULL,
	incident_id INTEGER NOT NULL,
	alert_id    INTEGER NOT NULL,
	source      TEXT    NOT NULL,
	added_at    INTEGER NOT NULL,
	PRIMARY KEY (tenant, incident_id, alert_id)
) STRICT, WITHOUT ROWID;
INSERT INTO memberships_new (tenant, incident_id, alert_id, source, added_at)
SELECT 'default', incident_id, alert_id, source, added_at FROM memberships;

CREATE TABLE evidence_new (
	tenant      TEXT    NOT NULL,
	id          INTEGER PRIMARY KEY,
	integration TEXT    NOT NULL,
	vendor_id   TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	operation   TEXT    NOT NULL,
	summary     TEXT    NOT NULL,
	result      TEXT    NOT NULL,
	occurred_at INTEGER NOT NULL,
	ingested_at INTEGER NOT NULL,
	entities    TEXT    NOT NULL,
	raw         BLOB,
	UNIQUE (tenant, integration, vendor_id)
) STRICT;
INSERT INTO evidence_new (tenant, id, integration, vendor_id, source, operation, summary, result,
	occurred_at, ingested_at, entities, raw)
SELECT 'default', id, integration, vendor_id, source, operation, summary, result, occurred_at,
	ingested_at, entities, raw FROM evidence;

CREATE TABLE evidence_entities_new (
	tenant      TEXT    NOT NULL,
	value       TEXT    NOT NULL,
	occurred_at INTEGER NOT NULL,
	evidence_id INTEGER NOT NULL,
	PRIMARY KEY (tenant, value, occurred_at, evidence_id)
) STRICT, WITHOUT ROWID;
INSERT INTO evidence_entities_new (tenant, value, occurred_at, evidence_id)
SELECT 'default', value, occurred_at, evidence_id FROM evidence_entities;

CREATE TABLE playbooks_new (
	tenant     TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	definition TEXT    NOT NULL,
	origin     TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, id)
) STRICT;
INSERT INTO playbooks_new (tenant, id, definition, origin, updated_at)
SELECT 'default', id, definition, origin, updated_at FROM playbooks;

CREATE TABLE playbook_runs_new (
	tenant      TEXT    NOT NULL,
	id          INTEGER PRIMARY KEY,
	playbook_id TEXT    NOT NULL,
	trigger     TEXT    NOT NULL,
	object_kind TEXT    NOT NULL,
	object_id   INTEGER NOT NULL,
	status      TEXT    NOT NULL,
	nodes       TEXT,
	next_step   INTEGER NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	error       TEXT    NOT NULL,
	dedupe      TEXT,
	group_until INTEGER NOT NULL,
	group_count INTEGER NOT NULL,
	dry_run     INTEGER NOT NULL
) STRICT;
INSERT INTO playbook_runs_new (tenant, id, playbook_id, trigger, object_kind, object_id, status,
	nodes, next_step, started_at, finished_at, error, dedupe, group_until, group_count, dry_run)
SELECT 'default', id, playbook_id, trigger, object_kind, object_id, status, nodes, next_step,
	started_at, finished_at, error, dedupe, group_until, group_count, dry_run FROM playbook_runs;

CREATE TABLE playbook_steps_new (
	tenant      TEXT    NOT NULL,
	run_id      INTEGER NOT NULL REFERENCES playbook_runs_new (id),
	idx         INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	input       BLOB,
	output      BLOB,
	attempts    INTEGER NOT NULL,
	duration_us INTEGER NOT NULL,
	error       TEXT    NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	PRIMARY KEY (tenant, run_id, idx)
) STRICT;
INSERT INTO playbook_steps_new (tenant, run_id, idx, name, type, status, input, output, attempts,
	duration_us, error, started_at, finished_at)
SELECT 'default', run_id, idx, name, type, status, input, output, attempts, duration_us, error,
	started_at, finished_at FROM playbook_steps;

-- Old children first, so no dropped parent leaves a reference behind.
DROP TABLE validations;
DROP TABLE playbook_steps;
DROP TABLE alerts;
DROP TABLE incidents;
DROP TABLE playbook_runs;
DROP TABLE revisions;
DROP TABLE comments;
DROP TABLE outbox;
DROP TABLE quarantine;
DROP TABLE integrations;
DROP TABLE cursors;
DROP TABLE ledger;
DROP TABLE alert_entities;
DROP TABLE memberships;
DROP TABLE evidence;
DROP TABLE evidence_entities;
DROP TABLE playbooks;

-- Parents first: renaming a parent rewrites its children's references.
ALTER TABLE incidents_new RENAME TO incidents;
ALTER TABLE alerts_new RENAME TO alerts;
ALTER TABLE validations_new RENAME TO validations;
ALTER TABLE playbook_runs_new RENAME TO playbook_runs;
ALTER TABLE playbook_steps_new RENAME TO playbook_steps;
ALTER TABLE revisions_new RENAME TO revisions;
ALTER TABLE comments_new RENAME TO comments;
ALTER TABLE outbox_new RENAME TO outbox;
ALTER TABLE quarantine_new RENAME TO quarantine;
ALTER TABLE integrations_new RENAME TO integrations;
ALTER TABLE cursors_new RENAME TO cursors;
ALTER TABLE ledger_new RENAME TO ledger;
ALTER TABLE alert_entities_new RENAME TO alert_entities;
ALTER TABLE memberships_new RENAME TO memberships;
ALTER TABLE evidence_new RENAME TO evidence;
ALTER TABLE evidence_entities_new RENAME TO evidence_entities;
ALTER TABLE playbooks_new RENAME TO playbooks;

-- The indexes, each as before with the tenant in front. Partial-index
-- predicates are kept word for word: SQLite uses a partial index only for
-- a query that repeats its terms.
CREATE UNIQUE INDEX incidents_vendor ON incidents (tenant, integration, vendor_id) WHERE integration <> '';
CREATE INDEX alerts_incident ON alerts (tenant, incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX alerts_same_as ON alerts (tenant, same_as) WHERE same_as <> '';
CREATE INDEX comments_object ON comments (tenant, kind, object_id, id);
CREATE INDEX outbox_object ON outbox (tenant, integration, object_ref, id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_origin ON outbox (tenant, origin_kind, origin_id);
CREATE INDEX outbox_object_action ON outbox (tenant, integration, object_ref, action, priority);
CREATE INDEX outbox_active ON outbox (tenant, priority, id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_lane ON outbox (tenant, integration, priority, id) WHERE state IN ('pending', 'leased') AND integration > '';
CREATE INDEX quarantine_integration ON quarantine (tenant, integration, id);
CREATE INDEX validations_due ON validations (tenant, next_pass_at, alert_id) WHERE NOT done;
CREATE INDEX ledger_object ON ledger (tenant, integration, kind, vendor_id, at);
CREATE INDEX ledger_at ON ledger (tenant, at);
CREATE INDEX memberships_alert ON memberships (tenant, alert_id, incident_id);
CREATE INDEX evidence_entities_evidence ON evidence_entities (tenant, evidence_id);
CREATE UNIQUE INDEX playbook_runs_dedupe ON playbook_runs (tenant, dedupe) WHERE dedupe IS NOT NULL;
CREATE INDEX playbook_runs_playbook ON playbook_runs (tenant, playbook_id, id);
CREATE INDEX playbook_runs_open ON playbook_runs (tenant, playbook_id, group_until)
	WHERE status = 'running' AND group_until > 0;

-- New alerts index their entity values from Go (see EntitiesByInsert);
-- a changed entities column is re-indexed here, within its tenant.
CREATE TRIGGER alert_entities_update AFTER UPDATE OF entities ON alerts
WHEN old.entities IS NOT new.entities BEGIN
	DELETE FROM alert_entities WHERE tenant = old.tenant AND alert_id = old.id AND value IN
		(SELECT j.value FROM json_each(old.entities) k, json_each(k.value) j);
	INSERT OR IGNORE INTO alert_entities (tenant, value, alert_id)
	SELECT new.tenant, j.value, new.id FROM json_each(new.entities) k, json_each(k.value) j;
END;
