package emukit

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Request is one recorded request and the status it was answered with (0:
// none, its answer was abandoned because the caller gave up first).
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header // without Authorization
	Body   []byte
	Status int
	Time   time.Time
}

// Recorder keeps every request an emulator saw, so a test can assert what a
// connector wrote. Authorization is dropped: tests never need the token and
// a recording must not hold one.
type Recorder struct {
	clock Clock

	mu   sync.Mutex
	reqs []Request
}

// NewRecorder returns an empty recorder.
func NewRecorder(clock Clock) *Recorder { return &Recorder{clock: orReal(clock)} }

// Requests returns a copy of everything recorded, oldest first.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.reqs...)
}

// Filter returns the recorded requests with method (any when empty) whose
// path starts with pathPrefix.
func (rec *Recorder) Filter(method, pathPrefix string) []Request {
	var out []Request
	for _, r := range rec.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets everything recorded.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = nil
}

// Middleware records each request after next has answered it.
func (rec *Recorder) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // a short read is recorded as is
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		at := rec.clock.Now()
		answered := false
		// Deferred, so a request whose answer was abandoned (Delay) is
		// recorded too, with status 0, before the panic goes on.
		defer func() {
			status := sw.status
			if !answered && !sw.wrote {
				status = 0
			}
			h := r.Header.Clone()
			h.Del("Authorization")
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.reqs = append(rec.reqs, Request{
				Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: h,
				Body: body, Status: status, Time: at,
			})
		}()
		next.ServeHTTP(sw, r)
		answered = true
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
