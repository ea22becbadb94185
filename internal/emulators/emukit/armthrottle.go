package emukit

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ARMBudget is an ARM token bucket: Burst tokens, refilled at PerSecond.
type ARMBudget struct {
	Burst     int
	PerSecond float64
}

// ARM's documented per-principal buckets (since 2024).
var (
	DefaultARMReadBudget  = ARMBudget{Burst: 250, PerSecond: 25}
	DefaultARMWriteBudget = ARMBudget{Burst: 200, PerSecond: 10}
)

// ARMThrottle keeps one read and one write bucket per principal, the way
// ARM meters a service principal per subscription. RateLimiter counts
// fixed windows, which is how Graph and MDE meter; ARM refills a token
// bucket, so it has its own limiter.
type ARMThrottle struct {
	clock  Clock
	reads  ARMBudget
	writes ARMBudget

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// NewARMThrottle returns a throttle reading clock (the real clock when nil);
// a budget with zero Burst gets ARM's default.
func NewARMThrottle(clock Clock, reads, writes ARMBudget) *ARMThrottle {
	if reads.Burst == 0 {
		reads = DefaultARMReadBudget
	}
	if writes.Burst == 0 {
		writes = DefaultARMWriteBudget
	}
	return &ARMThrottle{clock: orReal(clock), reads: reads, writes: writes, buckets: map[string]*rate.Limiter{}}
}

// Reset refills every bucket.
func (t *ARMThrottle) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buckets = map[string]*rate.Limiter{}
}

// Take spends one token for key from its read or write bucket and says how
// many are left, or how long until one is available.
func (t *ARMThrottle) Take(key string, write bool) (remaining int, wait time.Duration, ok bool) {
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
func (t *ARMThrottle) Middleware(ew ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			write := isARMWrite(r)
			header := "x-ms-ratelimit-remaining-subscription-reads"
			if write {
				header = "x-ms-ratelimit-remaining-subscription-writes"
			}
			left, wait, ok := t.Take(PrincipalKey(r), write)
			w.Header().Set(header, strconv.Itoa(left))
			if !ok {
				ew.WriteThrottled(w, r, wait)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
