package outbox

import (
	"context"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// Lease renewal: claims take short leases (Options.Lease) so that a dead
// worker's items are rescued within seconds, and the worker renews the
// leases of everything it holds while it holds it, however long its
// queue or a vendor takes.

// hold notes items this worker now holds, for renewal, and returns
// those it did not hold already.
func (w *Worker) hold(items []store.OutboxItem) []store.OutboxItem {
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	fresh := items[:0:0]
	for _, it := range items {
		ref := store.OutboxRef{Tenant: it.Tenant, ID: it.ID}
		if _, held := w.leases[ref]; held {
			continue
		}
		w.leases[ref] = struct{}{}
		fresh = append(fresh, it)
	}
	return fresh
}

// forget stops renewing items whose outcome is being recorded.
func (w *Worker) forget(done []finished) {
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	for _, f := range done {
		ref := store.OutboxRef{Tenant: f.item.Tenant, ID: f.item.ID}
		delete(w.leases, ref)
		delete(w.lost, ref)
	}
}

// track notes cancel as what stops the delivery of items, and returns
// those of them it may send and those another worker took meanwhile.
func (w *Worker) track(items []store.OutboxItem, cancel context.CancelFunc) (live, lost []store.OutboxItem) {
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	for _, it := range items {
		ref := store.OutboxRef{Tenant: it.Tenant, ID: it.ID}
		if _, gone := w.lost[ref]; gone {
			lost = append(lost, it)
			continue
		}
		w.inflight[ref] = cancel
		live = append(live, it)
	}
	return live, lost
}

// untrack forgets the deliveries of items, ended.
func (w *Worker) untrack(items []store.OutboxItem) {
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	for _, it := range items {
		delete(w.inflight, store.OutboxRef{Tenant: it.Tenant, ID: it.ID})
	}
}

// lose handles the items of asked a renewal did not renew while this
// worker still holds them: cut off from the store for longer than a
// lease, it let another worker claim them. Their deliveries under way are
// cancelled and those not started are not sent, so two workers send the
// same write at once only where the request had already left; their
// outcomes, recorded under a lease no longer this worker's, change
// nothing. (An item whose outcome is being recorded is no longer held;
// see finishTenant.)
func (w *Worker) lose(asked, renewed []store.OutboxRef) {
	kept := make(map[store.OutboxRef]bool, len(renewed))
	for _, r := range renewed {
		kept[r] = true
	}
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	n, stopped := 0, 0
	for _, r := range asked {
		_, held := w.leases[r]
		_, gone := w.lost[r]
		if kept[r] || !held || gone {
			continue
		}
		w.lost[r] = struct{}{}
		n++
		if cancel := w.inflight[r]; cancel != nil {
			cancel()
			stopped++
		}
	}
	if n > 0 {
		w.o.Logger.Warn("outbox leases passed to another worker; not sending those items", "items", n, "deliveries_stopped", stopped)
	}
}

// held lists the items this worker holds.
func (w *Worker) held() []store.OutboxRef {
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	ids := make([]store.OutboxRef, 0, len(w.leases))
	for ref := range w.leases {
		ids = append(ids, ref)
	}
	return ids
}

// renewLoop renews the held items' leases every Lease/3 until ctx ends.
func (w *Worker) renewLoop(ctx context.Context) {
	t := time.NewTicker(w.o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.renewOnce(ctx)
	}
}

func (w *Worker) renewOnce(ctx context.Context) {
	ids := w.held()
	if len(ids) == 0 {
		w.renewed.Store(time.Now().UnixNano())
		return
	}
	start := time.Now()
	renewed, err := w.o.Store.OutboxRenew(ctx, w.owner, ids, w.o.Now().UTC().Add(w.o.Lease))
	if err != nil {
		if ctx.Err() == nil {
			w.o.Logger.Warn("renew outbox leases", "items", len(ids), "err", err)
		}
		return
	}
	w.renewed.Store(start.UnixNano())
	if len(renewed) < len(ids) {
		w.lose(ids, renewed)
	}
}

// renewing reports whether Run runs, renewing the leases of what it holds.
func (w *Worker) renewing() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.run != nil
}

// startBy is when a unit must have started: within the lease it was
// claimed under, or within the lease the last renewal gave it.
func (w *Worker) startBy(u unit) time.Time {
	by := u.deadline
	if r := w.renewed.Load(); r > 0 {
		if renewed := time.Unix(0, r).Add(w.deliveryWindow()); renewed.After(by) {
			by = renewed
		}
	}
	return by
}
