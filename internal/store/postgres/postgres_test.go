package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/postgres"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// setup opens a migrated store in a schema of its own; see
// storetest.OpenPostgres.
func setup(tb testing.TB) store.Store { return storetest.OpenPostgres(tb) }

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return setup(t) })
}

// TestSchemaIsolation checks that two stores in different schemas do not
// see each other's rows.
func TestSchemaIsolation(t *testing.T) {
	t.Parallel()
	a, b := setup(t), setup(t)
	err := a.Scope(store.DefaultTenant).WithTx(t.Context(), func(tx store.Tx) error {
		return tx.CursorSet(t.Context(), "i", "s", "only in a", time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Scope(store.DefaultTenant).CursorGet(t.Context(), "i", "s"); err == nil {
		t.Error("store b sees store a's cursor")
	}
}

func BenchmarkIngestBatch(b *testing.B) {
	storetest.BenchIngestBatch(b, setup(b))
}

func BenchmarkRunPrune(b *testing.B) {
	storetest.BenchRunPrune(b, setup(b))
}

func BenchmarkOutboxClaimFinish(b *testing.B) {
	storetest.BenchOutboxClaimFinish(b, setup(b))
}

func BenchmarkOutboxClaimComplete(b *testing.B) {
	storetest.BenchOutboxClaimComplete(b, setup(b))
}

// TestMaintainAnalyzesGrownTables: a table that grew from empty is
// analyzed by Maintain, and then no longer named stale. The server
// publishes its change counters within a second or so, hence the
// bounded poll (autovacuum, if on, waits its naptime of a minute).
func TestMaintainAnalyzesGrownTables(t *testing.T) {
	t.Parallel()
	st := storetest.OpenPostgres(t)
	ctx := t.Context()
	err := st.Scope(store.DefaultTenant).WithTx(ctx, func(tx store.Tx) error {
		recs := make([]*model.Evidence, 3000)
		for i := range recs {
			recs[i] = &model.Evidence{Integration: "o365", VendorID: fmt.Sprintf("r%d", i), Operation: "op", Summary: "s",
				OccurredAt: time.Unix(1700000000, 0), IngestedAt: time.Unix(1700000000, 0), Entities: model.Entities{Users: []string{"u"}}}
		}
		_, err := tx.EvidenceInsertBatch(ctx, recs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := st.(store.Maintainer)
	if !ok {
		t.Fatal("the PostgreSQL store does not maintain its statistics")
	}
	analyzed := false
	for deadline := time.Now().Add(15 * time.Second); !analyzed && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		names, err := m.Maintain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		analyzed = slices.Contains(names, "evidence")
	}
	if !analyzed {
		t.Fatal("Maintain never analyzed the evidence table after 3,000 rows went in")
	}
	if names, err := m.Maintain(ctx); err != nil || slices.Contains(names, "evidence") {
		t.Errorf("evidence still stale right after its analysis: %v, %v", names, err)
	}
}

// openRaw opens a migrated store in a schema of its own and a plain
// connection pool on the same schema, for checks below the store.
func openRaw(t *testing.T) (store.Store, *sql.DB) {
	t.Helper()
	dsn := storetest.PostgresSchemaDSN(t)
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	return st, raw
}

// hubTables are the tables no tenant owns.
var hubTables = map[string]bool{"tenants": true, "leases": true, "schema_migrations": true}

// TestTenantLeadsEveryKey: every table a tenant owns has a tenant column
// without a default, every one of its indexes (primary keys and unique
// keys included) leads with it, and row-level security is enabled and
// forced on it: the layout a distributed PostgreSQL (a distribution
// column) needs, and the guard a forgotten filter meets.
func TestTenantLeadsEveryKey(t *testing.T) {
	t.Parallel()
	_, raw := openRaw(t)
	ctx := t.Context()
	rows, err := raw.QueryContext(ctx, `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		COALESCE((SELECT a.attnotnull AND NOT a.atthasdef FROM pg_attribute a
			WHERE a.attrelid = c.oid AND a.attname = 'tenant' AND NOT a.attisdropped), false)
		FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var tables []string
	for rows.Next() {
		var (
			name                  string
			rls, force, tenantCol bool
		)
		if err := rows.Scan(&name, &rls, &force, &tenantCol); err != nil {
			t.Fatal(err)
		}
		if hubTables[name] {
			continue
		}
		tables = append(tables, name)
		if !tenantCol {
			t.Errorf("%s: no tenant column NOT NULL without a default", name)
		}
		if !rls || !force {
			t.Errorf("%s: row-level security enabled %v, forced %v", name, rls, force)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 15 {
		t.Fatalf("found only %d tenant tables: %v", len(tables), tables)
	}
	idx, err := raw.QueryContext(ctx, `SELECT t.relname, i.relname, a.attname
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
		WHERE t.relnamespace = current_schema()::regnamespace ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idx.Close() }()
	n := 0
	for idx.Next() {
		var table, index string
		var first sql.NullString
		if err := idx.Scan(&table, &index, &first); err != nil {
			t.Fatal(err)
		}
		if hubTables[table] {
			continue
		}
		n++
		if first.String != "tenant" {
			t.Errorf("index %s on %s leads with %q, not tenant", index, table, first.String)
		}
	}
	if err := idx.Err(); err != nil {
		t.Fatal(err)
	}
	if n < len(tables) {
		t.Errorf("%d indexes on %d tables", n, len(tables))
	}
}

// TestRowLevelSecurity proves the second guard: a query with no tenant
// filter at all, run as a tenant's transaction runs, sees that tenant's
// rows only, nothing without a tenant, and cannot write another's.
func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	st, raw := openRaw(t)
	ctx := t.Context()
	for _, tenant := range []string{"tenant-a", "tenant-b"} {
		err := st.Scope(tenant).WithTx(ctx, func(tx store.Tx) error {
			return tx.AlertInsertBatch(ctx, []*model.Alert{
				{Integration: "edr", VendorID: "v1", Title: "t", Severity: model.SeverityLow, Status: model.StatusNew, Revision: 1},
				{Integration: "edr", VendorID: "v2", Title: "t", Severity: model.SeverityLow, Status: model.StatusNew, Revision: 1},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// As the scoped role, which the store takes in every tenant
	// transaction because the test connects as a superuser.
	count := func(setting string) (int, error) {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, `SET LOCAL ROLE alertsync_scoped`); err != nil {
			return 0, err
		}
		if setting != "" {
			if _, err := tx.ExecContext(ctx, `SELECT set_config('alertsync.tenant', $1, true)`, setting); err != nil {
				return 0, err
			}
		}
		var n int
		err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts`).Scan(&n)
		return n, err
	}
	for _, tc := range []struct {
		setting string
		want    int
	}{{"tenant-a", 2}, {"tenant-b", 2}, {"tenant-c", 0}, {"", 0}, {"*", 4}} {
		if n, err := count(tc.setting); err != nil || n != tc.want {
			t.Errorf("SELECT COUNT(*) FROM alerts as tenant %q = %d, %v; want %d", tc.setting, n, err, tc.want)
		}
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `SET LOCAL ROLE alertsync_scoped; SELECT set_config('alertsync.tenant', 'tenant-a', true)`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE alerts SET title = 'x' WHERE tenant = 'tenant-b'`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cursors (tenant, integration, stream, cursor, updated_at) VALUES ('tenant-b', 'i', 's', 'c', 0)`)
	if err == nil {
		t.Error("tenant-a's transaction wrote a row of tenant-b")
	}
	_ = tx.Rollback()
	if got, err := st.Scope("tenant-b").AlertList(ctx, store.AlertListParams{}); err != nil || len(got) != 2 || got[0].Title != "t" {
		t.Errorf("tenant-b's alerts after tenant-a's update: %+v, %v", got, err)
	}
}

// TestVendorLookupStaysOnTheIndex: looking alerts up by vendor id reads
// only the alerts asked for while the table's statistics still describe
// it empty, as after a first backfill on a server whose autovacuum has
// not caught up. The planner had flattened the per-id LATERAL lookup into
// a hash join over every alert of the integration in the tenant, so each
// ingest batch and each write-back read them all. The server's per-table
// read counters tell rows read; a backend publishes its counters at the
// end of a transaction a second or more after it last did (else within
// ten seconds of going idle), hence the pause, the transaction after it,
// and the bounded poll.
func TestVendorLookupStaysOnTheIndex(t *testing.T) {
	t.Parallel()
	st, raw := openRaw(t)
	ctx := t.Context()
	if _, err := raw.ExecContext(ctx, `ALTER TABLE alerts SET (autovacuum_enabled = false); ANALYZE alerts`); err != nil {
		t.Fatal(err)
	}
	const stored, lookups, each = 4000, 10, 20
	sc := st.Scope(store.DefaultTenant)
	err := sc.WithTx(ctx, func(tx store.Tx) error {
		alerts := make([]*model.Alert, stored)
		for i := range alerts {
			at := time.Unix(1700000000, 0)
			alerts[i] = &model.Alert{Integration: "edr", VendorID: fmt.Sprintf("v%05d", i), Title: "t", Severity: model.SeverityLow,
				Status: model.StatusNew, CreatedAt: at, UpdatedAt: at, FirstSeenAt: at, LastChangedAt: at, Revision: 1}
		}
		return tx.AlertInsertBatch(ctx, alerts)
	})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(ids []string) error {
		return sc.WithTx(ctx, func(tx store.Tx) error {
			got, err := tx.AlertsByVendor(ctx, "edr", ids)
			if err == nil && len(got) != len(ids) {
				err = fmt.Errorf("found %d of %d alerts", len(got), len(ids))
			}
			return err
		})
	}
	for l := range lookups {
		ids := make([]string, each)
		for i := range ids {
			ids[i] = fmt.Sprintf("v%05d", (l*each+i)*7%stored)
		}
		if err := lookup(ids); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	if err := lookup(nil); err != nil {
		t.Fatal(err)
	}
	if read := rowsRead(t, raw, "alerts", lookups*each); read < lookups*each || read >= stored {
		t.Errorf("%d lookups of %d vendor ids read %d alert rows of %d, want %d", lookups, each, read, stored, lookups*each)
	}
}

// rowsRead is how many rows of table scans and index fetches have read,
// once the server's statistics show at least want (they are flushed
// within a second of each transaction, up to 15 s late under load).
func rowsRead(t *testing.T, raw *sql.DB, table string, want int64) int64 {
	t.Helper()
	var read int64
	for deadline := time.Now().Add(15 * time.Second); read < want && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		err := raw.QueryRowContext(t.Context(), `SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0)
			FROM pg_stat_user_tables WHERE relid = $1::regclass`, table).Scan(&read)
		if err != nil {
			t.Fatal(err)
		}
	}
	return read
}

// TestBatchUpdatesStayOnTheKey: the multi-row updates (the finisher's
// runs, the alerts' remote statuses the write-backs record) look each row
// up on its primary key while the table has no statistics yet (a new
// install's first minutes), instead of reading the tenant's every row for
// each batch.
func TestBatchUpdatesStayOnTheKey(t *testing.T) {
	t.Parallel()
	const stored, batches, each = 4000, 10, 100
	at := time.Unix(1700000000, 0)
	// pick is the i-th row of batch b, spread over the table.
	pick := func(b, i int) int { return (b*each + i) * 7 % stored }
	runs := make([]*store.Run, stored)
	for i := range runs {
		runs[i] = &store.Run{PlaybookID: "pb", Trigger: "alert_created", Status: store.RunRunning,
			Nodes: json.RawMessage(`[{"alert":{"title":"` + strings.Repeat("x", 400) + `"}}]`), NextStep: 1, StartedAt: at}
	}
	alerts := make([]*model.Alert, stored)
	for i := range alerts {
		alerts[i] = &model.Alert{Integration: "edr", VendorID: fmt.Sprintf("v%05d", i), Title: "t", Severity: model.SeverityLow,
			Status: model.StatusNew, CreatedAt: at, UpdatedAt: at, FirstSeenAt: at, LastChangedAt: at, Revision: 1}
	}
	tests := []struct {
		table string
		// fill stores the rows; update changes batch b of them.
		fill   func(ctx context.Context, tx store.Tx) error
		update func(ctx context.Context, tx store.Tx, b int) error
	}{
		{
			table: "playbook_runs",
			fill:  func(ctx context.Context, tx store.Tx) error { return tx.RunInsertBatch(ctx, runs) },
			update: func(ctx context.Context, tx store.Tx, b int) error {
				upd := make([]store.Run, each)
				for i := range upd {
					upd[i] = *runs[pick(b, i)]
					upd[i].Status, upd[i].NextStep = store.RunSucceeded, 2
				}
				return tx.RunUpdateBatch(ctx, upd)
			},
		},
		{
			table: "alerts",
			fill:  func(ctx context.Context, tx store.Tx) error { return tx.AlertInsertBatch(ctx, alerts) },
			update: func(ctx context.Context, tx store.Tx, b int) error {
				ch := make([]store.RemoteStatusChange, each)
				for i := range ch {
					ch[i] = store.RemoteStatusChange{ID: alerts[pick(b, i)].ID, Revision: 2, RemoteStatus: "closed", At: at.Add(time.Minute)}
				}
				return tx.AlertRemoteStatusBatch(ctx, ch)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			t.Parallel()
			st, raw := openRaw(t)
			ctx := t.Context()
			if _, err := raw.ExecContext(ctx, `ALTER TABLE `+tt.table+` SET (autovacuum_enabled = false)`); err != nil {
				t.Fatal(err)
			}
			sc := st.Scope(store.DefaultTenant)
			if err := sc.WithTx(ctx, func(tx store.Tx) error { return tt.fill(ctx, tx) }); err != nil {
				t.Fatal(err)
			}
			for b := range batches {
				if err := sc.WithTx(ctx, func(tx store.Tx) error { return tt.update(ctx, tx, b) }); err != nil {
					t.Fatal(err)
				}
			}
			// A transaction a second later makes its connection report
			// the batches' reads (a connection idle since waits up to
			// 10 s to).
			time.Sleep(1100 * time.Millisecond)
			if err := sc.WithTx(ctx, func(store.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			// Each update reads its own row at least: fewer means the
			// statistics never came, and the test proves nothing.
			if read := rowsRead(t, raw, tt.table, batches*each); read < batches*each || read >= stored {
				t.Errorf("%d batches of %d updates read %d rows of %d, want %d", batches, each, read, stored, batches*each)
			}
		})
	}
}

// TestDeadlockIsAConflict: two transactions that lock the same alerts in
// opposite orders (two replicas ingesting overlapping pushes) deadlock;
// the server aborts one of them. That is a race lost, not a refusal:
// the store reports it as store.ErrConflict, which callers retry (the
// engine's withTx), instead of an error that would quarantine a valid
// alert.
func TestDeadlockIsAConflict(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	sc := setup(t).Scope(store.DefaultTenant)
	at := time.Unix(1700000000, 0)
	alerts := make([]model.Alert, 2)
	err := sc.WithTx(ctx, func(tx store.Tx) error {
		for i := range alerts {
			alerts[i] = model.Alert{Integration: "edr", VendorID: fmt.Sprintf("v%d", i), Title: "t", Severity: model.SeverityLow,
				Status: model.StatusNew, CreatedAt: at, UpdatedAt: at, FirstSeenAt: at, LastChangedAt: at, Revision: 1}
			if err := tx.AlertInsert(ctx, &alerts[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each transaction updates its first alert, waits until the other
	// holds its own, then updates the other's.
	var locked [2]chan struct{}
	for i := range locked {
		locked[i] = make(chan struct{})
	}
	errs := make([]error, 2)
	done := make(chan int, 2)
	for i := range 2 {
		go func() {
			errs[i] = sc.WithTx(ctx, func(tx store.Tx) error {
				first, second := alerts[i], alerts[1-i]
				first.Revision, first.Title = 2, fmt.Sprintf("by %d", i)
				if err := tx.AlertUpdate(ctx, first); err != nil {
					return err
				}
				close(locked[i])
				<-locked[1-i]
				second.Revision, second.Title = 2, fmt.Sprintf("by %d", i)
				return tx.AlertUpdate(ctx, second)
			})
			done <- i
		}()
	}
	<-done
	<-done
	var lost, won int
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrConflict):
			lost++
		default:
			t.Errorf("transaction %d: %v, want store.ErrConflict or success", i, err)
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("won %d, lost %d; want one each (errors: %v)", won, lost, errs)
	}
}
