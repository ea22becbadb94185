package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// testBatches checks the batch writes give the same rows as one-by-one
// writes, across more rows than one multi-row statement holds.
func testBatches(t *testing.T, s *Both) {
	ctx := t.Context()
	const n = 1203
	alerts := make([]*model.Alert, n)
	for i := range alerts {
		a := newAlert([]string{"edr", "xdr"}[i%2], fmt.Sprintf("b-%04d", i))
		a.Entities = model.Entities{Hosts: []string{fmt.Sprintf("h%d", i%7)}}
		alerts[i] = &a
	}
	inTx(t, s, func(tx store.Tx) error { return tx.AlertInsertBatch(ctx, alerts) })
	seen := map[int64]bool{}
	for _, a := range alerts {
		if a.ID == 0 || seen[a.ID] {
			t.Fatalf("alert %s got id %d", a.VendorID, a.ID)
		}
		seen[a.ID] = true
	}
	got, err := s.AlertGet(ctx, alerts[1001].ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*alerts[1001], got); diff != "" {
		t.Errorf("batch-inserted alert (-want +got):\n%s", diff)
	}
	at := t0.Add(time.Hour)
	revs := make([]model.Revision, n)
	vals := make([]store.Validation, n)
	for i, a := range alerts {
		revs[i] = model.Revision{Kind: model.KindAlert, ObjectID: a.ID, Seq: 1, Actor: model.Actor{Kind: model.ActorRemote, Name: a.Integration},
			Reason: "ingested", Changes: []string{"created"}, Snapshot: []byte(`{"n":` + fmt.Sprint(i) + `}`), At: at}
		vals[i] = store.Validation{AlertID: a.ID, StartedAt: at, NextPassAt: at, EndsAt: at.Add(48 * time.Hour)}
	}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.RevisionAppendBatch(ctx, revs); err != nil {
			return err
		}
		return tx.ValidationUpsertBatch(ctx, vals)
	})
	list, err := s.RevisionList(ctx, store.RevisionListParams{Kind: model.KindAlert, ObjectID: alerts[700].ID})
	if err != nil || len(list) != 1 || string(list[0].Snapshot) != `{"n":700}` {
		t.Fatalf("revision of batch = %+v, %v", list, err)
	}
	due, err := s.ValidationDue(ctx, at, 1000)
	if err != nil || len(due) != 1000 {
		t.Fatalf("due validations = %d, %v", len(due), err)
	}
	vals[0].Passes = 3
	inTx(t, s, func(tx store.Tx) error { return tx.ValidationUpsertBatch(ctx, vals[:1]) })
	if v, err := s.ValidationGet(ctx, alerts[0].ID); err != nil || v.Passes != 3 {
		t.Fatalf("upserted validation = %+v, %v", v, err)
	}
	err = s.WithTx(ctx, func(tx store.Tx) error { return tx.RevisionAppendBatch(ctx, revs[:2]) })
	wantConflict(t, "batch with a revision seq already taken", err)
	dup := newAlert("edr", "b-0000")
	err = s.WithTx(ctx, func(tx store.Tx) error { return tx.AlertInsertBatch(ctx, []*model.Alert{&dup}) })
	wantConflict(t, "batch with an alert already stored", err)
}

// testStaleUpdate checks the revision guard: an update based on a copy read
// before someone else's change is a conflict, not a silent overwrite.
func testStaleUpdate(t *testing.T, s *Both) {
	ctx := t.Context()
	a := newAlert("edr", "stale-1")
	a.Revision = 1
	insertAlerts(t, s, &a)
	in := &model.Incident{Title: "i", Revision: 1}
	inTx(t, s, func(tx store.Tx) error { return tx.IncidentInsert(ctx, in) })
	stale, staleIn := a, *in

	// Someone records a verdict: revision 2.
	a.Verdict, a.Revision = model.VerdictNotAThreat, 2
	inTx(t, s, func(tx store.Tx) error { return tx.AlertUpdate(ctx, a) })
	in.Verdict, in.Revision = model.VerdictThreat, 2
	inTx(t, s, func(tx store.Tx) error { return tx.IncidentUpdate(ctx, *in) })

	// A refresh from the copy read before (revision 1) must not undo it.
	stale.Title = "refreshed"
	err := s.WithTx(ctx, func(tx store.Tx) error { return tx.AlertUpdate(ctx, stale) })
	wantConflict(t, "alert refresh from a stale copy", err)
	staleIn.Title = "refreshed"
	err = s.WithTx(ctx, func(tx store.Tx) error { return tx.IncidentUpdate(ctx, staleIn) })
	wantConflict(t, "incident refresh from a stale copy", err)
	if got, _ := s.AlertGet(ctx, a.ID); got.Verdict != model.VerdictNotAThreat || got.Title == "refreshed" {
		t.Fatalf("stale update was applied: %+v", got)
	}
	missing := a
	missing.ID += 1000
	err = s.WithTx(ctx, func(tx store.Tx) error { return tx.AlertUpdate(ctx, missing) })
	wantNotFound(t, "update of a missing alert", err)
}

