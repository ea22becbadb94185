package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// bulkVendor has a bulk state API and records how it was called.
type bulkVendor struct {
	fakeVendor
	mu    sync.Mutex
	calls [][]string
	// fail makes the vendor report these objects as failed, item by item.
	fail map[string]error
}

func (b *bulkVendor) SetStates(_ context.Context, changes []connector.StateChange) ([]connector.ItemResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]string, len(changes))
	out := make([]connector.ItemResult, len(changes))
	for i, ch := range changes {
		ids[i] = ch.VendorID
		out[i] = connector.ItemResult{State: connector.RemoteState{RemoteStatus: remoteStatus(ch.Status)}}
		if err := b.fail[ch.VendorID]; err != nil {
			out[i] = connector.ItemResult{Err: err}
		}
	}
	b.calls = append(b.calls, ids)
	return out, nil
}

var _ connector.BatchStateSyncer = (*bulkVendor)(nil)

func TestIncidentFanOutUsesTheBulkAPI(t *testing.T) {
	t.Parallel()
	h := setup(t, validating(engine.DefaultPolicy()))
	bulk := &bulkVendor{}
	h.eng.AddIntegration(engine.Integration{ID: "mde", Kind: "fake", Policy: validating(engine.DefaultPolicy()), Connector: bulk})
	ctx := context.Background()
	items := []connector.Item{vendorAlert("m1", "New", "srv-9"), vendorAlert("m2", "New", "srv-9"), vendorAlert("m3", "New", "srv-9")}
	if _, err := h.eng.Ingest(ctx, "mde", items); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.RunDuePasses(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := h.st.AlertGetByVendor(ctx, "mde", "m1")
	if err != nil || a.IncidentID == 0 {
		t.Fatalf("alerts not grouped: %+v, %v", a, err)
	}
	if _, err := h.eng.SetIncidentVerdict(ctx, engine.VerdictParams{ID: a.IncidentID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	w := outbox.New(outbox.Options{Store: h.st, Now: h.clk.Now, Deliver: h.eng.Deliver, BatchKey: h.eng.BatchKey, DeliverBatch: h.eng.DeliverBatch})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(bulk.calls) != 1 || len(bulk.calls[0]) != 3 || len(bulk.states) != 0 {
		t.Fatalf("bulk calls %v, single calls %d; want one bulk call for the three members", bulk.calls, len(bulk.states))
	}
	done, err := h.st.OutboxList(ctx, store.OutboxListParams{State: store.OutboxDone, Limit: 10})
	if err != nil || len(done) != 3 {
		t.Fatalf("done = %d, %v", len(done), err)
	}
	// Each member records our write, so the next poll is an echo.
	for _, id := range []string{"m1", "m2", "m3"} {
		got, _ := h.st.AlertGetByVendor(ctx, "mde", id)
		if got.RemoteStatus != "Resolved" {
			t.Fatalf("%s remote status = %q after the bulk write", id, got.RemoteStatus)
		}
	}
}

// failingVendor refuses every state write for good.
type failingVendor struct{ fakeVendor }

func (f *failingVendor) SetState(context.Context, connector.StateChange) (connector.RemoteState, error) {
	return connector.RemoteState{}, connector.Permanent("the vendor refused the change")
}

// A write that dead-letters is forgotten by the echo ledger: when the
// analyst then resolves the alert at the source by hand, that is recorded
// as the vendor's change, not swallowed as our echo.
func TestDeadWriteIsForgottenByTheLedger(t *testing.T) {
	t.Parallel()
	h := setup(t, engine.DefaultPolicy())
	h.eng.AddIntegration(engine.Integration{ID: "edr", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: &failingVendor{}})
	ctx := context.Background()
	mustIngest(t, h, vendorAlert("a1", "New"))
	a := h.alert(t, "a1")
	if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: a.ID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	w := outbox.New(outbox.Options{Store: h.st, Now: h.clk.Now, Deliver: h.eng.Deliver, OnDead: h.eng.ForgetWrite})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if dead, _ := h.st.OutboxList(ctx, store.OutboxListParams{State: store.OutboxDead, Limit: 10}); len(dead) != 1 {
		t.Fatalf("dead = %d, want the refused write", len(dead))
	}
	before := len(h.revisions(t, a.ID))
	manual := vendorAlert("a1", "Resolved")
	manual.Alert.UpdatedAt = manual.Alert.UpdatedAt.Add(time.Hour)
	if res := mustIngest(t, h, manual); res.Updated != 1 || res.Echoes != 0 {
		t.Fatalf("manual resolve at the source = %+v, want a genuine update", res)
	}
	if revs := h.revisions(t, a.ID); len(revs) != before+1 || revs[len(revs)-1].Actor.Kind != model.ActorRemote {
		t.Fatalf("revisions %d → %d; want the vendor's change recorded", before, len(revs))
	}
}

// TestBulkPartialFailure: the vendor refuses one member of a bulk write;
// the others are recorded as written and only the refused one is
// dead-lettered, with the vendor's reason.
func TestBulkPartialFailure(t *testing.T) {
	t.Parallel()
	h := setup(t, validating(engine.DefaultPolicy()))
	bulk := &bulkVendor{fail: map[string]error{"m2": connector.Permanent("alert m2 is locked by its owner")}}
	h.eng.AddIntegration(engine.Integration{ID: "mde", Kind: "fake", Policy: validating(engine.DefaultPolicy()), Connector: bulk})
	ctx := context.Background()
	items := []connector.Item{vendorAlert("m1", "New", "srv-9"), vendorAlert("m2", "New", "srv-9"), vendorAlert("m3", "New", "srv-9")}
	if _, err := h.eng.Ingest(ctx, "mde", items); err != nil {
		t.Fatal(err)
	}
	if _, err := h.eng.RunDuePasses(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := h.st.AlertGetByVendor(ctx, "mde", "m1")
	if err != nil || a.IncidentID == 0 {
		t.Fatalf("alerts not grouped: %+v, %v", a, err)
	}
	if _, err := h.eng.SetIncidentVerdict(ctx, engine.VerdictParams{ID: a.IncidentID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
		t.Fatal(err)
	}
	w := outbox.New(outbox.Options{Store: h.st, Now: h.clk.Now, Deliver: h.eng.Deliver, BatchKey: h.eng.BatchKey,
		DeliverBatch: h.eng.DeliverBatch, MaxBatch: h.eng.MaxBatch})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(bulk.calls) != 1 || len(bulk.calls[0]) != 3 {
		t.Fatalf("bulk calls %v, want one for the three members", bulk.calls)
	}
	dead, err := h.st.OutboxList(ctx, store.OutboxListParams{State: store.OutboxDead, Limit: 10})
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].LastError, "locked by its owner") {
		t.Fatalf("dead = %+v, %v; want m2 alone with the vendor's reason", dead, err)
	}
	for id, written := range map[string]bool{"m1": true, "m2": false, "m3": true} {
		got, _ := h.st.AlertGetByVendor(ctx, "mde", id)
		if (got.RemoteStatus == "Resolved") != written {
			t.Errorf("%s remote status = %q; written = %v", id, got.RemoteStatus, written)
		}
	}
}
