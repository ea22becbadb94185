package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/postgres"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var admin = sync.OnceValues(func() (*sql.DB, error) {
	db, err := sql.Open("pgx", testDSN())
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

func testDSN() string {
	if dsn := os.Getenv("ALERTSYNC_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return defaultDSN
}

// setup opens a migrated store in a schema of its own, dropped when the
// test ends, so tests and packages running in parallel never share tables.
// Without a server it skips, except in CI where the tests must run.
func setup(tb testing.TB) store.Store {
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
	s, err := postgres.Open(tb.Context(), withSearchPath(testDSN(), schema))
	if err != nil {
		tb.Fatal(err)
	}
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

// withSearchPath adds search_path to a URL or key=value DSN.
func withSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return fmt.Sprintf("%s search_path=%s", dsn, schema)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return setup(t) })
}

// TestSchemaIsolation checks that two stores in different schemas do not
// see each other's rows.
func TestSchemaIsolation(t *testing.T) {
	t.Parallel()
	a, b := setup(t), setup(t)
	err := a.WithTx(t.Context(), func(tx store.Tx) error {
		return tx.CursorSet(t.Context(), "i", "s", "only in a", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CursorGet(t.Context(), "i", "s"); err == nil {
		t.Error("store b sees store a's cursor")
	}
}

func BenchmarkIngestBatch(b *testing.B) {
	storetest.BenchIngestBatch(b, setup(b))
}

func BenchmarkOutboxClaimFinish(b *testing.B) {
	storetest.BenchOutboxClaimFinish(b, setup(b))
}
