// Package vendorspec is used by tests to check what connectors send and
// emulators answer against the vendors' published API specs. The spec
// files are not part of the repository: they are read at test time from
// the folder named by ALERTSYNC_VENDOR_SPECS or, when that is unset, from
// the shared folder beside the repository, found by walking up from the
// working directory to the first directory that has shared/vendor-specs.
// When the folder or the file is not there, Load returns an error wrapping
// ErrAbsent.
//
// A test's behaviour checks never depend on the specs: a test loads its
// spec with Optional and runs its assertions against the emulators either
// way, comparing with the spec only when it is there. Only a test that is
// about the spec itself uses LoadOrSkip. Under CI=true an absent spec is a
// failure in both, so CI cannot pass on a machine that silently left the
// spec comparison out.
//
// Validation routes on the path only: the server URLs of a spec are cut to
// their path (Graph's /v1.0; nothing for ARM), so a request to an emulator
// on a test server matches the vendor's operation.
package vendorspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The spec files of shared/vendor-specs the tests use (see its README.md
// for their sources and patches).
const (
	Graph            = "graph_security_v1.0.yaml"           // OpenAPI 3, patches G1-G4
	DefenderForCloud = "defender_alerts_2022-01-01.json"    // Swagger 2.0 (ARM)
	Sentinel         = "sentinel_incidents_2025-09-01.json" // Swagger 2.0 (ARM)
)

// ErrAbsent means the spec file is not beside the repository.
var ErrAbsent = errors.New("vendor spec absent")

// EnvDir names the environment variable that overrides where the spec
// files are read from, for a checkout whose shared folder lives elsewhere
// (and for proving that tests behave when the specs are absent).
const EnvDir = "ALERTSYNC_VENDOR_SPECS"

// Spec is one loaded vendor spec with its path router. Each Load returns a
// fresh copy, so in-memory relaxations stay with the test that made them.
type Spec struct {
	Name   string
	Doc    *openapi3.T
	router routers.Router
}

// Load reads the named file of shared/vendor-specs: a .json file as
// Swagger 2.0, converted to OpenAPI 3 (how Azure publishes its REST
// specs), anything else as OpenAPI 3, which is also validated.
func Load(name string) (*Spec, error) {
	path, err := find(name)
	if err != nil {
		return nil, err
	}
	defineUUID()
	var doc *openapi3.T
	if strings.HasSuffix(name, ".json") {
		doc, err = loadSwagger2(path)
	} else {
		doc, err = loadOpenAPI3(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load vendor spec %s: %w", name, err)
	}
	doc.Servers = pathOnly(doc.Servers)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route vendor spec %s: %w", name, err)
	}
	return &Spec{Name: name, Doc: doc, router: router}, nil
}

// TB is the part of testing.TB that LoadOrSkip and Optional use; the
// package does not import testing.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// LoadOrSkip is Load for a test that is only about the spec (a check that
// the validator catches a bad body): it skips the test when the spec is
// absent, fails it under CI=true, and fails it when the spec does not load.
func LoadOrSkip(tb TB, name string) *Spec {
	tb.Helper()
	s, err := Load(name)
	if errors.Is(err, ErrAbsent) {
		requireUnderCI(tb, err)
		tb.Skipf("skipping spec validation: %v", err)
	}
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return s
}

// Optional is Load for a test whose behaviour checks run without the spec:
// it returns nil when the spec is absent, so the test runs them and leaves
// the spec comparison out, saying so in the log. Under CI=true an absent
// spec fails the test; a spec that does not load always does.
func Optional(tb TB, name string) *Spec {
	tb.Helper()
	s, err := Load(name)
	if errors.Is(err, ErrAbsent) {
		requireUnderCI(tb, err)
		tb.Logf("vendor spec comparison left out, behaviour checked only: %v", err)
		return nil
	}
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return s
}

// requireUnderCI fails the test when CI is set: CI promises the spec
// comparison ran, so an absent spec folder there is a broken set-up.
func requireUnderCI(tb TB, err error) {
	tb.Helper()
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		tb.Fatalf("CI=true requires the vendor specs: %v (put them in ../shared/vendor-specs beside the repository or set %s)", err, EnvDir)
	}
}

