package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/spf13/cobra"
)

func init() { RegisterCommand(secretsCmd) }

// rotateOptions are the flags of `secrets rotate`.
type rotateOptions struct {
	newKey, dropPrevious bool
	// replaceLost gives a tenant whose data key no configured key opens a
	// new one: what the old one sealed is lost either way.
	replaceLost bool
}

func secretsCmd(load func() (config.Config, error), stdout, _ io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the key that encrypts integration secrets at rest",
	}
	var o rotateOptions
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Wrap every tenant's data key again with the current key",
		Long: "Each tenant's integration secrets are sealed with the tenant's own data key, and the data key is\n" +
			"stored wrapped by the master key: the first line of secret_key (ALERTSYNC_SECRET_KEY) or of the key\n" +
			"file. The lines after it are previous keys, which still open what they wrapped. This command wraps\n" +
			"every tenant's data key again with the current key (no secret needs sealing again), and seals with\n" +
			"its tenant's data key any secret the master key sealed directly (stored before data keys existed).\n" +
			"To rotate: put a new key first and keep the old one on the next line (or, with a generated key file,\n" +
			"pass --new-key), run this, then remove the old line (--drop-previous does it in the key file). It\n" +
			"covers integrations no longer in the config too, and needs no restart.\n\n" +
			configHelp + "\n\n" + docsPointer,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			return rotateSecrets(cmd.Context(), cfg, o, stdout)
		},
	}
	rotate.Flags().BoolVar(&o.newKey, "new-key", false,
		"first generate a new current key into the key file, keeping the old one as previous (key file only)")
	rotate.Flags().BoolVar(&o.dropPrevious, "drop-previous", false,
		"after sealing everything again, remove the previous keys from the key file (key file only)")
	rotate.Flags().BoolVar(&o.replaceLost, "replace-lost-keys", false,
		"give every tenant whose data key no configured key opens a new one (its secrets are lost; serve stores the configured ones again, those set in the console must be set again); serve refuses to start a tenant in that state")
	root.AddCommand(rotate)
	return root
}

// keyFileOf is where the key is read from when secret_key is not set.
func keyFileOf(cfg config.Config) string {
	if cfg.SecretKeyFile != "" {
		return cfg.SecretKeyFile
	}
	return filepath.Join(cfg.DataDir, "secret.key")
}

// rotateSecrets runs `secrets rotate`.
func rotateSecrets(ctx context.Context, cfg config.Config, o rotateOptions, out io.Writer) error {
	keyFile := keyFileOf(cfg)
	if (o.newKey || o.dropPrevious) && !cfg.SecretKey.IsZero() {
		return errors.New("--new-key and --drop-previous edit the key file, but the key comes from secret_key " +
			"(ALERTSYNC_SECRET_KEY): put the new key on its first line and the old one on the next, run rotate, then remove the old line")
	}
	var kr *secrets.Keyring
	var err error
	if o.newKey {
		kr, err = secrets.AddKey(keyFile)
	} else {
		kr, err = secrets.LoadOrCreate(cfg.SecretKey.Reveal(), keyFile)
	}
	if err != nil {
		return fmt.Errorf("load secret key: %w", err)
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	res, err := resealAll(ctx, st, kr)
	var replaced []string
	if err == nil && o.replaceLost {
		keys := newDataKeys(st, kr)
		for _, id := range res.lostKeys {
			if _, err = keys.replace(ctx, id); err != nil {
				break
			}
			replaced = append(replaced, id)
		}
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "wrapped the data keys of %d tenants again with the current key; %d already were; %d tenants got their first data key\n",
		res.rewrapped, res.wrapped, res.made)
	_, _ = fmt.Fprintf(out, "sealed the secrets of %d integrations with their tenant's data key (the master key sealed them); %d already were\n",
		res.resealed, res.current)
	for _, id := range res.lostKeys {
		if slices.Contains(replaced, id) {
			_, _ = fmt.Fprintf(out, "tenant %s: no configured key opened its data key; it has a new one now (serve stores the configured secrets again at its next start; set those set in the console again)\n", id)
			continue
		}
		_, _ = fmt.Fprintf(out, "tenant %s: no configured key opens its data key, so none of its secrets can be opened "+
			"(serve refuses to start it; start with the key that wrapped it, or run rotate --replace-lost-keys)\n", id)
	}
	for _, id := range res.unreadable {
		_, _ = fmt.Fprintf(out, "integration %s: no configured key opens its secrets; serve stores them again from the config "+
			"at its next start if the integration is still declared\n", id)
	}
	if !o.dropPrevious || kr.Previous() == 0 {
		return nil
	}
	if err := secrets.DropPrevious(keyFile); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "removed %d previous keys from %s\n", kr.Previous(), keyFile)
	return nil
}

