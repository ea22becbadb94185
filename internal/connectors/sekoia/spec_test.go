package sekoia

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/vendorspec"
)

// TestRequestsMatchSpec drives every request the connector makes to the
// alert API (polls, reads before writes, a direct write and a path after
// a 409, a bulk write and its read back, comments and their read back,
// the health check) through the spec checker, which also checks every
// answer, and expects each operation checked when the spec is there.
func TestRequestsMatchSpec(t *testing.T) {
	e := setup(t, 12, nil)
	ctx := t.Context()
	p := drain(t, e.conn, "")
	ids := e.emu.SeedAlerts(4)
	if _, err := e.conn.SetState(ctx, connector.StateChange{VendorID: ids[0], Status: model.StatusResolved,
		Verdict: model.VerdictThreat, Published: true, Reason: "published", IdempotencyKey: "a"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.conn.SetStates(ctx, changes(ids[1:], model.StatusInProgress, model.VerdictSuspicious))
	if err != nil || res[0].Err != nil {
		t.Fatalf("%+v %v", res, err)
	}
	comment := connector.CommentAction{VendorID: ids[0], Body: "threat published", IdempotencyKey: "c1"}
	if err := e.conn.AddComment(ctx, comment); err != nil {
		t.Fatal(err)
	}
	if applied, err := e.conn.CommentApplied(ctx, comment); err != nil || !applied {
		t.Fatalf("CommentApplied = %v, %v", applied, err)
	}
	drain(t, e.conn, p.cursor)
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.emu.Requests() {
		if r.Status >= 400 && r.Status != http.StatusConflict {
			t.Errorf("%s %s answered %d: %s", r.Method, r.Path, r.Status, r.Body)
		}
	}
	if !e.spec.Active() {
		return
	}
	for op, min := range map[string]int{
		"get_alerts_resource": 4, "get_alert_resource": 2, "get_alert_workflow_resource": 1, "patch_alert_workflow_resource": 3,
		"patch_alert_workflow_bulk_resource": 1, "get_alert_comments_resource": 1, "post_alert_comments_resource": 1,
	} {
		if n := e.spec.Count(op); n < min {
			t.Errorf("%d %s requests checked, want at least %d", n, op, min)
		}
	}
	if e.resp.count() < e.spec.Total() {
		t.Errorf("%d answers checked for %d requests", e.resp.count(), e.spec.Total())
	}
}

// TestSpecCatchesBadRequests proves the request checks are live: a page
// over 100, an author over 32 characters and a workflow body without
// action_uuid fail.
func TestSpecCatchesBadRequests(t *testing.T) {
	s := relaxed(t, vendorspec.LoadOrSkip(t, specFile))
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/v1/sic/alerts?limit=101", ""},
		{http.MethodGet, "/v1/sic/alerts?sort=severity", ""},
		{http.MethodPost, "/v1/sic/alerts/af0a370f-2e44-433c-99b2-2d0e4b348d0c/comments", `{"content":"x","author":"` + strings.Repeat("a", 33) + `"}`},
		{http.MethodPatch, "/v1/sic/alerts/af0a370f-2e44-433c-99b2-2d0e4b348d0c/workflow", `{"comment":"x"}`},
		{http.MethodPatch, "/v1/sic/alerts/bulk/workflow", `{"action_uuid":"x"}`},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), c.method, "https://api.sekoia.io"+c.path, nil)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if _, err := s.OperationID(req); err != nil {
			t.Fatal(err)
		}
		if err := s.ValidateRequest(req, []byte(c.body)); err == nil {
			t.Errorf("%s %s %s passed validation", c.method, c.path, c.body)
		}
	}
	ok, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.sekoia.io/v1/sic/alerts?sort=updated_at&direction=asc", nil)
	if err := s.ValidateRequest(ok, nil); err != nil {
		t.Errorf("a sorted list fails: %v", err)
	}
}
