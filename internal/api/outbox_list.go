package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/store"
)

var outboxStates = []string{string(store.OutboxPending), string(store.OutboxLeased), string(store.OutboxDead), string(store.OutboxDone), string(store.OutboxSkipped)}

// listOutbox answers GET /api/v1/outbox, filtered by state and integration
// and keyset-paged by id.
func (s *server) listOutbox(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := store.OutboxListParams{
		State:       store.OutboxState(q.oneOf("state", outboxStates...)),
		Integration: q.str("integration"),
	}
	pg := q.page("after")
	if !q.ok(w) {
		return
	}
	p.AfterID, p.Limit = pg.after, pg.limit+1
	items, err := s.store.OutboxList(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, paged(s.deliveries(items), pg.limit, deliveryID))
}
