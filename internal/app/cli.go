package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/spf13/cobra"
)

// Main runs the alertsync command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "alertsync",
		Short:         "Keep every security console a SOC runs in agreement",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var cfgPath string
	root.PersistentFlags().StringVarP(&cfgPath, "config", "c", os.Getenv("ALERTSYNC_CONFIG"), "YAML config file (env ALERTSYNC_CONFIG)")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	load := func() (config.Config, error) { return config.Load(cfgPath) }
	root.AddCommand(serveCmd(load, stderr), migrateCmd(load, stdout), versionCmd(stdout))
	for _, extra := range extraCommands {
		root.AddCommand(extra(load, stdout, stderr))
	}
	if err := root.Execute(); err != nil {
		fmt.Fprintln(stderr, "alertsync:", err)
		return 1
	}
	return 0
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

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func serveCmd(load func() (config.Config, error), stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run alertsync: API, pollers, outbox delivery and validation passes",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := New(ctx, cfg, Options{Logger: newLogger(stderr, cfg.LogLevel)})
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := load()
			if err != nil {
				return err
			}
			st, err := OpenStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "migrated %s store\n", st.Driver())
			return st.Close()
		},
	}
}

func versionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(*cobra.Command, []string) {
			fmt.Fprintln(stdout, "alertsync", Version)
		},
	}
}
