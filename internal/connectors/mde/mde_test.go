package mde

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	mdeemu "github.com/alertsync/alertsync/internal/emulators/mde"
	"github.com/alertsync/alertsync/internal/model"
)

const pageSize = 5

// wrongSecret is a client secret the emulator's app registration does
// not have.
const wrongSecret = "not-the-mde-secret-7b2e"

func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	// batchUpdate's local budget (a call every 6.7 seconds) would make the
	// bulk check wait; TestBatchSetState checks it.
	e.conn.batchMinute, e.conn.batchHourly = nil, nil
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.conn,
		Integration: "it-mde",
		Seed:        func(t *testing.T) []string { return e.reseed(2*pageSize + 2) },
		RemoteState: func(t *testing.T, id string) string {
			a, ok := e.emu.Alert(id)
			if !ok {
				t.Fatalf("alert %q not in emulator", id)
			}
			return a.Status
		},
		RemoteComments:  func(t *testing.T, id string) []string { return commentTexts(e.emu.Comments(id)) },
		InjectRateLimit: func(t *testing.T) { e.emu.Faults().ThrottleNext(1, 4*time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.Faults().ThrottleNext(1, d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.Faults().SetLatency(d) },
		FailItems:       func(t *testing.T, ids []string) { e.emu.RefuseWrites(ids...) },
		ExpireToken:     func(t *testing.T) { e.emu.Issuer().ExpireAll() },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, map[string]any{"client_secret": wrongSecret})
			}
			return e.build(t, log, nil)
		},
		Secrets: []string{mdeemu.DefaultClientSecret, wrongSecret},
		Malformed: func(t *testing.T) connectortest.MalformedCase {
			var m connectortest.Malformer
			me := setupWith(t, 0, nil, m.Handler)
			ids := me.reseed(3)
			m.Break(ids[1], "lastUpdateTime")
			return connectortest.MalformedCase{Connector: me.conn, Bad: ids[1], Good: []string{ids[0], ids[2]}}
		},
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}

// TestWrites checks every body the connector PATCHes: only the documented,
// case-sensitive properties, and the comment field only when comment sync
// does not carry the reason.
func TestWrites(t *testing.T) {
	t.Parallel()
	e := setup(t, 6, nil)
	ctx := t.Context()
	ids := alertIDs(e)
	changes := []connector.StateChange{
		{VendorID: ids[0], Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "benign", IdempotencyKey: "k0"},
		{VendorID: ids[1], Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true, Reason: "threat", IdempotencyKey: "k1", CommentQueued: true},
		{VendorID: ids[2], Status: model.StatusInProgress, Verdict: model.VerdictSuspicious, IdempotencyKey: "k2"},
	}
	for _, ch := range changes {
		rs, err := e.conn.SetState(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := e.emu.Alert(ch.VendorID); a.Status != rs.RemoteStatus {
			t.Errorf("alert %s stored %q, SetState reported %q", ch.VendorID, a.Status, rs.RemoteStatus)
		}
		// The replay asks first, as the engine does, and so does not
		// comment twice.
		applied, got, err := e.conn.StateApplied(ctx, ch)
		if err != nil || !applied || got.RemoteStatus != rs.RemoteStatus {
			t.Errorf("StateApplied after SetState on %s = %v, %+v, %v", ch.VendorID, applied, got, err)
		}
	}
	if got := commentTexts(e.emu.Comments(ids[0])); len(got) != 1 || got[0] != "benign "+connector.CommentMarker("k0") {
		t.Errorf("comments on %s: %q", ids[0], got)
	}
	if got := e.emu.Comments(ids[1]); len(got) != 0 {
		t.Errorf("comment queued separately but PATCH added %v", got)
	}
	a, _ := e.emu.Alert(ids[0])
	if *a.Classification != "FalsePositive" || *a.Determination != "NotMalicious" {
		t.Errorf("stored classification %v / %v", *a.Classification, *a.Determination)
	}
	if err := e.conn.AddComment(ctx, connector.CommentAction{VendorID: ids[2], Body: "note", IdempotencyKey: "c"}); err != nil {
		t.Fatal(err)
	}
	allowed := []string{"status", "classification", "determination", "comment"}
	n := 0
	for _, r := range e.emu.Recorder().Filter(http.MethodPatch, "/api/alerts/") {
		n++
		var body map[string]string
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("PATCH body %s: %v", r.Body, err)
		}
		for k := range body {
			if !slices.Contains(allowed, k) {
				t.Errorf("PATCH sends %q", k)
			}
		}
		checkSpelling(t, updateBody{Status: body["status"], Classification: body["classification"], Determination: body["determination"]})
		if r.Header.Get("Content-Type") != "application/json" || r.Status != http.StatusOK {
			t.Errorf("PATCH %s: Content-Type %q, answered %d", r.Body, r.Header.Get("Content-Type"), r.Status)
		}
	}
	if n != len(changes)+1 {
		t.Errorf("%d PATCH requests, want %d", n, len(changes)+1)
	}
	if err := e.conn.AddComment(ctx, connector.CommentAction{Kind: model.KindIncident, VendorID: "1", Body: "x", IdempotencyKey: "i"}); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident comment: err %v, want Unsupported", err)
	}
}

