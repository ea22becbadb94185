package app

import (
	"context"
	"fmt"
	"time"

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
