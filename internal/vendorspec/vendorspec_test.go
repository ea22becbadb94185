package vendorspec

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadEverySpec(t *testing.T) {
	for _, name := range []string{Graph, DefenderForCloud, Sentinel} {
		s := LoadOrSkip(t, name)
		if s.Doc.Paths.Len() == 0 {
			t.Errorf("%s: no paths", name)
		}
	}
}

func TestAbsent(t *testing.T) {
	if _, err := Load("no-such-spec.yaml"); !errors.Is(err, ErrAbsent) {
		t.Errorf("missing file: err %v, want ErrAbsent", err)
	}
	t.Setenv(EnvDir, "")
	t.Chdir(t.TempDir())
	if _, err := Load(Graph); !errors.Is(err, ErrAbsent) {
		t.Errorf("no shared folder above: err %v, want ErrAbsent", err)
	}
}

// TestEnvDir proves the variable replaces the walk up: a folder without
// the file is absent even though shared/vendor-specs may be above, and a
// folder with it is read.
func TestEnvDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	if _, err := Load(Graph); !errors.Is(err, ErrAbsent) || !strings.Contains(err.Error(), EnvDir) {
		t.Errorf("empty %s: err %v, want ErrAbsent naming it", EnvDir, err)
	}
	doc := "openapi: 3.0.1\ninfo: {title: t, version: \"1\"}\npaths: {}\n"
	if err := os.WriteFile(filepath.Join(dir, Graph), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Graph); err != nil {
		t.Errorf("spec in %s: %v", EnvDir, err)
	}
}

// fakeTB records what the loaders do; Skipf and Fatalf stop the loader as
// the testing package's would, by unwinding to the caller.
type fakeTB struct{ logged, skipped, failed string }

type stop struct{}

func (*fakeTB) Helper()                         {}
func (f *fakeTB) Logf(format string, a ...any)  { f.logged = fmt.Sprintf(format, a...) }
func (f *fakeTB) Skipf(format string, a ...any) { f.skipped = fmt.Sprintf(format, a...); panic(stop{}) }
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.failed = fmt.Sprintf(format, a...)
	panic(stop{})
}

func (f *fakeTB) run(load func(TB, string) *Spec) *Spec {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
	}()
	return load(f, Graph)
}

// TestAbsentUnderCI proves what a test sees when the specs are absent:
// Optional gives nil and logs, LoadOrSkip skips, and with CI=true both
// fail with a message naming the way to provide the specs.
func TestAbsentUnderCI(t *testing.T) {
	t.Setenv(EnvDir, t.TempDir())
	loaders := map[string]func(TB, string) *Spec{"Optional": Optional, "LoadOrSkip": LoadOrSkip}
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		for name, load := range loaders {
			var f fakeTB
			if s := f.run(load); s != nil {
				t.Errorf("CI=%q %s: a spec from an empty folder", ci, name)
			}
			switch {
			case ci == "true":
				if !strings.Contains(f.failed, "CI=true requires the vendor specs") || !strings.Contains(f.failed, EnvDir) {
					t.Errorf("CI=true %s: failed %q", name, f.failed)
				}
			case name == "Optional":
				if f.failed != "" || f.skipped != "" || !strings.Contains(f.logged, "behaviour checked only") {
					t.Errorf("Optional: failed %q, skipped %q, logged %q", f.failed, f.skipped, f.logged)
				}
			default:
				if f.failed != "" || f.skipped == "" {
					t.Errorf("LoadOrSkip: failed %q, skipped %q", f.failed, f.skipped)
				}
			}
		}
	}
}

// TestValidation proves requests and responses are checked on the path
// alone, whatever the host, and that bad ones fail.
func TestValidation(t *testing.T) {
	s := LoadOrSkip(t, Graph)
	patch := func() *http.Request {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodPatch, "http://127.0.0.1:1234/v1.0/security/alerts_v2/a1", nil)
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	if op, err := s.OperationID(patch()); err != nil || op == "" {
		t.Fatalf("OperationID = %q, %v", op, err)
	}
	if err := s.ValidateRequest(patch(), []byte(`{"status":"resolved","classification":"falsePositive","determination":"notMalicious"}`)); err != nil {
		t.Errorf("good PATCH: %v", err)
	}
	if err := s.ValidateRequest(patch(), []byte(`{"determination":"clean"}`)); err == nil {
		t.Error("docs-table determination passed")
	}
	if err := s.ValidateRequest(httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/v1.0/security/nothing", nil), nil); err == nil || !strings.Contains(err.Error(), "not an operation") {
		t.Errorf("unknown path: %v", err)
	}
	get := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/v1.0/security/alerts_v2/a1", nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	if err := s.ValidateResponse(get, 200, hdr, []byte(`{"id":"a1","status":"new","severity":"low"}`)); err != nil {
		t.Errorf("good response: %v", err)
	}
	if err := s.ValidateResponse(get, 200, hdr, []byte(`{"id":"a1","status":"dismissed"}`)); err == nil {
		t.Error("legacy status passed")
	}
}

func TestAllowAnyProperties(t *testing.T) {
	s := LoadOrSkip(t, DefenderForCloud)
	if err := s.AllowAnyProperties("AlertEntity", ""); err != nil {
		t.Error(err)
	}
	if err := s.AllowAnyProperties("AlertProperties", "supportingEvidence"); err != nil {
		t.Error(err)
	}
	if err := s.AllowAnyProperties("NoSuchSchema", ""); err == nil {
		t.Error("unknown schema accepted")
	}
	if err := s.AllowAnyProperties("AlertProperties", "noSuchProperty"); err == nil {
		t.Error("unknown property accepted")
	}
}

// TestChecker proves the transport reports bad requests, lets skipped
// ones through and counts by operation.
func TestChecker(t *testing.T) {
	s := LoadOrSkip(t, Graph)
	reported := 0
	c := &Checker{Spec: s, Skip: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/oauth2/") },
		Report: func(...any) { reported++ }}
	rt := c.Wrap(roundTrip(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	}))
	send := func(method, url, body string) {
		req := httptest.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if b, _ := io.ReadAll(req.Body); string(b) != body {
			t.Errorf("body after check %q, want %q", b, body)
		}
	}
	send(http.MethodPost, "/tenant/oauth2/v2.0/token", "grant_type=client_credentials")
	send(http.MethodPatch, "/v1.0/security/alerts_v2/a1", `{"status":"resolved"}`)
	send(http.MethodPatch, "/v1.0/security/alerts_v2/a1", `{"determination":"clean"}`)
	if reported != 1 {
		t.Errorf("%d reports, want 1 (the bad PATCH)", reported)
	}
	if c.Total() != 2 {
		t.Errorf("Total %d, want 2", c.Total())
	}
}

// TestCheckerWithoutSpec proves a checker Optional left without a spec
// passes requests on untouched and counts nothing.
func TestCheckerWithoutSpec(t *testing.T) {
	c := &Checker{Report: func(a ...any) { t.Error(a...) }}
	sent := 0
	rt := c.Wrap(roundTrip(func(*http.Request) (*http.Response, error) {
		sent++
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	}))
	res, err := rt.RoundTrip(httptest.NewRequestWithContext(t.Context(), http.MethodPatch, "/v1.0/security/alerts_v2/a1", strings.NewReader(`{"determination":"clean"}`)))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if c.Active() || sent != 1 || c.Total() != 0 {
		t.Errorf("Active %v, sent %d, Total %d; want false, 1, 0", c.Active(), sent, c.Total())
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
