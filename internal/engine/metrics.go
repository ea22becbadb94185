package engine

import (
	promreg "github.com/alertsync/alertsync/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// engineMetrics count what the engine decided, per integration.
type engineMetrics struct {
	ingested  *prometheus.CounterVec
	verdicts  *prometheus.CounterVec
	passes    prometheus.Counter
	reconcile *prometheus.CounterVec
	outbound  *prometheus.CounterVec
	checks    *prometheus.CounterVec
}

func newEngineMetrics(reg prometheus.Registerer) *engineMetrics {
	m := &engineMetrics{
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_ingested_total",
			Help: "Alerts and incidents received from sources, by outcome (created, updated, unchanged, echo, stale, quarantined).",
		}, []string{"integration", "kind", "outcome"}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_verdicts_total", Help: "Verdicts recorded on alerts and incidents.",
		}, []string{"kind", "verdict"}),
		passes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alertsync_validation_passes_total", Help: "Correlation passes run on alerts under validation.",
		}),
		reconcile: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_reconcile_writes_total", Help: "Incident or alert writes decided by incident reconciliation.",
		}, []string{"integration", "kind"}),
	}
	m.outbound = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertsync_outbound_coalesced_total",
		Help: "Queued writes replaced or merged before sending, and automatic comments held back by a vendor's comment limit (outcome: superseded, merged, capped).",
	}, []string{"integration", "action", "outcome"}))
	m.checks = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertsync_outcome_checks_total",
		Help: "Writes sent before whose outcome was unknown, checked at the vendor before sending again, by result (applied, not_applied, error_sent, error_wait, not_needed).",
	}, []string{"integration", "action", "result"}))
	m.ingested = promreg.Register(reg, m.ingested)
	m.verdicts = promreg.Register(reg, m.verdicts)
	m.passes = promreg.Register(reg, m.passes)
	m.reconcile = promreg.Register(reg, m.reconcile)
	return m
}

func (m *engineMetrics) countIngest(integration, kind string, r IngestResult) {
	for outcome, n := range map[string]int{
		"created": r.Created, "updated": r.Updated, "unchanged": r.Unchanged,
		"echo": r.Echoes, "stale": r.Stale, "quarantined": r.Quarantined,
	} {
		if n > 0 {
			m.ingested.WithLabelValues(integration, kind, outcome).Add(float64(n))
		}
	}
}
