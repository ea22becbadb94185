package api

import (
	"net/http"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

var (
	statusNames   = []string{string(model.StatusUnknown), string(model.StatusNew), string(model.StatusInProgress), string(model.StatusSuppressed), string(model.StatusResolved)}
	verdictNames  = []string{string(model.VerdictNotAThreat), string(model.VerdictSuspicious), string(model.VerdictHighlySuspicious), string(model.VerdictThreat)}
	severityNames = []string{string(model.SeverityUnknown), string(model.SeverityInformational), string(model.SeverityLow),
		string(model.SeverityMedium), string(model.SeverityHigh), string(model.SeverityCritical)}
)

// listAlerts answers GET /api/v1/alerts: the current state of each alert,
// filtered and keyset-paged by id. Raw vendor payloads are left out unless
// include_raw=true, since they dominate the size of a page.
func (s *server) listAlerts(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	p := store.AlertListParams{
		Integration: q.str("integration"),
		Status:      model.Status(q.oneOf("status", statusNames...)),
		Verdict:     model.Verdict(q.oneOf("verdict", verdictNames...)),
		IncidentID:  q.int64("incident_id"),
		Entity:      q.str("entity"),
		Open:        q.bool("open"),
		Severity:    model.Severity(q.oneOf("severity", severityNames...)),
		SeenFrom:    q.time("first_seen_from"),
		SeenTo:      q.time("first_seen_to"),
	}
	pg := q.page("after")
	withRaw := q.bool("include_raw")
	if !q.ok(w) {
		return
	}
	p.AfterID, p.Limit = pg.after, pg.limit+1
	alerts, err := s.store.AlertList(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !withRaw {
		for i := range alerts {
			alerts[i].Raw = nil
		}
	}
	writeJSON(w, http.StatusOK, paged(alerts, pg.limit, func(a model.Alert) int64 { return a.ID }))
}
