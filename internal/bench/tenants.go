package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// TenantsOptions shape the tenants case: Tenants tenants ingest Alerts
// alerts each, with the same vendor ids in every tenant, then Verdicts
// verdicts spread over them are given at VerdictRate a second and timed
// to the receiver. Unlike the other cases it runs only when Tenants is
// set (the command sets 100): at that size it takes about a minute a
// store, which callers of Run written before it did not budget for. A
// negative Tenants or Alerts skips it.
type TenantsOptions struct {
	Tenants     int
	Alerts      int
	Verdicts    int
	VerdictRate float64
}

func (o *TenantsOptions) defaults() {
	if o.Alerts == 0 {
		o.Alerts = 1000
	}
	if o.Verdicts <= 0 {
		o.Verdicts = 6000
	}
	if o.VerdictRate <= 0 {
		o.VerdictRate = 200
	}
}

func (o TenantsOptions) enabled() bool { return o.Tenants > 0 && o.Alerts > 0 }

// Tenants is the tenants case's figures: one store holding Tenants
// tenants polled at once, against one tenant holding all their alerts on
// a store of its own (SingleTenant), the same work for one organisation.
// The inline figures are the tenants' store's.
type Tenants struct {
	Tenants         int     `json:"tenants"`
	AlertsPerTenant int     `json:"alerts_per_tenant"`
	Verdicts        int     `json:"verdicts"`
	VerdictRate     float64 `json:"verdict_rate_per_s"`
	TenantFigures
	SingleTenant TenantFigures `json:"single_tenant"`
	// IngestVsSingle is the tenants' ingest rate over the single
	// tenant's (goal: at least 0.9); VerdictP99VsSingle is their verdict
	// p99 over the single tenant's (goal: at most 1.1).
	IngestVsSingle     float64 `json:"ingest_vs_single"`
	VerdictP99VsSingle float64 `json:"verdict_remote_p99_vs_single"`
	// CrossTenantWrites counts write-backs that reached a tenant's
	// receiver path for a vendor id no verdict in that tenant asked for
	// (or a second time); WrongAlertCounts counts tenants not holding
	// exactly their own AlertsPerTenant alerts. Both must be 0.
	CrossTenantWrites int `json:"cross_tenant_writes"`
	WrongAlertCounts  int `json:"tenants_with_wrong_alert_count"`
}

// TenantFigures are one store's figures in the tenants case.
type TenantFigures struct {
	IngestAlertsPerS   float64 `json:"ingest_alerts_per_s"`
	IngestSeconds      float64 `json:"ingest_seconds"`
	VerdictRemoteP50MS float64 `json:"verdict_remote_p50_ms"`
	VerdictRemoteP99MS float64 `json:"verdict_remote_p99_ms"`
	VerdictRemoteMaxMS float64 `json:"verdict_remote_max_ms"`
}

// tenantPollers bounds the tenants ingesting at once: the hub runs every
// tenant's poller, but no more of them can be writing than the
// PostgreSQL pool has connections (16); more would only queue on it.
const tenantPollers = 16

// tenantsDeadline bounds the wait for the last write-back after the last
// verdict: a lane that fell behind the verdicts' pace (one tenant's, on a
// busy PostgreSQL) needs tens of seconds to catch up, and its figure
// should say so rather than the case fail.
const tenantsDeadline = 2 * time.Minute

