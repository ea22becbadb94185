package demo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/spf13/cobra"
)

func init() { app.RegisterCommand(chaosCommand) }

// defaultChaosDSN is the local server's own database; the run makes a
// database of its own beside it.
const defaultChaosDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// chaosCommand runs the fault suite: replicas as child processes of this
// binary against the vendor emulators with faults on, processes killed,
// database connections cut, and at the end every vendor's console
// compared with what the verdicts require.
func chaosCommand(_ func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command {
	o := ChaosOptions{Faults: DefaultVendorFaults()}
	var asJSON, verbose bool
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Run the fault suite: replicas, vendor faults, kills and database faults, then count what was lost or sent twice",
		Long: "Start the vendor emulators with faults on (5xx, the vendors' own 429s, timeouts, tokens expiring every\n" +
			"minute, one vendor down in the middle), run `alertsync serve` replicas as child processes (on PostgreSQL:\n" +
			"--replicas on a database made for the run, one SIGKILLed every --kill-every; on SQLite: one process\n" +
			"SIGKILLed --kills times during --actions verdicts and comments), cut the run's database connections and,\n" +
			"with --restart-postgres, restart the local server, while analysts give verdicts and comments through the\n" +
			"API of whichever replica is alive. Then stop the faults, let everything settle and compare every vendor's\n" +
			"console with what the verdicts and policies require. Exits non-zero when a write was lost or applied twice,\n" +
			"or a failover took longer than --max-failover, not counting the seconds the database server was down.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if o.Store != "postgres" && o.Store != "sqlite" {
				return fmt.Errorf("--store %q: want postgres or sqlite", o.Store)
			}
			o.Progress = stderr
			if asJSON && !verbose {
				o.Progress = io.Discard
			}
			if verbose {
				o.Stderr = stderr
			}
			rep, err := RunChaos(ctx, o)
			if asJSON {
				if jerr := rep.WriteJSON(stdout); jerr != nil {
					return errors.Join(err, jerr)
				}
			} else {
				rep.Print(stdout)
			}
			if err != nil {
				return err
			}
			if f := rep.Failed(); len(f) > 0 {
				return fmt.Errorf("chaos: %s", strings.Join(f, "; "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Store, "store", "postgres", "postgres (replicas on one database) or sqlite (one process)")
	f.StringVar(&o.PostgresDSN, "postgres-dsn", envOr("ALERTSYNC_CHAOS_POSTGRES_DSN", defaultChaosDSN),
		"postgres:// URL of the server to make the run's database on (env ALERTSYNC_CHAOS_POSTGRES_DSN); it is dropped at the end")
	f.DurationVar(&o.Duration, "duration", 5*time.Minute, "PostgreSQL: how long traffic and faults last")
	f.IntVar(&o.Actions, "actions", 10000, "SQLite: how many verdicts and comments the analysts make")
	f.IntVar(&o.Kills, "kills", 20, "SQLite: how many times the process is SIGKILLed, at random moments of the actions")
	f.IntVar(&o.Replicas, "replicas", 3, "PostgreSQL: how many replicas run")
	f.DurationVar(&o.KillEvery, "kill-every", 10*time.Second, "PostgreSQL: SIGKILL one replica this often (it is started again 3s later)")
	f.IntVar(&o.ConnectionCuts, "connection-cuts", 3, "PostgreSQL: end every connection to the run's database this many times")
	f.BoolVar(&o.RestartPostgres, "restart-postgres", false, "PostgreSQL: restart the local server once mid-run (pg_ctlcluster; the report says why when it cannot)")
	f.DurationVar(&o.Outage, "outage", time.Minute, "how long one vendor is down, in the middle of the run (at most a third of --duration)")
	f.Float64Var(&o.Rate, "rate", 0, "analyst actions a second (0: 5 on PostgreSQL, as fast as the API answers on SQLite)")
	f.DurationVar(&o.Settle, "settle", 3*time.Minute, "how long to wait, after the faults stop, for every write to reach the vendors")
	f.DurationVar(&o.MaxFailover, "max-failover", 15*time.Second, "fail when a poll lease takes longer than this to move after a kill, not counting the seconds the server was down (restarting)")
	f.Int64Var(&o.Seed, "seed", 1, "seed of the faults, the kills and the analysts' choices")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVarP(&verbose, "verbose", "v", false, "show progress with --json, and the replicas' logs")
	return cmd
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