// find locates the named file: in the folder EnvDir names when it is set,
// else in the first shared/vendor-specs above the working directory.
func find(name string) (string, error) {
	if specs := os.Getenv(EnvDir); specs != "" {
		p := filepath.Join(specs, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %s not in %s=%s", ErrAbsent, name, EnvDir, specs)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrAbsent, name, err)
	}
	for {
		specs := filepath.Join(dir, "shared", "vendor-specs")
		if st, err := os.Stat(specs); err == nil && st.IsDir() {
			p := filepath.Join(specs, name)
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%w: %s not in shared/vendor-specs", ErrAbsent, name)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no shared/vendor-specs above the working directory (%s)", ErrAbsent, name)
		}
		dir = parent
	}
}

var uuidOnce sync.Once

// defineUUID makes the "uuid" string format checked. kin-openapi keeps
// formats in a global table, so it is defined once for every spec.
func defineUUID() {
	uuidOnce.Do(func() {
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
	})
}

func loadSwagger2(path string) (*openapi3.T, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert to OpenAPI 3: %w", err)
	}
	return doc, nil
}

func loadOpenAPI3(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	return doc, nil
}

// pathOnly keeps the path of each server URL, so routing ignores scheme
// and host; servers without a path are dropped (routing from "/").
func pathOnly(in openapi3.Servers) openapi3.Servers {
	var out openapi3.Servers
	seen := map[string]bool{}
	for _, s := range in {
		u, err := url.Parse(s.URL)
		if err != nil {
			continue
		}
		p := strings.TrimSuffix(u.Path, "/")
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, &openapi3.Server{URL: p})
	}
	return out
}

// options are the validation options: authentication is not the spec's
// business here (the emulators check tokens), every problem is reported,
// and a response status the operation does not declare is an error.
func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		MultiError:            true,
		IncludeResponseStatus: true,
	}
}

// OperationID names the spec's operation for req; the error says when the
// spec has none.
func (s *Spec) OperationID(req *http.Request) (string, error) {
	route, _, err := s.route(req)
	if err != nil {
		return "", err
	}
	return route.Operation.OperationID, nil
}

func (s *Spec) route(req *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := s.router.FindRoute(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: not an operation of %s: %w", req.Method, req.URL.Path, s.Name, err)
	}
	return route, params, nil
}

// input is the validation input for req carrying body; req itself is not
// read or changed.
func (s *Spec) input(req *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	v := req.Clone(req.Context())
	v.Body = io.NopCloser(bytes.NewReader(body))
	v.ContentLength = int64(len(body))
	route, params, err := s.route(v)
	if err != nil {
		return nil, err
	}
	return &openapi3filter.RequestValidationInput{Request: v, PathParams: params, Route: route, Options: options()}, nil
}

// ValidateRequest checks req, whose body is body (req.Body is not read),
// against its operation in the spec.
func (s *Spec) ValidateRequest(req *http.Request, body []byte) error {
	in, err := s.input(req, body)
	if err != nil {
		return err
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s: request does not match %s: %w", req.Method, req.URL.Path, s.Name, err)
	}
	return nil
}

// ValidateResponse checks an answer to req against the operation's
// declared responses; the request itself is not validated.
func (s *Spec) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	in, err := s.input(req, nil)
	if err != nil {
		return err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: options(),
	}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		return fmt.Errorf("%s %s: response %d does not match %s: %w", req.Method, req.URL.Path, status, s.Name, err)
	}
	return nil
}

// AllowAnyProperties makes a component schema, or with prop one property
// of it, accept any additional properties. It is for specs whose generator
// wrote "additionalProperties: {type: object}" to mean "any value", which
// JSON Schema reads as "every extra property is an object". The change is
// in memory and only in this Spec; the caller says at the call site why
// the vendor's own examples need it.
func (s *Spec) AllowAnyProperties(schema, prop string) error {
	ref := s.Doc.Components.Schemas[schema]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("%s has no schema %s", s.Name, schema)
	}
	if prop != "" {
		if ref = ref.Value.Properties[prop]; ref == nil || ref.Value == nil {
			return fmt.Errorf("%s: schema %s has no property %s", s.Name, schema, prop)
		}
	}
	yes := true
	ref.Value.AdditionalProperties = openapi3.AdditionalProperties{Has: &yes}
	return nil
}
