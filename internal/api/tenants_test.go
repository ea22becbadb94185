package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connectors/httpintake"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// fakeTenants are a hub's running tenants for the API: engines over
// scopes of one store.
type fakeTenants struct {
	hub     store.Store
	mu      sync.Mutex
	running map[string]api.TenantParts
}

func newFakeTenants(hub store.Store, running map[string]api.TenantParts) *fakeTenants {
	return &fakeTenants{hub: hub, running: running}
}

func (f *fakeTenants) Tenant(id string) (api.TenantParts, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.running[id]
	return p, ok
}

func (f *fakeTenants) add(id string, p api.TenantParts) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[id] = p
}

func (f *fakeTenants) CreateTenant(ctx context.Context, id, name string) (store.Tenant, error) {
	if err := store.CheckTenantID(id); err != nil {
		return store.Tenant{}, fmt.Errorf("%w: %w", engine.ErrInvalid, err)
	}
	if _, err := f.hub.TenantGet(ctx, id); err == nil {
		return store.Tenant{}, fmt.Errorf("%w: tenant %s exists", store.ErrConflict, id)
	}
	t := store.Tenant{ID: id, Name: name, Status: store.TenantActive}
	if err := f.hub.TenantUpsert(ctx, t); err != nil {
		return store.Tenant{}, err
	}
	sc := f.hub.Scope(id)
	f.add(id, api.TenantParts{Scope: sc, Engine: engine.New(engine.Options{Store: sc})})
	return t, nil
}

func (f *fakeTenants) SetTenantStatus(ctx context.Context, id string, status store.TenantStatus) (store.Tenant, error) {
	t, err := f.hub.TenantGet(ctx, id)
	if err != nil {
		return t, err
	}
	t.Status = status
	if err := f.hub.TenantUpsert(ctx, t); err != nil {
		return t, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if status == store.TenantActive {
		sc := f.hub.Scope(id)
		f.running[id] = api.TenantParts{Scope: sc, Engine: engine.New(engine.Options{Store: sc})}
	} else {
		delete(f.running, id)
	}
	return t, nil
}

func (f *fakeTenants) DeleteTenant(ctx context.Context, id string) error {
	if id == store.DefaultTenant {
		return fmt.Errorf("%w: the default tenant stays", engine.ErrInvalid)
	}
	if _, err := f.SetTenantStatus(ctx, id, store.TenantDisabled); err != nil {
		return err
	}
	for {
		n, err := f.hub.Scope(id).Purge(ctx, 100)
		if err != nil {
			return err
		}
		if n == 0 {
			return f.hub.TenantDelete(ctx, id)
		}
	}
}

// tenantEnv is env with a second tenant, acme, whose integrations and
// alerts are the default tenant's again, vendor ids and all.
type tenantEnv struct {
	*env
	acme    *engine.Engine
	acmeIDs map[string]int64
}

func setupTenants(t *testing.T) *tenantEnv {
	t.Helper()
	e := setup(t)
	if _, err := e.tenants.CreateTenant(e.ctx, "acme", "Acme"); err != nil {
		t.Fatal(err)
	}
	parts, _ := e.tenants.Tenant("acme")
	te := &tenantEnv{env: e, acme: parts.Engine, acmeIDs: map[string]int64{}}
	pol := engine.DefaultPolicy()
	pol.CommentSync = true
	te.acme.AddIntegration(engine.Integration{ID: "fake", Kind: fakeKind, Policy: pol, Connector: e.fake})
	te.acme.AddIntegration(engine.Integration{ID: "plain", Kind: "apitest-plain", Policy: engine.DefaultPolicy(), Connector: plainConnector{}})
	hook, err := connector.Build(httpintake.Kind, connector.Deps{ID: "hook", Now: e.clock.Now}, map[string]any{"intake_key": hookKey})
	if err != nil {
		t.Fatal(err)
	}
	te.acme.AddIntegration(engine.Integration{ID: "hook", Kind: httpintake.Kind, Policy: engine.DefaultPolicy(), Connector: hook})
	items := []connector.Item{
		alertItem("a1", "Suspicious PowerShell", model.SeverityHigh, model.StatusNew, "WEB-1", "alice"),
		alertItem("a2", "Credential dumping", model.SeverityMedium, model.StatusNew, "web-1", "bob"),
	}
	if _, err := te.acme.Ingest(e.ctx, "fake", items); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a1", "a2"} {
		a, err := parts.Scope.AlertGetByVendor(e.ctx, "fake", v)
		if err != nil {
			t.Fatal(err)
		}
		te.acmeIDs[v] = a.ID
	}
	return te
}

var idField = regexp.MustCompile(`"id":\s*(\d+)`)

