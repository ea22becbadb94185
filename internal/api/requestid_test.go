package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/api"
)

// TestRequestID checks that a sane incoming X-Request-Id is kept, anything
// else is replaced by a fresh id, and the id reaches the answer's header,
// the error body and every log line about the request.
func TestRequestID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	fresh := regexp.MustCompile(`^[0-9a-f]{32}$`)
	tests := []struct {
		name, sent string
		keep       bool
	}{
		{"none sent", "", false},
		{"sane", "trace-7f3a.span:01_b", true},
		{"too long", strings.Repeat("a", 129), false},
		{"spaces", "has spaces", false},
		{"log injection", "x\" level=ERROR msg=forged", false},
		{"non-ASCII", "idé", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.send("GET", "/api/v1/alerts/999999", nil, func(h http.Header) {
				h.Set("Authorization", "Bearer "+viewerToken)
				if tt.sent != "" {
					h.Set(api.RequestIDHeader, tt.sent)
				}
			}).want(t, http.StatusNotFound)
			id := r.header.Get(api.RequestIDHeader)
			if tt.keep && id != tt.sent || !tt.keep && !fresh.MatchString(id) {
				t.Fatalf("X-Request-Id = %q after sending %q", id, tt.sent)
			}
			if !strings.Contains(string(r.body), `"request_id":"`+id+`"`) {
				t.Errorf("error body lacks the request id: %s", r.body)
			}
			if !strings.Contains(e.logs.String(), "request_id="+id) {
				t.Errorf("no log line carries request_id=%s", id)
			}
		})
	}
}

// TestEveryAPILogLineHasARequestID checks the lines logged while serving
// requests: each names its request once, and a refused push is one line.
func TestEveryAPILogLineHasARequestID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.do("GET", "/api/v1/alerts", viewerToken, nil).want(t, http.StatusOK)
	e.do("GET", "/api/v1/alerts", "", nil).want(t, http.StatusUnauthorized)
	wrong := e.pushTo("/api/v1/intake/hook", "X-Alertsync-Intake-Key", "not-the-hook-key", `{"id":"x","title":"t"}`).want(t, http.StatusUnauthorized)
	e.push("/api/v1/intake/fake", intakeKey, `"not an alert"`).want(t, http.StatusBadRequest)
	lines := strings.Split(strings.TrimSpace(e.logs.String()), "\n")
	if len(lines) < 4 {
		t.Fatalf("only %d log lines:\n%s", len(lines), e.logs.String())
	}
	for _, l := range lines {
		if n := strings.Count(l, " request_id="); n != 1 {
			t.Errorf("%d request ids in %q", n, l)
		}
	}
	id := wrong.header.Get(api.RequestIDHeader)
	var about []string
	for _, l := range lines {
		if strings.Contains(l, "request_id="+id) && !strings.Contains(l, `msg="api request"`) {
			about = append(about, l)
		}
	}
	if len(about) != 1 || !strings.Contains(about[0], "intake refused") {
		t.Errorf("a refused push logged %d lines, want one \"intake refused\":\n%s", len(about), strings.Join(about, "\n"))
	}
}
