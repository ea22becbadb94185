package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func testIncidents(t *testing.T, s *Both) {
	ctx := t.Context()
	local1 := &model.Incident{Title: "local one", Severity: model.SeverityLow, Status: model.StatusNew, CreatedAt: t0}
	local2 := &model.Incident{Title: "local two", Severity: model.SeverityLow, Status: model.StatusResolved}
	remote := &model.Incident{
		Integration: "xdr-1", VendorID: "inc-1", Title: "remote", Description: "d",
		Severity: model.SeverityCritical, Status: model.StatusInProgress, RemoteStatus: "UNDER_INVESTIGATION",
		Verdict: model.VerdictThreat, Published: true, CreatedAt: t0, UpdatedAt: t0,
		RemoteAlerts: []string{"r2", "r1"}, Raw: json.RawMessage(`{"b": 1, "a": 2}`),
		Revision: 3, LastChangedAt: t0,
	}
	// Two local incidents share the empty (integration, vendor_id).
	inTx(t, s, func(tx store.Tx) error {
		for _, in := range []*model.Incident{local1, local2, remote} {
			if err := tx.IncidentInsert(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.WithTx(ctx, func(tx store.Tx) error {
		dup := &model.Incident{Integration: "xdr-1", VendorID: "inc-1", Title: "dup"}
		return tx.IncidentInsert(ctx, dup)
	})
	wantConflict(t, "second insert of a vendor incident", err)

	a1, a2, a3 := newAlert("edr", "1"), newAlert("edr", "2"), newAlert("edr", "3")
	a1.IncidentID, a2.IncidentID, a3.IncidentID = remote.ID, local1.ID, remote.ID
	insertAlerts(t, s, &a1, &a2, &a3)

	want := *remote
	want.AlertIDs = []int64{a1.ID, a3.ID}
	got, err := s.IncidentGet(ctx, remote.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IncidentGet (-want +got):\n%s", diff)
	}
	got, err = s.IncidentGetByVendor(ctx, "xdr-1", "inc-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IncidentGetByVendor (-want +got):\n%s", diff)
	}

	wantL1 := *local1
	wantL1.AlertIDs = []int64{a2.ID}
	tests := []struct {
		name string
		p    store.IncidentListParams
		want []model.Incident
	}{
		{"all", store.IncidentListParams{}, []model.Incident{wantL1, *local2, want}},
		{"integration", store.IncidentListParams{Integration: "xdr-1"}, []model.Incident{want}},
		{"status", store.IncidentListParams{Status: model.StatusResolved}, []model.Incident{*local2}},
		{"paged", store.IncidentListParams{AfterID: local1.ID, Limit: 1}, []model.Incident{*local2}},
		{"open", store.IncidentListParams{Open: true}, []model.Incident{wantL1, want}},
		{"remote member last", store.IncidentListParams{RemoteAlert: "r1"}, []model.Incident{want}},
		{"remote member first", store.IncidentListParams{RemoteAlert: "r2"}, []model.Incident{want}},
		{"remote member prefix only", store.IncidentListParams{RemoteAlert: "r"}, nil},
		{"verdict", store.IncidentListParams{Verdict: model.VerdictThreat}, []model.Incident{want}},
		{"severity", store.IncidentListParams{Severity: model.SeverityLow}, []model.Incident{wantL1, *local2}},
		{"severity none", store.IncidentListParams{Severity: model.SeverityHigh}, nil},
		{"created in window", store.IncidentListParams{CreatedFrom: t0, CreatedTo: t0.Add(time.Second)}, []model.Incident{wantL1, want}},
		{"created before", store.IncidentListParams{CreatedTo: t0}, []model.Incident{*local2}},
		{"created from, window end excluded", store.IncidentListParams{CreatedFrom: t0.Add(-time.Hour), CreatedTo: t0}, nil},
		{"severity in window", store.IncidentListParams{Severity: model.SeverityLow, CreatedFrom: t0}, []model.Incident{wantL1}},
		{"window paged", store.IncidentListParams{CreatedFrom: t0, AfterID: local1.ID}, []model.Incident{want}},
	}
	for _, tc := range tests {
		list, err := s.IncidentList(ctx, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, list); diff != "" {
			t.Errorf("IncidentList %s (-want +got):\n%s", tc.name, diff)
		}
	}

	upd := *remote
	upd.Status, upd.RemoteAlerts, upd.Raw, upd.Revision = model.StatusResolved, nil, nil, 4
	upd.AlertIDs = []int64{999} // derived, so ignored on write
	inTx(t, s, func(tx store.Tx) error { return tx.IncidentUpdate(ctx, upd) })
	got, err = s.IncidentGet(ctx, remote.ID)
	if err != nil {
		t.Fatal(err)
	}
	upd.AlertIDs = []int64{a1.ID, a3.ID}
	if diff := cmp.Diff(upd, got); diff != "" {
		t.Errorf("IncidentGet after update (-want +got):\n%s", diff)
	}

	_, err = s.IncidentGet(ctx, remote.ID+100)
	wantNotFound(t, "IncidentGet missing", err)
	_, err = s.IncidentGetByVendor(ctx, "xdr-1", "nope")
	wantNotFound(t, "IncidentGetByVendor missing", err)
	upd.ID += 100
	wantNotFound(t, "IncidentUpdate missing", s.WithTx(ctx, func(tx store.Tx) error { return tx.IncidentUpdate(ctx, upd) }))
}
