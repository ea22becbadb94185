// Package app wires alertsync together: config → store → secrets →
// connectors → engine → outbox workers, pollers, validation scheduler and
// the HTTP server. Tests start the whole hub in-process through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"github.com/alertsync/alertsync/internal/connector/httpkit"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/secrets"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/postgres"
	"github.com/alertsync/alertsync/internal/store/sqlite"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Options carry what tests and the CLI inject beside the config.
type Options struct {
	Logger     *slog.Logger
	Now        func() time.Time
	HTTPClient *http.Client
	// Handler, when set, wraps the API handler (the demo mounts emulators).
	Mount func(mux *http.ServeMux)
	// Replica names this process among replicas sharing a store; empty
	// means host, pid and a random suffix.
	Replica string
}

// App is a running (or ready to run) alertsync.
type App struct {
	cfg   config.Config
	opts  Options
	log   *slog.Logger
	store store.Store
	// tenants are the tenants running here, by id and in order (the
	// default one first, def); each has its own engine and playbooks.
	tmu     sync.RWMutex
	tenants map[string]*tenant
	order   []*tenant
	def     *tenant
	// runCtx is what Start runs the loops under; tenants started later
	// (created or enabled while running) run their pollers under it.
	runCtx      context.Context
	pollMetrics *pollMetrics
	keyring     *secrets.Keyring
	keys        *dataKeys
	worker      *outbox.Worker
	registry    *prometheus.Registry
	server      *http.Server
	listener    net.Listener
	// replica is this process's name in the store's leases.
	replica string

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// OpenStore opens and migrates the configured store.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	var (
		st  store.Store
		err error
	)
	switch cfg.Store.Driver {
	case "postgres":
		st, err = postgres.Open(ctx, cfg.Store.DSN.Reveal())
	default:
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		st, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "alertsync.db"))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", cfg.Store.Driver, err)
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("migrate %s store: %w", cfg.Store.Driver, err)
	}
	return st, nil
}

// New opens the store (migrating it), stores the configured integrations
// with their secrets encrypted, and builds every connector.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	// Lines logged while serving an API request carry its id, in the API
	// and in the engine and connectors it calls (a no-op when the CLI's
	// logger already does).
	opts.Logger = slog.New(api.LogHandler(opts.Logger.Handler()))
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: VendorTransport()}
	}
	a := &App{cfg: cfg, opts: opts, log: opts.Logger, registry: prometheus.NewRegistry(), replica: opts.Replica}
	if a.replica == "" {
		a.replica = newReplicaID()
	}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		httpkit.BudgetCollector())
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.store = st
	keyFile := keyFileOf(cfg)
	if a.keyring, err = secrets.LoadOrCreate(cfg.SecretKey.Reveal(), keyFile); err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("load secret key: %w", err)
	}
	a.keys = newDataKeys(st, a.keyring)
	if err := a.loadTenants(ctx); err != nil {
		_ = st.Close()
		return nil, err
	}
	a.worker = outbox.New(outbox.Options{
		Store: st, Deliver: a.deliver, Logger: a.log.With("component", "outbox"), Now: opts.Now,
		Concurrency: cfg.Outbox.Workers, Batch: cfg.Outbox.Batch, MaxAttempts: cfg.Outbox.MaxAttempts,
		BaseBackoff: cfg.Outbox.BaseBackoff, MaxBackoff: cfg.Outbox.MaxBackoff, Lease: cfg.Outbox.Lease,
		IdleWait: cfg.Outbox.IdleWait, Registerer: a.registry,
		BatchKey: a.batchKey, DeliverBatch: a.deliverBatch, MaxBatch: a.maxBatch,
		OnDead: a.onDead, LaneConcurrency: a.laneConcurrency,
		Serves: func(l store.Lane) bool { _, ok := a.tenant(l.Tenant); return ok },
	})
	for _, t := range a.running() {
		t.playbooks.SetLocal(a.worker)
		t.engine.SetLocal(a.worker)
	}
	return a, nil
}

// Engine returns the default tenant's engine.
func (a *App) Engine() *engine.Engine { return a.def.engine }

// Store returns the default tenant's part of the app's store.
func (a *App) Store() store.Scoped { return a.def.scope }

// Hub returns the app's whole store, every tenant's data and what no
// tenant owns (leases, tenants).
func (a *App) Hub() store.Store { return a.store }

// Outbox returns the app's write-back worker.
func (a *App) Outbox() *outbox.Worker { return a.worker }

