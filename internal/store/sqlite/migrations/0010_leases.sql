-- Leases name who does a job only one replica may do at a time (polling
-- one integration) and, as "replica:<id>", which replicas are alive.
-- epoch grows each time the lease changes hands: a holder stamps its
-- writes with the epoch it holds, so a replica that lost the lease
-- without knowing (a long pause, a partition) is refused, not obeyed.
CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	epoch      INTEGER NOT NULL,
	held_until INTEGER NOT NULL,
	since      INTEGER NOT NULL,
	renewed_at INTEGER NOT NULL
);
