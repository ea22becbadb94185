package elastic

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func statusBody(ids []string, status, reason string) string {
	b, _ := json.Marshal(ids)
	s := fmt.Sprintf(`{"signal_ids":%s,"status":%q`, b, status)
	if reason != "" {
		s += fmt.Sprintf(`,"reason":%q`, reason)
	}
	return s + "}"
}

func (h *harness) openIDs(t *testing.T, n int) []string {
	t.Helper()
	ids := h.emu.SeedAlerts(n)
	if len(ids) != n {
		t.Fatalf("seeded %d", len(ids))
	}
	return ids
}

// TestStatusValidation: the enum, reason only with closed, and only a
// predefined reason or one of the space's own.
func TestStatusValidation(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.openIDs(t, 1)
	tests := []struct {
		name, body string
		status     int
		msg        string
	}{
		{"unknown status", statusBody(ids, "resolved", ""), 400, "[request body]: status: Invalid enum value"},
		{"reason with acknowledged", statusBody(ids, "acknowledged", "false_positive"), 400, `reason: a reason can only be given when status is "closed"`},
		{"reason with open", statusBody(ids, "open", "duplicate"), 400, "reason"},
		{"unknown reason", statusBody(ids, "closed", "looked_fine"), 400, `Invalid close reason "looked_fine"`},
		{"empty ids", `{"signal_ids":[],"status":"closed"}`, 400, "signal_ids: Array must contain at least 1 element(s)"},
		{"neither ids nor query", `{"status":"closed"}`, 400, "Invalid input"},
		{"bad conflicts", `{"query":{"match_all":{}},"status":"open","conflicts":"skip"}`, 400, "conflicts: Invalid enum value"},
		{"no status", `{"signal_ids":["x"]}`, 400, "status: Required"},
		{"custom reason", statusBody(ids, "closed", "tuning_needed"), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.call(t, http.MethodPost, statusPath, tt.body, nil)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.msg != "" && !strings.Contains(r.json(t)["message"].(string), tt.msg) {
				t.Errorf("message %s, want %q", r.body, tt.msg)
			}
		})
	}
	if a, _ := h.emu.Alert(ids[0]); a.Status != "closed" || a.Reason != "tuning_needed" {
		t.Errorf("after the accepted write: %+v", a)
	}
}

// TestStatusWrites: a change stamps user and time (one time per request)
// and sets or removes the reason; a write of the status an alert already
// has changes nothing, reason included, though Elasticsearch still counts
// it updated.
func TestStatusWrites(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.openIDs(t, 3)
	h.clock.Advance(time.Minute)
	r := h.call(t, http.MethodPost, statusPath, statusBody(ids, "closed", "false_positive"), nil)
	var resp byQueryResponse
	if err := json.Unmarshal(r.body, &resp); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if resp.Total != 3 || resp.Updated != 3 || resp.Batches != 1 || resp.RequestsPerSecond != -1 || len(resp.Failures) != 0 {
		t.Errorf("answer %+v", resp)
	}
	a0, _ := h.emu.Alert(ids[0])
	a2, _ := h.emu.Alert(ids[2])
	if a0.Status != "closed" || a0.Reason != "false_positive" || a0.User != DefaultProfileUID || a0.StatusAt == "" || a0.StatusAt != a2.StatusAt {
		t.Errorf("closed alerts %+v / %+v", a0, a2)
	}
	h.clock.Advance(time.Minute)
	r = h.call(t, http.MethodPost, statusPath, statusBody(ids[:1], "closed", "true_positive"), nil)
	if r.status != 200 || r.json(t)["updated"] != float64(1) {
		t.Fatalf("re-close: %d %s", r.status, r.body)
	}
	if again, _ := h.emu.Alert(ids[0]); again.Reason != "false_positive" || again.StatusAt != a0.StatusAt {
		t.Errorf("re-closing with another reason changed the alert: %+v", again)
	}
	r = h.call(t, http.MethodPost, statusPath, statusBody(ids[:1], "open", ""), nil)
	if opened, _ := h.emu.Alert(ids[0]); r.status != 200 || opened.Status != "open" || opened.Reason != "" || opened.StatusAt == a0.StatusAt {
		t.Errorf("reopen: %d %+v", r.status, opened)
	}
	if opened, _ := h.emu.Alert(ids[0]); opened.Source[fieldReason] != nil {
		t.Error("reopen kept kibana.alert.workflow_reason")
	}
	r = h.call(t, http.MethodPost, statusPath, statusBody([]string{"missing"}, "closed", ""), nil)
	if r.status != 200 || r.json(t)["total"] != float64(0) {
		t.Errorf("unknown id: %d %s", r.status, r.body)
	}
}

