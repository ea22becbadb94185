package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/store"
)

// getAlert answers GET /api/v1/alerts/{id} with the alert, every incident
// it belongs to (memberships, with who related it and when) and its raw
// vendor payload.
func (s *server) getAlert(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := s.store.AlertGet(r.Context(), id)
	if err == nil {
		a.Memberships, err = s.store.MembershipList(r.Context(), store.MembershipListParams{AlertID: id})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
