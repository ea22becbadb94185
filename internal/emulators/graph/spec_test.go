package graph

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/vendorspec"
)

// TestSpecConformance sends real requests to the emulator and checks its
// answers, and when the vendor's spec is there both the request and the
// answer against it.
func TestSpecConformance(t *testing.T) {
	h := setup(t)
	spec := vendorspec.Optional(t, vendorspec.Graph)
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
		{"patch incident", "PATCH", "/v1.0/security/incidents/" + incident.ID, `{"status":"active","assignedTo":"KaiC@contoso.com","customTags":["Demo"]}`, false, 200},
		{"post incident comment", "POST", "/v1.0/security/incidents/" + incident.ID + "/comments", comment, false, 200},
		{"bad determination", "PATCH", "/v1.0/security/alerts_v2/" + alert.ID, `{"determination":"clean"}`, false, 400},
		{"incident top over 50", "GET", "/v1.0/security/incidents?$top=100", "", false, 400},
		{"unknown alert", "GET", "/v1.0/security/alerts_v2/missing", "", false, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			validate(t, spec, h, tt.method, tt.path, tt.body, tt.prefer, tt.status)
		})
	}
}

// validate sends the request to the emulator and checks the status; with
// a spec (nil when absent) it also checks the request and the answer.
func validate(t *testing.T, spec *vendorspec.Spec, h *harness, method, path, body string, prefer bool, wantStatus int) {
	specInvalid := wantStatus == http.StatusBadRequest && method == http.MethodPatch
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, h.srv.URL+path, strings.NewReader(body))
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
	if spec != nil {
		if _, err := spec.OperationID(req); err != nil {
			t.Fatal(err)
		}
		// A request the vendor refuses may already break the spec (an enum
		// member only the docs tables list); the spec must then agree it is bad.
		if err := spec.ValidateRequest(req, []byte(body)); (err != nil) != specInvalid {
			t.Fatalf("request validation error %v, want invalid=%v", err, specInvalid)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, wantStatus, raw)
	}
	if spec == nil {
		return
	}
	if err := spec.ValidateResponse(req, resp.StatusCode, resp.Header, raw); err != nil {
		t.Fatalf("%v\n%.600s", err, raw)
	}
}

// TestSpecCatchesDrift proves the validator is live: an alert with a status
// outside the CSDL enum must fail response validation.
func TestSpecCatchesDrift(t *testing.T) {
	h := setup(t)
	spec := vendorspec.LoadOrSkip(t, vendorspec.Graph)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, h.srv.URL+"/v1.0/security/alerts_v2/x", nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	if _, err := spec.OperationID(req); err != nil {
		t.Fatal(err)
	}
	if err := spec.ValidateResponse(req, 200, hdr, []byte(`{"id":"x","status":"dismissed","severity":"low"}`)); err == nil {
		t.Fatal("legacy status 'dismissed' passed validation")
	}
}
