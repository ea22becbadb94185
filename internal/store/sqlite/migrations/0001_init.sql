-- Timestamps are unix microseconds (UTC), 0 for none. Payloads are BLOBs so
-- vendor bytes round-trip exactly. Tables are STRICT so a wrongly typed
-- value fails loudly instead of being stored as something else.

CREATE TABLE incidents (
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
	last_changed_at  INTEGER NOT NULL
) STRICT;
-- Local incidents (integration '') have no vendor identity.
CREATE UNIQUE INDEX incidents_vendor ON incidents (integration, vendor_id) WHERE integration <> '';

CREATE TABLE alerts (
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
	incident_id     INTEGER REFERENCES incidents (id),
	remote_parent   TEXT    NOT NULL,
	raw             BLOB,
	revision        INTEGER NOT NULL,
	first_seen_at   INTEGER NOT NULL,
	last_changed_at INTEGER NOT NULL,
	UNIQUE (integration, vendor_id)
) STRICT;
CREATE INDEX alerts_incident ON alerts (incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE revisions (
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
	UNIQUE (kind, object_id, seq)
) STRICT;

CREATE TABLE comments (
	id          INTEGER PRIMARY KEY,
	kind        TEXT    NOT NULL,
	object_id   INTEGER NOT NULL,
	author_kind TEXT    NOT NULL,
	author_name TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	at          INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_object ON comments (kind, object_id, id);

CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	idem_key        TEXT    NOT NULL UNIQUE,
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
	updated_at      INTEGER NOT NULL
) STRICT;
-- The claim walks unfinished items in id order and checks each for an
-- earlier unfinished item of the same remote object; finished items, the
-- bulk of the table, are in neither index.
CREATE INDEX outbox_active ON outbox (id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_object ON outbox (integration, object_ref, id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_origin ON outbox (origin_kind, origin_id);

CREATE TABLE quarantine (
	id          INTEGER PRIMARY KEY,
	integration TEXT    NOT NULL,
	vendor_id   TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	payload     BLOB,
	at          INTEGER NOT NULL
) STRICT;
CREATE INDEX quarantine_integration ON quarantine (integration, id);

CREATE TABLE integrations (
	id         TEXT    PRIMARY KEY,
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	enabled    INTEGER NOT NULL,
	settings   TEXT,
	secrets    BLOB,
	policy     TEXT,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cursors (
	integration TEXT    NOT NULL,
	stream      TEXT    NOT NULL,
	cursor      TEXT    NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (integration, stream)
) STRICT;

CREATE TABLE validations (
	alert_id     INTEGER PRIMARY KEY REFERENCES alerts (id),
	started_at   INTEGER NOT NULL,
	next_pass_at INTEGER NOT NULL,
	ends_at      INTEGER NOT NULL,
	passes       INTEGER NOT NULL,
	done         INTEGER NOT NULL
) STRICT;
CREATE INDEX validations_due ON validations (next_pass_at) WHERE NOT done;

CREATE TABLE ledger (
	id            INTEGER PRIMARY KEY,
	integration   TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	vendor_id     TEXT    NOT NULL,
	remote_status TEXT    NOT NULL,
	at            INTEGER NOT NULL
) STRICT;
CREATE INDEX ledger_object ON ledger (integration, kind, vendor_id, at);
CREATE INDEX ledger_at ON ledger (at);
