package outbox_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// TestAdoptedItemsNeedNoClaim: an item stored leased to the running
// worker and handed over after commit is delivered while its lease is
// live (an hour here), which no claim could do: claims take only pending
// items and expired leases. Its outcome is recorded under the owner's
// lease, its first attempt already counted.
func TestAdoptedItemsNeedNoClaim(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		rec := newRecorded()
		delivered := make(chan int64, 4)
		w := outbox.New(outbox.Options{Store: st, Lease: time.Hour, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
			Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
				delivered <- it.ID
				return nil, nil
			}})
		if w.Adoptable(store.Lane{Tenant: store.DefaultTenant, Integration: "playbook:p"}) {
			t.Fatal("a worker that does not run adopts")
		}
		runWorker(t, w)
		// Run marks itself running first thing; a bounded wait for it.
		for deadline := time.Now().Add(10 * time.Second); !w.Adoptable(store.Lane{Tenant: store.DefaultTenant, Integration: "playbook:p"}); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the worker never became ready to adopt")
			}
		}
		now := time.Now().UTC()
		p := store.OutboxEnqueueParams{Key: "adopt-1", Integration: "playbook:p", ObjectRef: "run/1", Action: "playbook_step",
			Payload: []byte(`{}`), Now: now, LeaseOwner: w.Owner(), LeaseUntil: now.Add(w.Lease())}
		var id int64
		err := st.WithTx(t.Context(), func(tx store.Tx) error {
			var err error
			id, _, err = tx.OutboxEnqueue(t.Context(), p)
			item := store.OutboxItem{ID: id, Key: p.Key, Integration: p.Integration, ObjectRef: p.ObjectRef, Action: p.Action,
				Payload: p.Payload, State: store.OutboxLeased, Attempts: 1, LeaseOwner: p.LeaseOwner, LeaseUntil: p.LeaseUntil}
			tx.OnCommit(func() { w.Adopt(item) })
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := <-delivered; got != id {
			t.Fatalf("delivered item %d, want %d", got, id)
		}
		rec.await(t, store.OutboxDone, id)
		it, err := st.OutboxGet(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if it.State != store.OutboxDone || it.Attempts != 1 {
			t.Fatalf("adopted item after delivery: %+v", it)
		}
	})
}

// TestLeasesRenewedWhileHeld: a delivery that outlasts its lease keeps
// its item: the worker renews the lease while it holds the item, so the
// stored lease moves on, and the item is delivered once.
func TestLeasesRenewedWhileHeld(t *testing.T) {
	t.Parallel()
	st, _ := setup(t)
	enqueue(t, st, time.Now().UTC(), "slow", "alert:1")
	started, release := make(chan int64, 1), make(chan struct{})
	var deliveries atomic.Int64
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: st, Lease: 300 * time.Millisecond, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			deliveries.Add(1)
			started <- it.ID
			<-release
			return nil, nil
		}})
	runWorker(t, w)
	id := <-started
	first, err := st.OutboxGet(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	// Bounded wait for a renewal round (every 100 ms here) to reach the store.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		it, err := st.OutboxGet(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if it.LeaseUntil.After(first.LeaseUntil) && it.LeaseOwner == first.LeaseOwner {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease never renewed: still until %s", it.LeaseUntil)
		}
	}
	close(release)
	rec.await(t, store.OutboxDone, id)
	if n := deliveries.Load(); n != 1 {
		t.Fatalf("delivered %d times", n)
	}
}

// stalledRenewals is a store whose lease renewals fail, as they would
// while its writer is held up for longer than a lease.
type stalledRenewals struct{ store.Store }

func (stalledRenewals) OutboxRenew(context.Context, string, []store.OutboxRef, time.Time) ([]store.OutboxRef, error) {
	return nil, errors.New("database is locked")
}

// TestLapsedLeaseIsNotDeliveredTwice: when a delivery outlasts a lease
// the worker could not renew, the item becomes claimable again; the
// worker still holding it must not start it a second time, nor let the
// next write on the same object overtake the one still in flight.
func TestLapsedLeaseIsNotDeliveredTwice(t *testing.T) {
	t.Parallel()
	st, _ := setup(t)
	now := time.Now().UTC()
	enqueue(t, st, now, "first", "alert:1")
	enqueue(t, st, now, "second", "alert:1")
	var (
		mu    sync.Mutex
		order []string
	)
	release := make(chan struct{})
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: stalledRenewals{st}, Lease: 300 * time.Millisecond, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(_ context.Context, it store.OutboxItem) (outbox.After, error) {
			mu.Lock()
			order = append(order, it.Key)
			mu.Unlock()
			if it.Key == "first" {
				<-release
			}
			return nil, nil
		}})
	runWorker(t, w)
	// Several leases and lane listings pass while the first is in flight.
	time.Sleep(2 * time.Second)
	close(release)
	items, err := st.OutboxList(t.Context(), store.OutboxListParams{Limit: 10})
	if err != nil || len(items) != 2 {
		t.Fatalf("items = %+v, %v", items, err)
	}
	rec.await(t, store.OutboxDone, items[0].ID, items[1].ID)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, []string{"first", "second"}) {
		t.Fatalf("deliveries in order %v; want first once, then second", order)
	}
}

