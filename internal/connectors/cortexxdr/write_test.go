package cortexxdr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

const pathUpdateAlertsRec = "/" + pathUpdateAlerts

// updateBodies returns the request_data of every update_alerts call.
func (e *env) updateBodies(t *testing.T) []updateAlertsRequest {
	t.Helper()
	var out []updateAlertsRequest
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, pathUpdateAlertsRec) {
		var body struct {
			RequestData updateAlertsRequest `json:"request_data"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("update_alerts body %s: %v", r.Body, err)
		}
		out = append(out, body.RequestData)
	}
	return out
}

// TestSetStatesChunksAndSplitsFailures writes one state to 250 alerts:
// three update_alerts calls of at most 100, and the two alerts the
// emulator leaves out of alerts_ids fail alone.
func TestSetStatesChunksAndSplitsFailures(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(250)
	refused := []string{ids[7], ids[180]}
	e.emu.FailItems(refused)
	changes := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		changes[i] = connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusResolved,
			Verdict: model.VerdictThreat, Published: true, Reason: "verdict on incident 7", IdempotencyKey: fmt.Sprintf("k%d", i)}
	}
	res, err := e.conn.SetStates(t.Context(), changes)
	if err != nil || len(res) != len(ids) {
		t.Fatalf("SetStates: %d results, %v", len(res), err)
	}
	bodies := e.updateBodies(t)
	if len(bodies) != 3 { // ceil(250/100)
		t.Fatalf("%d update_alerts calls, want 3", len(bodies))
	}
	for _, b := range bodies {
		if len(b.AlertIDList) > 100 || b.UpdateData.Status != "resolved_true_positive" || b.UpdateData.Comment != "verdict on incident 7" {
			t.Errorf("update_alerts body: %d ids, %+v", len(b.AlertIDList), b.UpdateData)
		}
	}
	for i, id := range ids {
		a, _ := e.emu.Alert(id)
		if slices.Contains(refused, id) {
			if res[i].Err == nil || connector.ClassOf(res[i].Err) != connector.ClassRetryable || a.ResolutionStatus != "STATUS_010_NEW" {
				t.Errorf("refused %s: err %v, vendor %s", id, res[i].Err, a.ResolutionStatus)
			}
			continue
		}
		if res[i].Err != nil || res[i].State.RemoteStatus != "STATUS_090_RESOLVED_TRUE_POSITIVE" || a.ResolutionStatus != res[i].State.RemoteStatus {
			t.Errorf("alert %s: %+v, vendor %s", id, res[i], a.ResolutionStatus)
		}
	}
}

// TestStatusVocabulariesBothWays writes every status alertsync may write
// and polls it back: the remote status SetState reports is the read
// vocabulary's word the poll maps, with the same canonical status.
func TestStatusVocabulariesBothWays(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	var writes []connector.StateChange
	for _, s := range alertStatuses {
		ch := connector.StateChange{Status: incidentStatus(s.write)}
		if ch.Status == model.StatusResolved {
			ch.Classification = s.write
		}
		if s.write != "resolved_auto" { // Cortex XDR's own
			writes = append(writes, ch)
		}
	}
	ids := e.emu.SeedAlerts(len(writes))
	for i, id := range ids { // start from a status the write changes
		if writes[i].Status != model.StatusResolved {
			e.emu.SetAlertStatus(id, "resolved_auto")
		}
	}
	cursor := ""
	reported := map[string]string{}
	for i, ch := range writes {
		ch.VendorID, ch.IdempotencyKey = ids[i], "k"+ids[i]
		rs, err := e.conn.SetState(t.Context(), ch)
		if err != nil {
			t.Fatalf("write %+v: %v", ch, err)
		}
		reported[ids[i]] = rs.RemoteStatus
		if w, _ := writeStatus(ch); rs.RemoteStatus != readStatusOf(w) {
			t.Errorf("wrote %s, reported %s", w, rs.RemoteStatus)
		}
	}
	for {
		p, err := e.conn.FetchAlerts(t.Context(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			if want, ok := reported[it.VendorID]; ok && (it.Alert.RemoteStatus != want || it.Alert.Status != alertStatus(want)) {
				t.Errorf("alert %s polled as %s (%s), written as %s", it.VendorID, it.Alert.RemoteStatus, it.Alert.Status, want)
			}
			delete(reported, it.VendorID)
		}
		if cursor = p.Cursor; !p.More {
			break
		}
	}
	if len(reported) != 0 {
		t.Errorf("not polled back: %v", reported)
	}
}

// TestAlreadyInStateIsUnchanged: an alert an analyst resolved is left as
// it is, and the answer carries the status read.
func TestAlreadyInStateIsUnchanged(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	e.emu.SetAlertStatus(id, "resolved_known_issue")
	rs, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: model.StatusResolved,
		Verdict: model.VerdictNotAThreat, Reason: "benign", IdempotencyKey: "k"})
	if err != nil || !rs.Unchanged || rs.RemoteStatus != "STATUS_040_RESOLVED_KNOWN_ISSUE" {
		t.Fatalf("SetState = %+v, %v", rs, err)
	}
	if n := len(e.updateBodies(t)); n != 0 || e.emu.ResolutionComment(id) != "" {
		t.Errorf("%d update_alerts calls, comment %q: want none", n, e.emu.ResolutionComment(id))
	}
	if _, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: "404", Status: model.StatusResolved, IdempotencyKey: "k"}); connector.ClassOf(err) != connector.ClassNotFound {
		t.Errorf("unknown alert: %v, want not_found", err)
	}
}

// TestResolutionCommentOverwritten: an alert holds one comment; each
// write replaces it, and a reason comment sync posts itself is left out.
func TestResolutionCommentOverwritten(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.emu.SeedAlerts(2)
	ctx := t.Context()
	if _, err := e.conn.SetState(ctx, connector.StateChange{VendorID: ids[0], Status: model.StatusInProgress, Verdict: model.VerdictSuspicious,
		Reason: "Validated by alertsync: suspicious", IdempotencyKey: "s"}); err != nil {
		t.Fatal(err)
	}
	if got := e.emu.ResolutionComment(ids[0]); got != "Validated by alertsync: suspicious" {
		t.Errorf("after the state write: %q", got)
	}
	for _, body := range []string{"first analyst note (alertsync)", "second analyst note (alertsync)"} {
		if err := e.conn.AddComment(ctx, connector.CommentAction{Kind: model.KindAlert, VendorID: ids[0], Body: body, IdempotencyKey: body}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.emu.ResolutionComment(ids[0]); got != "second analyst note (alertsync)" {
		t.Errorf("resolution comment %q, want the last comment only", got)
	}
	if _, err := e.conn.SetState(ctx, connector.StateChange{VendorID: ids[1], Status: model.StatusResolved, Verdict: model.VerdictNotAThreat,
		Reason: "posted by comment sync", CommentQueued: true, IdempotencyKey: "q"}); err != nil {
		t.Fatal(err)
	}
	if got := e.emu.ResolutionComment(ids[1]); got != "" {
		t.Errorf("queued reason written with the state: %q", got)
	}
	bodies := e.updateBodies(t)
	if last := bodies[len(bodies)-1]; last.UpdateData.Comment != "" || last.UpdateData.Status != "resolved_false_positive" {
		t.Errorf("last update_alerts: %+v", last.UpdateData)
	}
}

// TestIncidentWrites: incident comments join a thread; a state write's
// reason is the resolve_comment when resolving and a thread comment
// otherwise; a replay changes nothing.
func TestIncidentWrites(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id, members := e.emu.SeedIncident(2)
	ctx := t.Context()
	for _, body := range []string{"one", "two"} {
		if err := e.conn.AddComment(ctx, connector.CommentAction{Kind: model.KindIncident, VendorID: id, Body: body, IdempotencyKey: body}); err != nil {
			t.Fatal(err)
		}
	}
	open := connector.StateChange{Kind: model.KindIncident, VendorID: id, Status: model.StatusInProgress, Reason: "looking into it", IdempotencyKey: "o"}
	closing := connector.StateChange{Kind: model.KindIncident, VendorID: id, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat,
		Reason: "benign admin script", IdempotencyKey: "c"}
	for _, ch := range []connector.StateChange{open, closing, closing} {
		rs, err := e.conn.SetState(ctx, ch)
		if err != nil || rs.RemoteStatus == "" {
			t.Fatalf("SetState(%s): %+v %v", ch.Status, rs, err)
		}
	}
	in, _ := e.emu.Incident(id)
	var thread []string
	for _, c := range in.Comments() {
		thread = append(thread, c.Value)
	}
	if !slices.Equal(thread, []string{"one", "two", "looking into it"}) || in.Status != "resolved_false_positive" ||
		in.ResolveComment == nil || *in.ResolveComment != "benign admin script" {
		t.Errorf("incident: thread %q, status %s, resolve comment %v", thread, in.Status, in.ResolveComment)
	}
	for _, m := range members {
		if a, _ := e.emu.Alert(m); a.ResolutionStatus != "STATUS_010_NEW" {
			t.Errorf("member %s changed with the incident: %s", m, a.ResolutionStatus)
		}
	}
	res, err := e.inc.SetStates(ctx, []connector.StateChange{closing, {Kind: model.KindIncident, VendorID: "1", Status: model.StatusResolved, IdempotencyKey: "x"}})
	if err != nil || !res[0].State.Unchanged || connector.ClassOf(res[1].Err) != connector.ClassNotFound {
		t.Errorf("incident SetStates: %+v, %v", res, err)
	}
}

// TestVendorErrorEnvelope: a refused request keeps the vendor's code and
// message (the kit reads Cortex XDR's envelope) and is permanent.
func TestVendorErrorEnvelope(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	err := e.conn.AddComment(t.Context(), connector.CommentAction{VendorID: "not-a-number", Body: "x", IdempotencyKey: "k"})
	var ce *connector.Error
	if connector.ClassOf(err) != connector.ClassPermanent || !asError(err, &ce) || ce.Code != "400" ||
		!strings.Contains(ce.Message, "Bad Request") {
		t.Errorf("err %v (%+v)", err, ce)
	}
}

func asError(err error, target **connector.Error) bool { return errors.As(err, target) }
