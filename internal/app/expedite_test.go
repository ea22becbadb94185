package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/sekoia"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// TestPollBackAfterOutageSendsWaitingWrites: a verdict's write-back that
// failed while the vendor was down waits out a backoff of an hour; once
// the vendor is back, the integration's next successful poll makes it
// due, and it goes within seconds (no other write gets through to do
// it).
func TestPollBackAfterOutageSendsWaitingWrites(t *testing.T) {
	t.Parallel()
	emu := sekoia.New(sekoia.Options{Alerts: 4, Seed: 11, PerMinute: -1})
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, `{"message":"service unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		emu.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := sekoiaConfig(t, srv.URL)
	cfg.Integrations[0].Settings["lookback"] = "720h"
	cfg.Engine.PollInterval = 200 * time.Millisecond
	cfg.Outbox.IdleWait = 10 * time.Millisecond
	cfg.Outbox.BaseBackoff, cfg.Outbox.MaxBackoff = time.Hour, 2*time.Hour
	ctx := context.Background()
	a := startApp(t, cfg)

	var target model.Alert
	for deadline := time.Now().Add(30 * time.Second); target.ID == 0; time.Sleep(50 * time.Millisecond) {
		all, err := a.Store().AlertList(ctx, store.AlertListParams{Integration: "sekoia", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, al := range all {
			if al.Status == model.StatusNew {
				target = al
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no new alert was ingested")
		}
	}
	down.Store(true)
	if _, err := a.Engine().SetAlertVerdict(ctx, engine.VerdictParams{ID: target.ID, Verdict: model.VerdictNotAThreat,
		Actor: model.Actor{Kind: model.ActorAnalyst, Name: "ana"}}); err != nil {
		t.Fatal(err)
	}
	do := apiCaller(t, a)
	failed := `alertsync_outbox_retried_total{`
	waitMetric(t, do, func(m string) bool {
		return metricLine(m, failed, `integration="sekoia"`) && metricLine(m, "alertsync_poll_failures_total{", `integration="sekoia"`)
	}, "a failed write-back and a failed poll while the vendor was down")

	down.Store(false)
	start := time.Now()
	waitMetric(t, do, func(m string) bool {
		return strings.Contains(m, `alertsync_outbox_delivered_total{action="set_state",integration="sekoia",tenant="default"} 1`)
	}, "the write-back delivered once the vendor was back")
	t.Logf("delivered %v after the vendor came back", time.Since(start).Round(time.Millisecond))
}

// waitMetric reads /metrics until ok holds, for up to 20 s: a metric
// moves when the worker has an answer, after the vendor has the write.
func waitMetric(t *testing.T, do func(method, path, token, body string) (int, string), ok func(string) bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, m := do("GET", "/metrics", "", ""); ok(m) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for /metrics to show %s", what)
		}
	}
}

// metricLine reports whether a line of m starts with series and names
// label.
func metricLine(m, series, label string) bool {
	for line := range strings.SplitSeq(m, "\n") {
		if strings.HasPrefix(line, series) && strings.Contains(line, label) {
			return true
		}
	}
	return false
}
