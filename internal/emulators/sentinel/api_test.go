package sentinel

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

func TestIncidentPut(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	id := "73e01a99-5cd7-4139-a149-9f2736ff2ab5"
	res := f.do(http.MethodPut, f.incPath(id, ""), minimalIncident("My incident", "New"))
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created Incident
	res.decode(t, &created)
	etag1 := created.Etag

	tests := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"missing title", map[string]any{"properties": map[string]any{"severity": "High", "status": "New"}}, 400, "BadRequest"},
		{"missing status", map[string]any{"properties": map[string]any{"title": "x", "severity": "High"}}, 400, "BadRequest"},
		{"no properties", map[string]any{"etag": etag1}, 400, "BadRequest"},
		{"bad status", minimalIncident("x", "Open"), 400, "BadRequest"},
		{"bad classification", map[string]any{"properties": map[string]any{"title": "x", "severity": "High", "status": "Closed", "classification": "Benign"}}, 400, "BadRequest"},
		{"bad reason", map[string]any{"properties": map[string]any{"title": "x", "severity": "High", "status": "Closed", "classificationReason": "Because"}}, 400, "BadRequest"},
		{"bad json", []byte(`{"properties":`), 400, "InvalidRequestContent"},
		{"stale etag", map[string]any{"etag": `"stale"`, "properties": minimalIncident("x", "Active")["properties"]}, 409, "Conflict"},
	}
	for _, tt := range tests {
		res := f.do(http.MethodPut, f.incPath(id, ""), tt.body)
		if res.status != tt.status || res.errorBody(t).Code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, res.status, res.body, tt.status, tt.code)
		}
	}
	res = f.do(http.MethodPut, f.incPath(id, ""), map[string]any{"etag": `"stale"`, "properties": minimalIncident("x", "Active")["properties"]})
	if msg := res.errorBody(t).Message; msg != "New version of resource '"+f.sen.BasePath()+"/incidents/"+id+"' exists. Data was not saved" {
		t.Fatalf("conflict message %q", msg)
	}

	// Current etag: accepted, etag and lastModifiedTimeUtc move, read-only fields are the server's.
	body := map[string]any{"etag": etag1, "properties": map[string]any{
		"title": "Renamed", "severity": "Low", "status": "Active", "incidentNumber": 999,
		"createdTimeUtc": "2001-01-01T00:00:00Z", "providerName": "me", "additionalData": map[string]any{"alertsCount": 7},
		"labels": []map[string]any{{"labelName": "triage", "labelType": "AutoAssigned"}},
	}}
	res = f.do(http.MethodPut, f.incPath(id, ""), body)
	var updated Incident
	res.decode(t, &updated)
	p := updated.Properties
	if res.status != http.StatusOK || updated.Etag == etag1 || p.IncidentNumber != created.Properties.IncidentNumber ||
		!p.CreatedTimeUtc.Equal(created.Properties.CreatedTimeUtc) || p.ProviderName != "Azure Sentinel" ||
		p.AdditionalData.AlertsCount != 0 || !p.LastModifiedTimeUtc.After(created.Properties.LastModifiedTimeUtc) ||
		p.Title != "Renamed" || p.Labels[0].LabelType != "User" {
		t.Fatalf("update: %d %+v", res.status, updated)
	}
	// The old etag is now stale; no etag at all means last writer wins.
	if res := f.do(http.MethodPut, f.incPath(id, ""), map[string]any{"etag": etag1, "properties": body["properties"]}); res.status != http.StatusConflict {
		t.Fatalf("old etag: %d", res.status)
	}
	if res := f.do(http.MethodPut, f.incPath(id, ""), minimalIncident("LWW", "Active")); res.status != http.StatusOK {
		t.Fatalf("no etag: %d %s", res.status, res.body)
	}
	if got, _ := f.sen.Incident(id); got.Properties.Title != "LWW" || got.Etag == updated.Etag {
		t.Fatalf("after LWW: %+v", got)
	}
	// A portal user's change bumps the etag too.
	prev, _ := f.sen.Incident(id)
	inc, err := f.sen.UpdateIncidentAsAnalyst(t.Context(), id, "portal user", func(p *IncidentProperties) { p.Severity = "High" })
	if err != nil || inc.Etag == prev.Etag {
		t.Fatalf("analyst update: %v %s", err, inc.Etag)
	}
	if res := f.do(http.MethodPut, f.incPath(id, ""), map[string]any{"etag": prev.Etag, "properties": minimalIncident("x", "New")["properties"]}); res.status != http.StatusConflict {
		t.Fatalf("etag from before the portal edit: %d", res.status)
	}
	if res := f.do(http.MethodGet, f.incPath("missing", ""), nil); res.status != 404 || res.errorBody(t).Code != "NotFound" {
		t.Fatalf("missing: %d %s", res.status, res.body)
	}
	if res := f.do(http.MethodDelete, f.incPath(id, ""), nil); res.status != 200 {
		t.Fatalf("delete: %d", res.status)
	}
	if res := f.do(http.MethodDelete, f.incPath(id, ""), nil); res.status != 204 {
		t.Fatalf("delete again: %d", res.status)
	}
}

