package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/config"
)

// fake is a vendor emulator that answers with its name and the path it
// sees, and records how it was started.
type fake struct {
	name string
	env  Env
}

func (f *fake) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, f.name+" "+r.URL.Path) })
}
func (f *fake) Console() Console { return nil }
func (f *fake) Unwrap() any      { return f }
func (f *fake) Integration(at Hub) config.Integration {
	return config.Integration{Name: f.name, Settings: at.Settings(map[string]any{"base": at.Base, "peer": at.ID("test-b")})}
}

type fakeLogin struct{}

func (fakeLogin) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "login "+r.URL.Path) })
}
func (fakeLogin) Settings(base string) map[string]any {
	return map[string]any{"token_url": base + "/token"}
}
func (fakeLogin) Describe(io.Writer, string) {}

// The test binary registers only these, so Start runs them alone.
func init() {
	RegisterLogin(LoginSpec{Name: "test-login", Start: func(string) Login { return fakeLogin{} }})
	RegisterHost(HostSpec{Name: "test-host", Router: func(routes map[string]http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
			routes[seg].ServeHTTP(w, r)
		})
	}})
	start := func(name string) func(Env) (Emulator, error) {
		return func(env Env) (Emulator, error) { return &fake{name: name, env: env}, nil }
	}
	Register(Vendor{Kind: "test-c", ID: "c", Login: "test-login", Host: "test-host", Route: "C", After: []string{"test-b"}, Start: start("c")})
	Register(Vendor{Kind: "test-b", ID: "b", Login: "test-login", Host: "test-host", Route: "B", DefaultAlerts: 2, Start: start("b")})
	Register(Vendor{Kind: "test-a", ID: "a", DefaultAlerts: 3, Start: start("a")})
}

func get(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestSetServesAndConfiguresEveryVendor: the Set starts vendors after the
// peers they name, serves each on its own path or behind its host, and
// writes hub configs pointed at it or at the endpoints given instead.
func TestSetServesAndConfiguresEveryVendor(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{Alerts: map[string]int{"test-a": 5}})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, v := range s.Vendors() {
		kinds = append(kinds, v.Kind)
	}
	if !slices.Equal(kinds, []string{"test-a", "test-b", "test-c"}) {
		t.Fatalf("start order %v", kinds)
	}
	a, _ := As[*fake](s, "test-a")
	b, _ := As[*fake](s, "test-b")
	if a.env.Alerts != 5 || b.env.Alerts != 2 || a.env.Login != nil || b.env.Login == nil || a.env.World == nil || a.env.World != b.env.World {
		t.Fatalf("envs: a %+v, b %+v", a.env, b.env)
	}

	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for path, want := range map[string]string{
		"/test-a/v1/things": "a /v1/things",
		"/test-host/B/x":    "b /B/x",
		"/test-host/C/y":    "c /C/y",
		"/test-login/t1":    "login /t1",
	} {
		if got := get(t, srv.URL+path); got != want {
			t.Errorf("GET %s: %q, want %q", path, got, want)
		}
	}

	ins := s.Integrations(srv.URL, Endpoints{"test-b": "http://proxy/b/", "test-login": "http://proxy/login"}, time.Second)
	if len(ins) != 3 {
		t.Fatalf("%d integrations", len(ins))
	}
	want := []struct{ id, kind, base, token string }{
		{"a", "test-a", srv.URL + "/test-a", ""},
		{"b", "test-b", "http://proxy/b", "http://proxy/login/token"},
		{"c", "test-c", srv.URL + "/test-host", "http://proxy/login/token"},
	}
	for i, w := range want {
		in := ins[i]
		tok, _ := in.Settings["token_url"].(string)
		if in.ID != w.id || in.Kind != w.kind || in.Settings["base"] != w.base || tok != w.token || in.Settings["peer"] != "b" {
			t.Errorf("integration %d: %+v, want %+v", i, in, w)
		}
	}
	if err := s.Check(Endpoints{"test-a": "http://x", "nope": "http://y"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Check: %v", err)
	}
	if _, err := As[*fakeLogin](s, "test-a"); err == nil {
		t.Error("As with the wrong type succeeded")
	}
}

func TestStateOf(t *testing.T) {
	t.Parallel()
	table := map[string]State{"inProgress": StateInProgress}
	if StateOf(table, "INPROGRESS") != StateInProgress || StateOf(table, "gone") != StateUnknown {
		t.Fatal("StateOf")
	}
}

func TestHubNoBudget(t *testing.T) {
	t.Parallel()
	for _, unlimited := range []bool{false, true} {
		got := Hub{Unlimited: unlimited}.NoBudget(map[string]any{"requests_per_minute": 600, "base_url": "x"}, "requests_per_minute", "requests_per_hour")
		want := map[string]any{"requests_per_minute": 600, "base_url": "x"}
		if unlimited {
			want = map[string]any{"requests_per_minute": 0, "requests_per_hour": 0, "base_url": "x"}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("unlimited=%v: %v, want %v", unlimited, got, want)
		}
	}
}

// TestLatencyAbandonedCallHasNoEffect: a caller that gives up while the
// Set holds its call for the vendor's latency gets no answer, and the
// vendor neither serves nor counts the call (served, a write would land
// for a caller that counted it failed and sent it again).
func TestLatencyAbandonedCallHasNoEffect(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{Latency: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/test-a/v1/things", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := http.DefaultClient.Do(req); err == nil {
		_ = res.Body.Close()
		t.Fatalf("answered %d after the caller gave up", res.StatusCode)
	}
	time.Sleep(100 * time.Millisecond) // a call served after all is counted within microseconds
	if n := s.Calls("test-a"); n != 0 {
		t.Errorf("vendor served %d calls its caller had given up", n)
	}
}
