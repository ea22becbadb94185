// Package graph is the Microsoft Graph security API v1.0 connector: it polls
// /security/alerts_v2 and /security/incidents, writes status, classification
// and determination back, and posts comments. One integration covers every
// Microsoft product that raises alerts through Graph (Defender XDR, for
// Endpoint, for Identity, for Office 365, for Cloud Apps, Entra ID
// Protection, Defender for Cloud); Registration.Family lists them.
package graph

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "graph"

// via names the parent integration in the family rows.
const via = "Graph v2"

// Family is what one Graph integration covers, each with the serviceSource
// filter that selects its alerts.
var Family = []connector.FamilyMember{
	{Name: "Microsoft 365 Defender v2", Filter: "serviceSource eq 'microsoft365Defender'", Via: via},
	{Name: "Microsoft Defender for Endpoint v2", Filter: "serviceSource eq 'microsoftDefenderForEndpoint'", Via: via},
	{Name: "Microsoft Defender for Identity v2", Filter: "serviceSource eq 'microsoftDefenderForIdentity'", Via: via},
	{Name: "Microsoft Defender for Office 365 v2", Filter: "serviceSource eq 'microsoftDefenderForOffice365'", Via: via},
	{Name: "Microsoft Defender for Cloud Apps v2 (Microsoft Cloud App Security v2)", Filter: "serviceSource eq 'microsoftDefenderForCloudApps'", Via: via},
	{Name: "Microsoft Entra ID Identity Protection v2", Filter: "serviceSource eq 'azureAdIdentityProtection'", Via: via},
	{Name: "Microsoft Defender for Cloud (via Graph)", Filter: "serviceSource eq 'microsoftDefenderForCloud'", Via: via},
}

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Microsoft Graph security (alerts v2)",
		Description: "Polls Microsoft Graph security alerts_v2 and incidents for the Defender family, writes status, " +
			"classification and determination back and posts comments. Authenticates with an Entra ID app (client credentials).",
		Spec:   Spec,
		Family: Family,
		New:    connector.Decoding(Spec, New),
	})
}

// core holds everything both connector shapes share.
type core struct {
	id     string
	cfg    Config
	s      settings
	client *httpkit.Client
	log    *slog.Logger
	// now is the hub's clock; it bounds each alert window (see alerts.go).
	now func() time.Time
	// pagesPerCall (maxPagesPerCall) and maxSkipDepth bound alert paging;
	// tests lower them.
	pagesPerCall, maxSkipDepth int
}

// AlertConnector is an integration with ingest_incidents off: it has every
// capability except IncidentSource, so the capability table tells the truth.
type AlertConnector struct{ *core }

// Connector is an integration that also mirrors Microsoft's incidents.
type Connector struct{ AlertConnector }

// New builds the connector for cfg: a *Connector when ingest_incidents is
// set, an *AlertConnector otherwise.
func New(deps connector.Deps, cfg Config) (connector.Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	client, err := s.entra.NewClient(deps, httpkit.Options{
		Limiter: s.entra.Budget(deps.Tenant, cfg.RequestsPerMinute),
		Header:  http.Header{"Prefer": {preferUnknownEnums}},
	})
	if err != nil {
		return nil, err
	}
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	a := AlertConnector{&core{id: deps.ID, cfg: cfg, s: s, client: client, log: client.Logger(), now: now,
		pagesPerCall: maxPagesPerCall, maxSkipDepth: maxSkipDepth}}
	if !cfg.IngestIncidents {
		return &a, nil
	}
	return &Connector{a}, nil
}

// Kind returns the registry name.
func (c *core) Kind() string { return Kind }

// FetchIncidents returns incidents changed since the cursor with the ids of
// their alerts. A poll reads its whole window, so More is always false.
func (c *Connector) FetchIncidents(ctx context.Context, cursor string) (connector.IncidentPage, error) {
	return c.fetchIncidents(ctx, cursor)
}

var (
	_ connector.AlertSource    = (*AlertConnector)(nil)
	_ connector.StateSyncer    = (*AlertConnector)(nil)
	_ connector.Commenter      = (*AlertConnector)(nil)
	_ connector.HealthChecker  = (*AlertConnector)(nil)
	_ connector.IncidentSource = (*Connector)(nil)
	_ connector.AlertSource    = (*Connector)(nil)
)

// TokenExpiry implements connector.TokenReporter: when the vendor token
// the connector holds now expires.
func (c *Connector) TokenExpiry() (time.Time, bool) { return c.client.TokenExpiry() }

var _ connector.TokenReporter = (*Connector)(nil)
