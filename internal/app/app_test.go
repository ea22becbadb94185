package app_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/alertsync/alertsync/internal/emulators/sekoia"
)

func intakeConfig(t *testing.T, settings map[string]any) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Integrations = []config.Integration{{ID: "push", Kind: "httpintake", Settings: settings}}
	return cfg
}

// sekoiaConfig is a hub with one Sekoia integration on the emulator at
// url, in the default community.
func sekoiaConfig(t *testing.T, url string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.Integrations = []config.Integration{{ID: "sekoia", Kind: "sekoia", Settings: map[string]any{
		"base_url": url, "api_key": sekoia.DefaultAPIKey, "community_uuid": sekoia.DefaultCommunity}}}
	return cfg
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	const key = "plaintext-intake-key-must-not-be-stored"
	cfg := intakeConfig(t, map[string]any{"intake_key": key})
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := a.Store().IntegrationGet(ctx, "push")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Secrets, []byte(key)) || strings.Contains(string(row.Settings), key) {
		t.Fatal("intake key stored in the clear")
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alertsync.db", "alertsync.db-wal"} {
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, name))
		if err == nil && bytes.Contains(b, []byte(key)) {
			t.Fatalf("%s holds the intake key in the clear", name)
		}
	}
	// The stored, encrypted form is what runs after a restart.
	b, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Stop(ctx) }()
	if _, ok := b.Engine().Integration("push"); !ok {
		t.Fatal("integration not rebuilt from the stored row")
	}
}

func TestInvalidIntegrationSettingNamesTheField(t *testing.T) {
	tests := []struct {
		settings map[string]any
		want     string
	}{
		{map[string]any{}, "integrations[0].settings.intake_key: required"},
		{map[string]any{"intake_key": "k-0123456789abcdef", "colour": "red"}, "integrations[0].settings.colour: unknown setting"},
		{map[string]any{"intake_key": "k-0123456789abcdef", "timeout": "soon"}, "integrations[0].settings.timeout"},
	}
	for _, tt := range tests {
		_, err := app.New(context.Background(), intakeConfig(t, tt.settings), app.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error = %v, want it to contain %q", err, tt.want)
		}
	}
}

// TestServeIntakeVerdictMetrics runs the hub in-process: a pushed alert is
// ingested through the API, an analyst's verdict is written back to the
// sender, and /metrics shows both.
func TestServeIntakeVerdictMetrics(t *testing.T) {
	var mu sync.Mutex
	var writes []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		writes = append(writes, string(b))
		mu.Unlock()
	}))
	defer recv.Close()
	cfg := intakeConfig(t, map[string]any{"intake_key": "intake-key-0123456789", "writeback_url": recv.URL})
	cfg.API.Tokens = []config.APIToken{{Name: "ana", Token: config.NewSecret("analyst-token-0123456789"), Role: "analyst"}}
	cfg.Outbox.IdleWait = 10 * time.Millisecond
	a := startApp(t, cfg)
	do := apiCaller(t, a)
	if code, body := do("POST", "/api/v1/intake/push", "intake-key-0123456789", `{"id":"p-1","title":"Beacon to rare domain","severity":"high"}`); code != http.StatusAccepted {
		t.Fatalf("intake = %d %s", code, body)
	}
	code, body := do("GET", "/api/v1/alerts?integration=push", "analyst-token-0123456789", "")
	var list struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) != 1 {
		t.Fatalf("alerts = %d %s", code, body)
	}
	path := fmt.Sprintf("/api/v1/alerts/%d/verdict", list.Items[0].ID)
	if code, body := do("POST", path, "analyst-token-0123456789", `{"verdict":"not_a_threat","reason":"lab traffic"}`); code != http.StatusOK {
		t.Fatalf("verdict = %d %s", code, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(writes)
		mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("verdict was not written back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	first := writes[0]
	mu.Unlock()
	if !strings.Contains(first, "Validated by alertsync: not a threat") || !strings.Contains(first, `"status":"resolved"`) {
		t.Fatalf("write-back = %s", first)
	}
	// The receiver has the write before the worker has its answer and
	// counts the delivery: /metrics is read until it shows it.
	wants := []string{
		`alertsync_ingested_total{integration="push",kind="alert",outcome="created",tenant="default"} 1`,
		`alertsync_verdicts_total{kind="alert",tenant="default",verdict="not_a_threat"} 1`,
		`alertsync_outbox_delivered_total{action="set_state",integration="push",tenant="default"} 1`,
	}
	waitMetric(t, do, func(m string) bool {
		for _, want := range wants {
			if !strings.Contains(m, want) {
				return false
			}
		}
		return true
	}, strings.Join(wants, ", "))
}
