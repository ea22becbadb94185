package playbook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// runState is a run being worked on by one delivery.
type runState struct {
	run   store.Run
	p     *Playbook
	nodes []any
	// records are the step records this delivery made, written by the
	// delivery's After with the run.
	records []store.StepRecord
	// added are the raw outputs of the steps this delivery ran, appended
	// to the run's stored nodes as they are, not encoded again.
	added []json.RawMessage
	// node, when a step sets it, is that step's output already in the
	// shape templates read, so it is not decoded again from its JSON.
	node any
}

// nodesJSON is the run's nodes with this delivery's outputs appended: the
// stored array's bytes with the raw outputs spliced in before its end.
func (st *runState) nodesJSON() (json.RawMessage, error) {
	prev := bytes.TrimSpace(st.run.Nodes)
	if len(st.added) == 0 {
		return st.run.Nodes, nil
	}
	if len(prev) < 2 || prev[0] != '[' || prev[len(prev)-1] != ']' {
		return json.Marshal(st.nodes)
	}
	out := make([]byte, 0, len(prev)+64*len(st.added))
	out = append(out, prev[:len(prev)-1]...)
	for i, raw := range st.added {
		if i > 0 || len(prev) > 2 {
			out = append(out, ',')
		}
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		out = append(out, raw...)
	}
	return append(out, ']'), nil
}

// Deliver runs a run's next steps: the ones without an effect (get
// alert, get incident) inline, then the first one with an effect, and
// returns the After that records them and queues what follows, in the
// transaction that finishes the outbox item. It is the ActionStep
// handler.
func (r *Runner) Deliver(ctx context.Context, item store.OutboxItem) (engine.Record, error) {
	var sp stepPayload
	if err := json.Unmarshal(item.Payload, &sp); err != nil {
		return nil, connector.Permanent("decode playbook step: %v", err)
	}
	st, err := r.load(ctx, sp, item)
	if err != nil || st == nil {
		return nil, err
	}
	if err := r.admit(st.p); err != nil {
		return nil, err
	}
	for i := sp.Step; i <= len(st.p.steps); i++ {
		s := st.p.steps[i-1]
		out, err := r.runStep(ctx, st, i, s, item)
		if err != nil {
			return nil, r.stepFailed(ctx, st, i, s, item, err)
		}
		st.nodes = append(st.nodes, out)
		if s.effect() && i < len(st.p.steps) {
			return r.advance(st, i+1), nil
		}
	}
	return r.advance(st, len(st.p.steps)+1), nil
}

// load reads the run, or takes it as it was handed over with item; nil
// when it is over (a redelivery after it ended).
func (r *Runner) load(ctx context.Context, sp stepPayload, item store.OutboxItem) (*runState, error) {
	var st *runState
	if e, ok := r.handed.take(item, r.o.Now()); ok && e.run.ID == sp.RunID {
		st = &runState{run: e.run, nodes: e.nodes}
	} else {
		run, err := r.o.Store.RunGet(ctx, sp.RunID)
		if err != nil {
			return nil, fmt.Errorf("get run %d: %w", sp.RunID, err)
		}
		st = &runState{run: run}
		if err := json.Unmarshal(run.Nodes, &st.nodes); err != nil {
			return nil, connector.Permanent("read run %d: %v", run.ID, err)
		}
		intify(st.nodes) // in place
	}
	run := st.run
	if run.Status != store.RunRunning || run.NextStep != sp.Step {
		return nil, nil
	}
	p, ok := r.Get(run.PlaybookID)
	if !ok {
		return nil, r.finish(ctx, run, fmt.Errorf("playbook %q no longer exists", run.PlaybookID))
	}
	st.p = p
	return st, nil
}

// admit spends the playbook's rate budget for a run's first delivery.
func (r *Runner) admit(p *Playbook) error {
	r.mu.RLock()
	l := r.limiters[p.Def.ID]
	r.mu.RUnlock()
	if l == nil {
		return nil
	}
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return &connector.Error{Class: connector.ClassRateLimited, RetryAfter: d,
			Message: fmt.Sprintf("playbook %s: rate_per_minute %d reached", p.Def.ID, p.Def.RatePerMinute)}
	}
	return nil
}

// effect reports whether a step changes something outside the run: after
// it, the run is recorded before anything else is done.
func (s compiledStep) effect() bool {
	return s.Type != StepGetAlert && s.Type != StepGetIncident
}

// advance is the After of a delivery that got as far as step next.
func (r *Runner) advance(st *runState, next int) engine.Record {
	return &advanced{r: r, st: st, next: next}
}

// advanced records a delivery that got as far as step next: its step
// records, the run (succeeded once next is past the last step), and the
// next step's outbox action. It is an outbox.Batched record: the
// finisher records the runs whose steps one transaction completes with a
// statement for all their step records and one for all the runs, not
// three round trips a run, which on PostgreSQL had held the finisher, and
// with it every lane's next steps, for up to a quarter of a second.
type advanced struct {
	r    *Runner
	st   *runState
	next int
}

// Record records a alone.
func (a *advanced) Record(ctx context.Context, tx store.Tx) error {
	return a.RecordBatch(ctx, tx, []outbox.After{a})
}

// BatchGroup puts every playbook advance in one group.
func (a *advanced) BatchGroup() string { return "playbook.advance" }

