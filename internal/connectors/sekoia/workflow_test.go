package sekoia

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// TestPlan: from each status (the service offering the documented
// actions) to each target, the shortest path of actions, or none.
func TestPlan(t *testing.T) {
	t.Parallel()
	names := func(as []action) string {
		var out []string
		for _, a := range as {
			out = append(out, a.name)
		}
		return strings.Join(out, ",")
	}
	want := map[string]map[string]string{ // from -> target -> path ("-" none)
		"Pending":      {"Pending": "-", "Acknowledged": "Acknowledge", "Ongoing": "Validate", "Rejected": "Reject", "Closed": "Validate,Close"},
		"Acknowledged": {"Pending": "-", "Acknowledged": "-", "Ongoing": "Validate", "Rejected": "Reject", "Closed": "Validate,Close"},
		"Ongoing":      {"Pending": "-", "Acknowledged": "-", "Ongoing": "-", "Rejected": "Reject", "Closed": "Close"},
		"Rejected":     {"Pending": "-", "Acknowledged": "-", "Ongoing": "-", "Rejected": "-", "Closed": "-"},
		"Closed":       {"Pending": "-", "Acknowledged": "-", "Ongoing": "-", "Rejected": "-", "Closed": "-"},
	}
	for _, from := range legacyStatuses {
		for _, to := range legacyStatuses {
			steps, ok := plan(graph[from.uuid], to)
			got := names(steps)
			if !ok {
				got = "-"
			}
			if got != want[from.name][to.name] {
				t.Errorf("%s -> %s: %q, want %q", from.name, to.name, got, want[from.name][to.name])
			}
		}
	}
}

// TestKnownActions reads the workflow answer of a Pending alert.
func TestKnownActions(t *testing.T) {
	t.Parallel()
	var wf workflowReply
	if err := json.Unmarshal(connectortest.Golden(t, "workflow_pending.json"), &wf); err != nil {
		t.Fatal(err)
	}
	got := known(append(wf.Actions, actionWire{ID: "0f0f0f0f-0000-4000-8000-000000000000", Name: "Escalate"}, actionWire{Name: "close"}))
	if len(got) != 4 || got[0] != actAcknowledge || got[1] != actValidate || got[2] != actReject || got[3] != actClose {
		t.Errorf("known actions %v", got)
	}
}

// TestWorkflowPaths writes every target from every status against the
// emulator: an alert already there is unchanged, a direct target takes
// one PATCH naming the status, a farther one is reached after the 409
// along the planned path (the reason on the last step only), and an
// unreachable one is a permanent error that leaves the alert alone.
func TestWorkflowPaths(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	for _, from := range legacyStatuses {
		for _, to := range legacyStatuses {
			t.Run(from.name+"_to_"+to.name, func(t *testing.T) {
				id := e.emu.SeedAlerts(1)[0]
				if err := e.emu.SetStatus(id, from.name); err != nil {
					t.Fatal(err)
				}
				n := len(e.emu.Requests())
				ch := connector.StateChange{VendorID: id, Status: model.StatusResolved, Classification: to.name,
					Reason: "checked by alertsync", IdempotencyKey: "wf-" + id}
				rs, err := e.conn.SetState(t.Context(), ch)
				patches := workflowPatches(e, n)
				steps, reachable := plan(graph[from.uuid], to)
				switch {
				case from == to:
					if err != nil || !rs.Unchanged || rs.RemoteStatus != to.name || len(patches) != 0 {
						t.Fatalf("same status: %+v %v, %d patches", rs, err, len(patches))
					}
				case !reachable:
					if connector.ClassOf(err) != connector.ClassPermanent || !strings.Contains(err.Error(), "no path of actions leads to "+to.name) {
						t.Fatalf("unreachable: %v", err)
					}
					if got := e.status(t, id); got != from.name {
						t.Errorf("unreachable target changed the alert to %s", got)
					}
				default:
					if err != nil || rs.RemoteStatus != to.name || e.status(t, id) != to.name {
						t.Fatalf("reachable: %+v %v, alert %s", rs, err, e.status(t, id))
					}
					checkPath(t, patches, to, steps)
				}
			})
		}
	}
}

