package api

import (
	"fmt"
	"net/http"
)

// unrouted answers requests no route takes in the API's error shape: 405
// with an Allow header when the path exists under other methods, 404
// otherwise. The mux knows which it is but answers in plain text, and a
// catch-all "/" route would hide the 405 behind a 404, so the mux's own
// answer is probed for its status and Allow header and then rewritten.
func (s *server) unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status != http.StatusMethodNotAllowed {
			writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint")
			return
		}
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, allow))
	})
}

// headerProbe is a ResponseWriter that keeps the status and headers and
// drops the body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }

func (p *headerProbe) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	return len(b), nil
}

func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
