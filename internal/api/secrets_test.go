package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestSecretsNeverInResponses requests every readable endpoint, and the
// failing paths that talk about tokens, with each token. env.send fails the
// test if any token value, the intake key or a secret setting appears in a
// body or header; this test also asserts it directly for clarity.
func TestSecretsNeverInResponses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	paths := []string{
		"/api/v1/alerts?include_raw=true", fmt.Sprintf("/api/v1/alerts/%d", e.ids["a1"]),
		fmt.Sprintf("/api/v1/alerts/%d/revisions", e.ids["a1"]), "/api/v1/incidents",
		"/api/v1/integrations", "/api/v1/outbox", "/api/v1/outbox/counts", "/api/v1/quarantine",
		"/healthz", "/openapi.json", "/metrics",
	}
	for _, token := range []string{"", viewerToken, analystToken, adminToken, viewerToken + "x"} {
		for _, p := range paths {
			r := e.do("GET", p, token, nil)
			for _, s := range allSecrets {
				if contains(r.body, s) {
					t.Errorf("GET %s: body holds a secret", p)
				}
			}
		}
		r := e.do("POST", fmt.Sprintf("/api/v1/outbox/%d/retry", 1), token, nil)
		if r.status != http.StatusUnauthorized && r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("retry with %d-byte token: status %d", len(token), r.status)
		}
	}
	e.push("/api/v1/intake/fake", intakeKey+"-wrong", `[]`).want(t, http.StatusUnauthorized)
}
