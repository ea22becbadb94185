package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// TestTenantsShareNothing runs one hub with two tenants whose
// integrations have the same id and receive the same payload: each
// tenant gets its own alert, a verdict in one writes back to its own
// receiver only, and each tenant's token sees its own tenant alone.
func TestTenantsShareNothing(t *testing.T) {
	var mu sync.Mutex
	writes := map[string]int{}
	receiver := func(name string) string {
		return newReceiver(t, func(*http.Request) { mu.Lock(); writes[name]++; mu.Unlock() })
	}
	cfg := intakeConfig(t, map[string]any{"intake_key": "default-intake-key-0123", "writeback_url": receiver("default")})
	cfg.Tenants = []config.Tenant{{ID: "acme", Name: "Acme", Integrations: []config.Integration{{ID: "push", Kind: "httpintake",
		Settings: map[string]any{"intake_key": "acme-intake-key-012345", "writeback_url": receiver("acme")}}}}}
	cfg.API.Tokens = []config.APIToken{
		{Name: "ana", Token: config.NewSecret("default-analyst-0123456789"), Role: "analyst"},
		{Name: "acme-ana", Token: config.NewSecret("acme-analyst-0123456789"), Role: "analyst", Tenant: "acme"},
	}
	cfg.Outbox.IdleWait = 10 * time.Millisecond
	ctx := context.Background()
	a := startApp(t, cfg)
	do := apiCaller(t, a)
	payload := `{"id":"p-1","title":"Beacon to rare domain","severity":"high","host":"ws-1"}`
	if code, body := do("POST", "/api/v1/intake/push", "default-intake-key-0123", payload); code != http.StatusAccepted {
		t.Fatalf("default intake = %d %s", code, body)
	}
	if code, body := do("POST", "/api/v1/tenants/acme/intake/push", "acme-intake-key-012345", payload); code != http.StatusAccepted {
		t.Fatalf("acme intake = %d %s", code, body)
	}
	// Each intake key opens its own tenant's integration only.
	if code, _ := do("POST", "/api/v1/tenants/acme/intake/push", "default-intake-key-0123", payload); code != http.StatusUnauthorized {
		t.Errorf("the default tenant's intake key opened acme's intake: %d", code)
	}
	acmeScope, _, ok := a.Tenant("acme")
	if !ok {
		t.Fatal("acme does not run")
	}
	mine, err := acmeScope.AlertGetByVendor(ctx, "push", "p-1")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := a.Store().AlertGetByVendor(ctx, "push", "p-1")
	if err != nil || theirs.ID == mine.ID {
		t.Fatalf("the default tenant's copy of p-1: %+v, %v", theirs, err)
	}
	if code, body := do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", theirs.ID), "acme-analyst-0123456789", `{"verdict":"not_a_threat"}`); code != http.StatusNotFound {
		t.Errorf("acme's analyst on the default tenant's alert = %d %s, want 404", code, body)
	}
	if code, body := do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", mine.ID), "acme-analyst-0123456789", `{"verdict":"not_a_threat"}`); code != http.StatusOK {
		t.Fatalf("acme's verdict = %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := writes["acme"]
		mu.Unlock()
		if got > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("acme's write-back never reached acme's receiver")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if writes["default"] != 0 {
		t.Errorf("acme's verdict wrote back to the default tenant's receiver %d times", writes["default"])
	}
	if a, _ := a.Store().AlertGet(ctx, theirs.ID); a.Verdict != "" {
		t.Errorf("the default tenant's p-1 got verdict %q", a.Verdict)
	}
	if got, _ := acmeScope.AlertGet(ctx, mine.ID); got.Verdict != model.VerdictNotAThreat {
		t.Errorf("acme's p-1 verdict = %q", got.Verdict)
	}
	// The metrics keep them apart too: one integration id, two series.
	_, metrics := do("GET", "/metrics", "", "")
	for _, want := range []string{
		`alertsync_ingested_total{integration="push",kind="alert",outcome="created",tenant="acme"} 1`,
		`alertsync_ingested_total{integration="push",kind="alert",outcome="created",tenant="default"} 1`,
		`alertsync_verdicts_total{kind="alert",tenant="acme",verdict="not_a_threat"} 1`,
		`alertsync_outbox_delivered_total{action="set_state",integration="push",tenant="acme"} 1`,
		`alertsync_vendor_requests_total{integration="push",priority="foreground",tenant="acme"} 1`,
		`alertsync_vendor_requests_total{integration="push",priority="foreground",tenant="default"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, unwanted := range []string{
		`alertsync_verdicts_total{kind="alert",tenant="default"`,
		`alertsync_outbox_delivered_total{action="set_state",integration="push",tenant="default"}`,
	} {
		if strings.Contains(metrics, unwanted) {
			t.Errorf("/metrics counts acme's verdict in the default tenant: %s", unwanted)
		}
	}
}

// TestTenantCommand runs `alertsync tenant` against a hub's store: a
// created tenant is listed and started by the running hub at its next
// heartbeat, a disabled one stops, a deleted one is gone.
func TestTenantCommand(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alertsync.yaml")
	if err := os.WriteFile(cfgPath, []byte("data_dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := runCLI(t, "--config", cfgPath, "tenant", "create", "globex", "--name", "Globex Corp"); !strings.Contains(out, "created tenant globex") {
		t.Errorf("create said %q", out)
	}
	out := runCLI(t, "--config", cfgPath, "tenant", "list")
	for _, want := range []string{"default", "globex", "Globex Corp", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	var errOut strings.Builder
	if code := app.Main([]string{"--config", cfgPath, "tenant", "delete", "globex"}, io.Discard, &errOut); code == 0 {
		t.Error("delete without --yes went ahead")
	}
	if code := app.Main([]string{"--config", cfgPath, "tenant", "disable", "default"}, io.Discard, &errOut); code == 0 {
		t.Error("the default tenant was disabled")
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen = "127.0.0.1:0"
	ctx := context.Background()
	a := startApp(t, cfg)
	if _, _, ok := a.Tenant("globex"); !ok {
		t.Fatalf("the hub does not run the tenant the CLI created: %v", a.TenantIDs())
	}
	runCLI(t, "--config", cfgPath, "tenant", "disable", "globex")
	waitFor(t, 15*time.Second, func() bool { _, _, ok := a.Tenant("globex"); return !ok })
	runCLI(t, "--config", cfgPath, "tenant", "enable", "globex")
	waitFor(t, 15*time.Second, func() bool { _, _, ok := a.Tenant("globex"); return ok })
	if out := runCLI(t, "--config", cfgPath, "tenant", "delete", "globex", "--yes"); !strings.Contains(out, "deleted tenant globex") {
		t.Errorf("delete said %q", out)
	}
	waitFor(t, 15*time.Second, func() bool { _, _, ok := a.Tenant("globex"); return !ok })
	if _, err := a.Hub().TenantGet(ctx, "globex"); err == nil {
		t.Error("globex is still stored")
	} else if !strings.Contains(err.Error(), store.ErrNotFound.Error()) {
		t.Error(err)
	}
}

// newReceiver is a vendor stand-in that accepts every write and tells
// note about it; it returns its URL.
func newReceiver(t *testing.T, note func(*http.Request)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		note(r)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// startApp builds and starts the hub on cfg, stopped when the test ends.
func startApp(t *testing.T, cfg config.Config) *app.App {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	return a
}

// apiCaller calls a's API with an optional bearer token and returns the
// status and body.
func apiCaller(t *testing.T, a *app.App) func(method, path, token, body string) (int, string) {
	base := "http://" + a.Addr()
	return func(method, path, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}
