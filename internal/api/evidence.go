package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// listEvidence answers GET /api/v1/evidence: stored audit-log records, by
// integration in id order, or those naming one user or IP (entity),
// oldest first, optionally within [from, to).
func (s *server) listEvidence(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := store.EvidenceListParams{Integration: q.str("integration"), From: q.time("from"), To: q.time("to")}
	if v := q.str("entity"); v != "" {
		p.Values = model.Entities{Users: []string{v}}.Normalize().Users
	}
	pg := q.page("after")
	raw := q.bool("include_raw")
	if !q.ok(w) {
		return
	}
	if len(p.Values) == 0 && (!p.From.IsZero() || !p.To.IsZero()) {
		invalid(w, "from and to select by time only together with entity")
		return
	}
	p.AfterID, p.Limit = pg.after, pg.limit+1
	recs, err := s.store.EvidenceList(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !raw {
		for i := range recs {
			recs[i].Raw = nil
		}
	}
	writeJSON(w, http.StatusOK, paged(recs, pg.limit, func(e model.Evidence) int64 { return e.ID }))
}
