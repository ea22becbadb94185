package sqlite_test

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// setup opens a migrated store at path, a file or a directory.
func setup(tb testing.TB, path string) store.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path)
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

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return setup(t, t.TempDir()) })
}

// TestPath checks where the file lands, for a file path whose directory
// does not exist yet and holds URI delimiters, and for a directory, and
// that it is in WAL mode.
func TestPath(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	tests := []struct{ open, file string }{
		{filepath.Join(base, "new ?#%41", "x.db"), filepath.Join(base, "new ?#%41", "x.db")},
		{base, filepath.Join(base, sqlite.FileName)},
	}
	for _, tc := range tests {
		s := setup(t, tc.open)
		err := s.Scope(store.DefaultTenant).WithTx(t.Context(), func(tx store.Tx) error {
			return tx.AlertInsert(t.Context(), &model.Alert{Integration: "a", VendorID: "1"})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{tc.file, tc.file + "-wal"} {
			if _, err := os.Stat(name); err != nil {
				t.Errorf("Open(%q): want %s: %v", tc.open, name, err)
			}
		}
	}
}

// TestReopen checks that data survives closing the store and that a
// second Migrate on an existing file is a no-op.
func TestReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	err = s.Scope(store.DefaultTenant).WithTx(t.Context(), func(tx store.Tx) error {
		return tx.CursorSet(t.Context(), "a", "alerts", "kept", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = setup(t, dir)
	if got, err := s.Scope(store.DefaultTenant).CursorGet(t.Context(), "a", "alerts"); err != nil || got != "kept" {
		t.Errorf("CursorGet after reopen = %q, %v", got, err)
	}
}

func BenchmarkIngestBatch(b *testing.B) {
	storetest.BenchIngestBatch(b, setup(b, b.TempDir()))
}

func BenchmarkRunPrune(b *testing.B) {
	storetest.BenchRunPrune(b, setup(b, b.TempDir()))
}

func BenchmarkOutboxClaimFinish(b *testing.B) {
	storetest.BenchOutboxClaimFinish(b, setup(b, b.TempDir()))
}

func BenchmarkOutboxClaimComplete(b *testing.B) {
	storetest.BenchOutboxClaimComplete(b, setup(b, b.TempDir()))
}

// TestTenantLeadsEveryKey: every table a tenant owns has a tenant column
// without a default, and every index on it (unique keys included) leads
// with it. Tables keyed by id keep SQLite's rowid as their key: ids come
// from one sequence per table and SQLite is never distributed.
func TestTenantLeadsEveryKey(t *testing.T) {
	t.Parallel()
	_, db := storetest.OpenSQLiteRaw(t)
	ctx := t.Context()
	tables := names(t, db, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
		AND name NOT IN ('tenants', 'leases', 'schema_migrations') ORDER BY name`)
	if len(tables) < 15 {
		t.Fatalf("found only %d tenant tables: %v", len(tables), tables)
	}
	for _, table := range tables {
		var notNull, hasDefault int
		err := db.QueryRowContext(ctx, `SELECT "notnull", dflt_value IS NOT NULL FROM pragma_table_info(?) WHERE name = 'tenant'`, table).
			Scan(&notNull, &hasDefault)
		if err != nil || notNull != 1 || hasDefault != 0 {
			t.Errorf("%s: tenant column not null %d, default %d, %v", table, notNull, hasDefault, err)
		}
		for _, index := range names(t, db, `SELECT name FROM pragma_index_list(?)`, table) {
			var first string
			err := db.QueryRowContext(ctx, `SELECT name FROM pragma_index_info(?) WHERE seqno = 0`, index).Scan(&first)
			if err != nil || first != "tenant" {
				t.Errorf("index %s on %s leads with %q (%v), not tenant", index, table, first, err)
			}
		}
	}
}

// TestOutboxByTenantAndID: the outbox statements that pick items by the
// tenant and their ids (a worker's completion and lease renewal, with up
// to 500 ids, and a page of OutboxList) look the ids up or walk them in
// order. Without statistics SQLite's planner took any index led by the
// tenant for these, and walked or sorted the tenant's whole outbox.
func TestOutboxByTenantAndID(t *testing.T) {
	t.Parallel()
	_, db := storetest.OpenSQLiteRaw(t)
	ids := "?3" + strings.Repeat(", ?3", 255)
	tests := []struct{ name, q string }{
		{"complete", `UPDATE outbox SET state = 'done', lease_owner = '' WHERE lease_owner = ?2 AND state = 'leased'
			AND tenant = ?1 AND id IN (` + ids + `)`},
		{"renew", `UPDATE outbox SET lease_until = 0 WHERE tenant = ?1 AND lease_owner = ?2 AND state = 'leased'
			AND id IN (` + ids + `)`},
		{"list", `SELECT id FROM outbox WHERE tenant = ?1 AND integration = ?2 AND id > ?3 ORDER BY id LIMIT CAST(?3 AS INTEGER)`},
	}
	for _, tc := range tests {
		plan := storetest.QueryPlan(t, db, tc.q, "default", "w", 1)
		if !strings.Contains(plan, "outbox_tenant (tenant=? AND id") && !strings.Contains(plan, "INTEGER PRIMARY KEY") ||
			strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: plan %q, want a lookup or walk by (tenant, id)", tc.name, plan)
		}
	}
}

// TestListsWalkTheTenantsIDs: a page of a tenant's playbook runs (all,
// one status), quarantine or evidence (all, one integration) walks the
// tenant's ids in order from where the last page ended. Led by the tenant
// alone, SQLite's planner sorted the tenant's every row for each page:
// paging through 44,000 runs took 6 s.
func TestListsWalkTheTenantsIDs(t *testing.T) {
	t.Parallel()
	_, db := storetest.OpenSQLiteRaw(t)
	tests := []struct{ name, q, index string }{
		{"runs", `SELECT id FROM playbook_runs WHERE tenant = ?1 AND id < ?2 ORDER BY id DESC LIMIT CAST(?3 AS INTEGER)`, "playbook_runs_tenant"},
		{"runs by status", `SELECT id FROM playbook_runs WHERE tenant = ?1 AND status = ?2 AND id < ?2
			ORDER BY id DESC LIMIT CAST(?3 AS INTEGER)`, "playbook_runs_tenant"},
		{"quarantine", `SELECT id FROM quarantine WHERE tenant = ?1 AND id > ?2 ORDER BY id LIMIT CAST(?3 AS INTEGER)`, "quarantine_tenant"},
		{"evidence by integration", `SELECT id FROM evidence WHERE tenant = ?1 AND integration = ?2 AND id > ?3
			ORDER BY id LIMIT CAST(?3 AS INTEGER)`, "evidence_tenant"},
	}
	for _, tc := range tests {
		plan := storetest.QueryPlan(t, db, tc.q, "default", "x", 50)
		if !strings.Contains(plan, tc.index+" (tenant=? AND id") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: plan %q, want a walk of %s by (tenant, id)", tc.name, plan, tc.index)
		}
	}
}

// TestMigrateIntoDefaultTenant: a database written before tenants existed
// keeps every row, now the default tenant's.
func TestMigrateIntoDefaultTenant(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	db := rawDB(t, path+"?_pragma=foreign_keys(1)")
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		v, _, _ := strings.Cut(filepath.Base(f), "_")
		if v >= "0011" { // the tenants migration and later
			break
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, 0)`, strings.TrimLeft(v, "0")); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO incidents (id, integration, vendor_id, title, description, severity, status, remote_status, verdict,
			published, created_at, updated_at, remote_alert_ids, raw, revision, last_changed_at)
			VALUES (1, 'sentinel', 'inc-1', 'case', '', 'high', 'new', '', '', 0, 0, 0, '["a-1"]', NULL, 1, 0)`,
		`INSERT INTO alerts (id, integration, vendor_id, title, description, severity, status, remote_status, verdict,
			published, source, created_at, updated_at, entities, incident_id, remote_parent, raw, revision,
			first_seen_at, last_changed_at) VALUES (7, 'edr', 'a-1', 'old alert', '', 'high', 'new', '', '', 0, '', 0, 0,
			'{"hosts":["ws-1"]}', 1, '', NULL, 1, 0, 0)`,
		`INSERT INTO alert_entities (value, alert_id) VALUES ('ws-1', 7)`,
		`INSERT INTO memberships (incident_id, alert_id, source, added_at) VALUES (1, 7, 'remote', 0)`,
		`INSERT INTO cursors (integration, stream, cursor, updated_at) VALUES ('edr', 'alerts', 'c-9', 0)`,
		`INSERT INTO outbox (id, idem_key, integration, object_ref, action, payload, origin_kind, origin_id, state, attempts,
			next_attempt_at, lease_owner, lease_until, last_error, created_at, updated_at, priority)
			VALUES (3, 'k-1', 'edr', 'alert:a-1', 'set_state', NULL, 'alert', 7, 'pending', 0, 0, '', 0, '', 0, 0, 0)`,
		`INSERT INTO validations (alert_id, started_at, next_pass_at, ends_at, passes, done) VALUES (7, 0, 0, 10, 0, 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	_ = db.Close()
	sc := setup(t, path).Scope(store.DefaultTenant)
	a, err := sc.AlertGet(ctx, 7)
	if err != nil || a.Title != "old alert" || a.IncidentID != 1 {
		t.Fatalf("the old alert in the default tenant: %+v, %v", a, err)
	}
	if got, err := sc.AlertList(ctx, store.AlertListParams{Entity: "ws-1"}); err != nil || len(got) != 1 {
		t.Errorf("alerts naming ws-1: %d, %v", len(got), err)
	}
	if in, err := sc.IncidentGet(ctx, 1); err != nil || len(in.AlertIDs) != 1 {
		t.Errorf("the old incident's members: %+v, %v", in.AlertIDs, err)
	}
	if c, err := sc.CursorGet(ctx, "edr", "alerts"); err != nil || c != "c-9" {
		t.Errorf("cursor = %q, %v", c, err)
	}
	if it, err := sc.OutboxGet(ctx, 3); err != nil || it.Tenant != store.DefaultTenant || it.Key != "k-1" {
		t.Errorf("outbox item = %+v, %v", it, err)
	}
	if v, err := sc.ValidationGet(ctx, 7); err != nil || v.AlertID != 7 {
		t.Errorf("validation = %+v, %v", v, err)
	}
	// New rows continue the old ids.
	err = sc.WithTx(ctx, func(tx store.Tx) error {
		return tx.AlertInsert(ctx, &model.Alert{Integration: "edr", VendorID: "a-2", Revision: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, err := sc.AlertGetByVendor(ctx, "edr", "a-2"); err != nil || a.ID <= 7 {
		t.Errorf("a new alert after the migration: id %d, %v", a.ID, err)
	}
}

// rawDB is a plain pool on a store's file (dsn), for checks below the
// store.
func rawDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func names(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCheckpointerCopiesTheLog: what commits append to the write-ahead
// log reaches the database file without any commit copying it (the
// writer's own automatic checkpoint is only a backstop, at 64 MiB of
// log), and the log is started again from its top rather than growing
// with every write.
func TestCheckpointerCopiesTheLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := setup(t, dir)
	path := filepath.Join(dir, sqlite.FileName)
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size(path)
	raw := []byte(strings.Repeat("x", 2000))
	const batches, each = 10, 500 // about 10 MB: 2,500 pages of log
	for b := range batches {
		alerts := make([]*model.Alert, each)
		for i := range alerts {
			at := time.Unix(1700000000, 0)
			alerts[i] = &model.Alert{Integration: "edr", VendorID: fmt.Sprintf("v%d-%d", b, i), Title: "t", Severity: model.SeverityLow,
				Status: model.StatusNew, Raw: raw, CreatedAt: at, UpdatedAt: at, FirstSeenAt: at, LastChangedAt: at, Revision: 1}
		}
		err := st.Scope(store.DefaultTenant).WithTx(t.Context(), func(tx store.Tx) error { return tx.AlertInsertBatch(t.Context(), alerts) })
		if err != nil {
			t.Fatal(err)
		}
	}
	const written = batches * each * 2000
	deadline := time.Now().Add(10 * time.Second)
	for size(path)-before < written && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if grew := size(path) - before; grew < written {
		t.Fatalf("the database file grew by %d bytes of the %d written", grew, written)
	}
	// A write after a checkpoint that copied the whole log starts the
	// log again from its top, which changes the salt in its header.
	writeUntilLogRestarts(t, st, path, deadline)
}

// TestWriteStatsCountTheLog: the store reports the write-ahead log its
// commits wrote, across the log's generations (it starts again from its
// top after a checkpoint has copied all of it), and the fsyncs its
// checkpoints made: one for the log before copying, one for the database
// file once all of it is copied.
func TestWriteStatsCountTheLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := setup(t, dir)
	ws, ok := st.(store.WriteStatser)
	if !ok {
		t.Fatal("the store does not count its writes")
	}
	raw := []byte(strings.Repeat("x", 2000))
	const batches, each = 5, 500 // about 5 MB of rows a round
	const written = batches * each * 2000
	frame := int64(24 + 4096)
	round := func(r int, want int64) store.WriteStats {
		t.Helper()
		before := ws.WriteStats()
		for b := range batches {
			alerts := make([]*model.Alert, each)
			for i := range alerts {
				at := time.Unix(1700000000, 0)
				alerts[i] = &model.Alert{Integration: "edr", VendorID: fmt.Sprintf("r%d-%d-%d", r, b, i), Title: "t", Severity: model.SeverityLow,
					Status: model.StatusNew, Raw: raw, CreatedAt: at, UpdatedAt: at, FirstSeenAt: at, LastChangedAt: at, Revision: 1}
			}
			err := st.Scope(store.DefaultTenant).WithTx(t.Context(), func(tx store.Tx) error { return tx.AlertInsertBatch(t.Context(), alerts) })
			if err != nil {
				t.Fatal(err)
			}
		}
		// The checkpointer counts what it finds, every quarter second.
		deadline := time.Now().Add(10 * time.Second)
		got := ws.WriteStats()
		for ; time.Now().Before(deadline); got = ws.WriteStats() {
			if got.LogBytes >= want && got.Syncs-before.Syncs >= 2 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got.LogBytes < want || got.LogBytes%frame != 0 {
			t.Fatalf("round %d: %d bytes of log counted, want at least %d in whole %d-byte frames", r, got.LogBytes, want, frame)
		}
		if got.Syncs-before.Syncs < 2 {
			t.Fatalf("round %d: %d fsyncs counted, want a checkpoint's two", r, got.Syncs-before.Syncs)
		}
		return got
	}
	first := round(1, written)
	// Small writes until the log starts again from its top (its salt
	// changes), once a checkpoint has copied all of it: the second round
	// then fills a new generation, and counting only the log as it
	// stands would report one round.
	writeUntilLogRestarts(t, st, filepath.Join(dir, sqlite.FileName), time.Now().Add(10*time.Second))
	mid := ws.WriteStats()
	if mid.LogBytes < first.LogBytes {
		t.Fatalf("the log counted went back from %d to %d bytes", first.LogBytes, mid.LogBytes)
	}
	if second := round(2, mid.LogBytes+written); second.Commits-mid.Commits != batches {
		t.Errorf("%d commits counted in the second round, want %d", second.Commits-mid.Commits, batches)
	}
}

// writeUntilLogRestarts makes small writes until the write-ahead log of
// the database at path starts again from its top (a write after a
// checkpoint that copied all of it does), which changes the salt in its
// header.
func writeUntilLogRestarts(t *testing.T, st store.Store, path string, deadline time.Time) {
	t.Helper()
	first := walSalt(t, path)
	for restarted := false; !restarted; restarted = walSalt(t, path) != first {
		if time.Now().After(deadline) {
			t.Fatal("the write-ahead log was never started again from its top")
		}
		err := st.Scope(store.DefaultTenant).WithTx(t.Context(), func(tx store.Tx) error {
			return tx.CursorSet(t.Context(), "edr", "alerts", "after the checkpoint", time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// walSalt is the salt in the header of the write-ahead log of the
// database at path, which changes each time the log starts again from
// its top.
func walSalt(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	head := make([]byte, 24)
	if _, err := io.ReadFull(f, head); err != nil {
		t.Fatal(err)
	}
	return string(head[16:24])
}
