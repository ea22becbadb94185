// Package defendercloud emulates the Microsoft Defender for Cloud alerts API
// (ARM Microsoft.Security/alerts, api-version 2022-01-01) as Microsoft
// documents it: subscription, resource-group and region scoped lists paged
// with nextLink, the four state actions, the alert simulator (sample
// alerts by bundle), ARM errors and ARM throttling. It has no comment API
// because Defender for Cloud has none.
//
// Every alert creation and status change is also handed to hooks, the way
// the Defender for Cloud data connector streams alerts into a Sentinel
// workspace; the sentinel emulator subscribes through sentinel.Connect.
package defendercloud

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

// APIVersion is the only api-version this emulator serves.
const APIVersion = "2022-01-01"

// Audience is the ARM resource tokens must be issued for.
const Audience = arm.Audience

// Budget is an ARM token bucket: Burst tokens, refilled at PerSecond.
type Budget = arm.Budget

// ARM's documented per-principal buckets (since 2024).
var (
	DefaultReadBudget  = arm.DefaultReadBudget
	DefaultWriteBudget = arm.DefaultWriteBudget
)

// DefaultPageSize is how many alerts a list page holds when Options.PageSize
// is zero. Microsoft does not document the page size.
const DefaultPageSize = 50

// InsufficientAccessBody is the answer a fresh principal gets before its
// role assignment has propagated, byte for byte as the seed reports it.
const InsufficientAccessBody = arm.InsufficientAccessBody

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Issuer      *entra.Issuer // a private issuer when nil
	ServeTokens bool          // also answer the Entra token endpoint
	Clock       emukit.Clock  // the real clock when nil
	Logger      *slog.Logger  // slog.Default when nil
	PageSize    int           // DefaultPageSize when zero
	ReadBudget  Budget        // DefaultReadBudget when zero
	WriteBudget Budget        // DefaultWriteBudget when zero
	// SeedAlerts is how many generated alerts New and Reset create
	// (GenerateAlerts with Seed); zero starts empty.
	SeedAlerts int
	Seed       int64
}

// Emulator is an in-memory Defender for Cloud alerts API.
type Emulator struct {
	opts     Options
	clock    emukit.Clock
	log      *slog.Logger
	issuer   *entra.Issuer
	faults   *emukit.Faults
	ledger   *emukit.Ledger
	recorder *emukit.Recorder
	throttle *arm.Throttle
	handler  http.Handler
	names    nameSource

	mu     sync.Mutex
	alerts map[string]*stored // by lower-cased alert name
	order  []string           // lower-cased names, creation order
	ops    map[string]bool    // accepted simulations, by operation id
	opSeq  int

	hookMu sync.Mutex // serialises hook delivery so changes arrive in order
	hooks  []func(alertJSON []byte)
}

// stored is an alert with the scope it lives in.
type stored struct {
	sub, rg, loc string
	alert        Alert
}

// New returns an emulator, seeded when opts.SeedAlerts > 0.
func New(opts Options) *Emulator {
	if opts.Clock == nil {
		opts.Clock = emukit.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.Issuer == nil {
		opts.Issuer = entra.NewIssuer(entra.Options{Clock: opts.Clock})
	}
	e := &Emulator{
		opts:     opts,
		clock:    opts.Clock,
		log:      opts.Logger.With("emulator", "defendercloud"),
		issuer:   opts.Issuer,
		faults:   emukit.NewFaults(opts.Seed),
		ledger:   emukit.NewLedger(opts.Clock),
		recorder: emukit.NewRecorder(opts.Clock),
		throttle: arm.NewThrottle(opts.Clock, opts.ReadBudget, opts.WriteBudget),
		alerts:   map[string]*stored{},
		ops:      map[string]bool{},
		names:    nameSource{seed: opts.Seed},
	}
	e.handler = e.buildHandler()
	e.seed()
	return e
}

// Handler serves the API (and the token endpoint when ServeTokens is set).
func (e *Emulator) Handler() http.Handler { return e.handler }

func (e *Emulator) buildHandler() http.Handler {
	return arm.FrontDoor{
		APIVersion:   APIVersion,
		ResourceType: "alerts",
		PathLiterals: pathLiterals,
		Issuer:       e.issuer,
		ServeTokens:  e.opts.ServeTokens,
		Faults:       e.faults,
		Throttle:     e.throttle,
		Recorder:     e.recorder,
	}.Handler(e.routes())
}

// OnAlertChange registers fn to receive the ARM JSON of an alert each time
// one is created or its status changes. Hooks run synchronously after the
// change, outside the emulator's lock and one at a time, so they may call
// read methods; a hook must not change Defender for Cloud state itself.
func (e *Emulator) OnAlertChange(fn func(alertJSON []byte)) {
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	e.hooks = append(e.hooks, fn)
}

// deliver hands a to every hook. The caller holds hookMu.
func (e *Emulator) deliver(a Alert) {
	b, err := json.Marshal(a)
	if err != nil {
		e.log.Error("marshal alert for hook", "err", err)
		return
	}
	for _, fn := range e.hooks {
		fn(b)
	}
}

// Reset drops every alert, recorded request, fault and rate budget, then
// seeds again (delivering the seeded alerts to hooks). Hooks stay.
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.alerts = map[string]*stored{}
	e.order = nil
	e.ops = map[string]bool{}
	e.opSeq = 0
	e.mu.Unlock()
	e.recorder.Reset()
	e.faults.Reset()
	e.throttle.Reset()
	e.names.mu.Lock()
	e.names.n = 0
	e.names.mu.Unlock()
	e.seed()
}

func (e *Emulator) seed() {
	if e.opts.SeedAlerts <= 0 {
		return
	}
	for _, s := range GenerateAlerts(e.opts.Seed, e.opts.SeedAlerts, e.clock.Now().Add(-24*time.Hour)) {
		if _, err := e.CreateAlert(s); err != nil {
			e.log.Error("seed alert", "err", err)
		}
	}
}

// Issuer returns the token issuer the emulator trusts.
func (e *Emulator) Issuer() *entra.Issuer { return e.issuer }

// Faults returns the fault injector, for 5xx, latency and throttle tests.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// Requests returns every request received, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.recorder.Requests() }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.recorder }

// FailFirstInsufficientAccess makes the next n requests answer 403 with
// InsufficientAccessBody; zero switches the fault off.
func (e *Emulator) FailFirstInsufficientAccess(n int) {
	e.faults.FailFirst(n, http.StatusForbidden, []byte(InsufficientAccessBody))
}