// measureTenants sets up the single tenant and the many tenants, each on
// a fresh store with the same alerts, then times the same verdicts on
// both, in alternating blocks.
func measureTenants(ctx context.Context, name string, o Options) (*Tenants, error) {
	to := o.Tenants
	res := &Tenants{Tenants: to.Tenants, AlertsPerTenant: to.Alerts, VerdictRate: to.VerdictRate,
		Verdicts: min(to.Verdicts, to.Tenants*to.Alerts)}
	ids := make([]string, to.Tenants)
	for i := range ids {
		ids[i] = fmt.Sprintf("tenant-%03d", i)
	}
	many, single := verdictTargets(ids, to.Alerts, res.Verdicts)
	one, err := newTenantsSide(ctx, name, o, []string{store.DefaultTenant}, to.Tenants*to.Alerts, single)
	if err != nil {
		return nil, fmt.Errorf("single tenant: %w", err)
	}
	defer one.close()
	s, err := newTenantsSide(ctx, name, o, ids, to.Alerts, many)
	if err != nil {
		return nil, fmt.Errorf("%d tenants: %w", len(ids), err)
	}
	defer s.close()
	sides := [2]*tenantsSide{one, s}
	if err := interleaveIngest(ctx, sides, to.Alerts); err != nil {
		return nil, err
	}
	for _, side := range sides {
		if err := side.ready(ctx, to.Alerts); err != nil {
			return nil, err
		}
	}
	if err := interleaveVerdicts(ctx, sides, res.Verdicts, to.VerdictRate); err != nil {
		return nil, err
	}
	res.SingleTenant = one.figures()
	res.TenantFigures, res.CrossTenantWrites, res.WrongAlertCounts = s.figures(), s.h.recv.unexpectedCount(), s.wrongCounts
	res.IngestVsSingle = ratio(res.IngestAlertsPerS, res.SingleTenant.IngestAlertsPerS)
	res.VerdictP99VsSingle = ratio(res.VerdictRemoteP99MS, res.SingleTenant.VerdictRemoteP99MS)
	return res, nil
}

// tenantBlock is how many verdicts one store is given before the other
// takes its turn.
const tenantBlock = 250

// ingestRounds is how many turns each side takes to ingest its pages.
const ingestRounds = 10

// interleaveIngest has both sides ingest the same pages of perTenant
// alerts, one a tenant on the tenants' side and the single tenant's
// alerts cut alike, each tenant's pages polled in turn: in ingestRounds turns
// that alternate between the sides, the first of each pair swapped every
// round, for the reason the verdicts alternate.
func interleaveIngest(ctx context.Context, sides [2]*tenantsSide, perTenant int) error {
	pages := make([][]tenantPage, len(sides))
	for i, side := range sides {
		pages[i] = side.pages(perTenant)
	}
	n := max(len(pages[0]), len(pages[1]))
	each := max(1, (n+ingestRounds-1)/ingestRounds)
	for round, from := 0, 0; from < n; round, from = round+1, from+each {
		upto := min(from+each, n)
		order := []int{0, 1}
		if round%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			mine := pages[i][min(from, len(pages[i])):min(upto, len(pages[i]))]
			took, err := sides[i].h.ingest(ctx, mine)
			if err != nil {
				return err
			}
			sides[i].ingestSecs += took
		}
	}
	return nil
}

// interleaveVerdicts gives n verdicts on each side at rate a second, in
// blocks of tenantBlock that alternate between the sides, the first side
// of each pair swapped every round; a block starts once every write-back
// of the one before it arrived, so the sides never overlap. Timed one
// after the other, the sides ran in a process and on a machine in
// different states: the side timed first often had the higher median,
// and the p99 ratio of one build ranged from 0.78 to 1.34 between runs.
// Alternating, both sides see the same process and machine.
func interleaveVerdicts(ctx context.Context, sides [2]*tenantsSide, n int, rate float64) error {
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for round, from := 0, 0; from < n; round, from = round+1, from+tenantBlock {
		upto := min(from+tenantBlock, n)
		pair := sides
		if round%2 == 1 {
			pair[0], pair[1] = pair[1], pair[0]
		}
		for _, side := range pair {
			if err := side.give(ctx, from, upto, tick.C); err != nil {
				return err
			}
		}
	}
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(a/b*100) / 100
}

// verdictTargets spreads k verdicts round-robin over the tenants, each
// tenant's on distinct alerts, and names the same alerts in the single
// tenant, where tenant t's alert v is alert t*perTenant+v.
func verdictTargets(ids []string, perTenant, k int) (many, single []tenantWrite) {
	each := (k + len(ids) - 1) / len(ids)
	for i := range k {
		t, j := i%len(ids), i/len(ids)
		v := (t*each + j) % perTenant
		// Vendor ids as makeItems names them.
		many = append(many, tenantWrite{ids[t], fmt.Sprintf("bench-%07d", v)})
		single = append(single, tenantWrite{store.DefaultTenant, fmt.Sprintf("bench-%07d", t*perTenant+v)})
	}
	return many, single
}

