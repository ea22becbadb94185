package api

import (
	"net/http"
)

// startValidation answers POST /api/v1/alerts/{id}/validation: the alert is
// put under validation and the answer is its pass schedule.
func (s *server) startValidation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.engine.StartValidation(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.store.ValidationGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, v)
}
