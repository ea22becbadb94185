-- The lane index gains a predicate only the claims and the lane scan
-- state (integration > ''), so that the per-object "nothing earlier still
-- unfinished" probe of every claim cannot use it. Without the predicate,
-- PostgreSQL, before its statistics caught up with a burst of new work,
-- probed through this index (every unfinished row of the integration for
-- each candidate: 58 ms a claim of 256 among 10,000) instead of an index
-- on the remote object (6 ms).
DROP INDEX outbox_lane;
CREATE INDEX outbox_lane ON outbox (integration, priority, id) WHERE state IN ('pending', 'leased') AND integration > '';
