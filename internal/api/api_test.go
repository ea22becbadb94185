package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connectors/httpintake"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// Token values are long and distinctive so a leak into any body is found.
const (
	viewerToken  = "viewer-tok-3f9c1e7a5b2d4c6e"
	analystToken = "analyst-tok-8a7b6c5d4e3f2a1b"
	adminToken   = "admin-tok-0f1e2d3c4b5a6978"
	// settingSecret is a secret stored in an integration's settings; the
	// API must only ever show it redacted.
	settingSecret = "setting-secret-55d1c0ffee"
)

// hookKey is the intake key of the httpintake integration "hook".
const hookKey = "hook-intake-key-4c3b2a190817"

var allSecrets = []string{viewerToken, analystToken, adminToken, settingSecret, intakeKey, hookKey,
	acmeViewerToken, acmeAnalystToken, acmeAdminToken, opsViewerToken}

// Tokens of tenant acme's people, and a provider operator's viewer.
const (
	acmeViewerToken  = "acme-viewer-tok-71c2e9b04d"
	acmeAnalystToken = "acme-analyst-tok-5e8d31a7f0"
	acmeAdminToken   = "acme-admin-tok-2b6f4c9e18"
	opsViewerToken   = "ops-viewer-tok-9d0a7e3c52"
)

// fakeClock is the engine's clock; tests move it by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one API server over a fresh store with a few alerts.
type env struct {
	t      testing.TB
	ctx    context.Context
	srv    *httptest.Server
	store  *storetest.Both
	engine *engine.Engine
	clock  *fakeClock
	fake   *fakeConnector
	router routers.Router
	doc    *openapi3.T
	ready  error
	// ids maps vendor ids ("a1") to alert ids; incident is the id of the
	// incident correlation opened for a1 and a2.
	ids      map[string]int64
	incident int64
	logs     *lockedBuffer

	// mu guards ready and ops; a pointer, so on's copies share it.
	mu  *sync.Mutex
	ops map[string]bool
	// tenants are the hub's running tenants as the API sees them: the
	// default one (store, engine) and any addTenant added.
	tenants *fakeTenants
}

// setup is setupWith over SQLite, which most tests need no more than; the
// text-policy tests and the fuzz targets run on every storetest.Stores.
func setup(tb testing.TB) *env { return setupWith(tb, storetest.OpenSQLite) }

func setupWith(tb testing.TB, open func(testing.TB) store.Store) *env {
	tb.Helper()
	st := storetest.Default(open(tb))
	clock := &fakeClock{now: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}
	e := &env{
		t: tb, ctx: tb.Context(), store: st, clock: clock, fake: &fakeConnector{},
		engine: engine.New(engine.Options{Store: st, Now: clock.Now}),
		ids:    map[string]int64{}, ops: map[string]bool{}, logs: &lockedBuffer{}, mu: &sync.Mutex{},
	}
	e.tenants = newFakeTenants(st.Store, map[string]api.TenantParts{store.DefaultTenant: {Scope: st.Scoped, Engine: e.engine}})
	e.addIntegrations()
	e.seed()
	e.serve()
	return e
}

// on returns e reporting to t, for fuzz inputs that share one env.
func (e *env) on(t *testing.T) *env {
	c := *e
	c.t, c.ctx = t, t.Context()
	return &c
}

// addIntegrations adds the fake receiver, a connector without
// capabilities, and "hook", a real httpintake integration, so pushes go
// through a real mapping.
func (e *env) addIntegrations() {
	registerFakeKind()
	pol := engine.DefaultPolicy()
	pol.CommentSync = true
	e.engine.AddIntegration(engine.Integration{ID: "fake", Kind: fakeKind, Policy: pol, Connector: e.fake})
	e.engine.AddIntegration(engine.Integration{ID: "plain", Kind: "apitest-plain", Policy: engine.DefaultPolicy(), Connector: plainConnector{}})
	hook, err := connector.Build(httpintake.Kind, connector.Deps{ID: "hook", Now: e.clock.Now}, map[string]any{"intake_key": hookKey})
	if err != nil {
		e.t.Fatalf("build hook: %v", err)
	}
	e.engine.AddIntegration(engine.Integration{ID: "hook", Kind: httpintake.Kind, Policy: engine.DefaultPolicy(), Connector: hook})
	settings, _ := json.Marshal(map[string]any{"base_url": "https://fake.example", "api_key": settingSecret})
	err = e.store.WithTx(e.ctx, func(tx store.Tx) error {
		return tx.IntegrationUpsert(e.ctx, store.Integration{
			ID: "fake", Kind: fakeKind, Name: "Fake console", Enabled: true, Settings: settings,
			Policy: json.RawMessage(`{}`), UpdatedAt: e.clock.Now(),
		})
	})
	if err != nil {
		e.t.Fatalf("store integration: %v", err)
	}
}

