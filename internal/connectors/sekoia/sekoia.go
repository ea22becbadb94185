// Package sekoia is the Sekoia.io XDR connector over the SIC Alert API:
// it polls GET /v1/sic/alerts by updated_at for one community, writes
// status back through the alert workflow (PATCH .../workflow, walking a
// path of actions when the target is more than one step away, and the
// bulk form when every alert can take the same action), comments with a
// marker it reads back before posting, and pushes events to the HTTP
// intake. It authenticates with an API key sent as a bearer token.
package sekoia

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "sekoia"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Sekoia.io XDR (SIC alert API)",
		Description: "Polls one community's alerts, writes status back through Sekoia's alert workflow (several actions " +
			"when the target is more than one step away), adds comments, and pushes events to an HTTP intake. " +
			"Authenticates with an API key.",
		Spec: Spec,
		New:  connector.Decoding(Spec, New),
	})
}

// core holds the connector's state; Connector exposes it.
type core struct {
	id     string
	cfg    Config
	s      settings
	log    *slog.Logger
	now    func() time.Time
	api    *httpkit.Client
	intake *httpkit.Client
	// pagesPerCall and maxSeen are maxPagesPerCall and maxSeen; tests
	// lower them.
	pagesPerCall, maxSeen int
}

// Connector is one Sekoia.io integration.
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
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	c := &core{id: deps.ID, cfg: cfg, s: s, log: deps.Logger.With("connector", deps.ID), now: deps.Now,
		pagesPerCall: maxPagesPerCall, maxSeen: maxSeen}
	if c.api, c.intake, err = newClients(deps, cfg, s, c.log); err != nil {
		return nil, err
	}
	return &Connector{c}, nil
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
	_ connector.EventPusher      = (*Connector)(nil)
)
