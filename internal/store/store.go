// Package store declares what alertsync persists and how it is queried. It
// holds interfaces and parameter structs only; the SQLite and PostgreSQL
// packages implement them and pass the one suite in storetest.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// ErrNotFound is returned when a lookup matches nothing.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned, wrapped, when a write breaks a uniqueness rule
// (an alert or vendor incident that already exists, a revision seq already
// taken), when the row changed since it was read (an update whose
// revision is no longer the one it was based on), or when the server
// aborted the transaction as the loser of a race (a deadlock). Callers
// retry the whole transaction, which then reads the newer row.
var ErrConflict = errors.New("conflict")

// ErrSuperseded is the ErrConflict of a retry of a dead outbox item that
// a later applied action on the same remote object has made stale:
// sending it would undo that action, so no retry of the transaction can
// succeed. It wraps ErrConflict.
var ErrSuperseded = fmt.Errorf("%w: a later action on the same remote object was already applied", ErrConflict)

// DefaultTenant is the tenant of a single-organisation install: a
// database from before tenants existed migrates into it, and a
// configuration that names no tenant lives in it.
const DefaultTenant = model.DefaultTenant

// Store is a database. It holds the data of every tenant, and reaches a
// tenant's data only through Scope: no read or write of alerts,
// incidents, integrations, outbox actions, playbooks or anything else a
// tenant owns can be written without naming the tenant. What is left at
// this level is the hub's own cross-tenant work (outbox claims and their
// outcomes by id, leases) and the tenants themselves.
type Store interface {
	// Scope returns the store as one tenant sees it: every query it runs
	// is bound to the tenant (and, on PostgreSQL, every transaction runs
	// under row-level security keyed by it).
	Scope(tenant string) Scoped
	Outbox
	Leases
	Tenants
	// Migrate applies embedded migrations not yet applied.
	Migrate(ctx context.Context) error
	// Driver names the implementation: "sqlite" or "postgres".
	Driver() string
	Close() error
}

// Scoped is one tenant's data. Reads may run anywhere; every change runs
// inside WithTx so that a change and the outbox entries it causes commit
// together.
type Scoped interface {
	Reader
	// Tenant names the tenant every query of this scope is bound to.
	Tenant() string
	// WithTx runs fn in one write transaction, committing when fn returns nil.
	WithTx(ctx context.Context, fn func(tx Tx) error) error
	ConsoleSessions
	// Purge deletes up to batch of the tenant's rows (children before
	// parents) in one transaction and reports how many it deleted; 0
	// means the tenant holds nothing any more. Deleting a large tenant
	// so never holds one long transaction.
	Purge(ctx context.Context, batch int) (int, error)
}

// Reader is every read query.
type Reader interface {
	AlertGet(ctx context.Context, id int64) (model.Alert, error)
	AlertGetByVendor(ctx context.Context, integration, vendorID string) (model.Alert, error)
	AlertList(ctx context.Context, p AlertListParams) ([]model.Alert, error)
	// AlertRefsByEntity lists the open alerts naming an entity value, in
	// id order, with only what correlation decides on: the cheap first
	// step of a validation pass, which reads whole alerts only for those
	// it changes.
	AlertRefsByEntity(ctx context.Context, p AlertRefParams) ([]AlertRef, error)
	// AlertGetMany returns the stored alerts among ids, in id order.
	AlertGetMany(ctx context.Context, ids []int64) ([]model.Alert, error)
	IncidentGet(ctx context.Context, id int64) (model.Incident, error)
	IncidentGetByVendor(ctx context.Context, integration, vendorID string) (model.Incident, error)
	IncidentList(ctx context.Context, p IncidentListParams) ([]model.Incident, error)
	RevisionList(ctx context.Context, p RevisionListParams) ([]model.Revision, error)
	CommentList(ctx context.Context, kind model.Kind, objectID int64) ([]model.Comment, error)
	QuarantineList(ctx context.Context, p QuarantineListParams) ([]QuarantineEntry, error)
	IntegrationList(ctx context.Context) ([]Integration, error)
	IntegrationGet(ctx context.Context, id string) (Integration, error)
	CursorGet(ctx context.Context, integration, stream string) (string, error)
	ValidationDue(ctx context.Context, now time.Time, limit int) ([]Validation, error)
	ValidationGet(ctx context.Context, alertID int64) (Validation, error)
	// ValidationActive counts an integration's alerts under validation,
	// stopping at upTo (a cap only needs to know whether it is reached).
	ValidationActive(ctx context.Context, integration string, upTo int) (int, error)
	LedgerList(ctx context.Context, integration string, kind model.Kind, vendorID string) ([]LedgerEntry, error)
	OutboxGet(ctx context.Context, id int64) (OutboxItem, error)
	OutboxList(ctx context.Context, p OutboxListParams) ([]OutboxItem, error)
	OutboxCounts(ctx context.Context) (map[OutboxState]int, error)
	// OutboxBusyObjects returns those of p.ObjectRefs that have an item
	// of p.Action pending or leased at p.Integration, in no set order:
	// which of an incident's alerts still have a write on its way.
	OutboxBusyObjects(ctx context.Context, p OutboxBusyParams) ([]string, error)
	// MembershipList lists the memberships of one alert (AlertID set) or
	// of one incident.
	MembershipList(ctx context.Context, p MembershipListParams) ([]model.Membership, error)
	// EvidenceList lists audit-log records, oldest first: those naming
	// any of Values (users, IPs) within [From, To) when Values is set,
	// else an integration's, in id order after AfterID.
	EvidenceList(ctx context.Context, p EvidenceListParams) ([]model.Evidence, error)
	// EvidenceCounts says how many records an integration stored and how
	// many of them name a user or IP that some alert names.
	EvidenceCounts(ctx context.Context, integration string) (EvidenceCounts, error)
	Playbooks
}

