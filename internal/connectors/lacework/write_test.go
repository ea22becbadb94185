package lacework

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	lwemu "github.com/alertsync/alertsync/internal/emulators/lacework"
	"github.com/alertsync/alertsync/internal/model"
)

// TestSetState writes each kind of change to a fresh open alert and
// checks what Lacework holds after it, and what the connector reported.
func TestSetState(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	tests := []struct {
		name    string
		ch      connector.StateChange
		status  string // Lacework's status after
		reason  int    // close reason, -1 when not closed
		comment string // in the close comment
		class   connector.Class
	}{
		{"not a threat closes as false positive", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Reason: "Validated by alertsync: not a threat."},
			"Closed", 1, "Validated by alertsync: not a threat.", ""},
		{"suppressed not a threat too", connector.StateChange{Status: model.StatusSuppressed, Verdict: model.VerdictNotAThreat, Reason: "benign", CommentQueued: true},
			"Closed", 1, "Closed by alertsync: False positive.", ""},
		{"published threat closes as malicious", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true},
			"Closed", 3, "Closed by alertsync: Malicious and have resolution in place.", ""},
		{"unpublished threat is not final", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat},
			"Open", -1, "", connector.ClassPermanent},
		{"suspicious is not final", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictSuspicious},
			"Open", -1, "", connector.ClassPermanent},
		{"no verdict is not final", connector.StateChange{Status: model.StatusSuppressed},
			"Open", -1, "", connector.ClassPermanent},
		{"in progress writes nothing", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictHighlySuspicious},
			"Open", -1, "", ""},
	}
	for i, tt := range tests {
		id := e.emu.SeedAlerts(1)[0]
		tt.ch.VendorID, tt.ch.IdempotencyKey = id, fmt.Sprint("k", i)
		rs, err := e.conn.SetState(t.Context(), tt.ch)
		a, _ := e.emu.Alert(id)
		switch {
		case tt.class != "" && connector.ClassOf(err) != tt.class:
			t.Errorf("%s: err %v, want %s", tt.name, err, tt.class)
		case tt.class == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case a.Status != tt.status:
			t.Errorf("%s: Lacework holds %s, want %s", tt.name, a.Status, tt.status)
		case tt.reason < 0 && (a.CloseReason != nil || (err == nil && (!rs.Unchanged || rs.RemoteStatus != "Open"))):
			t.Errorf("%s: reason %v, reported %+v", tt.name, a.CloseReason, rs)
		case tt.reason >= 0 && (a.CloseReason == nil || *a.CloseReason != tt.reason || rs.RemoteStatus != "Closed" || rs.Unchanged):
			t.Errorf("%s: reason %v, reported %+v", tt.name, a.CloseReason, rs)
		case tt.reason >= 0 && !closeCommented(e.emu.Comments(id), tt.comment, connector.CommentMarker(tt.ch.IdempotencyKey)):
			t.Errorf("%s: comments %q", tt.name, e.emu.Comments(id))
		}
	}
	checkCloseBodies(t, e)
}

func closeCommented(comments []string, text, mark string) bool {
	return len(comments) == 1 && strings.HasPrefix(comments[0], text) && strings.HasSuffix(comments[0], " "+mark)
}

// checkCloseBodies checks every close sent: reason and a comment, nothing
// else, a reason Lacework takes.
func checkCloseBodies(t *testing.T, e *env) {
	t.Helper()
	for _, r := range e.emu.Recorder().Filter(http.MethodPost, "/api/v2/Alerts/") {
		if !strings.HasSuffix(r.Path, "/close") {
			continue
		}
		var body map[string]any
		_ = json.Unmarshal(r.Body, &body)
		reason, _ := body["reason"].(float64)
		if len(body) != 2 || (reason != 1 && reason != 3) || body["comment"] == "" {
			t.Errorf("close body %s", r.Body)
		}
	}
}

