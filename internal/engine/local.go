package engine

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// Local is this process's outbox worker (outbox.Worker) as enqueuers use
// it: an item due now that nothing else waits ahead of is stored leased
// to it and handed over when its transaction commits, so it goes out
// without a claim, one transaction less on its way to the vendor. If the
// process dies first, the lease ends and any replica claims it, as any
// claimed item.
type Local interface {
	Owner() string
	Lease() time.Duration
	Adoptable(lane store.Lane) bool
	Adopt(items ...store.OutboxItem)
}

// LocalHand is where an enqueuer (the engine's state writes, a playbook
// run's steps) keeps its process's outbox worker once it is given one,
// and hands items to it.
type LocalHand struct{ w atomic.Pointer[localWorker] }

type localWorker struct{ Local }

// takes reports whether the local worker, if there is one, can take p
// now: p is due and the worker serves p's lane with no backlog there.
func (lw *localWorker) takes(tx store.Tx, p store.OutboxEnqueueParams) bool {
	return lw != nil && !p.NotBefore.After(p.Now) && lw.Adoptable(store.Lane{Tenant: tx.Tenant(), Integration: p.Integration})
}

// Set gives the hand its process's outbox worker.
func (h *LocalHand) Set(l Local) { h.w.Store(&localWorker{l}) }

// Enqueue stores p in tx. When the local worker can take p now (p is
// due, the worker runs and its lane holds no backlog) and free, if given,
// finds nothing queued ahead of p on its object, p is stored leased to
// the worker and handed to it once tx commits; otherwise it waits for a
// claim, as any item. onHand, if given, is called with the leased item
// once tx committed, before the worker has it.
func (h *LocalHand) Enqueue(ctx context.Context, tx store.Tx, p store.OutboxEnqueueParams, free func() (bool, error),
	onHand func(store.OutboxItem)) error {
	lw := h.w.Load()
	if lw.takes(tx, p) {
		ok := true
		if free != nil {
			var err error
			if ok, err = free(); err != nil {
				return err
			}
		}
		if ok {
			p.LeaseOwner, p.LeaseUntil = lw.Owner(), p.Now.Add(lw.Lease())
		}
	}
	id, inserted, err := tx.OutboxEnqueue(ctx, p)
	if err != nil {
		return err
	}
	if inserted && p.LeaseOwner != "" {
		item := p.Leased(id, tx.Tenant())
		tx.OnCommit(func() {
			if onHand != nil {
				onHand(item)
			}
			lw.Adopt(item)
		})
	}
	return nil
}

// EnqueueBatch stores ps in tx in one batch, each leased to the local
// worker and handed to it once tx commits where Enqueue would do so, for
// actions that nothing is queued ahead of on their objects (a playbook
// run's next step: a run has one queued at a time). onHand, if given, is
// called with the index and item of each leased one once tx committed,
// before the worker has them.
func (h *LocalHand) EnqueueBatch(ctx context.Context, tx store.Tx, ps []store.OutboxEnqueueParams, onHand func(i int, item store.OutboxItem)) error {
	lw := h.w.Load()
	ps = slices.Clone(ps)
	for i, p := range ps {
		if lw.takes(tx, p) {
			ps[i].LeaseOwner, ps[i].LeaseUntil = lw.Owner(), p.Now.Add(lw.Lease())
		}
	}
	ids, inserted, err := tx.OutboxEnqueueBatch(ctx, ps)
	if err != nil {
		return err
	}
	var (
		items []store.OutboxItem
		index []int
	)
	for i, p := range ps {
		if inserted[i] && p.LeaseOwner != "" {
			items, index = append(items, p.Leased(ids[i], tx.Tenant())), append(index, i)
		}
	}
	if len(items) > 0 {
		tx.OnCommit(func() {
			if onHand != nil {
				for k, item := range items {
					onHand(index[k], item)
				}
			}
			lw.Adopt(items...)
		})
	}
	return nil
}
