package outbox

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/store"
)

// Lanes: every integration with unfinished work gets a lane of its own,
// with its own claims, its own in-flight deliveries and its own pause when
// the vendor throttles, so a throttled or failing vendor never delays
// another vendor's writes. Within a lane, decisions are claimed and started
// before automatic comments; each delivered item is recorded as soon as it
// is done (a slow item holds nothing else hostage).

// laneIdleExit is how long a lane with nothing to do lives on.
const laneIdleExit = 30 * time.Second

// claimEvery is how often a lane with spare room looks for new work while
// its deliveries run, so a decision queued behind a backlog is claimed
// (and jumps the lane's local queue) within this interval.
const claimEvery = 250 * time.Millisecond

// listedEvery is how often at least a lane that is never idle claims
// because the store lists it with unfinished work; see lane.listed.
const listedEvery = time.Second

// Run delivers on lanes until ctx ends. Items claimed but unfinished when
// it stops are given back, or picked up again after their lease expires.
func (w *Worker) Run(ctx context.Context) error {
	fin := &finisher{w: w, in: make(chan finishReq, 1024)}
	finDone := make(chan struct{})
	go func() { fin.run(); close(finDone) }()
	var lanes sync.WaitGroup
	w.mu.Lock()
	w.run = &running{ctx: ctx, fin: fin, lanes: &lanes}
	w.mu.Unlock()
	renewDone := make(chan struct{})
	go func() { w.renewLoop(ctx); close(renewDone) }()
	defer func() { <-renewDone }()
	defer func() {
		w.mu.Lock()
		w.run = nil
		w.mu.Unlock()
	}()
	for ctx.Err() == nil {
		names, err := w.o.Store.OutboxLanes(ctx)
		if err != nil && ctx.Err() == nil {
			w.o.Logger.Error("list outbox lanes", "err", err)
		}
		for _, key := range names {
			if w.serves(key) {
				w.startLane(ctx, key, fin, &lanes)
			}
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
			w.wakeLanes()
		case <-time.After(w.o.IdleWait):
		}
	}
	// No lane starts once the wait begins (Adopt and WakeLanes start
	// lanes only while w.run is set).
	w.mu.Lock()
	w.run = nil
	w.mu.Unlock()
	lanes.Wait()
	close(fin.in)
	<-finDone
	return nil
}

// startLane starts the lane of key, which the store lists with
// unfinished work, or kicks it if it runs: a drained lane claims only
// when kicked, so work it was not told of (another replica's, a retry
// come due, a lapsed lease) is found by this listing, one query for all
// lanes, and not by every idle lane claiming on a timer of its own,
// which with a hundred tenants was 500 claims a second.
func (w *Worker) startLane(ctx context.Context, key store.Lane, fin *finisher, wg *sync.WaitGroup) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if l, ok := w.lanes[key]; ok {
		l.listed(time.Now())
		return
	}
	w.startLaneLocked(ctx, key, fin, wg)
}

// startLaneLocked starts the lane; the caller holds w.mu and knows it
// is not running.
func (w *Worker) startLaneLocked(ctx context.Context, key store.Lane, fin *finisher, wg *sync.WaitGroup) *lane {
	l := &lane{w: w, key: key, name: key.String(), fin: fin, wake: make(chan struct{}, 1), window: w.laneMax(key), bulkRunning: map[string]int{},
		events: make(chan laneEvent, 2*w.o.Batch+2)}
	w.lanes[key] = l
	wg.Add(1)
	go func() { defer wg.Done(); l.run(ctx) }()
	return l
}

// serves reports whether the worker delivers key's work now.
func (w *Worker) serves(key store.Lane) bool { return w.o.Serves == nil || w.o.Serves(key) }

// laneMax is how many deliveries the lane may have in flight: the
// lane's own limit (a playbook's concurrency) when it has one, else
// Concurrency.
func (w *Worker) laneMax(key store.Lane) int {
	if w.o.LaneConcurrency != nil {
		if n := w.o.LaneConcurrency(key); n > 0 {
			return n
		}
	}
	return w.o.Concurrency
}