// ids lists every numeric "id" in a JSON body.
func ids(body []byte) []string {
	var out []string
	for _, m := range idField.FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// TestRoutesByRoleAndTenant walks the API's one route table with every
// role of tenant acme against the default tenant's objects: a role that
// may not call the route is refused (403); one that may gets 404 for
// another tenant's object, and from a list only its own tenant's rows.
func TestRoutesByRoleAndTenant(t *testing.T) {
	t.Parallel()
	e := setupTenants(t)
	defaultIDs := map[string]bool{}
	for _, id := range e.ids {
		defaultIDs[fmt.Sprint(id)] = true
	}
	defaultIDs[fmt.Sprint(e.incident)] = true
	dead := e.deadItem("walk")
	defaultIDs[fmt.Sprint(dead)] = true
	acmeIDs := map[string]bool{}
	for _, id := range e.acmeIDs {
		acmeIDs[fmt.Sprint(id)] = true
	}
	tokens := map[api.Role]string{api.RoleViewer: acmeViewerToken, api.RoleAnalyst: acmeAnalystToken, api.RoleAdmin: acmeAdminToken}
	paths := strings.NewReplacer("{id}", fmt.Sprint(e.ids["a1"]), "{integration}", "fake", "{tenant}", "default")
	for _, rt := range api.Routes() {
		if rt.Role == api.RolePublic {
			continue
		}
		path := paths.Replace(rt.Pattern)
		switch {
		case strings.HasPrefix(rt.Pattern, "/api/v1/outbox/{id}"):
			path = strings.ReplaceAll(rt.Pattern, "{id}", fmt.Sprint(dead))
		case strings.HasPrefix(rt.Pattern, "/api/v1/incidents/{id}"):
			path = strings.ReplaceAll(rt.Pattern, "{id}", fmt.Sprint(e.incident))
		case strings.HasPrefix(rt.Pattern, "/api/v1/playbook"):
			path = strings.ReplaceAll(path, "{id}", "seed")
		}
		for _, role := range []api.Role{api.RoleViewer, api.RoleAnalyst, api.RoleAdmin} {
			name := fmt.Sprintf("%s %s as acme's %s", rt.Method, path, role)
			r := e.do(rt.Method, path, tokens[role], validBody(rt.Pattern))
			switch {
			case !role.AtLeast(rt.Role):
				if r.status != http.StatusForbidden {
					t.Errorf("%s = %d, want 403", name, r.status)
				}
			case strings.Contains(rt.Pattern, "{id}") && !strings.HasPrefix(rt.Pattern, "/api/v1/playbooks/"):
				if r.status != http.StatusNotFound {
					t.Errorf("%s = %d %s, want 404: another tenant's object", name, r.status, r.body)
				}
			default:
				if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
					t.Errorf("%s = %d, want it let in", name, r.status)
				}
				for _, id := range ids(r.body) {
					if defaultIDs[id] && !acmeIDs[id] {
						t.Errorf("%s answered the default tenant's id %s: %s", name, id, r.body)
					}
				}
			}
		}
	}
}

