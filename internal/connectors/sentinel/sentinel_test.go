package sentinel

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	senemu "github.com/alertsync/alertsync/internal/emulators/sentinel"
	"github.com/alertsync/alertsync/internal/model"
)

// TestConformance runs the shared suite against the emulator, with every
// request the connector sends checked against the published spec when it
// is there.
func TestConformance(t *testing.T) {
	wrap, sc := withSpec(t)
	e := setup(t, 5, wrap)
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.c,
		Integration: "sen-1",
		Kind:        model.KindIncident,
		Seed: func(t *testing.T) []string {
			incs, _ := e.seed(t, 2)
			return incs
		},
		RemoteState: func(t *testing.T, id string) string {
			inc, ok := e.sen.Incident(id)
			if !ok {
				t.Fatalf("incident %s not in emulator", id)
			}
			return inc.Properties.Status
		},
		RemoteComments: func(t *testing.T, id string) []string {
			var out []string
			for _, c := range e.sen.Comments(id) {
				out = append(out, c.Properties.Message)
			}
			return out
		},
		SeedIncident: func(t *testing.T) (string, []string) {
			incs, alerts := e.seed(t, 1)
			return incs[0], alerts
		},
		InjectRateLimit: func(*testing.T) { e.sen.Faults().ThrottleNext(1, 2*time.Second) },
		Throttle:        func(_ *testing.T, d time.Duration) { e.sen.Faults().ThrottleNext(1, d) },
		Slow:            func(_ *testing.T, d time.Duration) { e.sen.Faults().SetLatency(d) },
		ExpireToken:     func(*testing.T) { e.issuer.ExpireAll() },
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, wrongSecret)
			}
			return e.build(t, log, testSecret)
		},
		Secrets: []string{testSecret, wrongSecret},
		// A fresh workspace, whose answers a Malformer cuts one of three
		// new incidents down to its name and last change.
		Malformed: func(t *testing.T) connectortest.MalformedCase {
			var m connectortest.Malformer
			me := setup(t, 5, m.Transport)
			incs, _ := me.seed(t, 3)
			m.Break(incs[1], "properties.lastModifiedTimeUtc")
			return connectortest.MalformedCase{Connector: me.c, Bad: incs[1], Good: []string{incs[0], incs[2]}}
		},
		IdempotentComments: true,
	})
	for _, op := range []string{"Incidents_Get", "Incidents_CreateOrUpdate", "IncidentComments_CreateOrUpdate", "Incidents_List"} {
		if sc.Active() && sc.Count(op) == 0 {
			t.Errorf("no %s request was spec-checked", op)
		}
	}
	// The close written by the suite carries the classification and the
	// reason text.
	for _, r := range e.apiRequests(http.MethodPut, "") {
		if strings.Contains(r.Path, "/comments/") {
			continue
		}
		var b map[string]any
		if err := json.Unmarshal(r.Body, &b); err != nil || b["etag"] == "" || b["etag"] == nil {
			t.Errorf("PUT %s without etag in body: %s", r.Path, r.Body)
		}
	}
}

// TestFetchIncidents pages through incidents with their member alerts,
// resumes without duplicates and picks up an analyst's change.
func TestFetchIncidents(t *testing.T) {
	wrap, sc := withSpec(t)
	e := setup(t, 2, wrap)
	incs, alerts := e.seed(t, 5)
	if _, err := e.sen.RelateAlert(incs[0], alerts[1], "Ana Analyst"); err != nil {
		t.Fatal(err)
	}
	got, cur := fetchAll(t, e.c, "")
	if len(got) != 5 {
		t.Fatalf("first poll delivered %d incidents, want 5", len(got))
	}
	for i, name := range incs {
		in := got[name]
		if in == nil {
			t.Fatalf("incident %s not delivered", name)
		}
		want := []string{alerts[i]}
		if i == 0 {
			want = []string{alerts[0], alerts[1]}
		}
		if !slices.Equal(in.RemoteAlerts, want) || in.Status != model.StatusNew || in.RemoteStatus != "New" {
			t.Errorf("incident %s: alerts %v status %s/%s, want %v new/New", name, in.RemoteAlerts, in.Status, in.RemoteStatus, want)
		}
	}
	if again, _ := fetchAll(t, e.c, cur); len(again) != 0 {
		t.Errorf("re-poll delivered %d unchanged incidents", len(again))
	}
	if _, err := e.sen.UpdateIncidentAsAnalyst(t.Context(), incs[3], "Ana Analyst", func(p *senemu.IncidentProperties) { p.Status = "Active" }); err != nil {
		t.Fatal(err)
	}
	changed, _ := fetchAll(t, e.c, cur)
	if len(changed) != 1 || changed[incs[3]] == nil || changed[incs[3]].Status != model.StatusInProgress {
		t.Errorf("after an analyst change got %v, want only %s in progress", keys(changed), incs[3])
	}
	if n := len(e.apiRequests(http.MethodPost, "/alerts")); n < 6 {
		t.Errorf("%d alert lookups, want one per delivered incident", n)
	}
	if sc.Active() && sc.Count("Incidents_ListAlerts") < 6 {
		t.Errorf("%d alert lookups spec-checked, want one per delivered incident", sc.Count("Incidents_ListAlerts"))
	}
	for _, r := range e.apiRequests(http.MethodGet, "/incidents") {
		if r.Query.Get("$orderby") != "properties/lastModifiedTimeUtc asc" || r.Query.Get("$top") != "2" {
			t.Errorf("list query %v", r.Query)
		}
	}
}

