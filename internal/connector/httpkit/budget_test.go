package httpkit_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// TestBudgetMetrics: a named client's budget, its requests by priority
// and the vendor's rate-limit answers show in the collector.
func TestBudgetMetrics(t *testing.T) {
	t.Parallel()
	throttle := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if throttle && r.URL.Path == "/limited" {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	c, err := httpkit.New(httpkit.Options{BaseURL: srv.URL, HTTP: srv.Client(), Limiter: httpkit.PerMinute(6000), Integration: "budget-test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := c.GetJSON(ctx, "ok", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.GetJSON(connector.Background(ctx), "ok", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.GetJSON(ctx, "limited", nil); connector.ClassOf(err) != connector.ClassRateLimited {
		t.Fatalf("limited call: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(httpkit.BudgetCollector())
	got := gather(t, reg, "budget-test")
	want := map[string]float64{
		"alertsync_vendor_requests_total/background": 1,
		"alertsync_vendor_requests_total/foreground": 2,
		"alertsync_vendor_throttled_total/":          1,
		// The steady rate: the decisions' reserve comes out of it.
		"alertsync_vendor_budget_per_second/": (6000*httpkit.Headroom - float64(httpkit.WriteReserve(6000*httpkit.Headroom))) / 60,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
}

// gather reads integration's series as name/priority -> value.
func gather(t *testing.T, reg *prometheus.Registry, integration string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["integration"] != integration {
				continue
			}
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			out[mf.GetName()+"/"+labels["priority"]] = v
		}
	}
	return out
}
