// Package cortexxdr emulates the Palo Alto Networks Cortex XDR public API
// (paths under /public_api/) as Palo Alto documents it: every call a POST
// of {"request_data":{…}} answered with {"reply":…}; standard and advanced
// API keys (the advanced signature checked against the key, its timestamp
// and a nonce used once); filters, search_from/search_to pages of at most
// 100 and sorts validated per call; alert statuses written in one
// vocabulary (resolved_false_positive) and read back in another
// (STATUS_060_RESOLVED_FALSE_POSITIVE); a resolution comment per alert
// that each write overwrites, and a comment thread per incident; and the
// vendor's error envelope.
package cortexxdr

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// DefaultFQDN is the tenant the emulator pretends to be, in incident
// xdr_url links.
const DefaultFQDN = "alertsync-demo.xdr.us.paloaltonetworks.com"

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// Keys are the API keys accepted; DefaultKeys when nil.
	Keys []Key
	// SkewWindow bounds how far an advanced request's timestamp may be
	// from the emulator's clock; DefaultSkew when zero.
	SkewWindow time.Duration
	FQDN       string
	// Alerts is how many alerts to seed, grouped into incidents.
	Alerts int
	Seed   int64
	// World is the organisation alerts are about; one drawn from Seed
	// when nil.
	World *emukit.World
	// Limits is a per-key budget on every call; Cortex XDR publishes
	// none, so none applies when nil. ExtraDataLimits is
	// get_incident_extra_data's own, 10 requests a minute as documented,
	// when nil.
	Limits          []emukit.Limit
	ExtraDataLimits []emukit.Limit
	// SearchCap is how many matches the v2 alert search counts and pages
	// through; MaxSearchTotal when zero. Tests lower it to reach it
	// cheaply.
	SearchCap int
}

// Emulator is an in-memory Cortex XDR tenant.
type Emulator struct {
	opts   Options
	clock  emukit.Clock
	log    *slog.Logger
	keys   map[string]Key
	faults *emukit.Faults
	ledger *emukit.Ledger
	limit  *emukit.RateLimiter // nil: no general budget
	extra  *emukit.RateLimiter
	rec    *emukit.Recorder

	mu        sync.Mutex
	alerts    map[string]*Alert
	incidents map[string]*Incident
	nonces    map[string]time.Time
	failing   map[string]bool
	lastStamp int64 // the latest modification time handed out, epoch ms
	nextAlert int64
	nextCase  int64
}

// New returns an emulator seeded with opts.Alerts alerts.
func New(opts Options) *Emulator {
	if opts.Keys == nil {
		opts.Keys = DefaultKeys()
	}
	if opts.SkewWindow <= 0 {
		opts.SkewWindow = DefaultSkew
	}
	if opts.FQDN == "" {
		opts.FQDN = DefaultFQDN
	}
	if opts.ExtraDataLimits == nil {
		opts.ExtraDataLimits = []emukit.Limit{{Requests: 10, Window: time.Minute}}
	}
	if opts.SearchCap <= 0 {
		opts.SearchCap = MaxSearchTotal
	}
	if opts.World == nil {
		opts.World = emukit.NewWorld(opts.Seed)
	}
	clock := opts.Clock
	if clock == nil {
		clock = emukit.RealClock{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		opts: opts, clock: clock, log: log.With("emulator", "cortexxdr"), keys: map[string]Key{},
		faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock), extra: emukit.NewRateLimiter(clock, opts.ExtraDataLimits...),
		rec: emukit.NewRecorder(clock), nonces: map[string]time.Time{}, failing: map[string]bool{},
	}
	if opts.Limits != nil {
		e.limit = emukit.NewRateLimiter(clock, opts.Limits...)
	}
	for _, k := range opts.Keys {
		e.keys[k.ID] = k
	}
	e.Seed(opts.Alerts, opts.Seed)
	return e
}

// Handler serves the public API behind recording, faults, API key checks
// and the budgets. Paths are accepted with and without the trailing slash
// some clients send.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	routes := map[string]http.HandlerFunc{
		"/public_api/v1/alerts/get_alerts":                           e.getAlertsV1,
		"/public_api/v2/alerts/get_alerts_multi_events":              e.getAlertsV2,
		"/public_api/v1/alerts/update_alerts":                        e.updateAlerts,
		"/public_api/v1/incidents/get_incidents":                     e.getIncidents,
		"/public_api/v1/incidents/get_multiple_incidents_extra_data": e.getMultipleExtraData,
		"/public_api/v1/incidents/update_incident":                   e.updateIncident,
	}
	routes["/public_api/v1/incidents/get_incident_extra_data"] = e.extra.Middleware(keyOf, errorWriter{e})(http.HandlerFunc(e.getExtraData)).ServeHTTP
	for path, h := range routes {
		mux.HandleFunc("POST "+path, h)
		mux.HandleFunc("POST "+path+"/", h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.writeError(w, r, http.StatusNotFound, msgNotFound, r.Method+" "+r.URL.Path)
	})
	var h http.Handler = mux
	if e.limit != nil {
		h = e.limit.Middleware(keyOf, errorWriter{e})(h)
	}
	h = e.authenticate(h)
	h = e.faults.Middleware(errorWriter{e})(h)
	return e.rec.Middleware(h)
}

// Faults returns the fault injector (ThrottleNext, SetLatency, ...).
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied. An alert
// update that changes nothing is not applied, so it is not recorded.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// ExtraDataLimiter returns get_incident_extra_data's budget.
func (e *Emulator) ExtraDataLimiter() *emukit.RateLimiter { return e.extra }

// ThrottleNext answers the next request with 429 and Retry-After.
func (e *Emulator) ThrottleNext(retryAfter time.Duration) { e.faults.ThrottleNext(1, retryAfter) }

// SetLatency delays every answer by d (zero: back to normal).
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// FailItems makes update_alerts leave these alerts out of its answer (and
// unchanged), and update_incident fail for these incidents, until called
// again; nil fails nothing.
func (e *Emulator) FailItems(ids []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failing = map[string]bool{}
	for _, id := range ids {
		e.failing[id] = true
	}
}

// stampLocked returns the time to stamp a change with, in epoch
// milliseconds: the clock's, or one past the previous stamp when the
// clock has not moved past it, so every change is seen as newer.
func (e *Emulator) stampLocked() int64 {
	ms := e.clock.Now().UnixMilli()
	if ms <= e.lastStamp {
		ms = e.lastStamp + 1
	}
	e.lastStamp = ms
	return ms
}

func (e *Emulator) observeLocked(ms int64) { e.lastStamp = max(e.lastStamp, ms) }
