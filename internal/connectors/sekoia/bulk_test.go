package sekoia

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/model"
)

// bulkCalls are the recorded bulk PATCHes after request n.
func bulkCalls(e *env, n int) []emukit.Request {
	var out []emukit.Request
	for _, r := range e.emu.Requests()[n:] {
		if r.Method == http.MethodPatch && r.Path == "/v1/sic/alerts/bulk/workflow" {
			out = append(out, r)
		}
	}
	return out
}

// TestBulkWhenSafe: alerts whose status goes straight to the target take
// one bulk action per status; the others, those already there and those
// that need a path, are settled alone.
func TestBulkWhenSafe(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(7)
	for i, st := range []string{"Ongoing", "Ongoing", "Ongoing", "Closed"} {
		if err := e.emu.SetStatus(ids[i], st); err != nil {
			t.Fatal(err)
		}
	}
	// ids 0-2 Ongoing (Close: bulk), 3 Closed (unchanged), 4-6 Pending
	// (Validate then Close: alone).
	n := len(e.emu.Requests())
	res, err := e.conn.SetStates(t.Context(), changes(ids, model.StatusResolved, model.VerdictThreat))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.State.RemoteStatus != "Closed" || e.status(t, ids[i]) != "Closed" || r.State.Unchanged != (i == 3) {
			t.Errorf("result %d: %+v (alert %s)", i, r, e.status(t, ids[i]))
		}
	}
	calls := bulkCalls(e, n)
	if len(calls) != 1 {
		t.Fatalf("%d bulk calls, want 1", len(calls))
	}
	var body workflowBody
	_ = json.Unmarshal(calls[0].Body, &body)
	got := strings.Split(calls[0].Query.Get("match[uuid]"), ",")
	if !slices.Equal(got, ids[:3]) || body.ActionUUID != actClose.id || calls[0].Status != http.StatusNoContent {
		t.Errorf("bulk call %v %+v -> %d", got, body, calls[0].Status)
	}
	if body.Comment == nil || !strings.Contains(*body.Comment, "[alertsync:") {
		t.Errorf("bulk comment %v", body.Comment)
	}
}

// TestBulkChecksAfter: the bulk answer says nothing per alert, so an
// alert it skipped is found by the read after and written alone; when
// the bulk refuses the whole group every alert is written alone.
func TestBulkChecksAfter(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(3)
	e.emu.FailItems(ids[1])
	res, err := e.conn.SetStates(t.Context(), changes(ids, model.StatusInProgress, model.VerdictSuspicious))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[2].Err != nil || res[1].Err == nil {
		t.Fatalf("results %+v", res)
	}
	if e.status(t, ids[0]) != "Acknowledged" || e.status(t, ids[1]) != "Pending" {
		t.Errorf("statuses %s %s", e.status(t, ids[0]), e.status(t, ids[1]))
	}

	ids = e.emu.SeedAlerts(2)
	e.emu.FailItems(ids...)
	n := len(e.emu.Requests())
	res, err = e.conn.SetStates(t.Context(), changes(ids, model.StatusInProgress, model.VerdictSuspicious))
	if err != nil || res[0].Err == nil || res[1].Err == nil {
		t.Fatalf("refused group: %+v %v", res, err)
	}
	if calls := bulkCalls(e, n); len(calls) != 1 || calls[0].Status != http.StatusConflict {
		t.Errorf("bulk calls %+v", calls)
	}
	e.emu.FailItems()
	res, err = e.conn.SetStates(t.Context(), changes(ids, model.StatusInProgress, model.VerdictSuspicious))
	if err != nil || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("after the refusal: %+v %v", res, err)
	}
}
