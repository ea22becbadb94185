package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/playbook/condition"
	"github.com/alertsync/alertsync/internal/playbook/template"
	"github.com/alertsync/alertsync/internal/procstat"
	"github.com/alertsync/alertsync/internal/store"
)

// PlaybookOptions shape the playbook case.
type PlaybookOptions struct {
	Duration    time.Duration
	Concurrency int
}

func (o *PlaybookOptions) defaults() {
	if o.Duration == 0 {
		o.Duration = 30 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
}

// Playbook is the playbook case's figures: alerts pushed over HTTP to the
// hub's intake, each starting a durable run of a playbook whose
// condition admits it and whose http step posts a rendered body to a
// local receiver; and the same traffic through a bare in-process relay.
type Playbook struct {
	PushPerS      float64   `json:"playbook_push_per_s"`
	Latency       Latencies `json:"latency_ms"`
	BareRelayPerS float64   `json:"bare_relay_per_s"`
	Ratio         float64   `json:"ratio_to_bare_relay"`
	Sent          int64     `json:"triggers_sent"`
	Delivered     int64     `json:"receiver_requests"`
	Concurrency   int       `json:"concurrency"`
	// RunsFailed and RunsLeft are the hub's runs that failed, and those
	// still running when the case ended.
	RunsFailed int `json:"runs_failed"`
	RunsLeft   int `json:"runs_left"`
	// CommitsPerRun and RowsPerRun are what durability cost each run:
	// the store's committed write transactions (ingest groups, claims,
	// recorded outcomes) and the rows they changed, while the case ran,
	// over the runs started.
	CommitsPerRun float64 `json:"commits_per_run"`
	RowsPerRun    float64 `json:"rows_per_run"`
	// FsyncsPerRun and WALBytesPerRun are the rest of that cost: the
	// fsyncs that made the runs durable and the write-ahead log written
	// for them, over the runs started. SQLite's process keeps its files
	// and counts them (its checkpoints sync; commits do not, under
	// synchronous=NORMAL); PostgreSQL's server keeps its own, and
	// pg_stat_wal reports them for the whole server, which the case has
	// to itself.
	FsyncsPerRun   float64 `json:"fsyncs_per_run"`
	WALBytesPerRun float64 `json:"wal_bytes_per_run"`
	Seconds        float64 `json:"seconds"`
	RSSMB          float64 `json:"rss_mb"`
}

// benchPlaybook is the case's playbook: condition, lookup, templated post.
const benchPlaybook = `id: bench-push
name: Push high alerts to a tool
trigger: {type: alert_created}
condition: alert.severity >= 50
allow: [RECEIVER_HOST]
concurrency: 16
steps:
  - type: get_alert
  - type: http
    url: RECEIVER_URL
    json: '{"alert_short_id":"{{ node.0.alert_uuid }}", "rule_name":"{{ node.1.rule.name }}","rule_severity":"{{ node.1.rule.severity }}","host":"{{ node.1.entities.hosts[0] }}"}'
    auth: {type: bearer, token_secret: tool}
    # The receiver deduplicates by Idempotency-Key: a request repeated
    # after a crash is harmless, so no sending mark is needed.
    idempotent: true
`

// stamped is the receiver: it counts requests and times each from the
// moment its alert was pushed.
type stamped struct {
	srv   *httptest.Server
	sent  sync.Map // alert id -> time pushed
	n     atomic.Int64
	mu    sync.Mutex
	took  []float64
	since time.Time
}

func newStamped() *stamped {
	st := &stamped{since: time.Now()}
	st.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			ID string `json:"alert_short_id"`
		}
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &body) == nil {
			// Each push is timed once, and its entry goes: the map holds
			// only pushes in flight, so the harness's bookkeeping does
			// not grow with the run and count against the hub's RSS.
			if at, ok := st.sent.LoadAndDelete(body.ID); ok {
				st.mu.Lock()
				st.took = append(st.took, float64(time.Since(at.(time.Time)).Microseconds())/1000)
				st.mu.Unlock()
			}
		}
		st.n.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	return st
}

