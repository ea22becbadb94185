-- Notes record what the text policy repaired in a vendor payload (JSON
-- array of strings, '' for none).
ALTER TABLE alerts ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN notes TEXT NOT NULL DEFAULT '';

-- Priority orders an integration's work: 0 for decisions (verdicts, state
-- writes, reconciliation, analysts' comments), 1 for automatic comments.
ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
-- Each integration's unfinished work is claimed on its own lane, decisions
-- first; the lanes themselves are found by a skip scan of this index.
CREATE INDEX outbox_lane ON outbox (integration, priority, id) WHERE state IN ('pending', 'leased');
-- Automatic comments per remote object are counted against the vendor's
-- comment limit, over every state.
CREATE INDEX outbox_object_action ON outbox (integration, object_ref, action, priority);

-- Found is how many related alerts a validation had found when it last
-- commented, so a pass comments only when it finds something new.
ALTER TABLE validations ADD COLUMN found INTEGER NOT NULL DEFAULT 0;
