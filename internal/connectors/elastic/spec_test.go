package elastic

import (
	"net/http"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/vendorspec"
)

// TestRequestsMatchSpec drives every request the connector makes (polls
// on both streams, the read before a write, status writes with and
// without a reason, a reopen, notes) through the spec checkers, and
// expects each operation checked when the specs are there.
func TestRequestsMatchSpec(t *testing.T) {
	e := setup(t, 12, nil)
	ctx := t.Context()
	_, cursor := drain(t, e.conn, "")
	ids := e.seed(4)
	steps := []struct {
		ids     []string
		st      model.Status
		verdict model.Verdict
		pub     bool
	}{
		{ids[:2], model.StatusResolved, model.VerdictNotAThreat, false},
		{ids[2:3], model.StatusInProgress, model.VerdictSuspicious, false},
		{ids[3:], model.StatusResolved, model.VerdictSuspicious, false},
		{ids[:1], model.StatusResolved, model.VerdictThreat, true}, // reopen, close again
		{ids[1:2], model.StatusNew, model.VerdictNone, false},
	}
	for _, s := range steps {
		res, err := e.conn.SetStates(ctx, changesFor(s.ids, s.st, s.verdict, s.pub))
		if err != nil || res[0].Err != nil {
			t.Fatalf("SetStates %+v: %v %+v", s, err, res)
		}
	}
	if err := e.conn.AddComment(ctx, connector.CommentAction{VendorID: ids[0], Body: "threat published", IdempotencyKey: "c1"}); err != nil {
		t.Fatal(err)
	}
	drain(t, e.conn, cursor)
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.emu.Recorder().Requests() {
		if r.Status != http.StatusOK {
			t.Errorf("%s %s answered %d: %s", r.Method, r.Path, r.Status, r.Body)
		}
	}
	if !e.det.Active() {
		return
	}
	for op, min := range map[string]int{"SearchAlerts": 10, "SetAlertsStatus": 5} {
		if n := e.det.Count(op); n < min {
			t.Errorf("%d %s requests checked, want at least %d", n, op, min)
		}
	}
	if e.note.Active() && e.note.Count("PersistNoteRoute") != 1 {
		t.Errorf("%d note writes checked", e.note.Count("PersistNoteRoute"))
	}
}

// TestSpecCatchesBadBodies proves the request checks are live: a search
// size below zero, a status write without ids, and a note without
// timelineId fail.
func TestSpecCatchesBadBodies(t *testing.T) {
	det := withoutStatusDiscriminator(t, vendorspec.LoadOrSkip(t, detectionsSpec))
	notes := vendorspec.LoadOrSkip(t, noteSpec)
	for _, c := range []struct {
		spec         *vendorspec.Spec
		method, path string
		body         string
	}{
		{det, http.MethodPost, "/" + searchRef, `{"size":-1}`},
		{det, http.MethodPost, "/" + statusRef, `{"signal_ids":[],"status":"closed"}`},
		{det, http.MethodPost, "/" + statusRef, `{"signal_ids":["a"],"status":"closed","reason":""}`},
		{notes, http.MethodPatch, "/" + noteRef, `{"note":{"eventId":"a","note":"x"}}`},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), c.method, "http://kibana:5601"+c.path, nil)
		req.Header.Set("Content-Type", "application/json")
		if _, err := c.spec.OperationID(req); err != nil {
			t.Fatal(err)
		}
		if err := c.spec.ValidateRequest(req, []byte(c.body)); err == nil {
			t.Errorf("%s %s passed validation", c.path, c.body)
		}
	}
}
