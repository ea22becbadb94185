// Package graph emulates the Microsoft Graph security API v1.0 (alerts_v2,
// incidents and their comments) as Microsoft documents it, for connector
// tests and the demo. It keeps its own state, checks Entra ID bearer tokens
// issued by emukit, pages with @odata.nextLink, throttles at 150 requests
// per minute per app per tenant and answers in Graph's error shapes.
package graph

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

// Audience is the resource Graph tokens must be issued for.
const Audience = "https://graph.microsoft.com"

// Identities registered on the emulator's own issuer when Options.Issuer is
// nil, so a test can get a token without setting up an app registration.
const (
	DefaultTenantID     = "b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c"
	DefaultClientID     = "5d2a6f2e-7c1e-4b8e-9a3d-2f6c0e1b7a41"
	DefaultClientSecret = "graph-emulator-secret"
	DefaultAppName      = "alertsync"
)

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock // real clock when nil
	Logger *slog.Logger // discarded when nil
	// Issuer is a shared login endpoint. When nil the emulator makes its own,
	// registers the Default* client, and its Handler also serves the token
	// endpoint.
	Issuer   *entra.Issuer
	TenantID string // tenantId stamped on seeded data; DefaultTenantID when empty
	// BaseURL is how clients reach the emulator, used in @odata.nextLink and
	// @odata.context; taken from each request when empty.
	BaseURL string
	// Alerts and Seed drive the initial scenario; no data when Alerts is 0.
	Alerts int
	Seed   int64
	// World is the fake organisation alerts are about; one drawn from Seed
	// when nil. Emulators given one World raise alerts about the same
	// hosts and users, so cross-vendor correlation has something to find.
	World *emukit.World
	// RateLimit is the per-app-per-tenant budget; 150 per minute when zero.
	RateLimit emukit.Limit
	// AlertsPageSize is the page size without $top (100 when zero) and
	// AlertsMaxTop the largest $top accepted (2000 when zero). Microsoft
	// does not document either for alerts_v2; these are assumptions.
	AlertsPageSize int
	AlertsMaxTop   int
	// ResolveAlertsWithIncident makes resolving an incident resolve its
	// alerts that are still open and hand the incident's classification
	// and determination down to those not yet classified, as the Defender
	// portal appears to do. [U] The Graph documentation does not describe
	// any such cascade for PATCH /security/incidents/{id}, so it is off by
	// default and a test that relies on it must turn it on.
	ResolveAlertsWithIncident bool
}

// Emulator is an in-memory Microsoft Graph security API.
type Emulator struct {
	opts   Options
	clock  emukit.Clock
	ticker *emukit.Ticker
	log    *slog.Logger
	issuer *entra.Issuer
	faults *emukit.Faults
	ledger *emukit.Ledger
	limit  *emukit.RateLimiter
	rec    *emukit.Recorder

	mu        sync.Mutex
	alerts    map[string]*Alert
	incidents map[string]*Incident
	seedN     int
	seedSeed  int64
}

// New returns an emulator seeded with opts.Alerts alerts.
func New(opts Options) *Emulator {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.RateLimit.Requests == 0 {
		opts.RateLimit = emukit.Limit{Requests: 150, Window: time.Minute}
	}
	if opts.AlertsPageSize <= 0 {
		opts.AlertsPageSize = 100
	}
	if opts.AlertsMaxTop <= 0 {
		opts.AlertsMaxTop = 2000
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
		opts: opts, clock: clock, ticker: emukit.NewTicker(clock), log: log.With("emulator", "graph"),
		issuer: opts.Issuer, faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock),
		limit: emukit.NewRateLimiter(clock, opts.RateLimit), rec: emukit.NewRecorder(clock),
	}
	if e.issuer == nil {
		e.issuer = entra.NewIssuer(entra.Options{Clock: clock})
		e.issuer.RegisterClient(entra.Client{Tenant: opts.TenantID, ID: DefaultClientID, Secret: DefaultClientSecret, DisplayName: DefaultAppName, Audiences: []string{Audience}})
	}
	e.Seed(opts.Alerts, opts.Seed)
	return e
}

// Handler serves the API (and the token endpoint when the issuer is the
// emulator's own) behind recording, faults, auth and rate limiting.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/security/alerts_v2", e.listAlerts)
	mux.HandleFunc("GET /v1.0/security/alerts_v2/{id}", e.getAlert)
	mux.HandleFunc("PATCH /v1.0/security/alerts_v2/{id}", e.patchAlert)
	mux.HandleFunc("POST /v1.0/security/alerts_v2/{id}/comments", e.postAlertComment)
	mux.HandleFunc("GET /v1.0/security/incidents", e.listIncidents)
	mux.HandleFunc("GET /v1.0/security/incidents/{id}", e.getIncident)
	mux.HandleFunc("PATCH /v1.0/security/incidents/{id}", e.patchIncident)
	mux.HandleFunc("POST /v1.0/security/incidents/{id}/comments", e.postIncidentComment)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.badRequest(w, r, "Resource not found for the segment '%s'.", lastSegment(r.URL.Path))
	})
	ew := errorWriter{e}
	return emukit.Stack{
		Issuer: e.issuer, Audience: Audience, ServeTokens: e.opts.Issuer == nil,
		Faults: e.faults, Limiter: e.limit, Recorder: e.rec, Errors: ew,
	}.Handler(mux)
}

// Issuer returns the token issuer the emulator trusts.
func (e *Emulator) Issuer() *entra.Issuer { return e.issuer }

// Faults returns the fault injector, for tests to switch faults at runtime.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// Limiter returns the per-app rate limiter.
func (e *Emulator) Limiter() *emukit.RateLimiter { return e.limit }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Reset replays the last Seed and clears recorded requests, faults and rate
// budgets. Issued tokens stay valid.
func (e *Emulator) Reset() {
	e.mu.Lock()
	n, seed := e.seedN, e.seedSeed
	e.mu.Unlock()
	e.rec.Reset()
	e.faults.Reset()
	e.limit.Reset()
	e.Seed(n, seed)
}

func lastSegment(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
