package crowdstrike

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// powered_by values the services put in meta: the alerts service, the
// token service and the API gateway (which answers 401 and 429).
const (
	poweredByDetects = "detectsapi"
	poweredByCSAM    = "csam"
	poweredByGateway = "crowdstrike-api-gateway"
)

const traceHeader = "X-CS-TRACEID"

// meta is msa.MetaInfo (and the combined endpoint's variant).
type meta struct {
	QueryTime  float64 `json:"query_time"`
	Pagination any     `json:"pagination,omitempty"`
	PoweredBy  string  `json:"powered_by"`
	TraceID    string  `json:"trace_id"`
	Writes     *writes `json:"writes,omitempty"`
}

type writes struct {
	ResourcesAffected int `json:"resources_affected"`
}

// apiError is msa.APIError: id names the object an error is about.
type apiError struct {
	Code    int    `json:"code"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message"`
}

// replyMetaOnly is msa.ReplyMetaOnly and detectsapi.ResponseFields: what
// every error and the PATCH answer carry, with no resources key.
type replyMetaOnly struct {
	Meta   meta       `json:"meta"`
	Errors []apiError `json:"errors"`
}

// reply is a successful answer with resources.
type reply struct {
	Meta      meta       `json:"meta"`
	Resources any        `json:"resources"`
	Errors    []apiError `json:"errors"`
}

func newMeta(w http.ResponseWriter, poweredBy string) meta {
	return meta{QueryTime: 0.004512817, PoweredBy: poweredBy, TraceID: w.Header().Get(traceHeader)}
}

// writeErrors answers status with meta and errs (an empty list when none).
func (e *Emulator) writeErrors(w http.ResponseWriter, r *http.Request, status int, poweredBy string, errs ...apiError) {
	if errs == nil {
		errs = []apiError{}
	}
	if status >= 400 {
		e.log.DebugContext(r.Context(), "crowdstrike error", "status", status, "errors", errs)
	}
	emukit.WriteJSON(w, status, replyMetaOnly{Meta: newMeta(w, poweredBy), Errors: errs})
}

// badRequest answers 400 from the alerts service.
func (e *Emulator) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	e.writeErrors(w, r, http.StatusBadRequest, poweredByDetects, apiError{Code: http.StatusBadRequest, Message: msg})
}

// errorWriter answers for emukit's middleware in the gateway's words.
type errorWriter struct{ e *Emulator }

// WriteUnauthorized answers a missing, unknown, expired or foreign-cloud
// token with the gateway's 401.
func (ew errorWriter) WriteUnauthorized(w http.ResponseWriter, r *http.Request, _ emukit.AuthFailure) {
	ew.e.writeErrors(w, r, http.StatusUnauthorized, poweredByGateway,
		apiError{Code: http.StatusUnauthorized, Message: "access denied, invalid bearer token"})
}

// WriteThrottled answers 429 asking the caller back after retryAfter.
func (ew errorWriter) WriteThrottled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	ew.e.throttled(w, r, ew.e.clock.Now().Add(retryAfter))
}

// WriteServerError answers a failure injected on purpose.
func (ew errorWriter) WriteServerError(w http.ResponseWriter, r *http.Request, status int) {
	ew.e.writeErrors(w, r, status, poweredByGateway, apiError{Code: status, Message: "internal server error"})
}

// throttled writes the 429: X-RateLimit-RetryAfter is the Unix time, in
// whole seconds rounded up, from which a request is accepted again. The
// message is [U]; the shape is msa.ReplyMetaOnly.
func (e *Emulator) throttled(w http.ResponseWriter, r *http.Request, at time.Time) {
	secs := at.Unix()
	if at.Nanosecond() > 0 {
		secs++
	}
	w.Header().Set("X-RateLimit-RetryAfter", strconv.FormatInt(secs, 10))
	w.Header().Set("X-RateLimit-Remaining", "0")
	e.writeErrors(w, r, http.StatusTooManyRequests, poweredByGateway,
		apiError{Code: http.StatusTooManyRequests, Message: "API rate limit exceeded."})
}

// headers stamps every answer with a trace id and the budget headers; the
// budget middleware overwrites Remaining once it has charged the caller.
func (e *Emulator) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lim := strconv.Itoa(e.budget.limit())
		w.Header().Set(traceHeader, emukit.RequestID())
		w.Header().Set("X-RateLimit-Limit", lim)
		w.Header().Set("X-RateLimit-Remaining", lim)
		next.ServeHTTP(w, r)
	})
}

// budget is the per-CID request quota over fixed one-minute windows. It
// is the emulator's own rather than emukit.RateLimiter because every
// answer reports what is left of it.
type budget struct {
	clock emukit.Clock

	mu      sync.Mutex
	n       int
	windows map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newBudget(clock emukit.Clock, n int) *budget {
	return &budget{clock: clock, n: n, windows: map[string]*window{}}
}

func (b *budget) set(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n, b.windows = n, map[string]*window{}
}

// limit is the quota the headers report; with no budget enforced they
// report the documented one, so a client easing off as Remaining falls
// never starts to.
func (b *budget) limit() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n < 0 {
		return DefaultPerMinute
	}
	return b.n
}

// take charges one request to key. It returns what is left, or false and
// when the window reopens.
func (b *budget) take(key string) (left int, reopens time.Time, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n < 0 {
		return 0, time.Time{}, true
	}
	now := b.clock.Now()
	w := b.windows[key]
	if w == nil || !now.Before(w.start.Add(time.Minute)) {
		w = &window{start: now}
		b.windows[key] = w
	}
	if w.count >= b.n {
		return 0, w.start.Add(time.Minute), false
	}
	w.count++
	return b.n - w.count, time.Time{}, true
}

func unlimited(b *budget) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n < 0
}

// middleware charges each authenticated request to its CID (the member
// CID a token was issued for, else the emulator's own).
func (b *budget) middleware(e *Emulator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := e.opts.CID
		if p, ok := emukit.PrincipalFrom(r.Context()); ok && p.Tenant != "" {
			key = p.Tenant
		}
		left, reopens, ok := b.take(key)
		if !ok {
			e.throttled(w, r, reopens)
			return
		}
		if !unlimited(b) {
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(left))
		}
		next.ServeHTTP(w, r)
	})
}

// writeOK answers 200 with v.
func writeOK(w http.ResponseWriter, v any) { emukit.WriteJSON(w, http.StatusOK, v) }