// tenantsSide is one store of the case: its hub and, once ready, its
// outbox worker running and its verdicts' targets found.
type tenantsSide struct {
	h        *tenantsHub
	targets  []tenantWrite
	alertIDs []int64
	// ingestAlerts alerts took ingestSecs to ingest.
	ingestAlerts int
	ingestSecs   float64
	wrongCounts  int
	stopWorker   func()
	closeRecv    func()
	closeStore   func()
}

// newTenantsSide opens a fresh store holding the tenants ids, whose
// ingest comes to ingestAlerts = len(ids) × perTenant alerts.
func newTenantsSide(ctx context.Context, name string, o Options, ids []string, perTenant int, targets []tenantWrite) (*tenantsSide, error) {
	st, cleanup, err := open(ctx, name, o.PostgresDSN)
	if err != nil {
		return nil, err
	}
	recv := newTenantReceiver()
	side := &tenantsSide{targets: targets, closeStore: cleanup, closeRecv: recv.Close, ingestAlerts: len(ids) * perTenant,
		stopWorker: func() {}}
	fail := func(err error) (*tenantsSide, error) {
		side.close()
		return nil, err
	}
	if side.h, err = newTenantsHub(ctx, st, o, ids, recv); err != nil {
		return fail(err)
	}
	return side, nil
}

// ready checks, once the side has ingested, that every tenant holds its
// perTenant alerts, finds the verdicts' alerts and starts the worker.
func (s *tenantsSide) ready(ctx context.Context, perTenant int) error {
	// A lone tenant has nobody to leak to: only a store of several is
	// counted.
	if len(s.h.ids) > 1 {
		var err error
		if s.wrongCounts, err = s.h.wrongAlertCounts(ctx, perTenant); err != nil {
			return err
		}
	}
	s.alertIDs = make([]int64, len(s.targets))
	for i, t := range s.targets {
		a, err := s.h.st.Scope(t.tenant).AlertGetByVendor(ctx, "bench", t.vendorID)
		if err != nil {
			return fmt.Errorf("find alert %s of %s: %w", t.vendorID, t.tenant, err)
		}
		s.alertIDs[i] = a.ID
	}
	wctx, stop := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { _ = s.h.worker.Run(wctx); close(ran) }()
	// The store closes after the worker ended.
	s.stopWorker = func() { stop(); <-ran }
	return nil
}

func (s *tenantsSide) close() {
	s.stopWorker()
	s.closeRecv()
	s.closeStore()
}

// give gives a not-a-threat verdict on each of targets[from:upto], one a
// tick, and waits until the receiver got their write-backs.
func (s *tenantsSide) give(ctx context.Context, from, upto int, tick <-chan time.Time) error {
	for i := from; i < upto; i++ {
		t := s.targets[i]
		<-tick
		s.h.recv.expect(t)
		if _, err := s.h.engines[t.tenant].SetAlertVerdict(ctx, engine.VerdictParams{ID: s.alertIDs[i], Verdict: model.VerdictNotAThreat,
			Actor: model.Actor{Kind: model.ActorAnalyst, Name: "bench"}}); err != nil {
			return fmt.Errorf("verdict on %s of %s: %w", t.vendorID, t.tenant, err)
		}
	}
	_, err := s.h.recv.wait(ctx, upto, tenantsDeadline)
	return err
}

// figures are the side's ingest rate and its verdicts' latencies.
func (s *tenantsSide) figures() TenantFigures {
	f := TenantFigures{IngestSeconds: s.ingestSecs}
	if s.ingestSecs > 0 {
		f.IngestAlertsPerS = round(float64(s.ingestAlerts) / s.ingestSecs)
	}
	s.h.recv.mu.Lock()
	defer s.h.recv.mu.Unlock()
	if len(s.h.recv.took) > 0 {
		l := latencies(s.h.recv.took)
		f.VerdictRemoteP50MS, f.VerdictRemoteP99MS, f.VerdictRemoteMaxMS = l.P50, l.P99, l.Max
	}
	return f
}

