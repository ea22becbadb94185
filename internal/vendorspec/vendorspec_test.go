package vendorspec

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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
	t.Chdir(t.TempDir())
	if _, err := Load(Graph); !errors.Is(err, ErrAbsent) {
		t.Errorf("no shared folder above: err %v, want ErrAbsent", err)
	}
}

// TestValidation proves requests and responses are checked on the path
// alone, whatever the host, and that bad ones fail.
func TestValidation(t *testing.T) {
	s := LoadOrSkip(t, Graph)
	patch := func() *http.Request {
		r := httptest.NewRequest(http.MethodPatch, "http://127.0.0.1:1234/v1.0/security/alerts_v2/a1", nil)
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
	if err := s.ValidateRequest(httptest.NewRequest(http.MethodGet, "/v1.0/security/nothing", nil), nil); err == nil || !strings.Contains(err.Error(), "not an operation") {
		t.Errorf("unknown path: %v", err)
	}
	get := httptest.NewRequest(http.MethodGet, "/v1.0/security/alerts_v2/a1", nil)
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
		req := httptest.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
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

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
