package emukit

import (
	"net/http"
	"sync"
	"time"
)

// Limit is a request budget per fixed window, such as 150 per minute.
type Limit struct {
	Requests int
	Window   time.Duration
}

// RateLimiter enforces one or more fixed-window budgets per key (usually a
// Principal.Key, app per tenant). A window opens at the key's first request
// and lasts Window; time comes from the injected Clock so tests never sleep.
type RateLimiter struct {
	clock Clock

	mu      sync.Mutex
	limits  []Limit
	windows map[string][]window // key -> one window per limit
}

type window struct {
	start time.Time
	count int
}

// NewRateLimiter returns a limiter enforcing all of limits.
func NewRateLimiter(clock Clock, limits ...Limit) *RateLimiter {
	return &RateLimiter{clock: orReal(clock), limits: limits, windows: map[string][]window{}}
}

// SetLimits replaces the budgets and forgets past counts.
func (l *RateLimiter) SetLimits(limits ...Limit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = limits
	l.windows = map[string][]window{}
}

// Reset forgets past counts.
func (l *RateLimiter) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows = map[string][]window{}
}

// Allow counts one request for key. When any budget is spent it counts
// nothing and returns how long until the tightest spent window reopens.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	ws := l.windows[key]
	if len(ws) != len(l.limits) {
		ws = make([]window, len(l.limits))
	}
	var wait time.Duration
	for n, lim := range l.limits {
		if ws[n].start.IsZero() || !now.Before(ws[n].start.Add(lim.Window)) {
			ws[n] = window{start: now}
		}
		if lim.Requests >= 0 && ws[n].count >= lim.Requests {
			if w := ws[n].start.Add(lim.Window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		l.windows[key] = ws
		return false, wait
	}
	for n := range ws {
		ws[n].count++
	}
	l.windows[key] = ws
	return true, 0
}

// Middleware throttles requests by keyOf (PrincipalKey when nil), writing
// the vendor's 429 through ew.
func (l *RateLimiter) Middleware(keyOf func(*http.Request) string, ew ErrorWriter) func(http.Handler) http.Handler {
	if keyOf == nil {
		keyOf = PrincipalKey
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ok, wait := l.Allow(keyOf(r)); !ok {
				ew.WriteThrottled(w, r, wait)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// PrincipalKey keys a request by its authenticated app and tenant, falling
// back to the remote address for unauthenticated requests.
func PrincipalKey(r *http.Request) string {
	if p, ok := PrincipalFrom(r.Context()); ok {
		return p.Key()
	}
	return "addr:" + r.RemoteAddr
}
