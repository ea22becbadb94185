// Package mde emulates the Microsoft Defender for Endpoint alerts API
// (WindowsDefenderATP, paths under /api/) as Microsoft documents it: OData
// $filter/$top/$skip without nextLink, updates and comments through PATCH,
// batchUpdate, case-sensitive bodies, and per-app budgets of 100 calls a
// minute and 1,500 an hour.
package mde

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

// Audience is the resource MDE tokens are issued for; AudienceAlias is the
// other identifier Microsoft's samples request (".../windowsatpservice").
const (
	Audience      = "https://api.securitycenter.microsoft.com"
	AudienceAlias = "https://securitycenter.onmicrosoft.com/windowsatpservice"
)

// Identities registered on the emulator's own issuer when Options.Issuer is nil.
const (
	DefaultTenantID     = "b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c"
	DefaultClientID     = "0b7e3a4c-2d4f-4e6a-8c1b-9f5e2a7d3c10"
	DefaultClientSecret = "mde-emulator-secret"
	DefaultAppName      = "alertsync"
)

// MaxTop is the largest $top the list accepts, and its page size.
const MaxTop = 10000

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// Issuer is a shared login endpoint. When nil the emulator makes its own,
	// registers the Default* client, and its Handler also serves the token
	// endpoint. A shared issuer needs AddAudienceAlias(AudienceAlias, Audience).
	Issuer   *entra.Issuer
	TenantID string // aadTenantId on seeded alerts; DefaultTenantID when empty
	BaseURL  string // used in @odata.context; from each request when empty
	Alerts   int    // alerts to seed
	Seed     int64
	// World is the fake organisation alerts are about; one drawn from Seed
	// when nil. Emulators given one World raise alerts about the same
	// hosts and users.
	World *emukit.World
	// Limits are the per-app budgets for all calls (100/min and 1,500/hour
	// when nil) and BatchLimits the extra ones for batchUpdate (10/min and
	// 500/hour when nil).
	Limits      []emukit.Limit
	BatchLimits []emukit.Limit
}

// Emulator is an in-memory Defender for Endpoint alerts API.
type Emulator struct {
	opts   Options
	clock  emukit.Clock
	ticker *emukit.Ticker
	log    *slog.Logger
	issuer *entra.Issuer
	faults *emukit.Faults
	ledger *emukit.Ledger
	limit  *emukit.RateLimiter
	batch  *emukit.RateLimiter
	rec    *emukit.Recorder

	mu       sync.Mutex
	alerts   map[string]*Alert
	refused  map[string]bool // alerts whose writes answer 404 (RefuseWrites)
	seedN    int
	seedSeed int64
}

// New returns an emulator seeded with opts.Alerts alerts.
func New(opts Options) *Emulator {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.Limits == nil {
		opts.Limits = []emukit.Limit{{Requests: 100, Window: time.Minute}, {Requests: 1500, Window: time.Hour}}
	}
	if opts.BatchLimits == nil {
		opts.BatchLimits = []emukit.Limit{{Requests: 10, Window: time.Minute}, {Requests: 500, Window: time.Hour}}
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
		opts: opts, clock: clock, ticker: emukit.NewTicker(clock), log: log.With("emulator", "mde"),
		issuer: opts.Issuer, faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock),
		limit: emukit.NewRateLimiter(clock, opts.Limits...), batch: emukit.NewRateLimiter(clock, opts.BatchLimits...),
		rec: emukit.NewRecorder(clock),
	}
	if e.issuer == nil {
		e.issuer = entra.NewIssuer(entra.Options{Clock: clock})
		e.issuer.AddAudienceAlias(AudienceAlias, Audience)
		e.issuer.RegisterClient(entra.Client{Tenant: opts.TenantID, ID: DefaultClientID, Secret: DefaultClientSecret, DisplayName: DefaultAppName, Audiences: []string{Audience}})
	}
	e.Seed(opts.Alerts, opts.Seed)
	return e
}

// Handler serves the API (and the token endpoint when the issuer is the
// emulator's own) behind recording, faults, auth and rate limiting.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/alerts", e.listAlerts)
	mux.HandleFunc("GET /api/alerts/{id}", e.getAlert)
	mux.HandleFunc("PATCH /api/alerts/{id}", e.patchAlert)
	mux.Handle("POST /api/alerts/batchUpdate", e.batch.Middleware(nil, errorWriter{e})(http.HandlerFunc(e.batchUpdate)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.writeError(w, r, http.StatusNotFound, "NotFound", "The requested resource was not found.")
	})
	return emukit.Stack{
		Issuer: e.issuer, Audience: Audience, ServeTokens: e.opts.Issuer == nil,
		Faults: e.faults, Limiter: e.limit, Recorder: e.rec, Errors: errorWriter{e},
	}.Handler(mux)
}

// Issuer returns the token issuer the emulator trusts.
func (e *Emulator) Issuer() *entra.Issuer { return e.issuer }

// Faults returns the fault injector.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// Limiter returns the per-app limiter for all calls.
func (e *Emulator) Limiter() *emukit.RateLimiter { return e.limit }

// BatchLimiter returns the extra per-app limiter for batchUpdate.
func (e *Emulator) BatchLimiter() *emukit.RateLimiter { return e.batch }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Reset replays the last Seed and clears recordings, faults (refused
// writes included) and budgets. Issued tokens stay valid.
func (e *Emulator) Reset() {
	e.mu.Lock()
	n, seed := e.seedN, e.seedSeed
	e.refused = nil
	e.mu.Unlock()
	e.rec.Reset()
	e.faults.Reset()
	e.limit.Reset()
	e.batch.Reset()
	e.Seed(n, seed)
}
