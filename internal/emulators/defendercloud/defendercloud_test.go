package defendercloud

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	graphTok, err := f.emu.Issuer().Issue(testTenant, testClient, "https://graph.microsoft.com")
	if err != nil {
		t.Fatal(err)
	}
	path := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/alerts" + v
	tests := []struct {
		name, auth, code string
	}{
		{"missing header", "", "AuthenticationFailed"},
		{"not bearer", "Basic abc", "AuthenticationFailed"},
		{"unknown token", "Bearer nope", "InvalidAuthenticationToken"},
		{"graph token", "Bearer " + graphTok.AccessToken, "InvalidAuthenticationToken"},
	}
	for _, tt := range tests {
		res := f.doAuth(http.MethodGet, path, nil, tt.auth)
		if res.status != http.StatusUnauthorized || res.errorCode(t) != tt.code {
			t.Errorf("%s: got %d %s, want 401 %s", tt.name, res.status, res.body, tt.code)
		}
	}
	if res := f.do(http.MethodGet, path, nil); res.status != http.StatusOK {
		t.Fatalf("fresh token: %d %s", res.status, res.body)
	}
	f.clock.Advance(entra.DefaultTokenTTL + time.Second)
	if res := f.do(http.MethodGet, path, nil); res.status != http.StatusUnauthorized || res.errorCode(t) != "InvalidAuthenticationToken" {
		t.Fatalf("expired token: %d %s", res.status, res.body)
	}
}

func TestAPIVersion(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	base := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/alerts"
	tests := []struct {
		query, code string
		status      int
	}{
		{"", "MissingApiVersionParameter", 400},
		{"?api-version=latest", "InvalidApiVersionParameter", 400},
		{"?api-version=2021-01-01", "NoRegisteredProviderFound", 400},
		{"?api-version=2022-01-01", "", 200},
	}
	for _, tt := range tests {
		res := f.do(http.MethodGet, base+tt.query, nil)
		if res.status != tt.status {
			t.Errorf("%q: status %d %s, want %d", tt.query, res.status, res.body, tt.status)
			continue
		}
		if tt.code != "" && res.errorCode(t) != tt.code {
			t.Errorf("%q: code %s, want %s", tt.query, res.body, tt.code)
		}
	}
}

func TestListScopesAndPaging(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{SeedAlerts: 36, Seed: 7, PageSize: 10})
	sub := ScenarioSubscription(7)
	tests := []struct {
		name, path string
		want       func(Alert) bool
	}{
		{"subscription", "/subscriptions/" + sub + "/providers/Microsoft.Security/alerts", func(Alert) bool { return true }},
		{"resource group", "/subscriptions/" + sub + "/resourceGroups/rg-prod-data/providers/Microsoft.Security/alerts",
			func(a Alert) bool { return strings.Contains(a.ID, "/resourceGroups/rg-prod-data/") }},
		{"region", "/subscriptions/" + sub + "/providers/Microsoft.Security/locations/westeurope/alerts", func(Alert) bool { return true }},
		{"other region", "/subscriptions/" + sub + "/providers/Microsoft.Security/locations/eastus/alerts", func(Alert) bool { return false }},
		{"rg and region", "/subscriptions/" + sub + "/resourceGroups/rg-prod-web/providers/Microsoft.Security/locations/westeurope/alerts",
			func(a Alert) bool { return strings.Contains(a.ID, "/resourceGroups/rg-prod-web/") }},
	}
	for _, tt := range tests {
		var want []string
		for _, a := range f.emu.Alerts() {
			if tt.want(a) {
				want = append(want, a.Name)
			}
		}
		var got []string
		next, pages := tt.path+v, 0
		for next != "" {
			res := f.do(http.MethodGet, next, nil)
			if res.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tt.name, res.status, res.body)
			}
			var page alertList
			res.decode(t, &page)
			if len(page.Value) > 10 {
				t.Fatalf("%s: page of %d > PageSize", tt.name, len(page.Value))
			}
			for _, a := range page.Value {
				got = append(got, a.Name)
			}
			next, pages = page.NextLink, pages+1
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d alerts over %d pages, want %d", tt.name, len(got), pages, len(want))
		}
	}
	if n := len(f.emu.Alerts()); n != 36 {
		t.Fatalf("seeded %d alerts, want 36", n)
	}
}

