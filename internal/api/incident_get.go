package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// getIncident answers GET /api/v1/incidents/{id} with the incident, its
// member alert ids and memberships (who related each alert and when) and
// its raw vendor payload.
func (s *server) getIncident(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, err := s.store.IncidentGet(r.Context(), id)
	if err == nil {
		in.Memberships, err = s.store.MembershipList(r.Context(), store.MembershipListParams{IncidentID: id})
	}
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
