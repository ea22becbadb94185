package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/alertsync/alertsync/internal/api"
)

// response is one answer, already checked against the OpenAPI document
// and for leaked secrets.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with token as bearer (none when empty). body is sent
// as is when it is a string, else encoded as JSON.
func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	return e.send(method, path, body, func(h http.Header) {
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
	})
}

func (e *env) send(method, path string, body any, hdr func(http.Header)) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hdr(req.Header)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: b}
	e.checkSecrets(method, path, r)
	e.checkRequestID(req, r)
	e.validate(req, r)
	return r
}

// checkRequestID fails the test unless the answer names its request id in
// the X-Request-Id header and, for an error, in the body too (TestRequestID
// checks which id it is).
func (e *env) checkRequestID(req *http.Request, r response) {
	e.t.Helper()
	id := r.header.Get(api.RequestIDHeader)
	if id == "" {
		e.t.Errorf("%s %s: no X-Request-Id in the answer", req.Method, req.URL.Path)
	}
	if r.status < 400 || !bytes.HasPrefix(r.body, []byte(`{"error":{`)) {
		return
	}
	var b struct {
		Error struct {
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &b); err != nil || b.Error.RequestID != id {
		e.t.Errorf("%s %s: error body request_id %q, header %q (%v)", req.Method, req.URL.Path, b.Error.RequestID, id, err)
	}
}

func (e *env) checkSecrets(method, path string, r response) {
	e.t.Helper()
	for _, s := range allSecrets {
		if bytes.Contains(r.body, []byte(s)) {
			e.t.Errorf("%s %s: response body contains a secret", method, path)
		}
		for k, vs := range r.header {
			for _, v := range vs {
				if strings.Contains(v, s) {
					e.t.Errorf("%s %s: header %s contains a secret", method, path, k)
				}
			}
		}
	}
}

// validate checks a real response against the OpenAPI document, so the
// document cannot drift from the code, and records the operation as seen.
func (e *env) validate(req *http.Request, r response) {
	e.t.Helper()
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		e.checkUnrouted(req, r, err)
		return
	}
	e.mu.Lock()
	e.ops[route.Method+" "+route.Path] = true
	e.mu.Unlock()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(e.ctx, in); err != nil {
		e.t.Errorf("%s %s: response %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.Path, r.status, err, r.body)
	}
}

// checkUnrouted accepts a request the document has no operation for only
// when the API refused it (404 or 405) in its documented error shape, a
// 405 with an Allow header.
func (e *env) checkUnrouted(req *http.Request, r response, findErr error) {
	e.t.Helper()
	if r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
		e.t.Errorf("%s %s: not in openapi.json: %v", req.Method, req.URL.Path, findErr)
		return
	}
	var body any
	if err := json.Unmarshal(r.body, &body); err != nil {
		e.t.Errorf("%s %s: %d body is not JSON: %s", req.Method, req.URL.Path, r.status, r.body)
		return
	}
	if err := e.doc.Components.Schemas["Error"].Value.VisitJSON(body); err != nil {
		e.t.Errorf("%s %s: %d body does not match the Error schema: %v", req.Method, req.URL.Path, r.status, err)
	}
	if r.status == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
		e.t.Errorf("%s %s: 405 without an Allow header", req.Method, req.URL.Path)
	}
}

// want fails the test unless the response has the status.
func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// errCode is the code of an error body.
func (r response) errCode(t *testing.T) string {
	t.Helper()
	code, _ := r.errBody(t)
	return code
}

// errMessage is the message of an error body.
func (r response) errMessage(t *testing.T) string {
	t.Helper()
	_, msg := r.errBody(t)
	return msg
}

func (r response) errBody(t *testing.T) (code, msg string) {
	t.Helper()
	var b struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("error body: %v: %s", err, r.body)
	}
	return b.Error.Code, b.Error.Message
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r.body)
	}
	return v
}

// list is the shape of every paged list.
type list[T any] struct {
	Items        []T    `json:"items"`
	NextAfter    *int64 `json:"next_after"`
	NextAfterSeq *int64 `json:"next_after_seq"`
}

// lockedBuffer collects the API's log lines from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkLogs fails the test if any secret reached the API's log.
func (e *env) checkLogs() {
	logs := e.logs.String()
	if logs == "" {
		e.t.Error("the API logged nothing; the secret check would be vacuous")
	}
	for _, s := range allSecrets {
		if strings.Contains(logs, s) {
			e.t.Errorf("the API log contains a secret")
		}
	}
}

// decode reads the body as JSON into v.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode body: %v: %s", err, r.body)
	}
}
