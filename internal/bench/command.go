package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/spf13/cobra"
)

func init() { app.RegisterCommand(benchCmd) }

func benchCmd(_ func() (config.Config, error), stdout, stderr io.Writer) *cobra.Command {
	var (
		verbose    bool
		asJSON     bool
		profile    string
		memProfile string
		o          Options
		dsnFlag    string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ingest alerts/s and outbox actions/s on SQLite and PostgreSQL",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.PostgresDSN = dsnFlag
			if o.PostgresDSN == "" {
				o.PostgresDSN = os.Getenv("ALERTSYNC_BENCH_POSTGRES_DSN")
			}
			if o.PostgresDSN == "" {
				o.PostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
			}
			if verbose {
				o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			}
			if profile != "" {
				stopProfile, err := startCPUProfile(profile)
				if err != nil {
					return err
				}
				defer stopProfile()
			}
			res, err := Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if memProfile != "" {
				if err := writeAllocProfile(memProfile); err != nil {
					return err
				}
			}
			if asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			names := make([]string, 0, len(res))
			for n := range res {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				r := res[n]
				if r.Error != "" {
					_, _ = fmt.Fprintf(stdout, "%-9s error: %s\n", n, r.Error)
					continue
				}
				_, _ = fmt.Fprintf(stdout, "%-9s ingest %8.0f alerts/s (%d alerts)   outbox %7.0f actions/s (%d actions)   validation %6.0f passes/s\n",
					n, r.IngestAlertsPerS, r.Alerts, r.OutboxActionsPerS, r.Actions, r.ValidationPassesPerS)
				if y := r.Sync; y != nil {
					_, _ = fmt.Fprintf(stdout, "%-9s sync end to end: %d alerts ingested from the emulators at %.0f/s; verdict -> vendor p50 %.0f ms p99 %.0f ms (%d at %.0f/s); write-back %.0f/s against a direct client's %.0f/s (%d verdicts, %d unconfirmed, vendor latency %.0f ms); RSS %.0f MB\n",
						n, y.Alerts, y.IngestAlertsPerS, y.VerdictToRemoteMS.P50, y.VerdictToRemoteMS.P99, y.LatencySamples, y.VerdictRate,
						y.WritebackPerS, y.DirectClientWritebackPerS, y.Verdicts, y.Unconfirmed, y.VendorLatencyMS, y.RSSMB)
					_, _ = fmt.Fprintf(stdout, "%-9s API calls per synced alert: %v; write-back calls only: %v; seconds to each vendor's last write: %v\n", n, y.APICallsPerSyncedAlert, y.WriteCallsPerSyncedAlert, y.WritebackSeconds)
				}
				if l := r.Lacework; l != nil {
					_, _ = fmt.Fprintf(stdout, "%-9s lacework: %d alerts assembled from six scopes and stored at %.0f/s (%d at once, %.0f ms a scope call, %d scope calls, at most %d in flight, %d half-assembled)\n",
						n, l.Alerts, l.AssembledAlertsPerS, l.Concurrency, l.ScopeLatencyMS, l.ScopeCalls, l.MaxScopeCallsInFlight, l.HalfAssembled)
				}
				if p := r.Playbook; p != nil {
					_, _ = fmt.Fprintf(stdout, "%-9s playbook: %.0f durable pushes/s (p50 %.0f ms, p99 %.0f ms, %d of %d triggers delivered, %d senders, RSS %.0f MB; %.2f commits, %.1f rows, %.4f fsyncs and %.1f KB of write-ahead log a run) against a bare relay's %.0f/s (%.2fx)\n",
						n, p.PushPerS, p.Latency.P50, p.Latency.P99, p.Delivered, p.Sent, p.Concurrency, p.RSSMB, p.CommitsPerRun, p.RowsPerRun,
						p.FsyncsPerRun, p.WALBytesPerRun/1024, p.BareRelayPerS, p.Ratio)
				}
				if t := r.Tenants; t != nil {
					_, _ = fmt.Fprintf(stdout, "%-9s tenants: %d tenants x %d alerts (same vendor ids in each) ingested at %.0f/s against one tenant's %.0f/s (%.2fx); verdict -> remote p50 %.1f ms p99 %.1f ms against one tenant's p50 %.1f ms p99 %.1f ms (p99 %.2fx; %d verdicts at %.0f/s); %d cross-tenant writes, %d tenants with a wrong alert count\n",
						n, t.Tenants, t.AlertsPerTenant, t.IngestAlertsPerS, t.SingleTenant.IngestAlertsPerS, t.IngestVsSingle, t.VerdictRemoteP50MS, t.VerdictRemoteP99MS,
						t.SingleTenant.VerdictRemoteP50MS, t.SingleTenant.VerdictRemoteP99MS, t.VerdictP99VsSingle, t.Verdicts, t.VerdictRate, t.CrossTenantWrites, t.WrongAlertCounts)
				}
				if b := r.VerdictUnderBacklog; b != nil {
					_, _ = fmt.Fprintf(stdout, "%-9s verdict under a backlog of %d automatic comments (throttled vendor, %d samples): same vendor p50 %.0f ms p99 %.0f ms; other vendor p50 %.0f ms p99 %.0f ms\n",
						n, b.Pending, b.Samples, b.SameVendor.P50, b.SameVendor.P99, b.OtherVendor.P50, b.OtherVendor.P99)
					_, _ = fmt.Fprintf(stdout, "%-9s comments queued by ingesting %d alerts with comment sync on: %d (default policy), %d (auto-validate on)\n",
						n, b.IngestedAlerts, b.CommentsQueued["default_policy"], b.CommentsQueued["auto_validate"])
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&verbose, "verbose", false, "log the hub's and the emulators' warnings and errors to stderr")
	cmd.Flags().StringVar(&profile, "cpuprofile", "", "write a CPU profile of the whole run to this file (read it with go tool pprof)")
	cmd.Flags().StringVar(&memProfile, "memprofile", "", "write the run's allocations (every allocation site, sampled) to this file (go tool pprof -sample_index=alloc_space)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with ingest_alerts_per_s and outbox_actions_per_s per store")
	cmd.Flags().IntVar(&o.Alerts, "alerts", 50000, "alerts to ingest")
	cmd.Flags().IntVar(&o.Actions, "actions", 20000, "outbox actions to deliver")
	cmd.Flags().IntVar(&o.Workers, "workers", 32, "concurrent outbox deliveries")
	cmd.Flags().IntVar(&o.Backlog, "backlog", 10000, "automatic comments queued on a throttled integration in the backlog case (negative: skip the case)")
	cmd.Flags().IntVar(&o.BacklogSamples, "backlog-samples", 20, "verdict pairs timed in the backlog case")
	cmd.Flags().IntVar(&o.Sync.Alerts, "sync-alerts", 10000, "alerts raised across the vendor emulators for the end-to-end sync case (negative: skip the case)")
	cmd.Flags().IntVar(&o.Sync.LatencySamples, "sync-latency-samples", 1000, "verdicts timed from commit to the vendor, given at --sync-verdict-rate")
	cmd.Flags().Float64Var(&o.Sync.VerdictRate, "sync-verdict-rate", 200, "verdicts a second in the timed part of the sync case")
	cmd.Flags().DurationVar(&o.Sync.VendorLatency, "sync-vendor-latency", 0, "delay every emulator answer by this much in the sync case, as a vendor's round trip does (e.g. 20ms)")
	cmd.Flags().IntVar(&o.Lacework.Alerts, "lacework-alerts", 2000, "alerts the Lacework case assembles from six scopes each (negative: skip the case)")
	cmd.Flags().DurationVar(&o.Lacework.ScopeLatency, "lacework-scope-latency", 50*time.Millisecond, "how long every Lacework scope call takes at the emulator")
	cmd.Flags().IntVar(&o.Lacework.Concurrency, "lacework-concurrency", 16, "alerts the Lacework connector assembles at once (alert_concurrency)")
	cmd.Flags().DurationVar(&o.Playbook.Duration, "playbook-duration", 30*time.Second, "how long the playbook case pushes triggers, and then the bare relay as long (negative: skip the case)")
	cmd.Flags().IntVar(&o.Playbook.Concurrency, "playbook-concurrency", 16, "concurrent senders of the playbook case")
	cmd.Flags().IntVar(&o.Tenants.Tenants, "tenants", 100, "tenants sharing one store in the tenants case, measured against one tenant with all their alerts (negative: skip the case)")
	cmd.Flags().IntVar(&o.Tenants.Alerts, "tenant-alerts", 1000, "alerts each tenant ingests in the tenants case, the same vendor ids in every tenant (negative: skip the case)")
	cmd.Flags().IntVar(&o.Tenants.Verdicts, "tenant-verdicts", 6000, "verdicts timed to their write-backs on each side of the tenants case, at 200 a second (more make its p99 steadier)")
	cmd.Flags().StringSliceVar(&o.Stores, "stores", []string{"sqlite", "postgres"}, "stores to measure")
	cmd.Flags().StringSliceVar(&o.Stores, "store", []string{"sqlite", "postgres"}, "the same as --stores: sqlite, postgres, or both (repeatable)")
	// The DSN may carry a password, so it is read at run time and never
	// shown as a flag default in help output.
	cmd.Flags().StringVar(&dsnFlag, "postgres-dsn", "", "PostgreSQL DSN (default $ALERTSYNC_BENCH_POSTGRES_DSN, else the local test database)")
	return cmd
}

// writeAllocProfile writes where the run allocated, sampled as the
// runtime does by default: garbage collection is a fifth of the hub's
// CPU in the playbook case, and this shows what feeds it.
func writeAllocProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create alloc profile: %w", err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		_ = f.Close()
		return fmt.Errorf("write alloc profile: %w", err)
	}
	return f.Close()
}

// startCPUProfile profiles the process into path until the returned stop
// is called: the bench runs the hub in-process, so the profile shows
// where a case's time goes.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}
