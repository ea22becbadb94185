package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// reconcileSetup wires a fake alert source ("dfc") and a fake incident
// source ("siem") whose incidents hold dfc's alerts, with the default
// Defender for Cloud → Sentinel mapping.
func reconcileSetup(t *testing.T) (*harness, *fakeVendor) {
	t.Helper()
	return reconcileSetupOn(t, storetest.Default(storetest.OpenSQLite(t)))
}

// reconcileSetupOn is reconcileSetup on a given store.
func reconcileSetupOn(t *testing.T, st *storetest.Both) (*harness, *fakeVendor) {
	t.Helper()
	h := setupOn(t, st, engine.DefaultPolicy())
	return h, addReconcile(h, engine.DefaultPolicy())
}

// addReconcile adds reconcileSetup's two integrations to h's engine, the
// incident source with policy siemPolicy.
func addReconcile(h *harness, siemPolicy engine.Policy) *fakeVendor {
	siem := &fakeVendor{}
	h.eng.AddIntegration(engine.Integration{ID: "dfc", Kind: "fake", Policy: engine.DefaultPolicy(), Connector: h.vendor})
	h.eng.AddIntegration(engine.Integration{ID: "siem", Kind: "fake", Policy: siemPolicy, Connector: siem,
		Reconcile: &engine.Reconcile{
			AlertsFrom: []string{"dfc"},
			OnAlert: map[model.Status]connector.ReconcileTarget{
				model.StatusInProgress: {Status: "in_progress"},
				model.StatusSuppressed: {Status: "resolved", Classification: "BenignPositive", ClassificationReason: "SuspiciousButExpected"},
				model.StatusResolved:   {Status: "resolved", Classification: "TruePositive", ClassificationReason: "SuspiciousActivity"},
			},
			Rules: engine.AllRules(), Comment: true, MirrorGrace: engine.DefaultMirrorGrace,
		}})
	return siem
}

var dfcStatus = map[string]model.Status{"Active": model.StatusNew, "InProgress": model.StatusInProgress, "Dismissed": model.StatusSuppressed, "Resolved": model.StatusResolved}

func dfcAlert(t *testing.T, h *harness, id, status string, step int) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"id": id, "status": status, "step": step})
	it := connector.Item{VendorID: id, Raw: raw, Alert: &model.Alert{VendorID: id, Title: "VM alert " + id, Severity: model.SeverityHigh,
		Status: dfcStatus[status], RemoteStatus: status, UpdatedAt: time.Date(2026, 11, 1, 8, step, 0, 0, time.UTC)}}
	if _, err := h.eng.Ingest(context.Background(), "dfc", []connector.Item{it}); err != nil {
		t.Fatal(err)
	}
}

var siemStatus = map[string]model.Status{"New": model.StatusNew, "Active": model.StatusInProgress, "Closed": model.StatusResolved}

func siemIncident(t *testing.T, h *harness, id, status string, step int, members ...string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"id": id, "status": status, "step": step})
	it := connector.IncidentItem{VendorID: id, Raw: raw, Incident: &model.Incident{VendorID: id, Title: "Incident " + id,
		Severity: model.SeverityHigh, Status: siemStatus[status], RemoteStatus: status, RemoteAlerts: members}}
	if _, err := h.eng.IngestIncidents(context.Background(), "siem", []connector.IncidentItem{it}); err != nil {
		t.Fatal(err)
	}
}

func stateWrites(t *testing.T, h *harness, integration string) []connector.StateChange {
	t.Helper()
	var out []connector.StateChange
	for _, it := range h.pending(t) {
		if it.Integration != integration || it.Action != engine.ActionSetState {
			continue
		}
		var ch connector.StateChange
		if err := json.Unmarshal(it.Payload, &ch); err != nil {
			t.Fatal(err)
		}
		out = append(out, ch)
	}
	return out
}

