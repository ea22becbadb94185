package mde

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
	"github.com/alertsync/alertsync/internal/emulators/emukit/odata"
)

// filterable maps the documented $filter properties to their values. The
// docs spell one of them InvestigationId; both spellings are accepted.
var filterable = map[string]func(*Alert) any{
	"alertCreationTime": func(a *Alert) any { return a.AlertCreationTime },
	"lastUpdateTime":    func(a *Alert) any { return a.LastUpdateTime },
	"lastEventTime":     func(a *Alert) any { return a.LastEventTime },
	"incidentId":        func(a *Alert) any { return a.IncidentID },
	"investigationId":   func(a *Alert) any { return intOrNil(a.InvestigationID) },
	"InvestigationId":   func(a *Alert) any { return intOrNil(a.InvestigationID) },
	"id":                func(a *Alert) any { return a.ID },
	"assignedTo":        func(a *Alert) any { return strOrNil(a.AssignedTo) },
	"detectionSource":   func(a *Alert) any { return a.DetectionSource },
	"status":            func(a *Alert) any { return a.Status },
	"severity":          func(a *Alert) any { return a.Severity },
	"category":          func(a *Alert) any { return a.Category },
}

func intOrNil(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func strOrNil(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

type alertList struct {
	Context string  `json:"@odata.context"`
	Value   []Alert `json:"value"`
}

// listAlerts pages with $top/$skip only: the service sends no nextLink.
// $orderby is ignored: Microsoft lists only $filter, $top, $skip and
// $expand for GET /api/alerts, so a client cannot count on the service
// honouring it, and the emulator behaves as the least it may do.
func (e *Emulator) listAlerts(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	vals.Del("$orderby")
	q, err := odata.ParseQuery(vals)
	if err == nil && q.Top > MaxTop {
		err = fmt.Errorf("the limit of '%d' for Top query has been exceeded; the value from the incoming request is '%d'", MaxTop, q.Top)
	}
	var sel []*Alert
	e.mu.Lock()
	if err == nil {
		sel, err = e.selectLocked(q)
	}
	var page []Alert
	if err == nil {
		lo, hi, _ := emukit.Page(len(sel), q.Skip, q.Top, MaxTop)
		for _, a := range sel[lo:hi] {
			c := a.clone()
			if !q.Expands("evidence") {
				c.Evidence = []map[string]any{}
			}
			page = append(page, c)
		}
	}
	e.mu.Unlock()
	if err != nil {
		e.writeError(w, r, http.StatusBadRequest, "ODataError", "Invalid OData query: "+err.Error())
		return
	}
	if page == nil {
		page = []Alert{}
	}
	emukit.WriteJSON(w, http.StatusOK, alertList{emukit.RequestBase(r, e.opts.BaseURL) + "/api/$metadata#Alerts", page})
}

// selectLocked filters the alerts and puts them in the emulator's own
// stable order, newest created first: an order that does not follow
// lastUpdateTime, so $skip paging stays consistent across requests while a
// client that assumes oldest-change-first is caught out.
func (e *Emulator) selectLocked(q odata.Query) ([]*Alert, error) {
	for _, c := range q.Filter {
		if filterable[c.Field] == nil {
			return nil, fmt.Errorf("property '%s' is not supported in $filter", c.Field)
		}
	}
	out, err := odata.Select(slices.Collect(maps.Values(e.alerts)), q.Filter,
		func(a *Alert, name string) any { return filterable[name](a) }, false)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Alert) int {
		return cmp.Or(b.AlertCreationTime.Compare(a.AlertCreationTime), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (e *Emulator) getAlert(w http.ResponseWriter, r *http.Request) {
	a, ok := e.Alert(r.PathValue("id"))
	if !ok {
		e.notFound(w, r, r.PathValue("id"))
		return
	}
	e.writeAlert(w, r, a)
}

func (e *Emulator) notFound(w http.ResponseWriter, r *http.Request, id string) {
	e.writeError(w, r, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("Alert %s was not found", id))
}

type alertEntity struct {
	Context string `json:"@odata.context"`
	Alert
}

func (e *Emulator) writeAlert(w http.ResponseWriter, r *http.Request, a Alert) {
	emukit.WriteJSON(w, http.StatusOK, alertEntity{emukit.RequestBase(r, e.opts.BaseURL) + "/api/$metadata#Alerts/$entity", a})
}

// Seed replaces all alerts with n generated from seed.
func (e *Emulator) Seed(n int, seed int64) {
	alerts := generate(n, seed, e.opts.World, e.opts.TenantID, e.clock.Now().UTC())
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seedN, e.seedSeed = n, seed
	e.alerts = map[string]*Alert{}
	e.ticker.Reset()
	for _, a := range alerts {
		e.alerts[a.ID] = a
		e.ticker.Observe(a.LastUpdateTime)
	}
}

// Alert returns a copy of the alert.
func (e *Emulator) Alert(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.alerts, id, Alert.clone)
}

// Alerts returns copies of all alerts, oldest first.
func (e *Emulator) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.alerts, Alert.clone, func(a, b Alert) int {
		return cmp.Or(a.AlertCreationTime.Compare(b.AlertCreationTime), strings.Compare(a.ID, b.ID))
	})
}

// Comments returns the comments on an alert, oldest first.
func (e *Emulator) Comments(id string) []Comment {
	a, _ := e.Alert(id)
	return a.Comments
}

// SetAlertStatus changes status as an analyst in the portal would
// (New, InProgress or Resolved), advancing lastUpdateTime.
func (e *Emulator) SetAlertStatus(id, status string) error {
	if !slices.Contains(settableStatuses, status) {
		return fmt.Errorf("set alert status: %q is not New, InProgress or Resolved", status)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.alerts[id]
	if !ok {
		return fmt.Errorf("set alert status: alert %q not found", id)
	}
	setStatus(a, status, e.ticker.Next())
	e.ledger.Changed("alert", id)
	return nil
}

func setStatus(a *Alert, status string, now time.Time) {
	a.Status, a.LastUpdateTime = status, now
	emukit.StampResolved(&a.ResolvedTime, status == "Resolved", now)
}
