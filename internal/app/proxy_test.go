package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

// TestIntegrationProxy: an integration's vendor traffic goes through its
// configured proxy, whose URL (with a password) is kept encrypted.
func TestIntegrationProxy(t *testing.T) {
	var delivered, proxied atomic.Int32
	vendor := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		delivered.Add(1)
	}))
	defer vendor.Close()
	// A plain forward proxy: a client configured with it sends the
	// absolute URL as the request target.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") == "" {
			http.Error(w, "proxy credentials missing", http.StatusProxyAuthRequired)
			return
		}
		proxied.Add(1)
		out, _ := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), r.Body)
		out.Header = r.Header.Clone()
		out.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer proxy.Close()
	const password = "proxy-password-not-in-the-clear"
	cfg := intakeConfig(t, map[string]any{"intake_key": "intake-key-0123456789", "writeback_url": vendor.URL})
	cfg.Integrations[0].Proxy = config.NewSecret(strings.Replace(proxy.URL, "http://", "http://egress:"+password+"@", 1))
	cfg.Outbox.IdleWait = 10 * time.Millisecond
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(ctx) }()
	if _, err := a.Engine().Ingest(ctx, "push", []connector.Item{{VendorID: "p-1", Raw: []byte(`{"id":"p-1"}`),
		Alert: &model.Alert{VendorID: "p-1", Title: "Beacon", Severity: model.SeverityHigh, Status: model.StatusNew}}}); err != nil {
		t.Fatal(err)
	}
	al, err := a.Store().AlertGetByVendor(ctx, "push", "p-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Engine().SetAlertVerdict(ctx, engine.VerdictParams{ID: al.ID, Verdict: model.VerdictNotAThreat,
		Actor: model.Actor{Kind: model.ActorAnalyst, Name: "ana"}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for delivered.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // bounded poll against the test's vendor server
	}
	if delivered.Load() == 0 || proxied.Load() != delivered.Load() {
		t.Fatalf("vendor saw %d writes, the proxy %d; want every write through the proxy", delivered.Load(), proxied.Load())
	}
	row, err := a.Store().IntegrationGet(ctx, "push")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Secrets, []byte(password)) || bytes.Contains(row.Settings, []byte(password)) || bytes.Contains(row.Policy, []byte(password)) {
		t.Fatal("the proxy password is stored in the clear")
	}
	if b, err := os.ReadFile(filepath.Join(cfg.DataDir, "alertsync.db")); err == nil && bytes.Contains(b, []byte(password)) {
		t.Fatal("the database file holds the proxy password")
	}
}

func TestIntegrationProxyMustBeAURL(t *testing.T) {
	cfg := intakeConfig(t, map[string]any{"intake_key": "intake-key-0123456789"})
	cfg.Integrations[0].Proxy = config.NewSecret("ftp://proxy:21")
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "integrations[0].proxy") || strings.Contains(err.Error(), "ftp://proxy") {
		t.Fatalf("err = %v, want the field named and the URL not echoed", err)
	}
}
