// Package o365 is the Office 365 Management Activity API connector: it
// reads the unified audit log (sign-ins, mailbox rules, file activity,
// Security & Compliance alert events) as evidence that the engine links
// to alerts and incidents by user and address. It subscribes to the
// content types it reads, lists the content made available since the
// integration was enabled (no history, as the API keeps none from before
// a subscription), fetches each content blob and maps its audit records,
// and reports each content type's subscription as a feed, the "is it
// connected?" view.
package o365

import (
	"log/slog"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "o365"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Office 365 audit log (Management Activity API)",
		Description: "Reads the Office 365 unified audit log through the Management Activity API (manage.office.com): " +
			"sign-ins, mailbox rules, file activity and Security & Compliance alert events, as evidence linked to alerts by user and IP. " +
			"Authenticates with an Entra ID app (client credentials); collection starts when the integration is enabled.",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// core holds the connector's state; Connector exposes it.
type core struct {
	id     string
	s      settings
	client *httpkit.Client
	log    *slog.Logger
	now    func() time.Time
	// blobsPerCall bounds the content blobs one FetchEvidence reads;
	// tests lower it.
	blobsPerCall int

	mu      sync.Mutex
	feeds   map[string]*feedState // by content type
	started map[string]time.Time  // when alertsync last asked to start each subscription
}

// Connector is one Office 365 integration.
type Connector struct{ *core }

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	client, err := s.entra.NewClient(deps, httpkit.Options{Limiter: s.entra.Budget(deps.Tenant, cfg.RequestsPerMinute), Classify: classify})
	if err != nil {
		return nil, err
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	c := &core{id: deps.ID, s: s, client: client, log: client.Logger(), now: now,
		blobsPerCall: maxBlobsPerCall, feeds: map[string]*feedState{}, started: map[string]time.Time{}}
	for _, ct := range s.contentTypes {
		c.feeds[ct] = &feedState{status: statusUnknown}
	}
	return &Connector{c}, nil
}

// Kind returns the registry name.
func (c *core) Kind() string { return Kind }

var (
	_ connector.EvidenceSource = (*Connector)(nil)
	_ connector.FeedReporter   = (*Connector)(nil)
	_ connector.HealthChecker  = (*Connector)(nil)
)

// TokenExpiry implements connector.TokenReporter: when the vendor token
// the connector holds now expires.
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.client.TokenExpiry() }

var _ connector.TokenReporter = (*Connector)(nil)
