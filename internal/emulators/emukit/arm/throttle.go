package arm

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

// ARM's documented per-principal buckets (since 2024).
var (
	DefaultReadBudget  = Budget{Burst: 250, PerSecond: 25}
	DefaultWriteBudget = Budget{Burst: 200, PerSecond: 10}
	// NoBudget never throttles: for benchmarks of the sync path.
	NoBudget = Budget{Burst: math.MaxInt32, PerSecond: math.MaxFloat64}
)

// Throttle keeps one read and one write bucket per principal, the way
// ARM meters a service principal per subscription. RateLimiter counts
// fixed windows, which is how Graph and MDE meter; ARM refills a token
// bucket, so it has its own limiter.
type Throttle struct {
	clock  emukit.Clock
	reads  Budget
	writes Budget

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewThrottle returns a throttle reading clock (the real clock when nil);
// a budget with zero Burst gets ARM's default.
func NewThrottle(clock emukit.Clock, reads, writes Budget) *Throttle {
	if clock == nil {
		clock = emukit.RealClock{}
	}
	if reads.Burst == 0 {
		reads = DefaultReadBudget
	}
	if writes.Burst == 0 {
		writes = DefaultWriteBudget
	}
	return &Throttle{clock: clock, reads: reads, writes: writes, buckets: map[string]*rate.Limiter{}}
}

// Reset refills every bucket.
func (t *Throttle) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buckets = map[string]*rate.Limiter{}
}

// Take spends one token for key from its read or write bucket and says how
// many are left, or how long until one is available.
func (t *Throttle) Take(key string, write bool) (remaining int, wait time.Duration, ok bool) {
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

// Middleware charges each request to its principal's read or write bucket,
// reports what is left in ARM's headers and writes the 429 through ew.
func (t *Throttle) Middleware(ew emukit.ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			write := isWrite(r)
			header := "x-ms-ratelimit-remaining-subscription-reads"
			if write {
				header = "x-ms-ratelimit-remaining-subscription-writes"
			}
			left, wait, ok := t.Take(emukit.PrincipalKey(r), write)
			w.Header().Set(header, strconv.Itoa(left))
			if !ok {
				ew.WriteThrottled(w, r, wait)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