func TestIncidentListQuery(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{PageSize: 3})
	for i := range 7 {
		f.clock.Advance(time.Minute)
		f.newDfCAlert(fmt.Sprintf("l%d", i), "vm")
	}
	f.clock.Advance(time.Minute)
	mark := f.clock.Now()
	f.clock.Advance(time.Minute)
	incs := f.sen.Incidents()
	for _, n := range []int{1, 4} {
		if _, err := f.sen.UpdateIncidentAsAnalyst(t.Context(), incs[n].Name, "a", func(p *IncidentProperties) { p.Status = StatusActive }); err != nil {
			t.Fatal(err)
		}
	}
	list := f.sen.BasePath() + "/incidents" + v
	collect := func(query string) ([]int, int) {
		var nums []int
		next, pages := list+query, 0
		for next != "" {
			res := f.do(http.MethodGet, next, nil)
			if res.status != 200 {
				t.Fatalf("list %s: %d %s", query, res.status, res.body)
			}
			var page incidentList
			res.decode(t, &page)
			for _, inc := range page.Value {
				nums = append(nums, inc.Properties.IncidentNumber)
			}
			next, pages = page.NextLink, pages+1
		}
		return nums, pages
	}
	q := func(k, v string) string { return "&" + k + "=" + url.QueryEscape(v) }
	tests := []struct {
		name, query string
		want        string
		pages       int
	}{
		{"default paging", "", "[1 2 3 4 5 6 7]", 3},
		{"top", q("$top", "5"), "[1 2 3 4 5 6 7]", 2},
		{"status", q("$filter", "properties/status eq 'Active'"), "[2 5]", 1},
		{"modified since", q("$filter", "properties/lastModifiedTimeUtc gt "+mark.Format(time.RFC3339)), "[2 5]", 1},
		{"created desc", q("$orderby", "properties/createdTimeUtc desc") + q("$top", "4"), "[7 6 5 4 3 2 1]", 2},
		{"both", q("$filter", "properties/status eq 'New' and properties/lastModifiedTimeUtc gt 2020-01-01T00:00:00Z") + q("$orderby", "properties/incidentNumber desc"), "[7 6 4 3 1]", 2},
	}
	for _, tt := range tests {
		got, pages := collect(tt.query)
		if fmt.Sprint(got) != tt.want || pages != tt.pages {
			t.Errorf("%s: got %v over %d pages, want %s over %d", tt.name, got, pages, tt.want, tt.pages)
		}
	}
	bad := []string{q("$top", "1001"), q("$top", "0"), q("$top", "x"), q("$filter", "properties/nope eq 'x'"),
		q("$filter", "properties/status eq"), q("$orderby", "properties/bogus"), q("$skipToken", "zzz")}
	for _, b := range bad {
		if res := f.do(http.MethodGet, list+b, nil); res.status != 400 || res.errorBody(t).Code != "BadRequest" {
			t.Errorf("%s: %d %s", b, res.status, res.body)
		}
	}
	if res := f.do(http.MethodGet, list+q("$top", "1000"), nil); res.status != 200 {
		t.Fatalf("$top=1000: %d", res.status)
	}
}