// EvidenceListParams select EvidenceList's records.
type EvidenceListParams struct {
	Integration string
	// Values are entity values (users, IPs) as model.Entities holds them.
	Values []string
	// From and To bound OccurredAt when Values is set; zero means open.
	From, To time.Time
	AfterID  int64
	Limit    int
}

// EvidenceCounts are an evidence source's totals.
type EvidenceCounts struct {
	Stored int `json:"stored"`
	Linked int `json:"linked"`
}

// MembershipListParams names the alert or the incident whose memberships
// MembershipList returns.
type MembershipListParams struct {
	AlertID    int64
	IncidentID int64
}

// WriteStats is what durability has cost a store so far: committed write
// transactions and the rows their statements inserted, updated or
// deleted (claims count the rows they lease); and, where the store's own
// process keeps the files (SQLite), the fsyncs it made and the bytes of
// write-ahead log it wrote. A server's (PostgreSQL's) are the server's:
// the bench reads them from it.
type WriteStats struct {
	Commits  int64 `json:"commits"`
	Rows     int64 `json:"rows"`
	Syncs    int64 `json:"syncs"`
	LogBytes int64 `json:"log_bytes"`
}

// WriteStatser is a store that counts its writes (both do); the bench
// reports them per unit of work.
type WriteStatser interface {
	WriteStats() WriteStats
}

