package api

import (
	"context"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// Health checks reach out to vendors, so results are cached and each check
// is bounded: a slow vendor must not hold up the integrations page.
const (
	healthTTL     = 30 * time.Second
	healthTimeout = 3 * time.Second
)

// Health states shown for an integration.
const (
	healthOK      = "ok"
	healthError   = "error"
	healthUnknown = "unknown"
)

// Health is the last known reachability of one integration's vendor.
type Health struct {
	Status    string    `json:"status"`
	Error     string    `json:"error,omitempty"`
	CheckedAt time.Time `json:"checked_at,omitzero"`
	// TokenExpiresAt is when the vendor token the connector holds now
	// expires (connectors that report it, while they hold one).
	TokenExpiresAt time.Time `json:"token_expires_at,omitzero"`
}

// healthCache remembers health results per integration for ttl.
type healthCache struct {
	ttl     time.Duration
	timeout time.Duration
	mu      sync.Mutex
	entries map[string]Health
}

func newHealthCache(ttl, timeout time.Duration) *healthCache {
	return &healthCache{ttl: ttl, timeout: timeout, entries: map[string]Health{}}
}

// check returns the cached result for id, or asks c when the cache is
// stale. A connector that is not a HealthChecker is "unknown".
func (h *healthCache) check(ctx context.Context, id string, c connector.Connector, now time.Time) Health {
	e := h.cached(ctx, id, c, now)
	// The token's expiry is read fresh: it moves whenever the connector
	// renews its token, which a cached check would not see.
	if tr, ok := c.(connector.TokenReporter); ok {
		if at, held := tr.TokenExpiry(); held {
			e.TokenExpiresAt = at.UTC()
		}
	}
	return e
}

func (h *healthCache) cached(ctx context.Context, id string, c connector.Connector, now time.Time) Health {
	hc, ok := c.(connector.HealthChecker)
	if !ok {
		return Health{Status: healthUnknown}
	}
	h.mu.Lock()
	e, found := h.entries[id]
	h.mu.Unlock()
	if found && now.Sub(e.CheckedAt) < h.ttl {
		return e
	}
	return h.refresh(ctx, id, hc, now)
}

// refresh asks the vendor now, whatever the cache holds, and caches the
// answer.
func (h *healthCache) refresh(ctx context.Context, id string, hc connector.HealthChecker, now time.Time) Health {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	e := Health{Status: healthOK, CheckedAt: now}
	if err := hc.Health(ctx); err != nil {
		e.Status, e.Error = healthError, err.Error()
	}
	h.mu.Lock()
	h.entries[id] = e
	h.mu.Unlock()
	return e
}
