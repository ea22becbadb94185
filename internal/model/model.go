// Package model holds alertsync's domain: alerts, incidents, verdicts,
// comments and the append-only revisions that record every change. It does
// no I/O so every other package can share it without cycles.
package model

import (
	"encoding/json"
	"time"
)

// Kind names the two object kinds that carry revisions.
type Kind string

// Object kinds.
const (
	KindAlert    Kind = "alert"
	KindIncident Kind = "incident"
)

// Severity is the canonical severity; values follow OCSF severity_id names.
type Severity string

// Canonical severities.
const (
	SeverityUnknown       Severity = "unknown"
	SeverityInformational Severity = "informational"
	SeverityLow           Severity = "low"
	SeverityMedium        Severity = "medium"
	SeverityHigh          Severity = "high"
	SeverityCritical      Severity = "critical"
)

// Status is the canonical workflow state of an alert or incident. The set is
// the OCSF Detection Finding status_id set (see ocsf.go) so exports are exact.
type Status string

// Canonical statuses.
const (
	StatusUnknown    Status = "unknown"
	StatusNew        Status = "new"
	StatusInProgress Status = "in_progress"
	StatusSuppressed Status = "suppressed"
	StatusResolved   Status = "resolved"
)

// Open reports whether the status still needs someone's attention.
func (s Status) Open() bool {
	return s == StatusNew || s == StatusInProgress || s == StatusUnknown || s == ""
}

// Verdict is the outcome of validation by an analyst or a rule.
type Verdict string

// Verdicts, from least to most severe. VerdictNone means not yet validated.
const (
	VerdictNone             Verdict = ""
	VerdictNotAThreat       Verdict = "not_a_threat"
	VerdictSuspicious       Verdict = "suspicious"
	VerdictHighlySuspicious Verdict = "highly_suspicious"
	VerdictThreat           Verdict = "threat"
)

// Valid reports whether v is one of the four verdicts an analyst can give.
func (v Verdict) Valid() bool {
	switch v {
	case VerdictNotAThreat, VerdictSuspicious, VerdictHighlySuspicious, VerdictThreat:
		return true
	}
	return false
}

// Entities are the observables an alert names. They drive correlation and
// evidence lookup, so each list is normalised (lower case, deduplicated).
type Entities struct {
	Hosts      []string `json:"hosts,omitempty"`
	Users      []string `json:"users,omitempty"`
	IPs        []string `json:"ips,omitempty"`
	FileHashes []string `json:"file_hashes,omitempty"`
	Processes  []string `json:"processes,omitempty"`
}

// Empty reports whether no entity is set.
func (e Entities) Empty() bool {
	return len(e.Hosts)+len(e.Users)+len(e.IPs)+len(e.FileHashes)+len(e.Processes) == 0
}

// Alert is one alert raised by one integration, in canonical form, with the
// vendor's payload kept verbatim in Raw.
type Alert struct {
	ID            int64           `json:"id"`
	Integration   string          `json:"integration"`
	VendorID      string          `json:"vendor_id"`
	Title         string          `json:"title"`
	Description   string          `json:"description,omitempty"`
	Severity      Severity        `json:"severity"`
	Status        Status          `json:"status"`
	RemoteStatus  string          `json:"remote_status,omitempty"`
	Verdict       Verdict         `json:"verdict,omitempty"`
	Published     bool            `json:"published,omitempty"`
	Source        string          `json:"source,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	Entities      Entities        `json:"entities"`
	IncidentID    int64           `json:"incident_id,omitempty"`
	RemoteParent  string          `json:"remote_parent,omitempty"`
	Raw           json.RawMessage `json:"raw,omitempty"`
	Revision      int64           `json:"revision"`
	FirstSeenAt   time.Time       `json:"first_seen_at"`
	LastChangedAt time.Time       `json:"last_changed_at"`
	// Notes record what the text policy repaired in the vendor's payload
	// (bad bytes replaced, text truncated); empty when it arrived clean.
	Notes []string `json:"ingest_notes,omitempty"`
	// SameAs names the record another API keeps of this very alert, as
	// "<connector kind>:<vendor id>" (Graph lists Defender for Cloud alerts
	// with the ARM alert name as providerAlertId); set by connectors.
	SameAs string `json:"same_as,omitempty"`
	// TwinID links the two local records of one alert seen through two
	// APIs; a verdict on either is a verdict on both.
	TwinID int64 `json:"twin_id,omitempty"`
	// Memberships are every incident the alert belongs to, with who
	// related it and when; the API fills them on single-alert reads.
	// IncidentID is the first of them.
	Memberships []Membership `json:"memberships,omitempty"`
}

// Incident groups alerts (1:N). Integration is empty for incidents that
// alertsync created itself; otherwise it mirrors a vendor incident.
type Incident struct {
	ID            int64           `json:"id"`
	Integration   string          `json:"integration,omitempty"`
	VendorID      string          `json:"vendor_id,omitempty"`
	Title         string          `json:"title"`
	Description   string          `json:"description,omitempty"`
	Severity      Severity        `json:"severity"`
	Status        Status          `json:"status"`
	RemoteStatus  string          `json:"remote_status,omitempty"`
	Verdict       Verdict         `json:"verdict,omitempty"`
	Published     bool            `json:"published,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
	AlertIDs      []int64         `json:"alert_ids"`
	RemoteAlerts  []string        `json:"remote_alert_ids,omitempty"`
	Raw           json.RawMessage `json:"raw,omitempty"`
	Revision      int64           `json:"revision"`
	LastChangedAt time.Time       `json:"last_changed_at"`
	// Notes is Alert.Notes for incidents.
	Notes []string `json:"ingest_notes,omitempty"`
	// Classification is how the incident was classified at its source,
	// in canonical words (ClassTruePositive...); empty when unclassified.
	Classification string `json:"classification,omitempty"`
	// Memberships are the incident's alerts with who related them and
	// when; the API fills them on single-incident reads.
	Memberships []Membership `json:"memberships,omitempty"`
}

