package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
)

// getIncident answers GET /api/v1/incidents/{id} with the incident, its
// member alert ids and its raw vendor payload.
func (s *server) getIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, err := s.store.IncidentGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cleanIncident(in))
}

// cleanIncident makes an incident without members list [] rather than null.
func cleanIncident(in model.Incident) model.Incident {
	if in.AlertIDs == nil {
		in.AlertIDs = []int64{}
	}
	return in
}
