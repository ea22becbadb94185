package outbox

import "github.com/prometheus/client_golang/prometheus"

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
	if reg != nil {
		m.delivered = register(reg, m.delivered)
		m.retried = register(reg, m.retried)
		m.dead = register(reg, m.dead)
		m.latency = register(reg, m.latency)
	}
	return m
}

// register adds c to reg, or returns the collector already registered under
// the same name so several workers in one process share their series.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
	}
	return c
}
