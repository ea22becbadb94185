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
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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
type After interface {
	Record(ctx context.Context, tx store.Tx) error
}

// AfterFunc is an After made of a function.
type AfterFunc func(ctx context.Context, tx store.Tx) error

// Record runs f.
func (f AfterFunc) Record(ctx context.Context, tx store.Tx) error { return f(ctx, tx) }

// Batched is an After that records faster together with others of its
// group: the finisher hands all the Batched afters of one transaction
// that share a BatchGroup to the first one's RecordBatch, so N write-back
// records cost a few statements instead of N times a few round trips.
type Batched interface {
	After
	BatchGroup() string
	// RecordBatch records all of group (the receiver among them).
	RecordBatch(ctx context.Context, tx store.Tx, group []After) error
}

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
	// Lease is how long a claim holds an item unrenewed; while Run holds
	// items it renews their leases every Lease/3, so a dead worker's
	// items are rescued within a Lease.
	Lease    time.Duration
	IdleWait time.Duration
	// DeliveryTimeout bounds one delivery (default 108s).
	DeliveryTimeout time.Duration
	// FinishLinger is how long outcomes wait for more to record with
	// them while other deliveries are in flight (default 2ms; negative:
	// not at all). See finisher.gather.
	FinishLinger time.Duration
	Registerer   prometheus.Registerer
	// BatchKey and DeliverBatch, when both set, let items that one bulk
	// vendor call can carry go together: claimed items with the same
	// non-empty key are delivered by one DeliverBatch call.
	BatchKey     func(store.OutboxItem) string
	DeliverBatch func(ctx context.Context, items []store.OutboxItem) ([]Outcome, error)
	// MaxBatch, when set, caps how many items of one batch key go in one
	// DeliverBatch call (the vendor's bulk limit); zero or less: no cap.
	MaxBatch func(key string, item store.OutboxItem) int
	// LaneConcurrency, when set, is a lane's own limit on deliveries in
	// flight (a playbook's concurrency), in place of Concurrency; zero
	// or less: Concurrency.
	LaneConcurrency func(lane store.Lane) int
	// Serves, when set, says whether this worker delivers a lane's work
	// now: a disabled tenant's lanes wait, their items kept, not retried
	// into dead letters.
	Serves func(lane store.Lane) bool
	// OnDead, when set, runs in the transaction that records a batch's
	// outcomes for each item that went to the dead letters, so whatever
	// expected that action to land (the echo ledger) can forget it.
	OnDead ItemHook
	// Finished, when set, is told the outcomes of every batch the worker
	// recorded: a test signal (wait for it instead of sleeping) and a
	// place to hang metrics.
	Finished func(results []store.OutboxResult)
}

// ItemHook is a per-item hook run inside a transaction.
type ItemHook = func(ctx context.Context, tx store.Tx, item store.OutboxItem) error

