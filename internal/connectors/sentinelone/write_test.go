package sentinelone

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	s1emu "github.com/alertsync/alertsync/internal/emulators/sentinelone"
	"github.com/alertsync/alertsync/internal/model"
)

func changesFor(ids []string, tmpl connector.StateChange) []connector.StateChange {
	out := make([]connector.StateChange, len(ids))
	for i, id := range ids {
		ch := tmpl
		ch.VendorID, ch.IdempotencyKey = id, fmt.Sprintf("%s-%d", tmpl.IdempotencyKey, i)
		out[i] = ch
	}
	return out
}

// posted returns the bodies of the recorded POSTs to path, checking that
// every one names its ids (never an empty filter).
func posted(t *testing.T, e *env, path string) []writeBody {
	t.Helper()
	var out []writeBody
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, s1emu.APIPrefix+"/"+path) {
		if r.Path != s1emu.APIPrefix+"/"+path {
			continue
		}
		var b writeBody
		if err := json.Unmarshal(r.Body, &b); err != nil || len(b.Filter.IDs) == 0 || r.Status != http.StatusOK {
			t.Fatalf("POST %s body %s answered %d: want filter.ids", path, r.Body, r.Status)
		}
		out = append(out, b)
	}
	return out
}

// outcome names an ItemResult the way the doc's result table does.
func outcome(r connector.ItemResult) string {
	switch {
	case r.Err != nil:
		return string(connector.ClassOf(r.Err))
	case r.State.Unchanged:
		return "unchanged"
	}
	return "written"
}

// TestMixedBatch: one status call over threats answered updated,
// already_set, conditions_not_met and missing_permissions, plus an id the
// service does not know, maps each to its own outcome.
func TestMixedBatch(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(4, 0)
	if err := e.emu.SetThreatStatus(ids[1], "in_progress"); err != nil {
		t.Fatal(err)
	}
	e.emu.FailItems(ids[2:3], s1emu.ResultConditionsNotMet)
	e.emu.FailItems(ids[3:4], s1emu.ResultMissingPermissions)
	res, err := e.conn.SetStates(t.Context(), changesFor(append(ids, "1234567890123456789"), connector.StateChange{Status: model.StatusInProgress, IdempotencyKey: "m"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"written", "unchanged", "conflict", "permanent", "not_found"}
	for i, r := range res {
		if outcome(r) != want[i] {
			t.Errorf("item %d: %s (%v), want %s", i, outcome(r), r.Err, want[i])
		}
		if r.Err == nil && r.State.RemoteStatus != "in_progress" {
			t.Errorf("item %d: RemoteStatus %q", i, r.State.RemoteStatus)
		}
	}
	if n := len(posted(t, e, "threats/incident")); n != 1 {
		t.Errorf("%d incident calls, want 1", n)
	}
	if st := e.remoteStatus(t, ids[2]); st != "unresolved" {
		t.Errorf("refused threat is %s", st)
	}
}

// TestVerdictThenStatus: a verdict and a status for many threats are two
// calls in all, verdict first, every id in each; a threat whose verdict is
// refused is left out of the status call, so it is never resolved
// without its verdict.
func TestVerdictThenStatus(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(6, 0)
	e.emu.FailItems(ids[5:], "")
	ch := connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "benign", IdempotencyKey: "v"}
	res, err := e.conn.SetStates(t.Context(), changesFor(ids, ch))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, s1emu.APIPrefix) {
		order = append(order, r.Path)
	}
	if !slices.Equal(order, []string{s1emu.APIPrefix + "/threats/analyst-verdict", s1emu.APIPrefix + "/threats/incident"}) {
		t.Fatalf("calls %v, want the verdict then the status", order)
	}
	if v, s := posted(t, e, "threats/analyst-verdict"), posted(t, e, "threats/incident"); len(v[0].Filter.IDs) != 6 || len(s[0].Filter.IDs) != 5 || slices.Contains(s[0].Filter.IDs, ids[5]) {
		t.Errorf("verdict ids %v, status ids %v", v[0].Filter.IDs, s[0].Filter.IDs)
	}
	for i, id := range ids {
		th, _ := e.emu.Threat(id)
		if i < 5 && (outcome(res[i]) != "written" || th.ThreatInfo.IncidentStatus != "resolved" || th.ThreatInfo.AnalystVerdict != "false_positive") {
			t.Errorf("threat %d: %s, %s/%s", i, outcome(res[i]), th.ThreatInfo.IncidentStatus, th.ThreatInfo.AnalystVerdict)
		}
	}
	if outcome(res[5]) != "conflict" || e.remoteStatus(t, ids[5]) != "unresolved" {
		t.Errorf("refused threat: %s, %s", outcome(res[5]), e.remoteStatus(t, ids[5]))
	}
	// The replay finds everything set: unchanged, still two calls.
	e.emu.FailItems(nil, "")
	e.emu.Recorder().Reset()
	res, _ = e.conn.SetStates(t.Context(), changesFor(ids[:5], ch))
	for i, r := range res {
		if outcome(r) != "unchanged" {
			t.Errorf("replayed item %d: %s", i, outcome(r))
		}
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, s1emu.APIPrefix)); n != 2 {
		t.Errorf("replay made %d calls, want 2", n)
	}
}

