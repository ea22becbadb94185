package api

import (
	"net/http"
)

type healthBody struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
	Error   string `json:"error,omitempty"`
}

// healthz answers GET /healthz for load balancers: 200 when ready, 503 with
// the reason when not. It needs no token.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		if err := s.ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, healthBody{Status: "unavailable", Version: s.version, Error: err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, healthBody{Status: "ok", Version: s.version})
}
