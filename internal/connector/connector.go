// Package connector is the contract between the engine and vendor packages:
// a small required interface, optional capabilities found by type assertion,
// the registry vendor packages join from init(), the config spec that drives
// decoding, validation and redaction, and classified errors.
package connector

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// Connector is what every vendor package provides. Everything else is an
// optional capability.
type Connector interface {
	// Kind is the registry name, e.g. "graph".
	Kind() string
}

// Item is one vendor record fetched from a source. Raw is kept verbatim.
// When the connector cannot map it, Err says why and the engine quarantines
// Raw with that reason instead of dropping it.
type Item struct {
	VendorID string
	Raw      json.RawMessage
	Alert    *model.Alert
	Err      error
}

// Page is one poll's worth of alerts and the cursor to resume from. The
// engine persists Cursor only after every item of the page is stored.
type Page struct {
	Items  []Item
	Cursor string
	More   bool
}

// AlertSource polls a vendor for alerts changed since the cursor.
type AlertSource interface {
	FetchAlerts(ctx context.Context, cursor string) (Page, error)
}

// IncidentItem is one vendor incident with its member alerts' vendor ids.
type IncidentItem struct {
	VendorID string
	Raw      json.RawMessage
	Incident *model.Incident
	Err      error
}

// IncidentPage is IncidentSource's Page.
type IncidentPage struct {
	Items  []IncidentItem
	Cursor string
	More   bool
}

// IncidentSource polls a vendor for incidents.
type IncidentSource interface {
	FetchIncidents(ctx context.Context, cursor string) (IncidentPage, error)
}

// StateChange is one write of state to a remote alert or incident. Reason is
// the human text that says alertsync made the change and why; connectors
// whose state API carries a comment field (MDE, Sentinel) put it there.
type StateChange struct {
	Kind           model.Kind    `json:"kind"`
	VendorID       string        `json:"vendor_id"`
	Status         model.Status  `json:"status"`
	Verdict        model.Verdict `json:"verdict,omitempty"`
	Published      bool          `json:"published,omitempty"`
	Reason         string        `json:"reason,omitempty"`
	IdempotencyKey string        `json:"idempotency_key"`
	// CommentQueued is set when comment sync will post Reason as a separate
	// comment; a connector whose state API itself adds a comment (MDE's
	// PATCH comment field) then leaves it out so it is not posted twice.
	CommentQueued bool `json:"comment_queued,omitempty"`
	// Classification and ClassificationReason, when set, are the target's
	// own vocabulary (e.g. Sentinel's BenignPositive / SuspiciousButExpected)
	// taken from a configurable reconciliation mapping; they override what
	// the connector would derive from Verdict.
	Classification       string `json:"classification,omitempty"`
	ClassificationReason string `json:"classification_reason,omitempty"`
	// Companions are the idempotency keys of queued actions that only make
	// sense if this write changes something (a reconciliation's "why"
	// comment); they are skipped when the target was already in the state.
	Companions []string `json:"companions,omitempty"`
	// Origin is what decided the write: OriginVerdict or OriginReconcile.
	// A reconciliation write still waiting when a person changes the
	// target at its source is dropped, so alertsync never undoes them.
	Origin string `json:"origin,omitempty"`
}

// RemoteState is what a StateSyncer reports it wrote, in the vendor's terms,
// so the engine's echo ledger can recognise the value when it comes back.
type RemoteState struct {
	RemoteStatus string `json:"remote_status"`
	// Unchanged reports that the target already held the requested state
	// (someone else got there first), so nothing was written.
	Unchanged bool `json:"unchanged,omitempty"`
}

// StateSyncer writes state back to the source.
type StateSyncer interface {
	SetState(ctx context.Context, ch StateChange) (RemoteState, error)
}

// BatchStateSyncer writes many state changes in as few vendor calls as the
// vendor's bulk API allows (Defender for Endpoint's batchUpdate, CrowdStrike's
// composite_ids, SentinelOne's filter.ids, Cortex XDR's alert_id_list,
// Kibana's signal_ids). The changes passed together agree in everything
// but VendorID, IdempotencyKey and Companions.
//
// A returned error means no change is known to have been applied: every
// one is retried. Otherwise the result has one ItemResult per change, in
// order; a change whose Err is set failed on its own (the vendor reported
// it per item) and only it is retried, classified by its Err.
type BatchStateSyncer interface {
	StateSyncer
	SetStates(ctx context.Context, changes []StateChange) ([]ItemResult, error)
}

