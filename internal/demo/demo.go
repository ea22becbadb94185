package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
)

// Options tune a demo run.
type Options struct {
	DataDir      string // a temporary dir when empty
	Listen       string // API address; a free port when empty
	PollInterval time.Duration
	GraphAlerts  int
	MDEAlerts    int
	Logger       *slog.Logger
	// Keep leaves the hub and the emulators serving until ctx ends.
	Keep bool
	Out  io.Writer
}

// Run starts the emulators and the hub, walks the scenario and returns
// its summary. Every row is checked against the emulators' own state.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.GraphAlerts <= 0 {
		o.GraphAlerts = 300
	}
	if o.MDEAlerts <= 0 {
		o.MDEAlerts = 120
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "alertsync-demo-")
		if err != nil {
			return nil, fmt.Errorf("create demo data dir: %w", err)
		}
		defer func() {
			if !o.Keep {
				os.RemoveAll(dir)
			}
		}()
		o.DataDir = filepath.Join(dir, "data")
	}
	w, err := newWorld(o.Logger, o.GraphAlerts, o.MDEAlerts)
	if err != nil {
		return nil, err
	}
	defer w.close()
	// The seed's known issue: a fresh app registration may get one
	// InsufficientAccessError; alertsync must retry, not give up.
	w.dfc.FailFirstInsufficientAccess(1)

	cfg := hubConfig(w, o)
	race := &analystRace{base: http.DefaultTransport}
	a, err := app.New(ctx, cfg, app.Options{Logger: o.Logger, HTTPClient: &http.Client{Transport: race, Timeout: 30 * time.Second}})
	if err != nil {
		return nil, err
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(context.Background())
		return nil, err
	}
	s := &scenario{ctx: ctx, app: a, w: w, poll: o.PollInterval, race: race, sum: &Summary{API: "http://" + a.Addr(), DataDir: o.DataDir}}
	runErr := s.run()
	if o.Keep && runErr == nil {
		s.sum.Print(o.Out)
		fmt.Fprintf(o.Out, "\nServing the API at %s (admin token %q) until interrupted.\n", s.sum.API, demoAdminToken)
		<-ctx.Done()
	}
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Stop(stop); err != nil && runErr == nil {
		runErr = err
	}
	return s.sum, runErr
}

// demoAdminToken is the admin API token of the demo hub only.
const demoAdminToken = "demo-admin-token-0123456789abcdef"

func hubConfig(w *world, o Options) config.Config {
	cfg := config.Defaults()
	cfg.DataDir = o.DataDir
	cfg.Listen = o.Listen
	cfg.SecretKey = config.NewSecret("demo secret key, for the demo data dir only")
	cfg.API.AdminToken = config.NewSecret(demoAdminToken)
	cfg.Engine.PollInterval = o.PollInterval
	cfg.Outbox.IdleWait = 50 * time.Millisecond
	cfg.Outbox.BaseBackoff = 500 * time.Millisecond
	cfg.LogLevel = "warn"
	on := true
	creds := func(extra map[string]any) map[string]any {
		m := map[string]any{"tenant_id": tenantID, "client_id": clientID, "client_secret": clientSecret, "token_url": w.tokenURL()}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cfg.Integrations = []config.Integration{
		{ID: "graph", Kind: "graph", Name: "Microsoft Graph security v2",
			Settings: creds(map[string]any{"api_base": w.graphURL + "/v1.0"}),
			Policy:   config.Policy{CommentSync: &on}},
		{ID: "mde", Kind: "mde", Name: "Defender for Endpoint (ATP API Poll Alerts)",
			Settings: creds(map[string]any{"api_base": w.mdeURL})},
		{ID: "dfc", Kind: "defendercloud", Name: "Defender for Cloud",
			Settings: creds(map[string]any{"arm_base": w.armURL, "subscription_id": subscription})},
		{ID: "sentinel", Kind: "sentinel", Name: "Microsoft Sentinel",
			Settings: creds(map[string]any{"arm_base": w.armURL, "subscription_id": subscription,
				"resource_group": resourceGrp, "workspace_name": workspace}),
			Policy: config.Policy{CommentSync: &on},
			// Sentinel mirrors a closed incident to the alert within a poll
			// or two here; alertsync's own write waits that long first.
			Reconcile: &config.Reconcile{AlertsFrom: []string{"dfc"}, MirrorGrace: 2 * o.PollInterval}},
	}
	return cfg
}