// Tx is a write transaction of one tenant. It can also read, seeing its
// own writes.
type Tx interface {
	Reader
	// Tenant names the transaction's tenant.
	Tenant() string
	// OnCommit runs fn after the transaction commits, and never if it
	// does not: work that must see the committed rows (handing a leased
	// outbox item to the local worker) waits for it.
	OnCommit(fn func())
	// AlertsByVendor returns the stored alerts among vendorIDs, keyed by
	// vendor id, in one query: ingest looks up a whole page at once.
	AlertsByVendor(ctx context.Context, integration string, vendorIDs []string) (map[string]model.Alert, error)
	// AlertsBySameAs returns the alerts whose SameAs is one of keys,
	// grouped by it, in id order.
	AlertsBySameAs(ctx context.Context, keys []string) (map[string][]model.Alert, error)
	// AlertInsert stores a new alert and sets a.ID.
	AlertInsert(ctx context.Context, a *model.Alert) error
	// AlertInsertBatch stores new alerts and sets each ID, in as few
	// statements as the engine allows. Vendor ids must be unique within
	// the batch.
	AlertInsertBatch(ctx context.Context, alerts []*model.Alert) error
	// AlertUpdate overwrites the alert with a.ID. a.Revision is either the
	// revision read (a refresh that records no revision) or one more (a
	// change whose revision is appended in the same transaction); if the
	// stored row has moved on since, it returns ErrConflict.
	AlertUpdate(ctx context.Context, a model.Alert) error
	// AlertRemoteStatusBatch records the status a vendor now holds for
	// many alerts at once (write-back confirmations). Each change's
	// Revision is the alert's new revision, one above the stored one; if
	// any row has moved on, it returns ErrConflict and the caller's
	// transaction must not commit.
	AlertRemoteStatusBatch(ctx context.Context, changes []RemoteStatusChange) error
	// AlertIncidentBatch records the incident many alerts were grouped
	// into, under the same revision guard as AlertRemoteStatusBatch.
	AlertIncidentBatch(ctx context.Context, changes []IncidentChange) error
	// IncidentInsert stores a new incident and sets in.ID. AlertIDs are
	// derived from memberships and are not written here.
	IncidentInsert(ctx context.Context, in *model.Incident) error
	// IncidentUpdate is AlertUpdate for incidents.
	IncidentUpdate(ctx context.Context, in model.Incident) error
	// RevisionAppend appends one revision; (kind, object_id, seq) is unique.
	RevisionAppend(ctx context.Context, r model.Revision) error
	// RevisionAppendBatch appends many revisions at once.
	RevisionAppendBatch(ctx context.Context, rs []model.Revision) error
	// CommentAdd stores a comment and sets its ID. A comment with a
	// RequestKey already used on the same object is ErrConflict.
	CommentAdd(ctx context.Context, c *model.Comment) error
	// CommentByRequestKey returns the comment stored on an object under
	// a client's request key, or ErrNotFound.
	CommentByRequestKey(ctx context.Context, kind model.Kind, objectID int64, key string) (model.Comment, error)
	// EvidenceInsertBatch stores new audit-log records and sets their
	// IDs. A record whose (integration, vendor id) is stored already is
	// skipped and keeps ID 0; it returns how many were new.
	EvidenceInsertBatch(ctx context.Context, ev []*model.Evidence) (int, error)
	// OutboxEnqueue adds an action. An item whose Key already exists is not
	// added again and the existing id is returned with inserted=false.
	OutboxEnqueue(ctx context.Context, p OutboxEnqueueParams) (id int64, inserted bool, err error)
	// OutboxEnqueueBatch is OutboxEnqueue for many actions: ids[i] and
	// inserted[i] answer ps[i]. Of two actions with one key, the first
	// is added and the second gets its id, not inserted.
	OutboxEnqueueBatch(ctx context.Context, ps []OutboxEnqueueParams) (ids []int64, inserted []bool, err error)
	QuarantineAdd(ctx context.Context, q QuarantineEntry) error
	CursorSet(ctx context.Context, integration, stream, cursor string, now time.Time) error
	IntegrationUpsert(ctx context.Context, in Integration) error
	ValidationUpsert(ctx context.Context, v Validation) error
	// ValidationUpsertBatch creates or replaces many schedules at once.
	ValidationUpsertBatch(ctx context.Context, vs []Validation) error
	LedgerAdd(ctx context.Context, e LedgerEntry) error
	// OutboxComplete is Store.OutboxFinish inside this transaction, so
	// an outcome commits with the records of what was delivered.
	OutboxComplete(ctx context.Context, owner string, results []OutboxResult) error
	// LedgerAddBatch adds many entries at once.
	LedgerAddBatch(ctx context.Context, es []LedgerEntry) error
	LedgerDelete(ctx context.Context, id int64) error
	// OutboxRetry moves a dead item back to pending, due at now. It is
	// ErrNotFound unless the item is dead, and ErrSuperseded when a later
	// action on the same remote object has already been applied.
	OutboxRetry(ctx context.Context, id int64, now time.Time) error
	// OutboxSkip marks the pending item with key as skipped, with reason
	// kept as its last error. A key that is not pending is left alone.
	OutboxSkip(ctx context.Context, key, reason string, now time.Time) error
	// LedgerPrune removes entries written before cutoff.
	LedgerPrune(ctx context.Context, cutoff time.Time) error
	// OutboxObjectPending lists the pending (not yet leased) items on one
	// remote object, oldest first, so a newer action can supersede or
	// merge with them before they are sent.
	OutboxObjectPending(ctx context.Context, integration, objectRef string) ([]OutboxItem, error)
	// OutboxObjectBusy reports whether one remote object has an item
	// pending or leased: a new item on it must wait its turn.
	OutboxObjectBusy(ctx context.Context, integration, objectRef string) (bool, error)
	// OutboxObjectCount counts items of one action and priority on a
	// remote object that were or will be sent (not skipped, not dead).
	OutboxObjectCount(ctx context.Context, p OutboxObjectCountParams) (int, error)
	// MembershipAdd records that an alert belongs to an incident and
	// reports whether it is new; an existing one keeps its source and time.
	MembershipAdd(ctx context.Context, m model.Membership) (bool, error)
	// MembershipAddBatch is MembershipAdd for many; existing ones are left
	// as they are.
	MembershipAddBatch(ctx context.Context, ms []model.Membership) error
	// MembershipRemove ends a membership and reports whether there was one.
	MembershipRemove(ctx context.Context, incidentID, alertID int64) (bool, error)
	// MembershipLock holds, until commit, the lock on linking the alerts
	// of integration to incidents: a transaction storing new alerts of it
	// and one storing incidents that name them take it, so the second
	// finds what the first committed instead of each missing the other.
	// Take it before any other write. SQLite's single writer needs none.
	// The engine also names other links this way (twins).
	MembershipLock(ctx context.Context, integration string) error
	PlaybookTx
	LeaseTx
}

