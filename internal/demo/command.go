package demo

import (
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/spf13/cobra"
)

func init() { app.RegisterCommand(command) }

func command(_ func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command {
	var (
		o       Options
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run alertsync on embedded SQLite against the vendor emulators and report what it did",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			o.Out = stdout
			level := slog.LevelError
			if verbose {
				level = slog.LevelInfo
			}
			o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
			fmt.Fprintln(stdout, "Starting the emulators and the hub; the scenario takes about a minute...")
			sum, err := Run(ctx, o)
			if err != nil {
				return err
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
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the hub and emulators serving after the scenario")
	cmd.Flags().StringVar(&o.Listen, "listen", "127.0.0.1:0", "API listen address")
	cmd.Flags().StringVar(&o.DataDir, "data-dir", "", "data dir (a temporary one when empty)")
	cmd.Flags().DurationVar(&o.PollInterval, "poll-interval", time.Second, "how often the hub polls each integration")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log what the hub does")
	return cmd
}
