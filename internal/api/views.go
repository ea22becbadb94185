package api

import (
	"context"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Views are the read models the API answers with, for the web console:
// it shows the same capability table, timelines and delivery states as
// the API, built by the same code, rather than a second reading of the
// store that could drift from the first.
type Views struct{ s *server }

// NewViews builds the views over the same dependencies as the API.
func NewViews(deps Deps) *Views { return &Views{s: newServer(deps)} }

// ForTenant returns the views of a running tenant, as the API serves it
// to that tenant's tokens; false when no such tenant runs.
func (v *Views) ForTenant(id string) (*Views, TenantParts, bool) {
	ts, ok := v.s.forTenant(id)
	if !ok {
		return nil, TenantParts{}, false
	}
	return &Views{s: ts}, TenantParts{Scope: ts.store, Engine: ts.engine, Playbooks: ts.playbooks, Waiting: ts.waiting}, true
}

// TenantList lists every tenant the store holds, for an operator's
// switcher.
func (v *Views) TenantList(ctx context.Context) ([]store.Tenant, error) {
	return v.s.hub.TenantList(ctx)
}

// Integrations is GET /api/v1/integrations: every running integration
// with its capabilities, policy, health (cached for a while) and redacted
// settings, each followed by the products it covers.
func (v *Views) Integrations(ctx context.Context) ([]IntegrationRow, error) {
	return v.s.integrations(ctx)
}

// Cluster is GET /api/v1/cluster: the replicas and who holds what.
func (v *Views) Cluster(ctx context.Context) (Cluster, error) {
	return v.s.clusterView(ctx, time.Now())
}

// TestConnection asks the integration's vendor now, bypassing the cached
// health, and caches the answer. ok is false when the integration is not
// running; a connector that cannot check its vendor is "unknown".
func (v *Views) TestConnection(ctx context.Context, integration string) (Health, bool) {
	in, ok := v.s.engine.Integration(integration)
	if !ok || in.Connector == nil {
		return Health{}, false
	}
	hc, ok := in.Connector.(connector.HealthChecker)
	if !ok {
		return Health{Status: healthUnknown}, true
	}
	return v.s.health.refresh(ctx, integration, hc, v.s.engine.Now()), true
}

// Timeline is GET /api/v1/{alerts|incidents}/{id}/timeline with the
// default evidence window, cut at limit entries.
func (v *Views) Timeline(ctx context.Context, kind model.Kind, id int64, limit int) (Timeline, error) {
	req := timelineReq{limit: limit}
	if kind == model.KindAlert {
		return v.s.alertTimeline(ctx, id, req)
	}
	return v.s.incidentTimeline(ctx, id, req)
}

// Deliveries are outbox items as the API shows them: each not yet
// delivered one with what it waits for.
func (v *Views) Deliveries(items []store.OutboxItem) []Delivery { return v.s.deliveries(items) }

// Waiting reports why an integration's pending writes are held (its
// vendor's rate limit) and until when.
func (v *Views) Waiting(integration string) (reason string, until time.Time, ok bool) {
	if v.s.waiting == nil {
		return "", time.Time{}, false
	}
	return v.s.waiting(integration)
}
