package defendercloud

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func simulatePath(sub, loc string) string {
	return "/subscriptions/" + sub + "/providers/Microsoft.Security/locations/" + loc + "/alerts/default/simulate" + v
}

func simulateBodyJSON(t *testing.T, kind string, bundles ...string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"properties": map[string]any{"kind": kind, "bundles": bundles}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSimulateRaisesSampleAlerts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bundles []string
		types   []string
	}{
		{"one bundle", []string{"VirtualMachines"}, []string{"VM_DigitalCurrencyMining"}},
		{"case-insensitive, repeats once", []string{"keyvaults", "KeyVaults"}, []string{"KV_TORAccess"}},
		{"subscription-level alert", []string{"ResourceManager"}, []string{"ARM_OperationFromSuspiciousIP"}},
		{"every bundle", Bundles, []string{"AppServices_PhishingContent", "AzureDNS_ThreatIntelSuspectDomain", "KV_TORAccess",
			"K8S_ExposedDashboard", "ARM_OperationFromSuspiciousIP", "SQL.DB_VulnerabilityToSqlInjection",
			"Storage.Blob_TorAnomaly", "VM_DigitalCurrencyMining", "CosmosDB_TorAnomaly"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{})
			var mu sync.Mutex
			var hooked []string
			f.emu.OnAlertChange(func(b []byte) {
				var a Alert
				_ = json.Unmarshal(b, &a)
				mu.Lock()
				defer mu.Unlock()
				hooked = append(hooked, a.Name)
			})
			res := f.do(http.MethodPost, simulatePath(sub1, "centralus"), simulateBodyJSON(t, "Bundles", tt.bundles...))
			if res.status != http.StatusAccepted || len(res.body) != 0 {
				t.Fatalf("simulate: %d %s", res.status, res.body)
			}
			got := f.emu.Alerts()
			mu.Lock()
			defer mu.Unlock()
			if len(got) != len(tt.types) || len(hooked) != len(got) {
				t.Fatalf("%d alerts, %d hook calls, want %d", len(got), len(hooked), len(tt.types))
			}
			for i, a := range got {
				p := a.Properties
				if p.AlertType != tt.types[i] || p.Status != StatusActive || p.IsIncident ||
					!strings.HasPrefix(p.AlertDisplayName, SampleTitlePrefix) || !strings.HasPrefix(p.Description, SampleDescriptionPrefix) {
					t.Errorf("alert %d: %s %s incident=%v %q", i, p.AlertType, p.Status, p.IsIncident, p.AlertDisplayName)
				}
				if !strings.HasPrefix(a.ID, "/subscriptions/"+sub1+"/") || !strings.Contains(a.ID, "/locations/centralus/alerts/") {
					t.Errorf("alert %d id %s", i, a.ID)
				}
				if res := p.ResourceIdentifiers[0]["azureResourceId"].(string); !strings.HasPrefix(res, "/subscriptions/"+sub1) {
					t.Errorf("alert %d on %s, not a resource of the subscription", i, res)
				}
			}
		})
	}
}

func TestSimulateRefusals(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	rgPath := "/subscriptions/" + sub1 + "/resourceGroups/rg1/providers/Microsoft.Security/locations/westeurope/alerts/default/simulate" + v
	tests := []struct {
		name, path string
		body       []byte
		status     int
		code       string
	}{
		{"unknown bundle", simulatePath(sub1, "westeurope"), simulateBodyJSON(t, "Bundles", "Mainframes"), 400, "BadRequest"},
		{"unknown kind", simulatePath(sub1, "westeurope"), simulateBodyJSON(t, "Everything", "DNS"), 400, "BadRequest"},
		{"no bundles", simulatePath(sub1, "westeurope"), simulateBodyJSON(t, "Bundles"), 400, "BadRequest"},
		{"no properties", simulatePath(sub1, "westeurope"), []byte(`{}`), 400, "BadRequest"},
		{"not JSON", simulatePath(sub1, "westeurope"), []byte(`bundles=DNS`), 400, "InvalidRequestContent"},
		{"bad subscription", simulatePath("not-a-guid", "westeurope"), simulateBodyJSON(t, "Bundles", "DNS"), 400, "InvalidSubscriptionId"},
		{"resource group scope", rgPath, simulateBodyJSON(t, "Bundles", "DNS"), 404, "NotFound"},
	}
	for _, tt := range tests {
		res := f.do(http.MethodPost, tt.path, tt.body)
		if res.status != tt.status || res.errorCode(t) != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, res.status, res.body, tt.status, tt.code)
		}
	}
	if n := len(f.emu.Alerts()); n != 0 {
		t.Fatalf("refused simulations raised %d alerts", n)
	}
}

func TestSimulatePollLocation(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	res := f.do(http.MethodPost, simulatePath(sub1, "westeurope"), simulateBodyJSON(t, "Bundles", "DNS"))
	loc := res.header.Get("Location")
	if res.status != http.StatusAccepted || !strings.HasPrefix(loc, f.srv.URL+"/subscriptions/"+sub1+"/") {
		t.Fatalf("simulate: %d Location %q", res.status, loc)
	}
	if poll := f.do(http.MethodGet, loc, nil); poll.status != http.StatusNoContent {
		t.Fatalf("poll: %d %s", poll.status, poll.body)
	}
	unknown := "/subscriptions/" + sub1 + "/providers/Microsoft.Security/locations/westeurope/operationResults/nope" + v
	if poll := f.do(http.MethodGet, unknown, nil); poll.status != http.StatusNotFound {
		t.Fatalf("unknown operation: %d", poll.status)
	}
	f.emu.Reset()
	if poll := f.do(http.MethodGet, loc, nil); poll.status != http.StatusNotFound {
		t.Fatalf("operation survived Reset: %d", poll.status)
	}
}
