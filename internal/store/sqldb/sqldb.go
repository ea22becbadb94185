// Package sqldb is the one database/sql implementation of store.Store that
// the SQLite and PostgreSQL packages share. Both engines speak the same SQL
// for everything alertsync needs (ON CONFLICT, RETURNING, partial indexes,
// materialised CTEs), so the queries are written once here and a small
// Dialect covers the few real differences: placeholder style, row locking
// for the outbox claim, migration locking and how a unique violation is
// reported. Two copies of these queries would drift apart; one copy run
// through one conformance suite (storetest) cannot.
//
// Timestamps are stored as unix microseconds (UTC) with 0 meaning the zero
// time, so both engines compare and index them as plain integers. Vendor
// payloads and snapshots are stored as bytes (BLOB or BYTEA) so they
// round-trip byte for byte.
package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/alertsync/alertsync/internal/store"
)

// ErrConflict is store.ErrConflict, kept here for callers of this package.
var ErrConflict = store.ErrConflict

// DB implements store.Store over a writer pool and a reader pool. SQLite
// passes a single-connection writer and a separate read pool; PostgreSQL
// passes the same pool twice.
type DB struct {
	d       *Dialect
	write   *sql.DB
	read    *sql.DB
	wstmts  *stmtCache
	rstmts  *stmtCache
	prepMu  sync.Mutex
	prepped bool
	// stats counts committed write transactions and the rows their
	// statements changed, for WriteStats.
	stats writeStats
	// scopeRole, on PostgreSQL, is the role a tenant's transaction takes
	// so that row-level security applies even where the configured user
	// would bypass it (a superuser); "" when the user is subject to it
	// already or the role could not be made (see Migrate).
	scopeRole atomic.Pointer[string]
}

type writeStats struct{ commits, rows atomic.Int64 }

// WriteStats implements store.WriteStatser: what durability has cost so
// far, in transactions and rows.
func (db *DB) WriteStats() store.WriteStats {
	return store.WriteStats{Commits: db.stats.commits.Load(), Rows: db.stats.rows.Load()}
}

// New wraps open pools. The DB takes ownership of both and closes them in
// Close. Statements are prepared on first use, after Migrate has created
// the tables.
func New(d *Dialect, write, read *sql.DB) *DB {
	d.init()
	db := &DB{d: d, write: write, read: read, wstmts: newStmtCache(write, d)}
	db.rstmts = db.wstmts
	if read != write {
		db.rstmts = newStmtCache(read, d)
	}
	return db
}

// Driver names the engine.
func (db *DB) Driver() string { return db.d.Name }

// Close releases prepared statements and both pools.
func (db *DB) Close() error {
	db.wstmts.close()
	if db.rstmts != db.wstmts {
		db.rstmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// prepareWriter prepares every statement on the writer pool before the
// first transaction. It must run outside any transaction: with SQLite's
// single writer connection, preparing from inside a transaction would wait
// for the very connection the transaction holds.
func (db *DB) prepareWriter(ctx context.Context) error {
	db.prepMu.Lock()
	defer db.prepMu.Unlock()
	if db.prepped {
		return nil
	}
	for id := range numQueries {
		if _, err := db.wstmts.get(ctx, id); err != nil { //nolint:sqlclosecheck // a cached prepared statement: stmtCache.close, or the transaction, closes it
			return fmt.Errorf("prepare statements: %w", err)
		}
	}
	db.prepped = true
	return nil
}

// withTx runs fn in one write transaction of tenant, or of the hub's own
// cross-tenant work when tenant is "". fn's own error is returned as is,
// after rolling back, so callers can match it.
func (db *DB) withTx(ctx context.Context, tenant string, fn func(t *tx) error) (err error) {
	if err := db.prepareWriter(ctx); err != nil {
		return err
	}
	if db.d.CacheDynamic {
		db.wstmts.prepareWanted(ctx)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := db.scopeTx(ctx, sqlTx, tenant); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	t := &tx{conn: conn{tenant: tenant, d: db.d, run: sqlTx, stmts: db.wstmts, tx: sqlTx, rows: &db.stats.rows}}
	if err := fn(t); err != nil {
		_ = sqlTx.Rollback()
		return db.d.lostRace(err)
	}
	if err := sqlTx.Commit(); err != nil {
		// A cancelled context may have rolled the transaction back
		// already; say why rather than "already rolled back".
		return db.d.lostRace(fmt.Errorf("commit transaction: %w", cmp.Or(ctx.Err(), err)))
	}
	db.stats.commits.Add(1)
	for _, f := range t.committed {
		f()
	}
	return nil
}

// tx is a store.Tx. It is used by one goroutine, as database/sql requires.
type tx struct {
	conn
	committed []func()
}

// OnCommit implements store.Tx.
func (t *tx) OnCommit(fn func()) { t.committed = append(t.committed, fn) }

// Tenant implements store.Tx.
func (t *tx) Tenant() string { return t.tenant }

var (
	_ store.Store  = (*DB)(nil)
	_ store.Tx     = (*tx)(nil)
	_ store.Scoped = (*scope)(nil)
)