// measurePlaybook runs the hub with the playbook for o.Duration, then the
// bare relay for as long, against the same receiver shape.
func measurePlaybook(ctx context.Context, name string, o Options) (*Playbook, error) {
	po := o.Playbook
	rc := newStamped()
	defer rc.srv.Close()
	// The hub and the relay run under profiler labels (case=playbook,
	// side=hub|bare), so `bench --cpuprofile` can tell their costs apart:
	// every goroutine they start inherits them.
	hubCtx := pprof.WithLabels(ctx, pprof.Labels("case", "playbook", "side", "hub"))
	pprof.SetGoroutineLabels(hubCtx)
	defer pprof.SetGoroutineLabels(ctx)
	a, stop, err := startPlaybookHub(hubCtx, name, o, rc.srv.URL)
	if err != nil {
		return nil, err
	}
	hub := "http://" + a.Addr()
	stats, _ := a.Hub().(store.WriteStatser)
	var before store.WriteStats
	if stats != nil {
		before = stats.WriteStats()
	}
	logBefore, logErr := logCost(ctx, name, o.PostgresDSN, stats)
	sent, secs := pushFor(hubCtx, hub+"/api/v1/intake/push", po, rc, "P")
	// Wait (bounded) for the last runs: their requests (the rate counts
	// the time to the last one), then their records.
	end := time.Now()
	wait := end.Add(30 * time.Second)
	for rc.n.Load() < sent && time.Now().Before(wait) {
		time.Sleep(5 * time.Millisecond)
	}
	last := time.Since(end)
	var failed, left int
	for ; time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
		if failed, left, err = runTally(ctx, a.Store()); err != nil || left == 0 {
			break
		}
	}
	res := &Playbook{Sent: sent, Delivered: rc.n.Load(), Concurrency: po.Concurrency, Seconds: secs, RunsFailed: failed, RunsLeft: left}
	res.PushPerS = round(float64(res.Delivered) / (secs + last.Seconds()))
	if stats != nil && sent > 0 {
		after := stats.WriteStats()
		res.CommitsPerRun = float64(int64(float64(after.Commits-before.Commits)/float64(sent)*100)) / 100
		res.RowsPerRun = float64(int64(float64(after.Rows-before.Rows)/float64(sent)*100)) / 100
	}
	if logErr == nil && sent > 0 {
		// SQLite's checkpointer counts what it finds every quarter
		// second: give it two looks at the last runs' log.
		time.Sleep(600 * time.Millisecond)
		logAfter, err := logCost(ctx, name, o.PostgresDSN, stats)
		if err == nil {
			// SQLite's runs share a checkpoint's two fsyncs by the
			// thousand: four places keep them from reading as none.
			res.FsyncsPerRun = float64(int64(float64(logAfter.Syncs-logBefore.Syncs)/float64(sent)*1e4)) / 1e4
			res.WALBytesPerRun = round(float64(logAfter.LogBytes-logBefore.LogBytes) / float64(sent))
		}
	}
	rc.mu.Lock()
	if len(rc.took) > 0 {
		res.Latency = latencies(rc.took)
	}
	rc.mu.Unlock()
	res.RSSMB = procstat.RSSMB()
	stop()
	if err != nil {
		return nil, err
	}
	bareCtx := pprof.WithLabels(ctx, pprof.Labels("case", "playbook", "side", "bare"))
	pprof.SetGoroutineLabels(bareCtx)
	bare, err := bareRelay(bareCtx, po)
	if err != nil {
		return nil, err
	}
	res.BareRelayPerS = bare
	if bare > 0 {
		res.Ratio = float64(int64(res.PushPerS/bare*100)) / 100
	}
	return res, nil
}

