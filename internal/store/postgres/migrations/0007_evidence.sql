-- Evidence: audit-log records (Office 365 sign-ins, mailbox rule changes,
-- file downloads). They are not alerts; they are linked to alerts and
-- incidents by the users and IP addresses they share, through
-- evidence_entities, whose key puts the time after the value so "what did
-- this user or IP do around the alert" is one index range per value.
CREATE TABLE evidence (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	integration TEXT   NOT NULL,
	vendor_id   TEXT   NOT NULL,
	source      TEXT   NOT NULL,
	operation   TEXT   NOT NULL,
	summary     TEXT   NOT NULL,
	result      TEXT   NOT NULL,
	occurred_at BIGINT NOT NULL,
	ingested_at BIGINT NOT NULL,
	entities    TEXT   NOT NULL,
	raw         BYTEA,
	UNIQUE (integration, vendor_id)
);

CREATE TABLE evidence_entities (
	value       TEXT   NOT NULL,
	occurred_at BIGINT NOT NULL,
	evidence_id BIGINT NOT NULL,
	PRIMARY KEY (value, occurred_at, evidence_id)
);
CREATE INDEX evidence_entities_evidence ON evidence_entities (evidence_id);
