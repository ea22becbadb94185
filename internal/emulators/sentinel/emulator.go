// Package sentinel emulates the Microsoft Sentinel incidents API (ARM
// Microsoft.SecurityInsights, api-version 2025-09-01) as Microsoft documents
// it: incidents with the etag in the body, comments with client-chosen ids,
// the incident's SecurityAlert entities, incident relations (how an alert
// is related to more than one incident), OData list options with nextLink
// paging, ARM errors and ARM throttling.
//
// Behind the API it keeps what the Log Analytics workspace holds: the
// SecurityAlert mirror and append-only SecurityAlert and SecurityIncident
// histories. Connect wires in a Defender for Cloud source with the
// behaviour Microsoft documents and the seed describes: alerts create
// incidents 1:1, alert status changes touch only the alert, and closing an
// incident resolves its alerts here and in Defender for Cloud.
package sentinel

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

// APIVersion is the only api-version this emulator serves.
const APIVersion = "2025-09-01"

// Audience is the ARM resource tokens must be issued for.
const Audience = arm.Audience

// Budget is an ARM token bucket: Burst tokens, refilled at PerSecond.
type Budget = arm.Budget

// ARM's documented per-principal buckets (since 2024).
var (
	DefaultReadBudget  = arm.DefaultReadBudget
	DefaultWriteBudget = arm.DefaultWriteBudget
)

// Defaults for Options.
const (
	DefaultSubscriptionID = "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0"
	DefaultResourceGroup  = "rg-sentinel"
	DefaultWorkspace      = "law-sentinel"
	DefaultPageSize       = 50
	// MaxTop is the largest $top Incidents_List accepts.
	MaxTop = 1000
)

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Issuer         *entra.Issuer // a private issuer when nil
	ServeTokens    bool          // also answer the Entra token endpoint
	Clock          emukit.Clock  // the real clock when nil
	Logger         *slog.Logger  // slog.Default when nil
	SubscriptionID string        // DefaultSubscriptionID when empty
	ResourceGroup  string        // DefaultResourceGroup when empty
	Workspace      string        // DefaultWorkspace when empty
	PageSize       int           // DefaultPageSize when zero
	ReadBudget     Budget        // DefaultReadBudget when zero
	WriteBudget    Budget        // DefaultWriteBudget when zero
	// DisableIncidentCreation leaves Defender for Cloud alerts without
	// incidents, as when the connector's incident creation rule is off.
	DisableIncidentCreation bool
	Seed                    int64 // seeds incident and comment ids
}

// Emulator is an in-memory Sentinel workspace and its incidents API.
type Emulator struct {
	opts     Options
	log      *slog.Logger
	issuer   *entra.Issuer
	faults   *emukit.Faults
	ledger   *emukit.Ledger
	recorder *emukit.Recorder
	throttle *arm.Throttle
	ticker   *emukit.Ticker
	handler  http.Handler

	mu        sync.Mutex
	rng       *rand.Rand
	incidents map[string]*incident // by lower-cased incident name
	order     []string             // lower-cased names, creation order
	alerts    map[string]*SecurityAlert
	alertRows []SecurityAlertRow
	incRows   []SecurityIncidentRow
	nextNum   int
	etagSeq   uint64
	resolver  func(ctx context.Context, systemAlertID string) error
}

// New returns an empty workspace.
func New(opts Options) *Emulator {
	if opts.Clock == nil {
		opts.Clock = emukit.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Issuer == nil {
		opts.Issuer = entra.NewIssuer(entra.Options{Clock: opts.Clock})
	}
	if opts.SubscriptionID == "" {
		opts.SubscriptionID = DefaultSubscriptionID
	}
	if opts.ResourceGroup == "" {
		opts.ResourceGroup = DefaultResourceGroup
	}
	if opts.Workspace == "" {
		opts.Workspace = DefaultWorkspace
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	e := &Emulator{
		opts:     opts,
		log:      opts.Logger.With("emulator", "sentinel"),
		issuer:   opts.Issuer,
		faults:   emukit.NewFaults(opts.Seed),
		ledger:   emukit.NewLedger(opts.Clock),
		recorder: emukit.NewRecorder(opts.Clock),
		throttle: arm.NewThrottle(opts.Clock, opts.ReadBudget, opts.WriteBudget),
		ticker:   emukit.NewTicker(opts.Clock),
	}
	e.resetState()
	e.handler = e.buildHandler()
	return e
}

func (e *Emulator) resetState() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rng = emukit.NewRand(e.opts.Seed)
	e.incidents = map[string]*incident{}
	e.order = nil
	e.alerts = map[string]*SecurityAlert{}
	e.alertRows = nil
	e.incRows = nil
	e.nextNum = 1
	e.etagSeq = 0
}

// Reset empties the workspace and forgets recorded requests, faults and
// rate budgets. A Connect wiring stays.
func (e *Emulator) Reset() {
	e.resetState()
	e.ticker.Reset()
	e.recorder.Reset()
	e.faults.Reset()
	e.throttle.Reset()
}

// Handler serves the API (and the token endpoint when ServeTokens is set).
func (e *Emulator) Handler() http.Handler { return e.handler }

func (e *Emulator) buildHandler() http.Handler {
	return arm.FrontDoor{
		APIVersion:   APIVersion,
		ResourceType: "incidents",
		PathLiterals: pathLiterals,
		Issuer:       e.issuer,
		ServeTokens:  e.opts.ServeTokens,
		Faults:       e.faults,
		Throttle:     e.throttle,
		Recorder:     e.recorder,
	}.Handler(e.routes())
}

// WorkspaceID is the ARM id of the emulated workspace.
func (e *Emulator) WorkspaceID() string {
	return "/subscriptions/" + e.opts.SubscriptionID + "/resourceGroups/" + e.opts.ResourceGroup +
		"/providers/Microsoft.OperationalInsights/workspaces/" + e.opts.Workspace
}

// BasePath is the URL path incidents live under (without "/incidents").
func (e *Emulator) BasePath() string {
	return e.WorkspaceID() + "/providers/Microsoft.SecurityInsights"
}

// Issuer returns the token issuer the emulator trusts.
func (e *Emulator) Issuer() *entra.Issuer { return e.issuer }

// Faults returns the fault injector.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Ledger returns the record of the client writes applied.
func (e *Emulator) Ledger() *emukit.Ledger { return e.ledger }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.recorder }

// Requests returns every request received, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.recorder.Requests() }

// InsufficientAccessBody is the answer a fresh principal may get before its
// role assignment (Microsoft Sentinel Responder) has propagated; the seed
// saw it on the first run of a Logic App reading the workspace, and an
// immediate rerun worked.
const InsufficientAccessBody = arm.InsufficientAccessBody

// FailFirstInsufficientAccess makes the next n requests answer 403 with
// InsufficientAccessBody; zero switches the fault off.
func (e *Emulator) FailFirstInsufficientAccess(n int) {
	e.faults.FailFirst(n, http.StatusForbidden, []byte(InsufficientAccessBody))
}
