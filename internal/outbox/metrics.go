package outbox

import (
	promreg "github.com/alertsync/alertsync/internal/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	delivered *prometheus.CounterVec
	retried   *prometheus.CounterVec
	dead      *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_outbox_delivered_total", Help: "Outbound actions delivered.",
		}, []string{"integration", "action"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_outbox_retried_total", Help: "Outbound actions that failed and were scheduled again.",
		}, []string{"integration", "action", "class"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_outbox_dead_total", Help: "Outbound actions moved to the dead letters.",
		}, []string{"integration", "action", "class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "alertsync_outbox_delivery_seconds", Help: "Time to deliver one outbound action.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}, []string{"action"}),
	}
	m.delivered = promreg.Register(reg, m.delivered)
	m.retried = promreg.Register(reg, m.retried)
	m.dead = promreg.Register(reg, m.dead)
	m.latency = promreg.Register(reg, m.latency)
	return m
}
