// Package mde is the Microsoft Defender for Endpoint API connector (the
// WindowsDefenderATP alerts API, "ATP API Poll Alerts"): it polls
// /api/alerts, writes status, classification and determination back with
// PATCH, and adds comments through PATCH's comment field, the only way MDE
// takes them. Tenants on Microsoft Graph security v2 should prefer the
// graph connector, which covers Defender for Endpoint and its siblings.
package mde

import (
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "mde"

// batchUpdate's own budgets, on top of the general ones.
const (
	batchPerMinute = 10
	batchPerHour   = 500
)

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Microsoft Defender for Endpoint (ATP API)",
		Description: "Polls the Defender for Endpoint alerts API (api.securitycenter.microsoft.com), writes status, " +
			"classification and determination back and adds comments. Authenticates with an Entra ID app (client credentials).",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// core holds the connector's state; Connector exposes it.
type core struct {
	id     string
	cfg    Config
	s      settings
	client *httpkit.Client
	log    *slog.Logger
	// hourly is the 1,500-an-hour budget; the kit's limiter spends the
	// per-minute one. batchMinute and batchHourly are batchUpdate's own.
	hourly, batchMinute, batchHourly *rate.Limiter
	// pagesPerCall is maxPagesPerCall; tests lower it.
	pagesPerCall int
}

// Connector is one Defender for Endpoint integration.
type Connector struct{ *core }

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	client, err := s.entra.NewClient(deps, httpkit.Options{Limiter: s.entra.Budget(deps.Tenant, cfg.RequestsPerMinute)})
	if err != nil {
		return nil, err
	}
	return &Connector{&core{
		id: deps.ID, cfg: cfg, s: s, client: client, log: client.Logger(),
		hourly:       perHour(cfg.RequestsPerHour, cfg.RequestsPerMinute),
		batchMinute:  httpkit.PerMinute(cfg.BatchPerMinute),
		batchHourly:  perHour(cfg.BatchPerHour, cfg.BatchPerMinute),
		pagesPerCall: maxPagesPerCall,
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
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.client.TokenExpiry() }

var _ connector.TokenReporter = (*Connector)(nil)