// TestBatchSplits: N changes make ceil(N/1000) calls per endpoint, and a
// refused threat in any of them fails alone.
func TestBatchSplits(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(2345, 0)
	refused := []string{ids[10], ids[1500]}
	e.emu.FailItems(refused, "")
	res, err := e.conn.SetStates(t.Context(), changesFor(ids, connector.StateChange{Status: model.StatusInProgress, IdempotencyKey: "b"}))
	if err != nil {
		t.Fatal(err)
	}
	calls := posted(t, e, "threats/incident")
	if len(calls) != 3 || len(calls[0].Filter.IDs) != batchMax || len(calls[2].Filter.IDs) != 345 {
		t.Fatalf("%d calls; want 3 of at most %d ids", len(calls), batchMax)
	}
	for i, r := range res {
		if want := map[bool]string{true: "conflict", false: "written"}[slices.Contains(refused, ids[i])]; outcome(r) != want {
			t.Errorf("item %d: %s, want %s", i, outcome(r), want)
		}
	}
	if e.conn.MaxBatch() != batchMax {
		t.Errorf("MaxBatch %d", e.conn.MaxBatch())
	}
}

// TestCloudBatch: cloud-detection writes report no per-alert result, so
// the connector reads first and reads back what was not affected.
func TestCloudBatch(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(0, 4)
	ctx := t.Context()
	ch := connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true, IdempotencyKey: "c"}
	if _, err := e.conn.SetState(ctx, withID(ch, ids[1])); err != nil {
		t.Fatal(err)
	}
	e.emu.FailItems(rawIDs(ids[3:]), "")
	e.emu.Recorder().Reset()
	res, err := e.conn.SetStates(ctx, changesFor(append(ids, "cd:42"), ch))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"written", "unchanged", "written", "conflict", "not_found"}
	for i, r := range res {
		if outcome(r) != want[i] {
			t.Errorf("item %d: %s (%v), want %s", i, outcome(r), r.Err, want[i])
		}
	}
	a, _ := e.emu.CloudAlert(rawIDs(ids)[0])
	if a.AlertInfo.IncidentStatus != "Resolved" || a.AlertInfo.AnalystVerdict != "True positive" {
		t.Errorf("cloud alert %+v", a.AlertInfo)
	}
	if v := posted(t, e, "cloud-detection/alerts/analyst-verdict"); len(v) != 1 || len(v[0].Filter.IDs) != 3 {
		t.Errorf("verdict calls %+v: want one with the three alerts not yet set", v)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, s1emu.APIPrefix+"/threats")); n != 0 {
		t.Errorf("%d threat calls for cloud alerts", n)
	}
}

func withID(ch connector.StateChange, id string) connector.StateChange {
	ch.VendorID = id
	return ch
}

func TestCloudDisabled(t *testing.T) {
	t.Parallel()
	e := setup(t, map[string]any{"include_cloud_detections": false})
	ids := e.reseed(1, 1)
	res, err := e.conn.SetStates(t.Context(), changesFor(ids, connector.StateChange{Status: model.StatusResolved, IdempotencyKey: "d"}))
	if err != nil || outcome(res[0]) != "written" || outcome(res[1]) != "permanent" {
		t.Fatalf("results %+v, %v", res, err)
	}
}

// TestWholeCallFailure: a group whose call fails as a whole returns the
// call's error when nothing else was written.
func TestWholeCallFailure(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	ids := e.reseed(2, 0)
	e.emu.Faults().FailFirst(1, http.StatusServiceUnavailable, []byte(`{"errors":[{"code":5000010,"title":"Server Error"}]}`))
	_, err := e.conn.SetStates(t.Context(), changesFor(ids, connector.StateChange{Status: model.StatusResolved, IdempotencyKey: "w"}))
	if connector.ClassOf(err) != connector.ClassRetryable {
		t.Errorf("err %v, want the call's retryable error", err)
	}
	if _, err := e.conn.SetStates(t.Context(), []connector.StateChange{{Status: model.StatusResolved}}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("no vendor id: err %v", err)
	}
}
