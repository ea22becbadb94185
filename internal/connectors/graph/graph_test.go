package graph

import (
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/connector/watermark"
	graphemu "github.com/alertsync/alertsync/internal/emulators/graph"
	"github.com/alertsync/alertsync/internal/model"
)

const pageSize = 5

func TestConformance(t *testing.T) {
	e := setup(t, 0, nil)
	connectortest.Run(t, connectortest.Harness{
		Connector:   e.conn,
		Integration: "it-graph",
		Seed:        func(t *testing.T) []string { return e.reseed(2*pageSize + 2) },
		RemoteState: func(t *testing.T, id string) string {
			a, ok := e.emu.Alert(id)
			if !ok {
				t.Fatalf("alert %q not in emulator", id)
			}
			return a.Status
		},
		RemoteComments:  func(t *testing.T, id string) []string { return commentTexts(e.emu.Comments(id)) },
		InjectRateLimit: func(t *testing.T) { e.emu.Faults().ThrottleNext(1, 7*time.Second) },
		Throttle:        func(t *testing.T, d time.Duration) { e.emu.Faults().ThrottleNext(1, d) },
		Slow:            func(t *testing.T, d time.Duration) { e.emu.Faults().SetLatency(d) },
		ExpireToken:     func(t *testing.T) { e.emu.Issuer().ExpireAll() },
		SeedIncident: func(t *testing.T) (string, []string) {
			e.clock.Advance(time.Minute)
			in, alerts := e.emu.Raise(rand.New(rand.NewPCG(7, 1)))
			ids := make([]string, len(alerts))
			for i, a := range alerts {
				ids[i] = a.ID
			}
			return in.ID, ids
		},
		Build: func(t *testing.T, log *slog.Logger, wrong bool) connector.Connector {
			if wrong {
				return e.build(t, log, map[string]any{"client_secret": wrongSecret})
			}
			return e.build(t, log, nil)
		},
		Secrets:            []string{graphemu.DefaultClientSecret, wrongSecret},
		Malformed:          malformed,
		IdempotentComments: true,
		CheckEcho:          true,
		PageSize:           pageSize,
	})
}

// wrongSecret is a client secret the emulator's app registration does
// not have.
const wrongSecret = "not-the-graph-secret-4f7c"

// malformed serves a fresh emulator through a Malformer that cuts one of
// three new alerts down to its id and last update.
func malformed(t *testing.T) connectortest.MalformedCase {
	var m connectortest.Malformer
	e := setup(t, 0, nil)
	srv := httptest.NewServer(m.Handler(e.emu.Handler()))
	t.Cleanup(srv.Close)
	c := e.build(t, nil, map[string]any{"token_url": srv.URL + "/{tenant}/oauth2/v2.0/token", "api_base": srv.URL + "/v1.0"})
	ids := e.reseed(3)
	m.Break(ids[1], "lastUpdateDateTime")
	return connectortest.MalformedCase{Connector: c, Bad: ids[1], Good: []string{ids[0], ids[2]}}
}

func TestRegistration(t *testing.T) {
	t.Parallel()
	reg, ok := connector.Lookup(Kind)
	if !ok {
		t.Fatal("graph not registered")
	}
	if len(reg.Family) != 7 {
		t.Errorf("family has %d members, want 7", len(reg.Family))
	}
	for _, m := range reg.Family {
		src := strings.TrimSuffix(strings.TrimPrefix(m.Filter, "serviceSource eq '"), "'")
		if m.Via != "Graph v2" || !strings.Contains(strings.Join(serviceSources, ","), src) {
			t.Errorf("family member %+v: want Via \"Graph v2\" and a serviceSource filter", m)
		}
	}
	if got := reg.Spec.SecretFields(); len(got) != 1 || got[0] != "client_secret" {
		t.Errorf("secret fields %v, want [client_secret]", got)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	base := map[string]any{"tenant_id": "contoso.onmicrosoft.com", "client_id": "app", "client_secret": "s3cret"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name     string
		settings map[string]any
		wantErr  string
	}{
		{"defaults", base, ""},
		{"page size too big", with("page_size", 5000), "page_size"},
		{"unknown service source", with("service_sources", []any{"microsoftDefenderForEndpoints"}), "service_sources"},
		{"bad api base", with("api_base", "graph.microsoft.com"), "api_base"},
		{"negative budget", with("requests_per_minute", -1), "requests_per_minute"},
		{"missing secret", map[string]any{"tenant_id": "t", "client_id": "c"}, "client_secret"},
		{"blank secret", with("client_secret", "  "), "client_secret"},
		{"blank token url", with("token_url", " "), "token_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := connector.Build(Kind, connector.Deps{ID: "x"}, tt.settings)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one naming %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Error("error leaks the client secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cc := c.(*Connector)
			if cc.s.entra.TokenURL != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" {
				t.Errorf("token url %q", cc.s.entra.TokenURL)
			}
			if cc.cfg.PageSize != 200 || cc.cfg.RequestsPerMinute != 150 || cc.s.overlap != 5*time.Minute || !cc.cfg.IngestIncidents {
				t.Errorf("defaults not applied: %+v", cc.cfg)
			}
		})
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "x"}, with("ingest_incidents", false))
	if err != nil {
		t.Fatal(err)
	}
	if caps := connector.CapabilitiesOf(c); caps.Incidents || !caps.Ingest || !caps.StateSync || !caps.Comments || !caps.Health {
		t.Errorf("ingest_incidents=false capabilities %+v", caps)
	}
}