func keys(m map[string]*model.Incident) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func fetchAll(t *testing.T, c *Connector, cur string) (map[string]*model.Incident, string) {
	t.Helper()
	out := map[string]*model.Incident{}
	for range 100 {
		p, err := c.FetchIncidents(t.Context(), cur)
		if err != nil {
			t.Fatalf("FetchIncidents: %v", err)
		}
		for _, it := range p.Items {
			if it.Err != nil {
				t.Fatalf("incident %s did not map: %v", it.VendorID, it.Err)
			}
			if _, dup := out[it.VendorID]; dup {
				t.Errorf("incident %s delivered twice in one pass", it.VendorID)
			}
			out[it.VendorID] = it.Incident
		}
		cur = p.Cursor
		if !p.More {
			return out, cur
		}
	}
	t.Fatal("FetchIncidents never finished")
	return nil, ""
}

// analystRace is a transport that lets an analyst edit the incident
// between the connector's GET and its first PUT.
type analystRace struct {
	next  http.RoundTripper
	edit  func()
	once  sync.Once
	match string
}

func (a *analystRace) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, a.match) {
		a.once.Do(a.edit)
	}
	return a.next.RoundTrip(req)
}

// TestEtagConflictKeepsBothChanges: an analyst assigns, labels and
// re-rates the incident while alertsync closes it. The first PUT carries a
// stale etag and gets 409; the connector re-reads, re-applies only its
// change, and both edits survive.
func TestEtagConflictKeepsBothChanges(t *testing.T) {
	var race *analystRace
	wrapSpec, sc := withSpec(t)
	e := setup(t, 5, func(next http.RoundTripper) http.RoundTripper {
		race = &analystRace{next: wrapSpec(next)}
		return race
	})
	incs, _ := e.seed(t, 1)
	name := incs[0]
	race.match = "/incidents/" + name
	race.edit = func() {
		_, err := e.sen.UpdateIncidentAsAnalyst(t.Context(), name, "Ana Analyst", func(p *senemu.IncidentProperties) {
			p.Owner = senemu.IncidentOwnerInfo{Email: "ana@contoso.com", AssignedTo: "Ana Analyst", ObjectID: "2046feea-040d-4a46-9e2b-91c2941bfa70", OwnerType: "User"}
			p.Labels = append(p.Labels, senemu.IncidentLabel{LabelName: "escalated"})
			p.Severity = "High"
		})
		if err != nil {
			t.Errorf("analyst edit: %v", err)
		}
	}
	reason := "alertsync closed this incident: its Defender for Cloud alert was dismissed by the subscription owner."
	rs, err := e.c.SetState(t.Context(), connector.StateChange{
		Kind: model.KindIncident, VendorID: name, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat,
		Reason: reason, IdempotencyKey: "sen-1/incident/" + name + "/1",
	})
	if err != nil || rs.RemoteStatus != "Closed" {
		t.Fatalf("SetState: %+v %v", rs, err)
	}
	inc, _ := e.sen.Incident(name)
	p := inc.Properties
	if p.Status != "Closed" || p.Classification != "BenignPositive" || p.ClassificationReason != "SuspiciousButExpected" || p.ClassificationComment != reason {
		t.Errorf("our change lost: %s %s/%s %q", p.Status, p.Classification, p.ClassificationReason, p.ClassificationComment)
	}
	if p.Owner.AssignedTo != "Ana Analyst" || p.Severity != "High" || !slices.ContainsFunc(p.Labels, func(l senemu.IncidentLabel) bool { return l.LabelName == "escalated" }) {
		t.Errorf("analyst's change lost: owner %+v severity %s labels %+v", p.Owner, p.Severity, p.Labels)
	}
	puts := e.apiRequests(http.MethodPut, "/incidents/"+name)
	if len(puts) != 2 || puts[0].Status != http.StatusConflict || puts[1].Status != http.StatusOK {
		var st []int
		for _, r := range puts {
			st = append(st, r.Status)
		}
		t.Fatalf("PUT statuses %v, want [409 200]", st)
	}
	for _, r := range puts {
		if !bytes.Contains(r.Body, []byte(`"etag":"\"0300bf09-`)) {
			t.Errorf("PUT body without the etag: %s", r.Body)
		}
	}
	if sc.Active() && sc.Count("Incidents_CreateOrUpdate") != 2 {
		t.Errorf("%d incident PUTs spec-checked, want 2", sc.Count("Incidents_CreateOrUpdate"))
	}
	// A replay finds the incident closed and writes nothing.
	if _, err := e.c.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: name, Status: model.StatusResolved, Verdict: model.VerdictThreat}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.apiRequests(http.MethodPut, "/incidents/"+name)); n != 2 {
		t.Errorf("replay wrote again (%d PUTs)", n)
	}
}

