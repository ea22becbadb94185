package demo

import (
	"context"
	"encoding/json"
	"github.com/alertsync/alertsync/internal/emulators/registry"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/alertsync/alertsync/internal/connectors/all"
)

// TestDemoScenario is the end-to-end harness: the whole hub on SQLite
// against every emulator, in-process, checking each row of the scenario
// (including the seed's Defender for Cloud ↔ Sentinel table) against the
// emulators' own state, and the totals read back from them.
func TestDemoScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scenario")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sum, err := Run(ctx, Options{PollInterval: 300 * time.Millisecond, Alerts: map[string]int{"graph": 120, "mde": 60}, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sum.Print(&out)
	t.Log("\n" + out.String())
	if f := sum.Failed(); len(f) > 0 {
		t.Fatalf("%d rows failed: %+v", len(f), f)
	}
	if len(sum.Rows) < 14 {
		t.Fatalf("only %d rows ran", len(sum.Rows))
	}
	// The second tenant's isolation rows (one per vendor that can close
	// an alert) and one row per tenant.
	tenantRows := 0
	for _, r := range sum.Rows {
		if r.Section == tenantsSection {
			tenantRows++
		}
	}
	if tenantRows < 4 {
		t.Errorf("%d rows in %q, want the isolation rows and one per tenant", tenantRows, tenantsSection)
	}
	if sum.Outbox["dead"] != 0 {
		t.Fatalf("dead letters after the demo: %v", sum.Outbox)
	}
	assertClean(t, sum.Report(), registeredVendors(t))
}

// TestDemoThroughProxy runs the demo, with traffic after the rows, with
// the hub calling every vendor and the login through a plain forwarding
// proxy, as an operator recording or validating what alertsync sends
// would: it must end as clean as without one, and every vendor must have
// been reached through the proxy.
func TestDemoThroughProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scenario")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy, seen := forwardingProxy(t, "http://"+ln.Addr().String())
	// The emulators' paths are the registry's: a login or a vendor under
	// its own name, the ARM providers under their host's.
	ep := map[string]string{"entra": proxy + "/entra", "graph": proxy + "/graph", "mde": proxy + "/mde",
		"defendercloud": proxy + "/arm", "sentinel": proxy + "/arm"}
	summary := filepath.Join(t.TempDir(), "summary.json")
	sum, err := Run(ctx, Options{PollInterval: 300 * time.Millisecond, Alerts: map[string]int{"graph": 60, "mde": 30},
		DataDir: t.TempDir(), Duration: 60 * time.Second, Traffic: 10 * time.Second, Rate: 2, Endpoints: ep, EmulatorsListener: ln})
	if werr := sum.WriteJSON(summary); werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sum.Print(&out)
	t.Log("\n" + out.String())
	raw, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("summary JSON: %v\n%s", err, raw)
	}
	assertClean(t, rep, registeredVendors(t))
	for _, prefix := range []string{"/entra/", "/graph/", "/mde/", "/arm/"} {
		if seen(prefix) == 0 {
			t.Errorf("no request reached %s through the proxy", prefix)
		}
	}
	if !strings.Contains(out.String(), "of traffic at") {
		t.Errorf("no traffic ran after the rows")
	}
}

// forwardingProxy serves a plain reverse proxy to target and counts the
// requests it forwarded by path.
func forwardingProxy(t *testing.T, target string) (string, func(prefix string) int) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	paths := map[string]int{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // the hub's requests cut short at shutdown
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths[r.URL.Path]++
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func(prefix string) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for p, c := range paths {
			if strings.HasPrefix(p, prefix) {
				n += c
			}
		}
		return n
	}
}

// assertClean checks a summary the way the contract in docs/demo.md
// defines a clean run.
// registeredVendors is how many vendors the demo runs: every registered
// emulator is one integration.
func registeredVendors(t *testing.T) int {
	t.Helper()
	vs, err := registry.Vendors()
	if err != nil {
		t.Fatal(err)
	}
	return len(vs)
}

func assertClean(t *testing.T, rep Report, integrations int) {
	t.Helper()
	if rep.Checks.Failed != 0 || len(rep.Checks.FailedNames) != 0 {
		t.Errorf("failed checks: %v", rep.Checks.FailedNames)
	}
	perTenant := map[string]int{}
	for _, in := range rep.Integrations {
		perTenant[in.Tenant]++
	}
	if perTenant["default"] != integrations || perTenant[secondTenant] != integrations || len(perTenant) != 2 {
		t.Errorf("integrations by tenant in the summary: %v, want %d in default and in %s", perTenant, integrations, secondTenant)
	}
	for _, in := range rep.Integrations {
		if in.StateWritesObserved != in.StateWritesExpected || in.CommentsObserved != in.CommentsExpected ||
			in.DuplicateComments != 0 || in.DeadLetters != 0 || len(in.Mismatches) != 0 {
			t.Errorf("%s not clean: %+v", in.ID, in)
		}
		if in.Ingested == 0 {
			t.Errorf("%s ingested nothing", in.ID)
		}
	}
	if rep.Outbox.Pending != 0 || rep.Outbox.Dead != 0 || rep.Outbox.Delivered == 0 {
		t.Errorf("outbox %+v", rep.Outbox)
	}
	if rep.RSSMB <= 0 || rep.DurationS <= 0 {
		t.Errorf("rss %v MB, duration %v s", rep.RSSMB, rep.DurationS)
	}
}