func alertIDs(e *env) []string {
	var ids []string
	for _, a := range e.emu.Alerts() {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestBatchSetState(t *testing.T) {
	t.Parallel()
	e := setup(t, 8, nil)
	ctx := t.Context()
	all := alertIDs(e)
	ids := all[:4]
	// The local batch budget (10 a minute, spent evenly) is checked first;
	// then it is lifted so the test need not wait six seconds a call.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := e.conn.BatchSetState(short, all[4:6], connector.StateChange{Status: model.StatusInProgress, IdempotencyKey: "b0"}); err != nil {
		t.Fatalf("first batch: %v", err)
	}
	if err := e.conn.BatchSetState(short, ids[:1], connector.StateChange{Status: model.StatusInProgress, IdempotencyKey: "b0"}); connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) < 5*time.Second {
		t.Errorf("second batch within six seconds: err %v, want local rate_limited", err)
	}
	e.conn.batchMinute, e.conn.batchHourly = nil, nil
	ch := connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "benign", IdempotencyKey: "b1"}
	if err := e.conn.BatchSetState(ctx, ids, ch); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		a, _ := e.emu.Alert(id)
		if a.Status != "Resolved" || *a.Classification != "FalsePositive" || *a.Determination != "Clean" { // batch-update-alerts.md's spelling
			t.Errorf("alert %s: %s %v %v", id, a.Status, *a.Classification, *a.Determination)
		}
		if got := commentTexts(e.emu.Comments(id)); !slices.Contains(got, "benign "+connector.CommentMarker("b1")) {
			t.Errorf("alert %s comments %q", id, got)
		}
	}
	reqs := e.emu.Recorder().Filter(http.MethodPost, "/api/alerts/batchUpdate")
	if len(reqs) != 2 {
		t.Fatalf("%d batch requests, want 2", len(reqs))
	}
	var body map[string]any
	_ = json.Unmarshal(reqs[1].Body, &body)
	if len(body["alertIds"].([]any)) != 4 || body["status"] != "Resolved" || body["classification"] != "FalsePositive" {
		t.Errorf("batch body %s", reqs[1].Body)
	}
	// batchUpdate's own budget answers 429, classified with its wait.
	e.emu.BatchLimiter().SetLimits(emukit.Limit{Requests: 0, Window: time.Minute})
	err := e.conn.BatchSetState(ctx, ids, ch)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) <= 0 {
		t.Errorf("over the batch budget: err %v, want rate_limited with Retry-After", err)
	}
}

func TestRateLimitedRetryAfter(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	e.emu.Faults().ThrottleNext(1, 9*time.Second)
	err := e.conn.Health(t.Context())
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != 9*time.Second {
		t.Fatalf("err %v (retry after %v), want rate_limited after 9s", err, connector.RetryAfterOf(err))
	}
}

