package sentinel

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
	"github.com/alertsync/alertsync/internal/emulators/emukit/entra"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "0f0e0d0c-0b0a-4909-8807-060504030201"
	v          = "?api-version=" + APIVersion
)

var testStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	sen   *Emulator
	dfc   *defendercloud.Emulator
	clock *emukit.FakeClock
	srv   *httptest.Server
	token string
}

// setup wires a Sentinel workspace to a Defender for Cloud emulator (as the
// data connector with bi-directional sync does) on a shared clock and
// issuer, and serves Sentinel.
func setup(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := emukit.NewFakeClock(testStart)
	issuer := entra.NewIssuer(entra.Options{Clock: clock})
	issuer.RegisterClient(entra.Client{Tenant: testTenant, ID: testClient, Secret: "s", DisplayName: "alertsync",
		Audiences: []string{Audience}})
	opts.Clock, opts.Issuer, opts.ServeTokens = clock, issuer, true
	sen := New(opts)
	dfc := defendercloud.New(defendercloud.Options{Clock: clock, Issuer: issuer, Seed: opts.Seed})
	sen.Connect(dfc)
	srv := httptest.NewServer(sen.Handler())
	t.Cleanup(srv.Close)
	tok, err := issuer.Issue(testTenant, testClient, Audience)
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	return &fixture{t: t, sen: sen, dfc: dfc, clock: clock, srv: srv, token: tok.AccessToken}
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

func (r response) errorBody(t *testing.T) arm.CloudErrorBody {
	t.Helper()
	var ce arm.CloudError
	r.decode(t, &ce)
	return ce.Error
}

func (f *fixture) do(method, path string, body any) response {
	f.t.Helper()
	return f.doAuth(method, path, body, "Bearer "+f.token)
}

func (f *fixture) doAuth(method, path string, body any, auth string) response {
	f.t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				f.t.Fatalf("marshal body: %v", err)
			}
		}
		rd = bytes.NewReader(b)
	}
	url := path
	if len(url) > 0 && url[0] == '/' {
		url = f.srv.URL + path
	}
	req, err := http.NewRequestWithContext(f.t.Context(), method, url, rd)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
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

// incPath is the URL path of an incident (plus suffix).
func (f *fixture) incPath(id, suffix string) string {
	return f.sen.BasePath() + "/incidents/" + id + suffix + v
}

// newDfCAlert raises a Defender for Cloud alert on a VM.
func (f *fixture) newDfCAlert(name, host string) defendercloud.Alert {
	f.t.Helper()
	sub := "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
	a, err := f.dfc.CreateAlert(defendercloud.AlertSpec{
		SubscriptionID: sub, ResourceGroup: "rg-vms", Name: name,
		AlertType: "VM_SuspiciousPowerShell", DisplayName: "Suspicious PowerShell on " + host,
		Severity: "Medium", Intent: "Execution",
		ResourceID: "/subscriptions/" + sub + "/resourceGroups/rg-vms/providers/Microsoft.Compute/virtualMachines/" + host,
		Entities:   []map[string]any{{"hostName": host, "type": "host"}, {"address": "192.0.2.7", "type": "ip"}},
	})
	if err != nil {
		f.t.Fatalf("create dfc alert: %v", err)
	}
	return a
}

// onlyIncident returns the single incident holding the alert.
func (f *fixture) onlyIncident(systemAlertID string) Incident {
	f.t.Helper()
	incs := f.sen.IncidentsForAlert(systemAlertID)
	if len(incs) != 1 {
		f.t.Fatalf("alert %s is in %d incidents, want 1", systemAlertID, len(incs))
	}
	return incs[0]
}

func minimalIncident(title, status string) map[string]any {
	return map[string]any{"properties": map[string]any{"title": title, "severity": "High", "status": status}}
}
