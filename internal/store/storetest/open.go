package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection below

	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/postgres"
	"github.com/alertsync/alertsync/internal/store/sqlite"
)

// DefaultPostgresDSN is the local test database every machine of this
// project's kind has; ALERTSYNC_TEST_POSTGRES_DSN overrides it.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresDSN is the test database's DSN.
func PostgresDSN() string {
	if dsn := os.Getenv("ALERTSYNC_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return DefaultPostgresDSN
}

var admin = sync.OnceValues(func() (*sql.DB, error) {
	db, err := sql.Open("pgx", PostgresDSN())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
})

// OpenPostgres opens a migrated PostgreSQL store in a schema of its own,
// dropped when the test ends, so tests and packages running in parallel
// never share tables. Without a server it skips, except in CI (CI=true)
// where the PostgreSQL tests must run.
func OpenPostgres(tb testing.TB) store.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), PostgresSchemaDSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return migrated(tb, s)
}

// PostgresSchemaDSN creates an empty schema of the test's own, dropped
// when it ends, and returns a DSN that uses it: for tests that open the
// store themselves (a whole hub). It skips like OpenPostgres.
func PostgresSchemaDSN(tb testing.TB) string {
	tb.Helper()
	db, err := admin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("postgres: %v", err)
		}
		tb.Skipf("no PostgreSQL server answered (set ALERTSYNC_TEST_POSTGRES_DSN): %v", err)
	}
	schema := "storetest_" + strings.ToLower(rand.Text()[:16])
	if _, err := db.ExecContext(tb.Context(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	return WithSearchPath(PostgresDSN(), schema)
}

// OpenSQLite opens a migrated SQLite store in a temporary directory.
func OpenSQLite(tb testing.TB) store.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), filepath.Join(tb.TempDir(), "alertsync.db"))
	if err != nil {
		tb.Fatal(err)
	}
	return migrated(tb, s)
}

// OpenSQLiteRaw opens a migrated SQLite store, as OpenSQLite does, and a
// plain connection pool on its file, for checks below the store (plans,
// the schema, the file itself).
func OpenSQLiteRaw(tb testing.TB) (store.Store, *sql.DB) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), sqlite.FileName)
	s, err := sqlite.Open(tb.Context(), path)
	if err != nil {
		tb.Fatal(err)
	}
	migrated(tb, s)
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return s, db
}

func migrated(tb testing.TB, s store.Store) store.Store {
	tb.Helper()
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	if err := s.Migrate(tb.Context()); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Stores names the two stores and how to open a fresh one of each, for
// tests above the store (engine, API) that must hold on both.
var Stores = []struct {
	Name string
	Open func(tb testing.TB) store.Store
}{
	{"sqlite", OpenSQLite},
	{"postgres", OpenPostgres},
}

// WithSearchPath adds search_path to a URL or key=value DSN.
func WithSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}

// QueryPlan is SQLite's EXPLAIN QUERY PLAN details for q on db, joined by
// "; ". The planner does not read parameter values: NULLs serve.
func QueryPlan(tb testing.TB, db *sql.DB, q string, args ...any) string {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var details []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		details = append(details, detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(details, "; ")
}
