package defendercloud

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alertsync/alertsync/internal/vendorspec"
)

// loadSpec loads the published spec, or nil when it is absent (the tests
// then check the emulator's answers alone), with one relaxation, made in
// memory.
// AutoRest writes "additionalProperties: {type: object}" to mean "any
// value"; read as JSON Schema it rejects the string fields every real
// entity has (the spec's own example: "address": "192.0.2.1"), so
// AlertEntity and AlertProperties.supportingEvidence accept any
// properties, as the shared README's patch G3 does for Graph.
func loadSpec(t *testing.T) *vendorspec.Spec {
	t.Helper()
	spec := vendorspec.Optional(t, vendorspec.DefenderForCloud)
	if spec == nil {
		return nil
	}
	if err := spec.AllowAnyProperties("AlertEntity", ""); err != nil {
		t.Fatal(err)
	}
	if err := spec.AllowAnyProperties("AlertProperties", "supportingEvidence"); err != nil {
		t.Fatal(err)
	}
	return spec
}

// validate checks a request against the spec, sends it to the emulator and
// checks the answer; it returns the status. Without a spec it only sends.
func validate(t *testing.T, spec *vendorspec.Spec, f *fixture, method, path string) int {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, path, nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	if spec != nil {
		if err := spec.ValidateRequest(req, nil); err != nil {
			t.Fatal(err)
		}
	}
	res := f.do(method, path, nil)
	if spec == nil {
		return res.status
	}
	if err := spec.ValidateResponse(req, res.status, res.header, res.body); err != nil {
		t.Fatalf("%v\n%s", err, res.body)
	}
	return res.status
}

// TestResponsesMatchPublishedSpec reads and moves alerts at every scope the
// API documents: the emulator's statuses are checked always, requests and
// answers against the published spec when it is there.
func TestResponsesMatchPublishedSpec(t *testing.T) {
	spec := loadSpec(t)
	f := setup(t, Options{SeedAlerts: 12, Seed: 5, PageSize: 5})
	sub := ScenarioSubscription(5)
	a := f.emu.Alerts()[0]
	f.mustCreate(vmSpec("example", "myRg1"))
	rgBase := "/subscriptions/" + sub + "/resourceGroups/rg-prod-web/providers/Microsoft.Security"
	subBase := "/subscriptions/" + sub + "/providers/Microsoft.Security"
	alertPath := "/subscriptions/" + sub1 + "/resourceGroups/myRg1/providers/Microsoft.Security/locations/westeurope/alerts/example"
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, subBase + "/alerts" + v, 200},
		{http.MethodGet, rgBase + "/alerts" + v, 200},
		{http.MethodGet, subBase + "/locations/westeurope/alerts" + v, 200},
		{http.MethodGet, rgBase + "/locations/westeurope/alerts" + v, 200},
		{http.MethodGet, subBase + "/locations/westeurope/alerts/" + a.Name + v, 200},
		{http.MethodGet, alertPath + v, 200},
		{http.MethodPost, alertPath + "/inProgress" + v, 204},
		{http.MethodPost, alertPath + "/dismiss" + v, 204},
		{http.MethodPost, alertPath + "/activate" + v, 204},
		{http.MethodPost, alertPath + "/resolve" + v, 204},
		{http.MethodPost, "/subscriptions/" + sub1 + "/providers/Microsoft.Security/locations/westeurope/alerts/example/resolve" + v, 204},
		{http.MethodGet, subBase + "/locations/westeurope/alerts/missing" + v, 404},
		{http.MethodGet, subBase + "/alerts?api-version=2019-01-01", 400},
	}
	for _, tt := range tests {
		if got := validate(t, spec, f, tt.method, tt.path); got != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, got, tt.status)
		}
	}
}

// TestSimulateMatchesPublishedSpec checks Alerts_Simulate: the documented
// request body (the spec's own example, every bundle) is valid and
// answered with the one declared status, 202; a body the spec rejects
// (kind outside the enum) is refused with a CloudError it accepts.
func TestSimulateMatchesPublishedSpec(t *testing.T) {
	spec := loadSpec(t)
	f := setup(t, Options{})
	path := simulatePath(sub1, "centralus")
	tests := []struct {
		name     string
		body     []byte
		reqValid bool
		status   int
	}{
		{"example", simulateBodyJSON(t, "Bundles", "AppServices", "DNS", "KeyVaults", "KubernetesService",
			"ResourceManager", "SqlServers", "StorageAccounts", "VirtualMachines"), true, 202},
		{"cosmos", simulateBodyJSON(t, "Bundles", "CosmosDbs"), true, 202},
		{"unknown kind", simulateBodyJSON(t, "Everything", "DNS"), false, 400},
	}
	for _, tt := range tests {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Content-Type", "application/json")
		if spec != nil {
			if err := spec.ValidateRequest(req, tt.body); (err == nil) != tt.reqValid {
				t.Fatalf("%s: request valid per spec = %v, want %v: %v", tt.name, err == nil, tt.reqValid, err)
			}
		}
		res := f.do(http.MethodPost, path, tt.body)
		if res.status != tt.status {
			t.Fatalf("%s: status %d, want %d: %s", tt.name, res.status, tt.status, res.body)
		}
		if spec == nil {
			continue
		}
		if err := spec.ValidateResponse(req, res.status, res.header, res.body); err != nil {
			t.Fatalf("%s: %v\n%s", tt.name, err, res.body)
		}
	}
	// The sample alerts read back through the documented list are valid
	// alerts of the spec too.
	if got := validate(t, spec, f, http.MethodGet, "/subscriptions/"+sub1+"/providers/Microsoft.Security/alerts"+v); got != 200 {
		t.Fatalf("list after simulate: %d", got)
	}
	if n := len(f.emu.Alerts()); n != 9 {
		t.Fatalf("%d sample alerts, want 9", n)
	}
}
