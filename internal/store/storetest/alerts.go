package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// rawPayload has odd spacing, key order and escapes that any re-encoding
// would change.
var rawPayload = json.RawMessage(`{"z":1,  "a" : [3,2,1],"u":"\u00e9\n", "n":1.50}`)

func testAlertRoundTrip(t *testing.T, s *Both) {
	ctx := t.Context()
	in := &model.Incident{Title: "case", Severity: model.SeverityHigh, Status: model.StatusNew}
	a := model.Alert{
		Integration: "edr-1", VendorID: "ldt:1", Title: "Credential dumping",
		Description: "lsass read", Severity: model.SeverityHigh,
		Status: model.StatusNew, RemoteStatus: "new", Verdict: model.VerdictSuspicious,
		Published: true, Source: "edr", CreatedAt: t0, UpdatedAt: t0.Add(time.Second),
		Entities: model.Entities{Hosts: []string{"ws-1"}, Users: []string{"alice"},
			IPs: []string{"10.0.0.1"}, FileHashes: []string{"ab12"}, Processes: []string{"mimikatz.exe"}},
		RemoteParent: "inc:9", Raw: rawPayload, Revision: 1, FirstSeenAt: t0,
		// LastChangedAt stays zero: the zero time must come back as zero.
	}
	inTx(t, s, func(tx store.Tx) error {
		if err := tx.IncidentInsert(ctx, in); err != nil {
			return err
		}
		if err := tx.AlertInsert(ctx, &a); err != nil {
			return err
		}
		// A transaction reads its own writes.
		got, err := tx.AlertGet(ctx, a.ID)
		if err == nil && got.VendorID != a.VendorID {
			t.Errorf("AlertGet in tx = %+v", got)
		}
		return err
	})
	if a.ID == 0 {
		t.Fatal("AlertInsert did not set ID")
	}
	check := func(want model.Alert) {
		t.Helper()
		got, err := s.AlertGet(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("AlertGet (-want +got):\n%s", diff)
		}
		if !bytes.Equal(got.Raw, want.Raw) {
			t.Errorf("raw = %q, want %q byte for byte", got.Raw, want.Raw)
		}
		if !got.LastChangedAt.IsZero() && want.LastChangedAt.IsZero() {
			t.Errorf("zero time read back as %v", got.LastChangedAt)
		}
		byVendor, err := s.AlertGetByVendor(ctx, want.Integration, want.VendorID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, byVendor); diff != "" {
			t.Errorf("AlertGetByVendor (-want +got):\n%s", diff)
		}
	}
	check(a)

	a.Status, a.Verdict, a.IncidentID = model.StatusResolved, model.VerdictThreat, in.ID
	a.Entities = model.Entities{Hosts: []string{"ws-2", "ws-3"}}
	a.Raw = json.RawMessage(`[ 1, {"b":2,"a":1} ]`)
	a.Revision, a.LastChangedAt = 2, t0.Add(time.Minute)
	inTx(t, s, func(tx store.Tx) error { return tx.AlertUpdate(ctx, a) })
	check(a)

	a.Entities, a.Raw, a.IncidentID = model.Entities{}, nil, 0
	inTx(t, s, func(tx store.Tx) error { return tx.AlertUpdate(ctx, a) })
	check(a)

	_, err := s.AlertGet(ctx, a.ID+1000)
	wantNotFound(t, "AlertGet missing", err)
	_, err = s.AlertGetByVendor(ctx, "edr-1", "nope")
	wantNotFound(t, "AlertGetByVendor missing", err)
	missing := a
	missing.ID += 1000
	wantNotFound(t, "AlertUpdate missing", s.WithTx(ctx, func(tx store.Tx) error { return tx.AlertUpdate(ctx, missing) }))
}

func testAlertUnique(t *testing.T, s *Both) {
	ctx := t.Context()
	a := newAlert("edr-1", "dup")
	insertAlerts(t, s, &a)
	err := s.WithTx(ctx, func(tx store.Tx) error {
		b := newAlert("edr-1", "dup")
		return tx.AlertInsert(ctx, &b)
	})
	wantConflict(t, "second insert of (integration, vendor_id)", err)
	other := newAlert("edr-2", "dup")
	insertAlerts(t, s, &other)
	if other.ID == a.ID {
		t.Errorf("same vendor id in another integration got the same alert id")
	}
}