// patch is one recorded PATCH .../workflow.
type patch struct {
	action  string
	comment *string
	status  int
}

func workflowPatches(e *env, from int) []patch {
	var out []patch
	for _, r := range e.emu.Requests()[from:] {
		if r.Method != http.MethodPatch || !strings.HasSuffix(r.Path, "/workflow") {
			continue
		}
		var b workflowBody
		_ = json.Unmarshal(r.Body, &b)
		out = append(out, patch{b.ActionUUID, b.Comment, r.Status})
	}
	return out
}

// checkPath expects the direct PATCH naming the target status, and when
// steps are more than one, its 409 and then each step's action.
func checkPath(t *testing.T, got []patch, to legacyStatus, steps []action) {
	t.Helper()
	if len(got) == 0 || got[0].action != to.uuid {
		t.Fatalf("first PATCH %+v, want the target status %s", got, to.uuid)
	}
	if len(steps) == 1 {
		if len(got) != 1 || got[0].status != http.StatusOK || got[0].comment == nil {
			t.Errorf("direct write: %+v", got)
		}
		return
	}
	if got[0].status != http.StatusConflict || len(got) != 1+len(steps) {
		t.Fatalf("path write: %+v, want a 409 then %d steps", got, len(steps))
	}
	for i, s := range steps {
		p := got[1+i]
		last := i == len(steps)-1
		if p.action != s.id || p.status != http.StatusOK || (p.comment != nil) != last {
			t.Errorf("step %d: %+v, want action %s (comment only on the last)", i, p, s.name)
		}
	}
	if c := got[len(got)-1].comment; c == nil || !strings.HasPrefix(*c, "checked by alertsync [alertsync:") {
		t.Errorf("last step's comment %v", c)
	}
}

// TestReopenIsRefused: a change back to new names Sekoia's workflow as
// the reason, so the dead letter explains itself.
func TestReopenIsRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	if err := e.emu.SetStatus(id, "Closed"); err != nil {
		t.Fatal(err)
	}
	_, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: model.StatusNew, IdempotencyKey: "reopen"})
	if connector.ClassOf(err) != connector.ClassPermanent || !strings.Contains(err.Error(), "no way back to Pending") ||
		!strings.Contains(err.Error(), "is Closed and its workflow offers no action (the status is final)") {
		t.Fatalf("reopen: %v", err)
	}
}

// TestWorkflowKeepsRefusing: when every action keeps answering 409, the
// write gives up after maxReplans as a conflict.
func TestWorkflowKeepsRefusing(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	e.emu.FailItems(id)
	n := len(e.emu.Requests())
	_, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: model.StatusResolved,
		Verdict: model.VerdictThreat, Published: true, IdempotencyKey: "k"})
	if connector.ClassOf(err) != connector.ClassConflict {
		t.Fatalf("err %v, want a conflict", err)
	}
	if p := workflowPatches(e, n); len(p) != 1+maxReplans {
		t.Errorf("%d PATCHes, want the direct one and one per replan (%d)", len(p), 1+maxReplans)
	}
	if got := e.status(t, id); got != "Pending" {
		t.Errorf("alert moved to %s", got)
	}
}

// TestMovedMeanwhile: when someone else closed the alert between the read
// and the write, the 409 is followed by a read that finds the target
// reached, and the write succeeds.
func TestMovedMeanwhile(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	if err := e.emu.SetStatus(id, "Ongoing"); err != nil {
		t.Fatal(err)
	}
	// The read sees Ongoing; an analyst closes it before alertsync's
	// Reject lands: Closed takes no action, so the direct write is a 409
	// and the target (Closed, a published threat) is there already.
	first := true
	e.resp.before = func(r *http.Request) {
		if first && r.Method == http.MethodPatch {
			first = false
			_ = e.emu.SetStatus(id, "Closed")
		}
	}
	defer func() { e.resp.before = nil }()
	rs, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: model.StatusResolved,
		Verdict: model.VerdictThreat, Published: true, IdempotencyKey: "k"})
	if err != nil || rs.RemoteStatus != "Closed" {
		t.Fatalf("%+v %v", rs, err)
	}
}
