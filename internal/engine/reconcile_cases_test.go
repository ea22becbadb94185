package engine_test

import (
	"context"
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// The regressions of issue 10, each on both stores.

// An analyst relates an alert to a second incident: the alert belongs to
// both, and both are reconciled when it changes.
func TestReconcileAlertInTwoIncidents(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h, _ := reconcileSetupOn(t, st)
		dfcAlert(t, h, "A1", "Active", 0)
		siemIncident(t, h, "I1", "New", 0, "A1")
		siemIncident(t, h, "I2", "New", 0, "A1")
		a := h.alert(t, "dfc", "A1")
		for _, id := range []string{"I1", "I2"} {
			if in := mustIncident(t, h, id); !slices.Equal(in.AlertIDs, []int64{a.ID}) {
				t.Fatalf("incident %s alert ids = %v, want [%d]", id, in.AlertIDs, a.ID)
			}
		}
		ms, err := st.MembershipList(context.Background(), store.MembershipListParams{AlertID: a.ID})
		if err != nil || len(ms) != 2 || ms[0].Source != "siem" {
			t.Fatalf("memberships = %+v, %v", ms, err)
		}
		dfcAlert(t, h, "A1", "Dismissed", 1)
		w := stateWrites(t, h, "siem")
		if len(w) != 2 || w[0].Classification != "BenignPositive" || w[1].Classification != "BenignPositive" {
			t.Fatalf("incident writes = %+v, want both incidents closed as benign", w)
		}
		// The relation is deleted at the source: one membership ends.
		siemIncident(t, h, "I2", "Closed", 2)
		if in := mustIncident(t, h, "I2"); len(in.AlertIDs) != 0 {
			t.Fatalf("incident I2 still lists %v after its relation was deleted", in.AlertIDs)
		}
		if a := h.alert(t, "dfc", "A1"); a.IncidentID != mustIncident(t, h, "I1").ID {
			t.Fatalf("alert's incident = %d, want I1 still", a.IncidentID)
		}
	})
}

// An analyst reopens an incident alertsync closed: alertsync does not
// close it again until the alert changes again; the same for an owner who
// reactivates an alert alertsync resolved.
func TestReconcilePeopleWin(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h, _ := reconcileSetupOn(t, st)
		dfcAlert(t, h, "A1", "Active", 0)
		siemIncident(t, h, "I1", "New", 0, "A1")
		dfcAlert(t, h, "A1", "Resolved", 1)
		h.deliverAll(t)
		siemIncident(t, h, "I1", "Closed", 1, "A1") // our write, echoed
		siemIncident(t, h, "I1", "Active", 2, "A1") // the analyst reopens it
		dfcAlert(t, h, "A1", "Resolved", 1)         // polled again, unchanged
		siemIncident(t, h, "I1", "Active", 2, "A1") // polled again, unchanged
		if w := stateWrites(t, h, "siem"); len(w) != 0 {
			t.Fatalf("alertsync overrode the analyst's reopen: %+v", w)
		}
		if in := mustIncident(t, h, "I1"); in.Status != model.StatusInProgress {
			t.Fatalf("incident = %s, want the analyst's active", in.Status)
		}
		dfcAlert(t, h, "A1", "Active", 3)   // the owner reopens the alert
		dfcAlert(t, h, "A1", "Resolved", 4) // and resolves it again: a change
		if w := stateWrites(t, h, "siem"); len(w) != 1 || w[0].Status != model.StatusResolved {
			t.Fatalf("after the alert changed again: writes = %+v, want one close", w)
		}

		// The other way: the incident closes, alertsync resolves the
		// alert; the owner reactivates it; nothing resolves it again.
		dfcAlert(t, h, "A2", "Active", 0)
		siemIncident(t, h, "I2", "New", 0, "A2")
		siemIncident(t, h, "I2", "Closed", 1, "A2")
		h.clk.Add(engine.DefaultMirrorGrace)
		h.deliverAll(t)
		dfcAlert(t, h, "A2", "Resolved", 1) // echo of our write
		dfcAlert(t, h, "A2", "Active", 2)   // the owner reactivates it
		siemIncident(t, h, "I2", "Closed", 1, "A2")
		if w := stateWrites(t, h, "dfc"); len(w) != 0 {
			t.Fatalf("alertsync overrode the owner's reactivation: %+v", w)
		}
	})
}

// A verdict given in alertsync on a member alert reconciles its incident
// with the classification the alert's final state implies: not a threat
// dismisses the alert, so the incident closes as benign positive.
func TestReconcileOwnVerdictReachesTheIncident(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h, _ := reconcileSetupOn(t, st)
		dfcAlert(t, h, "A1", "Active", 0)
		siemIncident(t, h, "I1", "New", 0, "A1")
		if _, err := h.eng.SetAlertVerdict(context.Background(), engine.VerdictParams{ID: h.alert(t, "dfc", "A1").ID,
			Verdict: model.VerdictNotAThreat, Reason: "admin script", Actor: analyst("kim")}); err != nil {
			t.Fatal(err)
		}
		w := stateWrites(t, h, "siem")
		if len(w) != 1 || w[0].Status != model.StatusResolved || w[0].Classification != "BenignPositive" || w[0].ClassificationReason != "SuspiciousButExpected" {
			t.Fatalf("incident writes = %+v, want closed as BenignPositive/SuspiciousButExpected", w)
		}
		// The next edit of the incident does not re-close it differently.
		siemIncident(t, h, "I1", "New", 1, "A1")
		if w := stateWrites(t, h, "siem"); len(w) != 1 || w[0].Classification != "BenignPositive" {
			t.Fatalf("after an incident edit: %+v", w)
		}
	})
}

