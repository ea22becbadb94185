package storetest

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// testMemberships: one alert in two incidents is a member of both, each
// membership with its source and time; removing one leaves the other.
func testMemberships(t *testing.T, s *Both) {
	ctx := t.Context()
	first := &model.Incident{Integration: "siem", VendorID: "inc-1", Title: "first"}
	second := &model.Incident{Integration: "siem", VendorID: "inc-2", Title: "second"}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.IncidentInsert(ctx, first); err != nil {
			return err
		}
		return tx.IncidentInsert(ctx, second)
	})
	a, b := newAlert("dfc", "a"), newAlert("dfc", "b")
	insertAlerts(t, s, &a, &b)
	add := func(in, alert int64, source string) (added bool) {
		inTx(t, s, func(tx store.Tx) error {
			var err error
			added, err = tx.MembershipAdd(ctx, model.Membership{IncidentID: in, AlertID: alert, Source: source, AddedAt: t0})
			return err
		})
		return added
	}
	if !add(first.ID, a.ID, "siem") || !add(second.ID, a.ID, "siem") || !add(second.ID, b.ID, "correlation") {
		t.Fatal("a new membership was not reported as added")
	}
	if add(first.ID, a.ID, "other") {
		t.Fatal("an existing membership was reported as added")
	}
	got, err := s.MembershipList(ctx, store.MembershipListParams{AlertID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Membership{
		{IncidentID: first.ID, AlertID: a.ID, Source: "siem", AddedAt: t0},
		{IncidentID: second.ID, AlertID: a.ID, Source: "siem", AddedAt: t0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("memberships of the alert (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		in   *model.Incident
		want []int64
	}{{first, []int64{a.ID}}, {second, []int64{a.ID, b.ID}}} {
		in, err := s.IncidentGet(ctx, tc.in.ID)
		if err != nil || !slices.Equal(in.AlertIDs, tc.want) {
			t.Errorf("incident %s alert ids = %v, %v; want %v", tc.in.VendorID, in.AlertIDs, err, tc.want)
		}
		list, err := s.AlertList(ctx, store.AlertListParams{IncidentID: tc.in.ID})
		if err != nil || len(list) != len(tc.want) {
			t.Errorf("alerts of incident %s = %d, %v; want %d", tc.in.VendorID, len(list), err, len(tc.want))
		}
	}
	var removed, again bool
	inTx(t, s, func(tx store.Tx) error {
		var err error
		if removed, err = tx.MembershipRemove(ctx, second.ID, a.ID); err != nil {
			return err
		}
		again, err = tx.MembershipRemove(ctx, second.ID, a.ID)
		return err
	})
	if !removed || again {
		t.Fatalf("remove = %v, again = %v; want true, false", removed, again)
	}
	ms, err := s.MembershipList(ctx, store.MembershipListParams{IncidentID: second.ID})
	if err != nil || len(ms) != 1 || ms[0].AlertID != b.ID || ms[0].Source != "correlation" {
		t.Fatalf("memberships of the second incident = %+v, %v", ms, err)
	}
}
