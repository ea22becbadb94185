package arm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProvidersRoutesByNamespace: the ARM host routes by the last
// provider namespace of the path, case-insensitively, and answers an
// unknown one as ARM does.
func TestProvidersRoutesByNamespace(t *testing.T) {
	t.Parallel()
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, name) })
	}
	h := Providers(map[string]http.Handler{"Microsoft.Security": named("dfc"), "Microsoft.SecurityInsights": named("sentinel")})
	ws := "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w"
	cases := []struct{ path, want string }{
		{"/subscriptions/s/providers/Microsoft.Security/alerts", "dfc"},
		{"/subscriptions/s/resourceGroups/rg/providers/microsoft.security/locations/l/alerts/a/resolve", "dfc"},
		{ws + "/providers/Microsoft.SecurityInsights/incidents/i", "sentinel"},
		{ws + "/PROVIDERS/MICROSOFT.SECURITYINSIGHTS/incidents", "sentinel"},
		{ws, "InvalidResourceNamespace"},
		{"/subscriptions/s", "NotFound"},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, c.path, nil))
		if !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: %s", c.path, rec.Body.String())
		}
	}
}
