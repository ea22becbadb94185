package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/engine"
	"github.com/alertsync/alertsync/internal/model"
)

type pushRequest struct {
	Integration string `json:"integration"`
}

type pushAnswer struct {
	IdempotencyKey string `json:"idempotency_key"`
}

// push answers POST /api/v1/{alerts|incidents}/{id}/push: the object, as
// an OCSF finding, is queued for the named integration's intake; its
// delivery shows among the object's deliveries.
func (s *server) push(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var req pushRequest
		if !decodeBody(w, r, &req) {
			return
		}
		if err := s.checkExists(r.Context(), kind, id); err != nil {
			s.fail(w, r, err)
			return
		}
		key, err := s.engine.Push(r.Context(), engine.PushParams{Kind: kind, ID: id, Integration: req.Integration})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusAccepted, pushAnswer{IdempotencyKey: key})
	}
}
