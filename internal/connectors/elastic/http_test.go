package elastic

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
)

func containsText(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

// TestRequestHeaders: every write carries kbn-xsrf and every request the
// versioned API header, API key authentication and JSON.
func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ids := e.seed(2)
	ctx := t.Context()
	if _, err := e.conn.FetchAlerts(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.conn.SetState(ctx, changesFor(ids[:1], model.StatusResolved, model.VerdictNotAThreat, false)[0]); err != nil {
		t.Fatal(err)
	}
	note := connector.CommentAction{VendorID: ids[0], Body: "checked", IdempotencyKey: "c1"}
	if err := e.conn.AddComment(ctx, note); err != nil {
		t.Fatal(err)
	}
	if _, err := e.conn.CommentApplied(ctx, note); err != nil { // the one GET
		t.Fatal(err)
	}
	methods := map[string]int{}
	for _, r := range e.emu.Recorder().Requests() {
		methods[r.Method]++
		if r.Status != http.StatusOK {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
		if r.Header.Get("Elastic-Api-Version") != APIVersion {
			t.Errorf("%s %s without elastic-api-version", r.Method, r.Path)
		}
		if xsrf := r.Header.Get("Kbn-Xsrf"); (r.Method != http.MethodGet) != (xsrf == "true") {
			t.Errorf("%s %s kbn-xsrf %q", r.Method, r.Path, xsrf)
		}
		if r.Method != http.MethodGet && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s Content-Type %q", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
	}
	if methods[http.MethodPost] == 0 || methods[http.MethodPatch] != 1 || methods[http.MethodGet] != 1 {
		t.Errorf("requests by method %v", methods)
	}
}

// TestWriteWithoutXSRFRefused: Kibana refuses a write without kbn-xsrf,
// and the connector's error carries Kibana's message.
func TestWriteWithoutXSRFRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	req, err := e.conn.client.NewRequest(t.Context(), http.MethodPost, searchRef, searchBody{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = e.conn.client.DoJSON(t.Context(), req, nil)
	var ce *connector.Error
	if !errors.As(err, &ce) || ce.Status != 400 || ce.Class != connector.ClassPermanent || ce.Message != "Request must contain a kbn-xsrf header." {
		t.Errorf("write without kbn-xsrf: %v", err)
	}
}

// TestErrors: Kibana's two error envelopes (and the array message of a
// route) reach the classified error; 401 is auth; a 429 carries the
// Retry-After wait.
func TestErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, 0, nil)
	ctx := t.Context()
	wrong := e.build(t, nil, map[string]any{"api_key": wrongKey})
	err := wrong.Health(ctx)
	if connector.ClassOf(err) != connector.ClassAuth || !containsText(err, "unable to authenticate") || containsText(err, "not-the-elastic-key") {
		t.Errorf("wrong key: %v", err)
	}
	e.emu.ThrottleNext(7 * time.Second)
	err = e.conn.Health(ctx)
	if connector.ClassOf(err) != connector.ClassRateLimited || connector.RetryAfterOf(err) != 7*time.Second {
		t.Errorf("throttled: %v (retry after %v)", err, connector.RetryAfterOf(err))
	}
	ids := e.seed(1)
	body := map[string]any{"ids": ids, "tags": map[string]any{"tags_to_add": []string{"X"}, "tags_to_remove": []string{"X"}}}
	err = e.conn.send(ctx, http.MethodPost, "api/detection_engine/signals/tags", body, nil)
	if connector.ClassOf(err) != connector.ClassPermanent || !containsText(err, `Duplicate tags ["X"] were found`) {
		t.Errorf("array message: %v", err)
	}
	_, err = e.conn.search(ctx, searchBody{Size: 1, Query: map[string]any{"match_phrase": map[string]any{"x": "y"}}})
	if !containsText(err, "unknown query [match_phrase]") {
		t.Errorf("route error: %v", err)
	}
}

func TestKitEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"statusCode":400,"error":"Bad Request","message":"Request must contain a kbn-xsrf header."}`, `{"error":{"code":"Bad Request","message":"Request must contain a kbn-xsrf header."}}`},
		{`{"message":"boom","status_code":500}`, `{"error":{"code":"","message":"boom"}}`},
		{`{"message":["a","b"],"status_code":400}`, `{"error":{"code":"","message":"a; b"}}`},
		{`<html>bad gateway</html>`, ``},
		{`{"error":{"code":"x","message":"y"}}`, ``},
	}
	for _, tt := range tests {
		got, ok := kitEnvelope([]byte(tt.in))
		if tt.want == "" {
			if ok {
				t.Errorf("%s rewritten to %s", tt.in, got)
			}
			continue
		}
		var a, b any
		_ = json.Unmarshal(got, &a)
		_ = json.Unmarshal([]byte(tt.want), &b)
		if !ok || !jsonEqual(a, b) {
			t.Errorf("%s -> %s, want %s", tt.in, got, tt.want)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
