// Package outbox delivers durable outbound actions. Actions are enqueued by
// the engine in the same transaction as the change that causes them; a
// Worker claims them under a lease, delivers them concurrently, and retries
// with exponential backoff and jitter, honouring a vendor's Retry-After,
// until a cap sends them to the dead letters, visibly.
package outbox

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// Deliverer performs one action; its error is classified by the connector.
// On success it may return an After to record what was done; the worker
// runs the Afters of a whole batch in one transaction, which keeps the
// write cost per delivered action low.
type Deliverer func(ctx context.Context, item store.OutboxItem) (After, error)

// After records the outcome of a delivered action inside tx.
type After = func(ctx context.Context, tx store.Tx) error

// Options tune a Worker.
type Options struct {
	Store       store.Store
	Deliver     Deliverer
	Logger      *slog.Logger
	Now         func() time.Time
	Concurrency int
	Batch       int
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	Lease       time.Duration
	IdleWait    time.Duration
	Registerer  prometheus.Registerer
	// BatchKey and DeliverBatch, when both set, let items that one bulk
	// vendor call can carry go together: claimed items with the same
	// non-empty key are delivered by one DeliverBatch call.
	BatchKey     func(store.OutboxItem) string
	DeliverBatch func(ctx context.Context, items []store.OutboxItem) ([]After, error)
	// OnDead, when set, runs in the transaction that records a batch's
	// outcomes for each item that went to the dead letters, so whatever
	// expected that action to land (the echo ledger) can forget it.
	OnDead ItemHook
}

// ItemHook is a per-item hook run inside a transaction.
type ItemHook = func(ctx context.Context, tx store.Tx, item store.OutboxItem) error

// Worker claims and delivers outbox items until its context ends.
type Worker struct {
	o       Options
	owner   string
	metrics *metrics
	wake    chan struct{}
}

// New builds a Worker with defaults for unset options.
func New(o Options) *Worker {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Concurrency, 8)
	def(&o.Batch, 64)
	def(&o.MaxAttempts, 10)
	defd(&o.BaseBackoff, time.Second)
	defd(&o.MaxBackoff, 10*time.Minute)
	defd(&o.Lease, 2*time.Minute)
	defd(&o.IdleWait, 200*time.Millisecond)
	b := make([]byte, 6)
	_, _ = crand.Read(b)
	return &Worker{o: o, owner: "worker-" + hex.EncodeToString(b), metrics: newMetrics(o.Registerer), wake: make(chan struct{}, 1)}
}

// Wake makes an idle worker look for work now instead of after IdleWait.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run loops until ctx ends. Items claimed but unfinished when it stops are
// picked up again after their lease expires.
func (w *Worker) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.o.Logger.Error("outbox cycle", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-time.After(w.o.IdleWait):
		}
	}
	return nil
}

// RunOnce claims one batch, delivers it and records the outcomes. It
// returns how many items it handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	claimed := w.o.Now().UTC()
	items, err := w.o.Store.OutboxClaim(ctx, store.OutboxClaimParams{
		Owner: w.owner, Now: claimed, Lease: w.o.Lease, Limit: w.o.Batch,
	})
	if err != nil || len(items) == 0 {
		return 0, err
	}
	// Deliveries must end while the lease still holds; otherwise another
	// node may claim the same items and send them again. A tenth of the
	// lease is kept for recording the outcomes.
	ctx, cancel := context.WithDeadline(ctx, time.Now().Add(w.o.Lease-w.o.Lease/10))
	defer cancel()
	results := make([]store.OutboxResult, len(items))
	afters := make([]After, len(items))
	sem := make(chan struct{}, w.o.Concurrency)
	var wg sync.WaitGroup
	for _, group := range w.groups(items) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.deliverGroup(ctx, items, group, results, afters)
		}()
	}
	wg.Wait()
	w.record(context.WithoutCancel(ctx), w.withDeadHooks(items, results, afters))
	// Outcomes are recorded even if ctx was cancelled meanwhile, so a
	// delivered action is not sent again after a clean shutdown.
	if err := w.o.Store.OutboxFinish(context.WithoutCancel(ctx), w.owner, results); err != nil {
		return 0, err
	}
	return len(items), nil
}

// withDeadHooks adds an OnDead call for every item that went dead.
func (w *Worker) withDeadHooks(items []store.OutboxItem, results []store.OutboxResult, afters []After) []After {
	if w.o.OnDead == nil {
		return afters
	}
	for i, r := range results {
		if r.State == store.OutboxDead {
			it := items[i]
			afters = append(afters, func(ctx context.Context, tx store.Tx) error { return w.o.OnDead(ctx, tx, it) })
		}
	}
	return afters
}