// WakeLanes tells the lanes of tenants' integrations there is new work
// for them, starting those not running. It wakes only those lanes: a
// hundred tenants' first verdicts used to wake the worker a hundred
// times, and each wake had every running lane claim and the worker list
// every lane, which made those verdicts the slowest 5% of a tenants
// bench run.
func (w *Worker) WakeLanes(lanes []store.Lane) {
	w.mu.Lock()
	missing := false
	for _, key := range lanes {
		l, ok := w.lanes[key]
		switch {
		case ok:
			l.kick()
		case w.run != nil && w.run.ctx.Err() == nil && w.serves(key):
			w.startLaneLocked(w.run.ctx, key, w.run.fin, w.run.lanes).kick()
		default:
			missing = true
		}
	}
	w.mu.Unlock()
	if missing {
		w.Wake()
	}
}

func (w *Worker) wakeLanes() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, l := range w.lanes {
		l.kick()
	}
}

// Waiting reports why a tenant's integration's pending writes are not
// being sent right now (a vendor's rate limit), and until when; ok is
// false when its lane is not paused.
func (w *Worker) Waiting(key store.Lane) (reason string, until time.Time, ok bool) {
	w.mu.Lock()
	l := w.lanes[key]
	w.mu.Unlock()
	if l == nil {
		return "", time.Time{}, false
	}
	return l.paused(time.Now())
}

// lane delivers one integration's work.
type lane struct {
	w    *Worker
	key  store.Lane
	name string // key.String(), for logs and metrics
	fin  *finisher
	wake chan struct{}
	// events carries what delivery goroutines and the finisher report.
	events chan laneEvent

	// Owned by the lane's goroutine.
	queue   []unit
	running int // units being delivered
	// undelivered counts the claimed items not yet delivered (queued or
	// in flight); held also counts those delivered and not yet recorded.
	undelivered int
	// bulkRunning counts, per batch key, the bulk calls in flight: while
	// one is, more work for the same call waits for it (up to bulkLinger)
	// and grows into one call instead of many.
	bulkRunning map[string]int
	// bulk is set once the lane's work has been for a bulk call.
	bulk      bool
	held      int // items claimed and not yet recorded
	lastClaim time.Time
	// window is how many units may run at once: Concurrency, cut to one
	// when the vendor throttles and widened by one per success after, so
	// the lane resumes gently and the first unit after a pause (a decision,
	// if one waits) gets the vendor's attention alone.
	window int

	mu          sync.Mutex
	pausedUntil time.Time
	pauseReason string

	// adopted are items handed over by Adopt, taken into the queue by
	// the lane's goroutine; load mirrors held plus those, for Adoptable.
	adoptMu sync.Mutex
	adopted []store.OutboxItem
	load    atomic.Int64
	// drained is set when the lane's last claim found nothing; it then
	// claims again only when kicked (by new work here, or by the worker's
	// listing of lanes with unfinished work every IdleWait), not on every
	// delivery that ends (adopted work needs no claim) nor on a timer.
	drained bool
	kicked  atomic.Bool
	// claimedAt is lastClaim for the worker's goroutine (unix nanos).
	claimedAt atomic.Int64
	// backedOff is set while items of the lane may wait out a retry
	// backoff after a failed delivery. The next delivery that succeeds
	// clears it and sets expedite: the vendor answers again, so those
	// items are made due instead of waiting up to MaxBackoff more. (What
	// an earlier process left backing off is brought forward by the
	// integration's first successful poll, see Expedite: a lane's first
	// delivery doing it too cost every new lane a write.)
	backedOff, expedite bool
	// recheck is when the first item the lane put back to wait (Wait)
	// is due again: the lane claims then, rather than when the worker
	// next lists it (every IdleWait, and only once the lane holds
	// nothing or last claimed listedEvery ago).
	recheck time.Time
}

// laneEvent is a unit that finished delivering (unitDone) or items whose
// outcomes were recorded (recorded).
type laneEvent struct {
	unitDone  bool
	items     int // the finished unit's items
	throttled bool
	// failed: an item of the unit failed and waits out a retry backoff;
	// delivered: one was delivered.
	failed, delivered bool
	recorded          int
	key               string // the finished unit's batch key
	// recheck is when the first item of the unit that waits (Wait) is
	// due again; zero when none waits.
	recheck time.Time
}