func TestTokenExpiryRecovers(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	ctx := t.Context()
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	e.emu.Issuer().ExpireAll()
	e.emu.Recorder().Reset()
	if err := e.conn.Health(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	var statuses []int
	for _, r := range e.emu.Recorder().Filter(http.MethodGet, "/api/alerts") {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{401, 200}) {
		t.Errorf("statuses %v, want [401 200]", statuses)
	}
}

// TestHourlyBudget checks the second local limiter: once the hour's burst
// is spent, a call with a short deadline fails at once as rate-limited.
func TestHourlyBudget(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, map[string]any{"requests_per_hour": 4, "requests_per_minute": 0})
	ctx := t.Context()
	for i := range 2 { // burst is half the hour's budget
		if err := e.conn.Health(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	err := e.conn.Health(short)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) < 10*time.Minute {
		t.Fatalf("third call: err %v (retry after %v), want local rate_limited", err, connector.RetryAfterOf(err))
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, map[string]any{"tenant_id": "contoso.com", "client_id": "app", "client_secret": "s"})
	if err != nil {
		t.Fatal(err)
	}
	cc := c.(*Connector)
	if cc.s.entra.TokenURL != "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token" || cc.cfg.PageSize != 500 ||
		cc.cfg.RequestsPerMinute != 100 || cc.cfg.RequestsPerHour != 1500 || cc.cfg.APIBase != DefaultAPIBase {
		t.Errorf("defaults: %+v %+v", cc.cfg, cc.s)
	}
	_, err = connector.Build(Kind, connector.Deps{ID: "x"}, map[string]any{"tenant_id": "t", "client_id": "c", "client_secret": "s", "page_size": 20000})
	if err == nil || !strings.Contains(err.Error(), "page_size") {
		t.Errorf("page_size 20000: err %v", err)
	}
}

func TestSetStatesUsesOneBatchUpdate(t *testing.T) {
	t.Parallel()
	e := setup(t, 6, nil)
	e.conn.batchMinute, e.conn.batchHourly = nil, nil
	ids := alertIDs(e)[:3]
	var changes []connector.StateChange
	for i, id := range ids {
		changes = append(changes, connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusResolved,
			Verdict: model.VerdictThreat, Published: true, Reason: "verdict on incident 7", IdempotencyKey: fmt.Sprintf("k%d", i)})
	}
	states, err := e.conn.SetStates(t.Context(), changes)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 3 || states[2].State.RemoteStatus != "Resolved" || states[2].Err != nil {
		t.Fatalf("states = %+v", states)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, "/api/alerts/batchUpdate")); n != 1 {
		t.Fatalf("%d batchUpdate calls, want 1", n)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPatch, "/api/alerts/")); n != 0 {
		t.Fatalf("%d single PATCH calls, want none", n)
	}
	for _, id := range ids {
		if a, _ := e.emu.Alert(id); a.Status != "Resolved" || *a.Classification != "TruePositive" {
			t.Errorf("alert %s: %s %v", id, a.Status, *a.Classification)
		}
	}
}