// record runs the batch's Afters in one transaction. If that fails, each
// runs alone so one bad record cannot hide the others; a record that still
// fails is logged, as the vendor already has the change.
func (w *Worker) record(ctx context.Context, afters []After) {
	var todo []After
	for _, a := range afters {
		if a != nil {
			todo = append(todo, a)
		}
	}
	if len(todo) == 0 {
		return
	}
	err := w.o.Store.WithTx(ctx, func(tx store.Tx) error {
		for _, a := range todo {
			if err := a(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	for _, a := range todo {
		for attempt := 1; ; attempt++ {
			err := w.o.Store.WithTx(ctx, func(tx store.Tx) error { return a(ctx, tx) })
			if errors.Is(err, store.ErrConflict) && attempt < 3 {
				continue
			}
			if err != nil {
				w.o.Logger.Warn("record delivered action", "err", err)
			}
			break
		}
	}
}

// groups splits a claimed batch into delivery units: indexes of items that
// go together in one bulk call, and every other item alone.
func (w *Worker) groups(items []store.OutboxItem) [][]int {
	var out [][]int
	byKey := map[string]int{}
	for i, it := range items {
		key := ""
		if w.o.BatchKey != nil && w.o.DeliverBatch != nil {
			key = w.o.BatchKey(it)
		}
		if key == "" {
			out = append(out, []int{i})
			continue
		}
		if g, ok := byKey[key]; ok {
			out[g] = append(out[g], i)
			continue
		}
		byKey[key] = len(out)
		out = append(out, []int{i})
	}
	return out
}

// deliverGroup delivers one unit and fills its results and afters. Items
// still queued when the lease deadline passes are not started: they go
// back to pending without counting as a failure of the vendor.
func (w *Worker) deliverGroup(ctx context.Context, items []store.OutboxItem, group []int, results []store.OutboxResult, afters []After) {
	if ctx.Err() != nil {
		for _, i := range group {
			results[i] = store.OutboxResult{ID: items[i].ID, State: store.OutboxPending, Now: w.o.Now().UTC(),
				NextAttemptAt: w.o.Now().UTC(), Error: "not started before the lease ran out"}
		}
		return
	}
	if len(group) == 1 {
		it := items[group[0]]
		start := time.Now()
		after, err := w.o.Deliver(ctx, it)
		w.metrics.latency.WithLabelValues(it.Action).Observe(time.Since(start).Seconds())
		results[group[0]], afters[group[0]] = w.outcome(it, after, err)
		return
	}
	batch := make([]store.OutboxItem, len(group))
	for j, i := range group {
		batch[j] = items[i]
	}
	start := time.Now()
	recs, err := w.o.DeliverBatch(ctx, batch)
	w.metrics.latency.WithLabelValues(batch[0].Action).Observe(time.Since(start).Seconds())
	for j, i := range group {
		var after After
		if err == nil && j < len(recs) {
			after = recs[j]
		}
		results[i], afters[i] = w.outcome(items[i], after, err)
	}
}

// outcome turns a delivery's error into the item's next state.
func (w *Worker) outcome(it store.OutboxItem, after After, err error) (store.OutboxResult, After) {
	now := w.o.Now().UTC()
	if err == nil {
		w.metrics.delivered.WithLabelValues(it.Integration, it.Action).Inc()
		return store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: now}, after
	}
	class := connector.ClassOf(err)
	res := store.OutboxResult{ID: it.ID, Error: err.Error(), Now: now}
	if w.dead(class, it.Attempts) {
		res.State = store.OutboxDead
		w.metrics.dead.WithLabelValues(it.Integration, it.Action, string(class)).Inc()
		w.o.Logger.Error("outbox action dead-lettered", "id", it.ID, "integration", it.Integration,
			"action", it.Action, "attempts", it.Attempts, "class", class, "err", err)
		return res, nil
	}
	res.State = store.OutboxPending
	res.NextAttemptAt = now.Add(w.Backoff(it.Attempts, connector.RetryAfterOf(err)))
	w.metrics.retried.WithLabelValues(it.Integration, it.Action, string(class)).Inc()
	w.o.Logger.Warn("outbox action will be retried", "id", it.ID, "integration", it.Integration,
		"action", it.Action, "attempt", it.Attempts, "class", class, "retry_at", res.NextAttemptAt, "err", err)
	return res, nil
}

// dead decides whether an error ends an item. Permanent and not-found
// errors cannot succeed by waiting. Rate limits are the vendor asking us to
// slow down, so they get three times the usual number of attempts.
func (w *Worker) dead(class connector.Class, attempts int) bool {
	switch class {
	case connector.ClassPermanent, connector.ClassNotFound:
		return true
	case connector.ClassRateLimited:
		return attempts >= 3*w.o.MaxAttempts
	}
	return attempts >= w.o.MaxAttempts
}

// Backoff is the wait before attempt number attempts+1: exponential from
// BaseBackoff with full jitter over its upper half, capped at MaxBackoff,
// and never shorter than the vendor's Retry-After.
func (w *Worker) Backoff(attempts int, retryAfter time.Duration) time.Duration {
	d := w.o.BaseBackoff
	for i := 1; i < attempts && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = retryAfter + rand.N(retryAfter/10+1)
	}
	return d
}
