package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/emulators/registry"
)

// ChaosOptions tune `alertsync chaos`.
type ChaosOptions struct {
	// Store is "postgres" (replicas on a database made for the run) or
	// "sqlite" (one process, killed Kills times).
	Store string
	// PostgresDSN is a postgres:// URL of the server the run makes its
	// database on (and cuts connections to, and may restart).
	PostgresDSN string
	// Duration is how long traffic and faults last on PostgreSQL.
	Duration time.Duration
	// Actions is how many verdicts and comments the run makes on SQLite.
	Actions int
	// Kills is how many times the SQLite process is SIGKILLed, at random
	// moments of the actions.
	Kills int
	// Replicas run on PostgreSQL; one is SIGKILLed every KillEvery and
	// started again RestartAfter later.
	Replicas     int
	KillEvery    time.Duration
	RestartAfter time.Duration
	// ConnectionCuts end every connection to the run's database this many
	// times, spread over Duration; RestartPostgres also restarts the
	// local server once, in the middle.
	ConnectionCuts  int
	RestartPostgres bool
	// Outage is how long one vendor is down, in the middle of the run.
	Outage time.Duration
	Faults VendorFaults
	// Rate is how many actions a second the analysts make (0: as fast as
	// the API answers).
	Rate         float64
	PollInterval time.Duration
	// Settle bounds the wait, after the faults stop, for the outbox to
	// drain and the vendors to show every expected write.
	Settle time.Duration
	// MaxFailover is the longest a poll lease may take to move after a
	// kill, not counting the seconds the server was down within it.
	MaxFailover time.Duration
	// Binary is the alertsync binary the replicas run (this one when
	// empty); Env is added to their environment.
	Binary string
	Env    []string
	Seed   int64
	Logger *slog.Logger
	// Progress gets a line per phase and per fault, for a person.
	Progress io.Writer
	// Stderr gets the replicas' logs.
	Stderr io.Writer
}

