package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
)

// commentsBody lists every comment of one object; there are few enough
// that the list is not paged.
type commentsBody struct {
	Items []model.Comment `json:"items"`
}

// listComments answers GET /api/v1/{alerts|incidents}/{id}/comments, local
// and mirrored comments in the order they were made.
func (s *server) listComments(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if err := s.checkExists(r.Context(), kind, id); err != nil {
			s.fail(w, r, err)
			return
		}
		cs, err := s.store.CommentList(r.Context(), kind, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if cs == nil {
			cs = []model.Comment{}
		}
		writeJSON(w, http.StatusOK, commentsBody{Items: cs})
	}
}