// listed kicks the lane because the store lists it with unfinished
// work. A lane holding items may be listed for those alone (an adopted
// write in flight, which a claim cannot find), so it is kicked only once
// it holds nothing, or when it last claimed listedEvery ago or more,
// which bounds how long work it was not told of waits behind a lane that
// is never idle.
func (l *lane) listed(now time.Time) {
	if l.load.Load() == 0 || now.Sub(time.Unix(0, l.claimedAt.Load())) >= listedEvery {
		l.kick()
	}
}

// kick wakes the lane because its integration may have new work in the
// store: its next turn claims even if its last claim found nothing.
func (l *lane) kick() {
	l.kicked.Store(true)
	l.poke()
}

func (l *lane) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *lane) run(ctx context.Context) {
	idleSince := time.Now()
	for {
		if ctx.Err() != nil {
			l.giveBack(time.Time{}, "waiting: alertsync stopped before sending it")
			if l.held == 0 {
				l.exit()
				return
			}
			l.apply(<-l.events)
			continue
		}
		now := time.Now()
		l.takeAdopted(now)
		if !l.recheck.IsZero() && l.w.untilDue(l.recheck) <= 0 {
			// An item put back to wait is due: look for it now.
			l.recheck = time.Time{}
			l.kicked.Store(true)
		}
		if _, until, paused := l.paused(now); paused {
			l.giveBack(until, "")
		} else {
			// Queued work goes out before the claim, which may wait on the
			// store, so freed slots are not idle meanwhile.
			if l.expedite {
				l.expediteBackedOff(ctx)
			}
			l.startUnits(ctx)
			l.maybeClaim(ctx, now)
			l.startUnits(ctx)
		}
		if l.held > 0 {
			idleSince = now
		} else if now.Sub(idleSince) > laneIdleExit && l.exitIfIdle() {
			return
		}
		l.wait(ctx, now)
	}
}

