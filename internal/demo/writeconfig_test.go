package demo

import (
	"context"
	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/microsoft"
)

// TestEmulateWritesServeConfig: the config `emulate --write-config`
// writes keeps every secret in a file of its own, loads as written, and
// a hub started from it reaches every vendor.
func TestEmulateWritesServeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub")
	}
	t.Parallel()
	w, err := newWorld(slog.New(slog.DiscardHandler), map[string]int{"graph": 3, "mde": 3}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	path := filepath.Join(t.TempDir(), "alertsync.yaml")
	files, err := writeServeConfig(path, w)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), microsoft.ClientSecret) || !strings.Contains(string(raw), "${file:") {
		t.Fatalf("secrets not referenced:\n%s", raw)
	}
	if want := 1 + distinctSecrets(w); len(files) != want {
		t.Errorf("secret files %v, want %d: the admin token and each distinct secret of the integrations", files, want)
	}
	for _, f := range append(files, path) {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi.Mode(), err)
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatalf("load written config: %v\n%s", err, raw)
	}
	cfg.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.DiscardHandler), HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(context.Background()) })
	s := &scenario{ctx: ctx, app: a, tenant: model.DefaultTenant, st: a.Store(), eng: a.Engine(), w: w}
	for id, n := range map[string]int{"graph": len(w.graph.Alerts()), "mde": len(w.mde.Alerts())} {
		if _, ok := s.waitUntil(30*time.Second, func() bool { return len(s.alerts(id)) >= n }); !ok {
			t.Errorf("%s: the hub from the written config ingested %d of %d alerts", id, len(s.alerts(id)), n)
		}
	}
	listed := func(reqs []emukit.Request) bool {
		for _, r := range reqs {
			if r.Method == http.MethodGet && r.Status == http.StatusOK {
				return true
			}
		}
		return false
	}
	if _, ok := s.waitUntil(30*time.Second, func() bool { return listed(w.dfc.Requests()) && listed(w.sentinel.Requests()) }); !ok {
		t.Error("the hub from the written config never listed Defender for Cloud alerts and Sentinel incidents")
	}
}

// distinctSecrets counts the distinct values of the secret settings of
// the world's integrations, as each vendor's config spec marks them.
func distinctSecrets(w *world) int {
	seen := map[string]bool{}
	for _, in := range w.set.Integrations(w.url, nil, time.Second) {
		reg, _ := connector.Lookup(in.Kind)
		for _, f := range reg.Spec {
			if v, ok := in.Settings[f.Name].(string); ok && f.Type == connector.TypeSecret && v != "" {
				seen[v] = true
			}
		}
	}
	return len(seen)
}
