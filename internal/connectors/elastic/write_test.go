package elastic

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

func changesFor(ids []string, st model.Status, v model.Verdict, published bool) []connector.StateChange {
	out := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		out[i] = connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: st, Verdict: v, Published: published,
			Reason: "verdict by alertsync", IdempotencyKey: fmt.Sprintf("k-%s", id)}
	}
	return out
}

func statusBodies(t *testing.T, e *env) []statusBody {
	t.Helper()
	var out []statusBody
	for _, r := range e.requests(http.MethodPost, "/"+statusRef) {
		var b statusBody
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatalf("status body %s: %v", r.Body, err)
		}
		out = append(out, b)
	}
	return out
}

// TestSetStatesChunks: N alerts take ceil(N/limit) signals/status calls,
// each after one signals/search, and a partial failure splits by item.
func TestSetStatesChunks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, limit int
		fail     []int
	}{
		{n: 7, limit: 3, fail: []int{1, 5}},
		{n: 6, limit: 3},
		{n: 1, limit: 1000},
		{n: 12, limit: 1000, fail: []int{11}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d by %d", tt.n, tt.limit), func(t *testing.T) {
			t.Parallel()
			e := setup(t, 0, nil)
			e.conn.batchMax = tt.limit
			ids := e.seed(tt.n)
			var refused []string
			for _, i := range tt.fail {
				refused = append(refused, ids[i])
			}
			e.emu.FailItems(refused)
			res, err := e.conn.SetStates(t.Context(), changesFor(ids, model.StatusResolved, model.VerdictNotAThreat, false))
			if err != nil || len(res) != tt.n {
				t.Fatalf("SetStates: %d results, %v", len(res), err)
			}
			want := (tt.n + tt.limit - 1) / tt.limit
			if got := len(statusBodies(t, e)); got != want {
				t.Errorf("%d status calls, want %d", got, want)
			}
			if got := len(e.requests(http.MethodPost, "/"+searchRef)); got != want {
				t.Errorf("%d searches, want %d", got, want)
			}
			for i, id := range ids {
				a, _ := e.emu.Alert(id)
				if slices.Contains(tt.fail, i) {
					if res[i].Err == nil || connector.ClassOf(res[i].Err) != connector.ClassRetryable || a.Status != "open" {
						t.Errorf("refused %d: err %v, status %s", i, res[i].Err, a.Status)
					}
					continue
				}
				if res[i].Err != nil || res[i].State.RemoteStatus != "closed" || res[i].State.Unchanged || a.Status != "closed" || a.Reason != "false_positive" {
					t.Errorf("item %d: %+v, alert %s/%s", i, res[i], a.Status, a.Reason)
				}
			}
			if e.det.Active() && e.det.Count("SetAlertsStatus") != want {
				t.Errorf("spec checked %d status calls", e.det.Count("SetAlertsStatus"))
			}
		})
	}
}

// TestReclose: closing a closed alert again is a no-op at Kibana, so the
// connector reports it Unchanged and sends nothing for it; a verdict
// whose reason differs from the close reason reopens and closes the
// alert; an alert Kibana does not have fails as not found.
func TestReclose(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.seed(4)
	ctx := t.Context()
	if err := e.emu.SetAlertStatus(ids[0], "closed", "false_positive"); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.SetAlertStatus(ids[1], "closed", "false_positive"); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.SetAlertStatus(ids[2], "closed", "duplicate"); err != nil {
		t.Fatal(err)
	}
	before, _ := e.emu.Alert(ids[0])
	e.emu.Recorder().Reset()

	res, err := e.conn.SetStates(ctx, changesFor(ids[:2], model.StatusResolved, model.VerdictNotAThreat, false))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if !res[i].State.Unchanged || res[i].State.RemoteStatus != "closed" || res[i].Err != nil {
			t.Errorf("re-close %d: %+v", i, res[i])
		}
	}
	if n := len(statusBodies(t, e)); n != 0 {
		t.Errorf("re-close sent %d status calls", n)
	}
	if after, _ := e.emu.Alert(ids[0]); after.StatusAt != before.StatusAt {
		t.Error("re-close changed the alert")
	}
	rs, err := e.conn.SetState(ctx, changesFor(ids[:1], model.StatusResolved, model.VerdictSuspicious, false)[0])
	if err != nil || !rs.Unchanged {
		t.Errorf("close without a reason on a closed alert: %+v %v", rs, err)
	}

	res, err = e.conn.SetStates(ctx, changesFor([]string{ids[2], ids[3], "no-such-alert"}, model.StatusResolved, model.VerdictThreat, true))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := e.emu.Alert(ids[2]); res[0].Err != nil || res[0].State.Unchanged || a.Status != "closed" || a.Reason != "true_positive" {
		t.Errorf("reason change: %+v, alert %s/%s", res[0], a.Status, a.Reason)
	}
	if a, _ := e.emu.Alert(ids[3]); res[1].Err != nil || a.Reason != "true_positive" {
		t.Errorf("open alert: %+v, reason %s", res[1], a.Reason)
	}
	if connector.ClassOf(res[2].Err) != connector.ClassNotFound {
		t.Errorf("missing alert: %+v", res[2])
	}
	bodies := statusBodies(t, e)
	want := []statusBody{
		{SignalIDs: []string{ids[2]}, Status: "open"},
		{SignalIDs: []string{ids[2], ids[3]}, Status: "closed", Reason: "true_positive"},
	}
	if len(bodies) != 2 || !slices.Equal(bodies[0].SignalIDs, want[0].SignalIDs) || bodies[0].Status != "open" || bodies[0].Reason != "" ||
		!slices.Equal(bodies[1].SignalIDs, want[1].SignalIDs) || bodies[1].Status != "closed" || bodies[1].Reason != "true_positive" {
		t.Errorf("status bodies %+v, want %+v", bodies, want)
	}
}

// TestReasonOnlyWithClosed: the connector never sends a reason with
// another status, and the emulator refuses one, as Kibana does.
func TestReasonOnlyWithClosed(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.seed(3)
	for _, st := range []model.Status{model.StatusInProgress, model.StatusNew, model.StatusInProgress} {
		if _, err := e.conn.SetStates(t.Context(), changesFor(ids, st, model.VerdictThreat, true)); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range statusBodies(t, e) {
		if b.Reason != "" {
			t.Errorf("status %s sent with reason %q", b.Status, b.Reason)
		}
	}
	err := e.conn.send(t.Context(), http.MethodPost, statusRef, statusBody{SignalIDs: ids, Status: "acknowledged", Reason: "true_positive"}, nil)
	if connector.ClassOf(err) != connector.ClassPermanent || !containsText(err, "reason") {
		t.Errorf("reason with acknowledged: %v", err)
	}
}