func TestReconcileAlertChangesReachTheIncident(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		alertState string
		wantStatus model.Status
		wantClass  string
		wantReason string
	}{
		{"in progress activates the incident", "InProgress", model.StatusInProgress, "", ""},
		{"dismissed closes as benign positive", "Dismissed", model.StatusResolved, "BenignPositive", "SuspiciousButExpected"},
		{"resolved closes as true positive", "Resolved", model.StatusResolved, "TruePositive", "SuspiciousActivity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := reconcileSetup(t)
			dfcAlert(t, h, "A1", "Active", 0)
			siemIncident(t, h, "I1", "New", 0, "A1")
			if w := stateWrites(t, h, "siem"); len(w) != 0 {
				t.Fatalf("a new alert in a new incident wrote %+v", w)
			}
			dfcAlert(t, h, "A1", tt.alertState, 1)
			w := stateWrites(t, h, "siem")
			if len(w) != 1 || w[0].Kind != model.KindIncident || w[0].VendorID != "I1" || w[0].Status != tt.wantStatus ||
				w[0].Classification != tt.wantClass || w[0].ClassificationReason != tt.wantReason {
				t.Fatalf("incident writes = %+v", w)
			}
			if w[0].Reason == "" || w[0].Reason[:len("alertsync")] != "alertsync" {
				t.Fatalf("write does not say alertsync made it: %q", w[0].Reason)
			}
			// Seeing the same alert state again enqueues nothing more.
			dfcAlert(t, h, "A1", tt.alertState, 1)
			if n := len(stateWrites(t, h, "siem")); n != 1 {
				t.Fatalf("repeat evaluation enqueued %d writes", n)
			}
		})
	}
}

func TestReconcileMultiAlertIncidentWaitsForEveryAlert(t *testing.T) {
	t.Parallel()
	h, _ := reconcileSetup(t)
	dfcAlert(t, h, "A2", "Active", 0)
	dfcAlert(t, h, "A3", "Active", 0)
	siemIncident(t, h, "I2", "New", 0, "A2", "A3")
	dfcAlert(t, h, "A2", "Resolved", 1)
	if w := stateWrites(t, h, "siem"); len(w) != 0 {
		t.Fatalf("closed a multi-alert incident while an alert is New: %+v", w)
	}
	dfcAlert(t, h, "A3", "InProgress", 2)
	if w := stateWrites(t, h, "siem"); len(w) != 0 {
		t.Fatalf("changed a multi-alert incident while an alert is InProgress: %+v", w)
	}
	dfcAlert(t, h, "A3", "Dismissed", 3)
	w := stateWrites(t, h, "siem")
	if len(w) != 1 || w[0].Status != model.StatusResolved || w[0].Classification != "TruePositive" {
		t.Fatalf("all alerts closed: writes = %+v (resolved outranks dismissed)", w)
	}
}

func TestReconcileAlertThatArrivesAfterItsIncident(t *testing.T) {
	t.Parallel()
	h, _ := reconcileSetup(t)
	siemIncident(t, h, "I3", "New", 0, "A4")
	dfcAlert(t, h, "A4", "Dismissed", 1)
	a, err := h.st.AlertGetByVendor(context.Background(), "dfc", "A4")
	if err != nil || a.IncidentID == 0 {
		t.Fatalf("late alert not linked: %+v, %v", a, err)
	}
	if w := stateWrites(t, h, "siem"); len(w) != 1 || w[0].Classification != "BenignPositive" {
		t.Fatalf("writes = %+v", w)
	}
}

func TestReconcileIncidentClosedResolvesAlertsWithoutLoop(t *testing.T) {
	t.Parallel()
	h, _ := reconcileSetup(t)
	dfcAlert(t, h, "A5", "Active", 0)
	siemIncident(t, h, "I5", "New", 0, "A5")
	siemIncident(t, h, "I5", "Active", 1, "A5")
	// The feedback loop: the alert's owner sees the SOC took the case.
	if w := stateWrites(t, h, "dfc"); len(w) != 1 || w[0].Status != model.StatusInProgress {
		t.Fatalf("incident set active: alert writes = %+v, want in progress", w)
	}
	h.deliverAll(t)
	dfcAlert(t, h, "A5", "InProgress", 2)
	siemIncident(t, h, "I5", "Closed", 3, "A5")
	w := stateWrites(t, h, "dfc")
	if len(w) != 1 || w[0].VendorID != "A5" || w[0].Status != model.StatusResolved {
		t.Fatalf("alert writes = %+v", w)
	}
	h.clk.Add(engine.DefaultMirrorGrace)
	h.deliverAll(t)
	// Azure resolves the DfC alert natively too; its echo must not start
	// another round.
	dfcAlert(t, h, "A5", "Resolved", 4)
	if p := h.pending(t); len(p) != 0 {
		t.Fatalf("echo of the resolved alert enqueued %+v", p)
	}
	revs, err := h.st.RevisionList(context.Background(), store.RevisionListParams{Kind: model.KindIncident, ObjectID: mustIncident(t, h, "I5").ID, Limit: 100})
	if err != nil || len(revs) != 3 {
		t.Fatalf("incident revisions = %d, %v; want created, active, closed", len(revs), err)
	}
}