// Outbox is the durable work queue, used by workers outside any caller
// transaction. Each call is its own transaction.
type Outbox interface {
	// OutboxClaim leases up to Limit due items, at most one per remote
	// object (integration, object_ref) and only the oldest unfinished one
	// of each, so actions on one remote object apply in order.
	OutboxClaim(ctx context.Context, p OutboxClaimParams) ([]OutboxItem, error)
	// OutboxFinish records the outcome of claimed items in one transaction.
	// A result is ignored if the item's lease is no longer held by Owner.
	OutboxFinish(ctx context.Context, owner string, results []OutboxResult) error
	// OutboxRenew extends to until the leases owner still holds among
	// refs, and returns those it extended, in no set order: a worker keeps
	// short leases alive while it holds the items, so a dead worker's
	// items are rescued within one lease, not held for the longest
	// delivery, and a worker that was cut off longer than a lease learns
	// which of its items another worker took.
	OutboxRenew(ctx context.Context, owner string, refs []OutboxRef, until time.Time) ([]OutboxRef, error)
	// OutboxLanes lists the tenants' integrations that have unfinished
	// items; a worker delivers each one's work on a lane of its own.
	OutboxLanes(ctx context.Context) ([]Lane, error)
	// OutboxExpedite makes a lane's pending items that wait out a retry
	// backoff (their last error starts with ErrorPrefix) due at Now, and
	// returns how many: the vendor answers again, so what failed while
	// it did not need not wait minutes more.
	OutboxExpedite(ctx context.Context, p OutboxExpediteParams) (int, error)
}

// OutboxExpediteParams names the lane OutboxExpedite brings forward and
// which waiting items it takes.
type OutboxExpediteParams struct {
	Lane        Lane
	Now         time.Time
	ErrorPrefix string
}

// Lane is one tenant's integration, the unit outbox work is delivered in.
type Lane struct {
	Tenant      string
	Integration string
}

// String is the lane's name in logs and metrics: tenant/integration, or
// the integration alone in the default tenant.
func (l Lane) String() string {
	if l.Tenant == DefaultTenant || l.Tenant == "" {
		return l.Integration
	}
	return l.Tenant + "/" + l.Integration
}

// AlertListParams filters AlertList. Results are ordered by id ascending
// and start after AfterID (keyset paging). Limit 0 means 100.
type AlertListParams struct {
	Integration string
	Status      model.Status
	Verdict     model.Verdict
	Severity    model.Severity
	IncidentID  int64
	Entity      string
	Open        bool
	// SeenFrom and SeenTo bound FirstSeenAt, when alertsync first stored
	// the alert, to [SeenFrom, SeenTo); zero means open. Ids grow with
	// that time, so the store turns the bounds into an id range and a
	// page stays a bounded walk however far back the window lies; an
	// alert stored within a replica clock skew of a bound may fall on
	// the other side of it.
	SeenFrom, SeenTo time.Time
	AfterID          int64
	Limit            int
}

// AlertRefParams select AlertRefsByEntity's alerts.
type AlertRefParams struct {
	Entity string
	Limit  int
}

