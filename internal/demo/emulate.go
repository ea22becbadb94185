package demo

import (
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/spf13/cobra"
)

func init() { app.RegisterCommand(emulateCommand) }

// emulateCommand serves the vendor emulators on their own, seeded with the
// demo scenario plus a few Defender for Cloud alerts and their Sentinel
// incidents (seedEmulate), so a hub (or curl) can be pointed at them by
// hand and the seed's behaviour table walked without the hub.
func emulateCommand(_ func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command {
	var graphAlerts, mdeAlerts int
	cmd := &cobra.Command{
		Use:   "emulate",
		Short: "Serve the vendor API emulators (Entra ID, Graph, Defender for Endpoint, ARM: Defender for Cloud + Sentinel)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			w, err := newWorld(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), graphAlerts, mdeAlerts)
			if err != nil {
				return err
			}
			defer w.close()
			seed, err := seedEmulate(w)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Entra ID token endpoint  %s\n", w.tokenURL())
			fmt.Fprintf(stdout, "Graph security v1.0      %s/v1.0\n", w.graphURL)
			fmt.Fprintf(stdout, "Defender for Endpoint    %s\n", w.mdeURL)
			fmt.Fprintf(stdout, "ARM (DfC + Sentinel)     %s  subscription %s, resource group %s, workspace %s\n",
				w.armURL, subscription, resourceGrp, workspace)
			fmt.Fprintf(stdout, "App registration         tenant %s, client %s, secret %q (emulator-only)\n", tenantID, clientID, clientSecret)
			seed.print(stdout, w)
			fmt.Fprintln(stdout, "Serving until interrupted.")
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().IntVar(&graphAlerts, "graph-alerts", 300, "seeded Graph alerts")
	cmd.Flags().IntVar(&mdeAlerts, "mde-alerts", 120, "seeded Defender for Endpoint alerts")
	return cmd
}