func TestGetAndStateActions(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.mustCreate(vmSpec("a1", "myRg1"))
	rgAlert := "/subscriptions/" + sub1 + "/resourceGroups/myRg1/providers/Microsoft.Security/locations/westeurope/alerts/a1"
	subAlert := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/locations/westeurope/alerts/a1"

	for _, p := range []string{rgAlert, subAlert, strings.ToLower(rgAlert)} {
		res := f.do(http.MethodGet, p+v, nil)
		var a Alert
		if res.status != http.StatusOK {
			t.Fatalf("get %s: %d %s", p, res.status, res.body)
		}
		res.decode(t, &a)
		if a.Properties.Status != StatusActive || a.Properties.SystemAlertID != "a1" || a.Type != "Microsoft.Security/Locations/alerts" {
			t.Fatalf("get %s: %+v", p, a)
		}
	}
	actions := []struct{ action, path, want string }{
		{"inProgress", rgAlert, StatusInProgress},
		{"dismiss", subAlert, StatusDismissed},
		{"activate", rgAlert, StatusActive},
		{"resolve", rgAlert, StatusResolved},
		{"inprogress", subAlert, StatusInProgress}, // ARM matches segments case-insensitively
	}
	for _, tt := range actions {
		res := f.do(http.MethodPost, tt.path+"/"+tt.action+v, nil)
		if res.status != http.StatusNoContent || len(res.body) != 0 {
			t.Fatalf("%s: %d %q", tt.action, res.status, res.body)
		}
		if a, _ := f.emu.Alert("a1"); a.Properties.Status != tt.want {
			t.Fatalf("%s: status %s, want %s", tt.action, a.Properties.Status, tt.want)
		}
	}
	notFound := []struct{ method, path string }{
		{http.MethodGet, strings.Replace(rgAlert, "a1", "nope", 1)},
		{http.MethodGet, strings.Replace(rgAlert, "myRg1", "otherRg", 1)},
		{http.MethodGet, strings.Replace(rgAlert, "westeurope", "eastus", 1)},
		{http.MethodPost, strings.Replace(rgAlert, "a1", "nope", 1) + "/resolve"},
		{http.MethodPost, rgAlert + "/comments"}, // Defender for Cloud has no comment API
		{http.MethodPost, rgAlert + "/close"},
	}
	for _, tt := range notFound {
		res := f.do(tt.method, tt.path+v, nil)
		if res.status != http.StatusNotFound || res.errorCode(t) != "NotFound" {
			t.Errorf("%s %s: %d %s, want 404 CloudError", tt.method, tt.path, res.status, res.body)
		}
	}
	if res := f.do(http.MethodGet, "/subscriptions/not-a-guid/providers/Microsoft.Security/alerts"+v, nil); res.status != 400 || res.errorCode(t) != "InvalidSubscriptionId" {
		t.Fatalf("bad subscription: %d %s", res.status, res.body)
	}
}

func TestHooksFireOnCreateAndStatusChange(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	var got []string
	f.emu.OnAlertChange(func(b []byte) {
		var a Alert
		res := response{body: b}
		res.decode(t, &a)
		got = append(got, a.Name+":"+a.Properties.Status)
	})
	f.mustCreate(vmSpec("h1", "rg"))
	path := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/locations/westeurope/alerts/h1/"
	for _, act := range []string{"inProgress", "inProgress", "dismiss", "resolve"} {
		if res := f.do(http.MethodPost, path+act+v, nil); res.status != http.StatusNoContent {
			t.Fatalf("%s: %d", act, res.status)
		}
	}
	if err := f.emu.ResolveAlert(t.Context(), "h1"); err != nil { // already resolved: no event
		t.Fatal(err)
	}
	want := []string{"h1:Active", "h1:InProgress", "h1:Dismissed", "h1:Resolved"}
	if !slices.Equal(got, want) {
		t.Fatalf("hook events %v, want %v", got, want)
	}
	if err := f.emu.ResolveAlert(t.Context(), "missing"); err == nil {
		t.Fatal("resolving a missing alert succeeded")
	}
}