// TestFetchRequests checks the list query and the Prefer header, and that
// evolvable serviceSource members come through.
func TestFetchRequests(t *testing.T) {
	t.Parallel()
	e := setup(t, 40, map[string]any{"page_size": 50})
	p, err := e.conn.FetchAlerts(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	cloud := 0
	for _, it := range p.Items {
		if it.Err != nil {
			t.Errorf("item %s: %v", it.VendorID, it.Err)
			continue
		}
		if it.Alert.Source == "unknownFutureValue" {
			t.Errorf("alert %s came back as unknownFutureValue: Prefer header missing", it.VendorID)
		}
		if it.Alert.Source == "microsoftDefenderForCloud" {
			cloud++
		}
	}
	if len(p.Items) != 40 || p.More || cloud == 0 {
		t.Fatalf("got %d items (more %v, %d from Defender for Cloud), want 40, no more, some from Defender for Cloud", len(p.Items), p.More, cloud)
	}
	if _, err := e.conn.FetchAlerts(t.Context(), p.Cursor); err != nil {
		t.Fatal(err)
	}
	reqs := e.requests(http.MethodGet, "security/alerts_v2")
	if len(reqs) != 2 {
		t.Fatalf("%d list requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Header.Get("Prefer") != "include-unknown-enum-members" {
			t.Errorf("Prefer header %q", r.Header.Get("Prefer"))
		}
		if r.Query.Has("$orderby") || r.Query.Get("$top") != "50" || r.Query.Get("$count") != "true" {
			t.Errorf("query %v: want $top and $count, and no $orderby (not documented for alerts_v2)", r.Query)
		}
	}
	var cur watermark.Cursor
	if err := json.Unmarshal([]byte(p.Cursor), &cur); err != nil {
		t.Fatal(err)
	}
	// The first window ended at the hub's clock; the next starts an
	// overlap before it and is open above.
	if !cur.Since.Equal(e.clock.Now()) || cur.Scan != nil {
		t.Errorf("cursor after a whole window: since %v scan %+v, want since %v and no open window", cur.Since, cur.Scan, e.clock.Now())
	}
	want := "lastUpdateDateTime ge " + cur.Since.Add(-5*time.Minute).Format(time.RFC3339Nano)
	if got := reqs[1].Query.Get("$filter"); got != want {
		t.Errorf("second poll $filter %q, want %q", got, want)
	}
}

func TestServiceSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sources []any
		filter  string
	}{
		{"one source filtered by the service", []any{"azureAdIdentityProtection"}, "serviceSource eq 'azureAdIdentityProtection'"},
		{"several filtered locally", []any{"azureAdIdentityProtection", "microsoftDefenderForCloud"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, 60, map[string]any{"page_size": 100, "service_sources": tt.sources})
			p, err := e.conn.FetchAlerts(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, a := range e.emu.Alerts() {
				for _, s := range tt.sources {
					if a.ServiceSource == s {
						want++
					}
				}
			}
			if len(p.Items) != want || want == 0 {
				t.Errorf("got %d items, want %d", len(p.Items), want)
			}
			for _, it := range p.Items {
				if it.Alert == nil || !strings.Contains(strings.Join(anyStrings(tt.sources), ","), it.Alert.Source) {
					t.Errorf("item %s from an unselected source", it.VendorID)
				}
			}
			if got := e.requests(http.MethodGet, "security/alerts_v2")[0].Query.Get("$filter"); got != tt.filter {
				t.Errorf("$filter %q, want %q", got, tt.filter)
			}
		})
	}
}

func anyStrings(in []any) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i], _ = v.(string)
	}
	return out
}

