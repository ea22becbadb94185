// Package sentinelone is the SentinelOne Singularity connector (management
// API v2.1): it polls threats and, optionally, STAR cloud-detection
// alerts, writes incident status and analyst verdict back through the
// bulk {"filter":{"ids":[...]},"data":{...}} endpoints with per-threat
// results, and adds threat notes. It authenticates with a static API
// token ("Authorization: ApiToken <token>"): a revoked token cannot be
// refreshed and surfaces as an auth error.
//
// Two kinds of records come in. A threat's VendorID is its id; a
// cloud-detection alert's is "cd:" followed by its alert id, so a write
// goes to the endpoints of its own kind (/threats/... or
// /cloud-detection/alerts/...).
package sentinelone

import (
	"log/slog"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "sentinelone"

// CloudPrefix starts the VendorID of a cloud-detection (STAR) alert.
const CloudPrefix = "cd:"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "SentinelOne Singularity",
		Description: "Polls SentinelOne threats and STAR cloud-detection alerts (management API v2.1), writes incident status " +
			"and analyst verdict back in bulk and adds threat notes. Authenticates with a service user's API token.",
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
}

// Connector is one SentinelOne integration.
type Connector struct{ *core }

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	client, err := newClient(deps, cfg, s)
	if err != nil {
		return nil, err
	}
	return &Connector{&core{id: deps.ID, cfg: cfg, s: s, client: client, log: client.Logger()}}, nil
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
