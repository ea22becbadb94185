// Package lacework emulates the Lacework FortiCNAPP API v2 alert
// endpoints as the vendor's Go SDK (lacework/go-sdk) and the FortiCNAPP
// API reference describe them: POST /api/v2/access/tokens (the key id in
// the JSON body, the secret in X-LW-UAKS, tokens that expire after the
// expiryTime asked for, at most a day), GET /api/v2/Alerts over a time
// window of at most seven days paged with absolute paging.urls.nextPage
// links, GET /api/v2/Alerts/{id}?scope= for the seven alert scopes, and
// POST /api/v2/Alerts/{id}/comment and /close. API calls take the token
// as "Authorization: Bearer <token>" (the FortiCNAPP docs) or bare (what
// the Go SDK sends); an Account-Name header picks a sub-account.
//
// Choices where Lacework documents nothing are marked [U] where they are
// made: error bodies are {"message": "..."} (the v2 shape the SDK
// parses), a listing without a window covers the last 24 hours, a
// window's alerts are those whose startTime falls inside it (both ends
// included), page tokens ride in the nextPage query, closing a closed
// alert is refused with 400, and lastUserUpdatedTime is "0" until a
// person (or alertsync) changes the alert, then epoch milliseconds.
package lacework

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Defaults of the emulator's own account and API key.
const (
	DefaultAccount = "alertsync-demo"
	// DefaultKeyID and DefaultSecret have the shapes of a downloaded key
	// file's keyId (the CLI wants at least 55 characters) and secret
	// (at least 30).
	DefaultKeyID  = "ALERTSYNC_0D4C25F772C1D3A3EE50F04095CAE3B880D9697B0FA3E1C2"
	DefaultSecret = "_e1c3b8d0a4f94b2a9c7e5d3f1a2b4c6d"
	// DefaultUser is who the default key belongs to, as comments show it.
	DefaultUser = "alertsync@contoso.com"
	// DefaultPerMinute is the emulator's budget per API key [U: Lacework
	// documents no rate limit].
	DefaultPerMinute = 3000
	// DefaultPageSize is how many alerts a listing page holds [U: the
	// page size is the server's and undocumented].
	DefaultPageSize = 100
	// MaxWindow is the longest time window a listing takes (the Go SDK's
	// V2ApiMaxSearchWindowDays) and MaxHistory how far back it reaches
	// (V2ApiMaxSearchHistoryDays).
	MaxWindow  = 7 * 24 * time.Hour
	MaxHistory = 92 * 24 * time.Hour
	// DefaultTokenExpiry and MaxTokenExpiry bound expiryTime, in seconds.
	DefaultTokenExpiry = 3600
	MaxTokenExpiry     = 86400
)

// Options configure an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// Account is the account name (DefaultAccount when empty);
	// SubAccounts are the other accounts an Account-Name header may name.
	Account     string
	SubAccounts []string
	Alerts      int // alerts to seed
	Seed        int64
	// World is the fake organisation alerts are about; one drawn from
	// Seed when nil.
	World *emukit.World
	// PerMinute is the budget per API key (DefaultPerMinute when zero; a
	// negative value disables it).
	PerMinute int
	// PageSize is how many alerts a listing page holds (DefaultPageSize
	// when zero).
	PageSize int
	// ScopeLatency is how long every scope call takes, honouring the
	// request's context: Lacework assembles scopes on demand, and the
	// benchmark measures assembly against it.
	ScopeLatency time.Duration
}

// Emulator is an in-memory Lacework alerts API.
type Emulator struct {
	opts    Options
	clock   emukit.Clock
	ticker  *emukit.Ticker
	log     *slog.Logger
	faults  *emukit.Faults
	ledger  *emukit.Ledger
	limiter *emukit.RateLimiter
	rec     *emukit.Recorder
	tokens  *tokens
	scopes  *scopeFaults

	mu       sync.Mutex
	alerts   map[int]*Alert
	nextID   int
	nextNote int
	serial   int64 // seeds the alerts made after seeding
}

// New returns an emulator seeded with opts.Alerts alerts.
func New(opts Options) *Emulator {
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	if opts.World == nil {
		opts.World = emukit.NewWorld(opts.Seed)
	}
	if opts.PerMinute == 0 {
		opts.PerMinute = DefaultPerMinute
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
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
		opts: opts, clock: clock, ticker: emukit.NewTicker(clock), log: log.With("emulator", "lacework"),
		faults: emukit.NewFaults(opts.Seed), ledger: emukit.NewLedger(clock), limiter: emukit.NewRateLimiter(clock), rec: emukit.NewRecorder(clock),
		tokens: newTokens(clock), scopes: newScopeFaults(opts.ScopeLatency),
	}
	e.SetPerMinute(opts.PerMinute)
	e.tokens.addKey(DefaultKeyID, DefaultSecret, DefaultUser)
	e.Seed(opts.Alerts, opts.Seed)
	return e
}

// Handler serves the token endpoint and the alerts API behind recording,
// faults, token checks and the per-key budget, in that order.
func (e *Emulator) Handler() http.Handler {
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v2/Alerts", e.list)
	api.HandleFunc("GET /api/v2/Alerts/{id}", e.scope)
	api.HandleFunc("POST /api/v2/Alerts/{id}/comment", e.comment)
	api.HandleFunc("POST /api/v2/Alerts/{id}/close", e.close)
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, http.StatusNotFound, "Not Found")
	})
	ew := errorWriter{}
	h := e.limiter.Middleware(nil, ew)(api)
	h = e.authenticate(h)
	h = e.faults.Middleware(ew)(h)
	root := http.NewServeMux()
	root.HandleFunc("POST /api/v2/access/tokens", e.issueToken)
	root.Handle("/", h)
	return e.rec.Middleware(root)
}

// Account is the emulator's account name.
func (e *Emulator) Account() string { return e.opts.Account }

// AddKey registers another API key.
func (e *Emulator) AddKey(keyID, secret, user string) { e.tokens.addKey(keyID, secret, user) }

// ExpireTokens makes every token issued so far expired.
func (e *Emulator) ExpireTokens() { e.tokens.expireAll() }

// TokensIssued is how many tokens the token endpoint has handed out.
func (e *Emulator) TokensIssued() int { return e.tokens.issued() }

// SetTokenLifetime caps the lifetime of the tokens issued from now on at
// d, whatever expiryTime the client asks for (zero: no cap; the answer's
// expiresAt says when each expires).
func (e *Emulator) SetTokenLifetime(d time.Duration) { e.tokens.setLimit(d) }

// TokensExpired counts the tokens issued whose lifetime has ended.
func (e *Emulator) TokensExpired() int { return e.tokens.expired() }

// Faults returns the fault injector of the API calls.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// ThrottleNext answers the next API call with 429 asking the caller to
// come back after retryAfter (Retry-After, in seconds).
func (e *Emulator) ThrottleNext(retryAfter time.Duration) { e.faults.ThrottleNext(1, retryAfter) }

// SetLatency delays every API answer by d (zero: none).
func (e *Emulator) SetLatency(d time.Duration) { e.faults.SetLatency(d) }

// SetScopeLatency makes every scope call take d (zero: none).
func (e *Emulator) SetScopeLatency(d time.Duration) { e.scopes.setLatency(d) }

// SetPerMinute replaces the per-key budget (negative: none) and forgets
// past counts.
func (e *Emulator) SetPerMinute(n int) {
	if n < 0 {
		e.limiter.SetLimits()
		return
	}
	e.limiter.SetLimits(emukit.Limit{Requests: n, Window: time.Minute})
}

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }
