package api

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// origin is one object whose outbox items a delivery listing includes.
type origin struct {
	kind model.Kind
	id   int64
}

// listDeliveries answers GET /api/v1/{alerts|incidents}/{id}/deliveries:
// the outbox items each action on the object caused, with their delivery
// state. An incident's listing also holds every member alert's items, since
// an incident verdict fans out to each member in each source.
func (s *server) listDeliveries(kind model.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		q := newQuery(r)
		pg := q.page("after")
		if !q.ok(w) {
			return
		}
		origins, err := s.originsOf(r.Context(), kind, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		items, err := s.outboxOf(r.Context(), origins, pg)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, paged(s.deliveries(items), pg.limit, deliveryID))
	}
}

func (s *server) originsOf(ctx context.Context, kind model.Kind, id int64) ([]origin, error) {
	if kind == model.KindAlert {
		if err := s.checkExists(ctx, kind, id); err != nil {
			return nil, err
		}
		return []origin{{kind, id}}, nil
	}
	in, err := s.store.IncidentGet(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get incident %d: %w", id, err)
	}
	out := []origin{{model.KindIncident, id}}
	for _, a := range in.AlertIDs {
		out = append(out, origin{model.KindAlert, a})
	}
	return out, nil
}

// outboxOf merges the outbox items of several origins into one id-ordered
// page. Each origin's items after the cursor are fetched up to limit+1, so
// the first limit+1 of the union are among them and keyset paging holds.
func (s *server) outboxOf(ctx context.Context, origins []origin, pg page) ([]store.OutboxItem, error) {
	var all []store.OutboxItem
	for _, o := range origins {
		items, err := s.store.OutboxList(ctx, store.OutboxListParams{
			OriginKind: o.kind, OriginID: o.id, AfterID: pg.after, Limit: pg.limit + 1,
		})
		if err != nil {
			return nil, fmt.Errorf("list deliveries of %s %d: %w", o.kind, o.id, err)
		}
		all = append(all, items...)
	}
	slices.SortFunc(all, func(a, b store.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
	if len(all) > pg.limit+1 {
		all = all[:pg.limit+1]
	}
	return all, nil
}
