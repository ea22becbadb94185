package api

import (
	"errors"
	"net/http"

	"github.com/alertsync/alertsync/internal/store"
)

// retryOutbox answers POST /api/v1/outbox/{id}/retry: a dead item goes back
// to pending, due now, with a fresh attempt budget. The store only moves an
// item that is dead at that moment, so any other id (missing, pending, done)
// is answered 404: there is no dead item with that id.
func (s *server) retryOutbox(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	err := s.engine.RetryOutbox(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		notFound(w, "no dead outbox item %d", id)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "outbox item retried", "id", id, "by", principalFrom(r.Context()).Name)
	item, err := s.store.OutboxGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}
