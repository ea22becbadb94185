package defendercloud

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	dfcemu "github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
	"github.com/alertsync/alertsync/internal/vendorspec"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "0f0e0d0c-0b0a-4909-8807-060504030201"
	testSecret = "dfc-client-secret-value-0123456789"
	// wrongSecret is a client secret the app registration does not have.
	wrongSecret = "not-the-dfc-secret-3e8d"
	testSub     = "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
)

type env struct {
	emu    *dfcemu.Emulator
	issuer *entra.Issuer
	srv    *httptest.Server
	c      *Connector
	n      int
	rt     http.RoundTripper
}

// setup serves a Defender for Cloud emulator (with the Entra token
// endpoint) and builds the connector through the registry, as the app
// does. wrap, when set, wraps the connector's transport.
func setup(t *testing.T, opts dfcemu.Options, wrap func(http.RoundTripper) http.RoundTripper) *env {
	t.Helper()
	issuer := entra.NewIssuer(entra.Options{})
	issuer.RegisterClient(entra.Client{Tenant: testTenant, ID: testClient, Secret: testSecret, DisplayName: "alertsync",
		Audiences: []string{dfcemu.Audience}})
	opts.Issuer, opts.ServeTokens = issuer, true
	emu := dfcemu.New(opts)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	rt := srv.Client().Transport
	if wrap != nil {
		rt = wrap(rt)
	}
	e := &env{emu: emu, issuer: issuer, srv: srv, rt: rt}
	e.c = e.build(t, nil, testSecret)
	return e
}

// build builds a connector against the emulator, logging to log (the
// default logger when nil), with secret as its client secret.
func (e *env) build(t *testing.T, log *slog.Logger, secret string) *Connector {
	t.Helper()
	c, err := connector.Build(Kind, connector.Deps{ID: "dfc-1", HTTP: &http.Client{Transport: e.rt}, Logger: log}, map[string]any{
		"tenant_id": testTenant, "client_id": testClient, "client_secret": secret,
		"token_url": e.srv.URL + "/{tenant}/oauth2/v2.0/token", "arm_base": e.srv.URL,
		"subscription_id": testSub, "requests_per_minute": 0,
	})
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return c.(*Connector)
}

// seed creates n open alerts and returns their systemAlertIds.
func (e *env) seed(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, 0, n)
	for range n {
		e.n++
		a, err := e.emu.CreateAlert(dfcemu.AlertSpec{
			SubscriptionID: testSub, ResourceGroup: "rg-vms", Location: "westeurope",
			DisplayName: "Suspicious PowerShell command line", Severity: "Medium",
			ResourceID: "/subscriptions/" + testSub + "/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/vm" + string(rune('a'+e.n%26)),
			Entities:   []map[string]any{{"address": "192.0.2.7", "type": "ip"}},
		})
		if err != nil {
			t.Fatalf("create alert: %v", err)
		}
		ids = append(ids, a.Properties.SystemAlertID)
	}
	return ids
}

// withSpec returns a transport wrapper that validates every ARM request
// the connector sends against the published spec (token requests go to
// Entra ID and are not in it), and the checker to read the count from.
// When the spec is absent the wrapper passes requests on unchecked and
// the checker is not Active, so a test asserts counts only when it is.
func withSpec(t *testing.T) (func(http.RoundTripper) http.RoundTripper, *vendorspec.Checker) {
	sc := &vendorspec.Checker{Spec: vendorspec.Optional(t, vendorspec.DefenderForCloud), Skip: isToken, Report: t.Error}
	return sc.Wrap, sc
}

func isToken(r *http.Request) bool { return strings.Contains(r.URL.Path, "/oauth2/") }