// cutOff is a store a worker cannot renew its leases on while off is
// set, as when its connection to a shared database is cut.
type cutOff struct {
	store.Store
	off *atomic.Bool
}

func (c cutOff) OutboxRenew(ctx context.Context, owner string, refs []store.OutboxRef, until time.Time) ([]store.OutboxRef, error) {
	if c.off.Load() {
		return nil, errors.New("connection refused")
	}
	return c.Store.OutboxRenew(ctx, owner, refs, until)
}

// TestLostLeaseStopsTheDelivery: a worker cut off from the store for
// longer than a lease loses its item to another worker, which delivers
// it. Back in touch, the first worker's renewal finds the item gone and
// stops its own delivery of it, and its outcome changes nothing.
func TestLostLeaseStopsTheDelivery(t *testing.T) {
	t.Parallel()
	st, _ := setup(t)
	enqueue(t, st, time.Now().UTC(), "k1", "alert:1")
	var off atomic.Bool
	started, stopped := make(chan struct{}, 1), make(chan struct{}, 1)
	rec := newRecorded()
	a := outbox.New(outbox.Options{Store: cutOff{st, &off}, Lease: 300 * time.Millisecond, IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(ctx context.Context, _ store.OutboxItem) (outbox.After, error) {
			started <- struct{}{}
			select {
			case <-ctx.Done():
				stopped <- struct{}{}
				return nil, ctx.Err()
			case <-time.After(20 * time.Second):
				return nil, nil
			}
		}})
	runWorker(t, a)
	<-started
	a.Hold(true) // it claims nothing more: the other worker takes the item
	off.Store(true)
	time.Sleep(600 * time.Millisecond) // the lease lapses
	var bDeliveries atomic.Int32
	b := outbox.New(outbox.Options{Store: st, Lease: time.Minute,
		Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) { bDeliveries.Add(1); return nil, nil }})
	if n, err := b.RunOnce(t.Context()); err != nil || n != 1 {
		t.Fatalf("the other worker's run: %d, %v", n, err)
	}
	off.Store(false)
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("the first worker's delivery went on after its lease passed to another")
	}
	items, err := st.OutboxList(t.Context(), store.OutboxListParams{Limit: 10})
	if err != nil || len(items) != 1 {
		t.Fatalf("items = %+v, %v", items, err)
	}
	rec.await(t, store.OutboxPending, items[0].ID) // the first worker's outcome, ignored by the store
	it, err := st.OutboxGet(t.Context(), items[0].ID)
	if err != nil || it.State != store.OutboxDone || bDeliveries.Load() != 1 {
		t.Fatalf("item %+v, %v after %d deliveries by the other worker; want done once", it, err, bDeliveries.Load())
	}
}

// slowAfterRecord is a store whose outcome transactions return a while
// after they commit, as a busy process may be slow to go on after one.
type slowAfterRecord struct {
	store.Store
	pause time.Duration
}

func (s slowAfterRecord) Scope(tenant string) store.Scoped {
	return slowScope{s.Store.Scope(tenant), s.pause}
}

type slowScope struct {
	store.Scoped
	pause time.Duration
}

func (s slowScope) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	err := s.Scoped.WithTx(ctx, fn)
	time.Sleep(s.pause)
	return err
}

// TestItemDueAgainOnceRecordedIsDelivered: an outcome that leaves the
// item due at once (a write that waited for another) may be claimed
// again the moment it commits, before the worker goes on; that claim is
// not taken for one of an item the worker still holds, which would leave
// the item leased and undelivered until its lease ran out.
func TestItemDueAgainOnceRecordedIsDelivered(t *testing.T) {
	t.Parallel()
	st, _ := setup(t)
	enqueue(t, st, time.Now().UTC(), "k1", "incident:1")
	var calls atomic.Int32
	rec := newRecorded()
	w := outbox.New(outbox.Options{Store: slowAfterRecord{st, 1500 * time.Millisecond}, Lease: time.Minute,
		IdleWait: 10 * time.Millisecond, Finished: rec.hook,
		Deliver: func(context.Context, store.OutboxItem) (outbox.After, error) {
			if calls.Add(1) == 1 {
				return nil, &outbox.Wait{Reason: "its alert's write goes first"}
			}
			return nil, nil
		}})
	runWorker(t, w)
	items, err := st.OutboxList(t.Context(), store.OutboxListParams{Limit: 10})
	if err != nil || len(items) != 1 {
		t.Fatalf("items = %+v, %v", items, err)
	}
	rec.await(t, store.OutboxDone, items[0].ID)
	if n := calls.Load(); n != 2 {
		t.Fatalf("delivered %d times; want a wait, then the delivery", n)
	}
}
