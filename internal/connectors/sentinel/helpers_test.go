package sentinel

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	dfcemu "github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
	senemu "github.com/alertsync/alertsync/internal/emulators/sentinel"
	"github.com/alertsync/alertsync/internal/vendorspec"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "0f0e0d0c-0b0a-4909-8807-060504030201"
	testSecret = "sentinel-client-secret-value-0123456789"
	// wrongSecret is a client secret the app registration does not have.
	wrongSecret = "not-the-sentinel-secret-9a1b"
	dfcSub      = "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
)

type env struct {
	sen    *senemu.Emulator
	dfc    *dfcemu.Emulator
	issuer *entra.Issuer
	srv    *httptest.Server
	c      *Connector
	n      int
	// build builds another connector against the same workspace, logging
	// to log, with secret as its client secret.
	build func(t *testing.T, log *slog.Logger, secret string) *Connector
}

// setup serves a Sentinel workspace (with the Entra token endpoint) fed by
// a connected Defender for Cloud emulator, and builds the connector through
// the registry. wrap, when set, wraps the connector's transport.
func setup(t *testing.T, pageSize int, wrap func(http.RoundTripper) http.RoundTripper) *env {
	t.Helper()
	return setupWith(t, setupOpts{pageSize: pageSize, wrap: wrap})
}

// setupOpts are setup's knobs; clock, when set, is both emulators' clock
// and the connector's, and log receives the connector's logs.
type setupOpts struct {
	pageSize int
	wrap     func(http.RoundTripper) http.RoundTripper
	clock    *emukit.FakeClock
	log      *slog.Logger
}

func setupWith(t *testing.T, o setupOpts) *env {
	t.Helper()
	var clock emukit.Clock = emukit.RealClock{}
	var now func() time.Time
	if o.clock != nil {
		clock, now = o.clock, o.clock.Now
	}
	issuer := entra.NewIssuer(entra.Options{Clock: clock})
	issuer.RegisterClient(entra.Client{Tenant: testTenant, ID: testClient, Secret: testSecret, DisplayName: "alertsync",
		Audiences: []string{senemu.Audience}})
	sen := senemu.New(senemu.Options{Issuer: issuer, ServeTokens: true, Clock: clock})
	dfc := dfcemu.New(dfcemu.Options{Issuer: issuer, Clock: clock})
	sen.Connect(dfc)
	srv := httptest.NewServer(sen.Handler())
	t.Cleanup(srv.Close)
	rt := srv.Client().Transport
	if o.wrap != nil {
		rt = o.wrap(rt)
	}
	build := func(t *testing.T, log *slog.Logger, secret string) *Connector {
		t.Helper()
		deps := connector.Deps{ID: "sen-1", HTTP: &http.Client{Transport: rt}, Now: now, Logger: log}
		c, err := connector.Build(Kind, deps, map[string]any{
			"tenant_id": testTenant, "client_id": testClient, "client_secret": secret,
			"token_url": srv.URL + "/{tenant}/oauth2/v2.0/token", "arm_base": srv.URL,
			"subscription_id": senemu.DefaultSubscriptionID, "resource_group": senemu.DefaultResourceGroup,
			"workspace_name": senemu.DefaultWorkspace, "page_size": o.pageSize, "requests_per_minute": 0,
		})
		if err != nil {
			t.Fatalf("build connector: %v", err)
		}
		return c.(*Connector)
	}
	return &env{sen: sen, dfc: dfc, issuer: issuer, srv: srv, c: build(t, o.log, testSecret), build: build}
}

// seed raises n Defender for Cloud alerts; Sentinel makes one incident of
// each. It returns the incident names and the alerts' SystemAlertIds.
func (e *env) seed(t *testing.T, n int) (incidents, alerts []string) {
	t.Helper()
	for range n {
		e.n++
		a, err := e.dfc.CreateAlert(dfcemu.AlertSpec{
			SubscriptionID: dfcSub, ResourceGroup: "rg-vms", Name: fmt.Sprintf("2517%015d_seed", e.n),
			DisplayName: fmt.Sprintf("Suspicious PowerShell on vm%d", e.n), Severity: "Medium", Intent: "Execution",
			ResourceID: fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/vm%d", dfcSub, e.n),
		})
		if err != nil {
			t.Fatalf("create alert: %v", err)
		}
		id := a.Properties.SystemAlertID
		incs := e.sen.IncidentsForAlert(id)
		if len(incs) != 1 {
			t.Fatalf("alert %s is in %d incidents, want 1", id, len(incs))
		}
		incidents = append(incidents, incs[0].Name)
		alerts = append(alerts, id)
	}
	return incidents, alerts
}

// apiRequests are the recorded requests to the incidents API (not tokens).
func (e *env) apiRequests(method, suffix string) []emukit.Request {
	var out []emukit.Request
	for _, r := range e.sen.Requests() {
		if r.Method == method && !strings.Contains(r.Path, "/oauth2/") && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// withSpec returns a transport wrapper that validates every ARM request
// the connector sends against the published spec (token requests go to
// Entra ID and are not in it), and the checker to count operations with.
// When the spec is absent the wrapper passes requests on unchecked and
// the checker is not Active, so a test asserts counts only when it is.
func withSpec(t *testing.T) (func(http.RoundTripper) http.RoundTripper, *vendorspec.Checker) {
	sc := &vendorspec.Checker{Spec: vendorspec.Optional(t, vendorspec.Sentinel), Skip: isToken, Report: t.Error}
	return sc.Wrap, sc
}

func isToken(r *http.Request) bool { return strings.Contains(r.URL.Path, "/oauth2/") }