func TestInsufficientAccessFault(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.emu.FailFirstInsufficientAccess(1)
	path := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/alerts" + v
	res := f.do(http.MethodGet, path, nil)
	if res.status != http.StatusForbidden || string(res.body) != InsufficientAccessBody {
		t.Fatalf("first call: %d %s", res.status, res.body)
	}
	if !strings.Contains(string(res.body), `"correlationId": "b6c48692-cabf-449a-ba8d-fed52ad6d174"`) {
		t.Fatal("body lost the seed's correlationId")
	}
	if res := f.do(http.MethodGet, path, nil); res.status != http.StatusOK {
		t.Fatalf("second call: %d %s", res.status, res.body)
	}
	f.emu.FailFirstInsufficientAccess(0)
	if res := f.do(http.MethodGet, path, nil); res.status != http.StatusOK {
		t.Fatalf("switched off: %d", res.status)
	}
}

func TestThrottleTokenBucket(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{ReadBudget: Budget{Burst: 3, PerSecond: 1}, WriteBudget: Budget{Burst: 2, PerSecond: 0.5}})
	f.mustCreate(vmSpec("t1", "rg"))
	read := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/alerts" + v
	write := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/locations/westeurope/alerts/t1/resolve" + v
	for i, want := range []string{"2", "1", "0"} {
		res := f.do(http.MethodGet, read, nil)
		if res.status != 200 || res.header.Get("x-ms-ratelimit-remaining-subscription-reads") != want {
			t.Fatalf("read %d: %d remaining %q, want %s", i, res.status, res.header.Get("x-ms-ratelimit-remaining-subscription-reads"), want)
		}
	}
	res := f.do(http.MethodGet, read, nil)
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != "1" || res.errorCode(t) != "SubscriptionRequestsThrottled" {
		t.Fatalf("over budget: %d Retry-After %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	// Writes have their own bucket.
	if res := f.do(http.MethodPost, write, nil); res.status != 204 || res.header.Get("x-ms-ratelimit-remaining-subscription-writes") != "1" {
		t.Fatalf("write: %d %v", res.status, res.header)
	}
	f.clock.Advance(time.Second)
	if res := f.do(http.MethodGet, read, nil); res.status != 200 {
		t.Fatalf("after refill: %d", res.status)
	}
}

func TestRecorderAndReset(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{SeedAlerts: 5, Seed: 3})
	before := f.emu.Alerts()
	f.do(http.MethodGet, "/subscriptions/"+sub1+"/providers/Microsoft.Security/alerts"+v, nil)
	reqs := f.emu.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "" || reqs[0].Status != 200 {
		t.Fatalf("recorded %+v", reqs)
	}
	f.emu.Reset()
	if len(f.emu.Requests()) != 0 {
		t.Fatal("Reset kept requests")
	}
	after := f.emu.Alerts()
	if len(after) != 5 {
		t.Fatalf("reseeded %d alerts", len(after))
	}
	for i := range after {
		if after[i].Name != before[i].Name || after[i].Properties.AlertDisplayName != before[i].Properties.AlertDisplayName {
			t.Fatalf("replay differs at %d: %s vs %s", i, after[i].Name, before[i].Name)
		}
	}
}

func TestGenerateAlertsOverlap(t *testing.T) {
	t.Parallel()
	a := GenerateAlerts(11, 36, testStart)
	b := GenerateAlerts(11, 36, testStart)
	hosts, ips := map[string]int{}, map[string]int{}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].ResourceID != b[i].ResourceID {
			t.Fatalf("not deterministic at %d", i)
		}
		for _, e := range a[i].Entities {
			if h, ok := e["hostName"].(string); ok {
				hosts[h]++
			}
			if ip, ok := e["address"].(string); ok {
				ips[ip]++
			}
		}
	}
	if len(hosts) < 2 || len(hosts) > 4 {
		t.Fatalf("want a few VMs, got %v", hosts)
	}
	shared := 0
	for _, n := range ips {
		if n > 1 {
			shared++
		}
	}
	if shared == 0 {
		t.Fatalf("no IP shared between alerts: %v", ips)
	}
}
