package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// listIncidents answers GET /api/v1/incidents, keyset-paged by id. Raw
// vendor payloads are left out unless include_raw=true.
func (s *server) listIncidents(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := store.IncidentListParams{
		Integration: q.str("integration"),
		Status:      model.Status(q.oneOf("status", statusNames...)),
	}
	pg := q.page("after")
	withRaw := q.bool("include_raw")
	if !q.ok(w) {
		return
	}
	p.AfterID, p.Limit = pg.after, pg.limit+1
	incs, err := s.store.IncidentList(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !withRaw {
		for i := range incs {
			incs[i].Raw = nil
		}
	}
	for i := range incs {
		incs[i] = cleanIncident(incs[i])
	}
	writeJSON(w, http.StatusOK, paged(incs, pg.limit, func(in model.Incident) int64 { return in.ID }))
}
