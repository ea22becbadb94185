package sentinel

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alertsync/alertsync/internal/vendorspec"
)

// validate checks the request against the spec, sends it and checks the
// emulator's answer; it returns the answer.
func validate(t *testing.T, spec *vendorspec.Spec, f *fixture, method, path string, body any) response {
	t.Helper()
	return validateSample(t, spec, f, method, path, body, true)
}

// validateSample is validate for a request the spec should accept
// (reqValid) or reject, as the emulator must then too. With no spec (nil
// when absent) it only sends the request, and the caller checks the answer.
func validateSample(t *testing.T, spec *vendorspec.Spec, f *fixture, method, path string, body any, reqValid bool) response {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req := httptest.NewRequestWithContext(t.Context(), method, path, nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if spec != nil {
		checkSpecRequest(t, spec, req, raw, reqValid)
	}
	var send any
	if body != nil {
		send = raw
	}
	res := f.do(method, path, send)
	if spec == nil {
		return res
	}
	if err := spec.ValidateResponse(req, res.status, res.header, res.body); err != nil {
		t.Fatalf("%v\n%s", err, res.body)
	}
	return res
}

// checkSpecRequest checks that req is an operation of the spec and that
// the spec finds its body valid, or not, as reqValid says.
func checkSpecRequest(t *testing.T, spec *vendorspec.Spec, req *http.Request, raw []byte, reqValid bool) {
	t.Helper()
	if _, err := spec.OperationID(req); err != nil {
		t.Fatal(err)
	}
	if err := spec.ValidateRequest(req, raw); (err == nil) != reqValid {
		t.Fatalf("%s %s: request valid per spec = %v, want %v: %v", req.Method, req.URL, err == nil, reqValid, err)
	}
}

// TestResponsesMatchPublishedSpec walks incidents, comments and paging
// with the documented examples: the emulator's statuses are checked always,
// requests and answers against the published spec when it is there.
func TestResponsesMatchPublishedSpec(t *testing.T) {
	spec := vendorspec.Optional(t, vendorspec.Sentinel)
	f := setup(t, Options{PageSize: 2})
	for _, id := range []string{"s1", "s2", "s3"} {
		f.newDfCAlert(id, "vm-spec")
	}
	dfcInc := f.onlyIncident("s1")
	if _, err := f.sen.RelateAlert(dfcInc.Name, "s2", "analyst"); err != nil {
		t.Fatal(err)
	}
	id := "73e01a99-5cd7-4139-a149-9f2736ff2ab5"
	example := map[string]any{ // CreateIncident.json
		"etag": "\"0300bf09-0000-0000-0000-5c37296e0000\"",
		"properties": map[string]any{
			"lastActivityTimeUtc": "2019-01-01T13:05:30Z", "firstActivityTimeUtc": "2019-01-01T13:00:30Z",
			"description": "This is a demo incident", "title": "My incident",
			"owner":    map[string]any{"objectId": "2046feea-040d-4a46-9e2b-91c2941bfa70"},
			"severity": "High", "classification": "FalsePositive",
			"classificationComment": "Not a malicious activity", "classificationReason": "IncorrectAlertLogic",
			"status": "Closed", "labels": []map[string]any{{"labelName": "demo"}},
		},
	}
	comment := map[string]any{"properties": map[string]any{"message": "Some message"}}
	list := f.sen.BasePath() + "/incidents"
	steps := []struct {
		method, path string
		body         any
		status       int
	}{
		{http.MethodPut, f.incPath(id, ""), example, 201},
		{http.MethodPut, f.incPath(id, ""), example, 409},
		{http.MethodPut, f.incPath(id, ""), minimalIncident("My incident", "Active"), 200},
		{http.MethodGet, f.incPath(id, ""), nil, 200},
		{http.MethodGet, f.incPath(dfcInc.Name, ""), nil, 200},
		{http.MethodGet, f.incPath("missing", ""), nil, 404},
		{http.MethodGet, list + v, nil, 200},
		{http.MethodGet, list + v + "&$top=1000&$filter=properties/status%20eq%20'New'&$orderby=properties/createdTimeUtc%20desc", nil, 200},
		{http.MethodPost, f.incPath(dfcInc.Name, "/alerts"), nil, 200},
		{http.MethodPut, f.incPath(dfcInc.Name, "/comments/4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014"), comment, 201},
		{http.MethodPut, f.incPath(dfcInc.Name, "/comments/4bb36b7b-26ff-4d1c-9cbe-0d8ab3da0014"), comment, 200},
		{http.MethodPut, f.incPath(dfcInc.Name, "/comments/second"), comment, 201},
		{http.MethodPut, f.incPath(dfcInc.Name, "/comments/third"), comment, 201},
		{http.MethodGet, f.incPath(dfcInc.Name, "/comments"), nil, 200},
		{http.MethodGet, f.incPath(dfcInc.Name, "/comments/second"), nil, 200},
		{http.MethodDelete, f.incPath(dfcInc.Name, "/comments/third"), nil, 200},
		{http.MethodDelete, f.incPath(id, ""), nil, 200},
	}
	for _, s := range steps {
		if res := validate(t, spec, f, s.method, s.path, s.body); res.status != s.status {
			t.Errorf("%s %s: status %d, want %d: %s", s.method, s.path, res.status, s.status, res.body)
		}
	}
	// Requests the spec rejects are rejected by the emulator too, with a
	// CloudError the spec accepts.
	bad := []struct {
		method, path string
		body         any
	}{
		{http.MethodPut, f.incPath(id, ""), map[string]any{"properties": map[string]any{"title": "x", "severity": "High"}}},
		{http.MethodPut, f.incPath(id, ""), minimalIncident("x", "Open")},
		{http.MethodGet, list + v + "&$top=1001", nil},
		{http.MethodPut, f.incPath(dfcInc.Name, "/comments/c9"), map[string]any{"properties": map[string]any{}}},
	}
	for _, b := range bad {
		if res := validateSample(t, spec, f, b.method, b.path, b.body, false); res.status != 400 {
			t.Errorf("%s %s: status %d, want 400", b.method, b.path, res.status)
		}
	}
	// Follow a nextLink: the next page is valid too.
	res := validate(t, spec, f, http.MethodGet, list+v, nil)
	var page incidentList
	res.decode(t, &page)
	if page.NextLink == "" {
		t.Fatal("no nextLink with PageSize 2")
	}
	next := page.NextLink[len(f.srv.URL):]
	if res := validate(t, spec, f, http.MethodGet, next, nil); res.status != 200 {
		t.Fatalf("next page: %d", res.status)
	}
}

// TestRelationsMatchPublishedSpec walks IncidentRelations_* with the
// documented body (an alert's ARM id as relatedResourceId): statuses,
// paging and refusals always, and with the spec, requests and answers
// match it, including the rule's own relation in the list.
func TestRelationsMatchPublishedSpec(t *testing.T) {
	spec := vendorspec.Optional(t, vendorspec.Sentinel)
	f := setup(t, Options{PageSize: 1})
	f.newDfCAlert("sp1", "vm-spec")
	f.newDfCAlert("sp2", "vm-spec")
	inc := f.onlyIncident("sp1")
	relate := map[string]any{"properties": map[string]any{"relatedResourceId": f.sen.AlertResourceID("sp2")}}
	rel := f.incPath(inc.Name, "/relations/4b112bd9-a6b5-44f6-b89d-8bcbf021fbdf")
	steps := []struct {
		method, path string
		body         any
		status       int
	}{
		{http.MethodPut, rel, relate, 201},
		{http.MethodPut, rel, relate, 200},
		{http.MethodGet, rel, nil, 200},
		{http.MethodGet, f.incPath(inc.Name, "/relations"), nil, 200},
		{http.MethodGet, f.incPath(inc.Name, "/relations") + "&$top=5&$orderby=name%20asc", nil, 200},
		{http.MethodPost, f.incPath(inc.Name, "/alerts"), nil, 200},
		{http.MethodGet, f.incPath(inc.Name, ""), nil, 200},
		{http.MethodDelete, rel, nil, 200},
		{http.MethodDelete, rel, nil, 204},
		{http.MethodGet, rel, nil, 404},
		{http.MethodGet, f.incPath("missing", "/relations"), nil, 404},
	}
	for _, s := range steps {
		if res := validate(t, spec, f, s.method, s.path, s.body); res.status != s.status {
			t.Errorf("%s %s: status %d, want %d: %s", s.method, s.path, res.status, s.status, res.body)
		}
	}
	// Follow the list's nextLink (PageSize 1): the rule's relation is on
	// the first page, and the next page is valid too.
	res := validate(t, spec, f, http.MethodGet, f.incPath(inc.Name, "/relations"), nil)
	var page relationList
	res.decode(t, &page)
	if page.NextLink != "" {
		t.Fatalf("one relation left, yet a nextLink: %s", res.body)
	}
	if res := validate(t, spec, f, http.MethodPut, rel, relate); res.status != 201 {
		t.Fatalf("relate again: %d", res.status)
	}
	res = validate(t, spec, f, http.MethodGet, f.incPath(inc.Name, "/relations"), nil)
	res.decode(t, &page)
	if page.NextLink == "" {
		t.Fatal("no nextLink with PageSize 1 and two relations")
	}
	if res := validate(t, spec, f, http.MethodGet, page.NextLink[len(f.srv.URL):], nil); res.status != 200 {
		t.Fatalf("next page: %d", res.status)
	}
	// Requests the spec rejects are rejected by the emulator too.
	bad := []struct {
		path string
		body any
	}{
		{f.incPath(inc.Name, "/relations/ab"), relate},
		{f.incPath(inc.Name, "/relations/rel-1"), map[string]any{"properties": map[string]any{}}},
	}
	for _, b := range bad {
		if res := validateSample(t, spec, f, http.MethodPut, b.path, b.body, false); res.status != 400 {
			t.Errorf("PUT %s: status %d, want 400", b.path, res.status)
		}
	}
}
