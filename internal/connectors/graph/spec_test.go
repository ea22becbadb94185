package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/model"
)

// specPath is Microsoft's published Graph security slice, kept beside the
// repository with patches G1-G4 (see shared/vendor-specs/README.md); G1
// makes the comments POST body one object, as the live service wants.
var specPath = filepath.Join("..", "..", "..", "..", "shared", "vendor-specs", "graph_security_v1.0.yaml")

func specRouter(t *testing.T, serverURL string) routers.Router {
	t.Helper()
	if _, err := os.Stat(specPath); err != nil {
		t.Skipf("vendor spec %s not present, skipping spec validation: %v", specPath, err)
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

// TestRequestsMatchSpec drives every write the connector makes (and a
// poll) against the emulator, then validates each recorded request against
// Microsoft's spec and checks the PATCH bodies hold only the properties
// alertsync owns, with CSDL enum members only.
func TestRequestsMatchSpec(t *testing.T) {
	e := setup(t, 12, nil)
	router := specRouter(t, e.srv.URL)
	ctx := t.Context()
	alerts, inc := e.emu.Alerts(), e.emu.Incidents()[0]
	changes := []connector.StateChange{
		{VendorID: alerts[0].ID, Status: model.StatusResolved, Verdict: model.VerdictNotAThreat},
		{VendorID: alerts[1].ID, Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true},
		{VendorID: alerts[2].ID, Status: model.StatusInProgress, Verdict: model.VerdictSuspicious},
		{VendorID: alerts[3].ID, Status: model.StatusResolved, Verdict: model.VerdictHighlySuspicious},
		{VendorID: alerts[4].ID, Status: model.StatusNew},
		{Kind: model.KindIncident, VendorID: inc.ID, Status: model.StatusInProgress, Verdict: model.VerdictThreat},
		{Kind: model.KindIncident, VendorID: inc.ID, Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true, Reason: "threat published"},
	}
	for i, ch := range changes {
		ch.IdempotencyKey = "spec-" + string(rune('a'+i))
		if _, err := e.conn.SetState(ctx, ch); err != nil {
			t.Fatalf("SetState %+v: %v", ch, err)
		}
	}
	for _, a := range []connector.CommentAction{
		{VendorID: alerts[0].ID, Body: "not a threat", IdempotencyKey: "c1"},
		{Kind: model.KindIncident, VendorID: inc.ID, Body: "threat published", IdempotencyKey: "c2"},
	} {
		if err := e.conn.AddComment(ctx, a); err != nil {
			t.Fatalf("AddComment: %v", err)
		}
	}
	if _, err := e.conn.FetchAlerts(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.conn.FetchIncidents(ctx, ""); err != nil {
		t.Fatal(err)
	}

	var patches, posts int
	for _, r := range e.emu.Recorder().Requests() {
		if !strings.HasPrefix(r.Path, "/v1.0/") {
			continue // the token endpoint is not part of Graph
		}
		validateRequest(t, router, e.srv.URL, r)
		switch r.Method {
		case http.MethodPatch:
			patches++
			checkPatchBody(t, r)
		case http.MethodPost:
			posts++
			checkCommentBody(t, r)
		}
	}
	if patches != len(changes) || posts != 2 {
		t.Errorf("recorded %d PATCH and %d POST, want %d and 2", patches, posts, len(changes))
	}
}

func validateRequest(t *testing.T, router routers.Router, base string, r emukit.Request) {
	t.Helper()
	u := base + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = r.Header.Clone()
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: no route in the spec: %v", r.Method, r.Path, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		t.Errorf("%s %s body %s does not match the spec: %v", r.Method, r.Path, r.Body, err)
	}
	if r.Status >= 400 {
		t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
	}
}

func checkPatchBody(t *testing.T, r emukit.Request) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("PATCH %s Content-Type %q", r.Path, ct)
	}
	var body map[string]string
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("PATCH %s body %s: %v", r.Path, r.Body, err)
	}
	allowed := []string{"status", "classification", "determination"}
	kind := model.KindAlert
	if strings.Contains(r.Path, "/incidents/") {
		allowed, kind = append(allowed, "resolvingComment"), model.KindIncident
	}
	for k := range body {
		if !slices.Contains(allowed, k) {
			t.Errorf("PATCH %s sends %q; only %v are alertsync's", r.Path, k, allowed)
		}
	}
	for _, bad := range docsOnlyValues {
		if strings.Contains(string(r.Body), `"`+bad+`"`) {
			t.Errorf("PATCH %s sends docs-table value %q: %s", r.Path, bad, r.Body)
		}
	}
	checkCSDL(t, kind, patchBody{Status: body["status"], Classification: body["classification"], Determination: body["determination"]})
}

func checkCommentBody(t *testing.T, r emukit.Request) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("POST %s body %s must be one JSON object: %v", r.Path, r.Body, err)
	}
	if body["@odata.type"] != "microsoft.graph.security.alertComment" || len(body) != 2 {
		t.Errorf("POST %s body %s", r.Path, r.Body)
	}
}

// TestSpecCatchesBadBodies proves the validation above is live: the docs
// table's determination and the published array comment body both fail.
func TestSpecCatchesBadBodies(t *testing.T) {
	e := setup(t, 1, nil)
	router := specRouter(t, e.srv.URL)
	id := e.emu.Alerts()[0].ID
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, r := range []emukit.Request{
		{Method: http.MethodPatch, Path: "/v1.0/security/alerts_v2/" + id, Header: hdr, Body: []byte(`{"status":"resolved","classification":"falsePositive","determination":"clean"}`)},
		{Method: http.MethodPost, Path: "/v1.0/security/alerts_v2/" + id + "/comments", Header: hdr, Body: []byte(`[{"@odata.type":"microsoft.graph.security.alertComment","comment":"x"}]`)},
	} {
		req, _ := http.NewRequest(r.Method, e.srv.URL+r.Path, bytes.NewReader(r.Body))
		req.Header = r.Header
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if err := openapi3filter.ValidateRequest(context.Background(), in); err == nil {
			t.Errorf("%s %s passed validation", r.Method, r.Body)
		}
	}
}