func (o *ChaosOptions) defaults() {
	setDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	if o.Store == "" {
		o.Store = "postgres"
	}
	setDur(&o.Duration, 5*time.Minute)
	setDur(&o.KillEvery, 10*time.Second)
	setDur(&o.RestartAfter, 3*time.Second)
	setDur(&o.PollInterval, time.Second)
	setDur(&o.Settle, 3*time.Minute)
	setDur(&o.MaxFailover, 15*time.Second)
	if o.Actions <= 0 {
		o.Actions = 10000
	}
	if o.Replicas <= 0 {
		o.Replicas = 3
	}
	if o.Rate == 0 && o.Store == "postgres" {
		o.Rate = 5
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// DefaultVendorFaults are the issue's: 10% 5xx, 5% 429, 1% timeouts
// (half of them applied before the answer is lost), tokens living a
// minute.
func DefaultVendorFaults() VendorFaults {
	return VendorFaults{ErrorRate: 0.10, ThrottleRate: 0.05, RetryAfter: time.Second, HangRate: 0.01, HangApplied: 0.5,
		TokenLifetime: time.Minute}
}

// chaosRun is one run's moving parts.
type chaosRun struct {
	o   ChaosOptions
	rep *ChaosReport
	w   *world
	vf  *vendorFaults
	db  *chaosDB
	c   *cluster
	exp *expectations
	d   *driver
	// rnd draws the faults' moments and targets; the fault goroutines
	// share it, so only through intN.
	rndMu sync.Mutex
	rnd   *mrand.Rand

	mu       sync.Mutex  // guards rep's fault and failover figures, kills, moves and down
	kills    []time.Time // when each SIGKILL was sent
	moves    []leaseMove // each poll lease taken over after a kill
	down     []downSpan  // when the server refused connections (a restart)
	restarts sync.WaitGroup
	// start is when the run started; timelineMu guards rep.Timeline.
	start      time.Time
	timelineMu sync.Mutex
}

// intN is rnd.IntN(n), for any of the run's goroutines.
func (ch *chaosRun) intN(n int) int {
	ch.rndMu.Lock()
	defer ch.rndMu.Unlock()
	return ch.rnd.IntN(n)
}

// RunChaos runs the fault suite and returns its report; the report is
// returned with an error too, as far as the run got.
func RunChaos(ctx context.Context, o ChaosOptions) (*ChaosReport, error) {
	o.defaults()
	start := time.Now()
	rep := &ChaosReport{Store: o.Store, PostgresRestart: "not asked (--restart-postgres)"}
	if o.Store == "sqlite" {
		rep.PostgresRestart = "not applicable (sqlite)"
	}
	dir, err := os.MkdirTemp("", "alertsync-chaos-")
	if err != nil {
		return rep, fmt.Errorf("create chaos dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	ch := &chaosRun{o: o, rep: rep, rnd: mrand.New(mrand.NewPCG(uint64(o.Seed), 29)), start: start}
	err = ch.run(ctx, dir)
	rep.DurationS = math.Round(time.Since(start).Seconds()*10) / 10
	return rep, err
}

func (ch *chaosRun) run(ctx context.Context, dir string) (err error) {
	if ch.w, err = ch.startWorld(ctx); err != nil {
		return err
	}
	defer ch.w.close()
	if ch.vf, err = newVendorFaults(ch.w); err != nil {
		return err
	}
	if ch.o.Store == "postgres" {
		if ch.db, err = createChaosDB(ctx, ch.o.PostgresDSN); err != nil {
			return err
		}
		defer func() { err = errors.Join(err, ch.db.drop()) }()
	}
	if err := ch.writeConfigs(ctx, dir); err != nil {
		return err
	}
	defer ch.c.stop(15 * time.Second)
	ch.progress("starting %d replica(s) on %s", len(ch.c.replicas), ch.o.Store)
	for _, r := range ch.c.replicas {
		if err := ch.c.start(ctx, r); err != nil {
			return err
		}
	}
	ch.d = newDriver(ch.c, ch.w, ch.exp, ch.o.Seed)
	ch.vf.on(ch.o.Faults)
	ch.progress("vendor faults on: %.0f%% 5xx, %.0f%% 429, %.0f%% timeouts, tokens live %s",
		ch.o.Faults.ErrorRate*100, ch.o.Faults.ThrottleRate*100, ch.o.Faults.HangRate*100, ch.o.Faults.TokenLifetime)
	if ch.o.Store == "sqlite" {
		err = ch.sqliteTraffic(ctx)
	} else {
		err = ch.postgresTraffic(ctx)
	}
	ch.restarts.Wait()
	ch.vf.off()
	if err != nil {
		return err
	}
	ch.progress("faults off; %d actions made (%d answers lost and read back); waiting for everything to settle",
		ch.d.n.Verdicts+ch.d.n.Comments, ch.d.n.Unknown)
	if err := ch.reviveAll(ctx); err != nil {
		return err
	}
	return ch.finish(ctx)
}

// startWorld starts the emulators without their quotas (and the hub
// configs without budgets): the run injects the vendors' 429s itself, at
// its rate, and measures faults rather than how long a quota takes to
// drain a backlog.
func (ch *chaosRun) startWorld(ctx context.Context) (*world, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the emulators: %w", err)
	}
	w, err := startWorld(registry.Options{Logger: ch.o.Logger, Alerts: ch.seedSizes(), WorldSeed: worldSeed, Unlimited: true}, ln)
	if err != nil {
		_ = ln.Close()
	}
	return w, err
}

// seedSizes is how many alerts each vendor starts with: enough for the
// SQLite run's verdicts, the registered defaults otherwise.
func (ch *chaosRun) seedSizes() map[string]int {
	if ch.o.Store != "sqlite" {
		return nil
	}
	out := map[string]int{}
	vs, _ := registry.Vendors() // Start reports the error, if any
	// Half the actions are verdicts, spread over the vendors, each on an
	// alert of its own: half as many again leaves room.
	per := ch.o.Actions * 3 / (4 * max(len(vs), 1))
	for _, v := range vs {
		out[v.Kind] = max(v.DefaultAlerts, per)
	}
	return out
}

// writeConfigs writes each replica's serve config: the emulators, a
// brisk poll, one admin token and at-rest key, and the run's database
// (or one SQLite data dir).
func (ch *chaosRun) writeConfigs(ctx context.Context, dir string) error {
	token, key := rand.Text(), rand.Text()
	ch.c = &cluster{bin: ch.o.Binary, env: ch.o.Env, token: token, log: ch.o.Logger, stderr: ch.o.Stderr,
		http: &http.Client{Timeout: 20 * time.Second}}
	if ch.c.bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the alertsync binary: %w", err)
		}
		ch.c.bin = bin
	}
	n, dsn := 1, ""
	if ch.db != nil {
		n, dsn = ch.o.Replicas, ch.db.dsn
	}
	for i := range n {
		addr, err := freeAddr(ctx)
		if err != nil {
			return err
		}
		r := &replica{n: i + 1, cfgPath: replicaConfig(dir, i+1), addr: addr}
		spec := serveSpec{DataDir: filepath.Join(dir, fmt.Sprintf("data-%d", i+1)), Listen: addr, Poll: ch.o.PollInterval,
			AdminToken: token, SecretKey: key, DSN: dsn, LogLevel: "warn",
			// The outbox keeps its retry defaults: they must carry a
			// write across the vendor's outage, as in production.
			Outbox: map[string]any{"idle_wait": "50ms"},
			Head:   "# alertsync chaos: one replica's config.\n"}
		if _, err := writeServeSpec(r.cfgPath, ch.w, spec); err != nil {
			return err
		}
		ch.c.replicas = append(ch.c.replicas, r)
	}
	cfg := config.Config{Integrations: ch.w.set.Integrations(ch.w.url, nil, ch.o.PollInterval)}
	ch.exp = newExpectations(ch.w, cfg)
	return nil
}

// reviveAll starts every replica that is down, so the run settles with
// all of them.
func (ch *chaosRun) reviveAll(ctx context.Context) error {
	for _, r := range ch.c.replicas {
		if !r.isAlive() {
			if err := ch.c.start(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// progress tells a person what the run does, and keeps it in the
// report's timeline.
func (ch *chaosRun) progress(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	ch.timelineMu.Lock()
	ch.rep.Timeline = append(ch.rep.Timeline, fmt.Sprintf("%.1fs %s", time.Since(ch.start).Seconds(), line))
	ch.timelineMu.Unlock()
	_, _ = fmt.Fprintf(ch.o.Progress, "chaos: %s\n", line)
}
