package sekoia

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestWorkflowGraph: GET .../workflow lists what each status allows, and
// PATCH takes exactly those actions (by id or target status) and refuses
// the rest with 409 and the swagger's words.
func TestWorkflowGraph(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	allowed := map[string][]string{
		"Pending": {"Acknowledge", "Validate", "Reject"}, "Acknowledged": {"Validate", "Reject"},
		"Ongoing": {"Close", "Reject"}, "Rejected": nil, "Closed": nil,
	}
	for _, from := range Statuses {
		for _, act := range []Action{Acknowledge, Validate, Reject, Close} {
			for _, byStatus := range []bool{false, true} {
				id := h.emu.SeedAlerts(1)[0]
				if err := h.emu.SetStatus(id, from.Name); err != nil {
					t.Fatal(err)
				}
				var wf workflowReply
				h.call(t, http.MethodGet, "/v1/sic/alerts/"+id+"/workflow", "", nil).json(t, &wf)
				var names []string
				for _, a := range wf.Actions {
					names = append(names, a.Name)
				}
				if !slices.Equal(names, allowed[from.Name]) {
					t.Errorf("%s allows %v", from.Name, names)
				}
				ref := act.ID
				if byStatus {
					ref = act.To
				}
				r := h.call(t, http.MethodPatch, "/v1/sic/alerts/"+id+"/workflow", `{"action_uuid":"`+ref+`","comment":null}`, nil)
				ok := slices.Contains(allowed[from.Name], act.Name)
				to, _ := statusByUUID(act.To)
				switch {
				case ok && (r.status != http.StatusOK || h.emu.StatusName(id) != to.Name):
					t.Errorf("%s --%s--> %d, now %s", from.Name, act.Name, r.status, h.emu.StatusName(id))
				case !ok && (r.status != http.StatusConflict || r.message(t) != invalidAction || h.emu.StatusName(id) != from.Name):
					t.Errorf("%s --%s--> %d %s", from.Name, act.Name, r.status, r.body)
				}
			}
		}
	}
}

// TestWorkflowWrites: a PATCH stamps updated_at and the history with its
// comment; a missing action is a 400, an unknown alert a 404; FailItems
// refuses an alert with 409.
func TestWorkflowWrites(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	id := h.emu.SeedAlerts(1)[0]
	h.clock.Advance(90 * time.Second)
	r := h.call(t, http.MethodPatch, "/v1/sic/alerts/"+id+"/workflow", `{"action_uuid":"`+Validate.ID+`","comment":"why"}`, nil)
	var wf workflowReply
	r.json(t, &wf)
	a, _ := h.emu.Alert(id)
	last := a.History[len(a.History)-1]
	if len(wf.Actions) != 2 || a.UpdatedAt != h.clock.Now().Unix() || last.Comment == nil || last.Comment.Content != "why" ||
		last.Alert.PreviousStatus != Pending.UUID || a.UpdatedByType != "apikey" {
		t.Errorf("after Validate: %+v %+v", wf, a)
	}
	if r := h.call(t, http.MethodPatch, "/v1/sic/alerts/"+id+"/workflow", `{"comment":"x"}`, nil); r.status != http.StatusBadRequest {
		t.Errorf("no action: %d", r.status)
	}
	if r := h.call(t, http.MethodPatch, "/v1/sic/alerts/nope/workflow", `{"action_uuid":"x"}`, nil); r.status != http.StatusNotFound {
		t.Errorf("unknown alert: %d", r.status)
	}
	h.emu.FailItems(id)
	if r := h.call(t, http.MethodPatch, "/v1/sic/alerts/"+id+"/workflow", `{"action_uuid":"`+Close.ID+`"}`, nil); r.status != http.StatusConflict {
		t.Errorf("failing item: %d", r.status)
	}
}

// TestBulkWorkflow: the action goes to every named alert that can take
// it (by uuid or short id) with 204 and nothing per alert; 409 only when
// none could; match[uuid] is required.
func TestBulkWorkflow(t *testing.T) {
	t.Parallel()
	h := setup(t, Options{})
	ids := h.emu.SeedAlerts(3)
	if err := h.emu.SetStatus(ids[2], "Closed"); err != nil {
		t.Fatal(err)
	}
	b, _ := h.emu.Alert(ids[1])
	r := h.call(t, http.MethodPatch, "/v1/sic/alerts/bulk/workflow?match[uuid]="+ids[0]+","+b.ShortID+","+ids[2]+",unknown",
		`{"action_uuid":"`+Reject.ID+`","comment":null}`, nil)
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	if h.emu.StatusName(ids[0]) != "Rejected" || h.emu.StatusName(ids[1]) != "Rejected" || h.emu.StatusName(ids[2]) != "Closed" {
		t.Errorf("after bulk: %s %s %s", h.emu.StatusName(ids[0]), h.emu.StatusName(ids[1]), h.emu.StatusName(ids[2]))
	}
	if r := h.call(t, http.MethodPatch, "/v1/sic/alerts/bulk/workflow?match[uuid]="+ids[2], `{"action_uuid":"`+Reject.ID+`"}`, nil); r.status != http.StatusConflict {
		t.Errorf("none could: %d", r.status)
	}
	if r := h.call(t, http.MethodPatch, "/v1/sic/alerts/bulk/workflow", `{"action_uuid":"`+Reject.ID+`"}`, nil); r.status != http.StatusBadRequest {
		t.Errorf("no match[uuid]: %d", r.status)
	}
}