// TestStatusFailItems: the alerts FailItems names fail as version
// conflicts, in update_by_query's failures; the rest are written.
func TestStatusFailItems(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.openIDs(t, 4)
	h.emu.FailItems(ids[1:3])
	r := h.call(t, http.MethodPost, statusPath, statusBody(ids, "acknowledged", ""), nil)
	var resp byQueryResponse
	if err := json.Unmarshal(r.body, &resp); err != nil || r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if resp.Updated != 2 || resp.VersionConflicts != 2 || len(resp.Failures) != 2 {
		t.Fatalf("answer %+v", resp)
	}
	f := resp.Failures[0]
	if f.ID != ids[1] || f.Status != 409 || f.Cause.Type != "version_conflict_engine_exception" || f.Index != indexName(DefaultSpace) ||
		!strings.HasPrefix(f.Cause.Reason, "["+ids[1]+"]: version conflict") {
		t.Errorf("failure %+v", f)
	}
	for i, id := range ids {
		a, _ := h.emu.Alert(id)
		if want := map[bool]string{true: "open", false: "acknowledged"}[i == 1 || i == 2]; a.Status != want {
			t.Errorf("alert %d: %s, want %s", i, a.Status, want)
		}
	}
	h.emu.FailItems(nil)
	r = h.call(t, http.MethodPost, statusPath, `{"query":{"terms":{"_id":["`+ids[1]+`"]}},"status":"acknowledged","conflicts":"proceed"}`, nil)
	if r.status != 200 || r.json(t)["updated"] != float64(1) {
		t.Errorf("by query: %d %s", r.status, r.body)
	}
}

// TestStatusAbortsAfterFailedBatch: update_by_query works in batches of
// 1,000 and stops after a batch with failures.
func TestStatusAbortsAfterFailedBatch(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.openIDs(t, scrollSize+5)
	h.emu.FailItems(ids[:1])
	r := h.call(t, http.MethodPost, statusPath, statusBody(ids, "acknowledged", ""), nil)
	var resp byQueryResponse
	if err := json.Unmarshal(r.body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Total != scrollSize+5 || resp.Batches != 1 || resp.Updated != scrollSize-1 || len(resp.Failures) != 1 {
		t.Errorf("answer total %d batches %d updated %d failures %d", resp.Total, resp.Batches, resp.Updated, len(resp.Failures))
	}
	if a, _ := h.emu.Alert(ids[scrollSize+2]); a.Status != "open" {
		t.Errorf("alert of the second batch written after the abort: %s", a.Status)
	}
}

func TestTags(t *testing.T) {
	t.Parallel()
	h := setup(t, 0)
	ids := h.openIDs(t, 2)
	body := func(add, remove string) string {
		return fmt.Sprintf(`{"ids":["%s","%s"],"tags":{"tags_to_add":[%s],"tags_to_remove":[%s]}}`, ids[0], ids[1], add, remove)
	}
	r := h.call(t, http.MethodPost, tagsPath, body(`"Duplicate","Escalated"`, ``), nil)
	if a, _ := h.emu.Alert(ids[1]); r.status != 200 || strings.Join(a.Tags, ",") != "Duplicate,Escalated" {
		t.Fatalf("add: %d %s %v", r.status, r.body, a.Tags)
	}
	r = h.call(t, http.MethodPost, tagsPath, body(`"Triage"`, `"Triage"`), nil)
	if r.status != 400 || string(r.body) != `{"message":["Duplicate tags [\"Triage\"] were found in the tags_to_add and tags_to_remove parameters."],"status_code":400}`+"\n" {
		t.Errorf("duplicate: %d %s", r.status, r.body)
	}
	h.call(t, http.MethodPost, tagsPath, body(``, `"Duplicate"`), nil)
	if a, _ := h.emu.Alert(ids[0]); strings.Join(a.Tags, ",") != "Escalated" {
		t.Errorf("remove: %v", a.Tags)
	}
}
