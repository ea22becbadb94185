package graph

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specPath is Microsoft's published Graph security slice, kept beside the
// repository (see shared/vendor-specs/README.md for its patches G1-G4).
var specPath = filepath.Join("..", "..", "..", "..", "shared", "vendor-specs", "graph_security_v1.0.yaml")

// specRouter loads the spec and routes on the emulator's URL in place of
// the vendor's host.
func specRouter(t *testing.T, serverURL string) routers.Router {
	t.Helper()
	if _, err := os.Stat(specPath); err != nil {
		t.Skipf("vendor spec %s not present: %v", specPath, err)
	}
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("spec invalid: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: serverURL + "/v1.0"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return router
}

// TestSpecConformance sends real requests to the emulator and checks both
// the request and the emulator's answer against the vendor's spec.
func TestSpecConformance(t *testing.T) {
	h := setup(t)
	router := specRouter(t, h.srv.URL)
	alert := h.firstAlert(t, func(a Alert) bool { return a.Status == "new" && len(a.Evidence) > 2 })
	incident := h.emu.Incidents()[0]
	comment := `{"@odata.type":"microsoft.graph.security.alertComment","comment":"synced by alertsync"}`
	tests := []struct {
		name, method, path, body string
		prefer                   bool
		status                   int
	}{
		{"list alerts", "GET", "/v1.0/security/alerts_v2?$top=20&$orderby=lastUpdateDateTime%20asc", "", false, 200},
		{"list alerts filtered", "GET", "/v1.0/security/alerts_v2?$filter=status%20eq%20'new'&$count=true", "", true, 200},
		{"get alert", "GET", "/v1.0/security/alerts_v2/" + alert.ID, "", true, 200},
		{"patch alert", "PATCH", "/v1.0/security/alerts_v2/" + alert.ID, `{"status":"inProgress","classification":"truePositive","determination":"malware","assignedTo":"secAdmin@contoso.com"}`, false, 200},
		{"post alert comment", "POST", "/v1.0/security/alerts_v2/" + alert.ID + "/comments", comment, false, 200},
		{"list incidents", "GET", "/v1.0/security/incidents?$top=10&$expand=alerts", "", true, 200},
		{"get incident", "GET", "/v1.0/security/incidents/" + incident.ID + "?$expand=alerts", "", false, 200},
		{"patch incident", "PATCH", "/v1.0/security/incidents/" + incident.ID, `{"status":"inProgress","assignedTo":"KaiC@contoso.com","customTags":["Demo"]}`, false, 200},
		{"post incident comment", "POST", "/v1.0/security/incidents/" + incident.ID + "/comments", comment, false, 200},
		{"bad determination", "PATCH", "/v1.0/security/alerts_v2/" + alert.ID, `{"determination":"clean"}`, false, 400},
		{"incident top over 50", "GET", "/v1.0/security/incidents?$top=100", "", false, 400},
		{"unknown alert", "GET", "/v1.0/security/alerts_v2/missing", "", false, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			validate(t, router, h, tt.method, tt.path, tt.body, tt.prefer, tt.status)
		})
	}
}

func validate(t *testing.T, router routers.Router, h *harness, method, path, body string, prefer bool, wantStatus int) {
	specInvalid := wantStatus == http.StatusBadRequest && method == http.MethodPatch
	t.Helper()
	ctx := context.Background()
	req, err := http.NewRequestWithContext(ctx, method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if prefer {
		req.Header.Set("Prefer", "include-unknown-enum-members")
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("route %s %s: %v", method, path, err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	// A request the vendor refuses may already break the spec (an enum
	// member only the docs tables list); the spec must then agree it is bad.
	if err := openapi3filter.ValidateRequest(ctx, in); (err != nil) != specInvalid {
		t.Fatalf("request validation error %v, want invalid=%v", err, specInvalid)
	}
	req.Body = io.NopCloser(strings.NewReader(body)) // the validator consumed it
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, wantStatus, raw)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Fatalf("response does not match spec: %v\n%.600s", err, raw)
	}
}

// TestSpecCatchesDrift proves the validator is live: an alert with a status
// outside the CSDL enum must fail response validation.
func TestSpecCatchesDrift(t *testing.T) {
	h := setup(t)
	router := specRouter(t, h.srv.URL)
	req, _ := http.NewRequest("GET", h.srv.URL+"/v1.0/security/alerts_v2/x", nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	hdr := http.Header{"Content-Type": {"application/json"}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: 200, Header: hdr,
		Body: io.NopCloser(strings.NewReader(`{"id":"x","status":"dismissed","severity":"low"}`)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err == nil {
		t.Fatal("legacy status 'dismissed' passed validation")
	}
}
