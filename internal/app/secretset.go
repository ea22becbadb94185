package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
)

// consoleKey holds, among an integration's sealed secrets, the secret
// settings set in the web console: they win over the configured ones,
// restarts included, as a console policy does, so a credential an admin
// replaced in the console is not silently put back by the config file.
const consoleKey = "_console"

// SetSecret sets or replaces one secret setting of a running integration:
// the console's write-only secret field. The new value is sealed with the
// tenant's data key and stored; the connector is rebuilt with it first,
// so a value the connector refuses is never stored, and then replaces the
// running one. The value is never logged nor returned.
func (a *App) SetSecret(ctx context.Context, id, field, value string) error {
	return a.def.setSecret(ctx, id, field, value)
}

// SetTenantSecret is SetSecret for an integration of any running tenant.
func (a *App) SetTenantSecret(ctx context.Context, tenant, id, field, value string) error {
	t, ok := a.tenant(tenant)
	if !ok {
		return fmt.Errorf("set a secret of %s: tenant %s: %w", id, tenant, store.ErrNotFound)
	}
	return t.setSecret(ctx, id, field, value)
}

func (t *tenant) setSecret(ctx context.Context, id, field, value string) error {
	in, ok := t.engine.Integration(id)
	if !ok {
		return fmt.Errorf("set a secret of %s: %w", id, store.ErrNotFound)
	}
	reg, ok := connector.Lookup(in.Kind)
	if !ok || !slices.Contains(reg.Spec.SecretFields(), field) {
		return fmt.Errorf("%w: %s has no secret setting %q", engine.ErrInvalid, id, field)
	}
	if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%w: a secret cannot be empty", engine.ErrInvalid)
	}
	env, err := t.a.keys.envelope(ctx, t.id, true)
	if err != nil {
		return err
	}
	var built engine.Integration
	err = t.scope.WithTx(ctx, func(tx store.Tx) error {
		row, err := tx.IntegrationGet(ctx, id)
		if err != nil {
			return fmt.Errorf("get integration %s: %w", id, err)
		}
		secret, err := t.openSecrets(env, row)
		if err != nil {
			return err
		}
		console, _ := secret[consoleKey].(map[string]any)
		if console == nil {
			console = map[string]any{}
		}
		console[field] = value
		secret[consoleKey] = console
		if err := t.sealSecrets(env, &row, secret); err != nil {
			return err
		}
		if built, err = t.integrationOf(env, row); err != nil {
			return fmt.Errorf("%w: %s refuses the new %s: %w", engine.ErrInvalid, id, field, err)
		}
		// The engine's copy keeps the policy the console may have set.
		built.Policy = in.Policy
		row.UpdatedAt = t.a.opts.Now().UTC()
		return tx.IntegrationUpsert(ctx, row)
	})
	if err != nil {
		return err
	}
	t.engine.AddIntegration(built)
	t.a.log.Info("integration secret replaced in the console", "tenant", t.id, "integration", id, "setting", field)
	return nil
}

// keepConsoleSecrets carries the console's secrets of an integration that
// is already stored over to the row rebuilt from config.
func (t *tenant) keepConsoleSecrets(ctx context.Context, tx store.Tx, env secrets.Envelope, row *store.Integration) error {
	old, err := tx.IntegrationGet(ctx, row.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get integration %s: %w", row.ID, err)
	}
	was, err := t.openSecrets(env, old)
	if err != nil {
		// Sealed under a key no longer held: nothing can be carried over,
		// and the config's secrets are stored afresh.
		return nil //nolint:nilerr // see above
	}
	console, ok := was[consoleKey]
	if !ok {
		return nil
	}
	secret, err := t.openSecrets(env, *row)
	if err != nil {
		return err
	}
	secret[consoleKey] = console
	return t.sealSecrets(env, row, secret)
}