func TestFetchIncidents(t *testing.T) {
	t.Parallel()
	e := setup(t, 200, nil)
	p, err := e.conn.FetchIncidents(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	inc := e.emu.Incidents()
	if len(p.Items) != len(inc) || len(inc) <= incidentsTop {
		t.Fatalf("got %d incidents, emulator has %d (want more than one page of %d)", len(p.Items), len(inc), incidentsTop)
	}
	byID := map[string]*model.Incident{}
	for _, it := range p.Items {
		if it.Err != nil {
			t.Fatalf("incident %s: %v", it.VendorID, it.Err)
		}
		byID[it.VendorID] = it.Incident
	}
	for _, in := range inc {
		got := byID[in.ID]
		if got == nil || strings.Join(got.RemoteAlerts, ",") != strings.Join(in.AlertIDs(), ",") {
			t.Errorf("incident %s: got %+v, want alerts %v", in.ID, got, in.AlertIDs())
		}
	}
	for _, r := range e.requests(http.MethodGet, "security/incidents") {
		if r.Query.Get("$top") != "50" || r.Query.Get("$expand") != "alerts" || r.Status != 200 {
			t.Errorf("incident request %v answered %d", r.Query, r.Status)
		}
	}
	// Nothing changed: a poll from the cursor returns nothing.
	again, err := e.conn.FetchIncidents(t.Context(), p.Cursor)
	if err != nil || len(again.Items) != 0 {
		t.Fatalf("re-poll: %d items, err %v; want none", len(again.Items), err)
	}
	// A state change brings the incident back with the written status.
	e.clock.Advance(time.Minute)
	id := inc[0].ID
	rs, err := e.conn.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: id, Status: model.StatusResolved,
		Verdict: model.VerdictNotAThreat, Reason: "validated by alertsync", IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	after, err := e.conn.FetchIncidents(t.Context(), p.Cursor)
	if err != nil || len(after.Items) != 1 || after.Items[0].Incident.RemoteStatus != rs.RemoteStatus {
		t.Fatalf("after SetState: %+v, err %v; want incident %s with %q", after.Items, err, id, rs.RemoteStatus)
	}
	// The reason is not written with the state: Update incident documents
	// no property for it (comment sync posts it as a comment).
	stored, _ := e.emu.Incident(id)
	if stored.ResolvingComment != nil || stored.Classification != "falsePositive" || stored.Status != "resolved" {
		t.Errorf("incident stored as %+v", stored)
	}
	for _, r := range e.requests(http.MethodPatch, "security/incidents/"+id) {
		if strings.Contains(string(r.Body), "validated by alertsync") {
			t.Errorf("PATCH carries the reason: %s", r.Body)
		}
	}
}

func TestCommentIdempotent(t *testing.T) {
	t.Parallel()
	e := setup(t, 10, nil)
	alert := e.emu.Alerts()[0]
	inc := e.emu.Incidents()[0]
	for _, tc := range []struct {
		kind model.Kind
		id   string
		get  func() []string
	}{
		{model.KindAlert, alert.ID, func() []string { return commentTexts(e.emu.Comments(alert.ID)) }},
		{model.KindIncident, inc.ID, func() []string { return commentTexts(e.emu.IncidentComments(inc.ID)) }},
	} {
		a := connector.CommentAction{Kind: tc.kind, VendorID: tc.id, Body: "validated by alertsync", IdempotencyKey: "key-" + tc.id}
		// Replayed the engine's way: each attempt after the first asks
		// whether an earlier one landed.
		for attempt := range 3 {
			if attempt > 0 {
				applied, err := e.conn.CommentApplied(t.Context(), a)
				if err != nil || !applied {
					t.Fatalf("%s: CommentApplied after a comment landed = %v, %v", tc.kind, applied, err)
				}
				continue
			}
			if err := e.conn.AddComment(t.Context(), a); err != nil {
				t.Fatalf("%s: %v", tc.kind, err)
			}
		}
		got := tc.get()
		want := "validated by alertsync " + connector.CommentMarker(a.IdempotencyKey)
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s comments %q, want [%q]", tc.kind, got, want)
		}
	}
}

func commentTexts(cs []graphemu.Comment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Comment)
	}
	return out
}

// TestIncidentInProgressWritesActive checks F1 against the emulator, which
// refuses the undocumented incident status inProgress: in_progress goes out
// as "active", SetState reports "active", and the next poll returns that same
// vendor string, which is how the engine recognises its own write (the
// canonical reading of "active" is new, so the string is what must match).
func TestIncidentInProgressWritesActive(t *testing.T) {
	t.Parallel()
	e := setup(t, 20, nil)
	p, err := e.conn.FetchIncidents(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	id := e.emu.Incidents()[0].ID
	if _, err := e.conn.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: id, Status: model.StatusResolved, IdempotencyKey: "k0"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	rs, err := e.conn.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: id, Status: model.StatusInProgress,
		Verdict: model.VerdictThreat, Published: true, IdempotencyKey: "k1"})
	if err != nil {
		t.Fatalf("in_progress refused: %v", err)
	}
	if rs.RemoteStatus != "active" {
		t.Fatalf("RemoteStatus = %q, want active", rs.RemoteStatus)
	}
	if stored, _ := e.emu.Incident(id); stored.Status != "active" || stored.Classification != "truePositive" {
		t.Fatalf("incident stored as %s/%s", stored.Status, stored.Classification)
	}
	after, err := e.conn.FetchIncidents(t.Context(), p.Cursor)
	if err != nil || len(after.Items) != 1 {
		t.Fatalf("after SetState: %+v, err %v", after.Items, err)
	}
	got := after.Items[0].Incident
	if got.RemoteStatus != rs.RemoteStatus || got.Status != model.StatusNew {
		t.Fatalf("read back %q (%s), want %q (new)", got.RemoteStatus, got.Status, rs.RemoteStatus)
	}
	patches := e.requests(http.MethodPatch, "security/incidents/"+id)
	if len(patches) != 2 {
		t.Fatalf("%d incident PATCHes, want 2", len(patches))
	}
	for _, r := range patches {
		if strings.Contains(string(r.Body), "inProgress") || r.Status != 200 {
			t.Errorf("PATCH %s answered %d", r.Body, r.Status)
		}
	}
}