// RecordBatch records every advance of group.
func (a *advanced) RecordBatch(ctx context.Context, tx store.Tx, group []outbox.After) error {
	now := a.r.o.Now().UTC()
	var steps []store.StepRecord
	runs := make([]store.Run, 0, len(group))
	var more []int // the runs that go on, by index in runs
	for _, g := range group {
		ad := g.(*advanced)
		steps = append(steps, ad.st.records...)
		run := ad.st.run
		nodes, err := ad.st.nodesJSON()
		if err != nil {
			return fmt.Errorf("encode run %d: %w", run.ID, err)
		}
		run.Nodes, run.NextStep = nodes, ad.next
		if ad.next > len(ad.st.p.steps) {
			run.Status, run.FinishedAt = store.RunSucceeded, now
		} else {
			more = append(more, len(runs))
		}
		runs = append(runs, run)
	}
	if err := tx.StepUpsertBatch(ctx, steps); err != nil {
		return fmt.Errorf("record the steps of %d runs: %w", len(runs), err)
	}
	if err := tx.RunUpdateBatch(ctx, runs); err != nil {
		return fmt.Errorf("record %d runs: %w", len(runs), err)
	}
	next := make([]queuedStep, 0, len(more))
	for _, i := range more {
		ad := group[i].(*advanced)
		next = append(next, queuedStep{run: runs[i], step: ad.next, nodes: ad.st.nodes})
	}
	return a.r.enqueueSteps(ctx, tx, next, now)
}

var _ outbox.Batched = (*advanced)(nil)

// stepFailed decides what a failed step does: a retryable failure within
// the step's attempts is returned for the outbox to retry; anything else
// ends the run as failed, recorded, and the outbox item done with the
// reason (it is the run, not a vendor write, that failed).
func (r *Runner) stepFailed(ctx context.Context, st *runState, i int, s compiledStep, item store.OutboxItem, err error) error {
	attempts := DefaultAttempts
	if s.Retry != nil {
		attempts = s.Retry.Attempts
	}
	class := connector.ClassOf(err)
	retry := (class == connector.ClassRetryable || class == connector.ClassRateLimited) && item.Attempts < attempts
	if retry && ctx.Err() == nil {
		return err
	}
	rec := st.record(i, s, item)
	rec.Status, rec.Error, rec.FinishedAt = store.StepFailed, err.Error(), r.o.Now().UTC()
	st.records = append(st.records, rec)
	werr := r.o.Store.WithTx(ctx, func(tx store.Tx) error {
		for _, rec := range st.records {
			if err := tx.StepUpsert(ctx, rec); err != nil {
				return err
			}
		}
		return r.finishTx(ctx, tx, st.run, fmt.Errorf("step %d (%s): %w", i, s.label(), err))
	})
	if werr != nil {
		return fmt.Errorf("record failed run %d: %w", st.run.ID, werr)
	}
	return &outbox.Noted{Note: fmt.Sprintf("run %d failed at step %d: %v", st.run.ID, i, err)}
}

// finish ends a run as failed in a transaction of its own.
func (r *Runner) finish(ctx context.Context, run store.Run, cause error) error {
	err := r.o.Store.WithTx(ctx, func(tx store.Tx) error { return r.finishTx(ctx, tx, run, cause) })
	if err != nil {
		return err
	}
	return &outbox.Noted{Note: fmt.Sprintf("run %d failed: %v", run.ID, cause)}
}

func (r *Runner) finishTx(ctx context.Context, tx store.Tx, run store.Run, cause error) error {
	run.Status, run.Error, run.FinishedAt = store.RunFailed, cause.Error(), r.o.Now().UTC()
	if err := tx.RunUpdate(ctx, run); err != nil {
		return fmt.Errorf("fail run %d: %w", run.ID, err)
	}
	return nil
}

// stepRun reads the run a step action names; ok is false for an item
// of another action, a payload that names no run, or a run that is gone.
func stepRun(ctx context.Context, tx store.Tx, item store.OutboxItem) (run store.Run, step int, ok bool, err error) {
	if item.Action != ActionStep {
		return run, 0, false, nil
	}
	var sp stepPayload
	if err := json.Unmarshal(item.Payload, &sp); err != nil {
		return run, 0, false, nil //nolint:nilerr // an unreadable payload names no run
	}
	run, err = tx.RunGet(ctx, sp.RunID)
	if errors.Is(err, store.ErrNotFound) {
		return run, 0, false, nil
	}
	return run, sp.Step, err == nil, err
}

// OnDead ends the run of a step action the outbox gave up on (a crash
// loop, an attempt limit), so no run stays running for ever.
func (r *Runner) OnDead(ctx context.Context, tx store.Tx, item store.OutboxItem) error {
	run, step, ok, err := stepRun(ctx, tx, item)
	if !ok || run.Status != store.RunRunning {
		return err
	}
	return r.finishTx(ctx, tx, run, fmt.Errorf("step %d dead-lettered: %s", step, item.LastError))
}

// OnRetry reopens the run of a step action an operator retries after
// the outbox gave up on it: OnDead failed the run at that step, and the
// retried step runs it on from there. A run that has moved on, or is
// gone, is left as it is; the retried item then finds nothing to do.
func (r *Runner) OnRetry(ctx context.Context, tx store.Tx, item store.OutboxItem) error {
	run, step, ok, err := stepRun(ctx, tx, item)
	if !ok || run.Status != store.RunFailed || run.NextStep != step {
		return err
	}
	run.Status, run.Error, run.FinishedAt = store.RunRunning, "", time.Time{}
	if err := tx.RunUpdate(ctx, run); err != nil {
		return fmt.Errorf("reopen run %d: %w", run.ID, err)
	}
	return nil
}

// record starts the record of step i.
func (st *runState) record(i int, s compiledStep, item store.OutboxItem) store.StepRecord {
	return store.StepRecord{RunID: st.run.ID, Index: i, Name: s.label(), Type: s.Type, Attempts: item.Attempts}
}
