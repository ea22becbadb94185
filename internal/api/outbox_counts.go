package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/store"
)

// outboxCounts answers GET /api/v1/outbox/counts with the number of items
// in every state, zeros included, so dashboards need not guess.
func (s *server) outboxCounts(w http.ResponseWriter, r *http.Request) {
	counts, err := s.store.OutboxCounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make(map[string]int, len(outboxStates))
	for _, st := range outboxStates {
		out[st] = counts[store.OutboxState(st)]
	}
	writeJSON(w, http.StatusOK, out)
}
