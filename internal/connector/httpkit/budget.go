package httpkit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// usage is what one integration's client spent of its vendor budget, by
// who asked: foreground (decisions: verdicts, reconciliation, analysts'
// comments) or background (polls, automatic comments).
type usage struct {
	limiter *rate.Limiter
	// requests and waited (nanoseconds) are indexed by background.
	requests [2]atomic.Int64
	waited   [2]atomic.Int64
	// throttled counts the vendor's own rate-limit answers.
	throttled atomic.Int64
}

func (u *usage) spent(background bool, wait time.Duration) {
	i := 0
	if background {
		i = 1
	}
	u.requests[i].Add(1)
	u.waited[i].Add(int64(wait))
}

// usageKey names a client in the budget metrics: two tenants'
// integrations of one id are two rows.
type usageKey struct{ tenant, integration string }

// usages maps a usageKey to its client's usage; a client built again
// for the same integration (a config reload) takes over its row.
var usages sync.Map // usageKey -> *usage

func usageFor(tenant, integration string, l *rate.Limiter) *usage {
	if integration == "" {
		return nil
	}
	u := &usage{limiter: l}
	usages.Store(usageKey{tenant, integration}, u)
	return u
}

var (
	budgetLimit = prometheus.NewDesc("alertsync_vendor_budget_per_second",
		"The integration's local request budget toward its vendor, requests a second (0: none); polls and write-back share it, write-back first.",
		[]string{"tenant", "integration"}, nil)
	budgetTokens = prometheus.NewDesc("alertsync_vendor_budget_available",
		"Requests the integration may send right now without waiting for its budget.", []string{"tenant", "integration"}, nil)
	budgetRequests = prometheus.NewDesc("alertsync_vendor_requests_total",
		"Requests sent to the vendor, by priority: foreground (decisions) or background (polls, automatic comments).",
		[]string{"tenant", "integration", "priority"}, nil)
	budgetWaited = prometheus.NewDesc("alertsync_vendor_budget_wait_seconds_total",
		"Time requests waited for the local budget (background requests include standing back for waiting writes).",
		[]string{"tenant", "integration", "priority"}, nil)
	budgetThrottled = prometheus.NewDesc("alertsync_vendor_throttled_total",
		"Rate-limit answers (429 and the vendors' equivalents) received from the vendor.", []string{"tenant", "integration"}, nil)
)

// budgetCollector reports every named client's budget and usage.
type budgetCollector struct{}

// BudgetCollector returns the Prometheus collector of the vendor budgets
// of every client built with Options.Integration.
func BudgetCollector() prometheus.Collector { return budgetCollector{} }

func (budgetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{budgetLimit, budgetTokens, budgetRequests, budgetWaited, budgetThrottled} {
		ch <- d
	}
}

func (budgetCollector) Collect(ch chan<- prometheus.Metric) {
	usages.Range(func(k, v any) bool {
		key, u := k.(usageKey), v.(*usage)
		limit, tokens := 0.0, 0.0
		if u.limiter != nil && u.limiter.Limit() != rate.Inf {
			limit, tokens = float64(u.limiter.Limit()), max(u.limiter.Tokens(), 0)
		}
		ch <- prometheus.MustNewConstMetric(budgetLimit, prometheus.GaugeValue, limit, key.tenant, key.integration)
		ch <- prometheus.MustNewConstMetric(budgetTokens, prometheus.GaugeValue, tokens, key.tenant, key.integration)
		for i, prio := range []string{"foreground", "background"} {
			ch <- prometheus.MustNewConstMetric(budgetRequests, prometheus.CounterValue, float64(u.requests[i].Load()), key.tenant, key.integration, prio)
			ch <- prometheus.MustNewConstMetric(budgetWaited, prometheus.CounterValue, time.Duration(u.waited[i].Load()).Seconds(), key.tenant, key.integration, prio)
		}
		ch <- prometheus.MustNewConstMetric(budgetThrottled, prometheus.CounterValue, float64(u.throttled.Load()), key.tenant, key.integration)
		return true
	})
}

// Requests returns how many requests a tenant's integration's client has
// sent, foreground (decisions) and background (polls, automatic comments).
func Requests(tenant, integration string) (foreground, background int64) {
	v, ok := usages.Load(usageKey{tenant, integration})
	if !ok {
		return 0, 0
	}
	u := v.(*usage)
	return u.requests[0].Load(), u.requests[1].Load()
}
