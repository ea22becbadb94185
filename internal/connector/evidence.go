package connector

import (
	"context"
	"encoding/json"
	"time"

	"github.com/alertsync/alertsync/internal/model"
)

// EvidenceItem is one audit record fetched from an evidence source. Like
// Item, a record the connector cannot map carries Err and is quarantined
// with Raw.
type EvidenceItem struct {
	VendorID string
	Raw      json.RawMessage
	Evidence *model.Evidence
	Err      error
}

// EvidencePage is EvidenceSource's Page: the engine stores every item,
// then saves Cursor.
type EvidencePage struct {
	Items  []EvidenceItem
	Cursor string
	More   bool
}

// EvidenceSource polls a vendor for audit records (Office 365's
// Management Activity API): not alerts, but evidence the engine links to
// alerts and incidents by user and IP.
type EvidenceSource interface {
	FetchEvidence(ctx context.Context, cursor string) (EvidencePage, error)
}

// Feed is one stream an integration reads from its vendor (an Office 365
// content type), as the status view shows it: answers "is it connected?".
type Feed struct {
	Name string `json:"name"`
	// Status is the vendor's word for the subscription ("enabled",
	// "disabled"), or "unknown" before the first contact.
	Status string `json:"status"`
	// LastContentAt is when the newest content seen on the feed was
	// created at the vendor; zero before any.
	LastContentAt time.Time `json:"last_content_at,omitzero"`
	// LastError is the last failure reading the feed, empty after a
	// success; never carries a secret.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// FeedReporter is implemented by connectors that read several feeds and
// can say how each one is doing.
type FeedReporter interface {
	Feeds(ctx context.Context) ([]Feed, error)
}

// PushEvent is one alert or event alertsync sends to a vendor's intake
// (Sekoia.io's HTTP intake), as the JSON document the vendor stores.
type PushEvent struct {
	// IdempotencyKey is stable across retries of the same push.
	IdempotencyKey string          `json:"idempotency_key"`
	Body           json.RawMessage `json:"body"`
}

// EventPusher sends events to a vendor's intake: an outbound action that
// playbooks and the API can call. It returns the vendor's ids for the
// events, in order, when the vendor gives them.
type EventPusher interface {
	PushEvents(ctx context.Context, events []PushEvent) ([]string, error)
}