// testWriteBackBatches checks the write-back confirmations written in
// batches: ledger entries, and remote statuses under the revision guard,
// across more rows than one statement holds.
func testWriteBackBatches(t *testing.T, s *Both) {
	ctx := t.Context()
	const n = 620
	alerts := make([]*model.Alert, n)
	for i := range alerts {
		a := newAlert("edr", fmt.Sprintf("w-%04d", i))
		alerts[i] = &a
	}
	inTx(t, s, func(tx store.Tx) error { return tx.AlertInsertBatch(ctx, alerts) })
	at := t0.Add(time.Hour)
	ledger := make([]store.LedgerEntry, n)
	changes := make([]store.RemoteStatusChange, n)
	for i, a := range alerts {
		ledger[i] = store.LedgerEntry{Integration: "edr", Kind: model.KindAlert, VendorID: a.VendorID, RemoteStatus: "closed", At: at}
		changes[i] = store.RemoteStatusChange{ID: a.ID, Revision: a.Revision + 1, RemoteStatus: fmt.Sprintf("closed-%d", i%3), At: at}
	}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.LedgerAddBatch(ctx, ledger); err != nil {
			return err
		}
		return tx.AlertRemoteStatusBatch(ctx, changes)
	})
	if got, err := s.LedgerList(ctx, "edr", model.KindAlert, "w-0613"); err != nil || len(got) != 1 || got[0].RemoteStatus != "closed" {
		t.Fatalf("ledger of w-0613 = %+v, %v", got, err)
	}
	got, err := s.AlertGet(ctx, alerts[613].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *alerts[613]
	want.RemoteStatus, want.Revision, want.LastChangedAt = "closed-1", alerts[613].Revision+1, at
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alert after its remote status was recorded (-want +got):\n%s", diff)
	}
	// A second batch based on the same (now stale) revisions changes
	// nothing and is a conflict.
	err = s.WithTx(ctx, func(tx store.Tx) error { return tx.AlertRemoteStatusBatch(ctx, changes[:2]) })
	wantConflict(t, "remote statuses based on a stale revision", err)
	if got, _ := s.AlertGet(ctx, alerts[0].ID); got.Revision != alerts[0].Revision+1 {
		t.Errorf("stale batch moved alert 0 to revision %d", got.Revision)
	}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.LedgerAddBatch(ctx, nil); err != nil {
			return err
		}
		return tx.AlertRemoteStatusBatch(ctx, nil)
	})

	// Grouping many alerts into an incident at once: memberships (a
	// second add leaves the first alone), incident ids under the
	// revision guard, read back together.
	in := &model.Incident{Title: "group"}
	inTx(t, s, func(tx store.Tx) error { return tx.IncidentInsert(ctx, in) })
	ids := []int64{alerts[5].ID, alerts[3].ID, alerts[600].ID}
	got3, err := s.AlertGetMany(ctx, append(ids, 1<<40))
	if err != nil || len(got3) != 3 || got3[0].ID != alerts[3].ID || got3[2].ID != alerts[600].ID {
		t.Fatalf("AlertGetMany = %d alerts, %v; want the three, in id order", len(got3), err)
	}
	var ms []model.Membership
	var grouped []store.IncidentChange
	for _, a := range got3 {
		ms = append(ms, model.Membership{IncidentID: in.ID, AlertID: a.ID, Source: "correlation", AddedAt: at})
		grouped = append(grouped, store.IncidentChange{ID: a.ID, IncidentID: in.ID, Revision: a.Revision + 1, At: at})
	}
	later := ms[0]
	later.Source, later.AddedAt = "someone else", at.Add(time.Hour)
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.MembershipAddBatch(ctx, ms); err != nil {
			return err
		}
		if err := tx.MembershipAddBatch(ctx, []model.Membership{later}); err != nil {
			return err
		}
		return tx.AlertIncidentBatch(ctx, grouped)
	})
	members, err := s.MembershipList(ctx, store.MembershipListParams{IncidentID: in.ID})
	if err != nil || len(members) != 3 {
		t.Fatalf("memberships = %+v, %v", members, err)
	}
	for _, m := range members {
		if m.Source != "correlation" {
			t.Errorf("membership %+v was overwritten by a later add", m)
		}
	}
	if a, _ := s.AlertGet(ctx, alerts[600].ID); a.IncidentID != in.ID || a.Revision != got3[2].Revision+1 {
		t.Errorf("grouped alert = incident %d revision %d", a.IncidentID, a.Revision)
	}
	err = s.WithTx(ctx, func(tx store.Tx) error { return tx.AlertIncidentBatch(ctx, grouped[:1]) })
	wantConflict(t, "grouping based on a stale revision", err)
}
