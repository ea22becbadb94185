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
	inFlight  *prometheus.GaugeVec
	laneWait  *prometheus.GaugeVec
	pauses    *prometheus.CounterVec
	bulkSize  prometheus.Histogram
	expedited *prometheus.CounterVec
	waited    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_outbox_delivered_total", Help: "Outbound actions delivered.",
		}, []string{"tenant", "integration", "action"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_outbox_retried_total", Help: "Outbound actions that failed and were scheduled again.",
		}, []string{"tenant", "integration", "action", "class"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertsync_outbox_dead_total", Help: "Outbound actions moved to the dead letters.",
		}, []string{"tenant", "integration", "action", "class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "alertsync_outbox_delivery_seconds", Help: "Time to deliver one outbound action.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}, []string{"action"}),
	}
	m.inFlight = promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "alertsync_outbox_in_flight", Help: "Deliveries in flight per integration lane.",
	}, []string{"tenant", "integration"}))
	m.laneWait = promreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "alertsync_outbox_lane_waiting_seconds",
		Help: "Seconds an integration's pending writes still wait, by reason (rate budget); 0 when not waiting.",
	}, []string{"tenant", "integration", "reason"}))
	m.pauses = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertsync_outbox_lane_pauses_total", Help: "Times an integration's deliveries paused, by reason.",
	}, []string{"tenant", "integration", "reason"}))
	m.bulkSize = promreg.Register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "alertsync_outbox_bulk_items", Help: "Items carried by one bulk vendor call.",
		Buckets: []float64{2, 5, 10, 25, 50, 100, 250, 500, 1000},
	}))
	m.expedited = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertsync_outbox_expedited_total",
		Help: "Writes waiting out a retry backoff made due at once because their vendor answered again.",
	}, []string{"tenant", "integration"}))
	m.waited = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertsync_outbox_waited_total",
		Help: "Deliveries put off, unsent and without using an attempt, because a write they must follow was still on its way.",
	}, []string{"tenant", "integration", "action"}))
	m.delivered = promreg.Register(reg, m.delivered)
	m.retried = promreg.Register(reg, m.retried)
	m.dead = promreg.Register(reg, m.dead)
	m.latency = promreg.Register(reg, m.latency)
	return m
}
