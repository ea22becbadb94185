package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
)

// idempotencyKeyHeader names a request a client may send again.
const idempotencyKeyHeader = "Idempotency-Key"

type commentRequest struct {
	Body string `json:"body"`
}

// addComment answers POST /api/v1/{alerts|incidents}/{id}/comments. The
// engine stores the comment and, when the source's policy asks for it,
// queues it for the source; the caller's token name is the author.
//
// A client that may send a comment again after losing the answer names
// it with an Idempotency-Key header: a repeat with the key finds the
// first comment and answers 200 with it (Idempotent-Replayed: true)
// instead of adding, and sending to the vendor, a second one.
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
		c, replayed, err := s.engine.AddCommentOnce(r.Context(), kind, id, author, req.Body, r.Header.Get(idempotencyKeyHeader))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
			writeJSON(w, http.StatusOK, c)
			return
		}
		writeJSON(w, http.StatusCreated, c)
	}
}