// Worker claims and delivers outbox items until its context ends.
type Worker struct {
	o       Options
	owner   string
	metrics *metrics
	wake    chan struct{}
	holding atomic.Bool
	// deliveries runs each unit's delivery goroutine; delivering counts
	// the units in flight on every lane, so the finisher knows whether
	// more outcomes are on their way (see finisher.run).
	deliveries *goPool
	delivering atomic.Int64

	mu    sync.Mutex
	lanes map[store.Lane]*lane
	// run is set while Run runs (see Adopt).
	run *running

	// leases are the items this worker holds (claimed or adopted, not yet
	// recorded), whose leases Run renews; renewed is when the last
	// renewal round succeeded (unix nanoseconds).
	leasesMu sync.Mutex
	leases   map[store.OutboxRef]struct{}
	renewed  atomic.Int64
	// inflight cancels the deliveries under way, by item; lost are held
	// items whose lease another worker took (see lose). Both under
	// leasesMu.
	inflight map[store.OutboxRef]context.CancelFunc
	lost     map[store.OutboxRef]struct{}
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
	// Concurrency is per lane: each integration gets this many deliveries
	// in flight, whatever the others do.
	def(&o.Concurrency, 8)
	def(&o.Batch, 64)
	def(&o.MaxAttempts, 20)
	defd(&o.BaseBackoff, time.Second)
	defd(&o.MaxBackoff, 10*time.Minute)
	defd(&o.Lease, 2*time.Minute)
	defd(&o.DeliveryTimeout, 108*time.Second)
	defd(&o.IdleWait, 200*time.Millisecond)
	if o.FinishLinger == 0 {
		o.FinishLinger = 2 * time.Millisecond
	}
	b := make([]byte, 6)
	_, _ = crand.Read(b)
	return &Worker{o: o, owner: "worker-" + hex.EncodeToString(b), metrics: newMetrics(o.Registerer),
		wake: make(chan struct{}, 1), lanes: map[store.Lane]*lane{}, deliveries: newGoPool(laneIdleExit),
		leases: map[store.OutboxRef]struct{}{}, inflight: map[store.OutboxRef]context.CancelFunc{}, lost: map[store.OutboxRef]struct{}{}}
}

// Hold stops (true) or resumes (false) claiming new work, on every lane;
// deliveries already started finish. A person holds write-back while a
// vendor is down for maintenance; the benchmark holds it to queue a
// backlog and time its delivery.
func (w *Worker) Hold(hold bool) {
	w.holding.Store(hold)
	if !hold {
		w.Wake()
	}
}

// Wake makes an idle worker look for work now instead of after IdleWait.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// RunOnce claims one batch across every tenant and integration, delivers it and
// records the outcomes before returning how many items it handled. Tests
// and benchmarks use it to step the queue; Run delivers on lanes instead.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	// Claims go lane by lane: each walks its lane's index, where one
	// claim across every tenant would sort all due items.
	lanes, err := w.o.Store.OutboxLanes(ctx)
	if err != nil {
		return 0, err
	}
	var items []store.OutboxItem
	for _, l := range lanes {
		if len(items) >= w.o.Batch {
			break
		}
		if !w.serves(l) {
			continue
		}
		got, err := w.o.Store.OutboxClaim(ctx, store.OutboxClaimParams{
			Owner: w.owner, Now: w.o.Now().UTC(), Lease: w.o.Lease, Limit: w.o.Batch - len(items),
			Tenant: l.Tenant, Integration: l.Integration,
		})
		if err != nil {
			return 0, err
		}
		items = append(items, got...)
	}
	if len(items) == 0 {
		return 0, nil
	}
	deadline := time.Now().Add(w.deliveryWindow())
	var (
		mu   sync.Mutex
		done []finished
		wg   sync.WaitGroup
	)
	sem := make(chan struct{}, w.o.Concurrency)
	for _, u := range w.units(items, deadline) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out := w.deliverUnit(ctx, u)
			mu.Lock()
			done = append(done, out...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := w.finish(context.WithoutCancel(ctx), done); err != nil {
		return 0, err
	}
	return len(items), nil
}

// deliveryWindow is how long after its claim an item may still start:
// deliveries must end while the lease holds, or another node may claim
// and send the same item again. A tenth of the lease is kept for
// recording the outcome.
func (w *Worker) deliveryWindow() time.Duration { return w.o.Lease - w.o.Lease/10 }

