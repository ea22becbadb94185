package emukit

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Faults injects the failures a connector must survive. Every knob can be
// changed at runtime by a test; the random 5xx draw is seeded so a failing
// run replays.
type Faults struct {
	mu          sync.Mutex
	seed        int64
	rng         *rand.Rand
	errorRate   float64
	errorStatus int
	latency     time.Duration
	failN       int
	failStatus  int
	failBody    []byte
	throttleN   int
	throttleFor time.Duration
}

// NewFaults returns a Faults that injects nothing until told to.
func NewFaults(seed int64) *Faults {
	return &Faults{seed: seed, rng: NewRand(seed), errorStatus: http.StatusServiceUnavailable}
}

// SetErrorRate makes a fraction (0..1) of requests fail with status
// (503 when status is 0), drawn from the seeded generator.
func (f *Faults) SetErrorRate(rate float64, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	f.errorRate, f.errorStatus = rate, status
}

// SetLatency delays every request by d before it is handled.
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// FailFirst makes the next n requests answer status with body (JSON), as a
// fresh app registration answers 403 until its consent propagates.
func (f *Faults) FailFirst(n, status int, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failN, f.failStatus, f.failBody = n, status, append([]byte(nil), body...)
}

// ThrottleNext makes the next n requests answer the vendor's 429 with
// Retry-After set from retryAfter.
func (f *Faults) ThrottleNext(n int, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttleN, f.throttleFor = n, retryAfter
}

// Reset turns every fault off and reseeds the generator.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rng, f.errorRate, f.errorStatus, f.latency = NewRand(f.seed), 0, http.StatusServiceUnavailable, 0
	f.failN, f.failStatus, f.failBody, f.throttleN, f.throttleFor = 0, 0, nil, 0, 0
}

// fault is the decision for one request.
type fault struct {
	latency    time.Duration
	status     int // fixed-body failure when failBody != nil, else server error
	body       []byte
	throttle   bool
	retryAfter time.Duration
}

func (f *Faults) decide() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := fault{latency: f.latency}
	switch {
	case f.failN > 0:
		f.failN--
		d.status, d.body = f.failStatus, f.failBody
		if d.body == nil {
			d.body = []byte{}
		}
	case f.throttleN > 0:
		f.throttleN--
		d.throttle, d.retryAfter = true, f.throttleFor
	case f.errorRate > 0 && f.rng.Float64() < f.errorRate:
		d.status = f.errorStatus
	}
	return d
}

// Middleware applies the faults before next, writing throttles and server
// errors through ew. Latency honours the request context: see Delay.
func (f *Faults) Middleware(ew ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := f.decide()
			Delay(r, d.latency)
			switch {
			case d.body != nil:
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(d.status)
				_, _ = w.Write(d.body)
			case d.throttle:
				ew.WriteThrottled(w, r, d.retryAfter)
			case d.status != 0:
				ew.WriteServerError(w, r, d.status)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// Delay holds r's answer for d. When the caller gives up first, the answer
// is abandoned (http.ErrAbortHandler): the server drops the connection
// without a response, as a vendor the caller left never answers. Returning
// normally instead would send 200 with an empty body, and a caller whose
// cancellation races it (its TLS close_notify is what ended the request's
// context, but it has not shut its socket yet) would read that as the
// vendor's success.
func Delay(r *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		panic(http.ErrAbortHandler)
	}
}
