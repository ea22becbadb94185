package bench

import (
	"context"
	"errors"
	"fmt"
	"github.com/alertsync/alertsync/internal/procstat"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	_ "github.com/alertsync/alertsync/internal/connectors/all" // the vendors the sync case writes to
	_ "github.com/alertsync/alertsync/internal/emulators/all"  // and their emulators
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Sync is the sync loop measured end to end: alerts raised in every
// registered vendor emulator, ingested by the hub's pollers through the
// vendors' APIs, given verdicts, and written back until each emulator's
// own state shows them. Emulators and hub run unthrottled: the figures
// are alertsync's, not the vendors' quotas.
type Sync struct {
	// Alerts is how many alerts the hub ingested from the emulators, and
	// IngestAlertsPerS how fast, pollers and vendor APIs included.
	Alerts           int     `json:"alerts"`
	IngestAlertsPerS float64 `json:"ingest_alerts_per_s"`
	// VerdictToRemoteMS is from a verdict's commit to the emulator
	// showing it, for LatencySamples verdicts given at VerdictRate a
	// second (a SOC's pace, not a flood).
	VerdictToRemoteMS Latencies `json:"verdict_to_remote_ms"`
	LatencySamples    int       `json:"latency_samples"`
	VerdictRate       float64   `json:"verdict_rate_per_s"`
	// VendorLatencyMS is the delay every emulator answer had.
	VendorLatencyMS float64 `json:"vendor_latency_ms"`
	// Verdicts is how many alerts were given verdicts at once, at
	// VerdictsPerS (as fast as the engine took them) while write-back
	// was held; WritebackPerS is how fast the emulators then confirmed
	// them, from its release to the last confirmation.
	Verdicts int `json:"verdicts"`
	// WritebackSeconds is, per integration, how long after the release
	// its last write was confirmed: the slowest bounds WritebackPerS.
	WritebackSeconds map[string]float64 `json:"writeback_seconds"`
	VerdictsPerS     float64            `json:"verdicts_per_s"`
	WritebackPerS    float64            `json:"writeback_per_s"`
	// DirectClientWritebackPerS is the same writes made by a minimal loop
	// calling the connectors with the outbox's concurrency (and bulk calls
	// of the outbox's claim size where the vendor has them), on fresh
	// emulators: the floor the hub is measured against.
	DirectClientWritebackPerS float64 `json:"direct_client_writeback_per_s"`
	// APICallsPerSyncedAlert is, per integration, every API call its
	// emulator answered while the verdicts were written back (polls
	// included) divided by the alerts it confirmed.
	APICallsPerSyncedAlert map[string]float64 `json:"api_calls_per_synced_alert"`
	// WriteCallsPerSyncedAlert counts only the hub's write-back requests
	// (its foreground requests, as its HTTP kit counts them), without the
	// polls that ran meanwhile.
	WriteCallsPerSyncedAlert map[string]float64 `json:"write_calls_per_synced_alert"`
	// Unconfirmed counts writes no emulator showed within the deadline.
	Unconfirmed int `json:"unconfirmed"`
	// RSSMB is the process's resident memory at the end of the case
	// (after a garbage collection), the hub holding RSSAlerts alerts and
	// the emulators theirs, all in one process.
	RSSMB     float64 `json:"rss_mb"`
	RSSAlerts int     `json:"rss_alerts"`
}

// SyncOptions shape the sync case.
type SyncOptions struct {
	// Alerts is spread over the vendors that seed alerts (10,000 when
	// zero; negative skips the case).
	Alerts int
	// LatencySamples verdicts are paced at VerdictRate a second (1,000
	// and 200 when zero).
	LatencySamples int
	VerdictRate    float64
	// VendorLatency delays every emulator answer, as a vendor's round
	// trip does; zero measures against emulators answering in
	// microseconds, where the hub's own bookkeeping is all there is.
	VendorLatency time.Duration
}

func (o *SyncOptions) defaults() {
	if o.Alerts == 0 {
		o.Alerts = 10000
	}
	if o.LatencySamples <= 0 {
		o.LatencySamples = 1000
	}
	if o.VerdictRate <= 0 {
		o.VerdictRate = 200
	}
}

// syncDeadline bounds each wait of the sync case.
const syncDeadline = 40 * time.Second

// measureSync runs the sync case on a fresh store of kind name.
func measureSync(ctx context.Context, name string, o Options) (*Sync, error) {
	h, err := startSyncHub(ctx, name, o)
	if err != nil {
		return nil, err
	}
	defer h.close()
	res := &Sync{LatencySamples: o.Sync.LatencySamples, VerdictRate: o.Sync.VerdictRate,
		VendorLatencyMS: float64(o.Sync.VendorLatency.Microseconds()) / 1000}
	if err := h.ingestAll(ctx, res); err != nil {
		return res, err
	}
	targets, err := h.targets(ctx)
	if err != nil {
		return res, err
	}
	paced := min(o.Sync.LatencySamples, len(targets)/2)
	lat, err := h.paced(ctx, targets[:paced], o.Sync.VerdictRate)
	if err != nil {
		return res, err
	}
	res.VerdictToRemoteMS, res.LatencySamples = latencies(lat), len(lat)
	if err := h.flood(ctx, targets[paced:], res); err != nil {
		return res, err
	}
	res.DirectClientWritebackPerS, err = directWriteback(ctx, h, o)
	if err != nil {
		return res, fmt.Errorf("direct client: %w", err)
	}
	runtime.GC()
	res.RSSMB, res.RSSAlerts = round(procstat.RSSMB()), res.Alerts
	return res, nil
}

// syncHub is a running hub against a running Set of emulators.
type syncHub struct {
	set   *registry.Set
	srv   *httptest.Server
	app   *app.App
	cfg   config.Config
	watch *watcher
	close func()
}

func startSyncHub(ctx context.Context, name string, o Options) (*syncHub, error) {
	set, err := registry.Start(registry.Options{Alerts: perVendor(o.Sync.Alerts), WorldSeed: 1, Unlimited: true,
		Latency: o.Sync.VendorLatency, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(set.Handler())
	srv.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	h := &syncHub{set: set, srv: srv}
	var closers []func()
	h.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	closers = append(closers, srv.Close)
	cfg, cleanup, err := syncConfig(ctx, name, o, set, srv.URL)
	if err != nil {
		h.close()
		return nil, err
	}
	closers = append(closers, cleanup)
	h.cfg = cfg
	a, err := app.New(ctx, cfg, app.Options{Logger: o.Logger, HTTPClient: srv.Client()})
	if err != nil {
		h.close()
		return nil, err
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(context.Background())
		h.close()
		return nil, err
	}
	h.app = a
	closers = append(closers, func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Stop(stop)
	})
	h.watch = newWatcher(set)
	closers = append(closers, h.watch.start())
	return h, nil
}

// perVendor spreads n alerts over the registered vendors that seed
// alerts by default.
func perVendor(n int) map[string]int {
	vs, _ := registry.Vendors()
	var seeding []string
	for _, v := range vs {
		if v.DefaultAlerts > 0 {
			seeding = append(seeding, v.Kind)
		}
	}
	out := map[string]int{}
	for i, k := range seeding {
		out[k] = n / len(seeding)
		if i < n%len(seeding) {
			out[k]++
		}
	}
	return out
}

// syncConfig is the hub's config: every emulator's integration with the
// default policy (comment sync off, close on not a threat) and the
// default poll interval (a poll reads everything new, so the first one
// ingests the lot; polling faster would only put the hub's echo work
// in the way of the write-back it measures), on a fresh store.
func syncConfig(ctx context.Context, name string, o Options, set *registry.Set, root string) (config.Config, func(), error) {
	cfg := config.Defaults()
	dir, err := os.MkdirTemp("", "alertsync-bench-sync-")
	if err != nil {
		return cfg, nil, fmt.Errorf("temp dir: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.Listen = "127.0.0.1:0"
	cfg.SecretKey = config.NewSecret("bench secret key, for a throwaway data dir")
	cfg.LogLevel = "error"
	cfg.Integrations = set.Integrations(root, nil, cfg.Engine.PollInterval)
	for i := range cfg.Integrations {
		cfg.Integrations[i].Policy = config.Policy{}
	}
	if name == "postgres" {
		dsn, drop, err := postgresSchema(ctx, o.PostgresDSN)
		if err != nil {
			cleanup()
			return cfg, nil, err
		}
		cfg.Store = config.StoreConfig{Driver: "postgres", DSN: config.NewSecret(dsn)}
		return cfg, func() { drop(); cleanup() }, nil
	}
	return cfg, cleanup, nil
}

// ingestAll waits until the hub holds every alert the emulators show.
func (h *syncHub) ingestAll(ctx context.Context, res *Sync) error {
	want := map[string]int{}
	total := 0
	for _, v := range h.set.Vendors() {
		em, _ := h.set.Emulator(v.Kind)
		for _, obj := range em.Console().Objects() {
			if obj.Kind == registry.KindAlert {
				want[v.ID]++
				total++
			}
		}
	}
	start := time.Now()
	deadline := start.Add(syncDeadline)
	for {
		got, err := h.counts(ctx)
		if err != nil {
			return err
		}
		done := true
		for id, n := range want {
			done = done && got[id] >= n
		}
		if done {
			res.Alerts = total
			res.IngestAlertsPerS = round(float64(total) / time.Since(start).Seconds())
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ingest: the hub holds %v of %v alerts after %v", got, want, syncDeadline)
		}
		time.Sleep(100 * time.Millisecond) // a bounded poll of the hub's store, which runs in this process
	}
}

// counts is how many alerts the hub holds per integration.
func (h *syncHub) counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	after := int64(0)
	for {
		page, err := h.app.Store().AlertList(ctx, store.AlertListParams{AfterID: after, Limit: 5000})
		if err != nil || len(page) == 0 {
			return out, err
		}
		for _, a := range page {
			out[a.Integration]++
		}
		after = page[len(page)-1].ID
	}
}

// target is one alert to give a verdict and find closed at its vendor.
type target struct {
	alertID int64
	kind    string // vendor kind
	ref     string // the vendor's id
}

// targets lists the hub's alerts that their vendor's console shows
// open, in round-robin order over vendors so every phase touches each.
func (h *syncHub) targets(ctx context.Context) ([]target, error) {
	kindOf := map[string]string{}
	for _, v := range h.set.Vendors() {
		kindOf[v.ID] = v.Kind
	}
	byKind := map[string][]target{}
	var kinds []string
	after := int64(0)
	for {
		page, err := h.app.Store().AlertList(ctx, store.AlertListParams{AfterID: after, Limit: 5000})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, a := range page {
			k := kindOf[a.Integration]
			em, ok := h.set.Emulator(k)
			if !ok {
				continue
			}
			// An alert its console already shows closed needs no write
			// (and at some vendors, Sekoia's Closed, cannot take one).
			if obj, shown := em.Console().Object(registry.KindAlert, a.VendorID); !shown || obj.State == registry.StateClosed {
				continue
			}
			if byKind[k] == nil {
				kinds = append(kinds, k)
			}
			byKind[k] = append(byKind[k], target{alertID: a.ID, kind: k, ref: a.VendorID})
		}
		after = page[len(page)-1].ID
	}
	var out []target
	for i := 0; ; i++ {
		added := false
		for _, k := range kinds {
			if i < len(byKind[k]) {
				out, added = append(out, byKind[k][i]), true
			}
		}
		if !added {
			return out, nil
		}
	}
}

// perAlert is calls per alert, to three decimals.
func perAlert(calls int64, alerts int) float64 {
	return float64(int64(float64(calls)/float64(alerts)*1000+0.5)) / 1000
}

var benchAnalyst = model.Actor{Kind: model.ActorAnalyst, Name: "bench"}

// verdict gives t's alert Not a Threat, which the default policy closes
// at the vendor, and starts watching for it.
func (h *syncHub) verdict(ctx context.Context, t target) error {
	_, err := h.app.Engine().SetAlertVerdict(ctx, engine.VerdictParams{ID: t.alertID, Verdict: model.VerdictNotAThreat,
		Reason: "bench", Actor: benchAnalyst})
	if err != nil {
		return fmt.Errorf("verdict on alert %d: %w", t.alertID, err)
	}
	h.watch.expect(t, time.Now())
	return nil
}

// paced gives verdicts at rate a second and returns each one's time to
// its vendor, in milliseconds.
func (h *syncHub) paced(ctx context.Context, ts []target, rate float64) ([]float64, error) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for _, t := range ts {
		<-tick.C
		if err := h.verdict(ctx, t); err != nil {
			return nil, err
		}
	}
	if err := h.watch.wait(ctx, syncDeadline); err != nil {
		return nil, err
	}
	return h.watch.took(), nil
}

// flood gives every remaining target a verdict, as fast as the engine
// takes them, while write-back is held, then releases it and times the
// write-back until the last one is confirmed: the hub's delivery rate
// with a backlog, whatever the rate verdicts come in at.
func (h *syncHub) flood(ctx context.Context, ts []target, res *Sync) error {
	before, writesBefore := map[string]int64{}, map[string]int64{}
	for _, v := range h.set.Vendors() {
		before[v.Kind] = h.set.Calls(v.Kind)
		writesBefore[v.Kind], _ = httpkit.Requests(model.DefaultTenant, v.ID)
	}
	h.app.Outbox().Hold(true)
	defer h.app.Outbox().Hold(false)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ts); i += len(errs) {
				if err := h.verdict(ctx, ts[i]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	res.VerdictsPerS = round(float64(len(ts)) / time.Since(start).Seconds())
	for _, v := range h.set.Vendors() {
		before[v.Kind] = h.set.Calls(v.Kind)
	}
	start = time.Now()
	h.app.Outbox().Hold(false)
	err := h.watch.wait(ctx, syncDeadline)
	elapsed := time.Since(start)
	res.Verdicts = len(ts)
	res.Unconfirmed = h.watch.pendingCount()
	res.WritebackPerS = round(float64(len(ts)-res.Unconfirmed) / elapsed.Seconds())
	synced := map[string]int{}
	for _, t := range ts {
		synced[t.kind]++
	}
	res.WritebackSeconds = map[string]float64{}
	for kind, at := range h.watch.lastConfirmed() {
		if v, ok := h.set.Vendor(kind); ok && at.After(start) {
			res.WritebackSeconds[v.ID] = float64(at.Sub(start).Milliseconds()) / 1000
		}
	}
	res.APICallsPerSyncedAlert, res.WriteCallsPerSyncedAlert = map[string]float64{}, map[string]float64{}
	for _, v := range h.set.Vendors() {
		if n := synced[v.Kind]; n > 0 {
			writes, _ := httpkit.Requests(model.DefaultTenant, v.ID)
			res.APICallsPerSyncedAlert[v.ID] = perAlert(h.set.Calls(v.Kind)-before[v.Kind], n)
			res.WriteCallsPerSyncedAlert[v.ID] = perAlert(writes-writesBefore[v.Kind], n)
		}
	}
	if err != nil {
		return fmt.Errorf("write-back of %d verdicts: %w", len(ts), err)
	}
	return nil
}