// seed ingests four alerts and one unmappable payload, then runs one
// validation pass on a1 so correlation groups a1 and a2 (same host).
func (e *env) seed() {
	items := []connector.Item{
		alertItem("a1", "Suspicious PowerShell", model.SeverityHigh, model.StatusNew, "WEB-1", "alice"),
		alertItem("a2", "Credential dumping", model.SeverityMedium, model.StatusNew, "web-1", "bob"),
		alertItem("a3", "Old resolved alert", model.SeverityLow, model.StatusResolved, "db-9", ""),
		{VendorID: "bad-1", Raw: json.RawMessage(`{"oops":true}`), Err: errors.New("missing title")},
	}
	if _, err := e.engine.Ingest(e.ctx, "fake", items); err != nil {
		e.t.Fatalf("ingest: %v", err)
	}
	other := []connector.Item{alertItem("b1", "Other console alert", model.SeverityCritical, model.StatusInProgress, "mail-2", "carol")}
	if _, err := e.engine.Ingest(e.ctx, "plain", other); err != nil {
		e.t.Fatalf("ingest: %v", err)
	}
	for _, l := range [][2]string{{"fake", "a1"}, {"fake", "a2"}, {"fake", "a3"}, {"plain", "b1"}} {
		a, err := e.store.AlertGetByVendor(e.ctx, l[0], l[1])
		if err != nil {
			e.t.Fatalf("get %s: %v", l[1], err)
		}
		e.ids[l[1]] = a.ID
	}
	if err := e.engine.StartValidation(e.ctx, e.ids["a1"]); err != nil {
		e.t.Fatalf("start validation: %v", err)
	}
	if _, err := e.engine.RunDuePasses(e.ctx); err != nil {
		e.t.Fatalf("run passes: %v", err)
	}
	a1, err := e.store.AlertGet(e.ctx, e.ids["a1"])
	if err != nil || a1.IncidentID == 0 {
		e.t.Fatalf("a1 was not correlated into an incident: %+v, %v", a1, err)
	}
	e.incident = a1.IncidentID
	e.seedEvidence()
}

func alertItem(vendorID, title string, sev model.Severity, st model.Status, host, user string) connector.Item {
	raw, _ := json.Marshal(map[string]any{"id": vendorID, "title": title, "host": host})
	a := &model.Alert{
		VendorID: vendorID, Title: title, Severity: sev, Status: st, Source: "edr",
		Entities: model.Entities{Hosts: []string{host}},
	}
	if user != "" {
		a.Entities.Users = []string{user}
	}
	return connector.Item{VendorID: vendorID, Raw: raw, Alert: a}
}

func (e *env) serve() {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "alertsync_api_test_total", Help: "Test counter."}))
	h := api.New(api.Deps{
		Store: e.store, Engine: e.engine, Gatherer: reg, Version: "test",
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Tokens: []api.Token{
			{Name: "vera", Value: config.NewSecret(viewerToken), Role: api.RoleViewer},
			{Name: "ana", Value: config.NewSecret(analystToken), Role: api.RoleAnalyst},
			{Name: "acme-vera", Value: config.NewSecret(acmeViewerToken), Role: api.RoleViewer, Tenant: "acme"},
			{Name: "acme-ana", Value: config.NewSecret(acmeAnalystToken), Role: api.RoleAnalyst, Tenant: "acme"},
			{Name: "acme-adam", Value: config.NewSecret(acmeAdminToken), Role: api.RoleAdmin, Tenant: "acme"},
			{Name: "ops-olga", Value: config.NewSecret(opsViewerToken), Role: api.RoleViewer, Tenant: config.AllTenants},
		},
		Tenants:    e.tenants,
		AdminToken: config.NewSecret(adminToken),
		Ready: func(context.Context) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.ready
		},
	})
	e.srv = httptest.NewServer(h)
	e.t.Cleanup(func() {
		e.srv.Close()
		e.checkLogs()
	})
	e.doc = loadDoc(e.t)
	e.doc.Servers = openapi3.Servers{{URL: e.srv.URL}}
	r, err := gorillamux.NewRouter(e.doc)
	if err != nil {
		e.t.Fatalf("openapi router: %v", err)
	}
	e.router = r
}

func loadDoc(t testing.TB) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not valid: %v", err)
	}
	return doc
}
