package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/spf13/cobra"
)

func init() { RegisterCommand(secretsCmd) }

// rotateOptions are the flags of `secrets rotate`.
type rotateOptions struct {
	newKey, dropPrevious bool
}

func secretsCmd(load func() (config.Config, error), stdout, _ io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "secrets",
		Short: "Manage the key that encrypts integration secrets at rest",
	}
	var o rotateOptions
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Seal every stored integration secret again with the current key",
		Long: "Seal every integration's stored secrets again with the current key: the first line of secret_key\n" +
			"(ALERTSYNC_SECRET_KEY) or of the key file. The lines after it are previous keys, which still open\n" +
			"what they sealed. To rotate: put a new key first and keep the old one on the next line (or, with a\n" +
			"generated key file, pass --new-key), run this, then remove the old line (--drop-previous does it in\n" +
			"the key file). serve seals every integration in the config again at each start; this command also\n" +
			"covers integrations no longer in the config, and needs no restart.\n\n" +
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
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "sealed the secrets of %d integrations again with the current key; %d already were\n", res.resealed, res.current)
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
	resealed, current int
	unreadable        []string
}

// resealAll seals every tenant's integrations' secrets with the
// keyring's current key, in one transaction per tenant. A row no key
// opens is reported, not fatal: no key is lost by going on, since none of
// them could open it.
func resealAll(ctx context.Context, st store.Store, kr *secrets.Keyring) (resealResult, error) {
	tenants, err := st.TenantList(ctx)
	if err != nil {
		return resealResult{}, fmt.Errorf("list tenants: %w", err)
	}
	var res resealResult
	for _, t := range tenants {
		one, err := resealTenant(ctx, st.Scope(t.ID), kr)
		if err != nil {
			return res, fmt.Errorf("tenant %s: %w", t.ID, err)
		}
		res.resealed += one.resealed
		res.current += one.current
		res.unreadable = append(res.unreadable, one.unreadable...)
	}
	return res, nil
}

// resealTenant is resealAll for one tenant, in one transaction.
func resealTenant(ctx context.Context, st store.Scoped, kr *secrets.Keyring) (resealResult, error) {
	var res resealResult
	err := st.WithTx(ctx, func(tx store.Tx) error {
		res = resealResult{}
		rows, err := tx.IntegrationList(ctx)
		if err != nil {
			return fmt.Errorf("list integrations: %w", err)
		}
		for _, row := range rows {
			sealed, changed, err := kr.Reseal(row.Secrets, row.ID)
			switch {
			case errors.Is(err, secrets.ErrNoKey):
				res.unreadable = append(res.unreadable, row.ID)
				continue
			case err != nil:
				return fmt.Errorf("integration %s: %w", row.ID, err)
			case !changed:
				res.current++
				continue
			}
			row.Secrets = sealed
			if err := tx.IntegrationUpsert(ctx, row); err != nil {
				return fmt.Errorf("store integration %s: %w", row.ID, err)
			}
			res.resealed++
		}
		return nil
	})
	return res, err
}
