package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/store"
)

// listQuarantine answers GET /api/v1/quarantine: vendor payloads that could
// not be mapped, with the reason, keyset-paged by id.
func (s *server) listQuarantine(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := store.QuarantineListParams{Integration: q.str("integration")}
	pg := q.page("after")
	if !q.ok(w) {
		return
	}
	p.AfterID, p.Limit = pg.after, pg.limit+1
	entries, err := s.store.QuarantineList(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, paged(entries, pg.limit, func(e store.QuarantineEntry) int64 { return e.ID }))
}