// startPlaybookHub starts a hub on the store with a push intake and the
// bench playbook; it returns the hub's URL.
func startPlaybookHub(ctx context.Context, name string, o Options, receiver string) (*app.App, func(), error) {
	cfg := config.Defaults()
	dir, err := os.MkdirTemp("", "alertsync-bench-playbook-")
	if err != nil {
		return nil, nil, fmt.Errorf("temp dir: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	cfg.DataDir, cfg.Listen, cfg.LogLevel = filepath.Join(dir, "data"), "127.0.0.1:0", "error"
	cfg.SecretKey = config.NewSecret("bench secret key, for a throwaway data dir")
	cfg.Integrations = []config.Integration{{ID: "push", Kind: "httpintake", Settings: map[string]any{"intake_key": benchIntakeKey}}}
	u, _ := url.Parse(receiver)
	pbDir := filepath.Join(dir, "playbooks")
	src := strings.NewReplacer("RECEIVER_HOST", u.Host, "RECEIVER_URL", receiver+"/alerts").Replace(benchPlaybook)
	if err := os.MkdirAll(pbDir, 0o755); err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(pbDir, "bench.yaml"), []byte(src), 0o644); err != nil {
		cleanup()
		return nil, nil, err
	}
	cfg.Playbooks = config.Playbooks{Dir: pbDir, Secrets: []config.NamedSecret{{Name: "tool", Value: config.NewSecret("bench-tool-token")}}}
	if name == "postgres" {
		dsn, drop, err := postgresSchema(ctx, o.PostgresDSN)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		cfg.Store = config.StoreConfig{Driver: "postgres", DSN: config.NewSecret(dsn)}
		prev := cleanup
		cleanup = func() { drop(); prev() }
	}
	a, err := app.New(ctx, cfg, app.Options{Logger: o.Logger})
	if err == nil {
		err = a.Start(ctx)
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Stop(sctx)
		cleanup()
	}
	return a, stop, nil
}

// logCost is what the store's files have cost so far: fsyncs and bytes
// of write-ahead log. SQLite's store counts its own (WriteStats);
// PostgreSQL's server reports its own in pg_stat_wal, for the whole
// server.
func logCost(ctx context.Context, name, dsn string, stats store.WriteStatser) (store.WriteStats, error) {
	if name != "postgres" {
		if stats == nil {
			return store.WriteStats{}, errors.New("the store does not count its writes")
		}
		return stats.WriteStats(), nil
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return store.WriteStats{}, fmt.Errorf("open postgres: %w", err)
	}
	defer func() { _ = db.Close() }()
	var ws store.WriteStats
	err = db.QueryRowContext(ctx, "SELECT wal_sync, wal_bytes::bigint FROM pg_stat_wal").Scan(&ws.Syncs, &ws.LogBytes)
	if err != nil {
		return store.WriteStats{}, fmt.Errorf("read pg_stat_wal: %w", err)
	}
	return ws, nil
}

// runTally counts the hub's failed and unfinished runs.
func runTally(ctx context.Context, st store.Scoped) (failed, left int, err error) {
	before := int64(0)
	for {
		runs, err := st.RunList(ctx, store.RunListParams{BeforeID: before, Limit: 1000})
		if err != nil || len(runs) == 0 {
			return failed, left, err
		}
		for _, r := range runs {
			switch r.Status {
			case store.RunFailed:
				failed++
			case store.RunRunning:
				left++
			}
		}
		before = runs[len(runs)-1].ID
	}
}

// benchIntakeKey is the bench hub's push intake key.
const benchIntakeKey = "bench-intake-key-0123456789abcdef"

// pushFor sends one alert a request from po.Concurrency senders for
// po.Duration, each alert high enough for the condition; it returns how
// many were accepted and the seconds spent.
func pushFor(ctx context.Context, target string, po PlaybookOptions, rc *stamped, prefix string) (int64, float64) {
	var sent, seq atomic.Int64
	client := &http.Client{Transport: app.VendorTransport(), Timeout: 30 * time.Second}
	deadline := time.Now().Add(po.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for range po.Concurrency {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				id := prefix + strconv.FormatInt(seq.Add(1), 10)
				body := fmt.Sprintf(`[{"id":%q,"title":"Suspicious \"PowerShell\" <%s>","severity":"high","hosts":["ws-%d"]}]`, id, id, seq.Load()%50)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Alertsync-Intake-Key", benchIntakeKey)
				rc.sent.Store(id, time.Now())
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode < 300 {
					sent.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return sent.Load(), time.Since(start).Seconds()
}

// bareRelay is the floor: an in-process server that does what the
// playbook does with no durability (decode, condition, render, POST) for
// the same traffic; it returns its relayed requests a second.
func bareRelay(ctx context.Context, po PlaybookOptions) (float64, error) {
	rc := newStamped()
	defer rc.srv.Close()
	cond, err := condition.Compile("alert.severity >= 50")
	if err != nil {
		return 0, err
	}
	tpl, err := template.Compile("json", `{"alert_short_id":"{{ node.0.alert_uuid }}", "rule_name":"{{ node.1.rule.name }}","rule_severity":"{{ node.1.rule.severity }}","host":"{{ node.1.entities.hosts[0] }}"}`,
		template.Options{JSON: true})
	if err != nil {
		return 0, err
	}
	client := &http.Client{Transport: app.VendorTransport(), Timeout: 30 * time.Second}
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in []struct {
			ID, Title, Severity string
			Hosts               []string
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in) == 0 {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		a := in[0]
		if len(a.Hosts) == 0 {
			http.Error(w, "no host", http.StatusBadRequest)
			return
		}
		score, _ := condition.SeverityScore(a.Severity)
		if ok, _ := cond.Eval(condition.Vars{Alert: condition.Alert{Severity: score}}); !ok {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		data := map[string]any{"node": []any{map[string]any{"alert_uuid": a.ID},
			map[string]any{"rule": map[string]any{"name": a.Title, "severity": score}, "entities": map[string]any{"hosts": []any{a.Hosts[0]}}}}}
		out, err := tpl.Render(r.Context(), data)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, rc.srv.URL+"/alerts", strings.NewReader(out.Text))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer relay.Close()
	_, secs := pushFor(ctx, relay.URL, po, rc, "R")
	return round(float64(rc.n.Load()) / secs), nil
}