// AlertRef is an alert as correlation first sees it.
type AlertRef struct {
	ID         int64
	IncidentID int64
	Verdict    model.Verdict
}

// IncidentListParams filters IncidentList, paged like AlertListParams.
type IncidentListParams struct {
	Integration string
	Status      model.Status
	Verdict     model.Verdict
	Severity    model.Severity
	Open        bool
	// CreatedFrom and CreatedTo bound CreatedAt to [CreatedFrom,
	// CreatedTo); zero means open.
	CreatedFrom, CreatedTo time.Time
	// RemoteAlert selects incidents whose remote member list names this
	// vendor alert id, so an alert that arrives after its incident can be
	// linked.
	RemoteAlert string
	AfterID     int64
	Limit       int
}

// RevisionListParams selects the history of one object, oldest first.
type RevisionListParams struct {
	Kind     model.Kind
	ObjectID int64
	AfterSeq int64
	Limit    int
}

// QuarantineEntry is a vendor payload that could not be mapped, kept with
// the reason so nothing is lost.
type QuarantineEntry struct {
	ID          int64           `json:"id"`
	Integration string          `json:"integration"`
	VendorID    string          `json:"vendor_id,omitempty"`
	Reason      string          `json:"reason"`
	Payload     json.RawMessage `json:"payload"`
	At          time.Time       `json:"at"`
}

// QuarantineListParams pages QuarantineList.
type QuarantineListParams struct {
	Integration string
	AfterID     int64
	Limit       int
}