// TestSetStatesSplitsRefusedBatch checks the all-or-nothing batchUpdate:
// when one alert is refused (404, as for an alert the app cannot reach)
// the batch is written again alert by alert, so only the refused alert
// fails; a throttled batch is not split.
func TestSetStatesSplitsRefusedBatch(t *testing.T) {
	t.Parallel()
	e := setup(t, 6, nil)
	e.conn.batchMinute, e.conn.batchHourly = nil, nil
	ids := alertIDs(e)[:3]
	for _, id := range ids {
		if err := e.emu.SetAlertStatus(id, "New"); err != nil {
			t.Fatal(err)
		}
	}
	refused := ids[1]
	e.emu.RefuseWrites(refused)
	var changes []connector.StateChange
	for i, id := range ids {
		changes = append(changes, connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusResolved,
			Verdict: model.VerdictNotAThreat, Reason: "benign", IdempotencyKey: fmt.Sprintf("k%d", i)})
	}
	res, err := e.conn.SetStates(t.Context(), changes)
	if err != nil {
		t.Fatalf("SetStates failed as a whole: %v", err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results for 3 changes", len(res))
	}
	for i, id := range ids {
		a, _ := e.emu.Alert(id)
		if id == refused {
			if connector.ClassOf(res[i].Err) != connector.ClassNotFound || a.Status != "New" {
				t.Errorf("refused alert %s: err %v, stored %s; want not_found and unchanged", id, res[i].Err, a.Status)
			}
			continue
		}
		if res[i].Err != nil || res[i].State.RemoteStatus != "Resolved" || a.Status != "Resolved" {
			t.Errorf("alert %s: %+v, stored %s; want Resolved", id, res[i], a.Status)
		}
		// Written alone, each alert carries its own change's marker.
		if got := commentTexts(a.Comments); !slices.Equal(got, []string{"benign " + connector.CommentMarker(changes[i].IdempotencyKey)}) {
			t.Errorf("alert %s comments %q", id, got)
		}
	}
	batches := e.emu.Recorder().Filter(http.MethodPost, "/api/alerts/batchUpdate")
	if len(batches) != 1 || batches[0].Status != http.StatusNotFound {
		t.Fatalf("%d batchUpdate calls, want one, refused with 404", len(batches))
	}
	var statuses []int
	for _, r := range e.emu.Recorder().Filter(http.MethodPatch, "/api/alerts/") {
		statuses = append(statuses, r.Status)
	}
	if !slices.Equal(statuses, []int{200, 404, 200}) {
		t.Errorf("single PATCHes answered %v, want [200 404 200]", statuses)
	}

	// A batch refused for being over budget is not split: the whole call
	// is retried later.
	e.emu.RefuseWrites()
	e.emu.Recorder().Reset()
	e.emu.BatchLimiter().SetLimits(emukit.Limit{Requests: 0, Window: time.Minute})
	res, err = e.conn.SetStates(t.Context(), changes)
	if connector.ClassOf(err) != connector.ClassRateLimited || res != nil {
		t.Fatalf("throttled batch: %+v, %v; want the rate-limited error as a whole", res, err)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPatch, "/api/alerts/")); n != 0 {
		t.Errorf("%d single PATCHes after a throttled batch, want none", n)
	}
}

// TestSetStatesLaterBatchFails checks changes spread over several
// batchUpdate calls: when a later call fails as a whole, the alerts
// already written report success and only the rest carry its error.
func TestSetStatesLaterBatchFails(t *testing.T) {
	t.Parallel()
	e := setup(t, batchMax+2, nil)
	e.conn.batchMinute, e.conn.batchHourly = nil, nil
	e.emu.BatchLimiter().SetLimits(emukit.Limit{Requests: 1, Window: time.Minute})
	var changes []connector.StateChange
	for i, id := range alertIDs(e) {
		changes = append(changes, connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusInProgress,
			IdempotencyKey: fmt.Sprintf("k%d", i)})
	}
	res, err := e.conn.SetStates(t.Context(), changes)
	if err != nil || len(res) != len(changes) {
		t.Fatalf("SetStates: %d results, err %v; want per-item results", len(res), err)
	}
	for i, r := range res {
		a, _ := e.emu.Alert(changes[i].VendorID)
		switch {
		case i < batchMax && (r.Err != nil || r.State.RemoteStatus != "InProgress" || a.Status != "InProgress"):
			t.Errorf("change %d in the first batch: %+v, stored %s", i, r, a.Status)
		case i >= batchMax && connector.ClassOf(r.Err) != connector.ClassRateLimited:
			t.Errorf("change %d in the throttled batch: err %v, want rate_limited", i, r.Err)
		}
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, "/api/alerts/batchUpdate")); n != 2 {
		t.Errorf("%d batchUpdate calls, want 2", n)
	}
}