// Canonical incident classifications; connectors map their vendor's
// vocabulary onto these.
const (
	ClassTruePositive   = "true_positive"
	ClassBenignPositive = "benign_positive"
	ClassFalsePositive  = "false_positive"
	ClassUndetermined   = "undetermined"
)

// Membership is one alert's place in one incident. An alert may belong to
// several incidents; Source says who put it there (the incident's
// integration for a vendor's own grouping, "correlation" for alertsync's)
// and AddedAt when alertsync learned of it.
type Membership struct {
	IncidentID int64     `json:"incident_id"`
	AlertID    int64     `json:"alert_id"`
	Source     string    `json:"source"`
	AddedAt    time.Time `json:"added_at"`
}

// ActorKind says who caused a change.
type ActorKind string

// Actor kinds.
const (
	ActorAnalyst   ActorKind = "analyst"
	ActorRule      ActorKind = "rule"
	ActorRemote    ActorKind = "remote"
	ActorWriteBack ActorKind = "writeback"
	ActorSystem    ActorKind = "system"
)

// Actor is who caused a revision: an analyst by name, a rule by id, a remote
// vendor by integration id, or alertsync's own write-back.
type Actor struct {
	Kind ActorKind `json:"kind"`
	Name string    `json:"name"`
}

// Revision is one append-only entry in the history of an alert or incident.
// Snapshot is the whole object after the change; Changes lists the fields
// that differ from the previous revision.
type Revision struct {
	ID       int64           `json:"id"`
	Kind     Kind            `json:"kind"`
	ObjectID int64           `json:"object_id"`
	Seq      int64           `json:"seq"`
	Actor    Actor           `json:"actor"`
	Reason   string          `json:"reason,omitempty"`
	Changes  []string        `json:"changes"`
	Snapshot json.RawMessage `json:"snapshot"`
	At       time.Time       `json:"at"`
}

// Comment is a note on an alert or incident, local or mirrored from a source.
type Comment struct {
	ID       int64     `json:"id"`
	Kind     Kind      `json:"kind"`
	ObjectID int64     `json:"object_id"`
	Author   Actor     `json:"author"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
	// RequestKey is the Idempotency-Key the client that added the
	// comment sent, if any: a second request with it finds this comment
	// instead of adding another. It stays inside alertsync.
	RequestKey string `json:"-"`
}

// Evidence is one audit-log record (a sign-in, a mailbox rule change, a
// file download): not an alert, but what a person or program did that
// supports or explains one. It is linked to alerts and incidents by the
// users and IP addresses they share, and shown on their timelines.
type Evidence struct {
	ID          int64  `json:"id"`
	Integration string `json:"integration"`
	// VendorID is the record's own id (Office 365's audit record Id); a
	// record seen twice is stored once.
	VendorID string `json:"vendor_id"`
	// Source is the feed it came from, in the vendor's words
	// ("Audit.Exchange").
	Source string `json:"source,omitempty"`
	// Operation is what was done, in the vendor's words ("New-InboxRule").
	Operation string `json:"operation"`
	// Summary is one line a person reads on a timeline.
	Summary string `json:"summary"`
	// Result is the outcome in the vendor's words ("Succeeded", "Failed").
	Result     string    `json:"result,omitempty"`
	OccurredAt time.Time `json:"occurred_at"`
	IngestedAt time.Time `json:"ingested_at"`
	// Entities are the users and IP addresses (and hosts) the record
	// names, normalised like an alert's; users and IPs link it.
	Entities Entities        `json:"entities"`
	Raw      json.RawMessage `json:"raw,omitempty"`
}
