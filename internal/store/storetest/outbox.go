package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

const lease = 30 * time.Second

func enqueue(t *testing.T, s *Both, ps ...store.OutboxEnqueueParams) []int64 {
	t.Helper()
	ids := make([]int64, len(ps))
	inTx(t, s, func(tx store.Tx) error {
		for i, p := range ps {
			id, inserted, err := tx.OutboxEnqueue(t.Context(), p)
			if err != nil {
				return err
			}
			if !inserted {
				return fmt.Errorf("enqueue %s: not inserted", p.Key)
			}
			ids[i] = id
		}
		return nil
	})
	return ids
}

func action(key, object string) store.OutboxEnqueueParams {
	return store.OutboxEnqueueParams{Key: key, Integration: "edr-1", ObjectRef: object,
		Action: "set_status", Payload: json.RawMessage(`{"status":"closed"}`),
		OriginKind: model.KindAlert, OriginID: 1, Now: t0}
}

func claim(t *testing.T, s *Both, owner string, now time.Time, n int) []store.OutboxItem {
	t.Helper()
	items, err := s.OutboxClaim(t.Context(), store.OutboxClaimParams{Owner: owner, Now: now, Lease: lease, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func finish(t *testing.T, s *Both, owner string, results ...store.OutboxResult) {
	t.Helper()
	if err := s.OutboxFinish(t.Context(), owner, results); err != nil {
		t.Fatal(err)
	}
}

func itemIDs(items []store.OutboxItem) []int64 {
	var ids []int64
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func getItem(t *testing.T, s *Both, id int64) store.OutboxItem {
	t.Helper()
	it, err := s.OutboxGet(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func testOutboxEnqueue(t *testing.T, s *Both) {
	ctx := t.Context()
	p := action("k1", "alert:1")
	ids := enqueue(t, s, p)
	want := store.OutboxItem{ID: ids[0], Tenant: store.DefaultTenant, Key: "k1", Integration: "edr-1", ObjectRef: "alert:1",
		Action: "set_status", Payload: p.Payload, OriginKind: model.KindAlert, OriginID: 1,
		State: store.OutboxPending, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
	if diff := cmp.Diff(want, getItem(t, s, ids[0])); diff != "" {
		t.Errorf("OutboxGet (-want +got):\n%s", diff)
	}
	// The same key again, in a later transaction and twice in one, is
	// not added: the first id comes back.
	inTx(t, s, func(tx store.Tx) error {
		for range 2 {
			again := action("k1", "alert:other")
			id, inserted, err := tx.OutboxEnqueue(ctx, again)
			if err != nil {
				return err
			}
			if inserted || id != ids[0] {
				t.Errorf("OutboxEnqueue of existing key = %d, %v; want %d, false", id, inserted, ids[0])
			}
		}
		return nil
	})
	all, err := s.OutboxList(ctx, store.OutboxListParams{})
	if err != nil || len(all) != 1 {
		t.Errorf("OutboxList = %d items, %v; want 1", len(all), err)
	}
	err = s.WithTx(ctx, func(tx store.Tx) error {
		_, _, err := tx.OutboxEnqueue(ctx, action("", "alert:1"))
		return err
	})
	if err == nil {
		t.Error("OutboxEnqueue without a key succeeded")
	}
	_, err = s.OutboxGet(ctx, ids[0]+100)
	wantNotFound(t, "OutboxGet missing", err)
}

// testOutboxEnqueueBatch: a batch stores each action as OutboxEnqueue
// would (an item read back is the same, leased ones leased), answers each
// by its index, gives an action whose key is queued already, or earlier in
// the batch, the first one's id, and keeps one object's actions in the
// order given; 1,100 actions cross the store's statement chunks.
func testOutboxEnqueueBatch(t *testing.T, s *Both) {
	ctx := t.Context()
	old := enqueue(t, s, action("old", "alert:1"))[0]
	leased := action("leased", "run/1")
	leased.LeaseOwner, leased.LeaseUntil = "w1", t0.Add(lease)
	ps := []store.OutboxEnqueueParams{action("b1", "alert:1"), action("old", "alert:9"), leased,
		action("b2", "alert:1"), action("b1", "alert:other"), action("b3", "alert:2")}
	var (
		ids      []int64
		inserted []bool
	)
	inTx(t, s, func(tx store.Tx) error {
		var err error
		ids, inserted, err = tx.OutboxEnqueueBatch(ctx, ps)
		return err
	})
	if want := []bool{true, false, true, true, false, true}; !slices.Equal(inserted, want) {
		t.Fatalf("inserted = %v, want %v", inserted, want)
	}
	if ids[1] != old || ids[4] != ids[0] {
		t.Errorf("ids = %v: want the queued key's id %d at 1 and the first b1's at 4", ids, old)
	}
	if ids[0] <= old || ids[0] >= ids[3] {
		t.Errorf("ids = %v: alert:1's actions out of the order given (after %d)", ids, old)
	}
	for i, p := range ps {
		if !inserted[i] {
			continue
		}
		want := store.OutboxItem{ID: ids[i], Tenant: store.DefaultTenant, Key: p.Key, Integration: p.Integration, ObjectRef: p.ObjectRef,
			Action: p.Action, Payload: p.Payload, OriginKind: p.OriginKind, OriginID: p.OriginID,
			State: store.OutboxPending, NextAttemptAt: t0, CreatedAt: t0, UpdatedAt: t0}
		if p.LeaseOwner != "" {
			want = p.Leased(ids[i], store.DefaultTenant)
		}
		if diff := cmp.Diff(want, getItem(t, s, ids[i])); diff != "" {
			t.Errorf("item %d (%s) (-want +got):\n%s", i, p.Key, diff)
		}
	}
	// The claim sees alert:1's actions in the order given: old, then b1;
	// b2 waits behind them.
	got := claim(t, s, "w2", t0, 10)
	if want := []int64{old, ids[5]}; !slices.Equal(itemIDs(got), want) {
		t.Errorf("claimed %v, want %v (the first of each object not leased)", itemIDs(got), want)
	}
	err := s.WithTx(ctx, func(tx store.Tx) error {
		_, _, err := tx.OutboxEnqueueBatch(ctx, []store.OutboxEnqueueParams{action("k", "a"), action("", "a")})
		return err
	})
	if err == nil {
		t.Error("a batch with a keyless action was stored")
	}
	many := make([]store.OutboxEnqueueParams, 1100)
	for i := range many {
		many[i] = action(fmt.Sprintf("many-%d", i), fmt.Sprintf("alert:many-%d", i%7))
	}
	inTx(t, s, func(tx store.Tx) error {
		ids, inserted, err := tx.OutboxEnqueueBatch(ctx, many)
		if err != nil {
			return err
		}
		for i := range many {
			if !inserted[i] || i > 0 && ids[i] <= ids[i-1] {
				t.Fatalf("action %d of 1,100: id %d, inserted %v, after id %d", i, ids[i], inserted[i], ids[max(i-1, 0)])
			}
		}
		return nil
	})
}

func testOutboxClaimOrder(t *testing.T, s *Both) {
	ids := enqueue(t, s, action("x1", "alert:x"), action("x2", "alert:x"), action("y1", "alert:y"))
	x1, x2, y1 := ids[0], ids[1], ids[2]

	got := claim(t, s, "w1", t0, 10)
	if diff := cmp.Diff([]int64{x1, y1}, itemIDs(got)); diff != "" {
		t.Fatalf("first claim: only the oldest item per object (-want +got):\n%s", diff)
	}
	it := got[0]
	if it.State != store.OutboxLeased || it.LeaseOwner != "w1" || !it.LeaseUntil.Equal(t0.Add(lease)) || it.Attempts != 1 {
		t.Errorf("claimed item = %+v", it)
	}
	if got := claim(t, s, "w2", t0, 10); len(got) != 0 {
		t.Fatalf("x2 claimed while x1 is leased: %v", itemIDs(got))
	}

	// x1 fails and is retried later; it still blocks x2 until it is done.
	later := t0.Add(time.Minute)
	finish(t, s, "w1", store.OutboxResult{ID: x1, State: store.OutboxPending, NextAttemptAt: later, Error: "503", Now: t0},
		store.OutboxResult{ID: y1, State: store.OutboxDone, Now: t0})
	if got := claim(t, s, "w1", t0.Add(time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed before x1's retry was due: %v", itemIDs(got))
	}
	got = claim(t, s, "w1", later, 10)
	if len(got) != 1 || got[0].ID != x1 || got[0].Attempts != 2 || got[0].LastError != "503" {
		t.Fatalf("retry claim = %+v", got)
	}
	finish(t, s, "w1", store.OutboxResult{ID: x1, State: store.OutboxDone, Now: later})
	got = claim(t, s, "w1", later, 10)
	if diff := cmp.Diff([]int64{x2}, itemIDs(got)); diff != "" {
		t.Errorf("claim after x1 done (-want +got):\n%s", diff)
	}
	if got := getItem(t, s, x1); got.State != store.OutboxDone || got.LeaseOwner != "" {
		t.Errorf("x1 after done = %+v", got)
	}
	if err := s.OutboxFinish(t.Context(), "w1", []store.OutboxResult{{ID: x2, State: store.OutboxLeased}}); err == nil {
		t.Error("OutboxFinish accepted state leased")
	}
}

func testOutboxExpiredLease(t *testing.T, s *Both) {
	ids := enqueue(t, s, action("k", "alert:1"), action("k2", "alert:1"))
	if got := claim(t, s, "w1", t0, 10); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("claim = %v", itemIDs(got))
	}
	if got := claim(t, s, "w2", t0.Add(lease/2), 10); len(got) != 0 {
		t.Fatalf("live lease reclaimed: %v", itemIDs(got))
	}
	// w1 crashed: after its lease ends, w2 takes the item over, and the
	// object's next item still waits.
	got := claim(t, s, "w2", t0.Add(lease+time.Second), 10)
	if len(got) != 1 || got[0].ID != ids[0] || got[0].LeaseOwner != "w2" || got[0].Attempts != 2 {
		t.Fatalf("expired lease claim = %+v", got)
	}
	// w1 comes back and reports: ignored, the lease is w2's.
	finish(t, s, "w1", store.OutboxResult{ID: ids[0], State: store.OutboxDead, Error: "stale", Now: t0})
	if it := getItem(t, s, ids[0]); it.State != store.OutboxLeased || it.LeaseOwner != "w2" || it.LastError != "" {
		t.Fatalf("stale owner's result applied: %+v", it)
	}
	finish(t, s, "w2", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0.Add(lease + 2*time.Second)})
	if it := getItem(t, s, ids[0]); it.State != store.OutboxDone || !it.UpdatedAt.Equal(t0.Add(lease+2*time.Second)) {
		t.Errorf("after w2 finished = %+v", it)
	}
	// A result for an item that is done is ignored too.
	finish(t, s, "w2", store.OutboxResult{ID: ids[0], State: store.OutboxDead, Now: t0})
	if it := getItem(t, s, ids[0]); it.State != store.OutboxDone {
		t.Errorf("finished item changed again: %+v", it)
	}
}

// retry is an operator's retry of a dead item, in a transaction of its
// own.
func retry(ctx context.Context, sc store.Scoped, id int64, now time.Time) error {
	return sc.WithTx(ctx, func(tx store.Tx) error { return tx.OutboxRetry(ctx, id, now) })
}

func testOutboxRetry(t *testing.T, s *Both) {
	ctx := t.Context()
	ids := enqueue(t, s, action("k", "alert:1"))
	claim(t, s, "w1", t0, 1)
	finish(t, s, "w1", store.OutboxResult{ID: ids[0], State: store.OutboxDead, Error: "401 unauthorized", Now: t0})
	it := getItem(t, s, ids[0])
	if it.State != store.OutboxDead || it.LastError != "401 unauthorized" {
		t.Fatalf("after dead = %+v", it)
	}
	if got := claim(t, s, "w1", t0.Add(time.Hour), 10); len(got) != 0 {
		t.Fatalf("dead item claimed: %v", itemIDs(got))
	}
	now := t0.Add(2 * time.Hour)
	if err := retry(ctx, s.Scoped, ids[0], now); err != nil {
		t.Fatal(err)
	}
	it = getItem(t, s, ids[0])
	if it.State != store.OutboxPending || !it.NextAttemptAt.Equal(now) || it.Attempts != 0 {
		t.Errorf("after retry = %+v", it)
	}
	wantNotFound(t, "OutboxRetry of a pending item", retry(ctx, s.Scoped, ids[0], now))
	wantNotFound(t, "OutboxRetry of a missing item", retry(ctx, s.Scoped, ids[0]+100, now))
	if got := claim(t, s, "w1", now, 10); len(got) != 1 {
		t.Errorf("claim after retry = %v", itemIDs(got))
	}
}

func testOutboxCountsAndList(t *testing.T, s *Both) {
	ctx := t.Context()
	ps := []store.OutboxEnqueueParams{action("1", "a:1"), action("2", "a:2"), action("3", "a:3"), action("4", "a:4"), action("5", "a:5")}
	ps[4].Integration, ps[4].OriginKind, ps[4].OriginID = "xdr-1", model.KindIncident, 9
	ids := enqueue(t, s, ps...)
	claim(t, s, "w", t0, 3) // ids 0, 1, 2 leased
	finish(t, s, "w", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0},
		store.OutboxResult{ID: ids[1], State: store.OutboxDead, Now: t0})
	counts, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.OutboxState]int{store.OutboxPending: 2, store.OutboxLeased: 1, store.OutboxDone: 1, store.OutboxDead: 1}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("OutboxCounts (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		p    store.OutboxListParams
		want []int64
	}{
		{"state", store.OutboxListParams{State: store.OutboxPending}, []int64{ids[3], ids[4]}},
		{"integration", store.OutboxListParams{Integration: "xdr-1"}, []int64{ids[4]}},
		{"origin", store.OutboxListParams{OriginKind: model.KindAlert, OriginID: 1}, ids[:4]},
		{"paged", store.OutboxListParams{AfterID: ids[1], Limit: 2}, []int64{ids[2], ids[3]}},
	}
	for _, tc := range tests {
		got, err := s.OutboxList(ctx, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, itemIDs(got)); diff != "" {
			t.Errorf("OutboxList %s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// testOutboxConcurrentClaimers runs workers against one queue: no item is
// claimed twice, every item is claimed, and each object's items are claimed
// in id order.
func testOutboxConcurrentClaimers(t *testing.T, s *Both) {
	const items, objects, workers = 1000, 250, 4
	ps := make([]store.OutboxEnqueueParams, items)
	for i := range ps {
		ps[i] = action(fmt.Sprint("k", i), fmt.Sprint("alert:", i%objects))
	}
	enqueue(t, s, ps...)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var (
		mu      sync.Mutex
		owners  = make(map[int64]string, items)
		lastIDs = make(map[string]int64, objects)
		done    atomic.Int64
		wg      sync.WaitGroup
	)
	record := func(owner string, claimed []store.OutboxItem) {
		mu.Lock()
		defer mu.Unlock()
		for _, it := range claimed {
			if prev, ok := owners[it.ID]; ok {
				t.Errorf("item %d claimed by %s and %s", it.ID, prev, owner)
			}
			owners[it.ID] = owner
			if it.ID <= lastIDs[it.ObjectRef] {
				t.Errorf("item %d of %s claimed after item %d", it.ID, it.ObjectRef, lastIDs[it.ObjectRef])
			}
			lastIDs[it.ObjectRef] = it.ID
		}
	}
	work := func(owner string) error {
		for done.Load() < items {
			claimed, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: owner, Now: t0, Lease: time.Hour, Limit: 16})
			if err != nil {
				return err
			}
			if len(claimed) == 0 {
				time.Sleep(time.Millisecond)
				continue
			}
			record(owner, claimed)
			results := make([]store.OutboxResult, len(claimed))
			for i, it := range claimed {
				results[i] = store.OutboxResult{ID: it.ID, State: store.OutboxDone, Now: t0}
			}
			if err := s.OutboxFinish(ctx, owner, results); err != nil {
				return err
			}
			done.Add(int64(len(claimed)))
		}
		return nil
	}
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() { errs[w] = work(fmt.Sprint("w", w)) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(owners) != items {
		t.Errorf("claimed %d distinct items, want %d", len(owners), items)
	}
	counts, err := s.OutboxCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if counts[store.OutboxDone] != items {
		t.Errorf("counts = %v, want %d done", counts, items)
	}
}

func testOutboxSkip(t *testing.T, s *Both) {
	ids := enqueue(t, s, action("state", "incident:1"), action("comment", "incident:1"), action("other", "incident:2"))
	inTx(t, s, func(tx store.Tx) error { return tx.OutboxSkip(t.Context(), "comment", "skipped: already closed", t0) })
	it := getItem(t, s, ids[1])
	if it.State != store.OutboxSkipped || it.LastError != "skipped: already closed" {
		t.Fatalf("after skip = %+v", it)
	}
	// A skipped item neither runs nor holds back later items of its object.
	got := claim(t, s, "w1", t0, 10)
	if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[2] {
		t.Fatalf("claimed %v, want the state write and the other object", itemIDs(got))
	}
	// Skipping an item that is not pending changes nothing.
	inTx(t, s, func(tx store.Tx) error { return tx.OutboxSkip(t.Context(), "state", "late", t0) })
	if it := getItem(t, s, ids[0]); it.State != store.OutboxLeased {
		t.Fatalf("leased item was skipped: %+v", it)
	}
}

func testOutboxRetryAfterLaterApplied(t *testing.T, s *Both) {
	ids := enqueue(t, s, action("first", "alert:9"), action("second", "alert:9"))
	claim(t, s, "w1", t0, 10)
	finish(t, s, "w1", store.OutboxResult{ID: ids[0], State: store.OutboxDead, Error: "boom", Now: t0})
	claim(t, s, "w1", t0, 10)
	finish(t, s, "w1", store.OutboxResult{ID: ids[1], State: store.OutboxDone, Now: t0})
	err := retry(t.Context(), s.Scoped, ids[0], t0)
	wantConflict(t, "retry of an action superseded by a later applied one", err)
	if !errors.Is(err, store.ErrSuperseded) {
		t.Errorf("retry of a superseded action: %v, want ErrSuperseded", err)
	}
	if it := getItem(t, s, ids[0]); it.State != store.OutboxDead {
		t.Fatalf("superseded item = %+v", it)
	}
}

// testOutboxEnqueueLeased: an item stored leased is its owner's until
// the lease ends (no claim takes it, its first attempt is counted, its
// owner's result applies), then any worker rescues it; OnCommit runs
// after a commit and never after a rollback.
func testOutboxEnqueueLeased(t *testing.T, s *Both) {
	p := action("leased", "run/1")
	p.LeaseOwner, p.LeaseUntil = "w1", t0.Add(lease)
	var committed, rolledBack bool
	errRollback := errors.New("roll back")
	err := s.WithTx(t.Context(), func(tx store.Tx) error {
		q := action("never", "run/2")
		q.LeaseOwner, q.LeaseUntil = "w1", t0.Add(lease)
		if _, _, err := tx.OutboxEnqueue(t.Context(), q); err != nil {
			return err
		}
		tx.OnCommit(func() { rolledBack = true })
		return errRollback
	})
	if !errors.Is(err, errRollback) || rolledBack {
		t.Fatalf("rolled back tx: err = %v, OnCommit ran = %v", err, rolledBack)
	}
	var id int64
	inTx(t, s, func(tx store.Tx) error {
		var err error
		id, _, err = tx.OutboxEnqueue(t.Context(), p)
		tx.OnCommit(func() { committed = true })
		return err
	})
	if !committed {
		t.Fatal("OnCommit did not run after commit")
	}
	it := getItem(t, s, id)
	if it.State != store.OutboxLeased || it.LeaseOwner != "w1" || it.Attempts != 1 || !it.LeaseUntil.Equal(t0.Add(lease)) {
		t.Fatalf("leased enqueue stored %+v", it)
	}
	if got := claim(t, s, "w2", t0.Add(lease/2), 10); len(got) != 0 {
		t.Fatalf("a live adopted lease was claimed: %v", itemIDs(got))
	}
	got := claim(t, s, "w2", t0.Add(lease+time.Second), 10)
	if len(got) != 1 || got[0].ID != id || got[0].LeaseOwner != "w2" || got[0].Attempts != 2 {
		t.Fatalf("rescue of an expired adopted lease = %+v", got)
	}
	finish(t, s, "w2", store.OutboxResult{ID: id, State: store.OutboxDone, Now: t0.Add(lease + 2*time.Second)})
	if it := getItem(t, s, id); it.State != store.OutboxDone {
		t.Fatalf("after the rescuer finished: %+v", it)
	}
}

// testWriteStats: a committed transaction counts once with the rows its
// statements changed; a rolled back one counts nothing; a claim counts
// as a transaction of its own with a row per item leased.
func testWriteStats(t *testing.T, s *Both) {
	ws, ok := s.Store.(store.WriteStatser)
	if !ok {
		t.Fatal("the store does not count its writes")
	}
	before := ws.WriteStats()
	enqueue(t, s, action("ws1", "alert:1"), action("ws2", "alert:2"))
	if d := diff(before, ws.WriteStats()); d != (store.WriteStats{Commits: 1, Rows: 2}) {
		t.Fatalf("after a transaction of two inserts: %+v", d)
	}
	before = ws.WriteStats()
	_ = s.WithTx(t.Context(), func(tx store.Tx) error {
		_, _, _ = tx.OutboxEnqueue(t.Context(), action("ws3", "alert:3"))
		return errors.New("roll back")
	})
	if d := diff(before, ws.WriteStats()); d.Commits != 0 {
		t.Fatalf("a rolled back transaction counted: %+v", d)
	}
	before = ws.WriteStats()
	got := claim(t, s, "w1", t0, 10)
	if len(got) != 2 {
		t.Fatalf("claimed %d", len(got))
	}
	if d := diff(before, ws.WriteStats()); d.Rows != 2 || d.Commits < 1 {
		t.Fatalf("after claiming two: %+v", d)
	}
	before = ws.WriteStats()
	var claimed []store.OutboxRef
	for _, it := range got {
		claimed = append(claimed, store.OutboxRef{Tenant: it.Tenant, ID: it.ID})
	}
	if got, err := s.OutboxRenew(t.Context(), "w1", claimed, t0.Add(3*lease)); err != nil || len(got) != len(claimed) {
		t.Fatalf("renewal: %v, %v", got, err)
	}
	if d := diff(before, ws.WriteStats()); d != (store.WriteStats{Commits: 1, Rows: int64(len(claimed))}) {
		t.Fatalf("after renewing %d leases: %+v", len(claimed), d)
	}
}

func diff(a, b store.WriteStats) store.WriteStats {
	return store.WriteStats{Commits: b.Commits - a.Commits, Rows: b.Rows - a.Rows}
}

// testOutboxRenew: the owner's renewal keeps its items from a rescuer
// past the original lease and names what it renewed; another worker's
// renewal changes nothing, and once another worker took an item, its
// first owner's renewal leaves it out.
func testOutboxRenew(t *testing.T, s *Both) {
	ids := enqueue(t, s, action("r1", "alert:1"), action("r2", "alert:2"))
	if got := claim(t, s, "w1", t0, 10); len(got) != 2 {
		t.Fatalf("claimed %d", len(got))
	}
	refs := []store.OutboxRef{{Tenant: store.DefaultTenant, ID: ids[0]}, {Tenant: store.DefaultTenant, ID: ids[1]}}
	renew := func(owner string, refs []store.OutboxRef, until time.Time) []store.OutboxRef {
		t.Helper()
		got, err := s.OutboxRenew(t.Context(), owner, refs, until)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(a, b store.OutboxRef) int { return int(a.ID - b.ID) })
		return got
	}
	if got := renew("w1", refs, t0.Add(3*lease)); !slices.Equal(got, refs) {
		t.Fatalf("owner's renewal renewed %v; want %v", got, refs)
	}
	// Another tenant's items of the same ids are not these.
	if got := renew("w1", []store.OutboxRef{{Tenant: "other", ID: ids[0]}}, t0.Add(10*lease)); len(got) != 0 {
		t.Fatalf("renewal naming another tenant renewed %v", got)
	}
	if got := renew("w2", refs, t0.Add(10*lease)); len(got) != 0 {
		t.Fatalf("another worker's renewal renewed %v", got)
	}
	if got := claim(t, s, "w2", t0.Add(2*lease), 10); len(got) != 0 {
		t.Fatalf("renewed leases rescued early: %v", itemIDs(got))
	}
	if got := claim(t, s, "w2", t0.Add(3*lease+time.Second), 10); len(got) != 2 {
		t.Fatalf("after the renewed lease lapsed: %v", itemIDs(got))
	}
	if got := renew("w1", refs, t0.Add(10*lease)); len(got) != 0 {
		t.Fatalf("the first owner renewed %v after w2 took them", got)
	}
}

// testOutboxExpedite: a lane whose vendor answers again brings forward
// its items waiting out a retry backoff, and only those: not another
// lane's, another tenant's, nor items waiting on a rate budget.
func testOutboxExpedite(t *testing.T, s *Both) {
	ctx := t.Context()
	const prefix = "waiting: retry after error"
	other := action("c", "alert:c")
	other.Integration = "edr-2"
	ids := enqueue(t, s, action("a", "alert:a"), action("b", "alert:b"), other, action("d", "alert:d"))
	a, b, c, d := ids[0], ids[1], ids[2], ids[3]
	if got := claim(t, s, "w1", t0, 10); len(got) != 4 {
		t.Fatalf("claim = %v", itemIDs(got))
	}
	// Another tenant's lane of the same name fails too.
	if err := s.TenantUpsert(ctx, store.Tenant{ID: "expedite-other", Name: "other", Status: store.TenantActive, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	ot := &Both{Store: s.Store, Scoped: s.Scope("expedite-other")}
	oid := enqueue(t, ot, action("a", "alert:a"))[0]
	if got, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "w1", Now: t0, Lease: lease, Limit: 10, Tenant: "expedite-other"}); err != nil || len(got) != 1 {
		t.Fatalf("claim other tenant = %v, %v", got, err)
	}
	later := t0.Add(10 * time.Minute)
	failed := func(id int64, why string) store.OutboxResult {
		return store.OutboxResult{ID: id, State: store.OutboxPending, NextAttemptAt: later, Error: why, Now: t0}
	}
	finish(t, s, "w1", failed(a, prefix+", next attempt at …: 503"), store.OutboxResult{ID: b, State: store.OutboxDone, Now: t0},
		failed(c, prefix+": 503"), failed(d, "waiting: rate budget, next attempt at …: 429"))
	finish(t, ot, "w1", failed(oid, prefix+": 503"))

	now := t0.Add(time.Minute)
	n, err := s.OutboxExpedite(ctx, store.OutboxExpediteParams{Lane: store.Lane{Tenant: store.DefaultTenant, Integration: "edr-1"}, Now: now, ErrorPrefix: prefix})
	if err != nil || n != 1 {
		t.Fatalf("OutboxExpedite = %d, %v; want 1", n, err)
	}
	for _, tc := range []struct {
		name string
		s    *Both
		id   int64
		want time.Time
	}{
		{"the lane's failed item", s, a, now},
		{"another lane's", s, c, later},
		{"one waiting on a rate budget", s, d, later},
		{"another tenant's", ot, oid, later},
	} {
		if it := getItem(t, tc.s, tc.id); !it.NextAttemptAt.Equal(tc.want) || it.State != store.OutboxPending {
			t.Errorf("%s: next attempt %v (%s), want %v", tc.name, it.NextAttemptAt, it.State, tc.want)
		}
	}
	if got := claim(t, s, "w1", now, 10); len(got) != 1 || got[0].ID != a {
		t.Errorf("claim after expedite = %v, want [%d]", itemIDs(got), a)
	}
	if _, err := s.OutboxExpedite(ctx, store.OutboxExpediteParams{Now: now, ErrorPrefix: prefix}); err == nil {
		t.Error("OutboxExpedite without a lane succeeded")
	}
}

// testOutboxObjectBusy: an object is busy while it has an item pending or
// leased, and free again once they are finished.
func testOutboxObjectBusy(t *testing.T, s *Both) {
	ctx := t.Context()
	busy := func(ref string) bool {
		t.Helper()
		var got bool
		inTx(t, s, func(tx store.Tx) error {
			var err error
			got, err = tx.OutboxObjectBusy(ctx, "edr-1", ref)
			return err
		})
		return got
	}
	if busy("alert:b") {
		t.Fatal("an object without items is busy")
	}
	ids := enqueue(t, s, action("b1", "alert:b"), action("b2", "alert:b"))
	if !busy("alert:b") || busy("alert:other") {
		t.Fatal("pending items: busy is wrong")
	}
	claim(t, s, "w1", t0, 10) // b1 leased, b2 pending behind it
	finish(t, s, "w1", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0})
	if !busy("alert:b") {
		t.Fatal("an object with a pending item is not busy")
	}
	claim(t, s, "w1", t0, 10)
	if !busy("alert:b") {
		t.Fatal("an object with a leased item is not busy")
	}
	finish(t, s, "w1", store.OutboxResult{ID: ids[1], State: store.OutboxDead, Error: "gone", Now: t0})
	if busy("alert:b") {
		t.Fatal("an object whose items are finished is busy")
	}
}

// testOutboxBusyObjects: of the objects asked about, those with an item
// of the action pending or leased at the integration are busy, read
// outside a transaction, however many objects are asked about.
func testOutboxBusyObjects(t *testing.T, s *Both) {
	ctx := t.Context()
	comment := action("c1", "alert:c")
	comment.Action = "add_comment"
	elsewhere := action("d1", "alert:d")
	elsewhere.Integration = "edr-2"
	ids := enqueue(t, s, action("a1", "alert:a"), action("b1", "alert:b"), comment, elsewhere)
	refs := []string{"alert:a", "alert:b", "alert:c", "alert:d", "alert:e"}
	for i := range 600 { // more than one statement's worth
		refs = append(refs, fmt.Sprintf("alert:x%d", i))
	}
	refs = append(refs, "alert:b")
	busy := func() []string {
		t.Helper()
		got, err := s.OutboxBusyObjects(ctx, store.OutboxBusyParams{Integration: "edr-1", Action: "set_status", ObjectRefs: refs})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return slices.Compact(got)
	}
	if got := busy(); !slices.Equal(got, []string{"alert:a", "alert:b"}) {
		t.Fatalf("busy = %v; want the pending set_status items' objects", got)
	}
	if got := claim(t, s, "w1", t0, 1); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("claimed %v; want a1", itemIDs(got))
	}
	if got := busy(); !slices.Equal(got, []string{"alert:a", "alert:b"}) {
		t.Fatalf("busy with a1 leased = %v", got)
	}
	finish(t, s, "w1", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0})
	if got := busy(); !slices.Equal(got, []string{"alert:b"}) {
		t.Fatalf("busy after a1 was delivered = %v; want alert:b", got)
	}
	if got, err := s.OutboxBusyObjects(ctx, store.OutboxBusyParams{Integration: "edr-1", Action: "set_status"}); err != nil || len(got) != 0 {
		t.Fatalf("no objects asked about: %v, %v", got, err)
	}
}