// TestTenantIsolation: the same vendor payloads in two tenants stay two
// tenants' alerts; a tenant's token naming another tenant sees nothing of
// it (404), an operator picks either with the tenant header, and a
// verdict in one tenant changes nothing in the other.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := setupTenants(t)
	list := func(token, tenant string) []string {
		t.Helper()
		r := e.send("GET", "/api/v1/alerts?integration=fake", nil, func(h http.Header) {
			h.Set("Authorization", "Bearer "+token)
			if tenant != "" {
				h.Set(api.TenantHeader, tenant)
			}
		})
		r.want(t, http.StatusOK)
		var page struct {
			Items []model.Alert `json:"items"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range page.Items {
			out = append(out, fmt.Sprintf("%d:%s", a.ID, a.VendorID))
		}
		return out
	}
	acme := []string{fmt.Sprintf("%d:a1", e.acmeIDs["a1"]), fmt.Sprintf("%d:a2", e.acmeIDs["a2"])}
	if got := list(acmeViewerToken, ""); !slices.Equal(got, acme) {
		t.Errorf("acme's viewer lists %v, want %v", got, acme)
	}
	if got := list(acmeViewerToken, "acme"); !slices.Equal(got, acme) {
		t.Errorf("acme's viewer naming acme lists %v", got)
	}
	if got := list(opsViewerToken, "acme"); !slices.Equal(got, acme) {
		t.Errorf("the operator in acme lists %v", got)
	}
	def := list(opsViewerToken, "")
	if len(def) != 3 || slices.ContainsFunc(def, func(s string) bool { return slices.Contains(acme, s) }) {
		t.Errorf("the operator in the default tenant lists %v", def)
	}
	// A tenant's token naming another tenant: that tenant does not exist.
	r := e.send("GET", "/api/v1/alerts", nil, func(h http.Header) {
		h.Set("Authorization", "Bearer "+acmeViewerToken)
		h.Set(api.TenantHeader, "default")
	})
	r.want(t, http.StatusNotFound)
	r = e.send("GET", "/api/v1/alerts", nil, func(h http.Header) {
		h.Set("Authorization", "Bearer "+opsViewerToken)
		h.Set(api.TenantHeader, "nobody")
	})
	r.want(t, http.StatusNotFound)
	// A verdict on acme's a1 leaves the default tenant's a1 alone.
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", e.acmeIDs["a1"]), acmeAnalystToken,
		map[string]any{"verdict": "not_a_threat"}).want(t, http.StatusOK)
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", e.ids["a1"]), acmeAnalystToken,
		map[string]any{"verdict": "not_a_threat"}).want(t, http.StatusNotFound)
	a, err := e.store.AlertGet(e.ctx, e.ids["a1"])
	if err != nil || a.Verdict != "" {
		t.Errorf("the default tenant's a1 after acme's verdict: %q, %v", a.Verdict, err)
	}
	parts, _ := e.tenants.Tenant("acme")
	b, err := parts.Scope.AlertGet(e.ctx, e.acmeIDs["a1"])
	if err != nil || b.Verdict != model.VerdictNotAThreat {
		t.Errorf("acme's a1: %q, %v", b.Verdict, err)
	}
	// Each tenant's outbox holds its own write-back only.
	items, _ := parts.Scope.OutboxList(e.ctx, store.OutboxListParams{Limit: 100})
	for _, it := range items {
		if it.Tenant != "acme" || it.OriginID != e.acmeIDs["a1"] {
			t.Errorf("acme's outbox holds %+v", it)
		}
	}
}

// TestTenantLifecycle: only an operator lists and manages tenants; a
// created tenant serves at once, a disabled one answers 404, a deleted
// one is gone with its rows.
func TestTenantLifecycle(t *testing.T) {
	t.Parallel()
	e := setupTenants(t)
	e.do("GET", "/api/v1/tenants", acmeAdminToken, nil).want(t, http.StatusForbidden)
	e.do("GET", "/api/v1/tenants", opsViewerToken, nil).want(t, http.StatusForbidden)
	e.do("POST", "/api/v1/tenants", adminToken, map[string]any{"id": "Bad Id"}).want(t, http.StatusBadRequest)
	e.do("POST", "/api/v1/tenants", adminToken, map[string]any{"id": "acme"}).want(t, http.StatusConflict)
	e.do("POST", "/api/v1/tenants", adminToken, map[string]any{"id": "globex", "name": "Globex"}).want(t, http.StatusCreated)
	in := func(tenant string) func(http.Header) {
		return func(h http.Header) {
			h.Set("Authorization", "Bearer "+adminToken)
			h.Set(api.TenantHeader, tenant)
		}
	}
	e.send("GET", "/api/v1/alerts", nil, in("globex")).want(t, http.StatusOK)
	r := e.do("GET", "/api/v1/tenants", adminToken, nil)
	r.want(t, http.StatusOK)
	for _, want := range []string{`"id":"acme"`, `"id":"default"`, `"id":"globex"`} {
		if !strings.Contains(strings.ReplaceAll(string(r.body), " ", ""), want) {
			t.Errorf("tenant list lacks %s: %s", want, r.body)
		}
	}
	e.do("PATCH", "/api/v1/tenants/acme", adminToken, map[string]any{"status": "disabled"}).want(t, http.StatusOK)
	e.send("GET", "/api/v1/alerts", nil, in("acme")).want(t, http.StatusNotFound)
	e.do("GET", "/api/v1/alerts", acmeViewerToken, nil).want(t, http.StatusNotFound)
	e.do("PATCH", "/api/v1/tenants/acme", adminToken, map[string]any{"status": "active"}).want(t, http.StatusOK)
	e.send("GET", "/api/v1/alerts", nil, in("acme")).want(t, http.StatusOK)
	e.do("DELETE", "/api/v1/tenants/default", adminToken, nil).want(t, http.StatusBadRequest)
	e.do("DELETE", "/api/v1/tenants/acme", adminToken, nil).want(t, http.StatusNoContent)
	e.do("DELETE", "/api/v1/tenants/acme", adminToken, nil).want(t, http.StatusNotFound)
	if got, err := e.store.Scope("acme").AlertList(e.ctx, store.AlertListParams{}); err != nil || len(got) != 0 {
		t.Errorf("acme's alerts after its deletion: %d, %v", len(got), err)
	}
	if _, err := e.store.TenantGet(e.ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("acme's row after its deletion: %v", err)
	}
	if got, _ := e.store.AlertList(e.ctx, store.AlertListParams{}); len(got) != 4 {
		t.Errorf("the default tenant's alerts after acme's deletion: %d", len(got))
	}
}

// validBody is a request body the route accepts, so that what answers
// is the lookup of its object, not the check of its body.
func validBody(pattern string) map[string]any {
	switch {
	case strings.HasSuffix(pattern, "/verdict"):
		return map[string]any{"verdict": "suspicious"}
	case strings.HasSuffix(pattern, "/comments"):
		return map[string]any{"body": "looked"}
	case strings.HasSuffix(pattern, "/push"):
		return map[string]any{"integration": "fake"}
	}
	return map[string]any{}
}
