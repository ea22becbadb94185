// Package cortexxdr is the Palo Alto Networks Cortex XDR public API
// connector. It polls alert changes (get_alerts_multi_events v2, by
// last_modified_ts: v1 filters on creation time only) and incidents with
// their member alerts, writes alert status in bulk with update_alerts (up
// to 100 alerts a call, failures reported per alert by their absence from
// the answer) and incident status with update_incident, and comments: on
// an alert by its one resolution comment, which each write overwrites, on
// an incident by adding to its comment thread. Requests are signed with a
// standard or an advanced API key.
package cortexxdr

import (
	"context"
	"fmt"
	"log/slog"

	"golang.org/x/time/rate"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
)

// Kind is the registry name.
const Kind = "cortexxdr"

func init() {
	connector.Register(connector.Registration{
		Kind:  Kind,
		Title: "Palo Alto Networks Cortex XDR",
		Description: "Polls Cortex XDR alerts and incidents through the public API, writes alert and incident status back " +
			"(alerts in bulk), keeps each alert's resolution comment and adds incident comments. Authenticates with a standard or advanced API key.",
		Spec: Spec,
		New: func(deps connector.Deps, s map[string]any) (connector.Connector, error) {
			var cfg Config
			if err := Spec.Decode(s, &cfg); err != nil {
				return nil, err
			}
			c, err := New(deps, cfg)
			if err != nil {
				return nil, err
			}
			return c.Capable(), nil
		},
	})
}

// core holds the connector's state; Connector and Incidents expose it.
type core struct {
	id     string
	cfg    Config
	s      settings
	client *httpkit.Client
	log    *slog.Logger
	// extra is get_incident_extra_data's own budget (10 a minute).
	extra *rate.Limiter
	// pageSize is page_size; pagesPerCall is maxPagesPerCall, which tests
	// lower.
	pageSize, pagesPerCall int
}

// Connector is one Cortex XDR integration without incident ingest.
type Connector struct{ *core }

// Incidents is a Connector that also polls incidents (ingest_incidents).
type Incidents struct{ *Connector }

// New builds the connector for cfg.
func New(deps connector.Deps, cfg Config) (*Connector, error) {
	s, err := cfg.check()
	if err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("connector", deps.ID)
	budget := "cortexxdr|" + s.base + "|" + cfg.APIKeyID
	client, err := httpkit.New(httpkit.Options{
		BaseURL: s.base, HTTP: deps.HTTP, Logger: log, Now: deps.Now, Integration: deps.ID, Tenant: deps.Tenant,
		Auth:    newAuth(cfg.KeyType, cfg.APIKeyID, cfg.APIKey, deps.Now),
		Limiter: httpkit.SharedPerMinute(deps.Tenant, budget, cfg.RequestsPerMinute),
	})
	if err != nil {
		return nil, &connector.FieldError{Field: "base_url", Problem: err.Error()}
	}
	return &Connector{&core{
		id: deps.ID, cfg: cfg, s: s, client: client, log: log,
		extra:    httpkit.SharedPerMinute(deps.Tenant, budget+"|get_incident_extra_data", extraDataPerMinute),
		pageSize: cfg.PageSize, pagesPerCall: maxPagesPerCall,
	}}, nil
}

// Capable returns the connector with the capabilities its settings turn
// on: an *Incidents when ingest_incidents is set, c itself otherwise.
func (c *Connector) Capable() connector.Connector {
	if c.cfg.IngestIncidents {
		return &Incidents{c}
	}
	return c
}

// Kind returns the registry name.
func (c *core) Kind() string { return Kind }

// MaxBatch is how many alerts one update_alerts call may name.
func (c *core) MaxBatch() int { return maxPage }

// Health lists one alert.
func (c *core) Health(ctx context.Context) error {
	req := searchRequest{SearchFrom: 0, SearchTo: 1}
	if err := c.call(ctx, pathAlerts, req, nil); err != nil {
		return fmt.Errorf("cortex xdr health: %w", err)
	}
	return nil
}

var (
	_ connector.AlertSource      = (*Connector)(nil)
	_ connector.StateSyncer      = (*Connector)(nil)
	_ connector.BatchStateSyncer = (*Connector)(nil)
	_ connector.BatchLimit       = (*Connector)(nil)
	_ connector.Commenter        = (*Connector)(nil)
	_ connector.HealthChecker    = (*Connector)(nil)
	_ connector.IncidentSource   = (*Incidents)(nil)
	_ connector.BatchStateSyncer = (*Incidents)(nil)
)
