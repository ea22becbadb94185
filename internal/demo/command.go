package demo

import (
	"errors"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/spf13/cobra"
)

func init() { app.RegisterCommand(command) }

func command(_ func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command {
	var (
		o         Options
		verbose   bool
		summary   string
		endpoints []string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run alertsync on embedded SQLite against the vendor emulators and report what it did",
		Long: "Run the hub on embedded SQLite against every vendor emulator, walk a scenario whose every step is\n" +
			"checked against the emulators' own state, optionally keep traffic flowing for --duration, and report\n" +
			"what each vendor's console shows against what the hub holds. Exits non-zero when a check fails or a\n" +
			"mismatch remains. See docs/demo.md for the --summary-json format.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			var err error
			if o.Endpoints, err = parseEndpoints(endpoints); err != nil {
				return err
			}
			o.Out = stdout
			level := "error"
			if verbose {
				level = "info"
			}
			if o.Logger, err = app.CommandLogger(cmd, stderr, level); err != nil {
				return err
			}
			_, _ = fmt.Fprintln(stdout, startLine(o))
			sum, runErr := Run(ctx, o)
			if summary != "" {
				if err := sum.WriteJSON(summary); err != nil {
					return errors.Join(runErr, err)
				}
			}
			if runErr != nil {
				return runErr
			}
			if !o.Keep {
				sum.Print(stdout)
			}
			if f := sum.Failed(); len(f) > 0 {
				return fmt.Errorf("%d demo checks failed", len(f))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Keep, "keep", false, "keep the hub and emulators serving after the scenario; prints their URLs, the admin token and the data dir")
	f.StringVar(&o.Listen, "listen", "127.0.0.1:0", "API listen address")
	f.StringVar(&o.DataDir, "data-dir", "", "data dir (a temporary one when empty)")
	f.DurationVar(&o.PollInterval, "poll-interval", time.Second, "how often the hub polls each integration")
	f.StringVar(&summary, "summary-json", "", "write the run's summary as JSON to this file (also when a check fails); see docs/demo.md")
	f.DurationVar(&o.Duration, "duration", 0, "keep the scenario alive this long from the start, with steady traffic after the checked rows (0: the scenario's natural length)")
	f.Float64Var(&o.Rate, "rate", 1, "events a second during --duration: new alerts, verdicts, vendor users' changes, comments")
	f.DurationVar(&o.Settle, "settle-timeout", 2*time.Minute, "how long to wait at the end for the outbox to drain and hub and vendors to agree")
	f.StringVar(&o.EmulatorsListen, "emulators-listen", "127.0.0.1:0", "HOST:PORT to serve the emulators on, each vendor on its own path (see `alertsync emulate`); fix it to put a proxy in front")
	f.StringArrayVar(&endpoints, "endpoint", nil, "KIND=URL: the hub calls URL for that vendor kind (or login, e.g. entra) instead of the emulator; repeatable")
	f.BoolVar(&o.OneTenant, "one-tenant", false, "run the default tenant alone, without the second customer organisation (its own Entra tenant and Sekoia.io community)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log what the hub does")
	return cmd
}

func startLine(o Options) string {
	if o.Duration > 0 {
		return fmt.Sprintf("Starting the emulators and the hub; the scenario runs for %s, then waits for everything to settle...", o.Duration)
	}
	return "Starting the emulators and the hub; the scenario takes about a minute..."
}

// parseEndpoints reads repeated KIND=URL flags.
func parseEndpoints(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		kind, url, ok := strings.Cut(f, "=")
		if !ok || kind == "" || !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
			return nil, fmt.Errorf("--endpoint %q: want KIND=http(s)://host[:port][/path]", f)
		}
		out[kind] = strings.TrimRight(url, "/")
	}
	return out, nil
}
