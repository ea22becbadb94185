package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/gcfloor"
	"github.com/spf13/cobra"
)

// Main runs the alertsync command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "alertsync",
		Short:         "Keep every security console a SOC runs in agreement",
		Long:          "alertsync keeps every security console a SOC runs in agreement.\n\n" + docsPointer,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Checked before any subcommand runs, so a typo fails at once
		// rather than after a store was opened.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			_, err := logFormatOf(cmd)
			return err
		},
	}
	var cfgPath string
	root.PersistentFlags().StringVarP(&cfgPath, "config", "c", os.Getenv("ALERTSYNC_CONFIG"),
		"YAML config file (env ALERTSYNC_CONFIG); see alertsync.example.yaml and docs/configuration.md")
	root.PersistentFlags().String(logFormatFlag, envOr("ALERTSYNC_LOG_FORMAT", "text"),
		"log line format: text (key=value) or json, one object a line (env ALERTSYNC_LOG_FORMAT)")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	load := func() (config.Config, error) { return config.Load(cfgPath) }
	root.AddCommand(serveCmd(load, stderr), migrateCmd(load, stdout), versionCmd(stdout))
	for _, extra := range extraCommands {
		root.AddCommand(extra(load, stdout, stderr))
	}
	floor, err := gcFloorOf(os.Getenv("ALERTSYNC_GC_FLOOR_MB"))
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "alertsync:", err)
		return 1
	}
	defer gcfloor.Start(floor).Stop()
	if err := root.Execute(); err != nil {
		_, _ = fmt.Fprintln(stderr, "alertsync:", err)
		return 1
	}
	return 0
}

// gcFloorOf reads ALERTSYNC_GC_FLOOR_MB: the heap, in MiB, below which
// the collector does not start a cycle (gcfloor); empty is the default,
// 0 turns the floor off.
func gcFloorOf(v string) (int64, error) {
	if v == "" {
		return gcfloor.DefaultFloor, nil
	}
	mb, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || mb < 0 || mb > 1<<20 {
		return 0, fmt.Errorf("ALERTSYNC_GC_FLOOR_MB=%q: want a whole number of MiB from 0 (no floor) up", v)
	}
	return mb << 20, nil
}

// CommandFactory builds one subcommand; load reads the config the user
// pointed at.
type CommandFactory func(load func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command

// extraCommands are subcommands added by other packages (demo, emulate) and
// by later files here (bench), so Main does not grow.
var extraCommands []CommandFactory

// RegisterCommand adds a subcommand to the alertsync command line. Call it
// from init().
func RegisterCommand(f CommandFactory) { extraCommands = append(extraCommands, f) }

func serveCmd(load func() (config.Config, error), stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run alertsync: API, pollers, outbox delivery and validation passes",
		Long: "Run alertsync until interrupted (SIGINT or SIGTERM): the JSON API, a poller per integration, outbox\n" +
			"delivery and validation passes. The store is migrated on start.\n\n" +
			configHelp + "\n\n" +
			"API tokens: without api.admin_token (ALERTSYNC_ADMIN_TOKEN) or api.tokens the hub still syncs, but\n" +
			"its API refuses every request except push intake, /healthz, /metrics and /openapi.json; serve\n" +
			"starts anyway and says so in a WARN line.\n\n" + docsPointer,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			log, err := CommandLogger(cmd, stderr, cfg.LogLevel)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := New(ctx, cfg, Options{Logger: log})
			if err != nil {
				return err
			}
			if err := a.Start(ctx); err != nil {
				_ = a.Stop(context.Background())
				return err
			}
			<-ctx.Done()
			shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			return a.Stop(shutdown)
		},
	}
}

func migrateCmd(load func() (config.Config, error), stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		Long: "Apply the store's database migrations and exit. Optional: serve migrates on start too; run it\n" +
			"on its own to migrate before a rollout, or with a role allowed to change the schema.\n\n" +
			configHelp + "\n\n" + docsPointer,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			st, err := OpenStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(stdout, "migrated %s store\n", st.Driver())
			return st.Close()
		},
	}
}

func versionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and Go toolchain of this binary",
		Run: func(*cobra.Command, []string) {
			bi, _ := debug.ReadBuildInfo()
			_, _ = fmt.Fprint(stdout, versionReport(Version, bi))
		},
	}
}

// docsPointer ends every help text that configures something, so a user
// with only the binary knows where the reference is.
const docsPointer = "Documentation: docs/configuration.md (every key, environment variable, the intake and write-back\n" +
	"formats) and docs/architecture.md in the alertsync source tree; alertsync.example.yaml at its root\n" +
	"is a commented config for every connector."

// configHelp is the part of serve's and migrate's help that says where
// the config comes from, generated from config.EnvVars so it lists every
// variable Load reads.
var configHelp = func() string {
	var b strings.Builder
	b.WriteString("Configuration: the YAML file named by --config (or ALERTSYNC_CONFIG); without one, defaults and\n" +
		"the environment only. Secrets in the file can be written as ${env:NAME} or ${file:PATH} and are\n" +
		"resolved at start. These environment variables override the file when set:\n")
	rows := [][2]string{
		{"ALERTSYNC_CONFIG", "the config file, when --config is not given"},
		{"ALERTSYNC_LOG_FORMAT", "text or json, when --log-format is not given"},
		{"ALERTSYNC_GC_FLOOR_MB", "heap MiB below which the Go collector does not run (default 32; 0: GOGC alone)"},
	}
	for _, v := range config.EnvVars {
		rows = append(rows, [2]string{v.Name, v.Key + ": " + v.Description})
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-26s %s\n", r[0], r[1])
	}
	return strings.TrimRight(b.String(), "\n")
}()

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
