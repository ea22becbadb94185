package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/config"
)

// TestRetriedDeadStepResumesItsRun: a playbook step the outbox gave up
// on fails its run; an operator's retry of that dead letter runs the step
// again and the run goes on to succeed, instead of being done with
// nothing sent.
func TestRetriedDeadStepResumesItsRun(t *testing.T) {
	const admin = "admin-token-0123456789"
	var requests, status atomic.Int64
	status.Store(http.StatusServiceUnavailable)
	tool := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(tool.Close)
	u, _ := url.Parse(tool.URL)
	dir := t.TempDir()
	def := fmt.Sprintf(`id: notify
trigger: {type: alert_created}
allow: [%q]
steps:
  - type: get_alert
  - type: http
    url: %s/alerts
    json: '{"title": "{{ node.1.title }}"}'
    idempotent: true
`, u.Host, tool.URL)
	if err := os.WriteFile(filepath.Join(dir, "notify.yaml"), []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := intakeConfig(t, map[string]any{"intake_key": "intake-key-0123456789"})
	cfg.API.AdminToken = config.NewSecret(admin)
	cfg.Playbooks.Dir = dir
	// The outbox gives up after one attempt, before the step's own
	// retries would.
	cfg.Outbox.MaxAttempts, cfg.Outbox.IdleWait = 1, 10*time.Millisecond
	a := startApp(t, cfg)
	do := apiCaller(t, a)
	if code, body := do("POST", "/api/v1/intake/push", "intake-key-0123456789", `{"id":"p-1","title":"Beacon","severity":"high"}`); code != http.StatusAccepted {
		t.Fatalf("intake = %d %s", code, body)
	}
	var dead struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	waitFor(t, 10*time.Second, func() bool {
		code, body := do("GET", "/api/v1/outbox?state=dead", admin, "")
		return code == http.StatusOK && json.Unmarshal([]byte(body), &dead) == nil && len(dead.Items) == 1
	})
	run := func() (status string) {
		var runs struct {
			Items []struct{ Status string } `json:"items"`
		}
		code, body := do("GET", "/api/v1/playbook-runs", admin, "")
		if code != http.StatusOK || json.Unmarshal([]byte(body), &runs) != nil || len(runs.Items) != 1 {
			t.Fatalf("runs = %d %s", code, body)
		}
		return runs.Items[0].Status
	}
	waitFor(t, 10*time.Second, func() bool { return run() == "failed" })

	status.Store(http.StatusCreated)
	before := requests.Load()
	if code, body := do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead.Items[0].ID), admin, ""); code != http.StatusOK {
		t.Fatalf("retry = %d %s", code, body)
	}
	waitFor(t, 10*time.Second, func() bool {
		return requests.Load() > before && run() == "succeeded"
	})
}
