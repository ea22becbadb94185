// Package crowdstrike is the CrowdStrike Falcon Insight connector over the
// Alerts API: it polls POST /alerts/combined/alerts/v1 for alerts changed
// since its watermark (updated_timestamp, ascending, following the
// `after` token), writes status, resolution tags and comments back with
// PATCH /alerts/entities/alerts/v3 for many alerts a call, and
// authenticates with an API client (OAuth2 client credentials, with the
// SDKs' cloud autodiscovery).
package crowdstrike

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "crowdstrike"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "CrowdStrike Falcon Insight (Alerts API)",
		Description: "Polls the Falcon Alerts API for endpoint detections, writes status, resolution (as the console's " +
			"resolution tags) and comments back, many alerts a call. Authenticates with a Falcon API client.",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// core holds the connector's state; Connector exposes it.
type core struct {
	id   string
	cfg  Config
	s    settings
	deps connector.Deps
	log  *slog.Logger
	auth *tokenSource
	lim  *rate.Limiter
	// hosts are the clouds' API hosts discovery may move to; tests point
	// them at emulators.
	hosts map[string]string
	// batchMax is maxBatch; pagesPerCall is maxPagesPerCall. Tests lower
	// them.
	batchMax, pagesPerCall int

	mu      sync.Mutex
	clients map[string]*httpkit.Client // by base URL
}

// Connector is one CrowdStrike integration.
type Connector struct{ *core }

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	if deps.HTTP == nil {
		deps.HTTP = http.DefaultClient
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("connector", deps.ID)
	hosts := make(map[string]string, len(cloudHosts))
	for k, v := range cloudHosts {
		hosts[k] = v
	}
	return &Connector{&core{
		id: deps.ID, cfg: cfg, s: s, deps: deps, log: log, hosts: hosts,
		auth: newTokenSource(&tokenSource{
			http: deps.HTTP, clientID: cfg.ClientID, secret: cfg.ClientSecret, memberCID: cfg.MemberCID,
			now: deps.Now, log: log, redact: httpkit.NewRedactor(cfg.ClientSecret), base: s.base,
		}),
		// The quota is per customer: integrations of one API client and
		// member CID share one budget.
		lim:      httpkit.SharedPerMinute(deps.Tenant, "crowdstrike|"+cfg.ClientID+"|"+cfg.MemberCID, cfg.RequestsPerMinute),
		batchMax: maxBatch, pagesPerCall: maxPagesPerCall,
		clients: map[string]*httpkit.Client{},
	}}, nil
}

// Kind returns the registry name.
func (c *core) Kind() string { return Kind }

var (
	_ connector.AlertSource      = (*Connector)(nil)
	_ connector.StateSyncer      = (*Connector)(nil)
	_ connector.BatchStateSyncer = (*Connector)(nil)
	_ connector.BatchLimit       = (*Connector)(nil)
	_ connector.Commenter        = (*Connector)(nil)
	_ connector.HealthChecker    = (*Connector)(nil)
)

// TokenExpiry implements connector.TokenReporter: when the vendor token
// the connector holds now expires.
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.auth.Expiry() }

var _ connector.TokenReporter = (*Connector)(nil)
