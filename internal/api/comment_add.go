package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
)

type commentRequest struct {
	Body string `json:"body"`
}

// addComment answers POST /api/v1/{alerts|incidents}/{id}/comments. The
// engine stores the comment and, when the source's policy asks for it,
// queues it for the source; the caller's token name is the author.
func (s *server) addComment(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var req commentRequest
		if !decodeBody(w, r, &req) {
			return
		}
		if err := model.CheckText("body", req.Body, model.MaxCommentLen); err != nil {
			invalid(w, "%v", err)
			return
		}
		author := model.Actor{Kind: model.ActorAnalyst, Name: principalFrom(r.Context()).Name}
		c, err := s.engine.AddComment(r.Context(), kind, id, author, req.Body)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, c)
	}
}
