package defendercloud

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "0f0e0d0c-0b0a-4909-8807-060504030201"
)

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	emu   *Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	token string
}

// setup starts an emulator with opts (clock and issuer filled in) and an
// ARM token for a registered app.
func setup(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := emukit.NewFakeClock(testStart)
	issuer := entra.NewIssuer(entra.Options{Clock: clock})
	issuer.RegisterClient(entra.Client{Tenant: testTenant, ID: testClient, Secret: "s", DisplayName: "alertsync",
		Audiences: []string{Audience, "https://graph.microsoft.com"}})
	opts.Clock, opts.Issuer = clock, issuer
	emu := New(opts)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	tok, err := issuer.Issue(testTenant, testClient, Audience)
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	return &fixture{t: t, emu: emu, clock: clock, srv: srv, token: tok.AccessToken}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorCode returns the ARM CloudError code of the answer.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var ce arm.CloudError
	r.decode(t, &ce)
	return ce.Error.Code
}

// do sends a request with the fixture's token; path may be a full URL.
func (f *fixture) do(method, path string, body []byte) response {
	f.t.Helper()
	return f.doAuth(method, path, body, "Bearer "+f.token)
}

func (f *fixture) doAuth(method, path string, body []byte, auth string) response {
	f.t.Helper()
	url := path
	if len(url) > 0 && url[0] == '/' {
		url = f.srv.URL + path
	}
	req, err := http.NewRequestWithContext(f.t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatalf("read body: %v", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// mustCreate creates an alert or fails the test.
func (f *fixture) mustCreate(s AlertSpec) Alert {
	f.t.Helper()
	a, err := f.emu.CreateAlert(s)
	if err != nil {
		f.t.Fatalf("create alert: %v", err)
	}
	return a
}

const (
	sub1 = "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
	v    = "?api-version=" + APIVersion
)

func vmSpec(name, rg string) AlertSpec {
	return AlertSpec{
		SubscriptionID: sub1, ResourceGroup: rg, Location: "westeurope", Name: name,
		ResourceID: "/subscriptions/" + sub1 + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachines/vm1",
		Entities:   []map[string]any{{"address": "192.0.2.1", "type": "ip"}},
	}
}
