package sekoia

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	sekoiaemu "github.com/alertsync/alertsync/internal/emulators/sekoia"
	"github.com/alertsync/alertsync/internal/model"
)

// TestCommunityIsolation: alerts of another community are never
// ingested, and no write (state, bulk, comment) reaches them.
func TestCommunityIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t, 30, nil) // a third of the seeded alerts are the other community's
	ours := e.emu.SeedAlerts(3)
	theirs := e.emu.SeedAlertsIn(sekoiaemu.OtherCommunity, 3)
	ctx := t.Context()
	for _, it := range drain(t, e.conn, "").items {
		a, _ := e.emu.Alert(it.VendorID)
		if a.CommunityUUID != sekoiaemu.DefaultCommunity {
			t.Errorf("ingested %s of community %s", it.VendorID, a.CommunityUUID)
		}
	}
	for _, r := range e.emu.Recorder().Filter(http.MethodGet, "/v1/sic/alerts") {
		if r.Path == "/v1/sic/alerts" && r.Query.Get("match[community_uuid]") != sekoiaemu.DefaultCommunity {
			t.Errorf("list without the community filter: %v", r.Query)
		}
	}
	n := len(e.emu.Requests())
	_, err := e.conn.SetState(ctx, connector.StateChange{VendorID: theirs[0], Status: model.StatusResolved,
		Verdict: model.VerdictNotAThreat, IdempotencyKey: "k"})
	if connector.ClassOf(err) != connector.ClassNotFound {
		t.Errorf("SetState on another community's alert: %v, want not found", err)
	}
	err = e.conn.AddComment(ctx, connector.CommentAction{VendorID: theirs[0], Body: "x", IdempotencyKey: "k"})
	if connector.ClassOf(err) != connector.ClassNotFound {
		t.Errorf("AddComment on another community's alert: %v, want not found", err)
	}
	res, err := e.conn.SetStates(ctx, changes(append(ours, theirs[1:]...), model.StatusResolved, model.VerdictNotAThreat))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if mine := i < len(ours); mine != (r.Err == nil) {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	for _, r := range e.emu.Requests()[n:] {
		if r.Method == http.MethodGet {
			continue
		}
		for _, id := range theirs {
			if strings.Contains(r.Path+r.Query.Encode()+string(r.Body), id) {
				t.Errorf("%s %s wrote to %s of the other community", r.Method, r.Path, id)
			}
		}
	}
	for _, id := range theirs {
		if got := e.status(t, id); got != "Pending" || len(e.comments(id)) != 0 {
			t.Errorf("other community's %s changed: %s, %v", id, got, e.comments(id))
		}
	}
}

// TestAdmitDropsOtherCommunity: an alert of another community that the
// list returns anyway (a filter the service ignored) is not delivered.
func TestAdmitDropsOtherCommunity(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	cur, _ := parseCursor("")
	raw, _ := json.Marshal(map[string]any{"uuid": "af0a370f-2e44-433c-99b2-2d0e4b348d0c", "updated_at": 1, "community_uuid": sekoiaemu.OtherCommunity})
	if _, ok := e.conn.admit(t.Context(), &cur, raw); ok || len(cur.Seen) != 0 {
		t.Error("another community's alert was admitted")
	}
}

// changes builds one change per id.
func changes(ids []string, st model.Status, v model.Verdict) []connector.StateChange {
	out := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		out[i] = connector.StateChange{VendorID: id, Status: st, Verdict: v, Reason: "alertsync test", IdempotencyKey: "c-" + id}
	}
	return out
}

// pass is every item of a full poll and the cursor it ended at.
type pass struct {
	items  []connector.Item
	cursor string
	calls  int
}

func drain(t *testing.T, c *Connector, cursor string) pass {
	t.Helper()
	p := pass{cursor: cursor}
	for p.calls < 100 {
		page, err := c.FetchAlerts(t.Context(), p.cursor)
		if err != nil {
			t.Fatal(err)
		}
		p.calls++
		p.items, p.cursor = append(p.items, page.Items...), page.Cursor
		if !page.More {
			return p
		}
	}
	t.Fatal("FetchAlerts never ended")
	return p
}
