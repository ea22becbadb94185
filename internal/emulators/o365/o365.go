// Package o365 emulates the Office 365 Management Activity API (the
// unified audit log feed, paths under /api/v1.0/{tenant}/activity/feed/)
// as Microsoft documents it: subscriptions per content type, content
// listing by when each blob became available with the 24-hour and 7-day
// rules and NextPageUri paging, content blobs of audit records that
// expire after 7 days, the AF error codes, and throttling answered as
// HTTP 403 AF429. Audit records about the shared world's users are made
// as the emulator's clock moves, batched into blobs per content type, and
// listed only after a publish delay, as the real service's are.
package o365

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

// Audience is the resource Management Activity API tokens are issued for.
const Audience = "https://manage.office.com"

// Identities registered on the emulator's own issuer when Options.Issuer
// is nil. The secret is the emulator's only: nothing real accepts it.
const (
	DefaultTenantID     = "41463f53-8812-40f4-890f-865bf6e35190"
	DefaultClientID     = "6f1c2e4a-93b7-4d1e-a8c5-0e2f7b9d4c31"
	DefaultClientSecret = "o365-emulator-secret"
	DefaultAppName      = "alertsync"
)

// The documented content types.
const (
	AzureActiveDirectory = "Audit.AzureActiveDirectory"
	Exchange             = "Audit.Exchange"
	SharePoint           = "Audit.SharePoint"
	General              = "Audit.General"
	DLP                  = "DLP.All"
)

// ContentTypes lists every content type the API documents.
var ContentTypes = []string{AzureActiveDirectory, Exchange, SharePoint, General, DLP}

// Defaults of Options.
const (
	// DefaultPublishDelay keeps a demo lively; the real service takes
	// 60 to 90 minutes for the core workloads.
	DefaultPublishDelay = 3 * time.Second
	DefaultPageSize     = 100
	DefaultBlobSize     = 50
	// Retention is how long content stays retrievable (contentExpiration).
	Retention = 7 * 24 * time.Hour
)

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Clock  emukit.Clock
	Logger *slog.Logger
	// Issuer is a shared login endpoint. When nil the emulator makes its
	// own, registers the Default* client, and its Handler also serves the
	// token endpoint.
	Issuer   *entra.Issuer
	TenantID string // the one tenant served; DefaultTenantID when empty
	// BaseURL is put in contentUri and NextPageUri; from each request
	// (with the prefix the emulator is mounted under) when empty.
	BaseURL string
	Seed    int64
	// World is the organisation records are about; one drawn from Seed
	// when nil.
	World *emukit.World
	// PageSize is how many blobs one content listing answers before
	// NextPageUri; BlobSize how many records a blob holds at most.
	PageSize int
	BlobSize int
	// PublishDelay is how long after its contentCreated a blob becomes
	// listable: DefaultPublishDelay when zero, at once when negative.
	PublishDelay time.Duration
	// Rate is how many records a second the tenant's users make as the
	// clock moves (made when the emulator is next asked, or by Run);
	// zero makes records only when told to (Generate, Publish).
	Rate float64
	// Limits are the request budgets per tenant and PublisherIdentifier
	// pool (2,000 a minute when nil).
	Limits []emukit.Limit
	// Subscribed are content types a tenant admin subscribed before the
	// emulator started, as an earlier install of the reader would have.
	Subscribed []string
}

// Emulator is an in-memory Management Activity API of one tenant.
type Emulator struct {
	opts   Options
	clock  emukit.Clock
	log    *slog.Logger
	issuer *entra.Issuer
	faults *emukit.Faults
	limit  *emukit.RateLimiter
	rec    *emukit.Recorder
	world  *emukit.World

	mu      sync.Mutex
	rng     *rand.Rand
	subs    map[string]*subscription // by content type
	blobs   []*blob                  // in the order they were made
	byID    map[string]*blob         // by contentId
	seq     int
	lastGen time.Time // when Rate last made records
}

// New returns an emulator with no content yet.
func New(opts Options) *Emulator {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.Limits == nil {
		opts.Limits = []emukit.Limit{{Requests: 2000, Window: time.Minute}}
	}
	opts.PageSize = positive(opts.PageSize, DefaultPageSize)
	opts.BlobSize = positive(opts.BlobSize, DefaultBlobSize)
	if opts.PublishDelay == 0 {
		opts.PublishDelay = DefaultPublishDelay
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
		opts: opts, clock: clock, log: log.With("emulator", "o365"), issuer: opts.Issuer,
		faults: emukit.NewFaults(opts.Seed), limit: emukit.NewRateLimiter(clock, opts.Limits...),
		rec: emukit.NewRecorder(clock), world: world, rng: emukit.NewRand(opts.Seed),
		subs: map[string]*subscription{}, byID: map[string]*blob{}, lastGen: clock.Now(),
	}
	if e.issuer == nil {
		e.issuer = entra.NewIssuer(entra.Options{Clock: clock})
		e.issuer.RegisterClient(entra.Client{Tenant: opts.TenantID, ID: DefaultClientID, Secret: DefaultClientSecret,
			DisplayName: DefaultAppName, Audiences: []string{Audience}})
	}
	e.Subscribe(opts.Subscribed...)
	return e
}

func positive(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Handler serves the API under both the /api/v1.0/ root Microsoft
// documents and the /api/v1/ form its NextPageUri links use (and the
// token endpoint when the issuer is the emulator's own), behind
// recording, faults, bearer tokens and the per-tenant budget.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	root := "/api/{version}/{tenant}/activity/feed/"
	mux.HandleFunc("POST "+root+"subscriptions/start", e.api(e.start))
	mux.HandleFunc("POST "+root+"subscriptions/stop", e.api(e.stop))
	mux.HandleFunc("GET "+root+"subscriptions/list", e.api(e.list))
	mux.HandleFunc("GET "+root+"subscriptions/content", e.api(e.content))
	mux.HandleFunc("GET "+root+"audit/{contentId}", e.api(e.blob))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		emukit.WriteJSON(w, http.StatusNotFound, map[string]string{"Message": "No HTTP resource was found that matches the request URI."})
	})
	ew := errorWriter{e}
	return emukit.Stack{
		Issuer: e.issuer, Audience: Audience, ServeTokens: e.opts.Issuer == nil,
		Faults: e.faults, Recorder: e.rec, Errors: ew,
	}.Handler(e.limit.Middleware(poolKey, ew)(mux))
}

// Issuer returns the token issuer the emulator trusts.
func (e *Emulator) Issuer() *entra.Issuer { return e.issuer }

// Faults returns the fault injector.
func (e *Emulator) Faults() *emukit.Faults { return e.faults }

// Limiter returns the per-tenant, per-publisher budget.
func (e *Emulator) Limiter() *emukit.RateLimiter { return e.limit }

// Recorder returns the request recorder.
func (e *Emulator) Recorder() *emukit.Recorder { return e.rec }

// Requests returns every request received so far, oldest first.
func (e *Emulator) Requests() []emukit.Request { return e.rec.Requests() }

// TenantID is the tenant the emulator serves.
func (e *Emulator) TenantID() string { return e.opts.TenantID }

// Throttle makes the next n requests answer 403 AF429, as the service
// throttles; retryAfter, when positive, also goes in a Retry-After header.
func (e *Emulator) Throttle(n int, retryAfter time.Duration) { e.faults.ThrottleNext(n, retryAfter) }
