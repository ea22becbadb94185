package app

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/spf13/cobra"
)

func init() { RegisterCommand(tenantCmd) }

// tenantCmd manages tenants in the store: `alertsync tenant create|list|
// enable|disable|delete`. It works on the database itself, serve running
// or not; running replicas follow within a heartbeat (a few seconds). The
// API (/api/v1/tenants) does the same for a provider's operator.
func tenantCmd(load func() (config.Config, error), stdout, _ io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "tenant",
		Short: "Create, list, disable, enable and delete tenants (customer organisations)",
		Long: "Manage the tenants one hub serves, in its store: running replicas start a created or enabled\n" +
			"tenant and stop a disabled or deleted one within a heartbeat. A tenant's integrations and\n" +
			"playbooks come from the configuration (tenants[] in the config file); the default tenant holds\n" +
			"the top-level ones and cannot be disabled or deleted.\n\n" + configHelp + "\n\n" + docsPointer,
	}
	withStore := func(run func(cmd *cobra.Command, st store.Store, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			st, err := OpenStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			return run(cmd, st, args)
		}
	}
	var name string
	create := &cobra.Command{
		Use:   "create ID",
		Short: "Create an active tenant",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(func(cmd *cobra.Command, st store.Store, args []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			// The new tenant's data key is wrapped with the master key.
			ring, err := secrets.LoadOrCreate(cfg.SecretKey.Reveal(), keyFileOf(cfg))
			if err != nil {
				return fmt.Errorf("load secret key: %w", err)
			}
			t, err := createTenant(cmd.Context(), st, ring, args[0], name, time.Now().UTC())
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(stdout, "created tenant %s (%s)\n", t.ID, t.Name)
			return nil
		}),
	}
	create.Flags().StringVar(&name, "name", "", "how people see the tenant (default: its id)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List every tenant with its status",
		Args:  cobra.NoArgs,
		RunE: withStore(func(cmd *cobra.Command, st store.Store, _ []string) error {
			ts, err := st.TenantList(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			_, _ = fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tCREATED")
			for _, t := range ts {
				_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Status, t.CreatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		}),
	}
	status := func(use, short string, to store.TenantStatus) *cobra.Command {
		return &cobra.Command{
			Use:   use + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: withStore(func(cmd *cobra.Command, st store.Store, args []string) error {
				if _, _, err := setTenantStatus(cmd.Context(), st, args[0], to, time.Now().UTC()); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(stdout, "tenant %s is %s\n", args[0], to)
				return nil
			}),
		}
	}
	var yes bool
	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a tenant: stop it everywhere, purge its rows, destroy its data key",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(func(cmd *cobra.Command, st store.Store, args []string) error {
			if !yes {
				return fmt.Errorf("deleting tenant %s destroys its alerts, incidents, history and secrets for good: pass --yes", args[0])
			}
			rows, err := deleteTenant(cmd.Context(), st, args[0], time.Now().UTC())
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(stdout, "deleted tenant %s (%d rows purged)\n", args[0], rows)
			return nil
		}),
	}
	del.Flags().BoolVar(&yes, "yes", false, "really delete")
	root.AddCommand(create, list,
		status("disable", "Disable a tenant: keep its data, poll, deliver and serve nothing of it", store.TenantDisabled),
		status("enable", "Enable a disabled tenant", store.TenantActive), del)
	return root
}