func TestComments(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{PageSize: 2})
	f.newDfCAlert("c-alert", "vm")
	inc := f.onlyIncident("c-alert")
	cid := "4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014"
	msg := func(m string) map[string]any { return map[string]any{"properties": map[string]any{"message": m}} }
	if res := f.do(http.MethodPut, f.incPath(inc.Name, "/comments/"+cid), msg("first")); res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	res := f.do(http.MethodPut, f.incPath(inc.Name, "/comments/"+cid), msg("edited"))
	var c Comment
	res.decode(t, &c)
	if res.status != http.StatusOK || c.Properties.Message != "edited" || c.Properties.Author.Name != "alertsync" ||
		c.Type != "Microsoft.SecurityInsights/incidents/comments" {
		t.Fatalf("same id again: %d %+v", res.status, c)
	}
	if n := len(f.sen.Comments(inc.Name)); n != 1 {
		t.Fatalf("%d comments after retrying one id", n)
	}
	// A new comment changes the incident, so an update with its older etag conflicts.
	if res := f.do(http.MethodPut, f.incPath(inc.Name, "/comments/c2"), msg("second")); res.status != 201 {
		t.Fatalf("second: %d", res.status)
	}
	f.do(http.MethodPut, f.incPath(inc.Name, "/comments/c3"), msg("third"))
	upd := map[string]any{"etag": inc.Etag, "properties": minimalIncident(inc.Properties.Title, "Active")["properties"]}
	if res := f.do(http.MethodPut, f.incPath(inc.Name, ""), upd); res.status != http.StatusConflict {
		t.Fatalf("update with pre-comment etag: %d", res.status)
	}
	if got, _ := f.sen.Incident(inc.Name); got.Properties.AdditionalData.CommentsCount != 3 {
		t.Fatalf("commentsCount %d", got.Properties.AdditionalData.CommentsCount)
	}
	var names []string
	for next := f.incPath(inc.Name, "/comments"); next != ""; {
		res := f.do(http.MethodGet, next, nil)
		var page commentList
		res.decode(t, &page)
		for _, c := range page.Value {
			names = append(names, c.Name)
		}
		next = page.NextLink
	}
	if strings.Join(names, ",") != cid+",c2,c3" {
		t.Fatalf("listed %v", names)
	}
	errs := []struct {
		path   string
		body   any
		status int
	}{
		{f.incPath(inc.Name, "/comments/c4"), msg(""), 400},
		{f.incPath(inc.Name, "/comments/c4"), map[string]any{}, 400},
		{f.incPath("missing", "/comments/c4"), msg("x"), 404},
	}
	for _, e := range errs {
		if res := f.do(http.MethodPut, e.path, e.body); res.status != e.status {
			t.Errorf("%s: %d, want %d", e.path, res.status, e.status)
		}
	}
	if res := f.do(http.MethodGet, f.incPath(inc.Name, "/comments/c2"), nil); res.status != 200 {
		t.Fatalf("get comment: %d", res.status)
	}
	if res := f.do(http.MethodGet, f.incPath(inc.Name, "/comments/zz"), nil); res.status != 404 {
		t.Fatalf("get missing comment: %d", res.status)
	}
}

func TestIncidentAlertsEndpoint(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.newDfCAlert("e1", "vm-e")
	inc := f.onlyIncident("e1")
	res := f.do(http.MethodPost, f.incPath(inc.Name, "/alerts"), nil)
	var list alertList
	res.decode(t, &list)
	if res.status != 200 || len(list.Value) != 1 {
		t.Fatalf("alerts: %d %s", res.status, res.body)
	}
	a := list.Value[0]
	if a.Kind != "SecurityAlert" || a.Type != "Microsoft.SecurityInsights/Entities" || a.Properties.SystemAlertID != "e1" ||
		a.Properties.Status != "New" || a.Properties.ProductName != "Azure Security Center" || a.Properties.Tactics[0] != "Execution" {
		t.Fatalf("alert entity %+v", a)
	}
	if res := f.do(http.MethodPost, f.incPath("nope", "/alerts"), nil); res.status != 404 {
		t.Fatalf("missing incident: %d", res.status)
	}
}

