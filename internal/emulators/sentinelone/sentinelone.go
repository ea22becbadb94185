// Package sentinelone emulates the SentinelOne Singularity management API
// (REST v2.1, paths under /web/api/v2.1) as far as alert state and notes
// go: threats and STAR cloud-detection alerts listed with cursor paging,
// incident status and analyst verdict written in bulk through
// {"filter":{...},"data":{...}} bodies with per-threat results, threat
// notes, and static API tokens sent as "Authorization: ApiToken <token>"
// that a console user can revoke.
package sentinelone

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// APIPrefix is where the v2.1 API lives under the console URL.
const APIPrefix = "/web/api/v2.1"

// Defaults for an emulator built without Options.Token.
const (
	DefaultToken     = "s1-emulator-api-token-0123456789abcdef"
	DefaultTokenUser = "alertsync service user"
)

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// Token is the API token the console starts with (DefaultToken when
	// empty), issued to TokenUser.
	Token, TokenUser string
	// Threats and CloudAlerts are how many of each to seed.
	Threats, CloudAlerts int
	Seed                 int64
	// World is the fake organisation alerts are about; one drawn from Seed
	// when nil.
	World *emukit.World
	// Limits are per-token request budgets; nil means none (SentinelOne
	// documents none).
	Limits []emukit.Limit
}

// Emulator is an in-memory SentinelOne management console API.
type Emulator struct {
	opts   Options
	world  *emukit.World
	clock  emukit.Clock
	ticker *emukit.Ticker
	log    *slog.Logger
	tokens *tokens
	faults *emukit.Faults
	ledger *emukit.Ledger
	limit  *emukit.RateLimiter
	rec    *emukit.Recorder

	mu      sync.Mutex
	threats map[string]*Threat
	cloud   map[string]*CloudAlert
	notes   map[string][]Note
	fail    map[string]string // id -> per-item result of bulk writes
	noteSeq int64
	last    time.Time // the newest stamp handed out
}

// New returns an emulator seeded with opts.Threats threats and
// opts.CloudAlerts cloud-detection alerts.
func New(opts Options) *Emulator {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.TokenUser == "" {
		opts.TokenUser = DefaultTokenUser
	}
	clock := opts.Clock
	if clock == nil {
		clock = emukit.RealClock{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	world := opts.World
	if world == nil {
		world = emukit.NewWorld(opts.Seed)
	}
	e := &Emulator{
		opts: opts, world: world, clock: clock, ticker: emukit.NewTicker(clock), log: log.With("emulator", "sentinelone"),
		tokens: newTokens(), faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock), rec: emukit.NewRecorder(clock),
		threats: map[string]*Threat{}, cloud: map[string]*CloudAlert{}, notes: map[string][]Note{}, fail: map[string]string{},
	}
	if opts.Limits != nil {
		e.limit = emukit.NewRateLimiter(clock, opts.Limits...)
	}
	e.tokens.add(opts.Token, opts.TokenUser)
	e.seed(opts.Threats, opts.CloudAlerts, opts.Seed)
	return e
}

// Handler serves the API behind request recording, fault injection, the
// ApiToken check and the optional per-token budget, in that order.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	p := APIPrefix
	mux.HandleFunc("GET "+p+"/threats", e.listThreats)
	mux.HandleFunc("POST "+p+"/threats/incident", e.threatIncident)
	mux.HandleFunc("POST "+p+"/threats/analyst-verdict", e.threatVerdict)
	mux.HandleFunc("POST "+p+"/threats/notes", e.addNotes)
	mux.HandleFunc("GET "+p+"/threats/{id}/notes", e.listNotes)
	mux.HandleFunc("GET "+p+"/cloud-detection/alerts", e.listCloudAlerts)
	mux.HandleFunc("POST "+p+"/cloud-detection/alerts/incident", e.cloudIncident)
	mux.HandleFunc("POST "+p+"/cloud-detection/alerts/analyst-verdict", e.cloudVerdict)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.writeError(w, r, http.StatusNotFound, codeNotFound, "Not Found", "The requested URL was not found on the server.")
	})
	ew := errorWriter{e}
	var h http.Handler = mux
	if e.limit != nil {
		h = e.limit.Middleware(nil, ew)(h)
	}
	h = e.tokens.require(ew)(h)
	h = e.faults.Middleware(ew)(h)
	return e.rec.Middleware(h)
}

// Token returns the token the console started with.
func (e *Emulator) Token() string { return e.opts.Token }

// AddToken issues another API token to user.
func (e *Emulator) AddToken(token, user string) { e.tokens.add(token, user) }

// RevokeToken revokes one token: every later call with it answers 401.
func (e *Emulator) RevokeToken(token string) { e.tokens.revoke(token) }

// ExpireTokens revokes every token, as regenerating a service user's token
// does; the connector cannot recover and must report an auth error.
func (e *Emulator) ExpireTokens() { e.tokens.revokeAll() }

// Faults returns the fault injector.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied. A write that
// changes nothing (already_set) is not applied, so it is not recorded.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// ThrottleNext makes the next request answer 429 with Retry-After.
func (e *Emulator) ThrottleNext(retryAfter time.Duration) { e.faults.ThrottleNext(1, retryAfter) }

// SetLatency delays every answer by d (zero: back to normal).
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }

// Per-item results a bulk write reports for a threat it did not change.
const (
	ResultConditionsNotMet   = "conditions_not_met"
	ResultMissingPermissions = "missing_permissions"
)

// FailItems makes the following bulk writes refuse these threat or
// cloud-detection alert ids item by item: threats are reported with result
// (ResultConditionsNotMet when empty) in the response's details, cloud
// alerts are left out of the affected count (their endpoints report no
// details). A nil ids clears every refusal.
func (e *Emulator) FailItems(ids []string, result string) {
	if result == "" {
		result = ResultConditionsNotMet
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if ids == nil {
		clear(e.fail)
		return
	}
	for _, id := range ids {
		e.fail[id] = result
	}
}

// Reset clears recordings, faults, refusals and budgets; data stays.
func (e *Emulator) Reset() {
	e.rec.Reset()
	e.faults.Reset()
	if e.limit != nil {
		e.limit.Reset()
	}
	e.FailItems(nil, "")
}
