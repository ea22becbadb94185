package demo

import (
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"github.com/spf13/cobra"
)

func init() { app.RegisterCommand(emulateCommand) }

// emulateCommand serves every registered vendor emulator on one address,
// each on a path of its own, seeded with its share of the scenario and
// its walk-through, so a hub (or curl, or a proxy) can be pointed at them
// by hand.
func emulateCommand(_ func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command {
	var (
		listen, writeConfig string
		alerts              []string
	)
	cmd := &cobra.Command{
		Use:   "emulate",
		Short: "Serve the vendor API emulators on one address, each vendor on its own path",
		Long: "Serve every vendor emulator (and the logins they share) on --listen, each on a path prefix of its\n" +
			"own, print each vendor's base URL and the demo credentials, and optionally write a ready `serve`\n" +
			"config for them with --write-config. See docs/demo.md.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			sizes, err := parseAlerts(alerts)
			if err != nil {
				return err
			}
			log, err := app.CommandLogger(cmd, stderr, "warn")
			if err != nil {
				return err
			}
			w, err := newWorld(log, sizes, listen)
			if err != nil {
				return err
			}
			defer w.close()
			if err := seedWalkthroughs(w); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(stdout, "Emulators at %s\n", w.url)
			printEndpoints(stdout, w, nil)
			describe(stdout, w)
			if writeConfig != "" {
				files, err := writeServeConfig(writeConfig, w)
				if err != nil {
					return err
				}
				_, _ = fmt.Fprintf(stdout, "\nWrote a serve config for these emulators to %s (secrets in %s).\nRun: alertsync serve --config %s\n",
					writeConfig, strings.Join(files, ", "), writeConfig)
			}
			_, _ = fmt.Fprintln(stdout, "\nServing until interrupted.")
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8090", "HOST:PORT to serve every emulator on (port 0 picks a free one)")
	cmd.Flags().StringVar(&writeConfig, "write-config", "", "write a ready `alertsync serve` config for these emulators to FILE")
	cmd.Flags().StringArrayVar(&alerts, "alerts", nil, "KIND=N: alerts that emulator seeds (its default otherwise); repeatable")
	return cmd
}

// parseAlerts reads repeated KIND=N flags.
func parseAlerts(flags []string) (map[string]int, error) {
	out := map[string]int{}
	for _, f := range flags {
		kind, n, ok := strings.Cut(f, "=")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || v < 0 {
			return nil, fmt.Errorf("--alerts %q: want KIND=N", f)
		}
		out[kind] = v
	}
	return out, nil
}

// seedWalkthroughs lets every vendor that has one seed its walk-through,
// in start order (Sentinel relates alerts Defender for Cloud raised).
func seedWalkthroughs(w *world) error {
	for _, v := range w.set.Vendors() {
		em, _ := w.set.Emulator(v.Kind)
		if s, ok := em.(registry.Seeder); ok {
			if err := s.SeedWalkthrough(); err != nil {
				return fmt.Errorf("%s walk-through: %w", v.Kind, err)
			}
		}
	}
	return nil
}

// printEndpoints lists each login's and vendor's base URL; ep shows where
// the hub was pointed instead, when it was.
func printEndpoints(out io.Writer, w *world, ep map[string]string) {
	logins := w.set.Logins()
	names := make([]string, 0, len(logins))
	for name := range logins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		_, _ = fmt.Fprintf(out, "  %-13s %s  %s%s\n", name, w.base(name), registry.LoginTitle(name), via(ep, name))
		logins[name].Describe(out, w.base(name))
	}
	for _, v := range w.set.Vendors() {
		where := ""
		if v.Host != "" {
			where = " (behind " + registry.HostTitle(v.Host) + ", " + v.Route + ")"
		}
		_, _ = fmt.Fprintf(out, "  %-13s %s  %s%s%s\n", v.Kind, w.base(v.Kind), v.Name, where, via(ep, v.Kind))
	}
}

func via(ep map[string]string, name string) string {
	if u, ok := ep[name]; ok {
		return "; the hub calls it through " + u
	}
	return ""
}

// describe prints each vendor's walk-through: what was seeded and the
// requests that act on it.
func describe(out io.Writer, w *world) {
	for _, v := range w.set.Vendors() {
		em, _ := w.set.Emulator(v.Kind)
		if s, ok := em.(registry.Seeder); ok {
			_, _ = fmt.Fprintf(out, "\n%s (%s)\n", v.Name, v.Kind)
			s.Describe(out, w.base(v.Kind))
		}
	}
}