// tenantsHub is what the hub runs for the case: one engine per tenant,
// each with its integration "bench" writing back to its own path of one
// receiver, and one outbox worker for all of them.
type tenantsHub struct {
	st      store.Store
	ids     []string
	engines map[string]*engine.Engine
	worker  *outbox.Worker
	recv    *tenantReceiver
}

func newTenantsHub(ctx context.Context, st store.Store, o Options, ids []string, recv *tenantReceiver) (*tenantsHub, error) {
	h := &tenantsHub{st: st, ids: ids, engines: map[string]*engine.Engine{}, recv: recv}
	// The worker hands each item to its tenant's engine, as the app's
	// deliver does; httpintake has no bulk call, so the app's batch
	// hooks would find nothing to group here.
	h.worker = outbox.New(outbox.Options{Store: st, Deliver: h.deliver, Logger: o.Logger})
	now := time.Now().UTC()
	for _, id := range ids {
		if id != store.DefaultTenant {
			// The default tenant's row exists; an upsert could only
			// change it.
			if err := st.TenantUpsert(ctx, store.Tenant{ID: id, Name: id, Status: store.TenantActive, CreatedAt: now, UpdatedAt: now}); err != nil {
				return nil, fmt.Errorf("create tenant %s: %w", id, err)
			}
		}
		eng, err := h.tenantEngine(id, o)
		if err != nil {
			return nil, err
		}
		h.engines[id] = eng
	}
	return h, nil
}

// tenantEngine builds a tenant's engine with its "bench" integration; the
// integration id is the same in every tenant, its receiver path is not.
func (h *tenantsHub) tenantEngine(id string, o Options) (*engine.Engine, error) {
	c, err := connector.Build("httpintake", connector.Deps{ID: "bench", Logger: o.Logger, HTTP: h.recv.Client()},
		map[string]any{"intake_key": "bench-intake-key-0123456789", "writeback_url": h.recv.URL + "/" + id})
	if err != nil {
		return nil, fmt.Errorf("build bench connector for %s: %w", id, err)
	}
	eng := engine.New(engine.Options{Store: h.st.Scope(id), Logger: o.Logger,
		// A committed verdict starts its delivery at once, as in the app.
		Committed: func(integrations []string) {
			lanes := make([]store.Lane, len(integrations))
			for i, in := range integrations {
				lanes[i] = store.Lane{Tenant: id, Integration: in}
			}
			h.worker.WakeLanes(lanes)
		}})
	eng.AddIntegration(engine.Integration{ID: "bench", Kind: "httpintake", Policy: engine.DefaultPolicy(), Connector: c})
	// As the app does: a write due now on an idle object goes to the
	// worker at commit, without a claim.
	eng.SetLocal(h.worker)
	return eng, nil
}

func (h *tenantsHub) deliver(ctx context.Context, item store.OutboxItem) (engine.Record, error) {
	eng, ok := h.engines[item.Tenant]
	if !ok {
		return nil, fmt.Errorf("no engine for tenant %q", item.Tenant)
	}
	return eng.Deliver(ctx, item)
}

// tenantPage is one page of alerts one tenant ingests.
type tenantPage struct {
	tenant string
	items  []connector.Item
}

// pages is the side's ingest in pages of size alerts: one a tenant, with
// the same vendor ids in every tenant; a lone tenant's alerts, all of
// them, cut alike.
func (s *tenantsSide) pages(size int) []tenantPage {
	var out []tenantPage
	if len(s.h.ids) == 1 {
		all := makeItems(s.ingestAlerts)
		for i := 0; i < len(all); i += size {
			out = append(out, tenantPage{s.h.ids[0], all[i:min(i+size, len(all))]})
		}
		return out
	}
	for _, id := range s.h.ids {
		out = append(out, tenantPage{id, makeItems(size)})
	}
	return out
}

