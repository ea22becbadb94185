package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// IntegrationRow is one line of the capability table. Rows for products a
// parent integration covers (a registration's Family) carry InheritedVia
// and the parent's capabilities, policy and health.
type IntegrationRow struct {
	ID           string                 `json:"id"`
	Kind         string                 `json:"kind"`
	Name         string                 `json:"name,omitempty"`
	Title        string                 `json:"title,omitempty"`
	Capabilities connector.Capabilities `json:"capabilities"`
	Policy       engine.Policy          `json:"policy"`
	Health       Health                 `json:"health"`
	Settings     map[string]any         `json:"settings,omitempty"`
	InheritedVia string                 `json:"inherited_via,omitempty"`
	Filter       string                 `json:"filter,omitempty"`
	Via          string                 `json:"via,omitempty"`
}

type integrationsBody struct {
	Items []IntegrationRow `json:"items"`
}

// listIntegrations answers GET /api/v1/integrations: every running
// integration with its capabilities, policy, health and redacted settings,
// followed by a row for each product it covers.
func (s *server) listIntegrations(w http.ResponseWriter, r *http.Request) {
	out, err := s.integrations(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, integrationsBody{Items: out})
}

// integrations builds the capability table, ordered by integration id.
func (s *server) integrations(ctx context.Context) ([]IntegrationRow, error) {
	ins := s.engine.Integrations()
	slices.SortFunc(ins, func(a, b engine.Integration) int { return strings.Compare(a.ID, b.ID) })
	healths := s.checkAll(ctx, ins)
	out := []IntegrationRow{}
	for i, in := range ins {
		row, err := s.integrationRow(ctx, in, healths[i])
		if err != nil {
			return nil, err
		}
		out = append(out, row)
		out = append(out, familyRows(row)...)
	}
	return out, nil
}

// checkAll runs the integrations' health checks concurrently.
func (s *server) checkAll(ctx context.Context, ins []engine.Integration) []Health {
	out := make([]Health, len(ins))
	now := s.engine.Now()
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() { out[i] = s.health.check(ctx, in.ID, in.Connector, now) })
	}
	wg.Wait()
	return out
}

func (s *server) integrationRow(ctx context.Context, in engine.Integration, h Health) (IntegrationRow, error) {
	row := IntegrationRow{ID: in.ID, Kind: in.Kind, Policy: in.Policy, Health: h}
	if in.Connector != nil {
		row.Capabilities = connector.CapabilitiesOf(in.Connector)
	}
	reg, registered := connector.Lookup(in.Kind)
	if registered {
		row.Title = reg.Title
	}
	stored, err := s.store.IntegrationGet(ctx, in.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return row, nil
	case err != nil:
		return row, fmt.Errorf("get integration %s: %w", in.ID, err)
	}
	row.Name = stored.Name
	if registered {
		row.Settings = redactedSettings(reg.Spec, stored.Settings)
	}
	return row, nil
}

// redactedSettings shows stored settings only through the connector's own
// spec, so a secret field is never shown even if one was stored in plain.
// Settings that cannot be read are left out rather than shown raw.
func redactedSettings(spec connector.ConfigSpec, raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
		return nil
	}
	return spec.Redact(m)
}

// familyRows lists the products a parent integration covers, as rows that
// inherit its capabilities (e.g. state and comment sync via Graph v2).
func familyRows(parent IntegrationRow) []IntegrationRow {
	reg, ok := connector.Lookup(parent.Kind)
	if !ok {
		return nil
	}
	out := make([]IntegrationRow, 0, len(reg.Family))
	for _, m := range reg.Family {
		out = append(out, IntegrationRow{
			ID: parent.ID + "/" + slug(m.Name), Kind: parent.Kind, Name: m.Name,
			Capabilities: parent.Capabilities, Policy: parent.Policy, Health: parent.Health,
			InheritedVia: parent.ID, Filter: m.Filter, Via: m.Via,
		})
	}
	return out
}

// slug makes a family member's name usable in a row id.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
