// Package crowdstrike emulates the CrowdStrike Falcon Alerts API as
// CrowdStrike's generated Go SDK (gofalcon) models it: the OAuth2 token
// endpoint answering 201 with 30-minute tokens and the X-CS-Region
// header, POST /alerts/combined/alerts/v1 with an FQL subset and opaque
// `after` tokens, GET /alerts/queries/alerts/v2, POST
// /alerts/entities/alerts/v2, and PATCH /alerts/entities/alerts/v3 with
// its action_parameters (string values only, update_status limited to
// new, in_progress, reopened and closed, removals before additions).
// Every answer carries X-CS-TRACEID, X-RateLimit-Limit and
// X-RateLimit-Remaining; a 429 carries X-RateLimit-RetryAfter as Unix
// epoch seconds.
//
// Choices where CrowdStrike documents nothing (each marked where it is
// made): appended comments are kept and shown by the console (Comments,
// the registry console) but never returned by the API, because
// detects.Alert has no comments property; a PATCH naming alerts that
// cannot be updated answers 200 and lists each in errors[] with its id,
// the others applied; at most 1,000 composite_ids per call.
package crowdstrike

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/clientcreds"
)

// Defaults of the emulator's own tenant.
const (
	DefaultRegion       = "us-1"
	DefaultCID          = "8693deb4bf134cfb8855ee118d9a0243"
	DefaultClientID     = "3f9c2b7a41d84e0c9a6e5b1d2c7f8a90"
	DefaultClientSecret = "crowdstrike-emulator-secret"
	DefaultAppName      = "alertsync"
	// DefaultPerMinute is the documented budget: 6,000 requests a minute
	// per customer (CID).
	DefaultPerMinute = 6000
	// TokenTTL is the lifetime CrowdStrike grants (expires_in 1799).
	TokenTTL = 1799 * time.Second
	// MaxIDs is how many composite_ids one entities call takes [U: not
	// documented; 1,000 is the commonly cited cap].
	MaxIDs = 1000
)

// Options configure an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// Region is the cloud this emulator plays (us-1 when empty). Tokens
	// of clients whose home region differs are issued, with X-CS-Region
	// naming their home, but refused by the API, so a client must move.
	Region string
	CID    string // the customer id on seeded alerts
	Alerts int    // alerts to seed
	Seed   int64
	// World is the fake organisation alerts are about; one drawn from
	// Seed when nil.
	World *emukit.World
	// PerMinute is the per-CID budget (DefaultPerMinute when zero; a
	// negative value disables it).
	PerMinute int
	// ClientRegion is the home region of the default API client (Region
	// when empty).
	ClientRegion string
}

// Emulator is an in-memory Falcon Alerts API.
type Emulator struct {
	opts   Options
	clock  emukit.Clock
	ticker *emukit.Ticker
	log    *slog.Logger
	issuer *clientcreds.Issuer
	faults *emukit.Faults
	ledger *emukit.Ledger
	budget *budget
	rec    *emukit.Recorder

	mu     sync.Mutex
	alerts map[string]*Alert
	fail   map[string]bool
	serial int // numbers alerts made after seeding
}

// New returns an emulator seeded with opts.Alerts alerts.
func New(opts Options) *Emulator {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if opts.ClientRegion == "" {
		opts.ClientRegion = opts.Region
	}
	if opts.CID == "" {
		opts.CID = DefaultCID
	}
	if opts.World == nil {
		opts.World = emukit.NewWorld(opts.Seed)
	}
	if opts.PerMinute == 0 {
		opts.PerMinute = DefaultPerMinute
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
		opts: opts, clock: clock, ticker: emukit.NewTicker(clock), log: log.With("emulator", "crowdstrike"),
		faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock), budget: newBudget(clock, opts.PerMinute), rec: emukit.NewRecorder(clock),
		fail: map[string]bool{},
	}
	e.issuer = e.newIssuer()
	e.AddClient(DefaultClientID, DefaultClientSecret, opts.ClientRegion)
	e.Seed(opts.Alerts, opts.Seed)
	return e
}

// Handler serves the token endpoints and the Alerts API behind recording,
// faults, bearer checks and the per-CID budget.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /alerts/combined/alerts/v1", e.combined)
	mux.HandleFunc("GET /alerts/queries/alerts/v2", e.queries)
	mux.HandleFunc("POST /alerts/entities/alerts/v2", e.entities)
	mux.HandleFunc("PATCH /alerts/entities/alerts/v3", e.patch)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.writeErrors(w, r, http.StatusNotFound, poweredByGateway, apiError{Code: http.StatusNotFound, Message: "Not Found"})
	})
	h := emukit.Stack{
		Issuer: regional{e}, ServeTokens: true, Faults: e.faults, Recorder: e.rec, Errors: errorWriter{e},
	}.Handler(e.budget.middleware(e, mux))
	return e.headers(h)
}

// Region is the cloud the emulator plays.
func (e *Emulator) Region() string { return e.opts.Region }

// CID is the customer id of the emulator's tenant.
func (e *Emulator) CID() string { return e.opts.CID }

// SetTokenLifetime shortens (or, with zero, restores) the lifetime of the
// tokens issued from now on.
func (e *Emulator) SetTokenLifetime(d time.Duration) { e.issuer.SetTokenLifetime(d) }

// TokensExpired counts the tokens issued whose lifetime has ended.
func (e *Emulator) TokensExpired() int { return e.issuer.TokensExpired() }

// Issuer returns the token issuer.
func (e *Emulator) Issuer() *clientcreds.Issuer { return e.issuer }

// ExpireTokens invalidates every token issued so far.
func (e *Emulator) ExpireTokens() { e.issuer.Expire() }

// Faults returns the fault injector.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// ThrottleNext answers the next API request with 429 asking the caller to
// come back after retryAfter.
func (e *Emulator) ThrottleNext(retryAfter time.Duration) { e.faults.ThrottleNext(1, retryAfter) }

// SetLatency delays every answer by d (zero: none).
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// SetPerMinute replaces the per-CID budget (negative: none) and forgets
// past counts.
func (e *Emulator) SetPerMinute(n int) { e.budget.set(n) }

// FailItems makes PATCH refuse these alerts, item by item, in the calls
// that follow; it replaces the previous set, so no ids clears it.
func (e *Emulator) FailItems(ids ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fail = map[string]bool{}
	for _, id := range ids {
		e.fail[id] = true
	}
}

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }
