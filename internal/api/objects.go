package api

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/model"
)

// checkExists returns a wrapped store.ErrNotFound when the alert or incident
// does not exist, so sub-resource listings of a missing object answer 404
// rather than an empty list.
func (s *server) checkExists(ctx context.Context, kind model.Kind, id int64) error {
	var err error
	if kind == model.KindAlert {
		_, err = s.store.AlertGet(ctx, id)
	} else {
		_, err = s.store.IncidentGet(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("get %s %d: %w", kind, id, err)
	}
	return nil
}
