package crowdstrike

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/connector"
	csemu "github.com/alertsync/alertsync/internal/emulators/crowdstrike"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/model"
)

// TestRegionAutodiscovery: a us-2 client configured for us-1 is told so
// by X-CS-Region, revokes that token in its own cloud and works there.
func TestRegionAutodiscovery(t *testing.T) {
	t.Parallel()
	clock := emukit.NewFakeClock(t0)
	us1 := csemu.New(csemu.Options{Clock: clock, Region: "us-1", ClientRegion: "us-2", Alerts: 3, Seed: 1})
	us2 := csemu.New(csemu.Options{Clock: clock, Region: "us-2", Alerts: 4, Seed: 2})
	srv1, srv2 := httptest.NewServer(us1.Handler()), httptest.NewServer(us2.Handler())
	t.Cleanup(srv1.Close)
	t.Cleanup(srv2.Close)
	build := func(auto bool) *Connector {
		c, err := New(connector.Deps{ID: "it-cs", HTTP: srv1.Client(), Now: clock.Now}, Config{
			BaseURL: srv1.URL, Cloud: "us-1", Autodiscover: auto, ClientID: csemu.DefaultClientID,
			ClientSecret: config.NewSecret(csemu.DefaultClientSecret), PageSize: 100, Overlap: "5m",
		})
		if err != nil {
			t.Fatal(err)
		}
		c.hosts["us-1"], c.hosts["us-2"] = srv1.URL, srv2.URL
		return c
	}
	page, err := build(true).FetchAlerts(t.Context(), "")
	if err != nil || len(page.Items) != 4 {
		t.Fatalf("fetch: %v, %d items, want us-2's 4", err, len(page.Items))
	}
	var at1, at2 []string
	for _, r := range us1.Requests() {
		at1 = append(at1, r.Method+" "+r.Path)
	}
	for _, r := range us2.Requests() {
		at2 = append(at2, r.Method+" "+r.Path)
	}
	if !slices.Equal(at1, []string{"POST /oauth2/token"}) {
		t.Errorf("us-1 saw %v, want only the discovering token request", at1)
	}
	if !slices.Equal(at2, []string{"POST /oauth2/revoke", "POST /oauth2/token", "POST /alerts/combined/alerts/v1"}) {
		t.Errorf("us-2 saw %v", at2)
	}
	if _, err := build(false).FetchAlerts(t.Context(), ""); connector.ClassOf(err) != connector.ClassAuth {
		t.Errorf("without autodiscovery: %v, want us-1 to refuse the token (auth)", err)
	}
}

// TestWritesAreWhatTheServiceTakes checks every PATCH body: only
// composite_ids and action_parameters, string values, documented names
// and statuses, Content-Type on bodiless calls too.
func TestWritesAreWhatTheServiceTakes(t *testing.T) {
	t.Parallel()
	e := setup(t, 6, nil)
	ctx := t.Context()
	ids := e.ids()
	changes := []connector.StateChange{
		{VendorID: ids[0], Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "benign", IdempotencyKey: "k0"},
		{VendorID: ids[1], Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true, Reason: "threat", IdempotencyKey: "k1", CommentQueued: true},
		{VendorID: ids[2], Status: model.StatusSuppressed, IdempotencyKey: "k2"},
		{VendorID: ids[3], Status: model.StatusInProgress, Verdict: model.VerdictSuspicious, IdempotencyKey: "k3"},
	}
	for _, ch := range changes {
		rs, err := e.conn.SetState(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.status(t, ch.VendorID); got != rs.RemoteStatus {
			t.Errorf("alert stored %q, SetState reported %q", got, rs.RemoteStatus)
		}
	}
	if err := e.conn.AddComment(ctx, connector.CommentAction{VendorID: ids[4], Body: "note", IdempotencyKey: "c"}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		ids[0]: {"benign " + connector.CommentMarker("k0")}, ids[1]: nil, ids[4]: {"note " + connector.CommentMarker("c")},
	}
	for id, w := range want {
		if got := e.comments(id); !slices.Equal(got, w) {
			t.Errorf("comments on %s: %q, want %q", id, got, w)
		}
	}
	for id, res := range map[string]string{ids[0]: "false_positive", ids[1]: "true_positive", ids[2]: "ignored"} {
		if a, _ := e.emu.Alert(id); a.Resolution == nil || *a.Resolution != res || a.Status != "closed" {
			t.Errorf("alert %s: %s resolution %v, want closed %s", id, a.Status, a.Resolution, res)
		}
	}
	for _, r := range e.emu.Recorder().Filter(http.MethodPatch, "/alerts/entities/alerts/v3") {
		checkPatch(t, r.Body)
	}
	if err := e.conn.Health(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range e.emu.Recorder().Filter("", "/alerts/") {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s sent Content-Type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
	}
}

func checkPatch(t *testing.T, body []byte) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("PATCH body %s: %v", body, err)
	}
	var acts []map[string]any
	_ = json.Unmarshal(m["action_parameters"], &acts)
	if len(m) != 2 || m["composite_ids"] == nil || len(acts) == 0 {
		t.Errorf("PATCH body %s", body)
	}
	for _, a := range acts {
		name, _ := a["name"].(string)
		v, ok := a["value"].(string)
		if !ok || !slices.Contains([]string{"update_status", "add_tag", "remove_tag", "append_comment"}, name) {
			t.Errorf("action %v", a)
		}
		if name == "update_status" && !slices.Contains([]string{"new", "in_progress", "reopened", "closed"}, v) {
			t.Errorf("status %q", v)
		}
	}
}

