package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

func TestAuthMatrix(t *testing.T) {
	t.Parallel()
	e := setup(t)
	dead := e.deadItem("auth")
	alert := e.ids["a2"]
	verdict := map[string]any{"verdict": "suspicious"}
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "GET", "/api/v1/alerts", "", nil, http.StatusUnauthorized, "unauthorized"},
		{"unknown token", "GET", "/api/v1/alerts", "not-a-real-token-000000", nil, http.StatusUnauthorized, "unauthorized"},
		{"viewer reads", "GET", "/api/v1/alerts", viewerToken, nil, http.StatusOK, ""},
		{"viewer verdict", "POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", alert), viewerToken, verdict, http.StatusForbidden, "forbidden"},
		{"viewer comment", "POST", fmt.Sprintf("/api/v1/alerts/%d/comments", alert), viewerToken, map[string]string{"body": "x"}, http.StatusForbidden, "forbidden"},
		{"viewer validation", "POST", fmt.Sprintf("/api/v1/alerts/%d/validation", alert), viewerToken, nil, http.StatusForbidden, "forbidden"},
		{"viewer retry", "POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead), viewerToken, nil, http.StatusForbidden, "forbidden"},
		{"analyst retry", "POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead), analystToken, nil, http.StatusForbidden, "forbidden"},
		{"analyst verdict", "POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", alert), analystToken, verdict, http.StatusOK, ""},
		{"analyst comment", "POST", fmt.Sprintf("/api/v1/alerts/%d/comments", alert), analystToken, map[string]string{"body": "looked"}, http.StatusCreated, ""},
		{"admin reads", "GET", "/api/v1/outbox/counts", adminToken, nil, http.StatusOK, ""},
		{"admin retry", "POST", fmt.Sprintf("/api/v1/outbox/%d/retry", dead), adminToken, nil, http.StatusOK, ""},
		{"no token on post", "POST", fmt.Sprintf("/api/v1/alerts/%d/verdict", alert), "", verdict, http.StatusUnauthorized, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.token, tt.body).want(t, tt.status)
			if tt.code != "" {
				if got := r.errCode(t); got != tt.code {
					t.Errorf("code %q, want %q", got, tt.code)
				}
			}
		})
	}
}

func TestAuthHeaderForms(t *testing.T) {
	t.Parallel()
	e := setup(t)
	tests := []struct {
		name, header string
		status       int
	}{
		{"bearer", "Bearer " + viewerToken, http.StatusOK},
		{"lower-case scheme", "bearer " + viewerToken, http.StatusOK},
		{"basic scheme", "Basic " + viewerToken, http.StatusUnauthorized},
		{"no scheme", viewerToken, http.StatusUnauthorized},
		{"token prefix", "Bearer " + viewerToken[:10], http.StatusUnauthorized},
		{"empty", "Bearer ", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.send("GET", "/api/v1/outbox/counts", nil, func(h http.Header) { h.Set("Authorization", tt.header) }).want(t, tt.status)
		})
	}
}

func TestUnauthenticatedEndpoints(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.do("GET", "/healthz", "", nil).want(t, http.StatusOK)
	e.do("GET", "/openapi.json", "", nil).want(t, http.StatusOK)
	m := e.do("GET", "/metrics", "", nil).want(t, http.StatusOK)
	if !contains(m.body, "alertsync_api_test_total") {
		t.Errorf("metrics do not come from the gatherer: %s", m.body)
	}
}
