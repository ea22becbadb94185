package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func newEvidence(vendorID, user, ip string, at time.Time) *model.Evidence {
	return &model.Evidence{
		Integration: "o365", VendorID: vendorID, Source: "Audit.AzureActiveDirectory",
		Operation: "UserLoggedIn", Summary: "sign-in by " + user, Result: "Succeeded",
		OccurredAt: at, IngestedAt: t0, Raw: json.RawMessage(`{"Id":"` + vendorID + `"}`),
		Entities: model.Entities{Users: []string{user}, IPs: []string{ip}},
	}
}

// testEvidence: records are stored once by vendor id, found by the users
// and IPs they name within a time range, and counted as linked when an
// alert names one of those.
func testEvidence(t *testing.T, s *Both) {
	ctx := t.Context()
	hour := time.Hour
	recs := []*model.Evidence{
		newEvidence("r1", "adele@contoso.com", "45.1.2.3", t0.Add(-2*hour)),
		newEvidence("r2", "adele@contoso.com", "10.0.0.5", t0),
		newEvidence("r3", "bob@contoso.com", "45.1.2.3", t0.Add(hour)),
		newEvidence("r4", "carol@contoso.com", "10.9.9.9", t0.Add(2*hour)),
	}
	var n int
	inTx(t, s, func(tx store.Tx) (err error) {
		n, err = tx.EvidenceInsertBatch(ctx, recs)
		return err
	})
	if n != 4 || recs[0].ID == 0 || recs[3].ID == 0 {
		t.Fatalf("inserted %d, ids %d..%d; want 4 new records with ids", n, recs[0].ID, recs[3].ID)
	}
	again := []*model.Evidence{newEvidence("r2", "adele@contoso.com", "10.0.0.5", t0), newEvidence("r5", "dan@contoso.com", "", t0)}
	inTx(t, s, func(tx store.Tx) (err error) {
		n, err = tx.EvidenceInsertBatch(ctx, again)
		return err
	})
	if n != 1 || again[0].ID != 0 || again[1].ID == 0 {
		t.Fatalf("second batch: %d new, ids %d, %d; want the seen record skipped with id 0", n, again[0].ID, again[1].ID)
	}
	got, err := s.EvidenceList(ctx, store.EvidenceListParams{Values: []string{"adele@contoso.com", "45.1.2.3"}, From: t0.Add(-3 * hour), To: t0.Add(hour + time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if ids := evidenceIDs(got); !cmp.Equal(ids, []string{"r1", "r2", "r3"}) {
		t.Errorf("by user or IP = %v, want r1 r2 r3 oldest first (each once)", ids)
	}
	if diff := cmp.Diff(*recs[0], got[0]); diff != "" {
		t.Errorf("record round trip (-want +got):\n%s", diff)
	}
	got, err = s.EvidenceList(ctx, store.EvidenceListParams{Values: []string{"adele@contoso.com"}, From: t0.Add(-time.Minute), To: t0.Add(time.Minute)})
	if err != nil || !cmp.Equal(evidenceIDs(got), []string{"r2"}) {
		t.Errorf("within a minute of t0 = %v, %v; want r2", evidenceIDs(got), err)
	}
	got, err = s.EvidenceList(ctx, store.EvidenceListParams{Integration: "o365", AfterID: recs[1].ID, Limit: 2})
	if err != nil || !cmp.Equal(evidenceIDs(got), []string{"r3", "r4"}) {
		t.Errorf("paged by id = %v, %v; want r3 r4", evidenceIDs(got), err)
	}
	a := newAlert("edr", "a1")
	a.Entities = model.Entities{Users: []string{"bob@contoso.com"}, Hosts: []string{"ws-1"}}
	b := newAlert("edr", "a2")
	b.Entities = model.Entities{IPs: []string{"10.0.0.5"}}
	insertAlerts(t, s, &a, &b)
	counts, err := s.EvidenceCounts(ctx, "o365")
	if err != nil || counts != (store.EvidenceCounts{Stored: 5, Linked: 2}) {
		t.Errorf("counts = %+v, %v; want 5 stored, 2 linked (r2 by IP, r3 by user)", counts, err)
	}
}

func evidenceIDs(ev []model.Evidence) []string {
	out := []string{}
	for _, e := range ev {
		out = append(out, e.VendorID)
	}
	return out
}
