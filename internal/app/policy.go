package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// SetPolicy replaces a running integration's sync policy: the web
// console's Edit configuration. It is stored with the integration, beside
// the configured policy, and wins over it from then on, restarts
// included, so a setting changed in the console does not silently come
// back at the next start because the config file still says otherwise.
func (a *App) SetPolicy(ctx context.Context, id string, p engine.Policy) error {
	return a.def.setPolicy(ctx, id, p)
}

// SetTenantPolicy is SetPolicy for an integration of any running tenant.
func (a *App) SetTenantPolicy(ctx context.Context, tenant, id string, p engine.Policy) error {
	t, ok := a.tenant(tenant)
	if !ok {
		return fmt.Errorf("set policy of %s: tenant %s: %w", id, tenant, store.ErrNotFound)
	}
	return t.setPolicy(ctx, id, p)
}

func (t *tenant) setPolicy(ctx context.Context, id string, p engine.Policy) error {
	in, ok := t.engine.Integration(id)
	if !ok {
		return fmt.Errorf("set policy of %s: %w", id, store.ErrNotFound)
	}
	err := t.scope.WithTx(ctx, func(tx store.Tx) error {
		row, err := tx.IntegrationGet(ctx, id)
		if err != nil {
			return fmt.Errorf("get integration %s: %w", id, err)
		}
		var pol storedPolicy
		if err := json.Unmarshal(row.Policy, &pol); err != nil {
			return fmt.Errorf("decode policy of %s: %w", id, err)
		}
		pol.Console = &p
		if row.Policy, err = json.Marshal(pol); err != nil {
			return fmt.Errorf("encode policy of %s: %w", id, err)
		}
		row.UpdatedAt = t.a.opts.Now().UTC()
		return tx.IntegrationUpsert(ctx, row)
	})
	if err != nil {
		return err
	}
	in.Policy = p
	t.engine.AddIntegration(in)
	t.a.log.Info("integration policy changed in the console", "tenant", t.id, "integration", id)
	return nil
}

// effective is the policy an integration runs with.
func (p storedPolicy) effective() engine.Policy {
	if p.Console != nil {
		return *p.Console
	}
	return p.Policy
}

// keepConsolePolicy carries the console's policy of an integration that
// is already stored over to the row rebuilt from config.
func keepConsolePolicy(ctx context.Context, tx store.Tx, row *store.Integration) error {
	old, err := tx.IntegrationGet(ctx, row.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get integration %s: %w", row.ID, err)
	}
	var was storedPolicy
	if json.Unmarshal(old.Policy, &was) != nil || was.Console == nil {
		return nil //nolint:nilerr // an unreadable old policy has no console setting to keep
	}
	var pol storedPolicy
	if err := json.Unmarshal(row.Policy, &pol); err != nil {
		return fmt.Errorf("decode policy of %s: %w", row.ID, err)
	}
	pol.Console = was.Console
	row.Policy, err = json.Marshal(pol)
	if err != nil {
		return fmt.Errorf("encode policy of %s: %w", row.ID, err)
	}
	return nil
}
