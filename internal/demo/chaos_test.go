package demo

import (
	"bytes"
	"database/sql"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// chaosChildEnv makes this test binary run as `alertsync` (serve), so the
// chaos tests start their replicas from it instead of building one.
const chaosChildEnv = "ALERTSYNC_DEMO_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(chaosChildEnv) == "1" {
		os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// lines is a progress writer that logs each line to the test.
type lines struct {
	t  *testing.T
	mu sync.Mutex
}

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// TestChaosShort is the fault suite, short: on PostgreSQL three replicas
// with one SIGKILLed every 10 s and the run's own database connections
// cut (never a server restart: other packages share the server); on
// SQLite one process SIGKILLed during the actions. Vendor faults are on
// in both. Nothing may be lost or applied twice, and a killed replica's
// poll leases must move within 15 s.
func TestChaosShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs replicas against the emulators with faults")
	}
	tests := []struct {
		name string
		o    ChaosOptions
	}{
		{"postgres", ChaosOptions{Store: "postgres", Duration: 45 * time.Second, Replicas: 3, KillEvery: 10 * time.Second,
			ConnectionCuts: 2, Outage: 10 * time.Second}},
		{"sqlite", ChaosOptions{Store: "sqlite", Actions: 300, Kills: 4, Outage: 10 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			if o.Store == "postgres" {
				// The run makes a database of its own on the test server
				// (and cuts only its connections).
				o.PostgresDSN = storetest.PostgresDSN()
				requirePostgres(t, o.PostgresDSN)
			}
			o.Faults, o.Settle, o.Seed = DefaultVendorFaults(), 2*time.Minute, 7
			o.Env = []string{chaosChildEnv + "=1"}
			o.Progress = &lines{t: t}
			var logs bytes.Buffer
			o.Stderr = &syncWriter{w: &logs}
			rep, err := RunChaos(t.Context(), o)
			var js bytes.Buffer
			_ = rep.WriteJSON(&js)
			t.Logf("report:\n%s", js.String())
			if err != nil {
				t.Fatalf("chaos run: %v\nreplica logs (tail):\n%s", err, tail(logs.String(), 4000))
			}
			f := rep.Faults
			if rep.Expected == 0 || f.Kills == 0 || f.ServerErrors == 0 || f.Throttles == 0 || f.OutageRefused == 0 {
				t.Fatalf("the run proves nothing: %d writes expected, %d kills, %d 5xx, %d 429, %d refused in the outage",
					rep.Expected, f.Kills, f.ServerErrors, f.Throttles, f.OutageRefused)
			}
			if o.Store == "postgres" && (f.ConnectionCuts == 0 || rep.Failovers == 0) {
				t.Errorf("%d connection cuts and %d lease moves; want both", f.ConnectionCuts, rep.Failovers)
			}
			// The timeline says when each fault and lease move happened.
			var kills, moves int
			for _, line := range rep.Timeline {
				kills += strings.Count(line, "SIGKILL")
				moves += strings.Count(line, " moved from ")
			}
			if kills != f.Kills || o.Store == "postgres" && (moves == 0 || moves > rep.Failovers) {
				t.Errorf("timeline names %d kills and %d lease moves, want %d and up to %d:\n%s",
					kills, moves, f.Kills, rep.Failovers, strings.Join(rep.Timeline, "\n"))
			}
			if rep.Lost != 0 || rep.Duplicate != 0 || rep.MaxFailoverS > 15 {
				t.Errorf("lost %d, duplicate %d, max failover %.1fs; want 0, 0, at most 15s\nmissing %v\ntwice %v\nunfinished %v\nreplica logs (tail):\n%s",
					rep.Lost, rep.Duplicate, rep.MaxFailoverS, rep.MissingWrites, rep.DuplicateWrites, rep.Unfinished, tail(logs.String(), 8000))
			}
		})
	}
}

// requirePostgres skips without a server, as the store tests do, except
// in CI (CI=true), where PostgreSQL tests must run.
func requirePostgres(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err == nil {
		err = db.PingContext(t.Context())
		_ = db.Close()
	}
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("postgres: %v", err)
	}
	t.Skipf("no PostgreSQL server answered (set ALERTSYNC_TEST_POSTGRES_DSN): %v", err)
}

// syncWriter serialises the replicas' log writes.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestFailoverNotCountingTheServerDown: a lease move is held to the
// bound without the seconds the PostgreSQL server refused connections
// within it (no replica can take a lease then), and the report keeps
// the move as measured too.
func TestFailoverNotCountingTheServerDown(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name        string
		down        []downSpan
		killed      float64
		moved       float64
		wantS, upS  float64
		wantFailure bool
	}{
		{"no restart", nil, 32.2, 42.5, 10.3, 10.3, false},
		{"slow without a restart", nil, 32.2, 48.0, 15.8, 15.8, true},
		{"restart inside the move", []downSpan{{at(38.3), at(46.9)}}, 32.2, 47.4, 15.2, 6.6, false},
		{"restart before the kill", []downSpan{{at(10), at(20)}}, 32.2, 42.5, 10.3, 10.3, false},
		{"restart after the move", []downSpan{{at(45), at(50)}}, 32.2, 42.5, 10.3, 10.3, false},
		{"restart under way at the kill", []downSpan{{at(30), at(35)}}, 32.2, 45.0, 12.8, 10.0, false},
		{"slow after the server came back", []downSpan{{at(38.3), at(40)}}, 32.2, 50.0, 17.8, 16.1, true},
		// A span still open counts up to now, long after the move.
		{"still down at the end", []downSpan{{at(40), time.Time{}}}, 32.2, 42.5, 10.3, 7.8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := &chaosRun{rep: &ChaosReport{MaxFailoverLimit: 15}, down: tt.down}
			ch.moves = []leaseMove{{killed: at(tt.killed), moved: at(tt.moved)}}
			ch.failoverFigures()
			if ch.rep.MaxFailoverS != tt.wantS || ch.rep.MaxFailoverUpS != tt.upS {
				t.Errorf("longest move %.1fs, %.1fs with the server up; want %.1fs, %.1fs",
					ch.rep.MaxFailoverS, ch.rep.MaxFailoverUpS, tt.wantS, tt.upS)
			}
			if failed := len(ch.rep.Failed()) > 0; failed != tt.wantFailure {
				t.Errorf("failed %v (%q), want %v", failed, ch.rep.Failed(), tt.wantFailure)
			}
		})
	}
}
