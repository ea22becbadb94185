package api

import (
	"net/http"
)

// getAlert answers GET /api/v1/alerts/{id} with the alert and its raw
// vendor payload.
func (s *server) getAlert(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := s.store.AlertGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
