package ui

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gatherer reads the hub's own metrics: the pollers and the vendor
// budgets report there (last successful poll, failures, budget left), so
// the integrations page shows the figures an operator's dashboards show.
type gatherer struct{ g prometheus.Gatherer }

// pollStats is one integration's polling and budget health.
type pollStats struct {
	LastPoll time.Time
	Failures float64
	// Budget is the local request budget a second (0: none set) and
	// Available what may be sent now without waiting.
	Budget, Available float64
	Throttled         float64
	HasBudget         bool
}

// stats returns the figures of every integration of a tenant, by
// integration id: every series about an integration carries its tenant.
func (g gatherer) stats(tenant string) map[string]pollStats {
	out := map[string]pollStats{}
	if g.g == nil {
		return out
	}
	fams, err := g.g.Gather()
	if err != nil {
		return out
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			id := label(m, "integration")
			if id == "" || label(m, "tenant") != tenant {
				continue
			}
			s := out[id]
			s.apply(f.GetName(), value(m))
			out[id] = s
		}
	}
	return out
}

func (s *pollStats) apply(name string, v float64) {
	switch name {
	case "alertsync_poll_last_success_timestamp_seconds":
		s.LastPoll = time.Unix(0, int64(v*float64(time.Second))).UTC()
	case "alertsync_poll_failures_total":
		s.Failures += v
	case "alertsync_vendor_budget_per_second":
		s.Budget, s.HasBudget = v, true
	case "alertsync_vendor_budget_available":
		s.Available = v
	case "alertsync_vendor_throttled_total":
		s.Throttled = v
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	}
	return 0
}