// wait blocks until something may have changed: a delivery or record
// event, a wake-up, the end of a pause, or IdleWait.
func (l *lane) wait(ctx context.Context, now time.Time) {
	d := l.w.o.IdleWait
	_, until, paused := l.paused(now)
	switch {
	case paused:
		d = min(d, until.Sub(now))
	case len(l.queue) > 0:
		d = min(d, bulkLinger)
	case l.held > 0:
		d = min(d, claimEvery)
	case l.drained:
		// Nothing to do until kicked, poked or handed work: a timer would
		// only wake it to find so (a hundred tenants' idle lanes woke 500
		// times a second), except to end it once idle long enough.
		d = laneIdleExit
	}
	if !l.recheck.IsZero() {
		d = min(d, l.w.untilDue(l.recheck))
	}
	t := time.NewTimer(max(d, time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case ev := <-l.events:
		l.apply(ev)
	case <-l.wake:
	case <-t.C:
	}
	for {
		select {
		case ev := <-l.events:
			l.apply(ev)
		default:
			return
		}
	}
}

func (l *lane) apply(ev laneEvent) {
	if ev.unitDone {
		l.running--
		l.undelivered -= ev.items
		if ev.key != "" {
			l.bulkRunning[ev.key]--
		}
		switch {
		case ev.throttled:
			l.window = 1
		case l.window < l.w.laneMax(l.key):
			l.window++
		}
		switch {
		case ev.failed:
			l.backedOff = true
		case ev.delivered && l.backedOff:
			l.backedOff, l.expedite = false, true
		}
		if !ev.recheck.IsZero() && (l.recheck.IsZero() || ev.recheck.Before(l.recheck)) {
			l.recheck = ev.recheck
		}
	}
	l.held -= ev.recorded
	l.load.Add(-int64(ev.recorded))
}

// maybeClaim tops the lane's window up to Batch items. With deliveries
// running it claims only when a quarter of the window is free or
// claimEvery has passed, which keeps claims cheap under a backlog while a
// new decision still gets in quickly.
func (l *lane) maybeClaim(ctx context.Context, now time.Time) {
	// Items delivered and waiting to be recorded do not hold the lane up:
	// it claims the next while the finisher records, up to recordAhead
	// claims' worth in all.
	room := min(l.w.o.Batch-l.undelivered, recordAhead*l.w.o.Batch-l.held)
	if l.bulk {
		// A bulk lane holds a call's worth for each slot of its window,
		// so a backlog keeps every slot busy with a full call.
		room = l.w.o.Batch*l.w.laneMax(l.key) - l.held
	}
	if room <= 0 || l.w.holding.Load() || !l.w.serves(l.key) {
		return
	}
	idleSlots := len(l.queue) == 0 && l.running < l.window
	if !idleSlots && room < l.w.o.Batch/4 && now.Sub(l.lastClaim) < claimEvery {
		return
	}
	if kicked := l.kicked.Swap(false); l.drained && !kicked {
		return
	}
	l.lastClaim = now
	l.claimedAt.Store(now.UnixNano())
	items, err := l.w.o.Store.OutboxClaim(ctx, store.OutboxClaimParams{
		Owner: l.w.owner, Now: l.w.o.Now().UTC(), Lease: l.w.o.Lease, Limit: room, Tenant: l.key.Tenant, Integration: l.key.Integration,
	})
	if err != nil {
		if ctx.Err() == nil {
			l.w.o.Logger.Error("claim outbox items", "integration", l.name, "err", err)
		}
		return
	}
	l.drained = len(items) == 0
	// An item whose lease lapsed while this worker still held it (its
	// renewals failed, the store's writer held up) comes back in the
	// claim: the claim renewed its lease, and the delivery or record
	// already under way goes on. Starting it again would send it twice,
	// and the copy in flight could land after the object's next write.
	if items = l.w.hold(items); len(items) == 0 {
		return
	}
	l.held += len(items)
	l.load.Add(int64(len(items)))
	l.undelivered += len(items)
	for _, u := range l.w.units(items, now.Add(l.w.deliveryWindow())) {
		l.bulk = l.bulk || u.key != ""
		l.enqueue(u)
	}
	sortUnits(l.queue)
}

func sortUnits(q []unit) { slices.SortStableFunc(q, compareUnits) }

// enqueue adds u to the queue, joining a waiting unit of the same bulk
// call while the vendor's limit allows.
func (l *lane) enqueue(u unit) {
	if u.key != "" {
		for i := range l.queue {
			q := &l.queue[i]
			if q.key == u.key && len(q.items)+len(u.items) <= l.w.unitCap(q.key, q.items[0]) {
				q.items = append(q.items, u.items...)
				q.deadline = minTime(q.deadline, u.deadline)
				return
			}
		}
	}
	l.queue = append(l.queue, u)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// recordAhead is how many claims' worth a lane may hold, most of them
// delivered and waiting for the finisher.
const recordAhead = 4

// bulkLinger bounds how long a bulk unit waits for the same call in
// flight before it goes anyway: like Nagle's algorithm, the first write
// goes at once and what arrives while it is out goes together after it.
const bulkLinger = 100 * time.Millisecond

// holds reports whether u should wait for a bulk call of its kind.
func (l *lane) holds(u unit, now time.Time) bool {
	return u.key != "" && l.bulkRunning[u.key] > 0 && now.Sub(u.since) < bulkLinger && !l.w.full(u)
}

// startUnits starts queued units while the lane has free slots.
func (l *lane) startUnits(ctx context.Context) {
	now := time.Now()
	kept := l.queue[:0]
	for _, u := range l.queue {
		if l.running >= l.window || l.holds(u, now) {
			kept = append(kept, u)
			continue
		}
		l.running++
		if u.key != "" {
			l.bulkRunning[u.key]++
		}
		l.w.delivering.Add(1)
		l.w.deliveries.Go(func() {
			out := l.w.deliverUnit(ctx, u)
			throttled := l.noteThrottle(out)
			failed, delivered := outcomes(out)
			l.w.delivering.Add(-1)
			l.fin.in <- finishReq{done: out, lane: l}
			l.events <- laneEvent{unitDone: true, throttled: throttled, failed: failed, delivered: delivered, key: u.key, items: len(u.items),
				recheck: waitsUntil(out)}
		})
	}
	clear(l.queue[len(kept):])
	l.queue = kept
	l.w.metrics.inFlight.WithLabelValues(l.key.Tenant, l.key.Integration).Set(float64(l.running))
}

// outcomes reports whether a delivered unit left an item waiting out a
// retry backoff, and whether it delivered one.
func outcomes(out []finished) (failed, delivered bool) {
	for _, f := range out {
		switch {
		case f.result.State == store.OutboxDone:
			delivered = true
		case f.result.State == store.OutboxPending && !f.result.Unattempted &&
			connector.ClassOf(f.err) != connector.ClassRateLimited:
			failed = true
		}
	}
	return failed, delivered
}

// waitsUntil is when the first item of a delivered unit that waits
// (Wait) is due again, or zero.
func waitsUntil(out []finished) time.Time {
	var first time.Time
	for _, f := range out {
		if wt := (*Wait)(nil); errors.As(f.err, &wt) && f.result.State == store.OutboxPending {
			if at := f.result.NextAttemptAt; first.IsZero() || at.Before(first) {
				first = at
			}
		}
	}
	return first
}

// untilDue is how long until at by the worker's clock, which stamps
// the items' due times.
func (w *Worker) untilDue(at time.Time) time.Duration { return at.Sub(w.o.Now()) }

// expediteBackedOff makes the lane's items waiting out a retry backoff
// due now, after one of its deliveries succeeded (see Expedite).
func (l *lane) expediteBackedOff(ctx context.Context) {
	l.expedite = false
	if l.w.expedite(ctx, l.key) > 0 {
		l.kicked.Store(true)
	}
}

// Expedite makes lane's items waiting out a retry backoff due now and
// wakes the lane: the vendor answers again (a write of the lane got
// through, or the integration's poll did after failing), so the writes
// that failed while it did not go out at the lane's own pace (its window,
// its rate budget) instead of each at the end of its own backoff, up to
// MaxBackoff later. Items waiting on a rate budget keep their wait.
func (w *Worker) Expedite(ctx context.Context, lane store.Lane) {
	if w.expedite(ctx, lane) > 0 {
		w.WakeLanes([]store.Lane{lane})
	}
}

func (w *Worker) expedite(ctx context.Context, lane store.Lane) int {
	n, err := w.o.Store.OutboxExpedite(ctx, store.OutboxExpediteParams{Lane: lane, Now: w.o.Now().UTC(), ErrorPrefix: retryWait})
	if err != nil {
		if ctx.Err() == nil {
			w.o.Logger.Error("expedite backed-off outbox items", "integration", lane.String(), "err", err)
		}
		return 0
	}
	if n > 0 {
		w.metrics.expedited.WithLabelValues(lane.Tenant, lane.Integration).Add(float64(n))
		w.o.Logger.Info("integration answers again: its writes waiting to retry are due now", "integration", lane.String(), "items", n)
	}
	return n
}

// noteThrottle pauses the lane when the vendor (or the local budget) said
// to slow down: the rest of this integration's work waits for the time
// the vendor asked for instead of each item earning its own 429.
func (l *lane) noteThrottle(out []finished) bool {
	throttled := false
	for _, f := range out {
		if f.result.State != store.OutboxPending || f.result.Unattempted {
			continue
		}
		if connector.ClassOf(f.err) == connector.ClassRateLimited {
			l.pause(f.result.NextAttemptAt, "rate budget")
			throttled = true
		}
	}
	return throttled
}

func (l *lane) pause(until time.Time, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !until.After(l.pausedUntil) {
		return
	}
	first := !l.pausedUntil.After(time.Now())
	l.pausedUntil, l.pauseReason = until, reason
	l.w.metrics.laneWait.WithLabelValues(l.key.Tenant, l.key.Integration, reason).Set(time.Until(until).Seconds())
	if first {
		l.w.metrics.pauses.WithLabelValues(l.key.Tenant, l.key.Integration, reason).Inc()
		l.w.o.Logger.Warn("integration paused: its writes wait", "integration", l.name,
			"reason", reason, "until", until.UTC().Format(time.RFC3339))
	}
}

func (l *lane) paused(now time.Time) (string, time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pausedUntil.After(now) {
		return l.pauseReason, l.pausedUntil, true
	}
	if !l.pausedUntil.IsZero() {
		l.w.metrics.laneWait.WithLabelValues(l.key.Tenant, l.key.Integration, l.pauseReason).Set(0)
		l.pausedUntil = time.Time{}
	}
	return "", time.Time{}, false
}

// giveBack returns queued, unstarted units to pending without counting an
// attempt: due at until (the end of a pause), or at once.
func (l *lane) giveBack(until time.Time, why string) {
	if len(l.queue) == 0 {
		return
	}
	now := l.w.o.Now().UTC()
	next := now
	if !until.IsZero() {
		next = now.Add(time.Until(until))
		why = "waiting: rate budget, next attempt at " + next.Format(time.RFC3339)
	}
	var done []finished
	for _, u := range l.queue {
		for _, it := range u.items {
			done = append(done, finished{item: it, result: store.OutboxResult{ID: it.ID, State: store.OutboxPending,
				Now: now, NextAttemptAt: next, Unattempted: true, Error: why}})
		}
	}
	l.undelivered -= len(done)
	l.queue = nil
	l.fin.in <- finishReq{done: done, lane: l}
}

// exitIfIdle removes the lane when it has nothing to do; the worker
// starts a new one when work for the integration shows up again.
func (l *lane) exitIfIdle() bool {
	l.w.mu.Lock()
	defer l.w.mu.Unlock()
	if l.held > 0 || len(l.queue) > 0 || l.hasAdopted() {
		return false
	}
	delete(l.w.lanes, l.key)
	l.w.metrics.inFlight.DeleteLabelValues(l.key.Tenant, l.key.Integration)
	return true
}

func (l *lane) exit() {
	l.w.mu.Lock()
	defer l.w.mu.Unlock()
	delete(l.w.lanes, l.key)
}

// finisher records finished items in batches: whatever arrived while the
// previous batch was being written goes in the next one and, while other
// deliveries are in flight, what arrives within Options.FinishLinger of
// the first outcome (see gather).
type finisher struct {
	w  *Worker
	in chan finishReq
}

type finishReq struct {
	done []finished
	lane *lane
}

// finishBatch bounds the items recorded by one transaction.
const finishBatch = 256

// gather adds to reqs the outcomes that arrive while other deliveries
// are in flight, for up to Options.FinishLinger and finishBatch items.
//
// Under load, outcomes arrive a few hundred microseconds apart, and each
// transaction that records them costs a commit and rewrites the pages of
// the outbox and its indexes that every outcome touches. Gathered, one
// transaction records many for little more than the cost of one, and the
// store's one writer is free for longer for ingest and decisions (the
// playbook case of alertsync bench pushes about 10% more through on
// SQLite, and about a third more on PostgreSQL, whose commits each wait
// for a flush). An
// outcome with no delivery in flight is recorded at once, so a lone
// write-back waits for nothing; one that waits was delivered already,
// and its lease holds meanwhile.
func (f *finisher) gather(reqs []finishReq, n int) ([]finishReq, int) {
	t := time.NewTimer(f.w.o.FinishLinger)
	defer t.Stop()
	for n < finishBatch && f.w.delivering.Load() > 0 {
		select {
		case r, ok := <-f.in:
			if !ok {
				return reqs, n
			}
			reqs = append(reqs, r)
			n += len(r.done)
		case <-t.C:
			return reqs, n
		}
	}
	return reqs, n
}

func (f *finisher) run() {
	ctx := context.Background()
	for req := range f.in {
		reqs := []finishReq{req}
		n := len(req.done)
		if f.w.o.FinishLinger > 0 && f.w.delivering.Load() > 0 {
			reqs, n = f.gather(reqs, n)
		}
	drain:
		for n < finishBatch {
			select {
			case r, ok := <-f.in:
				if !ok {
					break drain
				}
				reqs = append(reqs, r)
				n += len(r.done)
			default:
				break drain
			}
		}
		var all []finished
		for _, r := range reqs {
			all = append(all, r.done...)
		}
		if err := f.w.finish(ctx, all); err != nil {
			// The items stay leased and are claimed again when the lease
			// expires; their delivery already happened or will be retried.
			f.w.o.Logger.Error("record outbox outcomes", "items", len(all), "err", err)
		}
		for _, r := range reqs {
			r.lane.events <- laneEvent{recorded: len(r.done)}
		}
	}
}
