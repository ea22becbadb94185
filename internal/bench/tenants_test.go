package bench

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestTenantsCase runs the tenants case small on both stores; it asserts
// that every alert and write-back stayed in its tenant, never speed.
func TestTenantsCase(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			o := Options{PostgresDSN: testDSN(), Tenants: TenantsOptions{Tenants: 5, Alerts: 40, Verdicts: 30, VerdictRate: 1000}}
			res, err := measureTenants(context.Background(), name, o)
			if err != nil {
				if name == "postgres" && os.Getenv("CI") != "true" && !serverAnswers(testDSN()) {
					t.Skipf("no PostgreSQL server answered: %v", err)
				}
				t.Fatal(err)
			}
			if res.CrossTenantWrites != 0 || res.WrongAlertCounts != 0 || res.Verdicts != 30 {
				t.Errorf("tenants leaked: %+v", res)
			}
			if res.IngestAlertsPerS <= 0 || res.SingleTenant.IngestAlertsPerS <= 0 || res.VerdictRemoteP50MS <= 0 ||
				res.SingleTenant.VerdictRemoteP50MS <= 0 || res.IngestVsSingle <= 0 || res.VerdictP99VsSingle <= 0 {
				t.Errorf("a figure is missing: %+v", res)
			}
		})
	}
}

// TestTenantReceiverCountsCrossTenantWrites checks the receiver counts a
// write-back arriving at another tenant's path, or twice, and matches
// the one that arrives where its verdict was given.
func TestTenantReceiverCountsCrossTenantWrites(t *testing.T) {
	r := newTenantReceiver()
	defer r.Close()
	r.expect(tenantWrite{"acme", "bench-0000001"})
	post := func(tenant string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, r.URL+"/"+tenant,
			strings.NewReader(`{"action":"set_state","vendor_id":"bench-0000001"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := r.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("receiver answered %d", resp.StatusCode)
		}
	}
	post("globex")
	post("acme")
	post("acme")
	took, err := r.wait(context.Background(), 1, 0)
	if err != nil || len(took) != 1 {
		t.Fatalf("wait = %v, %v; want one latency", took, err)
	}
	if got := r.unexpectedCount(); got != 2 {
		t.Errorf("unexpected writes = %d, want 2 (the other tenant's and the repeat)", got)
	}
}

// TestVerdictTargets checks each tenant's verdicts fall on distinct
// alerts and the single tenant gets verdicts on the same alerts.
func TestVerdictTargets(t *testing.T) {
	ids := []string{"a", "b", "c"}
	many, single := verdictTargets(ids, 4, 12)
	seen, seenSingle := map[tenantWrite]bool{}, map[tenantWrite]bool{}
	for i := range many {
		if seen[many[i]] || seenSingle[single[i]] {
			t.Fatalf("verdict %d repeats a target: %v / %v", i, many[i], single[i])
		}
		seen[many[i]], seenSingle[single[i]] = true, true
	}
	if len(seen) != 12 || many[4] != (tenantWrite{"b", "bench-0000001"}) || single[4] != (tenantWrite{"default", "bench-0000005"}) {
		t.Errorf("targets = %v / %v", many, single)
	}
}