// ingest ingests pages, one poller a tenant and tenantPollers at most at
// a time, as the hub polls: a lone tenant's pages come one after
// another. It returns the seconds it took.
func (h *tenantsHub) ingest(ctx context.Context, pages []tenantPage) (float64, error) {
	next := make(chan tenantPage)
	errs := make([]error, min(len(pages), len(h.ids), tenantPollers))
	var wg sync.WaitGroup
	start := time.Now()
	for p := range errs {
		wg.Go(func() {
			for pg := range next {
				if errs[p] == nil {
					_, errs[p] = h.engines[pg.tenant].Ingest(ctx, "bench", pg.items)
				}
			}
		})
	}
	for _, pg := range pages {
		next <- pg
	}
	close(next)
	wg.Wait()
	return time.Since(start).Seconds(), errors.Join(errs...)
}

// wrongAlertCounts counts the tenants whose scope does not hold exactly
// want alerts: with identical vendor ids everywhere, an alert stored in
// the wrong tenant, or merged across tenants, changes a count.
func (h *tenantsHub) wrongAlertCounts(ctx context.Context, want int) (int, error) {
	wrong := 0
	for _, id := range h.ids {
		n, after := 0, int64(0)
		for {
			page, err := h.st.Scope(id).AlertList(ctx, store.AlertListParams{AfterID: after, Limit: 1000})
			if err != nil {
				return 0, fmt.Errorf("list alerts of %s: %w", id, err)
			}
			if len(page) == 0 {
				break
			}
			n, after = n+len(page), page[len(page)-1].ID
		}
		if n != want {
			wrong++
		}
	}
	return wrong, nil
}

// tenantWrite is a write-back as the receiver sees it: the tenant whose
// path it arrived at and the vendor id it names.
type tenantWrite struct{ tenant, vendorID string }

// tenantReceiver is the vendor of every tenant's integration, each at a
// path of its own (/<tenant>): where a write-back arrives says which
// tenant's connector sent it, whatever its body says. Unlike newReceiver
// it reads the body, to match each write-back to its verdict.
type tenantReceiver struct {
	*httptest.Server
	mu         sync.Mutex
	given      map[tenantWrite]time.Time
	took       []float64
	unexpected int
	tick       chan struct{}
}

func newTenantReceiver() *tenantReceiver {
	r := &tenantReceiver{given: map[tenantWrite]time.Time{}, tick: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	r.Server.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 256
	return r
}

func (r *tenantReceiver) serve(w http.ResponseWriter, req *http.Request) {
	var body struct {
		VendorID string `json:"vendor_id"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	_, _ = io.Copy(io.Discard, req.Body)
	r.arrived(tenantWrite{strings.TrimPrefix(req.URL.Path, "/"), body.VendorID})
	w.WriteHeader(http.StatusOK)
}

// expect notes that a verdict on t starts now; call it before giving the
// verdict, which may be written back before it returns.
func (r *tenantReceiver) expect(t tenantWrite) {
	r.mu.Lock()
	r.given[t] = time.Now()
	r.mu.Unlock()
}

// arrived matches a write-back to the verdict it was expected for; one
// no verdict waits for is counted unexpected.
func (r *tenantReceiver) arrived(t tenantWrite) {
	r.mu.Lock()
	if at, ok := r.given[t]; ok {
		r.took = append(r.took, float64(time.Since(at).Microseconds())/1000)
		delete(r.given, t)
	} else {
		r.unexpected++
	}
	r.mu.Unlock()
	select {
	case r.tick <- struct{}{}:
	default:
	}
}

func (r *tenantReceiver) unexpectedCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unexpected
}

// wait returns the latencies once n write-backs matched their verdicts.
func (r *tenantReceiver) wait(ctx context.Context, n int, limit time.Duration) ([]float64, error) {
	deadline := time.After(limit)
	for {
		r.mu.Lock()
		took, missing := r.took, len(r.given)
		if len(took) >= n {
			took = slices.Clone(took)
		}
		r.mu.Unlock()
		if len(took) >= n {
			return took, nil
		}
		select {
		case <-r.tick:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return nil, fmt.Errorf("%d of %d write-backs not received within %v", missing, n, limit)
		}
	}
}