// Addr is the address the HTTP server listens on, once started.
func (a *App) Addr() string {
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

// Start launches the background loops and the HTTP server.
func (a *App) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("start api server: %w", err)
	}
	a.listener = ln
	ctx, a.cancel = context.WithCancel(context.WithoutCancel(ctx))
	a.server = &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, body included: a 10 MiB push at a slow 200 KB/s.
		ReadTimeout: time.Minute,
		// From the end of the request headers to the end of the answer: a
		// page of 1000 alerts with raw payloads, or /metrics, with room to
		// spare; the integrations page bounds its health checks to 3s.
		WriteTimeout: 2 * time.Minute,
		// Keep-alive connections waiting for their next request.
		IdleTimeout: 2 * time.Minute,
	}
	a.goLoop(func() {
		if err := a.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("http server", "err", err)
		}
	})
	a.goLoop(func() { _ = a.worker.Run(ctx) })
	a.goLoop(func() { a.validationLoop(ctx) })
	a.goLoop(func() { a.scheduleLoop(ctx) })
	if m, ok := a.store.(store.Maintainer); ok {
		a.goLoop(func() { a.maintainLoop(ctx, m) })
	}
	a.goLoop(func() { a.ledgerPruneLoop(ctx) })
	if a.cfg.Playbooks.RunRetention > 0 {
		a.goLoop(func() { a.runPruneLoop(ctx) })
	}
	a.goLoop(func() { a.heartbeatLoop(ctx) })
	a.pollMetrics = newPollMetrics(a.registry)
	// Tenants created through the API or the CLI since the last start.
	if err := a.syncTenants(ctx); err != nil {
		a.log.Warn("tenants not synced", "err", err)
	}
	a.tmu.Lock()
	a.runCtx = ctx
	for _, t := range a.order {
		t.start(ctx)
	}
	a.tmu.Unlock()
	a.warnWithoutTokens()
	a.log.Info("alertsync started", "version", BuildVersion(), "listen", ln.Addr().String(), "store", a.store.Driver(),
		"tenants", len(a.running()), "integrations", a.integrationCount())
	return nil
}

// warnWithoutTokens says loudly that the API is closed when no token is
// configured. serve still starts: pollers, intake, write-back and
// reconciliation keep consoles in sync without anyone calling the API, and
// an operator may add a token later; but a user who expected the API must
// learn why every call is a 401 from the first lines of the log.
func (a *App) warnWithoutTokens() {
	if len(a.cfg.API.Tokens) > 0 || !a.cfg.API.AdminToken.IsZero() {
		return
	}
	a.log.Warn("NO API TOKEN CONFIGURED: the API refuses every request except push intake, /healthz, /metrics and /openapi.json; "+
		"set api.admin_token (or the ALERTSYNC_ADMIN_TOKEN environment variable) or add api.tokens, see docs/configuration.md",
		"listen", a.listener.Addr().String())
}

func (a *App) goLoop(fn func()) {
	a.wg.Add(1)
	go func() { defer a.wg.Done(); fn() }()
}

// Stop shuts the server down, stops every loop and closes the store.
func (a *App) Stop(ctx context.Context) error {
	var errs []error
	if a.server != nil {
		errs = append(errs, a.server.Shutdown(ctx))
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
	for _, t := range a.running() {
		t.loops.Wait()
	}
	a.releaseAll()
	errs = append(errs, a.store.Close())
	return errors.Join(errs...)
}

// integrationCount counts the integrations every tenant runs.
func (a *App) integrationCount() int {
	n := 0
	for _, t := range a.running() {
		n += len(t.engine.Integrations())
	}
	return n
}

// validationLoop runs due correlation passes, every tenant's, on one
// replica at a time.
func (a *App) validationLoop(ctx context.Context) {
	a.singletonLoop(ctx, "validation", time.Minute, func(ctx context.Context) {
		for _, t := range a.running() {
			if n, err := t.engine.RunDuePasses(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("validation passes", "tenant", t.id, "err", err)
			} else if n > 0 {
				a.worker.Wake()
			}
		}
	})
}

// ledgerPruneLoop forgets echo-ledger entries older than a week, on one
// replica at a time.
func (a *App) ledgerPruneLoop(ctx context.Context) {
	a.singletonLoop(ctx, "ledger-prune", time.Hour, func(ctx context.Context) {
		cutoff := a.opts.Now().Add(-7 * 24 * time.Hour)
		for _, t := range a.running() {
			err := t.scope.WithTx(ctx, func(tx store.Tx) error { return tx.LedgerPrune(ctx, cutoff) })
			if err != nil && ctx.Err() == nil {
				a.log.Warn("prune echo ledger", "tenant", t.id, "err", err)
			}
		}
	})
}

// maintainEvery is how often the store's statistics are looked at.
const maintainEvery = 10 * time.Second

// maintainLoop keeps the store's planner statistics fresh (PostgreSQL
// without autovacuum); it does nothing where the server already does.
func (a *App) maintainLoop(ctx context.Context, m store.Maintainer) {
	t := time.NewTicker(maintainEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		names, err := m.Maintain(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Warn("refresh the store's statistics", "err", err)
		case len(names) > 0:
			a.log.Debug("analyzed grown tables", "tables", names)
		}
	}
}

// VendorTransport is the standard transport with room to keep as many
// connections to one vendor open as the hub uses at once (a Lacework poll
// fetches six scopes for each of 16 alerts together; bulk lanes keep
// several calls in flight): the standard two idle connections per host
// would close and reopen a connection for almost every call.
func VendorTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	return tr
}
