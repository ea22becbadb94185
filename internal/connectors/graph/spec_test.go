package graph

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/vendorspec"
)

// TestRequestsMatchSpec drives every write the connector makes (and a
// poll) against the emulator, then checks the PATCH bodies hold only the
// properties alertsync owns, with CSDL enum members only, and, when the
// spec is there, validates each recorded request against Microsoft's spec.
func TestRequestsMatchSpec(t *testing.T) {
	e := setup(t, 12, nil)
	spec := vendorspec.Optional(t, vendorspec.Graph) // G1: the comments POST body is one object
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
		validateRequest(t, spec, e.srv.URL, r)
		switch r.Method {
		case http.MethodPatch:
			patches++
			checkPatchBody(t, r)
			if strings.Contains(string(r.Body), "threat published") {
				t.Errorf("PATCH %s carries the reason text: %s", r.Path, r.Body)
			}
		case http.MethodPost:
			posts++
			checkCommentBody(t, r)
		}
	}
	if patches != len(changes) || posts != 2 {
		t.Errorf("recorded %d PATCH and %d POST, want %d and 2", patches, posts, len(changes))
	}
}

// validateRequest checks the emulator accepted a recorded request and,
// with a spec (nil when absent), that the request matches it.
func validateRequest(t *testing.T, spec *vendorspec.Spec, base string, r emukit.Request) {
	t.Helper()
	if r.Status >= 400 {
		t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
	}
	if spec == nil {
		return
	}
	u := base + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = r.Header.Clone()
	if err := spec.ValidateRequest(req, r.Body); err != nil {
		t.Errorf("body %s: %v", r.Body, err)
	}
}

// Documented request body properties of Update alert and Update incident
// (security-alert-update, security-incident-update); resolvingComment, a
// CSDL property of incident, is not among them.
var (
	documentedAlertPatch    = []string{"status", "classification", "determination", "assignedTo"}
	documentedIncidentPatch = []string{"assignedTo", "classification", "determination", "status", "customTags"}
)

func checkPatchBody(t *testing.T, r emukit.Request) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("PATCH %s Content-Type %q", r.Path, ct)
	}
	var body map[string]string
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("PATCH %s body %s: %v", r.Path, r.Body, err)
	}
	documented, kind := documentedAlertPatch, model.KindAlert
	if strings.Contains(r.Path, "/incidents/") {
		documented, kind = documentedIncidentPatch, model.KindIncident
	}
	for k := range body {
		if !slices.Contains(documented, k) {
			t.Errorf("PATCH %s sends %q; Microsoft documents only %v", r.Path, k, documented)
		}
		if !slices.Contains([]string{"status", "classification", "determination"}, k) {
			t.Errorf("PATCH %s sends %q, which alertsync does not own", r.Path, k)
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
	spec := vendorspec.LoadOrSkip(t, vendorspec.Graph)
	id := e.emu.Alerts()[0].ID
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, r := range []emukit.Request{
		{Method: http.MethodPatch, Path: "/v1.0/security/alerts_v2/" + id, Header: hdr, Body: []byte(`{"status":"resolved","classification":"falsePositive","determination":"clean"}`)},
		{Method: http.MethodPost, Path: "/v1.0/security/alerts_v2/" + id + "/comments", Header: hdr, Body: []byte(`[{"@odata.type":"microsoft.graph.security.alertComment","comment":"x"}]`)},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), r.Method, e.srv.URL+r.Path, nil)
		req.Header = r.Header
		if _, err := spec.OperationID(req); err != nil {
			t.Fatal(err)
		}
		if err := spec.ValidateRequest(req, r.Body); err == nil {
			t.Errorf("%s %s passed validation", r.Method, r.Body)
		}
	}
}
