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

// forget stops renewing items whose outcome was recorded (or given up).
func (w *Worker) forget(done []finished) {
	w.leasesMu.Lock()
	defer w.leasesMu.Unlock()
	for _, f := range done {
		delete(w.leases, store.OutboxRef{Tenant: f.item.Tenant, ID: f.item.ID})
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
	if _, err := w.o.Store.OutboxRenew(ctx, w.owner, ids, w.o.Now().UTC().Add(w.o.Lease)); err != nil {
		if ctx.Err() == nil {
			w.o.Logger.Warn("renew outbox leases", "items", len(ids), "err", err)
		}
		return
	}
	w.renewed.Store(start.UnixNano())
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
