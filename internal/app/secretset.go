package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// consoleKey holds, among an integration's sealed secrets, the secret
// settings set in the web console: they win over the configured ones,
// restarts included, as a console policy does, so a credential an admin
// replaced in the console is not silently put back by the config file.
const consoleKey = "_console"

// SetSecret sets or replaces one secret setting of a running integration:
// the console's write-only secret field. The new value is sealed with the
// keyring and stored; the connector is rebuilt with it first, so a value
// the connector refuses is never stored, and then replaces the running
// one. The value is never logged nor returned.
func (a *App) SetSecret(ctx context.Context, id, field, value string) error {
	in, ok := a.engine.Integration(id)
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
	var built engine.Integration
	err := a.store.WithTx(ctx, func(tx store.Tx) error {
		row, err := tx.IntegrationGet(ctx, id)
		if err != nil {
			return fmt.Errorf("get integration %s: %w", id, err)
		}
		secret, err := a.openSecrets(row)
		if err != nil {
			return err
		}
		console, _ := secret[consoleKey].(map[string]any)
		if console == nil {
			console = map[string]any{}
		}
		console[field] = value
		secret[consoleKey] = console
		if err := a.sealSecrets(&row, secret); err != nil {
			return err
		}
		if built, err = a.integrationOf(row); err != nil {
			return fmt.Errorf("%w: %s refuses the new %s: %w", engine.ErrInvalid, id, field, err)
		}
		// The engine's copy keeps the policy the console may have set.
		built.Policy = in.Policy
		row.UpdatedAt = a.opts.Now().UTC()
		return tx.IntegrationUpsert(ctx, row)
	})
	if err != nil {
		return err
	}
	a.engine.AddIntegration(built)
	a.log.Info("integration secret replaced in the console", "integration", id, "setting", field)
	return nil
}

// keepConsoleSecrets carries the console's secrets of an integration that
// is already stored over to the row rebuilt from config.
func (a *App) keepConsoleSecrets(ctx context.Context, tx store.Tx, row *store.Integration) error {
	old, err := tx.IntegrationGet(ctx, row.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get integration %s: %w", row.ID, err)
	}
	was, err := a.openSecrets(old)
	if err != nil {
		// Sealed under a key no longer held: nothing can be carried over,
		// and the config's secrets are stored afresh.
		return nil //nolint:nilerr // see above
	}
	console, ok := was[consoleKey]
	if !ok {
		return nil
	}
	secret, err := a.openSecrets(*row)
	if err != nil {
		return err
	}
	secret[consoleKey] = console
	return a.sealSecrets(row, secret)
}