// finish records delivered items' Afters (and the dead-letter hooks) in
// one transaction per tenant, then their outcomes. Outcomes are recorded
// even if the worker's context was cancelled meanwhile, so a delivered
// action is not sent again after a clean shutdown.
func (w *Worker) finish(ctx context.Context, done []finished) error {
	if len(done) == 0 {
		return nil
	}
	var (
		order   []string
		tenants = map[string][]finished{}
	)
	for _, f := range done {
		t := f.item.Tenant
		if _, ok := tenants[t]; !ok {
			order = append(order, t)
		}
		tenants[t] = append(tenants[t], f)
	}
	var errs []error
	for _, t := range order {
		if err := w.finishTenant(ctx, t, tenants[t]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// finishTenant is finish for one tenant's items.
func (w *Worker) finishTenant(ctx context.Context, tenant string, done []finished) error {
	results := make([]store.OutboxResult, len(done))
	afters := make([]After, 0, len(done))
	// Items done or dead in one batch share the batch's time, so the store
	// records them with one statement per outcome, not one per item.
	now := w.o.Now().UTC()
	for i, f := range done {
		results[i] = f.result
		results[i].Tenant = f.item.Tenant
		if r := &results[i]; r.State == store.OutboxDone || r.State == store.OutboxDead {
			r.Now = now
		}
		afters = append(afters, f.after)
		if f.result.State == store.OutboxDead && w.o.OnDead != nil {
			it := f.item
			afters = append(afters, AfterFunc(func(ctx context.Context, tx store.Tx) error { return w.o.OnDead(ctx, tx, it) }))
		}
	}
	todo := afters[:0]
	for _, a := range afters {
		if a != nil {
			todo = append(todo, a)
		}
	}
	// The worker lets go of the items before their outcomes commit: one
	// left due at once may be claimed again the moment they do, and must
	// then be taken for new work, not for one it still holds (see
	// maybeClaim); nor may a renewal that misses them meanwhile take them
	// for lost (see lose). Their leases, renewed within the last third of
	// one, outlast the transaction.
	w.forget(done)
	// The records and the outcomes commit together; if the records fail,
	// the outcomes are recorded on their own and each record is retried
	// alone (the vendor already has the change).
	scope := w.o.Store.Scope(tenant)
	err := scope.WithTx(ctx, func(tx store.Tx) error {
		if err := recordAll(ctx, tx, todo); err != nil {
			return err
		}
		return tx.OutboxComplete(ctx, w.owner, results)
	})
	if err != nil {
		if err := w.o.Store.OutboxFinish(ctx, w.owner, results); err != nil {
			// Unrecorded, the items stay leased: no longer renewed, they
			// are claimed again once their lease lapses.
			return err
		}
		w.recordAlone(ctx, scope, todo)
	}
	if w.o.Finished != nil {
		w.o.Finished(results)
	}
	return nil
}

// recordAlone runs each After in a transaction of its own, so one bad
// record cannot hide the others; a record that still fails is logged, as
// the vendor already has the change.
func (w *Worker) recordAlone(ctx context.Context, scope store.Scoped, todo []After) {
	for _, a := range todo {
		for attempt := 1; ; attempt++ {
			err := scope.WithTx(ctx, func(tx store.Tx) error { return a.Record(ctx, tx) })
			if errors.Is(err, store.ErrConflict) && attempt < 3 {
				continue
			}
			if err != nil {
				w.o.Logger.Warn("record delivered action", "tenant", scope.Tenant(), "err", err)
			}
			break
		}
	}
}

// recordAll runs afters in tx: the Batched ones by group, the others one
// by one, in the order each first appears.
func recordAll(ctx context.Context, tx store.Tx, afters []After) error {
	groups := map[string][]After{}
	var order []string
	for _, a := range afters {
		b, ok := a.(Batched)
		if !ok {
			if err := a.Record(ctx, tx); err != nil {
				return err
			}
			continue
		}
		g := b.BatchGroup()
		if _, seen := groups[g]; !seen {
			order = append(order, g)
		}
		groups[g] = append(groups[g], a)
	}
	for _, g := range order {
		if err := groups[g][0].(Batched).RecordBatch(ctx, tx, groups[g]); err != nil {
			return err
		}
	}
	return nil
}

// outcome turns a delivery's error into the item's next state. A pending
// result's error says what it waits for and until when, so the delivery
// record answers "why hasn't this synced yet?".
func (w *Worker) outcome(it store.OutboxItem, after After, err error) (store.OutboxResult, After) {
	now := w.o.Now().UTC()
	if err == nil {
		w.metrics.delivered.WithLabelValues(it.Tenant, it.Integration, it.Action).Inc()
		return store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: now}, after
	}
	if n, ok := noted(err); ok {
		w.metrics.delivered.WithLabelValues(it.Tenant, it.Integration, it.Action).Inc()
		return store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: now, Error: n.Note}, n.After
	}
	if wt := (*Wait)(nil); errors.As(err, &wt) {
		next := now
		if wt.Until.After(now) {
			next = wt.Until.UTC()
		}
		w.metrics.waited.WithLabelValues(it.Tenant, it.Integration, it.Action).Inc()
		return store.OutboxResult{ID: it.ID, State: store.OutboxPending, Now: now, NextAttemptAt: next,
			Unattempted: true, Error: wt.Error()}, nil
	}
	class := connector.ClassOf(err)
	res := store.OutboxResult{ID: it.ID, Error: err.Error(), Now: now}
	if w.dead(class, it.Attempts) {
		res.State = store.OutboxDead
		w.metrics.dead.WithLabelValues(it.Tenant, it.Integration, it.Action, string(class)).Inc()
		w.o.Logger.Error("outbox action dead-lettered", "id", it.ID, "integration", it.Integration,
			"action", it.Action, "attempts", it.Attempts, "class", class, "err", err)
		return res, nil
	}
	res.State = store.OutboxPending
	res.NextAttemptAt = now.Add(w.Backoff(it.Attempts, connector.RetryAfterOf(err)))
	res.Error = waitingText(class, it.Attempts, w.maxAttempts(class), res.NextAttemptAt, err)
	w.metrics.retried.WithLabelValues(it.Tenant, it.Integration, it.Action, string(class)).Inc()
	w.o.Logger.Warn("outbox action will be retried", "id", it.ID, "integration", it.Integration,
		"action", it.Action, "attempt", it.Attempts, "class", class, "retry_at", res.NextAttemptAt, "err", err)
	return res, nil
}

// retryWait starts the record of an item waiting out a retry backoff
// after an error (not a rate budget): the items a lane brings forward
// when its vendor answers again (lane.expedite).
const retryWait = "waiting: retry after error"

// waitingText is a pending item's delivery record.
func waitingText(class connector.Class, attempt, max int, next time.Time, err error) string {
	at := next.UTC().Format(time.RFC3339)
	if class == connector.ClassRateLimited {
		return fmt.Sprintf("waiting: rate budget, next attempt at %s (attempt %d of %d): %v", at, attempt, max, err)
	}
	return fmt.Sprintf("%s, next attempt at %s (attempt %d of %d): %v", retryWait, at, attempt, max, err)
}

func (w *Worker) maxAttempts(class connector.Class) int {
	if class == connector.ClassRateLimited {
		return 3 * w.o.MaxAttempts
	}
	return w.o.MaxAttempts
}

// dead decides whether an error ends an item. Permanent and not-found
// errors cannot succeed by waiting. Rate limits are the vendor asking us to
// slow down, so they get three times the usual number of attempts.
func (w *Worker) dead(class connector.Class, attempts int) bool {
	switch class {
	case connector.ClassPermanent, connector.ClassNotFound:
		return true
	}
	return attempts >= w.maxAttempts(class)
}

// Backoff is the wait before attempt number attempts+1. When the vendor
// said how long to wait (Retry-After), that is the wait, plus up to a
// tenth of jitter: the vendor knows its quota, and doubling on top of it
// would keep a decision waiting long after the budget refilled. Otherwise
// it is exponential from BaseBackoff with full jitter over its upper half,
// capped at MaxBackoff.
func (w *Worker) Backoff(attempts int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter + rand.N(retryAfter/10+1)
	}
	d := w.o.BaseBackoff
	for i := 1; i < attempts && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}
