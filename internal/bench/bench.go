// Package bench measures alertsync's two throughput figures on each store:
// alerts ingested per second (batched, through the real engine) and outbox
// actions delivered per second (through the real worker and a connector, to
// a local HTTP receiver). `alertsync bench --json` prints them.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	// The bench delivers through the generic write-back connector.
	_ "github.com/alertsync/alertsync/internal/connectors/httpintake"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/postgres"
	"github.com/alertsync/alertsync/internal/store/sqlite"
)

// Options choose the workload.
type Options struct {
	Alerts      int
	Actions     int
	PostgresDSN string
	Stores      []string
	Workers     int
	Logger      *slog.Logger
	// Backlog is how many automatic comments wait on the throttled
	// integration in the backlog case; BacklogSamples how many verdict
	// pairs are timed. Backlog 0 means 10,000; a negative one skips it.
	Backlog        int
	BacklogSamples int
	// Sync shapes the end-to-end case against the vendor emulators.
	Sync SyncOptions
	// Lacework shapes the Lacework assembly case; Alerts < 0 skips it.
	Lacework LaceworkOptions
	// Playbook shapes the playbook case; Duration < 0 skips it.
	Playbook PlaybookOptions
	// Tenants shapes the tenants case; it runs when Tenants > 0.
	Tenants TenantsOptions
}

