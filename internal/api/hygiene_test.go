package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/model"
)

func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	e := setup(t)
	a, in := e.ids["a1"], e.incident
	tests := []struct {
		path, want string
	}{
		{"/api/v1/alerts?stauts=new", `unknown query parameter "stauts"`},
		{"/api/v1/alerts?status=new&Status=new", `unknown query parameter "Status"`},
		{"/api/v1/alerts?status=new&status=resolved", "query parameter status: given more than once"},
		{"/api/v1/alerts?open=true;status=new", "the query string is malformed"},
		{"/api/v1/alerts?entity=%zz", "the query string is malformed"},
		{"/api/v1/incidents?verdict=threat", `unknown query parameter "verdict"`},
		{"/api/v1/outbox?status=dead", `unknown query parameter "status"`},
		{"/api/v1/quarantine?include_raw=true", `unknown query parameter "include_raw"`},
		{fmt.Sprintf("/api/v1/alerts/%d?raw=true", a), `unknown query parameter "raw"`},
		{fmt.Sprintf("/api/v1/alerts/%d/revisions?after=1", a), `unknown query parameter "after"`},
		{fmt.Sprintf("/api/v1/alerts/%d/comments?limit=1", a), `unknown query parameter "limit"`},
		{fmt.Sprintf("/api/v1/alerts/%d/deliveries?state=dead", a), `unknown query parameter "state"`},
		{fmt.Sprintf("/api/v1/incidents/%d/ocsf?x", in), `unknown query parameter "x"`},
		{"/api/v1/integrations?kind=fake", `unknown query parameter "kind"`},
		{"/api/v1/outbox/counts?state=dead", `unknown query parameter "state"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.do("GET", tt.path, viewerToken, nil).want(t, http.StatusBadRequest)
			if c, msg := r.errBody(t); c != "invalid" || msg != tt.want {
				t.Errorf("error %s %q, want invalid %q", c, msg, tt.want)
			}
		})
	}
	e.do("POST", fmt.Sprintf("/api/v1/alerts/%d/verdict?dry_run=true", a), analystToken,
		map[string]any{"verdict": "threat"}).want(t, http.StatusBadRequest)
	if got := decode[model.Alert](t, e.do("GET", fmt.Sprintf("/api/v1/alerts/%d", a), viewerToken, nil)); got.Verdict != model.VerdictNone {
		t.Errorf("a refused verdict was applied: %q", got.Verdict)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		method, path, allow string
	}{
		{"DELETE", "/api/v1/alerts/1", "GET, HEAD"},
		{"PUT", "/api/v1/alerts", "GET, HEAD"},
		{"GET", "/api/v1/alerts/1/verdict", "POST"},
		{"PATCH", "/api/v1/incidents/1/comments", "GET, HEAD, POST"},
		{"GET", "/api/v1/intake/hook", "POST"},
		{"POST", "/metrics", "GET, HEAD"},
		{"DELETE", "/healthz", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(tt.method, tt.path, viewerToken, nil).want(t, http.StatusMethodNotAllowed)
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow %q, want %q", got, tt.allow)
			}
			if c := r.errCode(t); c != "method_not_allowed" {
				t.Errorf("code %q", c)
			}
		})
	}
	r := e.do("GET", "/api/v1/nothing-here", viewerToken, nil).want(t, http.StatusNotFound)
	if r.header.Get("Allow") != "" || r.errCode(t) != "not_found" {
		t.Errorf("unrouted path: %v %s", r.header, r.body)
	}
}

func TestContentType(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/alerts/%d/comments", e.ids["a1"])
	tests := []struct {
		contentType string
		status      int
	}{
		{"application/json", http.StatusCreated},
		{"application/json; charset=utf-8", http.StatusCreated},
		{"Application/JSON; charset=UTF-8", http.StatusCreated},
		{"", http.StatusCreated},
		{"application/json; charset=latin1", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"application/jsonx", http.StatusUnsupportedMediaType},
		{"application/json;;", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			r := e.send("POST", path, `{"body":"typed"}`, func(h http.Header) {
				h.Set("Authorization", "Bearer "+analystToken)
				h.Del("Content-Type")
				if tt.contentType != "" {
					h.Set("Content-Type", tt.contentType)
				}
			}).want(t, tt.status)
			if tt.status == http.StatusUnsupportedMediaType && r.errCode(t) != "unsupported_media_type" {
				t.Errorf("415 body %s", r.body)
			}
		})
	}
}

func TestJSONBodyLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	path := fmt.Sprintf("/api/v1/alerts/%d/comments", e.ids["a1"])
	r := e.do("POST", path, analystToken, `{"body":"`+strings.Repeat("x", 1<<20)+`"}`).want(t, http.StatusRequestEntityTooLarge)
	if c, msg := r.errBody(t); c != "too_large" || !strings.Contains(msg, "1048576 bytes") {
		t.Errorf("413 body %s", r.body)
	}
	e.do("POST", path, analystToken, "").want(t, http.StatusBadRequest)
}

// TestCanonicalNumbers checks that only the plain decimal spelling of a
// number names an object or a page: anything else is a 404 in a path and a
// 400 in a query.
func TestCanonicalNumbers(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := e.ids["a1"]
	e.do("GET", fmt.Sprintf("/api/v1/alerts/%d", id), viewerToken, nil).want(t, http.StatusOK)
	for _, p := range []string{"+%d", "0%d", "000%d", "%%20%d", "%d%%20", "%d.0", "-%d"} {
		path := "/api/v1/alerts/" + fmt.Sprintf(p, id)
		t.Run(path, func(t *testing.T) {
			e.do("GET", path, viewerToken, nil).want(t, http.StatusNotFound)
			e.do("POST", path+"/verdict", analystToken, map[string]any{"verdict": "threat"}).want(t, http.StatusNotFound)
		})
	}
	for _, q := range []string{"after=+1", "after=01", "after=%201", "limit=+5", "limit=05", "limit=5%20", "incident_id=+1", "after=-0"} {
		t.Run(q, func(t *testing.T) {
			e.do("GET", "/api/v1/alerts?"+q, viewerToken, nil).want(t, http.StatusBadRequest)
		})
	}
	e.do("GET", "/api/v1/alerts?after=0&limit=5", viewerToken, nil).want(t, http.StatusOK)
}

// TestNotFoundSaysItOnce checks that a missing object is named once, in
// the API's words, whichever layer found it missing.
func TestNotFoundSaysItOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		method, path, token string
		body                any
		want                string
	}{
		{"GET", "/api/v1/alerts/99999", viewerToken, nil, "no alert with id 99999"},
		{"POST", "/api/v1/alerts/99999/verdict", analystToken, map[string]any{"verdict": "threat"}, "no alert with id 99999"},
		{"POST", "/api/v1/alerts/99999/comments", analystToken, map[string]any{"body": "x"}, "no alert with id 99999"},
		{"POST", "/api/v1/alerts/99999/validation", analystToken, nil, "no alert with id 99999"},
		{"GET", "/api/v1/alerts/99999/revisions", viewerToken, nil, "no alert with id 99999"},
		{"GET", "/api/v1/alerts/99999/deliveries", viewerToken, nil, "no alert with id 99999"},
		{"GET", "/api/v1/incidents/99999", viewerToken, nil, "no incident with id 99999"},
		{"POST", "/api/v1/incidents/99999/verdict", analystToken, map[string]any{"verdict": "threat"}, "no incident with id 99999"},
		{"GET", "/api/v1/incidents/99999/deliveries", viewerToken, nil, "no incident with id 99999"},
		{"GET", "/api/v1/incidents/99999/ocsf", viewerToken, nil, "no incident with id 99999"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.token, tt.body).want(t, http.StatusNotFound)
			if msg := r.errMessage(t); msg != tt.want {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
		})
	}
}

// TestVerdictAnswerHasNoRaw checks that the verdict answer leaves the raw
// payload out, like lists, while the object's own GET keeps it.
func TestVerdictAnswerHasNoRaw(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct{ object, verdict string }{
		{fmt.Sprintf("/api/v1/alerts/%d", e.ids["a3"]), "suspicious"},
		{fmt.Sprintf("/api/v1/incidents/%d", e.incident), "suspicious"},
	}
	for _, tt := range tests {
		t.Run(tt.object, func(t *testing.T) {
			r := e.do("POST", tt.object+"/verdict", analystToken, map[string]any{"verdict": tt.verdict}).want(t, http.StatusOK)
			if contains(r.body, `"raw"`) {
				t.Errorf("verdict answer carries raw: %s", r.body)
			}
		})
	}
	got := e.do("GET", fmt.Sprintf("/api/v1/alerts/%d", e.ids["a3"]), viewerToken, nil).want(t, http.StatusOK)
	if !contains(got.body, `"raw"`) {
		t.Errorf("GET alert lost its raw payload: %s", got.body)
	}
}
