package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/alertsync/alertsync/internal/app"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// Options tune a demo run.
type Options struct {
	DataDir      string // a temporary dir when empty
	Listen       string // API address; a free port when empty
	PollInterval time.Duration
	// Alerts is how many alerts each emulator kind seeds; a kind not
	// named seeds its registered default.
	Alerts map[string]int
	// Duration keeps the scenario alive this long from the hub's start:
	// after the checked rows, steady traffic (Rate events a second) runs
	// until it has passed. Zero is the scenario's natural length.
	Duration time.Duration
	// Traffic, when set, is the least time that traffic runs after the
	// checked rows, however long they took: a slow machine can spend all
	// of Duration on the rows. Duration still ends it when later.
	Traffic time.Duration
	Rate    float64
	// Endpoints make the hub call another URL for a vendor kind (or a
	// login, "entra"), such as a proxy in front of the emulators; the
	// demo still reads the emulators' state directly.
	Endpoints map[string]string
	// EmulatorsListen is where the emulators are served ("127.0.0.1:0"
	// when empty), so a proxy can be pointed at them; EmulatorsListener,
	// when set, is used instead.
	EmulatorsListen   string
	EmulatorsListener net.Listener
	// Settle bounds the wait, after the traffic, for the outbox to drain
	// and hub and emulators to agree (two minutes when zero).
	Settle time.Duration
	Logger *slog.Logger
	// Keep leaves the hub and the emulators serving until ctx ends.
	Keep bool
	// OneTenant runs the default tenant alone, without the second
	// customer organisation (see secondTenant).
	OneTenant bool
	Out       io.Writer
}

func (o *Options) defaults() {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Rate <= 0 {
		o.Rate = 1
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// Run starts the emulators and the hub, walks the scenario, keeps it
// alive for Options.Duration, and returns its summary: every row and
// every total is read back from the emulators' own state. The summary is
// returned even with an error, which it also records.
func Run(ctx context.Context, o Options) (*Summary, error) {
	o.defaults()
	sum := &Summary{}
	if o.DataDir == "" {
		dir, err := os.MkdirTemp("", "alertsync-demo-")
		if err != nil {
			return sum.fail(fmt.Errorf("create demo data dir: %w", err))
		}
		defer func() {
			if !o.Keep {
				_ = os.RemoveAll(dir)
			}
		}()
		o.DataDir = filepath.Join(dir, "data")
	}
	sum.DataDir = o.DataDir
	var w *world
	var err error
	if o.EmulatorsListener != nil {
		w, err = newWorldOn(o.Logger, o.Alerts, o.EmulatorsListener)
	} else {
		w, err = newWorld(o.Logger, o.Alerts, o.EmulatorsListen)
	}
	if err != nil {
		return sum.fail(err)
	}
	defer w.close()
	if err := w.set.Check(o.Endpoints); err != nil {
		return sum.fail(fmt.Errorf("--endpoint: %w", err))
	}
	// The seed's known issue: a fresh app registration may get one
	// InsufficientAccessError; alertsync must retry, not give up.
	w.dfc.FailFirstInsufficientAccess(1)

	cfg := hubConfig(w, o)
	var w2 *world
	if !o.OneTenant {
		if w2, err = newOrgWorld(o.Logger, o.Alerts, secondTenant); err != nil {
			return sum.fail(err)
		}
		defer w2.close()
		withSecondTenant(&cfg, w2, o)
	}
	rc := startReceiver()
	defer rc.close()
	if err := withPlaybook(&cfg, rc); err != nil {
		return sum.fail(err)
	}
	race := &analystRace{base: app.VendorTransport()}
	a, err := app.New(ctx, cfg, app.Options{Logger: o.Logger, HTTPClient: &http.Client{Transport: race, Timeout: 30 * time.Second}})
	if err != nil {
		return sum.fail(err)
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(context.Background())
		return sum.fail(err)
	}
	sum.API = "http://" + a.Addr()
	s := newScenario(ctx, a, w, cfg, o.PollInterval, sum)
	s.race, s.rc = race, rc
	if w2 != nil {
		if s.second, err = newTenantScenario(ctx, a, w2, cfg, secondTenant, o.PollInterval, sum); err != nil {
			_ = a.Stop(context.Background())
			return sum.fail(err)
		}
	}
	runErr := s.runFor(o)
	if o.Keep && runErr == nil {
		s.sum.Print(o.Out)
		printKeep(o.Out, s.sum, w, o)
		<-ctx.Done()
	}
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Stop(stop); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return sum.fail(runErr)
	}
	return sum, nil
}

// printKeep tells a person where everything is while the demo keeps
// serving.
func printKeep(out io.Writer, sum *Summary, w *world, o Options) {
	_, _ = fmt.Fprintf(out, "\nServing until interrupted.\n  API           %s  admin token %q\n", sum.API, demoAdminToken)
	_, _ = fmt.Fprintf(out, "                e.g. curl -H 'Authorization: Bearer %s' %s/api/v1/alerts\n", demoAdminToken, sum.API)
	_, _ = fmt.Fprintf(out, "  Console       %s/  log in at %s/login#token=%s\n", sum.API, sum.API, demoAdminToken)
	_, _ = fmt.Fprintln(out, "  Emulators:")
	printEndpoints(out, w, o.Endpoints)
	_, _ = fmt.Fprintf(out, "  Data dir      %s (left in place; delete it when done)\n", o.DataDir)
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
	cfg.Integrations = w.set.Integrations(w.url, registry.Endpoints(o.Endpoints), o.PollInterval)
	return cfg
}
