package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/store"
)

// Fire starts the runs events call for, inside the transaction that made
// them happen: a run and its first step commit with the change that
// triggered it, or not at all. It implements engine.Triggers.
func (r *Runner) Fire(ctx context.Context, tx store.Tx, events []engine.Event) error {
	now := r.o.Now().UTC()
	var runs []started
	for _, ev := range events {
		for _, p := range r.List() {
			if !p.matches(ev) {
				continue
			}
			ok, err := p.admits(ev)
			if err != nil {
				r.log.Warn("playbook condition failed; no run started", "playbook", p.Def.ID, "event", ev.Key, "err", err)
				continue
			}
			if !ok {
				continue
			}
			if p.Def.Group != nil {
				grouped, err := r.joinGroup(ctx, tx, p, ev, now)
				if err != nil {
					return err
				}
				if grouped {
					continue
				}
			}
			first := node0(ev)
			run, err := newRun(p, ev.Trigger, ev, first, now)
			if err != nil {
				return err
			}
			run.Dedupe = p.Def.ID + "/" + ev.Key
			runs = append(runs, started{run, first})
		}
	}
	return r.startRuns(ctx, tx, runs, now)
}

// matches reports whether the playbook starts on ev.
func (p *Playbook) matches(ev engine.Event) bool {
	if !p.Def.IsEnabled() || p.Def.Trigger.Type != ev.Trigger {
		return false
	}
	if f := p.Def.Trigger.Fields; len(f) > 0 {
		return slices.ContainsFunc(ev.Fields, func(c string) bool { return slices.Contains(f, c) })
	}
	return true
}

// admits evaluates the playbook's condition on ev.
func (p *Playbook) admits(ev engine.Event) (bool, error) {
	if p.condition == nil {
		return true, nil
	}
	return p.condition.Eval(varsOf(ev))
}

// newRun is a run of p whose node.0 is first.
func newRun(p *Playbook, trigger string, ev engine.Event, first map[string]any, now time.Time) (*store.Run, error) {
	nodes, err := json.Marshal([]any{first})
	if err != nil {
		return nil, fmt.Errorf("encode node.0 of %s: %w", p.Def.ID, err)
	}
	run := &store.Run{PlaybookID: p.Def.ID, Trigger: trigger, ObjectKind: ev.Kind, ObjectID: ev.ID,
		Status: store.RunRunning, Nodes: nodes, NextStep: 1, StartedAt: now}
	if g := p.Def.Group; g != nil {
		run.GroupUntil, run.GroupCount = now.Add(time.Duration(g.Wait)), 1
		run.Nodes, _ = json.Marshal([]any{groupNode(trigger, []any{first})})
	}
	return run, nil
}

// groupNode is node.0 of a grouping run: the triggers it gathered.
func groupNode(trigger string, items []any) map[string]any {
	return map[string]any{"trigger": trigger, "grouped": true, "count": len(items), "items": items}
}

// joinGroup adds ev to the playbook's run still gathering, if one is.
func (r *Runner) joinGroup(ctx context.Context, tx store.Tx, p *Playbook, ev engine.Event, now time.Time) (bool, error) {
	run, err := tx.RunOpenGroup(ctx, p.Def.ID, now, p.Def.Group.Max)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find the open group of %s: %w", p.Def.ID, err)
	}
	var nodes []map[string]any
	if err := json.Unmarshal(run.Nodes, &nodes); err != nil || len(nodes) == 0 {
		return false, fmt.Errorf("read group run %d: %w", run.ID, err)
	}
	items, _ := nodes[0]["items"].([]any)
	nodes[0] = groupNode(ev.Trigger, append(items, node0(ev)))
	if run.Nodes, err = json.Marshal(nodes); err != nil {
		return false, fmt.Errorf("encode group run %d: %w", run.ID, err)
	}
	run.GroupCount++
	if err := tx.RunUpdate(ctx, run); err != nil {
		return false, fmt.Errorf("add to group run %d: %w", run.ID, err)
	}
	return true, nil
}

// started is a run about to be stored, with its node.0 as it was built.
type started struct {
	run   *store.Run
	first map[string]any
}

// startRuns stores new runs and queues each one's first step; a run
// whose trigger event started one already is skipped.
func (r *Runner) startRuns(ctx context.Context, tx store.Tx, runs []started, now time.Time) error {
	if len(runs) == 0 {
		return nil
	}
	batch := make([]*store.Run, len(runs))
	for i, s := range runs {
		batch[i] = s.run
	}
	if err := tx.RunInsertBatch(ctx, batch); err != nil {
		return fmt.Errorf("store playbook runs: %w", err)
	}
	first := make([]queuedStep, 0, len(runs))
	for _, s := range runs {
		run := s.run
		if run.ID == 0 {
			continue
		}
		// A grouping run's node.0 is its group, not first.
		var nodes []any
		if run.GroupUntil.IsZero() {
			nodes = []any{s.first}
		}
		first = append(first, queuedStep{run: *run, step: 1, notBefore: run.GroupUntil, nodes: nodes})
	}
	return r.enqueueSteps(ctx, tx, first, now)
}

// Start begins a run by hand (the manual trigger, call_playbook, the
// schedule) on an object, or on none (kind empty).
func (r *Runner) Start(ctx context.Context, id string, ev engine.Event, key string) (int64, error) {
	p, ok := r.Get(id)
	if !ok {
		return 0, fmt.Errorf("%w: no playbook %q", engine.ErrInvalid, id)
	}
	if ev.Alert == nil && ev.Incident == nil && ev.Kind != "" {
		if err := r.objectOf(ctx, &ev); err != nil {
			return 0, fmt.Errorf("%w: %w", engine.ErrInvalid, err)
		}
	}
	var runID int64
	err := r.o.Store.WithTx(ctx, func(tx store.Tx) error {
		now := r.o.Now().UTC()
		first := node0(ev)
		run, err := newRun(p, ev.Trigger, ev, first, now)
		if err != nil {
			return err
		}
		run.Dedupe = key
		if err := r.startRuns(ctx, tx, []started{{run, first}}, now); err != nil {
			return err
		}
		runID = run.ID
		return nil
	})
	return runID, err
}

// Tick starts the run of each schedule playbook whose slot (now cut to
// its every:) has not run yet. The slot is the run's dedupe key, so
// however often Tick is called, and on however many replicas, a slot
// runs once.
func (r *Runner) Tick(ctx context.Context) error {
	now := r.o.Now().UTC()
	var errs []error
	for _, p := range r.List() {
		every := time.Duration(p.Def.Trigger.Every)
		if p.Def.Trigger.Type != TriggerSchedule || !p.Def.IsEnabled() || every <= 0 {
			continue
		}
		slot := now.Truncate(every)
		ev := engine.Event{Trigger: TriggerSchedule}
		if _, err := r.Start(ctx, p.Def.ID, ev, fmt.Sprintf("%s/schedule/%d", p.Def.ID, slot.Unix())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
