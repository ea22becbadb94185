// Package httpintake is the generic connector: senders that alertsync has
// no vendor package for push alerts as JSON to an authenticated intake, and
// a configurable field mapping turns them into alerts. Optionally, state
// changes and comments are written back as JSON POSTs to a URL the sender
// provides.
package httpintake

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
)

// Kind is the registry name.
const Kind = "httpintake"

// KeyHeader carries the intake key; "Authorization: Bearer <key>" works too.
const KeyHeader = "X-Alertsync-Intake-Key"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "HTTP intake",
		Description: "Accepts alerts pushed as JSON (one object, an array, or {\"alerts\":[...]}) and maps them with a configurable field map. " +
			"With a write-back URL, state changes and comments are POSTed back as JSON.",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// Connector is an intake-only integration: it receives pushes and has no
// way to write back.
type Connector struct {
	id      string
	keySum  [sha256.Size]byte
	mapping Mapping
	log     *slog.Logger
	now     func() time.Time
}

// New builds the connector for cfg: a *WritebackConnector when a write-back
// URL is set, a *Connector otherwise, so the capability table (found by type
// assertion) tells the truth.
func New(deps connector.Deps, cfg Config) (connector.Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	c := &Connector{
		id:      deps.ID,
		keySum:  sha256.Sum256([]byte(cfg.IntakeKey.Reveal())),
		mapping: s.mapping,
		log:     deps.Logger,
		now:     deps.Now,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("connector", deps.ID)
	if c.now == nil {
		c.now = time.Now
	}
	if s.writebackURL == "" {
		return c, nil
	}
	return newWriteback(c, deps, cfg, s)
}

// Kind returns the registry name.
func (c *Connector) Kind() string { return Kind }

// Receive authenticates a push and maps every alert in it. Alerts that
// cannot be mapped come back with Err set and Raw verbatim for quarantine;
// only an unauthenticated or unreadable request fails as a whole.
func (c *Connector) Receive(ctx context.Context, r *http.Request) ([]connector.Item, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return nil, &connector.Error{Class: connector.ClassPermanent, Status: http.StatusMethodNotAllowed, Message: "intake accepts POST or PUT"}
	}
	if !c.authentic(r) {
		// The API logs the refusal, for this connector and an unknown
		// integration alike; a line here would log it twice.
		return nil, errUnauthorized
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	raws, err := splitPayload(body)
	if err != nil {
		return nil, err
	}
	now := c.now()
	items := make([]connector.Item, 0, len(raws))
	bad := 0
	for _, raw := range raws {
		it := c.mapping.Item(c.id, raw, now)
		if it.Err != nil {
			bad++
		}
		items = append(items, it)
	}
	c.log.DebugContext(ctx, "intake push received", "items", len(items), "unmapped", bad)
	return items, nil
}

// authentic compares digests in constant time, so neither the key's
// content nor its length leaks through timing.
func (c *Connector) authentic(r *http.Request) bool {
	key := r.Header.Get(KeyHeader)
	if key == "" {
		if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
			key = strings.TrimSpace(tok)
		}
	}
	if key == "" {
		return false
	}
	sum := sha256.Sum256([]byte(key))
	return subtle.ConstantTimeCompare(sum[:], c.keySum[:]) == 1
}

var (
	_ connector.WebhookReceiver = (*Connector)(nil)
	_ connector.WebhookReceiver = (*WritebackConnector)(nil)
	_ connector.StateSyncer     = (*WritebackConnector)(nil)
	_ connector.Commenter       = (*WritebackConnector)(nil)
)
