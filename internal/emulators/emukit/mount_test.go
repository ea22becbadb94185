package emukit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestMountKeepsPrefixInLinks: a mounted emulator sees its vendor's paths
// and builds links that lead back through the prefix and the host the
// caller used (a proxy in front keeps its own host in them).
func TestMountKeepsPrefixInLinks(t *testing.T) {
	t.Parallel()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path+" "+RequestBase(r, "")+r.URL.Path)
	})
	srv := httptest.NewServer(Mount("/graph", inner))
	defer srv.Close()
	cases := []struct{ path, want string }{
		{"/graph/v1.0/security/alerts_v2?$top=10", "/v1.0/security/alerts_v2 " + srv.URL + "/graph/v1.0/security/alerts_v2"},
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
