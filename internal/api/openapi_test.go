package api_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/store"
)

// TestEveryOperationMatchesOpenAPI calls every documented operation with
// real data, checks each answer against the document (in env.send), and
// fails if an operation is documented but never exercised or served but
// not documented.
func TestEveryOperationMatchesOpenAPI(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a, in := e.ids["a2"], e.incident
	dead := e.deadItem("walk")
	// A replica's presence and the poll it holds, for GET /cluster.
	for _, name := range []string{"replica:r1", "poll:fake"} {
		if _, err := e.store.LeaseAcquire(e.ctx, store.LeaseParams{Name: name, Holder: "r1", Now: time.Now(), TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	calls := []struct {
		method, path, token string
		body                any
		status              int
	}{
		{"GET", "/api/v1/alerts?include_raw=true&limit=2", viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/alerts/%d", a), viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", a), analystToken, map[string]any{"verdict": "threat", "published": true}, 200},
		{"GET", fmt.Sprintf("/api/v1/alerts/%d/revisions", a), viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/alerts/%d/ocsf", a), viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/alerts/%d/comments", a), analystToken, map[string]any{"body": "hi"}, 201},
		{"GET", fmt.Sprintf("/api/v1/alerts/%d/comments", a), viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/alerts/%d/deliveries", a), viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/alerts/%d/validation", e.ids["b1"]), analystToken, nil, 202},
		{"GET", "/api/v1/incidents?include_raw=true", viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d", in), viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/verdict", in), analystToken, map[string]any{"verdict": "highly_suspicious"}, 200},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/revisions", in), viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/ocsf", in), viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/comments", in), analystToken, map[string]any{"body": "hi"}, 201},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/comments", in), viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/deliveries", in), viewerToken, nil, 200},
		{"GET", "/api/v1/integrations", viewerToken, nil, 200},
		{"GET", "/api/v1/cluster", viewerToken, nil, 200},
		{"GET", "/api/v1/integrations/fake/feeds", viewerToken, nil, 200},
		{"GET", "/api/v1/evidence?integration=fake&include_raw=true", viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/alerts/%d/timeline?include_raw=true", e.ids["a1"]), viewerToken, nil, 200},
		{"GET", fmt.Sprintf("/api/v1/incidents/%d/timeline", in), viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/alerts/%d/push", a), analystToken, map[string]any{"integration": "fake"}, 202},
		{"POST", fmt.Sprintf("/api/v1/incidents/%d/push", in), analystToken, map[string]any{"integration": "fake"}, 202},
		{"GET", "/api/v1/outbox?limit=1", viewerToken, nil, 200},
		{"GET", "/api/v1/outbox/counts", viewerToken, nil, 200},
		{"POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead), adminToken, nil, 200},
		{"GET", "/api/v1/quarantine", viewerToken, nil, 200},
		{"GET", "/healthz", "", nil, 200},
		{"GET", "/metrics", "", nil, 200},
		{"GET", "/openapi.json", "", nil, 200},
	}
	for _, c := range calls {
		e.do(c.method, c.path, c.token, c.body).want(t, c.status)
	}
	e.push("/api/v1/intake/fake", intakeKey, `[{"id":"w1","title":"Walk","host":"h"}]`).want(t, http.StatusAccepted)
	e.push("/api/v1/tenants/default/intake/fake", intakeKey, `[{"id":"w2","title":"Walk","host":"h"}]`).want(t, http.StatusAccepted)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/v1/tenants", nil, 200},
		{"POST", "/api/v1/tenants", map[string]any{"id": "walk", "name": "Walk"}, 201},
		{"PATCH", "/api/v1/tenants/walk", map[string]any{"status": "disabled"}, 200},
		{"DELETE", "/api/v1/tenants/walk", nil, 204},
	} {
		e.do(c.method, c.path, adminToken, c.body).want(t, c.status)
	}
	e.walkPlaybooks(t, a)

	var missing []string
	for path, item := range e.doc.Paths.Map() {
		for method := range item.Operations() {
			if !e.ops[method+" "+path] {
				missing = append(missing, method+" "+path)
			}
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("documented operations never exercised:\n%s", strings.Join(missing, "\n"))
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ok := decode[map[string]string](t, e.do("GET", "/healthz", "", nil).want(t, http.StatusOK))
	if ok["status"] != "ok" || ok["version"] != "test" {
		t.Errorf("healthy body = %v", ok)
	}
	e.mu.Lock()
	e.ready = errors.New("store unreachable")
	e.mu.Unlock()
	bad := decode[map[string]string](t, e.do("GET", "/healthz", "", nil).want(t, http.StatusServiceUnavailable))
	if bad["status"] != "unavailable" || bad["error"] != "store unreachable" {
		t.Errorf("unready body = %v", bad)
	}
}

// TestErrorResponsesDocumented checks that the document lists the
// refusals every operation can give (400 for a bad or unknown query
// parameter on every API route; 413 and 415 where a JSON body is read; 413
// for pushes) and that real refusals match it, 405 included.
func TestErrorResponsesDocumented(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for path, item := range e.doc.Paths.Map() {
		for method, op := range item.Operations() {
			var want []int
			if strings.HasPrefix(path, "/api/v1/") {
				want = append(want, http.StatusBadRequest)
			}
			if op.RequestBody != nil {
				want = append(want, http.StatusRequestEntityTooLarge)
				if _, isJSON := op.RequestBody.Value.Content["application/json"]; isJSON {
					want = append(want, http.StatusUnsupportedMediaType)
				}
			}
			for _, code := range want {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s %s: %d is not documented", method, path, code)
				}
			}
		}
	}
	if e.doc.Components.Responses["MethodNotAllowed"] == nil {
		t.Error("the MethodNotAllowed response is not documented")
	}
	a := fmt.Sprintf("/api/v1/alerts/%d", e.ids["a1"])
	textPlain := func(h http.Header) {
		h.Set("Authorization", "Bearer "+analystToken)
		h.Set("Content-Type", "text/plain")
	}
	e.send("POST", a+"/verdict", `{"verdict":"threat"}`, textPlain).want(t, http.StatusUnsupportedMediaType)
	e.send("POST", a+"/comments", `{"body":"x"}`, textPlain).want(t, http.StatusUnsupportedMediaType)
	e.do("POST", a+"/verdict", analystToken, `{"reason":"`+strings.Repeat("x", 2<<20)+`"}`).want(t, http.StatusRequestEntityTooLarge)
	e.do("GET", a+"?x=1", viewerToken, nil).want(t, http.StatusBadRequest)
	e.do("POST", a+"/validation?x=1", analystToken, nil).want(t, http.StatusBadRequest)
	e.do("DELETE", a, adminToken, nil).want(t, http.StatusMethodNotAllowed)
	e.push("/api/v1/intake/ghost", intakeKey, `[]`).want(t, http.StatusUnauthorized)
}

// walkPlaybooks exercises every playbook operation: define one, list it,
// preview it, run it by hand, read its run, delete it.
func (e *env) walkPlaybooks(t *testing.T, alert int64) {
	t.Helper()
	def := map[string]any{"definition": playbookYAML}
	e.do("PUT", "/api/v1/playbooks/ticket", adminToken, def).want(t, http.StatusOK)
	e.do("GET", "/api/v1/playbooks", viewerToken, nil).want(t, http.StatusOK)
	e.do("GET", "/api/v1/playbooks/ticket", viewerToken, nil).want(t, http.StatusOK)
	e.do("POST", "/api/v1/playbooks/ticket/dry-run", analystToken, map[string]any{"alert_id": alert}).want(t, http.StatusOK)
	var started struct {
		RunID int64 `json:"run_id"`
	}
	e.do("POST", "/api/v1/playbooks/ticket/runs", analystToken, map[string]any{"alert_id": alert}).want(t, http.StatusAccepted).decode(t, &started)
	e.do("GET", "/api/v1/playbook-runs?playbook=ticket&status=running", viewerToken, nil).want(t, http.StatusOK)
	e.do("GET", fmt.Sprintf("/api/v1/playbook-runs/%d", started.RunID), viewerToken, nil).want(t, http.StatusOK)
	e.do("DELETE", "/api/v1/playbooks/ticket", adminToken, nil).want(t, http.StatusNoContent)
}

// playbookYAML posts an alert to a ticketing tool.
const playbookYAML = `id: ticket
name: Open a ticket
trigger: {type: manual}
allow: [127.0.0.1]
steps:
  - type: get_alert
  - name: Open ticket
    type: http
    url: http://127.0.0.1:9/tickets
    json: '{"title": "{{ node.1.title }}", "severity": {{ node.1.rule.severity }}}'
`
