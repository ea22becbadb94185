package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// alertOCSF answers GET /api/v1/alerts/{id}/ocsf with the alert as an OCSF
// Detection Finding.
func (s *server) alertOCSF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := s.store.AlertGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := model.AlertOCSF(a)
	if err != nil {
		s.fail(w, r, fmt.Errorf("render alert %d as OCSF: %w", id, err))
		return
	}
	writeRaw(w, http.StatusOK, b)
}

// incidentOCSF answers GET /api/v1/incidents/{id}/ocsf with the incident
// and its member alerts as an OCSF Incident Finding.
func (s *server) incidentOCSF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, err := s.store.IncidentGet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	members, err := s.memberAlerts(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := model.IncidentOCSF(in, members)
	if err != nil {
		s.fail(w, r, fmt.Errorf("render incident %d as OCSF: %w", id, err))
		return
	}
	writeRaw(w, http.StatusOK, b)
}

// memberAlerts lists every alert of an incident, page by page.
func (s *server) memberAlerts(ctx context.Context, incidentID int64) ([]model.Alert, error) {
	var out []model.Alert
	after := int64(0)
	for {
		list, err := s.store.AlertList(ctx, store.AlertListParams{IncidentID: incidentID, AfterID: after, Limit: maxLimit})
		if err != nil {
			return nil, fmt.Errorf("list alerts of incident %d: %w", incidentID, err)
		}
		out = append(out, list...)
		if len(list) < maxLimit {
			return out, nil
		}
		after = list[len(list)-1].ID
	}
}
