-- Playbooks: the definitions managed through the API (files are read at
-- start-up and may never be stored here), and their runs, each with one
-- record per step. Runs name their playbook without a foreign key: a
-- deleted definition's runs stay as history, and a file playbook's runs
-- have no definition row at all.
CREATE TABLE playbooks (
	id         TEXT   PRIMARY KEY,
	definition TEXT   NOT NULL,
	origin     TEXT   NOT NULL,
	updated_at BIGINT NOT NULL
);

-- nodes is the JSON array the run has built so far (the trigger's node
-- and each step's output), TEXT like all JSON the store keeps, so both
-- engines share the queries and the bytes come back as written. dedupe is
-- the trigger event's key, unique where set, so one event delivered twice
-- starts one run: the batch insert skips a taken key with ON CONFLICT DO
-- NOTHING. Runs without a key (manual runs, previews) leave it NULL and
-- stay out of the index.
CREATE TABLE playbook_runs (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	playbook_id TEXT    NOT NULL,
	trigger     TEXT    NOT NULL,
	object_kind TEXT    NOT NULL,
	object_id   BIGINT  NOT NULL,
	status      TEXT    NOT NULL,
	nodes       TEXT,
	next_step   INTEGER NOT NULL,
	started_at  BIGINT  NOT NULL,
	finished_at BIGINT  NOT NULL,
	error       TEXT    NOT NULL,
	dedupe      TEXT,
	group_until BIGINT  NOT NULL,
	group_count INTEGER NOT NULL,
	dry_run     BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX playbook_runs_dedupe ON playbook_runs (dedupe) WHERE dedupe IS NOT NULL;
-- A playbook's history, newest first, is a walk of this index backwards.
CREATE INDEX playbook_runs_playbook ON playbook_runs (playbook_id, id);
-- Finding the run still gathering triggers happens for every trigger of a
-- grouping playbook; only running grouping runs are indexed, a handful
-- however long the history. The predicate is written as RunOpenGroup
-- states it, so that a generic plan, which cannot compare its parameter
-- with 0, still matches the index.
CREATE INDEX playbook_runs_open ON playbook_runs (playbook_id, group_until)
	WHERE status = 'running' AND group_until > 0;

-- One row per step of a run, replaced as the step goes from sending to
-- its outcome. input and output are the rendered request and what the
-- endpoint answered: bytes, kept exactly as the run recorded them.
CREATE TABLE playbook_steps (
	run_id      BIGINT  NOT NULL REFERENCES playbook_runs (id),
	idx         INTEGER NOT NULL,
	name        TEXT    NOT NULL,
	type        TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	input       BYTEA,
	output      BYTEA,
	attempts    INTEGER NOT NULL,
	duration_us BIGINT  NOT NULL,
	error       TEXT    NOT NULL,
	started_at  BIGINT  NOT NULL,
	finished_at BIGINT  NOT NULL,
	PRIMARY KEY (run_id, idx)
);
