package defendercloud

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	dfcemu "github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/model"
)

// TestConformance runs the shared suite against the emulator, with every
// request the connector sends checked against the published spec when it
// is there.
func TestConformance(t *testing.T) {
	wrap, sc := withSpec(t)
	e := setup(t, dfcemu.Options{PageSize: 5}, wrap)
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.c,
		Integration: "dfc-1",
		Seed:        func(t *testing.T) []string { return e.seed(t, 7) },
		RemoteState: func(t *testing.T, id string) string {
			a, ok := e.emu.Alert(id)
			if !ok {
				t.Fatalf("alert %s not in emulator", id)
			}
			return a.Properties.Status
		},
		InjectRateLimit: func(*testing.T) { e.emu.Faults().ThrottleNext(1, 2*time.Second) },
		Throttle:        func(_ *testing.T, d time.Duration) { e.emu.Faults().ThrottleNext(1, d) },
		Slow:            func(_ *testing.T, d time.Duration) { e.emu.Faults().SetLatency(d) },
		ExpireToken:     func(*testing.T) { e.issuer.ExpireAll() },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, wrongSecret)
			}
			return e.build(t, log, testSecret)
		},
		Secrets: []string{testSecret, wrongSecret},
		// A fresh emulator, whose answers a Malformer cuts one of three
		// new alerts down to its systemAlertId and time.
		Malformed: func(t *testing.T) connectortest.MalformedCase {
			var m connectortest.Malformer
			me := setup(t, dfcemu.Options{}, m.Transport)
			ids := me.seed(t, 3)
			m.Break(ids[1], "properties.timeGeneratedUtc")
			return connectortest.MalformedCase{Connector: me.c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
		},
		CheckEcho: true,
		PageSize:  5,
	})
	var actions []string
	for _, r := range e.emu.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/alerts/") {
			actions = append(actions, r.Path[strings.LastIndexByte(r.Path, '/')+1:])
		}
	}
	if !slices.Contains(actions, "dismiss") {
		t.Errorf("state actions sent %v; want a dismiss among them", actions)
	}
	if sc.Active() && sc.Total() == 0 {
		t.Error("no request spec-checked")
	}
}

// TestStateActionsMatchSpec sends every state action and checks that it
// lands at the alert's own scope (and, with the spec, matches it).
func TestStateActionsMatchSpec(t *testing.T) {
	wrap, sc := withSpec(t)
	e := setup(t, dfcemu.Options{}, wrap)
	id := e.seed(t, 1)[0]
	steps := []struct {
		status  model.Status
		verdict model.Verdict
		want    string
	}{
		{model.StatusInProgress, "", "InProgress"},
		{model.StatusResolved, model.VerdictThreat, "Resolved"},
		{model.StatusNew, "", "Active"},
		{model.StatusSuppressed, "", "Dismissed"},
	}
	for _, s := range steps {
		rs, err := e.c.SetState(t.Context(), connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: s.status, Verdict: s.verdict, IdempotencyKey: "k"})
		if err != nil {
			t.Fatalf("SetState %s: %v", s.status, err)
		}
		if a, _ := e.emu.Alert(id); rs.RemoteStatus != s.want || a.Properties.Status != s.want {
			t.Errorf("SetState %s: reported %q, emulator has %q, want %q", s.status, rs.RemoteStatus, a.Properties.Status, s.want)
		}
	}
	for _, r := range e.emu.Requests() {
		if r.Method == http.MethodPost && !strings.Contains(r.Path, "/oauth2/") && (len(r.Body) != 0 || r.Status != http.StatusNoContent ||
			!strings.HasPrefix(r.Path, "/subscriptions/"+testSub+"/resourceGroups/rg-vms/providers/Microsoft.Security/locations/westeurope/alerts/"+id+"/")) {
			t.Errorf("action %s: body %q, status %d", r.Path, r.Body, r.Status)
		}
	}
	if sc.Active() && sc.Total() < len(steps) {
		t.Errorf("%d requests spec-checked, want at least %d", sc.Total(), len(steps))
	}
	if _, err := e.c.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: id, Status: model.StatusResolved}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("incident state change: err %v, want permanent", err)
	}
	if _, err := e.c.SetState(t.Context(), connector.StateChange{Kind: model.KindAlert, VendorID: "missing", Status: model.StatusResolved}); connector.ClassOf(err) != connector.ClassNotFound {
		t.Errorf("unknown alert: err %v, want not_found", err)
	}
}

// TestInsufficientAccessFirstCall is the seed's known issue: a fresh
// principal's first call may answer 403 InsufficientAccessError. It must
// surface as a retryable error (access still propagating, not bad
// credentials) and the next call must succeed.
func TestInsufficientAccessFirstCall(t *testing.T) {
	t.Parallel()
	e := setup(t, dfcemu.Options{}, nil)
	id := e.seed(t, 1)[0]

	e.emu.FailFirstInsufficientAccess(1)
	_, err := e.c.FetchAlerts(t.Context(), "")
	checkInsufficientAccess(t, "FetchAlerts", err)
	page, err := e.c.FetchAlerts(t.Context(), "")
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("FetchAlerts after the 403: %d items, err %v", len(page.Items), err)
	}

	e.emu.FailFirstInsufficientAccess(1)
	ch := connector.StateChange{Kind: model.KindAlert, VendorID: id, Status: model.StatusInProgress, IdempotencyKey: "k"}
	_, err = e.c.SetState(t.Context(), ch)
	checkInsufficientAccess(t, "SetState", err)
	if _, err := e.c.SetState(t.Context(), ch); err != nil {
		t.Fatalf("SetState after the 403: %v", err)
	}
	if a, _ := e.emu.Alert(id); a.Properties.Status != "InProgress" {
		t.Errorf("alert status %q after retry, want InProgress", a.Properties.Status)
	}
}

