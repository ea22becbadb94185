-- Timestamps are unix microseconds (UTC), 0 for none. Payloads are BYTEA
-- so vendor bytes round-trip exactly (JSONB would reorder keys). JSON the
-- store writes itself is TEXT, matching SQLite, so both share every query.

CREATE TABLE incidents (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	integration      TEXT    NOT NULL,
	vendor_id        TEXT    NOT NULL,
	title            TEXT    NOT NULL,
	description      TEXT    NOT NULL,
	severity         TEXT    NOT NULL,
	status           TEXT    NOT NULL,
	remote_status    TEXT    NOT NULL,
	verdict          TEXT    NOT NULL,
	published BOOLEAN NOT NULL,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL,
	remote_alert_ids TEXT    NOT NULL,
	raw              BYTEA,
	revision         BIGINT NOT NULL,
	last_changed_at  BIGINT NOT NULL
);
-- Local incidents (integration '') have no vendor identity.
CREATE UNIQUE INDEX incidents_vendor ON incidents (integration, vendor_id) WHERE integration <> '';

CREATE TABLE alerts (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	integration     TEXT    NOT NULL,
	vendor_id       TEXT    NOT NULL,
	title           TEXT    NOT NULL,
	description     TEXT    NOT NULL,
	severity        TEXT    NOT NULL,
	status          TEXT    NOT NULL,
	remote_status   TEXT    NOT NULL,
	verdict         TEXT    NOT NULL,
	published BOOLEAN NOT NULL,
	source          TEXT    NOT NULL,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	entities        TEXT    NOT NULL,
	incident_id     BIGINT REFERENCES incidents (id),
	remote_parent   TEXT    NOT NULL,
	raw             BYTEA,
	revision        BIGINT NOT NULL,
	first_seen_at   BIGINT NOT NULL,
	last_changed_at BIGINT NOT NULL,
	UNIQUE (integration, vendor_id)
);
CREATE INDEX alerts_incident ON alerts (incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE revisions (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind       TEXT    NOT NULL,
	object_id  BIGINT NOT NULL,
	seq        BIGINT NOT NULL,
	actor_kind TEXT    NOT NULL,
	actor_name TEXT    NOT NULL,
	reason     TEXT    NOT NULL,
	changes    TEXT    NOT NULL,
	snapshot   BYTEA,
	at         BIGINT NOT NULL,
	UNIQUE (kind, object_id, seq)
);

CREATE TABLE comments (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind        TEXT    NOT NULL,
	object_id   BIGINT NOT NULL,
	author_kind TEXT    NOT NULL,
	author_name TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	at          BIGINT NOT NULL
);
CREATE INDEX comments_object ON comments (kind, object_id, id);

CREATE TABLE outbox (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	idem_key        TEXT    NOT NULL UNIQUE,
	integration     TEXT    NOT NULL,
	object_ref      TEXT    NOT NULL,
	action          TEXT    NOT NULL,
	payload         BYTEA,
	origin_kind     TEXT    NOT NULL,
	origin_id       BIGINT NOT NULL,
	state           TEXT    NOT NULL,
	attempts INTEGER NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	lease_owner     TEXT    NOT NULL,
	lease_until     BIGINT NOT NULL,
	last_error      TEXT    NOT NULL,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
);
-- The claim walks unfinished items in id order and checks each for an
-- earlier unfinished item of the same remote object; finished items, the
-- bulk of the table, are in neither index.
CREATE INDEX outbox_active ON outbox (id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_object ON outbox (integration, object_ref, id) WHERE state IN ('pending', 'leased');
CREATE INDEX outbox_origin ON outbox (origin_kind, origin_id);

CREATE TABLE quarantine (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	integration TEXT    NOT NULL,
	vendor_id   TEXT    NOT NULL,
	reason      TEXT    NOT NULL,
	payload     BYTEA,
	at          BIGINT NOT NULL
);
CREATE INDEX quarantine_integration ON quarantine (integration, id);

CREATE TABLE integrations (
	id         TEXT    PRIMARY KEY,
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	enabled BOOLEAN NOT NULL,
	settings   TEXT,
	secrets    BYTEA,
	policy     TEXT,
	updated_at BIGINT NOT NULL
);

CREATE TABLE cursors (
	integration TEXT    NOT NULL,
	stream      TEXT    NOT NULL,
	cursor      TEXT    NOT NULL,
	updated_at  BIGINT NOT NULL,
	PRIMARY KEY (integration, stream)
);

CREATE TABLE validations (
	alert_id     BIGINT PRIMARY KEY REFERENCES alerts (id),
	started_at   BIGINT NOT NULL,
	next_pass_at BIGINT NOT NULL,
	ends_at      BIGINT NOT NULL,
	passes INTEGER NOT NULL,
	done BOOLEAN NOT NULL
);
CREATE INDEX validations_due ON validations (next_pass_at) WHERE NOT done;

CREATE TABLE ledger (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	integration   TEXT    NOT NULL,
	kind          TEXT    NOT NULL,
	vendor_id     TEXT    NOT NULL,
	remote_status TEXT    NOT NULL,
	at            BIGINT NOT NULL
);
CREATE INDEX ledger_object ON ledger (integration, kind, vendor_id, at);
CREATE INDEX ledger_at ON ledger (at);
