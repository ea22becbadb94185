package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	promreg "github.com/alertsync/alertsync/internal/metrics"
	"github.com/alertsync/alertsync/internal/playbook"
	"github.com/alertsync/alertsync/internal/store"
)

// startPlaybooks builds the playbook runner: definitions from the
// configured directory, then those managed through the API (stored),
// each compiled once; an invalid one stops start-up with its reason.
func (t *tenant) startPlaybooks(ctx context.Context) error {
	secrets := map[string]string{}
	for _, s := range t.cfg.Playbooks.Secrets {
		secrets[s.Name] = s.Value.Reveal()
	}
	t.playbooks = playbook.New(playbook.Options{
		Store: t.scope, Engine: t.engine, Logger: t.a.log.With("tenant", t.id), HTTP: t.a.opts.HTTPClient, Now: t.a.opts.Now,
		Secret: func(name string) (string, bool) { v, ok := secrets[name]; return v, ok },
	})
	defs, err := playbook.LoadDir(t.cfg.Playbooks.Dir)
	if err != nil {
		return err
	}
	stored, err := t.scope.PlaybookList(ctx)
	if err != nil {
		return fmt.Errorf("list stored playbooks: %w", err)
	}
	for _, sp := range stored {
		if sp.Origin == store.OriginFile {
			continue
		}
		d, err := playbook.Parse([]byte(sp.Definition))
		if err != nil {
			return fmt.Errorf("stored playbook %s: %w", sp.ID, err)
		}
		defs = append(defs, d)
	}
	for _, d := range defs {
		p, err := t.playbooks.Compile(d)
		if err != nil {
			return err
		}
		t.playbooks.Put(p)
	}
	t.engine.SetTriggers(t.playbooks)
	t.engine.Handle(playbook.ActionStep, t.playbooks.Deliver)
	t.engine.OnRetry(playbook.ActionStep, t.playbooks.OnRetry)
	return nil
}

// Playbooks returns the default tenant's playbook runner.
func (a *App) Playbooks() *playbook.Runner { return a.def.playbooks }

// scheduleTick is how often schedule playbooks are looked at; a slot
// starts within this of its time.
const scheduleTick = 15 * time.Second

// scheduleLoop starts the runs of schedule playbooks as their slots come,
// on one replica at a time (a slot's dedupe key would refuse a second run
// of it anyway).
func (a *App) scheduleLoop(ctx context.Context) {
	a.singletonLoop(ctx, "playbook-schedule", scheduleTick, func(ctx context.Context) {
		for _, t := range a.running() {
			if err := t.playbooks.Tick(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("scheduled playbook run not started", "tenant", t.id, "err", err)
			}
		}
	})
}

// The run history is pruned every runPruneEvery, runPruneBatch runs a
// transaction, so that pruning never holds the store's writer long.
const (
	runPruneEvery = 10 * time.Minute
	runPruneBatch = 500
)

// runPruneLoop deletes, on one replica at a time, every tenant's runs
// that finished more than playbooks.run_retention ago, with their step
// records and their steps' outbox items.
func (a *App) runPruneLoop(ctx context.Context) {
	pruned := promreg.Register(a.registry, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertsync_playbook_runs_pruned_total",
		Help: "Finished playbook runs deleted from the run history once older than playbooks.run_retention.",
	}, []string{"tenant"}))
	a.singletonLoop(ctx, "playbook-run-prune", runPruneEvery, func(ctx context.Context) {
		cutoff := a.opts.Now().Add(-a.cfg.Playbooks.RunRetention)
		for _, t := range a.running() {
			n, err := pruneRuns(ctx, t.scope, cutoff)
			pruned.WithLabelValues(t.id).Add(float64(n))
			if err != nil && ctx.Err() == nil {
				a.log.Warn("playbook run history not pruned", "tenant", t.id, "pruned", n, "err", err)
			} else if n > 0 {
				a.log.Info("playbook run history pruned", "tenant", t.id, "runs", n, "finished_before", cutoff)
			}
		}
	})
}

// pruneRuns deletes a tenant's runs finished before cutoff, walking them
// a batch a transaction; it returns how many it deleted.
func pruneRuns(ctx context.Context, sc store.Scoped, cutoff time.Time) (int, error) {
	total := 0
	var after int64
	for {
		var n int
		err := sc.WithTx(ctx, func(tx store.Tx) error {
			var err error
			n, after, err = tx.RunPrune(ctx, store.RunPruneParams{Before: cutoff, AfterID: after, Limit: runPruneBatch})
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if after == 0 {
			return total, nil
		}
	}
}