func testAlertsByVendor(t *testing.T, s *Both) {
	ctx := t.Context()
	// More ids than one IN list holds, so lookups and lists span chunks.
	const n = 1100
	alerts := make([]*model.Alert, n)
	ids := make([]string, n)
	for i := range alerts {
		ids[i] = fmt.Sprintf("v%04d", i)
		a := newAlert("edr-1", ids[i])
		alerts[i] = &a
	}
	other := newAlert("edr-2", "v0001")
	insertAlerts(t, s, append(alerts, &other)...)

	inTx(t, s, func(tx store.Tx) error {
		got, err := tx.AlertsByVendor(ctx, "edr-1", []string{"v0001", "v0003", "missing"})
		if err != nil {
			return err
		}
		if len(got) != 2 || got["v0001"].ID != alerts[1].ID || got["v0003"].ID != alerts[3].ID {
			t.Errorf("AlertsByVendor = %v, want v0001 and v0003 of edr-1", got)
		}
		all, err := tx.AlertsByVendor(ctx, "edr-1", append(ids, "missing"))
		if err != nil {
			return err
		}
		if len(all) != n {
			t.Errorf("AlertsByVendor over %d ids found %d", n, len(all))
		}
		none, err := tx.AlertsByVendor(ctx, "edr-1", nil)
		if err == nil && len(none) != 0 {
			t.Errorf("AlertsByVendor(nil) = %v", none)
		}
		return err
	})

	for _, tc := range []struct{ limit, want int }{{0, 100}, {7, 7}, {5000, 1000}} {
		got, err := s.AlertList(ctx, store.AlertListParams{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("AlertList(Limit %d) returned %d, want %d", tc.limit, len(got), tc.want)
		}
	}
}

func testAlertList(t *testing.T, s *Both) {
	ctx := t.Context()
	in := &model.Incident{Title: "case"}
	inTx(t, s, func(tx store.Tx) error { return tx.IncidentInsert(ctx, in) })
	mk := func(integration, vendorID string, st model.Status, v model.Verdict, incident int64, e model.Entities) *model.Alert {
		a := newAlert(integration, vendorID)
		a.Status, a.Verdict, a.IncidentID, a.Entities = st, v, incident, e
		return &a
	}
	alerts := []*model.Alert{
		mk("a", "1", model.StatusNew, "", 0, model.Entities{Hosts: []string{"ws-1"}, Users: []string{"alice"}}),
		mk("a", "2", model.StatusResolved, model.VerdictNotAThreat, in.ID, model.Entities{Hosts: []string{"ws-2"}}),
		mk("b", "3", model.StatusInProgress, model.VerdictThreat, in.ID, model.Entities{Processes: []string{"hosts"}}),
		mk("b", "4", model.StatusSuppressed, "", 0, model.Entities{IPs: []string{"10.0.0.1"}, Hosts: []string{"ws-1"}}),
		mk("a", "5", "", "", 0, model.Entities{}),
	}
	insertAlerts(t, s, alerts...)
	id := func(i int) int64 { return alerts[i-1].ID }

	tests := []struct {
		name string
		p    store.AlertListParams
		want []int
	}{
		{"all", store.AlertListParams{}, []int{1, 2, 3, 4, 5}},
		{"integration", store.AlertListParams{Integration: "a"}, []int{1, 2, 5}},
		{"status", store.AlertListParams{Status: model.StatusResolved}, []int{2}},
		{"verdict", store.AlertListParams{Verdict: model.VerdictThreat}, []int{3}},
		{"incident", store.AlertListParams{IncidentID: in.ID}, []int{2, 3}},
		{"entity", store.AlertListParams{Entity: "ws-1"}, []int{1, 4}},
		{"entity is not a key", store.AlertListParams{Entity: "hosts"}, []int{3}},
		{"entity is exact", store.AlertListParams{Entity: "ws"}, nil},
		{"open", store.AlertListParams{Open: true}, []int{1, 3, 5}},
		{"open in b", store.AlertListParams{Open: true, Integration: "b"}, []int{3}},
		{"after id", store.AlertListParams{AfterID: id(2), Limit: 2}, []int{3, 4}},
	}
	for _, tc := range tests {
		got, err := s.AlertList(ctx, tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var want []int64
		for _, i := range tc.want {
			want = append(want, id(i))
		}
		if diff := cmp.Diff(want, alertIDs(got)); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tc.name, diff)
		}
	}

	// The narrow listing correlation starts from: open alerts naming the
	// entity, with their incident and verdict.
	refTests := []struct {
		entity string
		limit  int
		want   []store.AlertRef
	}{
		{"ws-1", 10, []store.AlertRef{{ID: id(1)}}},
		{"hosts", 10, []store.AlertRef{{ID: id(3), IncidentID: in.ID, Verdict: model.VerdictThreat}}},
		{"ws-2", 10, nil},
		{"nobody", 10, nil},
	}
	for _, tc := range refTests {
		got, err := s.AlertRefsByEntity(ctx, store.AlertRefParams{Entity: tc.entity, Limit: tc.limit})
		if err != nil {
			t.Fatalf("refs of %s: %v", tc.entity, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("refs of %s (-want +got):\n%s", tc.entity, diff)
		}
	}

	var paged []int64
	for after := int64(0); ; {
		page, err := s.AlertList(ctx, store.AlertListParams{AfterID: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, alertIDs(page)...)
		after = page[len(page)-1].ID
	}
	if !slices.Equal(paged, []int64{id(1), id(2), id(3), id(4), id(5)}) {
		t.Errorf("keyset paging returned %v", paged)
	}

	// The entity filter follows changes to an alert's entities, batch
	// inserts included.
	alerts[0].Entities = model.Entities{Hosts: []string{"ws-9"}}
	inTx(t, s, func(tx store.Tx) error { return tx.AlertUpdate(ctx, *alerts[0]) })
	batch := mk("c", "6", model.StatusNew, "", 0, model.Entities{Hosts: []string{"ws-9"}, FileHashes: []string{"abc"}})
	inTx(t, s, func(tx store.Tx) error { return tx.AlertInsertBatch(ctx, []*model.Alert{batch}) })
	for _, tc := range []struct {
		entity string
		want   []int64
	}{{"ws-1", []int64{id(4)}}, {"ws-9", []int64{id(1), batch.ID}}, {"abc", []int64{batch.ID}}} {
		got, err := s.AlertList(ctx, store.AlertListParams{Entity: tc.entity})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, alertIDs(got)); diff != "" {
			t.Errorf("entity %s after update (-want +got):\n%s", tc.entity, diff)
		}
	}
}

func alertIDs(alerts []model.Alert) []int64 {
	var ids []int64
	for _, a := range alerts {
		ids = append(ids, a.ID)
	}
	return ids
}
