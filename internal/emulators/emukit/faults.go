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
	// The fault suite's knobs: a share of requests throttled, a share
	// that hangs (some applied first), and the whole API down.
	throttleRate  float64
	throttleAfter time.Duration
	hangRate      float64
	hangApplied   float64
	down          bool
	release       chan struct{} // closed to free hung requests
	counts        FaultCounts
}

// FaultCounts are the faults injected so far, for a fault suite's report.
type FaultCounts struct {
	ServerErrors int `json:"5xx"`
	Throttles    int `json:"429"`
	// Hangs are requests held until the caller gave up; HangsApplied
	// those of them handled first, whose caller cannot know they landed.
	Hangs        int `json:"timeouts"`
	HangsApplied int `json:"timeouts_applied"`
	// Outage are requests refused while the API was down.
	Outage int `json:"outage"`
}

// Add is c plus o, for totals over several emulators.
func (c FaultCounts) Add(o FaultCounts) FaultCounts {
	return FaultCounts{c.ServerErrors + o.ServerErrors, c.Throttles + o.Throttles, c.Hangs + o.Hangs,
		c.HangsApplied + o.HangsApplied, c.Outage + o.Outage}
}

// NewFaults returns a Faults that injects nothing until told to.
func NewFaults(seed int64) *Faults {
	return &Faults{seed: seed, rng: NewRand(seed), errorStatus: http.StatusServiceUnavailable, release: make(chan struct{})}
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

// SetThrottleRate makes a fraction (0..1) of requests answer the vendor's
// 429 (its own retry header and body) asking the caller back after
// retryAfter, drawn from the seeded generator.
func (f *Faults) SetThrottleRate(rate float64, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttleRate, f.throttleAfter = rate, retryAfter
}

// SetHangRate makes a fraction (0..1) of requests hang until the caller
// gives up, without an answer: a timeout as the caller sees it. Of those,
// the share applied (0..1) is handled first and only its answer is lost,
// so the caller cannot know whether its write landed. Setting rate 0
// frees the requests hanging now.
func (f *Faults) SetHangRate(rate, applied float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangRate, f.hangApplied = rate, applied
	if rate == 0 {
		f.freeLocked()
	}
}

// SetDown takes the whole API down (every request answered 503 in the
// vendor's words) or brings it back.
func (f *Faults) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// Counts returns the faults injected so far.
func (f *Faults) Counts() FaultCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts
}

// freeLocked lets every hanging request go (without an answer).
func (f *Faults) freeLocked() {
	close(f.release)
	f.release = make(chan struct{})
}

// Reset turns every fault off, frees hanging requests and reseeds the
// generator. The counts stay: they are what was injected.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rng, f.errorRate, f.errorStatus, f.latency = NewRand(f.seed), 0, http.StatusServiceUnavailable, 0
	f.failN, f.failStatus, f.failBody, f.throttleN, f.throttleFor = 0, 0, nil, 0, 0
	f.throttleRate, f.throttleAfter, f.hangRate, f.hangApplied, f.down = 0, 0, 0, 0, false
	f.freeLocked()
}

// fault is the decision for one request.
type fault struct {
	latency    time.Duration
	status     int // fixed-body failure when failBody != nil, else server error
	body       []byte
	throttle   bool
	retryAfter time.Duration
	down       bool
	hang       bool
	apply      bool          // a hang handled before it hangs
	release    chan struct{} // frees a hang
}

func (f *Faults) decide() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := fault{latency: f.latency}
	switch {
	case f.down:
		d.down, d.status = true, http.StatusServiceUnavailable
		f.counts.Outage++
	case f.failN > 0:
		f.failN--
		d.status, d.body = f.failStatus, f.failBody
		if d.body == nil {
			d.body = []byte{}
		}
	case f.throttleN > 0:
		f.throttleN--
		d.throttle, d.retryAfter = true, f.throttleFor
		f.counts.Throttles++
	case f.errorRate > 0 || f.throttleRate > 0 || f.hangRate > 0:
		f.drawLocked(&d)
	}
	return d
}

// drawLocked draws one request's fate from the rates: server error,
// throttle or hang, in that order of the unit interval, else none.
func (f *Faults) drawLocked(d *fault) {
	u := f.rng.Float64()
	switch {
	case u < f.errorRate:
		d.status = f.errorStatus
		f.counts.ServerErrors++
	case u < f.errorRate+f.throttleRate:
		d.throttle, d.retryAfter = true, f.throttleAfter
		f.counts.Throttles++
	case u < f.errorRate+f.throttleRate+f.hangRate:
		d.hang, d.release = true, f.release
		d.apply = f.hangApplied > 0 && f.rng.Float64() < f.hangApplied
		f.counts.Hangs++
		if d.apply {
			f.counts.HangsApplied++
		}
	}
}

// Middleware applies the faults before next, writing throttles and server
// errors through ew. Latency honours the request context: see Delay.
func (f *Faults) Middleware(ew ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := f.decide()
			Delay(r, d.latency)
			switch {
			case d.hang:
				hang(next, r, d)
			case d.down:
				ew.WriteServerError(w, r, d.status)
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

// hang holds r without an answer until its caller gives up or the hang
// is freed, having handled it first when d says so (its effect lands,
// its answer is lost). Like Delay, it abandons the answer
// (http.ErrAbortHandler), so the caller never reads a response.
func hang(next http.Handler, r *http.Request, d fault) {
	if d.apply {
		next.ServeHTTP(&lostAnswer{header: http.Header{}}, r)
	}
	select {
	case <-r.Context().Done():
	case <-d.release:
	}
	panic(http.ErrAbortHandler)
}

// lostAnswer is the ResponseWriter of a request whose answer never
// leaves the vendor.
type lostAnswer struct{ header http.Header }

func (l *lostAnswer) Header() http.Header         { return l.header }
func (l *lostAnswer) Write(b []byte) (int, error) { return len(b), nil }
func (l *lostAnswer) WriteHeader(int)             {}

// Faulty is an emulator whose API faults can be switched at runtime.
type Faulty interface {
	Faults() *Faults
}