// TestCommentIDIdempotent: a retried delivery (same key) updates the same
// comment; a new key adds another.
func TestCommentIDIdempotent(t *testing.T) {
	wrap, sc := withSpec(t)
	e := setup(t, 5, wrap)
	incs, _ := e.seed(t, 1)
	c := connector.CommentAction{Kind: model.KindIncident, VendorID: incs[0], Body: "alertsync: alert dismissed at Defender for Cloud", IdempotencyKey: "sen-1/incident/x/reconcile/2/comment"}
	for range 3 {
		if err := e.c.AddComment(t.Context(), c); err != nil {
			t.Fatalf("AddComment: %v", err)
		}
	}
	cs := e.sen.Comments(incs[0])
	if len(cs) != 1 || cs[0].Name != CommentID(c.IdempotencyKey) || cs[0].Properties.Message != c.Body {
		t.Fatalf("comments after 3 deliveries of one key: %+v", cs)
	}
	puts := e.apiRequests(http.MethodPut, "/comments/"+CommentID(c.IdempotencyKey))
	if len(puts) != 3 || puts[0].Status != http.StatusCreated || puts[2].Status != http.StatusOK {
		t.Errorf("comment PUTs %d (first %d)", len(puts), puts[0].Status)
	}
	if string(puts[0].Body) != `{"properties":{"message":"alertsync: alert dismissed at Defender for Cloud"}}` {
		t.Errorf("comment body %s", puts[0].Body)
	}
	c.IdempotencyKey += "/2"
	if err := e.c.AddComment(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sen.Comments(incs[0])); n != 2 {
		t.Errorf("%d comments after a second key, want 2", n)
	}
	if n := len(puts) + len(e.apiRequests(http.MethodPut, "/comments/"+CommentID(c.IdempotencyKey))); n != 4 {
		t.Errorf("%d comment PUTs, want 4", n)
	}
	if sc.Active() && sc.Count("IncidentComments_CreateOrUpdate") != 4 {
		t.Errorf("%d comment PUTs spec-checked, want 4", sc.Count("IncidentComments_CreateOrUpdate"))
	}
	if err := e.c.AddComment(t.Context(), connector.CommentAction{Kind: model.KindAlert, VendorID: "x", Body: "b", IdempotencyKey: "k"}); connector.ClassOf(err) != connector.ClassPermanent {
		t.Errorf("alert comment: %v, want permanent", err)
	}
}

// TestInsufficientAccessFirstCall: like Defender for Cloud, a fresh
// principal may get 403 InsufficientAccessError on its first call (the
// emulator's switch answers the seed's body); it is a retryable error, not
// an auth one, and a later call works.
func TestInsufficientAccessFirstCall(t *testing.T) {
	e := setup(t, 5, nil)
	e.seed(t, 1)
	e.sen.FailFirstInsufficientAccess(1)
	_, err := e.c.FetchIncidents(t.Context(), "")
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Class != connector.ClassRetryable || ce.Status != http.StatusForbidden || ce.Code != "InsufficientAccessError" {
		t.Fatalf("first call: %v, want retryable 403 InsufficientAccessError", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatal("error shows the client secret")
	}
	if p, err := e.c.FetchIncidents(t.Context(), ""); err != nil || len(p.Items) != 1 {
		t.Fatalf("second call: %d items, %v", len(p.Items), err)
	}
}

// TestForbiddenClassification: only the 403s that mean access is still
// being set up are retryable; any other 403 is auth.
func TestForbiddenClassification(t *testing.T) {
	tests := []struct {
		code string
		want connector.Class
	}{
		{"InsufficientAccessError", connector.ClassRetryable},
		{"AuthorizationFailed", connector.ClassRetryable},
		{"Forbidden", connector.ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			e := setup(t, 5, nil)
			e.sen.Faults().FailFirst(1, http.StatusForbidden, []byte(`{"error":{"code":"`+tt.code+`","message":"The client does not have authorization to perform action."}}`))
			_, err := e.c.FetchIncidents(t.Context(), "")
			if got := connector.ClassOf(err); got != tt.want || !strings.Contains(err.Error(), tt.code) {
				t.Errorf("403 %s: class %q (err %v), want %q", tt.code, got, err, tt.want)
			}
		})
	}
}