func checkInsufficientAccess(t *testing.T, what string, err error) {
	t.Helper()
	var ce *connector.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%s: err %v, want a classified error", what, err)
	}
	if ce.Class != connector.ClassRetryable || ce.Status != http.StatusForbidden || ce.Code != "InsufficientAccessError" {
		t.Errorf("%s: class %s status %d code %q, want retryable 403 InsufficientAccessError", what, ce.Class, ce.Status, ce.Code)
	}
	if c := connector.ClassOf(err); c == connector.ClassPermanent || c == connector.ClassNotFound {
		t.Errorf("%s: class %s would be dead-lettered", what, c)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("%s: error shows the client secret", what)
	}
}

// fetchAll polls until More is false and returns the vendor ids and the
// final cursor.
func fetchAll(t *testing.T, c *Connector, cur string) ([]string, string) {
	t.Helper()
	var ids []string
	for range 100 {
		p, err := c.FetchAlerts(t.Context(), cur)
		if err != nil {
			t.Fatalf("FetchAlerts: %v", err)
		}
		for _, it := range p.Items {
			ids = append(ids, it.VendorID)
		}
		cur = p.Cursor
		if !p.More {
			return ids, cur
		}
	}
	t.Fatal("FetchAlerts never finished")
	return nil, ""
}

// TestStatusChangeRedelivers checks the cursor digest: a status change made
// at Defender for Cloud (which moves no timestamp) comes back, untouched
// alerts do not.
func TestStatusChangeRedelivers(t *testing.T) {
	t.Parallel()
	e := setup(t, dfcemu.Options{PageSize: 3}, nil)
	ids := e.seed(t, 8)
	got, cur := fetchAll(t, e.c, "")
	if len(got) != 8 {
		t.Fatalf("first walk delivered %d alerts, want 8", len(got))
	}
	if again, _ := fetchAll(t, e.c, cur); len(again) != 0 {
		t.Errorf("unchanged alerts delivered again: %v", again)
	}
	if err := e.emu.SetAlertStatus(ids[4], dfcemu.StatusDismissed); err != nil {
		t.Fatal(err)
	}
	fresh := e.seed(t, 1)
	got, _ = fetchAll(t, e.c, cur)
	if want := []string{ids[4], fresh[0]}; !slices.Equal(got, want) {
		t.Errorf("after a dismiss and a new alert got %v, want %v", got, want)
	}
}

// TestExpiredNextLinkRestartsWalk checks that a stored nextLink the API
// refuses restarts the walk instead of failing every poll.
func TestExpiredNextLinkRestartsWalk(t *testing.T) {
	t.Parallel()
	e := setup(t, dfcemu.Options{PageSize: 3}, nil)
	e.seed(t, 5)
	p, err := e.c.FetchAlerts(t.Context(), "")
	if err != nil || !p.More || len(p.Items) != 3 {
		t.Fatalf("first page: %d items more=%v err %v", len(p.Items), p.More, err)
	}
	st, err := parseCursor(p.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	st.next = e.srv.URL + "/subscriptions/" + testSub + "/providers/Microsoft.Security/alerts?api-version=" + APIVersion + "&$skipToken=expired!"
	got, _ := fetchAll(t, e.c, st.String())
	if len(got) != 2 {
		t.Errorf("after restart delivered %v, want only the 2 alerts not yet delivered in this walk", got)
	}
}

// TestIndexMissListsAlerts checks that SetState finds an alert it never
// fetched by walking the list, and then uses the index.
func TestIndexMissListsAlerts(t *testing.T) {
	t.Parallel()
	e := setup(t, dfcemu.Options{PageSize: 2}, nil)
	ids := e.seed(t, 5)
	ch := connector.StateChange{Kind: model.KindAlert, VendorID: ids[3], Status: model.StatusResolved, IdempotencyKey: "k"}
	if _, err := e.c.SetState(t.Context(), ch); err != nil {
		t.Fatalf("SetState: %v", err)
	}
	lists := func() int {
		n := 0
		for _, r := range e.emu.Requests() {
			if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/alerts") {
				n++
			}
		}
		return n
	}
	if n := lists(); n != 2 {
		t.Errorf("index miss listed %d pages, want 2 (stop at the page holding the alert)", n)
	}
	if _, err := e.c.SetState(t.Context(), ch); err != nil {
		t.Fatalf("second SetState: %v", err)
	}
	if n := lists(); n != 2 {
		t.Errorf("index hit listed again (%d pages)", n)
	}
}

// TestForbiddenClassification: a 403 that says access is still being set up
// (InsufficientAccessError, ARM's AuthorizationFailed) is retryable; any
// other 403 means the app lacks a permission and stays auth.
func TestForbiddenClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want connector.Class
	}{
		{"InsufficientAccessError", connector.ClassRetryable},
		{"AuthorizationFailed", connector.ClassRetryable},
		{"LinkedAuthorizationFailed", connector.ClassAuth},
		{"Forbidden", connector.ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			e := setup(t, dfcemu.Options{}, nil)
			e.emu.Faults().FailFirst(1, http.StatusForbidden, []byte(`{"error":{"code":"`+tt.code+`","message":"The client does not have authorization to perform action."}}`))
			_, err := e.c.FetchAlerts(t.Context(), "")
			if got := connector.ClassOf(err); got != tt.want || !strings.Contains(err.Error(), tt.code) {
				t.Errorf("403 %s: class %q (err %v), want %q", tt.code, got, err, tt.want)
			}
		})
	}
}