// Result is one store's figures.
type Result struct {
	IngestAlertsPerS  float64 `json:"ingest_alerts_per_s"`
	OutboxActionsPerS float64 `json:"outbox_actions_per_s"`
	// OutboxLaneActionsPerS is the same through the worker's lanes, as
	// the hub runs it (one integration: one lane, its window of
	// deliveries in flight, a finisher recording outcomes), where
	// OutboxActionsPerS claims and delivers batch after batch.
	OutboxLaneActionsPerS float64 `json:"outbox_lane_actions_per_s"`
	Alerts                int     `json:"alerts"`
	Actions               int     `json:"actions"`
	IngestSeconds         float64 `json:"ingest_seconds"`
	OutboxSeconds         float64 `json:"outbox_seconds"`
	// ValidationPassesPerS is correlation passes per second over the
	// ingested alerts (each looks up open alerts sharing its entities and
	// groups them into incidents), measured for a few seconds.
	ValidationPassesPerS float64 `json:"validation_passes_per_s"`
	// ValidationRepeatPassesPerS is the same over alerts already grouped
	// by an earlier pass: a backlog of due passes after downtime, where
	// the first figure includes opening the incidents.
	ValidationRepeatPassesPerS float64 `json:"validation_repeat_passes_per_s"`
	// VerdictUnderBacklog is the backlog case; see Backlog.
	VerdictUnderBacklog *Backlog `json:"verdict_under_backlog_ms,omitempty"`
	// Sync is the sync loop end to end; see Sync.
	Sync *Sync `json:"sync,omitempty"`
	// Lacework is alerts assembled from six scopes; see Lacework.
	Lacework *Lacework `json:"lacework,omitempty"`
	// Playbook is durable playbook runs against a bare relay.
	Playbook *Playbook `json:"playbook,omitempty"`
	// Tenants is many tenants on one store against one; see Tenants.
	Tenants *Tenants `json:"tenants,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Run measures every requested store and returns figures keyed by store.
func Run(ctx context.Context, o Options) (map[string]Result, error) {
	if o.Alerts <= 0 {
		o.Alerts = 50000
	}
	if o.Actions <= 0 {
		o.Actions = 20000
	}
	if o.Workers <= 0 {
		o.Workers = 32
	}
	if o.Backlog == 0 {
		o.Backlog = 10000
	}
	if o.BacklogSamples <= 0 {
		o.BacklogSamples = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Sync.defaults()
	o.Lacework.defaults()
	o.Playbook.defaults()
	o.Tenants.defaults()
	out := map[string]Result{}
	for _, name := range o.Stores {
		st, cleanup, err := open(ctx, name, o.PostgresDSN)
		if err != nil {
			out[name] = Result{Error: err.Error()}
			continue
		}
		res, err := measure(ctx, st, o)
		cleanup()
		if err == nil && o.Backlog > 0 {
			err = backlogCase(ctx, name, o, &res)
		}
		if err == nil && o.Sync.Alerts > 0 {
			res.Sync, err = measureSync(ctx, name, o)
			if err != nil {
				err = fmt.Errorf("sync case: %w", err)
			}
		}
		if err == nil && o.Lacework.Alerts > 0 {
			res.Lacework, err = laceworkCase(ctx, name, o)
		}
		if err == nil && o.Playbook.Duration > 0 {
			if res.Playbook, err = measurePlaybook(ctx, name, o); err != nil {
				err = fmt.Errorf("playbook case: %w", err)
			}
		}
		if err == nil && o.Tenants.enabled() {
			if res.Tenants, err = measureTenants(ctx, name, o); err != nil {
				err = fmt.Errorf("tenants case: %w", err)
			}
		}
		if err != nil {
			res.Error = err.Error()
		}
		out[name] = res
	}
	return out, nil
}

// laceworkCase runs the Lacework case on a fresh database of its own.
func laceworkCase(ctx context.Context, name string, o Options) (*Lacework, error) {
	st, cleanup, err := open(ctx, name, o.PostgresDSN)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	l, err := measureLacework(ctx, st, o)
	if err != nil {
		return nil, fmt.Errorf("lacework case: %w", err)
	}
	return l, nil
}

// backlogCase runs the backlog case on a fresh database of its own.
func backlogCase(ctx context.Context, name string, o Options, res *Result) error {
	st, cleanup, err := open(ctx, name, o.PostgresDSN)
	if err != nil {
		return err
	}
	defer cleanup()
	b, err := measureBacklog(ctx, st, o)
	if err != nil {
		return fmt.Errorf("backlog case: %w", err)
	}
	res.VerdictUnderBacklog = &b
	return nil
}

func open(ctx context.Context, name, dsn string) (store.Store, func(), error) {
	switch name {
	case "sqlite":
		dir, err := os.MkdirTemp("", "alertsync-bench-")
		if err != nil {
			return nil, nil, fmt.Errorf("temp dir: %w", err)
		}
		st, err := sqlite.Open(ctx, filepath.Join(dir, "bench.db"))
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
		return migrated(ctx, st, func() { _ = st.Close(); _ = os.RemoveAll(dir) })
	case "postgres":
		return openPostgres(ctx, dsn)
	}
	return nil, nil, fmt.Errorf("unknown store %q", name)
}

// openPostgres benchmarks inside a fresh schema that is dropped afterwards,
// so a shared database is left as it was.
func openPostgres(ctx context.Context, dsn string) (store.Store, func(), error) {
	schemaDSN, drop, err := postgresSchema(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	st, err := postgres.Open(ctx, schemaDSN)
	if err != nil {
		drop()
		return nil, nil, err
	}
	return migrated(ctx, st, func() { _ = st.Close(); drop() })
}

// postgresSchema creates a fresh schema and returns a DSN that works in
// it, and how to drop it.
func postgresSchema(ctx context.Context, dsn string) (string, func(), error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	schema := "alertsync_bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("open postgres: %w", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("create bench schema: %w", err)
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema, drop, nil
}

func migrated(ctx context.Context, st store.Store, cleanup func()) (store.Store, func(), error) {
	if err := st.Migrate(ctx); err != nil {
		cleanup()
		return nil, nil, err
	}
	stop := maintain(st)
	return st, func() { stop(); cleanup() }, nil
}

// maintainEvery is how often `alertsync serve` refreshes the store's
// planner statistics where the server does not (internal/app).
const maintainEvery = 10 * time.Second

// maintain runs the store's statistics upkeep while a case runs, as the
// hub does: a PostgreSQL server without autovacuum never analyzes the
// tables a case fills, and plans made for empty tables (a hash join
// over every alert of a tenant for each write-back) measure the planner,
// not alertsync.
func maintain(st store.Store) (stop func()) {
	m, ok := st.(store.Maintainer)
	if !ok {
		return func() {}
	}
	return every(maintainEvery, func(ctx context.Context) {
		_, _ = m.Maintain(ctx) // a failed refresh leaves the old plans; the next tick tries again
	})
}

// every runs fn every d until the returned stop is called; stop waits
// for a run in progress to end.
func every(d time.Duration, fn func(ctx context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func measure(ctx context.Context, st store.Store, o Options) (Result, error) {
	res := Result{Alerts: o.Alerts, Actions: o.Actions}
	recv := newReceiver()
	defer recv.Close()
	vendor, err := connector.Build("httpintake", connector.Deps{ID: "bench", Logger: o.Logger, HTTP: recv.Client()},
		map[string]any{"intake_key": "bench-intake-key-0123456789", "writeback_url": recv.URL})
	if err != nil {
		return res, fmt.Errorf("build bench connector: %w", err)
	}
	sc := st.Scope(store.DefaultTenant)
	eng := engine.New(engine.Options{Store: sc, Logger: o.Logger})
	eng.AddIntegration(engine.Integration{ID: "bench", Kind: "httpintake", Policy: engine.DefaultPolicy(), Connector: vendor})

	items := makeItems(o.Alerts)
	start := time.Now()
	if _, err := eng.Ingest(ctx, "bench", items); err != nil {
		return res, err
	}
	res.IngestSeconds = time.Since(start).Seconds()
	res.IngestAlertsPerS = round(float64(o.Alerts) / res.IngestSeconds)
	// Every alert goes under validation, as if an analyst had put them
	// there, so the passes figure measures correlation over the whole set.
	if err := validateAll(ctx, sc, eng.Now()); err != nil {
		return res, err
	}

	if res.ValidationPassesPerS, err = passRate(ctx, eng); err != nil {
		return res, err
	}
	if err := validateAll(ctx, sc, eng.Now()); err != nil {
		return res, err
	}
	if res.ValidationRepeatPassesPerS, err = passRate(ctx, eng); err != nil {
		return res, err
	}

	if err := enqueueActions(ctx, sc, o.Actions); err != nil {
		return res, err
	}
	w := outbox.New(outbox.Options{Store: st, Deliver: eng.Deliver, Logger: o.Logger, Concurrency: o.Workers, Batch: 256, IdleWait: time.Millisecond})
	start = time.Now()
	for done := 0; done < o.Actions; {
		n, err := w.RunOnce(ctx)
		if err != nil {
			return res, err
		}
		if n == 0 && recv.count.Load() < int64(o.Actions) {
			return res, fmt.Errorf("outbox stalled after %d of %d actions", recv.count.Load(), o.Actions)
		}
		done += n
	}
	res.OutboxSeconds = time.Since(start).Seconds()
	res.OutboxActionsPerS = round(float64(o.Actions) / res.OutboxSeconds)
	if res.OutboxLaneActionsPerS, err = laneRate(ctx, st, eng, o); err != nil {
		return res, err
	}
	return res, nil
}

// laneRate delivers o.Actions more actions through the worker's lanes
// and returns how many it recorded a second.
func laneRate(ctx context.Context, st store.Store, eng *engine.Engine, o Options) (float64, error) {
	if err := enqueueActionsKeyed(ctx, eng.Store(), o.Actions, "lane"); err != nil {
		return 0, err
	}
	var done atomic.Int64
	all := make(chan struct{})
	w := outbox.New(outbox.Options{Store: st, Deliver: eng.Deliver, Logger: o.Logger, Concurrency: o.Workers,
		Finished: func(rs []store.OutboxResult) {
			if done.Add(int64(len(rs))) == int64(o.Actions) {
				close(all)
			}
		}})
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	go func() { _ = w.Run(runCtx) }()
	select {
	case <-all:
		return round(float64(o.Actions) / time.Since(start).Seconds()), nil
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("lanes recorded %d of %d actions in 5 minutes", done.Load(), o.Actions)
	}
}

func round(f float64) float64 { return float64(int64(f)) }

// passRate runs due validation passes for a few seconds and returns how
// many ran a second.
func passRate(ctx context.Context, eng *engine.Engine) (float64, error) {
	passCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	start := time.Now()
	ran, err := eng.RunDuePasses(passCtx)
	if err != nil && passCtx.Err() == nil {
		return 0, err
	}
	return round(float64(ran) / time.Since(start).Seconds()), nil
}

// validateAll puts every stored alert under validation, due now.
func validateAll(ctx context.Context, st store.Scoped, now time.Time) error {
	after := int64(0)
	for {
		page, err := st.AlertList(ctx, store.AlertListParams{AfterID: after, Limit: 1000})
		if err != nil || len(page) == 0 {
			return err
		}
		vals := make([]store.Validation, len(page))
		for i, a := range page {
			vals[i] = store.Validation{AlertID: a.ID, StartedAt: now, NextPassAt: now, EndsAt: now.Add(48 * time.Hour)}
		}
		if err := st.WithTx(ctx, func(tx store.Tx) error { return tx.ValidationUpsertBatch(ctx, vals) }); err != nil {
			return fmt.Errorf("schedule validations: %w", err)
		}
		after = page[len(page)-1].ID
	}
}

func makeItems(n int) []connector.Item {
	items := make([]connector.Item, n)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		id := fmt.Sprintf("bench-%07d", i)
		raw := fmt.Sprintf(`{"id":%q,"title":"Suspicious process","host":"ws-%03d","user":"user%02d"}`, id, i%500, i%40)
		items[i] = connector.Item{VendorID: id, Raw: json.RawMessage(raw), Alert: &model.Alert{
			VendorID: id, Title: "Suspicious process", Severity: model.SeverityMedium, Status: model.StatusNew,
			CreatedAt: base, UpdatedAt: base.Add(time.Duration(i) * time.Millisecond),
			Entities: model.Entities{Hosts: []string{fmt.Sprintf("ws-%03d", i%500)}, Users: []string{fmt.Sprintf("user%02d", i%40)}},
		}}
	}
	return items
}

// enqueueActions queues set_state actions on distinct alerts, as verdicts
// on that many alerts would, in transactions of 1,000.
func enqueueActions(ctx context.Context, st store.Scoped, n int) error {
	return enqueueActionsKeyed(ctx, st, n, "")
}

// enqueueActionsKeyed is enqueueActions with a suffix on every key, to
// queue a second round on the same alerts.
func enqueueActionsKeyed(ctx context.Context, st store.Scoped, n int, suffix string) error {
	for start := 0; start < n; start += 1000 {
		err := st.WithTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				vid := fmt.Sprintf("bench-%07d", i)
				key := "bench/state/" + vid + suffix
				payload, _ := json.Marshal(connector.StateChange{Kind: model.KindAlert, VendorID: vid,
					Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "alertsync bench", IdempotencyKey: key})
				if _, _, err := tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{Key: key, Integration: "bench",
					ObjectRef: "alert:" + vid, Action: engine.ActionSetState, Payload: payload, Now: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("enqueue bench actions: %w", err)
		}
	}
	return nil
}

type receiver struct {
	*httptest.Server
	count atomic.Int64
}

func newReceiver() *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.count.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	tr := r.Server.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 256
	return r
}
