package storetest

import (
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/store"
)

// testOutboxLanes: each integration with unfinished work is a lane; a lane
// claim takes only its integration's items, decisions before automatic
// comments, and still one object's items in id order.
func testOutboxLanes(t *testing.T, s *Both) {
	ctx := t.Context()
	on := func(integration, key, object string, priority int) store.OutboxEnqueueParams {
		p := action(key, object)
		p.Integration, p.Priority = integration, priority
		return p
	}
	ids := enqueue(t, s,
		on("graph", "g-auto-1", "alert:1", store.PriorityAutomatic),
		on("graph", "g-auto-2", "alert:2", store.PriorityAutomatic),
		on("graph", "g-decision-1", "alert:1", store.PriorityDecision), // behind g-auto-1 on alert:1
		on("graph", "g-decision-3", "alert:3", store.PriorityDecision),
		on("sentinel", "s-1", "incident:1", store.PriorityDecision),
	)
	lanes, err := s.OutboxLanes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Lane{{Tenant: store.DefaultTenant, Integration: "graph"}, {Tenant: store.DefaultTenant, Integration: "sentinel"}}
	if !slices.Equal(lanes, want) {
		t.Fatalf("OutboxLanes = %v, want [graph sentinel]", lanes)
	}
	got, err := s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "w", Now: t0, Lease: lease, Limit: 10, Tenant: store.DefaultTenant, Integration: "graph"})
	if err != nil {
		t.Fatal(err)
	}
	// Decisions come first, then each priority in id order.
	if want := []int64{ids[3], ids[0], ids[1]}; !slices.Equal(itemIDs(got), want) {
		t.Fatalf("lane claim = %v, want %v (one per object, sentinel's untouched)", itemIDs(got), want)
	}
	for _, it := range got {
		if it.Integration != "graph" {
			t.Fatalf("lane claim took %s's item", it.Integration)
		}
	}
	if it := getItem(t, s, ids[3]); it.Priority != store.PriorityDecision || getItem(t, s, ids[0]).Priority != store.PriorityAutomatic {
		t.Fatalf("priority not stored: %+v", it)
	}
	finish(t, s, "w", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0},
		store.OutboxResult{ID: ids[1], State: store.OutboxDone, Now: t0},
		store.OutboxResult{ID: ids[3], State: store.OutboxDone, Now: t0})
	enqueue(t, s, on("graph", "g-auto-4", "alert:4", store.PriorityAutomatic))
	got, err = s.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "w", Now: t0, Lease: lease, Limit: 1, Tenant: store.DefaultTenant, Integration: "graph"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != ids[2] {
		t.Fatalf("claim of one = %v, want the decision %d before the older automatic comment", itemIDs(got), ids[2])
	}
}

// testOutboxObjectQueries: what is waiting on one object, and how many
// automatic comments it was or will be sent.
func testOutboxObjectQueries(t *testing.T, s *Both) {
	ctx := t.Context()
	comment := func(key string, priority int) store.OutboxEnqueueParams {
		p := action(key, "alert:7")
		p.Action, p.Priority = "add_comment", priority
		return p
	}
	ids := enqueue(t, s, comment("c1", store.PriorityAutomatic), comment("c2", store.PriorityAutomatic),
		comment("c3", store.PriorityAutomatic), comment("c4", store.PriorityDecision), action("st", "alert:7"))
	claim(t, s, "w", t0, 1) // c1 leased
	finish(t, s, "w", store.OutboxResult{ID: ids[0], State: store.OutboxDone, Now: t0})
	inTx(t, s, func(tx store.Tx) error { return tx.OutboxSkip(ctx, "c2", "merged", t0) })
	var pending []store.OutboxItem
	var n int
	inTx(t, s, func(tx store.Tx) error {
		var err error
		if pending, err = tx.OutboxObjectPending(ctx, "edr-1", "alert:7"); err != nil {
			return err
		}
		n, err = tx.OutboxObjectCount(ctx, store.OutboxObjectCountParams{
			Integration: "edr-1", ObjectRef: "alert:7", Action: "add_comment", Priority: store.PriorityAutomatic})
		return err
	})
	if want := ids[2:]; !slices.Equal(itemIDs(pending), want) {
		t.Fatalf("OutboxObjectPending = %v, want %v", itemIDs(pending), want)
	}
	if n != 2 {
		t.Fatalf("OutboxObjectCount = %d, want 2 (one done, one pending; skipped and decisions not counted)", n)
	}
}

// testOutboxGiveBack: an item claimed but never sent goes back without
// using up an attempt.
func testOutboxGiveBack(t *testing.T, s *Both) {
	ids := enqueue(t, s, action("k", "alert:1"))
	claim(t, s, "w", t0, 1)
	finish(t, s, "w", store.OutboxResult{ID: ids[0], State: store.OutboxPending, Now: t0, NextAttemptAt: t0,
		Unattempted: true, Error: "waiting: rate budget"})
	it := getItem(t, s, ids[0])
	if it.Attempts != 0 || it.State != store.OutboxPending || it.LastError != "waiting: rate budget" {
		t.Fatalf("given back item = %+v; want pending, 0 attempts, the reason kept", it)
	}
}