// ItemResult is one change's outcome in a bulk write.
type ItemResult struct {
	State RemoteState
	Err   error
}

// BatchLimit is implemented by bulk connectors whose vendor caps how many
// objects one call carries (Cortex XDR: 100 alert ids); the outbox never
// groups more. Without it the outbox's own claim size is the cap.
type BatchLimit interface {
	MaxBatch() int
}

// CommentAction is one comment to add to a remote alert or incident. The
// IdempotencyKey is stable across retries; vendors with client-chosen comment
// ids derive the id from it.
type CommentAction struct {
	Kind           model.Kind `json:"kind"`
	VendorID       string     `json:"vendor_id"`
	Body           string     `json:"body"`
	IdempotencyKey string     `json:"idempotency_key"`
	// Origin says what caused the comment: OriginAnalyst, OriginVerdict,
	// OriginValidation or OriginReconcile. The engine merges and
	// supersedes queued comments by it; analysts' comments never.
	Origin string `json:"origin,omitempty"`
}

// Comment origins.
const (
	OriginAnalyst    = "analyst"
	OriginVerdict    = "verdict"
	OriginValidation = "validation"
	OriginReconcile  = "reconcile"
)

// Commenter adds comments to the source.
type Commenter interface {
	AddComment(ctx context.Context, c CommentAction) error
}

// CommentLimits are a vendor's documented limits on comments: how many
// one object may hold and how long one may be, in characters. Zero means
// the vendor documents no limit.
type CommentLimits struct {
	MaxPerObject int `json:"max_per_object,omitempty"`
	MaxChars     int `json:"max_chars,omitempty"`
}

// CommentLimiter is implemented by connectors whose vendor documents
// comment limits; the engine keeps automatic comments within them, with
// room left for people, and truncates text it writes to fit.
type CommentLimiter interface {
	CommentLimits(kind model.Kind) CommentLimits
}

// HealthChecker reports whether the integration can reach its vendor.
type HealthChecker interface {
	Health(ctx context.Context) error
}

// WebhookReceiver accepts pushed alerts. It authenticates the request itself
// (each vendor signs or keys pushes its own way) and returns mapped items.
type WebhookReceiver interface {
	Receive(ctx context.Context, r *http.Request) ([]Item, error)
}

// Capabilities lists which optional interfaces c implements, for the API and
// UI capability table.
type Capabilities struct {
	Ingest    bool `json:"ingest"`
	Incidents bool `json:"incidents"`
	StateSync bool `json:"state_sync"`
	Comments  bool `json:"comment_sync"`
	Health    bool `json:"health_check"`
	Webhook   bool `json:"webhook"`
	// Evidence: the integration reads audit records (EvidenceSource).
	Evidence bool `json:"evidence"`
	// Push: the integration takes events pushed to its intake.
	Push bool `json:"push"`
	// OutcomeCheck: before sending again a write whose answer was lost,
	// the integration asks the vendor whether it landed (StateChecker,
	// CommentChecker).
	OutcomeCheck bool `json:"outcome_check"`
}

// CapabilitiesOf inspects c by type assertion.
func CapabilitiesOf(c Connector) Capabilities {
	_, ingest := c.(AlertSource)
	_, inc := c.(IncidentSource)
	_, st := c.(StateSyncer)
	_, cm := c.(Commenter)
	_, h := c.(HealthChecker)
	_, wh := c.(WebhookReceiver)
	_, ev := c.(EvidenceSource)
	_, push := c.(EventPusher)
	_, sc := c.(StateChecker)
	_, cc := c.(CommentChecker)
	return Capabilities{Ingest: ingest, Incidents: inc, StateSync: st, Comments: cm, Health: h, Webhook: wh, Evidence: ev, Push: push,
		OutcomeCheck: sc || cc}
}

// Deps are what the app hands a connector when it builds one.
type Deps struct {
	ID string
	// Tenant is the hub tenant the integration belongs to; it names the
	// integration in metrics beside ID.
	Tenant string
	Logger *slog.Logger
	HTTP   *http.Client
	Now    func() time.Time
}

// TokenReporter is a connector whose vendor credential expires (an OAuth2
// or vendor token it renews): TokenExpiry is when the one it holds now
// does, false while it holds none. Integration health shows it.
type TokenReporter interface {
	TokenExpiry() (time.Time, bool)
}
