// Package sekoia emulates the Sekoia.io SIC Alert API (basePath /v1/sic,
// also served under /api/v1/sic as the automation modules call it) and
// the HTTP intake. The API takes a static API key as a bearer token, lists
// alerts with limit 1-100, offset, has_more, total, match[...] filters,
// date[...] ranges ("from,to" in RFC 3339) and sort/direction, moves
// alerts through the legacy workflow (Pending, Acknowledged, Ongoing,
// Rejected, Closed) with PATCH .../workflow and its bulk form, and keeps
// comments (author at most 32 characters). Alerts live in two
// communities, so a reader that forgets match[community_uuid] sees the
// other one's.
//
// The intake (IntakeHandler; under /intake of Handler for the demo)
// takes POST / with {"intake_key","json"}, POST /batch with
// {"intake_key","jsons"} and POST /array, and keeps what it received.
//
// Choices where Sekoia documents nothing are marked [U] where they are
// made: error bodies are {"message": ...}; a status uuid given as
// action_uuid is accepted when one allowed action leads to it; the bulk
// workflow applies the action to every alert that can take it and
// answers 204, or 409 when none can; comments do not change updated_at;
// the default order is created_at descending; 429s carry Retry-After
// only when the emulator knows the wait.
package sekoia

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Defaults of the emulator's own tenant.
const (
	DefaultAPIKey = "sekoia-emulator-api-key"
	// DefaultCommunity is the integration's community (the fact sheet's
	// example alert's); OtherCommunity holds alerts it must never see.
	DefaultCommunity = "cc93fe3f-c26b-4eb1-82f7-082209cf1892"
	OtherCommunity   = "5f4d2c1e-8b7a-4c3d-9e2f-1a0b9c8d7e6f"
	DefaultIntakeKey = "sekoia-emulator-intake-key"
	// DefaultPerMinute is the emulator's budget per API key [U: Sekoia
	// publishes no number, only that a 429 means "wait before retrying"].
	DefaultPerMinute = 600
	// MaxEventBytes is the intake's per-event limit (automation-library
	// EVENT_BYTES_MAX_SIZE); MaxPayloadBytes its per-request limit
	// (INTAKE_PAYLOAD_BYTES_MAX_SIZE, 10 MiB).
	MaxEventBytes   = 250000
	MaxPayloadBytes = 10 << 20
	// MaxAuthor is the longest comment author the API takes.
	MaxAuthor = 32
)

// Permissions the API checks, by Sekoia's uuids.
const (
	PermViewAlerts   = "9ea2b8a3-593f-4bab-92f5-d0af9b563f6f"
	PermUpdateStatus = "9f3df1b1-4db7-44bd-b615-af5873ad7f8a"
	PermComment      = "341436f9-1c33-4cf7-bec3-a6955133ea04"
)

// Options configure an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	Alerts int // alerts to seed, across both communities
	Seed   int64
	// World is the fake organisation alerts are about; one drawn from
	// Seed when nil.
	World *emukit.World
	// PerMinute is the budget per API key (DefaultPerMinute when zero; a
	// negative value disables it).
	PerMinute int
	// PageSize is the limit a list without one gets (20, the API's
	// default, when zero).
	PageSize int
}

// Emulator is an in-memory Sekoia.io alert API and HTTP intake.
type Emulator struct {
	opts    Options
	clock   emukit.Clock
	log     *slog.Logger
	faults  *emukit.Faults
	ledger  *emukit.Ledger
	limiter *emukit.RateLimiter
	rec     *emukit.Recorder

	mu          sync.Mutex
	alerts      map[string]*Alert
	keys        map[string]map[string]bool // API key -> permissions
	intakeKeys  map[string]bool
	events      []IntakeEvent
	fail        map[string]bool
	serial      int
	principalID string // the avatar uuid the API key acts as
}

// New returns an emulator seeded with opts.Alerts alerts.
func New(opts Options) *Emulator {
	if opts.World == nil {
		opts.World = emukit.NewWorld(opts.Seed)
	}
	if opts.PerMinute == 0 {
		opts.PerMinute = DefaultPerMinute
	}
	if opts.PageSize == 0 {
		opts.PageSize = 20
	}
	if opts.Clock == nil {
		opts.Clock = emukit.RealClock{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		opts: opts, clock: opts.Clock, log: log.With("emulator", "sekoia"), faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(opts.Clock),
		rec: emukit.NewRecorder(opts.Clock), fail: map[string]bool{}, intakeKeys: map[string]bool{DefaultIntakeKey: true},
		principalID: emukit.GUID(emukit.NewRand(opts.Seed + 7)),
	}
	e.limiter = emukit.NewRateLimiter(opts.Clock, e.limits(opts.PerMinute)...)
	e.keys = map[string]map[string]bool{DefaultAPIKey: allPermissions()}
	e.Seed(opts.Alerts, opts.Seed)
	return e
}

func allPermissions() map[string]bool {
	return map[string]bool{PermViewAlerts: true, PermUpdateStatus: true, PermComment: true}
}

func (e *Emulator) limits(n int) []emukit.Limit {
	if n < 0 {
		return nil
	}
	return []emukit.Limit{{Requests: n, Window: time.Minute}}
}

// Handler serves the alert API and, under /intake, the HTTP intake,
// recording every request with its full path.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/intake/", emukit.Mount("/intake", e.intakeChain()))
	mux.Handle("/intake", emukit.Mount("/intake", e.intakeChain()))
	mux.Handle("/", e.apiChain())
	return e.rec.Middleware(mux)
}

// IntakeHandler serves the HTTP intake alone, as intake.sekoia.io does.
func (e *Emulator) IntakeHandler() http.Handler { return e.rec.Middleware(e.intakeChain()) }

func (e *Emulator) apiChain() http.Handler {
	return emukit.Stack{Issuer: keyIssuer{e}, Faults: e.faults, Limiter: e.limiter, Errors: errorWriter{e}}.Handler(e.routes())
}

func (e *Emulator) intakeChain() http.Handler {
	return emukit.Stack{Faults: e.faults, Errors: errorWriter{e}}.Handler(e.intakeRoutes())
}

// Faults returns the fault injector, shared by the API and the intake.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// ThrottleNext answers the next request with 429; a positive retryAfter
// is sent as Retry-After, zero sends none, as Sekoia documents none.
func (e *Emulator) ThrottleNext(retryAfter time.Duration) { e.faults.ThrottleNext(1, retryAfter) }

// SetLatency delays every answer by d (zero: none).
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// SetPerMinute replaces the budget per API key (negative: none).
func (e *Emulator) SetPerMinute(n int) { e.limiter.SetLimits(e.limits(n)...) }

// FailItems makes the workflow refuse these alerts (409 alone, skipped
// in bulk) in the calls that follow; it replaces the previous set.
func (e *Emulator) FailItems(ids ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fail = map[string]bool{}
	for _, id := range ids {
		e.fail[id] = true
	}
}

// RevokePermission takes a permission from the default API key, so the
// calls that need it answer 403.
func (e *Emulator) RevokePermission(perm string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.keys[DefaultAPIKey], perm)
}

// AddAPIKey adds a key with every permission.
func (e *Emulator) AddAPIKey(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys[key] = allPermissions()
}

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }

// PrincipalID is the avatar uuid the API key acts as (created_by).
func (e *Emulator) PrincipalID() string { return e.principalID }