// TestClosedStaysClosed: closing again reports Unchanged; asking a closed
// alert to be open fails for good with a clear error; a close refused
// because someone closed the alert meanwhile is Unchanged too.
func TestClosedStaysClosed(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	closeIt := connector.StateChange{VendorID: id, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, IdempotencyKey: "k"}
	if _, err := e.conn.SetState(t.Context(), closeIt); err != nil {
		t.Fatal(err)
	}
	closeIt.Verdict, closeIt.Published = model.VerdictThreat, true
	if rs, err := e.conn.SetState(t.Context(), closeIt); err != nil || !rs.Unchanged || rs.RemoteStatus != "Closed" {
		t.Errorf("closing a closed alert: %+v %v", rs, err)
	}
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress} {
		_, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: st, Verdict: model.VerdictSuspicious, IdempotencyKey: "r"})
		if connector.ClassOf(err) != connector.ClassPermanent || !strings.Contains(err.Error(), "cannot reopen") {
			t.Errorf("reopen as %s: %v", st, err)
		}
	}
	if n := len(e.emu.Recorder().Filter(http.MethodPost, "/api/v2/Alerts/"+id+"/close")); n != 1 {
		t.Errorf("%d closes sent, want 1", n)
	}
	// Someone closes the alert between the read and the close.
	race := e.emu.SeedAlerts(1)[0]
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/close") {
			_ = e.emu.SetAlertStatus(race, lwemu.StatusClosed)
		}
		e.emu.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := connector.Build(Kind, connector.Deps{ID: "it-lw", HTTP: srv.Client(), Now: e.clock.Now},
		map[string]any{"account_url": srv.URL, "key_id": lwemu.DefaultKeyID, "secret": lwemu.DefaultSecret})
	if err != nil {
		t.Fatal(err)
	}
	closeIt.VendorID = race
	if rs, err := c.(*Connector).SetState(t.Context(), closeIt); err != nil || !rs.Unchanged || rs.RemoteStatus != "Closed" {
		t.Errorf("closed meanwhile: %+v %v", rs, err)
	}
}

func TestSetStateRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	if _, err := e.conn.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: "1", Status: model.StatusResolved}); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident: %v", err)
	}
	for _, id := range []string{"", "abc", "12/close", "-3"} {
		if _, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: id, Status: model.StatusResolved}); connector.ClassOf(err) != connector.ClassPermanent {
			t.Errorf("vendor id %q: %v", id, err)
		}
	}
	if _, err := e.conn.SetState(t.Context(), connector.StateChange{VendorID: "5", Status: model.StatusResolved, Verdict: model.VerdictNotAThreat}); connector.ClassOf(err) != connector.ClassNotFound {
		t.Errorf("unknown alert: %v", err)
	}
}

// TestDecideTable walks every status, verdict and publication against an
// open and a closed alert: only the two final verdicts close, nothing
// reopens, and nothing is written to an open alert otherwise.
func TestDecideTable(t *testing.T) {
	t.Parallel()
	verdicts := []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat}
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusSuppressed, model.StatusUnknown} {
		for _, v := range verdicts {
			for _, pub := range []bool{false, true} {
				ch := connector.StateChange{Status: st, Verdict: v, Published: pub}
				closing := st == model.StatusResolved || st == model.StatusSuppressed
				final := v == model.VerdictNotAThreat || (v == model.VerdictThreat && pub)
				reason, write, err := decide(ch, "Open")
				if write != (closing && final) || (err != nil) != (st == model.StatusUnknown || (closing && !final)) {
					t.Errorf("%s/%s/%v on Open: write %v reason %d err %v", st, v, pub, write, reason, err)
				}
				if write && reason != map[bool]int{true: reasonFalsePositive, false: reasonMalicious}[v == model.VerdictNotAThreat] {
					t.Errorf("%s/%s/%v: reason %d", st, v, pub, reason)
				}
				_, write, err = decide(ch, "Closed")
				if write || (err != nil) == closing {
					t.Errorf("%s/%s/%v on Closed: write %v err %v", st, v, pub, write, err)
				}
			}
		}
	}
}

// TestAddCommentIdempotent: a comment is found on the timeline by its
// marker, so a replay that checks first (as the engine does) does not
// post again; another key posts another.
func TestAddCommentIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	id := e.emu.SeedAlerts(1)[0]
	c := connector.CommentAction{VendorID: id, Body: "alertsync: validation started", IdempotencyKey: "c1"}
	post := func(c connector.CommentAction) {
		t.Helper()
		applied, err := e.conn.CommentApplied(t.Context(), c)
		if err != nil {
			t.Fatal(err)
		}
		if !applied {
			if err := e.conn.AddComment(t.Context(), c); err != nil {
				t.Fatal(err)
			}
		}
	}
	post(c)
	post(c)
	c.IdempotencyKey = "c2"
	post(c)
	got := e.emu.Comments(id)
	want := []string{c.Body + " " + connector.CommentMarker("c1"), c.Body + " " + connector.CommentMarker("c2")}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("comments %q, want %q", got, want)
	}
	for _, bad := range []connector.CommentAction{{VendorID: id, Body: " ", IdempotencyKey: "k"}, {VendorID: "x", Body: "b", IdempotencyKey: "k"}, {VendorID: id, Body: "b"}} {
		if err := e.conn.AddComment(t.Context(), bad); connector.ClassOf(err) != connector.ClassPermanent {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if err := e.conn.AddComment(t.Context(), connector.CommentAction{Kind: model.KindIncident, VendorID: id, Body: "b", IdempotencyKey: "k"}); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident comment: %v", err)
	}
}