// resealResult counts what resealAll did.
type resealResult struct {
	rewrapped, wrapped, made int // tenants' data keys wrapped again, already current, or made now
	resealed, current        int // integrations sealed with their data key now, or already
	unreadable               []string
	lostKeys                 []string // tenants whose data key no configured key unwraps
}

func (r *resealResult) add(o resealResult) {
	r.rewrapped += o.rewrapped
	r.wrapped += o.wrapped
	r.made += o.made
	r.resealed += o.resealed
	r.current += o.current
	r.unreadable = append(r.unreadable, o.unreadable...)
	r.lostKeys = append(r.lostKeys, o.lostKeys...)
}

// resealAll wraps every tenant's data key with the keyring's current key
// (a tenant from before data keys gets one) and seals with it whatever
// integration secrets the master keyring sealed directly, in one
// transaction per tenant. Secrets already under a data key are not
// touched: rotating the master key rewraps a few bytes per tenant. A row
// or a data key no key opens is reported, not fatal: no key is lost by
// going on, since none of them could open it. A tenant being deleted
// (its key destroyed) is passed over.
func resealAll(ctx context.Context, st store.Store, kr *secrets.Keyring) (resealResult, error) {
	tenants, err := st.TenantList(ctx)
	if err != nil {
		return resealResult{}, fmt.Errorf("list tenants: %w", err)
	}
	keys := newDataKeys(st, kr)
	var res resealResult
	for _, t := range tenants {
		one, err := resealTenant(ctx, st.Scope(t.ID), keys)
		if err != nil {
			return res, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		res.add(one)
	}
	return res, nil
}

// resealTenant is resealAll for one tenant.
func resealTenant(ctx context.Context, st store.Scoped, keys *dataKeys) (resealResult, error) {
	var res resealResult
	id := st.Tenant()
	state, err := keys.rewrap(ctx, id)
	switch {
	case errors.Is(err, secrets.ErrNoKey):
		res.lostKeys = append(res.lostKeys, id)
		return res, nil
	case err != nil:
		return res, err
	}
	switch state {
	case keyDestroyed:
		return res, nil
	case keyNone:
		res.made++
	case keyCurrent:
		res.wrapped++
	case keyRewrapped:
		res.rewrapped++
	}
	env, err := keys.envelope(ctx, id, true)
	if err != nil {
		return res, err
	}
	err = st.WithTx(ctx, func(tx store.Tx) error {
		sealed, err := resealRows(ctx, tx, env)
		res.resealed, res.current, res.unreadable = sealed.resealed, sealed.current, sealed.unreadable
		return err
	})
	return res, err
}

// resealRows seals with the tenant's data key every integration's
// secrets that the master keyring sealed.
func resealRows(ctx context.Context, tx store.Tx, env secrets.Envelope) (resealResult, error) {
	var res resealResult
	rows, err := tx.IntegrationList(ctx)
	if err != nil {
		return res, fmt.Errorf("list integrations: %w", err)
	}
	for _, row := range rows {
		sealed, changed, err := env.Reseal(row.Secrets, secretAAD(tx.Tenant(), row.ID))
		switch {
		case errors.Is(err, secrets.ErrNoKey):
			res.unreadable = append(res.unreadable, tx.Tenant()+"/"+row.ID)
			continue
		case err != nil:
			return res, fmt.Errorf("integration %s: %w", row.ID, err)
		case !changed:
			res.current++
			continue
		}
		row.Secrets = sealed
		if err := tx.IntegrationUpsert(ctx, row); err != nil {
			return res, fmt.Errorf("store integration %s: %w", row.ID, err)
		}
		res.resealed++
	}
	return res, nil
}
