package sentinel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/alertsync/alertsync/internal/connector"
	dfcemu "github.com/alertsync/alertsync/internal/emulators/defendercloud"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	senemu "github.com/alertsync/alertsync/internal/emulators/sentinel"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testClient = "0f0e0d0c-0b0a-4909-8807-060504030201"
	testSecret = "sentinel-client-secret-value-0123456789"
	dfcSub     = "20ff7fc3-e762-44dd-bd96-b71116dcdc23"
	specPath   = "../../../../shared/vendor-specs/sentinel_incidents_2025-09-01.json"
)

type env struct {
	sen    *senemu.Emulator
	dfc    *dfcemu.Emulator
	issuer *emukit.TokenIssuer
	srv    *httptest.Server
	c      *Connector
	n      int
}

// setup serves a Sentinel workspace (with the Entra token endpoint) fed by
// a connected Defender for Cloud emulator, and builds the connector through
// the registry. wrap, when set, wraps the connector's transport.
func setup(t *testing.T, pageSize int, wrap func(http.RoundTripper) http.RoundTripper) *env {
	t.Helper()
	issuer := emukit.NewTokenIssuer(emukit.IssuerOptions{})
	issuer.RegisterClient(emukit.Client{Tenant: testTenant, ID: testClient, Secret: testSecret, DisplayName: "alertsync",
		Audiences: []string{senemu.Audience}})
	sen := senemu.New(senemu.Options{Issuer: issuer, ServeTokens: true})
	dfc := dfcemu.New(dfcemu.Options{Issuer: issuer})
	sen.Connect(dfc)
	srv := httptest.NewServer(sen.Handler())
	t.Cleanup(srv.Close)
	var rt http.RoundTripper = srv.Client().Transport
	if wrap != nil {
		rt = wrap(rt)
	}
	c, err := connector.Build(Kind, connector.Deps{ID: "sen-1", HTTP: &http.Client{Transport: rt}}, map[string]any{
		"tenant_id": testTenant, "client_id": testClient, "client_secret": testSecret,
		"token_url": srv.URL + "/{tenant}/oauth2/v2.0/token", "arm_base": srv.URL,
		"subscription_id": senemu.DefaultSubscriptionID, "resource_group": senemu.DefaultResourceGroup,
		"workspace_name": senemu.DefaultWorkspace, "page_size": pageSize, "requests_per_minute": 0,
	})
	if err != nil {
		t.Fatalf("build connector: %v", err)
	}
	return &env{sen: sen, dfc: dfc, issuer: issuer, srv: srv, c: c.(*Connector)}
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

var uuidFormat sync.Once

// loadSpec reads the Swagger 2.0 spec, converts it to OpenAPI 3 and routes
// on path only; it skips the test when the spec is not present.
func loadSpec(t *testing.T) routers.Router {
	t.Helper()
	raw, err := os.ReadFile(specPath)
	if os.IsNotExist(err) {
		t.Skipf("vendor spec %s not present; skipping spec validation", specPath)
	}
	if err != nil {
		t.Fatalf("read spec: %v", err)
	}
	uuidFormat.Do(func() {
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
	})
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		t.Fatalf("parse spec: %v", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		t.Fatalf("convert spec: %v", err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("build router: %v", err)
	}
	return router
}

// specChecker validates every ARM request the connector sends against the
// published spec, counting checks per operation.
type specChecker struct {
	t      *testing.T
	router routers.Router
	next   http.RoundTripper

	mu      sync.Mutex
	checked map[string]int // by operationId
}

func withSpec(t *testing.T) (func(http.RoundTripper) http.RoundTripper, *specChecker) {
	sc := &specChecker{t: t, router: loadSpec(t), checked: map[string]int{}}
	return func(next http.RoundTripper) http.RoundTripper { sc.next = next; return sc }, sc
}

func (s *specChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.Contains(req.URL.Path, "/oauth2/") {
		s.check(req)
	}
	return s.next.RoundTrip(req)
}

func (s *specChecker) check(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	v := httptest.NewRequest(req.Method, "https://management.azure.com"+req.URL.RequestURI(), bytes.NewReader(body))
	v.Header = req.Header.Clone()
	route, params, err := s.router.FindRoute(v)
	if err != nil {
		s.t.Errorf("%s %s: not an operation of the spec: %v", req.Method, req.URL.Path, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: v, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		s.t.Errorf("%s %s: request does not match the spec: %v\n%s", req.Method, req.URL.Path, err, body)
	}
	s.mu.Lock()
	s.checked[route.Operation.OperationID]++
	s.mu.Unlock()
}

func (s *specChecker) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checked[op]
}
