package bench

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"
)

func testDSN() string {
	if v := os.Getenv("ALERTSYNC_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// TestRunSmall checks that the bench really moves data through both
// stores; it asserts counts, never speed.
func TestRunSmall(t *testing.T) {
	res, err := Run(context.Background(), Options{Alerts: 1200, Actions: 600, Backlog: 300, BacklogSamples: 3, Stores: []string{"sqlite", "postgres"}, PostgresDSN: testDSN()})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		r := res[name]
		if r.Error != "" {
			// Only an unreachable server may skip, and never in CI; a
			// failure of the bench itself always fails the test.
			if name == "postgres" && os.Getenv("CI") != "true" && !serverAnswers(testDSN()) {
				t.Skipf("no PostgreSQL server answered: %s", r.Error)
			}
			t.Fatalf("%s: %s", name, r.Error)
		}
		if r.IngestAlertsPerS <= 0 || r.OutboxActionsPerS <= 0 || r.Alerts != 1200 || r.Actions != 600 {
			t.Fatalf("%s: %+v", name, r)
		}
		if b := r.VerdictUnderBacklog; b == nil || b.Samples != 3 || b.OtherVendor.P50 <= 0 || b.SameVendor.P50 <= 0 {
			t.Fatalf("%s: backlog case = %+v", name, b)
		}
	}
}

// BenchmarkSQLite reports the two figures for the embedded store.
func BenchmarkSQLite(b *testing.B) { benchStore(b, "sqlite") }

// BenchmarkPostgres reports the two figures for PostgreSQL.
func BenchmarkPostgres(b *testing.B) { benchStore(b, "postgres") }

func benchStore(b *testing.B, name string) {
	for b.Loop() {
		res, err := Run(context.Background(), Options{Alerts: 20000, Actions: 10000, Backlog: -1, Stores: []string{name}, PostgresDSN: testDSN()})
		if err != nil {
			b.Fatal(err)
		}
		r := res[name]
		if r.Error != "" {
			b.Fatal(r.Error)
		}
		b.ReportMetric(r.IngestAlertsPerS, "ingest_alerts/s")
		b.ReportMetric(r.OutboxActionsPerS, "outbox_actions/s")
	}
}

func serverAnswers(dsn string) bool {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return false
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx) == nil
}