// The incident closed at its source: the alert write waits for the
// vendor's own mirror, and an alert that already closed is not written.
func TestReconcileIncidentCloseWaitsForTheVendorsMirror(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		h, _ := reconcileSetupOn(t, st)
		dfcAlert(t, h, "A1", "Active", 0)
		siemIncident(t, h, "I1", "New", 0, "A1")
		siemIncident(t, h, "I1", "Closed", 1, "A1")
		if n := h.deliverAll(t); n != 0 {
			t.Fatalf("%d writes went out before the vendor's mirror had its time", n)
		}
		h.clk.Add(engine.DefaultMirrorGrace)
		if n := h.deliverAll(t); n != 1 || h.vendor.states[0].Status != model.StatusResolved {
			t.Fatalf("after the grace: %d writes %+v", n, h.vendor.states)
		}
		// Already closed at its source before the incident closed: no write.
		dfcAlert(t, h, "A2", "Active", 0)
		siemIncident(t, h, "I2", "New", 0, "A2")
		dfcAlert(t, h, "A2", "Resolved", 1)
		h.deliverAll(t)
		siemIncident(t, h, "I2", "Closed", 1, "A2")
		if w := stateWrites(t, h, "dfc"); len(w) != 0 {
			t.Fatalf("wrote an alert that was already resolved: %+v", w)
		}
		// The owner dismisses the alert while alertsync's resolve waits:
		// the owner's decision stands.
		dfcAlert(t, h, "A3", "Active", 0)
		siemIncident(t, h, "I3", "New", 0, "A3")
		siemIncident(t, h, "I3", "Closed", 1, "A3")
		dfcAlert(t, h, "A3", "Dismissed", 1)
		h.clk.Add(engine.DefaultMirrorGrace)
		before := len(h.vendor.states)
		h.deliverAll(t)
		if len(h.vendor.states) != before {
			t.Fatalf("alertsync undid the owner's dismissal: %+v", h.vendor.states[before:])
		}
	})
}

// One Defender for Cloud alert also listed by Graph is one alert: the two
// records link whichever arrives first, a verdict on either reaches both
// channels as state, and only one comments.
func TestTwinAlertsShareAVerdict(t *testing.T) {
	t.Parallel()
	onBothStores(t, func(t *testing.T, st *storetest.Both) {
		pol := engine.DefaultPolicy()
		pol.CommentSync = true
		h := setupOn(t, st, pol)
		graph := &fakeVendor{}
		h.eng.AddIntegration(engine.Integration{ID: "dfc", Kind: "defendercloud", Policy: pol, Connector: h.vendor})
		h.eng.AddIntegration(engine.Integration{ID: "graph", Kind: "graph", Policy: pol, Connector: graph})
		ctx := context.Background()
		viaGraph := func(id, provider string) connector.Item {
			it := vendorAlert(id, "New")
			it.Alert.SameAs = "defendercloud:" + provider
			return it
		}
		viaDfC := func(id string) connector.Item {
			it := vendorAlert(id, "New")
			it.Alert.SameAs = "defendercloud:" + id
			return it
		}
		// Graph first, then DfC; and DfC first, then Graph.
		if _, err := h.eng.Ingest(ctx, "graph", []connector.Item{viaGraph("g1", "A1")}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.Ingest(ctx, "dfc", []connector.Item{viaDfC("A1"), viaDfC("A2")}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.eng.Ingest(ctx, "graph", []connector.Item{viaGraph("g2", "A2")}); err != nil {
			t.Fatal(err)
		}
		for _, pair := range [][2]string{{"g1", "A1"}, {"g2", "A2"}} {
			g, d := h.alert(t, "graph", pair[0]), h.alert(t, "dfc", pair[1])
			if g.TwinID != d.ID || d.TwinID != g.ID {
				t.Fatalf("%s and %s not linked: %d, %d", pair[0], pair[1], g.TwinID, d.TwinID)
			}
		}
		if _, err := h.eng.SetAlertVerdict(ctx, engine.VerdictParams{ID: h.alert(t, "graph", "g1").ID,
			Verdict: model.VerdictNotAThreat, Actor: analyst("kim")}); err != nil {
			t.Fatal(err)
		}
		h.deliverAll(t)
		if d := h.alert(t, "dfc", "A1"); d.Verdict != model.VerdictNotAThreat {
			t.Fatalf("DfC record verdict = %q", d.Verdict)
		}
		if len(graph.states) != 1 || len(h.vendor.states) != 1 || len(graph.comments) != 1 || len(h.vendor.comments) != 0 {
			t.Fatalf("graph states %d comments %d, dfc states %d comments %d; want one state write per channel and one comment",
				len(graph.states), len(graph.comments), len(h.vendor.states), len(h.vendor.comments))
		}
	})
}
