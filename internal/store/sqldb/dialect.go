package sqldb

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Dialect is what differs between the engines. Everything else, including
// every query, is shared.
type Dialect struct {
	// Name is what Driver returns: "sqlite" or "postgres".
	Name string
	// Numbered placeholders ($1, $2, ...) replace the ? used in queries.
	Numbered bool
	// ClaimLock ends the outbox claim's row selection. PostgreSQL uses
	// "FOR UPDATE SKIP LOCKED" so concurrent workers take different rows
	// without waiting; SQLite leaves it empty because its single writer
	// connection already runs one claim at a time.
	ClaimLock string
	// ShareLock ends the lease fencing check: PostgreSQL's "FOR SHARE"
	// holds the lease row until commit; SQLite's single writer needs none.
	ShareLock string
	// MigrationLock, if set, runs first in every migration transaction so
	// that nodes starting together apply each file once.
	MigrationLock string
	// LastInsertID makes inserts report their new id through
	// sql.Result.LastInsertId instead of RETURNING id, which saves SQLite a
	// result set per row. PostgreSQL's driver has no LastInsertId.
	LastInsertID bool
	// ArrayLookup looks vendor ids up through an array parameter and
	// LATERAL index lookups (PostgreSQL) instead of an IN list.
	ArrayLookup bool
	// EnqueueLock, if set, runs before each outbox insert with the remote
	// object's name and holds a lock on it until commit (PostgreSQL: a
	// transaction-level advisory lock). SQLite's single writer already
	// commits in id order.
	EnqueueLock string
	// EnqueueLockBatch, with EnqueueLock, takes the locks of many objects
	// in one statement: its one argument is their names, in the order to
	// lock them.
	EnqueueLockBatch string
	// MembershipLock, if set, is Tx.MembershipLock's statement, taking a
	// lock on an integration's alert links until commit (PostgreSQL: a
	// transaction-level advisory lock, two-key so that it never shares a
	// key with the one-key locks). SQLite's single writer already runs
	// one transaction at a time.
	MembershipLock string
	// MultiRowInsert makes the batch methods send one INSERT with many
	// VALUES rows. It pays where every statement is a network round trip
	// (PostgreSQL); in-process SQLite is fastest with one prepared
	// statement per row.
	MultiRowInsert bool
	// EntitiesByInsert makes AlertInsert index a new alert's entity
	// values itself, one prepared insert each, where the engine would
	// otherwise run a trigger that parses the entities JSON again for
	// every alert (SQLite: a third of the cost of ingest).
	EntitiesByInsert bool
	// Contains names the substring-position function: instr or strpos.
	// Both take (haystack, needle) and return 0 when absent.
	Contains string
	// CacheDynamic keeps prepared statements for queries built at run
	// time (IN lists, optional filters), keyed by their text. SQLite
	// parses every unprepared statement again, which costs more than the
	// rows most of them touch; pgx already caches statements per
	// connection, so PostgreSQL leaves it off.
	CacheDynamic bool
	// ScopeRLS makes every transaction say whose data it works on, for
	// the row-level security policies of PostgreSQL's migrations: the
	// tenant of a scoped transaction, or '*' for the hub's own
	// cross-tenant work. A transaction that says nothing sees nothing.
	ScopeRLS bool
	// ScopeRole is the role (made by the migrations where the user may)
	// that a tenant's transaction takes when the configured user would
	// bypass row-level security, as a superuser does.
	ScopeRole string
	// StaleTables, if set, lists the store's tables whose planner
	// statistics are stale enough to analyze (see DB.Maintain).
	StaleTables string
	// IsUniqueViolation reports whether err is the engine's unique or
	// primary key violation.
	IsUniqueViolation func(error) bool
	// IsLostRace reports an error by which the server aborted a
	// transaction in favour of a concurrent one (a deadlock, a
	// serialization failure); nil where transactions never race
	// (SQLite's one writer connection).
	IsLostRace func(error) bool
	// Migrations holds files named NNNN_name.sql at its root.
	Migrations fs.FS

	queries [numQueries]string
}

// init rewrites the shared queries into the dialect once.
func (d *Dialect) init() {
	for i, def := range queryDefs {
		q := def.text
		q = strings.ReplaceAll(q, "/*claimlock*/", d.ClaimLock)
		q = strings.ReplaceAll(q, "/*sharelock*/", d.ShareLock)
		q = strings.ReplaceAll(q, "/*contains*/", d.Contains)
		if d.LastInsertID {
			q = strings.TrimSuffix(q, returningID)
		}
		d.queries[i] = d.rebind(q)
	}
}

// rebind rewrites ? placeholders for engines that number them, and
// binds :tenant as parameter 1 of a scoped statement, numbering the others
// after it on every engine (SQLite's ?NNN). Queries never contain a
// literal question mark.
func (d *Dialect) rebind(q string) string {
	scoped := strings.Contains(q, tenantMark)
	if !scoped && (!d.Numbered || !strings.Contains(q, "?")) {
		return q
	}
	mark := "$"
	if !d.Numbered {
		mark = "?"
	}
	var b strings.Builder
	b.Grow(len(q) + 32)
	n := 0
	if scoped {
		n = 1
	}
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '?':
			n++
			b.WriteString(mark)
			b.WriteString(strconv.Itoa(n))
		case scoped && strings.HasPrefix(q[i:], tenantMark):
			b.WriteString(mark)
			b.WriteByte('1')
			i += len(tenantMark) - 1
		default:
			b.WriteByte(q[i])
		}
	}
	return b.String()
}

// lostRace marks with ErrConflict an error that ended a transaction
// because a concurrent one won a race for the same rows: the server
// rolled it back, and running it again is the remedy, as it is for a
// unique violation (the engine's withTx does). Left unmarked, a deadlock
// between two replicas ingesting overlapping pushes read as the store
// refusing the alerts, and quarantined them.
func (d *Dialect) lostRace(err error) error {
	if err == nil || d.IsLostRace == nil || errors.Is(err, ErrConflict) || !d.IsLostRace(err) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrConflict, err)
}

// conflict marks unique violations with ErrConflict, keeping the engine's
// message for the log.
func (d *Dialect) conflict(err error) error {
	if err != nil && d.IsUniqueViolation != nil && d.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	return err
}
