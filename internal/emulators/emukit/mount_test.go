package emukit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMountKeepsPrefixInLinks: a mounted emulator sees its vendor's paths
// and builds links that lead back through the prefix and the host the
// caller used (a proxy in front keeps its own host in them).
func TestMountKeepsPrefixInLinks(t *testing.T) {
	t.Parallel()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path+" "+NextLink(r, "", 10, 10))
	})
	srv := httptest.NewServer(Mount("/graph", inner))
	defer srv.Close()
	cases := []struct{ path, want string }{
		{"/graph/v1.0/security/alerts_v2?$top=10", "/v1.0/security/alerts_v2 " + srv.URL + "/graph/v1.0/security/alerts_v2?$skip=10&$top=10"},
		{"/graphite/v1.0", "404 page not found\n"},
		{"/other/v1.0", "404 page not found\n"},
	}
	for _, c := range cases {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if string(b) != c.want {
			t.Errorf("GET %s: %q, want %q", c.path, b, c.want)
		}
	}
}

// TestARMProvidersRoutesByNamespace: the ARM host routes by the last
// provider namespace of the path, case-insensitively, and answers an
// unknown one as ARM does.
func TestARMProvidersRoutesByNamespace(t *testing.T) {
	t.Parallel()
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, name) })
	}
	h := ARMProviders(map[string]http.Handler{"Microsoft.Security": named("dfc"), "Microsoft.SecurityInsights": named("sentinel")})
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
