package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// Adoption: an enqueuer that knows nothing else waits on an object (a
// playbook run's next step) may store its item already leased to this
// worker and hand it over after commit, so the item goes out without a
// claim: one transaction less per item and no wait for the lane to look.
// The lease makes it safe: if this process dies first, the item is
// rescued when the lease ends, as any claimed item is.

// running is what Run shares with Adopt while it runs.
type running struct {
	ctx   context.Context
	fin   *finisher
	lanes *sync.WaitGroup
}

// Owner is the name this worker leases items under.
func (w *Worker) Owner() string { return w.owner }

// Lease is how long an adopted item's lease should run from its
// enqueue.
func (w *Worker) Lease() time.Duration { return w.o.Lease }

// Adoptable reports whether the lane can take an adopted item now: the
// worker runs, claims are not held, and the lane holds less than it
// would claim itself, so adopted items never wait long enough on a
// backlog for their lease to matter.
func (w *Worker) Adoptable(lane store.Lane) bool {
	if w.holding.Load() || !w.serves(lane) {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.run == nil {
		return false
	}
	l := w.lanes[lane]
	return l == nil || int(l.load.Load()) < recordAhead*w.o.Batch
}

// Adopt takes items the caller stored leased to Owner (see
// store.OutboxEnqueueParams.LeaseOwner) in a transaction that has
// committed, and delivers them on their lanes. Without a running worker
// it does nothing: the items wait for their lease to end and are then
// claimed.
func (w *Worker) Adopt(items ...store.OutboxItem) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.run == nil || w.run.ctx.Err() != nil {
		return
	}
	for _, it := range items {
		key := store.Lane{Tenant: it.Tenant, Integration: it.Integration}
		l := w.lanes[key]
		if l == nil {
			l = w.startLaneLocked(w.run.ctx, key, w.run.fin, w.run.lanes)
		}
		l.adoptMu.Lock()
		l.adopted = append(l.adopted, it)
		l.adoptMu.Unlock()
		l.load.Add(1)
		l.poke()
	}
}

// takeAdopted moves adopted items into the lane's queue. It runs on the
// lane's goroutine.
func (l *lane) takeAdopted(now time.Time) {
	l.adoptMu.Lock()
	items := l.adopted
	l.adopted = nil
	l.adoptMu.Unlock()
	if len(items) == 0 {
		return
	}
	// One this worker already holds (claimed when its lease lapsed before
	// it was taken here) is on its way already; see maybeClaim.
	fresh := l.w.hold(items)
	l.load.Add(int64(len(fresh) - len(items)))
	if items = fresh; len(items) == 0 {
		return
	}
	l.held += len(items)
	l.undelivered += len(items)
	for _, u := range l.w.units(items, now.Add(l.w.deliveryWindow())) {
		l.bulk = l.bulk || u.key != ""
		l.enqueue(u)
	}
	sortUnits(l.queue)
}

// hasAdopted reports whether adopted items wait to be taken; the caller
// holds w.mu, which Adopt holds while adding.
func (l *lane) hasAdopted() bool {
	l.adoptMu.Lock()
	defer l.adoptMu.Unlock()
	return len(l.adopted) > 0
}
