package sentinel

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Budget is an ARM token bucket: Burst tokens, refilled at PerSecond.
type Budget struct {
	Burst     int
	PerSecond float64
}

// ARM's documented per-principal buckets (since 2024). This file and arm.go
// repeat defendercloud's: both are ARM providers and emukit has no ARM kit.
var (
	DefaultReadBudget  = Budget{Burst: 250, PerSecond: 25}
	DefaultWriteBudget = Budget{Burst: 200, PerSecond: 10}
)

// armThrottle keeps one read and one write bucket per principal, the way
// ARM meters a service principal per subscription. emukit's RateLimiter
// counts fixed windows, so the token bucket lives here.
type armThrottle struct {
	clock  emukit.Clock
	reads  Budget
	writes Budget

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newARMThrottle(clock emukit.Clock, reads, writes Budget) *armThrottle {
	if reads.Burst == 0 {
		reads = DefaultReadBudget
	}
	if writes.Burst == 0 {
		writes = DefaultWriteBudget
	}
	return &armThrottle{clock: clock, reads: reads, writes: writes, buckets: map[string]*rate.Limiter{}}
}

func (t *armThrottle) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buckets = map[string]*rate.Limiter{}
}

// take spends one token for key and says how many are left, or how long
// until one is available.
func (t *armThrottle) take(key string, write bool) (remaining int, wait time.Duration, ok bool) {
	b, kind := t.reads, "r/"
	if write {
		b, kind = t.writes, "w/"
	}
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.buckets[kind+key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(b.PerSecond), b.Burst)
		t.buckets[kind+key] = l
	}
	if l.AllowN(now, 1) {
		return int(math.Floor(l.TokensAt(now))), 0, true
	}
	deficit := 1 - l.TokensAt(now)
	return 0, time.Duration(math.Ceil(deficit / b.PerSecond * float64(time.Second))), false
}

// middleware charges each request to its principal's read or write bucket
// and reports what is left in ARM's headers.
func (t *armThrottle) middleware(ew emukit.ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		header := "x-ms-ratelimit-remaining-subscription-reads"
		if write {
			header = "x-ms-ratelimit-remaining-subscription-writes"
		}
		left, wait, ok := t.take(emukit.PrincipalKey(r), write)
		w.Header().Set(header, strconv.Itoa(left))
		if !ok {
			ew.WriteThrottled(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}