func TestAuthAndARMErrors(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{ReadBudget: Budget{Burst: 2, PerSecond: 1}})
	list := f.sen.BasePath() + "/incidents"
	// The token endpoint serves the ARM scope.
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClient}, "client_secret": {"s"},
		"scope": {"https://management.azure.com/.default"}}
	treq, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+"/"+testTenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	treq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tr, err := f.srv.Client().Do(treq)
	if err != nil || tr.StatusCode != 200 {
		t.Fatalf("token endpoint: %v %v", err, tr)
	}
	_ = tr.Body.Close()
	tests := []struct {
		name, path, auth, code string
		status                 int
	}{
		{"no token", list + v, "", "AuthenticationFailed", 401},
		{"bad token", list + v, "Bearer x", "InvalidAuthenticationToken", 401},
		{"old api-version", list + "?api-version=2024-03-01", "Bearer " + f.token, "NoRegisteredProviderFound", 400},
		{"other workspace", strings.Replace(list, DefaultWorkspace, "other-ws", 1) + v, "Bearer " + f.token, "ResourceNotFound", 404},
		{"throttled", list + v, "Bearer " + f.token, "SubscriptionRequestsThrottled", 429},
	}
	for _, tt := range tests {
		res := f.doAuth(http.MethodGet, tt.path, nil, tt.auth)
		if res.status != tt.status || res.errorBody(t).Code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, res.status, res.body, tt.status, tt.code)
		}
	}
	f.clock.Advance(entra.DefaultTokenTTL)
	if res := f.do(http.MethodGet, list+v, nil); res.status != 401 || res.errorBody(t).Code != "InvalidAuthenticationToken" {
		t.Fatalf("expired: %d %s", res.status, res.body)
	}
	if n := len(f.sen.Requests()); n != len(tests)+2 {
		t.Fatalf("recorded %d requests, want %d", n, len(tests)+2)
	}
}

// TestConcurrentWritersOneEtag races writers holding the same etag: exactly
// one wins, the rest get 409, while Defender for Cloud changes stream in.
func TestConcurrentWritersOneEtag(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.newDfCAlert("race", "vm-r")
	inc := f.onlyIncident("race")
	const n = 8
	statuses := make(chan int, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, st := range []string{"InProgress", "Dismissed", "Active", "Resolved"} {
			_ = f.dfc.SetAlertStatus("race", st)
		}
	}()
	for i := range n {
		go func() {
			body := map[string]any{"etag": inc.Etag, "properties": minimalIncident(fmt.Sprint("w", i), "Closed")["properties"]}
			statuses <- f.do(http.MethodPut, f.incPath(inc.Name, ""), body).status
		}()
	}
	<-done
	ok, conflicts := 0, 0
	for range n {
		switch <-statuses {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			conflicts++
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("%d succeeded, %d conflicted", ok, conflicts)
	}
	if d, _ := f.dfc.Alert("race"); d.Properties.Status != "Resolved" {
		t.Fatalf("dfc alert ends %s", d.Properties.Status)
	}
}

// TestInsufficientAccessFault is the seed's known issue on the Sentinel
// side: the first call answers 403 InsufficientAccessError byte for byte,
// the next one works, and zero switches the fault off.
func TestInsufficientAccessFault(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	list := f.sen.BasePath() + "/incidents" + v
	f.sen.FailFirstInsufficientAccess(1)
	res := f.do(http.MethodGet, list, nil)
	if res.status != http.StatusForbidden || string(res.body) != InsufficientAccessBody || res.errorBody(t).Code != "InsufficientAccessError" {
		t.Fatalf("first call: %d %s", res.status, res.body)
	}
	if res := f.do(http.MethodGet, list, nil); res.status != http.StatusOK {
		t.Fatalf("second call: %d %s", res.status, res.body)
	}
	f.sen.FailFirstInsufficientAccess(2)
	f.sen.FailFirstInsufficientAccess(0)
	if res := f.do(http.MethodGet, list, nil); res.status != http.StatusOK {
		t.Fatalf("switched off: %d", res.status)
	}
}
