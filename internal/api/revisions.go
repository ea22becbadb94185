package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// revisionsBody pages history by sequence number rather than by id.
type revisionsBody struct {
	Items        []model.Revision `json:"items"`
	NextAfterSeq *int64           `json:"next_after_seq,omitempty"`
}

// listRevisions answers GET /api/v1/{alerts|incidents}/{id}/revisions: the
// object's history, oldest first, paged by after_seq.
func (s *server) listRevisions(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		q := newQuery(r)
		pg := q.page("after_seq")
		if !q.ok(w) {
			return
		}
		if err := s.checkExists(r.Context(), kind, id); err != nil {
			s.fail(w, r, err)
			return
		}
		revs, err := s.store.RevisionList(r.Context(), store.RevisionListParams{
			Kind: kind, ObjectID: id, AfterSeq: pg.after, Limit: pg.limit + 1,
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		lb := paged(revs, pg.limit, func(rv model.Revision) int64 { return rv.Seq })
		writeJSON(w, http.StatusOK, revisionsBody{Items: lb.Items, NextAfterSeq: lb.NextAfter})
	}
}
