package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/api"
	"github.com/alertsync/alertsync/internal/ui"
)

// TestRouteTableRoles walks the API's and the console's route tables, one
// table of routes and roles, with every role and no credentials at all:
// a caller below a route's role is refused (401 or the login page without
// credentials, 403 with too small a role), one at or above it is let in,
// and a public route answers everyone alike.
func TestRouteTableRoles(t *testing.T) {
	t.Parallel()
	h := startHub(t)
	dead := h.deadItem()
	ids := strings.NewReplacer("{id}", fmt.Sprint(h.alerts[0]), "{integration}", "push", "{tenant}", "default")
	outboxIDs := strings.NewReplacer("{id}", fmt.Sprint(dead))
	roles := []api.Role{api.RolePublic, api.RoleViewer, api.RoleAnalyst, api.RoleAdmin, api.RoleOperator}
	tokens := map[api.Role]string{api.RoleViewer: viewerToken, api.RoleAnalyst: analystToken, api.RoleAdmin: tenantAdminToken,
		api.RoleOperator: adminToken}
	for _, surface := range []struct {
		name   string
		routes []api.Access
		call   func(method, path, token string) int
	}{
		{"api", api.Routes(), h.apiCall},
		{"console", ui.Routes(), h.consoleCall},
	} {
		for _, rt := range surface.routes {
			path := ids.Replace(rt.Pattern)
			if strings.Contains(rt.Pattern, "/outbox/") {
				path = outboxIDs.Replace(rt.Pattern)
			}
			path = strings.ReplaceAll(path, "{$}", "")
			if rt.Pattern == "/static/" {
				path = "/static/console.css"
			}
			got := map[api.Role]int{}
			for _, role := range roles {
				got[role] = surface.call(rt.Method, path, tokens[role])
			}
			for _, role := range roles {
				name := fmt.Sprintf("%s %s %s as %q", surface.name, rt.Method, path, role)
				switch {
				case rt.Role == api.RolePublic:
					if got[role] != got[api.RolePublic] {
						t.Errorf("%s = %d, but %d without credentials: a public route must not depend on the role", name, got[role], got[api.RolePublic])
					}
				case role == api.RolePublic:
					if got[role] != http.StatusUnauthorized && got[role] != http.StatusSeeOther {
						t.Errorf("%s = %d, want 401 (or the login page)", name, got[role])
					}
				case !role.AtLeast(rt.Role):
					if got[role] != http.StatusForbidden {
						t.Errorf("%s = %d, want 403 (needs %s)", name, got[role], rt.Role)
					}
				default:
					if s := got[role]; s == http.StatusUnauthorized || s == http.StatusForbidden || s == http.StatusSeeOther && rt.Method == http.MethodGet {
						t.Errorf("%s = %d, want it let in (needs %s)", name, s, rt.Role)
					}
				}
			}
		}
	}
}

// apiCall calls the API with a bearer token and returns the status.
func (h *hub) apiCall(method, path, token string) int {
	req, _ := http.NewRequestWithContext(context.Background(), method, h.base+path, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// consoleCall calls the console in a fresh browser, logged in with token
// when one is given; a form carries the session's CSRF token, so only the
// role decides.
func (h *hub) consoleCall(method, path, token string) int {
	b := h.browser()
	if token != "" {
		b.login(token)
	}
	if method == http.MethodGet {
		return b.get(path).status
	}
	return b.post(path, url.Values{}).status
}