func mustIncident(t *testing.T, h *harness, vendorID string) model.Incident {
	t.Helper()
	in, err := h.st.IncidentGetByVendor(context.Background(), "siem", vendorID)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// An analyst closed the incident at the source, and the member alert's
// resulting change reached alertsync before the incident did: the close is
// a no-op at the source and the "alertsync reconciled" comment must not be
// posted, since alertsync did not close it.
func TestReconcileSkipsCommentWhenTargetAlreadyThere(t *testing.T) {
	t.Parallel()
	h, siem := reconcileSetup(t)
	siem.already = true
	dfcAlert(t, h, "A6", "Active", 0)
	siemIncident(t, h, "I6", "New", 0, "A6")
	dfcAlert(t, h, "A6", "Resolved", 1)
	h.deliverAll(t)
	if len(siem.states) != 1 || len(siem.comments) != 0 {
		t.Fatalf("states %d, comments %+v; want the state call only", len(siem.states), siem.comments)
	}
	skipped, err := h.st.OutboxList(context.Background(), store.OutboxListParams{State: store.OutboxSkipped, Limit: 10})
	if err != nil || len(skipped) != 1 || skipped[0].Action != engine.ActionAddComment {
		t.Fatalf("skipped = %+v, %v", skipped, err)
	}
	// The write's own record says why nothing changed.
	if _, err := h.eng.Deliver(context.Background(), mustItem(t, h, engine.ActionSetState)); err == nil || !strings.HasPrefix(err.Error(), "already in state") {
		t.Fatalf("delivery note = %v, want already in state", err)
	}
}

func mustItem(t *testing.T, h *harness, action string) store.OutboxItem {
	t.Helper()
	items, err := h.st.OutboxList(context.Background(), store.OutboxListParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Action == action {
			return it
		}
	}
	t.Fatalf("no %s item", action)
	return store.OutboxItem{}
}

// TestIncidentVerdictReconcilesOnceAfterItsMembers: a verdict on an
// incident whose own policy leaves it open closes its members at their
// source; the incident is then reconciled once, after every member
// changed, reading its members once rather than once per member, and
// written once.
func TestIncidentVerdictReconcilesOnceAfterItsMembers(t *testing.T) {
	t.Parallel()
	st := storetest.Default(storetest.OpenSQLite(t))
	reads := &memberReads{Scoped: st.Scoped}
	clk := &clock{now: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	h := &harness{st: st, clk: clk, vendor: &fakeVendor{}, eng: engine.New(engine.Options{Store: reads, Now: clk.Now})}
	leaveOpen := engine.DefaultPolicy()
	leaveOpen.CloseOnNotAThreat = false
	addReconcile(h, leaveOpen)
	members := []string{"M1", "M2", "M3", "M4"}
	for _, id := range members {
		dfcAlert(t, h, id, "Active", 0)
	}
	siemIncident(t, h, "I9", "New", 0, members...)
	ctx := context.Background()
	in, err := h.st.IncidentGetByVendor(ctx, "siem", "I9")
	if err != nil || len(in.AlertIDs) != len(members) {
		t.Fatalf("incident = %+v, %v; want %d members", in, err, len(members))
	}
	reads.lists.Store(0)
	got, err := h.eng.SetIncidentVerdict(ctx, engine.VerdictParams{ID: in.ID, Verdict: model.VerdictNotAThreat, Actor: analyst("kim")})
	if err != nil {
		t.Fatal(err)
	}
	// The answer is the incident as reconciliation left it.
	if got.Status != model.StatusResolved || got.Verdict != model.VerdictNotAThreat {
		t.Errorf("the verdict answered the incident %s with verdict %s; want resolved, not a threat", got.Status, got.Verdict)
	}
	if w := stateWrites(t, h, "dfc"); len(w) != len(members) {
		t.Fatalf("member writes = %+v; want one per member", w)
	}
	w := stateWrites(t, h, "siem")
	if len(w) != 1 || w[0].VendorID != "I9" || w[0].Status != model.StatusResolved || w[0].Classification != "BenignPositive" {
		t.Fatalf("incident writes = %+v; want one close as benign positive", w)
	}
	if n := reads.lists.Load(); n != 1 {
		t.Errorf("the incident's members were listed %d times; want once", n)
	}
}

// memberReads is a store whose transactions count how often they list an
// incident's members.
type memberReads struct {
	store.Scoped
	lists atomic.Int32
}

func (m *memberReads) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return m.Scoped.WithTx(ctx, func(tx store.Tx) error { return fn(&memberListCount{Tx: tx, n: &m.lists}) })
}

type memberListCount struct {
	store.Tx
	n *atomic.Int32
}

func (c *memberListCount) AlertList(ctx context.Context, p store.AlertListParams) ([]model.Alert, error) {
	if p.IncidentID != 0 {
		c.n.Add(1)
	}
	return c.Tx.AlertList(ctx, p)
}

// TestIncidentWriteFollowsItsAlertsWrite: a verdict of not a threat on an
// alert queues its dismissal at the alert's source and, by
// reconciliation, its incident's close at the incident's source. The
// incident's vendor acts on the alert when the incident closes (Sentinel
// resolves the Defender for Cloud alert), so the close waits, unsent and
// without using an attempt, until the dismissal is delivered; a dismissal
// held up past MemberWriteWait no longer holds it.
func TestIncidentWriteFollowsItsAlertsWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// late is how long after the verdict the close is first tried.
		late     time.Duration
		wantWait bool
	}{
		{"waits while the alert's write is on its way", 0, true},
		{"still waits just before the bound", engine.MemberWriteWait - time.Second, true},
		{"goes once the bound passed", engine.MemberWriteWait, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, siem := reconcileSetup(t)
			ctx := context.Background()
			dfcAlert(t, h, "A1", "Active", 0)
			siemIncident(t, h, "I1", "New", 0, "A1")
			if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: h.alert(t, "dfc", "A1").ID,
				Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
				t.Fatal(err)
			}
			h.clk.Add(tt.late)
			claimed, err := h.st.OutboxClaim(ctx, store.OutboxClaimParams{Owner: "t", Now: h.clk.Now(), Lease: time.Minute, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var dismiss, closing store.OutboxItem
			for _, it := range claimed {
				switch {
				case it.Integration == "dfc" && it.Action == engine.ActionSetState:
					dismiss = it
				case it.Integration == "siem" && it.Action == engine.ActionSetState:
					closing = it
				}
			}
			if dismiss.ID == 0 || closing.ID == 0 {
				t.Fatalf("claimed %+v; want the alert's dismissal and the incident's close", claimed)
			}
			_, err = h.eng.Deliver(ctx, closing)
			var wait *outbox.Wait
			if got := errors.As(err, &wait); got != tt.wantWait {
				t.Fatalf("the close with the dismissal leased: %v; want a wait: %v", err, tt.wantWait)
			}
			if !tt.wantWait {
				if len(siem.states) != 1 {
					t.Fatalf("incident writes sent = %+v; want the close", siem.states)
				}
				return
			}
			if len(siem.states) != 0 || !wait.Until.After(h.clk.Now()) || !strings.Contains(wait.Error(), "1 of its alerts") {
				t.Fatalf("a waiting close sent %+v, due %v: %v", siem.states, wait.Until, wait)
			}
			// The dismissal lands; the close may go.
			if _, err := h.eng.Deliver(ctx, dismiss); err != nil {
				t.Fatal(err)
			}
			if err := h.st.OutboxFinish(ctx, "t", []store.OutboxResult{{ID: dismiss.ID, State: store.OutboxDone, Now: h.clk.Now()}}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.eng.Deliver(ctx, closing); err != nil {
				t.Fatalf("the close after the dismissal landed: %v", err)
			}
			if len(h.vendor.states) != 1 || h.vendor.states[0].Status != model.StatusResolved ||
				len(siem.states) != 1 || siem.states[0].Classification != "BenignPositive" {
				t.Fatalf("alert writes %+v, incident writes %+v; want the dismissal, then the close as benign", h.vendor.states, siem.states)
			}
		})
	}
}