// Integration is a configured connector instance. Secrets holds the secret
// settings encrypted (the store never sees plain secrets).
type Integration struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	Enabled   bool            `json:"enabled"`
	Settings  json.RawMessage `json:"settings"`
	Secrets   []byte          `json:"-"`
	Policy    json.RawMessage `json:"policy"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// Validation is the correlation-pass schedule of one alert under validation.
type Validation struct {
	AlertID    int64     `json:"alert_id"`
	StartedAt  time.Time `json:"started_at"`
	NextPassAt time.Time `json:"next_pass_at"`
	EndsAt     time.Time `json:"ends_at"`
	Passes     int       `json:"passes"`
	Done       bool      `json:"done"`
	// Found is how many related alerts the validation had found when it
	// last commented on the source.
	Found int `json:"found"`
}

// LedgerEntry remembers one value alertsync wrote to a remote object, so
// that seeing the same value on the next poll is known to be our own echo.
// IncidentChange is one alert grouped into an incident.
type IncidentChange struct {
	ID         int64
	IncidentID int64
	Revision   int64
	At         time.Time
}

// RemoteStatusChange is one alert's remote status as written back.
type RemoteStatusChange struct {
	ID           int64
	Revision     int64
	RemoteStatus string
	At           time.Time
}

type LedgerEntry struct {
	ID           int64      `json:"id"`
	Integration  string     `json:"integration"`
	Kind         model.Kind `json:"kind"`
	VendorID     string     `json:"vendor_id"`
	RemoteStatus string     `json:"remote_status"`
	At           time.Time  `json:"at"`
}

// OutboxState is the lifecycle of an outbox item.
type OutboxState string

// Outbox states.
const (
	OutboxPending OutboxState = "pending"
	OutboxLeased  OutboxState = "leased"
	OutboxDone    OutboxState = "done"
	OutboxDead    OutboxState = "dead"
	// OutboxSkipped marks an action that became pointless before it ran,
	// such as the comment explaining a write that turned out unneeded.
	OutboxSkipped OutboxState = "skipped"
)

// OutboxItem is one durable outbound action.
type OutboxItem struct {
	ID            int64           `json:"id"`
	Tenant        string          `json:"tenant"`
	Key           string          `json:"idempotency_key"`
	Integration   string          `json:"integration"`
	ObjectRef     string          `json:"object_ref"`
	Action        string          `json:"action"`
	Payload       json.RawMessage `json:"payload"`
	OriginKind    model.Kind      `json:"origin_kind,omitempty"`
	OriginID      int64           `json:"origin_id,omitempty"`
	State         OutboxState     `json:"state"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt time.Time       `json:"next_attempt_at"`
	LeaseOwner    string          `json:"lease_owner,omitempty"`
	LeaseUntil    time.Time       `json:"lease_until,omitzero"`
	LastError     string          `json:"last_error,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Priority      int             `json:"priority"`
}

// Outbox priorities. Within one integration, decisions go before automatic
// comments; on one remote object, items still apply in id order.
const (
	// PriorityDecision is a person's or a rule's decision and what it
	// causes: verdict state writes and their comments, analysts' comments,
	// reconciliation state writes.
	PriorityDecision = 0
	// PriorityAutomatic is text alertsync adds on its own (validation pass
	// comments, reconciliation explanations); it is capped per object.
	PriorityAutomatic = 1
)

// OutboxEnqueueParams describes a new action. ObjectRef names the remote
// object (e.g. "alert:<vendor id>") whose actions must apply in order.
type OutboxEnqueueParams struct {
	Key         string
	Integration string
	ObjectRef   string
	Action      string
	Payload     json.RawMessage
	OriginKind  model.Kind
	OriginID    int64
	Now         time.Time
	Priority    int
	// NotBefore, when after Now, is when the action first becomes due.
	NotBefore time.Time
	// LeaseOwner, when set, stores the item already leased to that
	// worker until LeaseUntil, its first attempt counted: the enqueuer
	// hands it to its own worker after commit (Tx.OnCommit) instead of
	// waiting for a claim, and if that worker dies the item is rescued
	// when the lease ends, as any claimed item is. Only for an object
	// with no other unfinished item, since no claim checks the order.
	LeaseOwner string
	LeaseUntil time.Time
}

// Leased is the item that p, stored leased under id in tenant, became:
// what its enqueuer hands to the local worker (outbox.Worker.Adopt)
// without reading it back.
func (p OutboxEnqueueParams) Leased(id int64, tenant string) OutboxItem {
	return OutboxItem{ID: id, Tenant: tenant, Key: p.Key, Integration: p.Integration, ObjectRef: p.ObjectRef,
		Action: p.Action, Payload: p.Payload, OriginKind: p.OriginKind, OriginID: p.OriginID,
		State: OutboxLeased, Attempts: 1, NextAttemptAt: p.Now, LeaseOwner: p.LeaseOwner,
		LeaseUntil: p.LeaseUntil, CreatedAt: p.Now, UpdatedAt: p.Now, Priority: p.Priority}
}

// OutboxClaimParams leases due work to Owner until Now+Lease. A non-empty
// Integration claims from that lane (Tenant's integration) only; without
// one the claim takes Tenant's due work, or every tenant's when Tenant is
// empty too.
type OutboxClaimParams struct {
	Owner       string
	Now         time.Time
	Lease       time.Duration
	Limit       int
	Tenant      string
	Integration string
}

// OutboxObjectCountParams selects the items OutboxObjectCount counts.
type OutboxObjectCountParams struct {
	Integration string
	ObjectRef   string
	Action      string
	Priority    int
}

// OutboxBusyParams selects the objects OutboxBusyObjects looks at.
type OutboxBusyParams struct {
	Integration string
	Action      string
	ObjectRefs  []string
}

// OutboxRef names an outbox item: its tenant and id (the item's key, as
// every key leads with the tenant).
type OutboxRef struct {
	Tenant string
	ID     int64
}

// OutboxResult is the outcome of one claimed item: State is done, pending
// (retry at NextAttemptAt) or dead. Tenant, when set, lets the hub's own
// transaction find the item by its key; a tenant's transaction uses its
// own tenant.
type OutboxResult struct {
	ID            int64
	Tenant        string
	State         OutboxState
	NextAttemptAt time.Time
	Error         string
	Now           time.Time
	// Unattempted marks a pending result for an item that was claimed but
	// never sent (its lease ran out first): the claim's attempt is given
	// back, so waiting does not use up the retry budget.
	Unattempted bool
}

// OutboxListParams filters OutboxList, paged by id.
type OutboxListParams struct {
	State       OutboxState
	Integration string
	OriginKind  model.Kind
	OriginID    int64
	AfterID     int64
	Limit       int
}

// Maintainer is a store that keeps its planner statistics fresh itself
// where the server may not (PostgreSQL run with autovacuum off: tables
// that grew from empty keep the plans of empty tables). The app calls
// Maintain now and then; it analyzes the tables that changed much since
// their last analysis and names them.
type Maintainer interface {
	Maintain(ctx context.Context) ([]string, error)
}