// TestVerdictChangeReplacesResolution: a changed verdict removes the
// earlier resolution tag; a verdict that establishes none leaves it.
func TestVerdictChangeReplacesResolution(t *testing.T) {
	t.Parallel()
	e := setup(t, 2, nil)
	id := e.ids()[0]
	ctx := t.Context()
	steps := []struct {
		ch   connector.StateChange
		want []string
	}{
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat}, []string{"false_positive"}},
		{connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true}, []string{"true_positive"}},
		{connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictSuspicious}, []string{"true_positive"}},
		{connector.StateChange{Status: model.StatusSuppressed}, []string{"ignored"}},
	}
	for i, s := range steps {
		s.ch.VendorID, s.ch.IdempotencyKey = id, fmt.Sprint(i)
		if _, err := e.conn.SetState(ctx, s.ch); err != nil {
			t.Fatal(err)
		}
		a, _ := e.emu.Alert(id)
		if !slices.Equal(a.Tags, s.want) {
			t.Errorf("step %d: tags %v, want %v", i, a.Tags, s.want)
		}
	}
}

// TestSetStatesSplitsByLimit: N alerts go out in ceil(N/limit) PATCH
// calls, and an alert the service refuses fails alone, with its class.
func TestSetStatesSplitsByLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, 10, nil)
	e.conn.batchMax = 3
	if e.conn.MaxBatch() != 3 {
		t.Fatalf("MaxBatch %d", e.conn.MaxBatch())
	}
	ids := append(slices.Clone(e.ids()[:7]), "8693deb4bf134cfb8855ee118d9a0243:ind:gone")
	e.emu.FailItems(ids[4])
	var changes []connector.StateChange
	for i, id := range ids {
		changes = append(changes, connector.StateChange{VendorID: id, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat,
			Reason: "verdict on incident 7", IdempotencyKey: fmt.Sprintf("k%d", i)})
	}
	res, err := e.conn.SetStates(t.Context(), changes)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPatch, "/alerts/entities/alerts/v3")); n != 3 {
		t.Errorf("%d PATCH calls for %d alerts at 3 a call, want 3", n, len(ids))
	}
	for i, r := range res {
		switch {
		case i == 4:
			if connector.ClassOf(r.Err) != connector.ClassRetryable || !strings.Contains(fmt.Sprint(r.Err), ids[4]) {
				t.Errorf("refused item: %v, want retryable naming it", r.Err)
			}
		case i == 7:
			if connector.ClassOf(r.Err) != connector.ClassNotFound {
				t.Errorf("unknown alert: %v, want not_found", r.Err)
			}
		case r.Err != nil || r.State.RemoteStatus != "closed" || e.status(t, ids[i]) != "closed":
			t.Errorf("item %d: %+v, stored %s", i, r, e.status(t, ids[i]))
		}
	}
	if e.status(t, ids[4]) == "closed" {
		t.Error("the refused alert changed")
	}
	// A call refused as a whole fails its items; a lone call returns the error.
	e.emu.Faults().FailFirst(1, http.StatusBadRequest, []byte(`{"meta":{},"errors":[{"code":400,"message":"bad"}]}`))
	res, err = e.conn.SetStates(t.Context(), changes[:4])
	if err != nil || res[0].Err == nil || res[2].Err == nil || res[3].Err != nil {
		t.Errorf("first call refused: err %v, results %+v", err, res)
	}
	e.emu.Faults().FailFirst(1, http.StatusBadRequest, []byte(`{"meta":{},"errors":[{"code":400,"message":"bad"}]}`))
	if _, err := e.conn.SetStates(t.Context(), changes[:2]); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("lone call refused: %v, want the permanent error", err)
	}
	if _, err := e.conn.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: "x", Status: model.StatusResolved}); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident: %v, want Unsupported", err)
	}
}
