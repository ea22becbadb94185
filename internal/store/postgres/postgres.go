// Package postgres is the multi-node store. Several alertsync nodes can share
// one database: the outbox claim locks rows with FOR UPDATE SKIP LOCKED so
// workers on different nodes never take the same item. The queries live in
// sqldb, shared with SQLite.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxConns bounds the pool per node; the store's work is short statements.
const maxConns = 16

// Open connects to dsn, a URL or key=value string. Any run-time parameter in
// it, such as search_path, is set on every connection, which is how tests
// isolate themselves in a schema of their own. Call Migrate before use.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: parse dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return sqldb.New(dialect(), db, db), nil
}

func dialect() *sqldb.Dialect {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return &sqldb.Dialect{
		Name:      "postgres",
		Numbered:  true,
		ClaimLock: "FOR UPDATE SKIP LOCKED",
		ShareLock: "FOR SHARE",
		// Keyed by schema so stores in different schemas migrate
		// independently.
		MigrationLock:  "SELECT pg_advisory_xact_lock(hashtext('alertsync.migrate.' || current_schema()))",
		Contains:       "strpos",
		MultiRowInsert: true,
		ArrayLookup:    true,
		EnqueueLock:    "SELECT pg_advisory_xact_lock(hashtext('alertsync.outbox.' || ?))",
		// unnest yields the names in array order, and each row's lock is
		// taken as the row is produced: the batch locks in its order.
		EnqueueLockBatch:  "SELECT pg_advisory_xact_lock(hashtext('alertsync.outbox.' || o)) FROM unnest(?::text[]) AS o",
		MembershipLock:    "SELECT pg_advisory_xact_lock(hashtext('alertsync.members.' || current_schema()), hashtext(?))",
		IsUniqueViolation: isUniqueViolation,
		IsLostRace:        isLostRace,
		// The thresholds are autovacuum's defaults for analyze (50 rows
		// and a tenth of the table), doubled and taken at a thousand
		// rows, so that a server with autovacuum on leaves nothing here.
		StaleTables: `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()
		AND n_mod_since_analyze > 1000 + 0.2 * n_live_tup ORDER BY relname`,
		Migrations: sub,
		ScopeRLS:   true,
		ScopeRole:  "alertsync_scoped",
	}
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isLostRace reports the server's deadlock_detected (40P01) and
// serialization_failure (40001): it aborted the transaction so that a
// concurrent one could go on.
func isLostRace(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}
