package graph

import (
	"cmp"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Seed replaces all data with n alerts generated from seed, grouped into
// incidents. The same n, seed and clock reading give the same data.
func (e *Emulator) Seed(n int, seed int64) {
	alerts, incidents := generate(n, seed, e.opts.World, e.opts.TenantID, e.clock.Now().UTC())
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seedN, e.seedSeed = n, seed
	e.alerts, e.incidents = map[string]*Alert{}, map[string]*Incident{}
	e.ticker.Reset()
	for _, a := range alerts {
		e.alerts[a.ID] = a
		e.ticker.Observe(a.LastUpdateDateTime)
	}
	for _, in := range incidents {
		e.incidents[in.ID] = in
		e.ticker.Observe(in.LastUpdateDateTime)
	}
}

// Alert returns a copy of the alert as stored (evolvable enums unmapped).
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
		return cmp.Or(a.CreatedDateTime.Compare(b.CreatedDateTime), cmp.Compare(a.ID, b.ID))
	})
}

// Incident returns a copy of the incident.
func (e *Emulator) Incident(id string) (Incident, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.incidents, id, Incident.clone)
}

// Incidents returns copies of all incidents, oldest first.
func (e *Emulator) Incidents() []Incident {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.incidents, Incident.clone, func(a, b Incident) int {
		return cmp.Or(a.CreatedDateTime.Compare(b.CreatedDateTime), cmp.Compare(a.ID, b.ID))
	})
}

// Comments returns the comments on an alert, oldest first.
func (e *Emulator) Comments(alertID string) []Comment {
	a, _ := e.Alert(alertID)
	return a.Comments
}

// IncidentComments returns the comments on an incident, oldest first.
func (e *Emulator) IncidentComments(incidentID string) []Comment {
	in, _ := e.Incident(incidentID)
	return in.Comments
}

// SetAlertStatus changes an alert's status as an analyst in the portal
// would, advancing lastUpdateDateTime so a poller sees the change.
func (e *Emulator) SetAlertStatus(id, status string) error {
	s, ok := enumMember(alertStatuses, status)
	if !ok {
		return fmt.Errorf("set alert status: %q is not an alertStatus", status)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.alerts[id]
	if !ok {
		return fmt.Errorf("set alert status: alert %q not found", id)
	}
	e.setAlertStatusLocked(a, s, e.ticker.Next())
	e.ledger.Changed("alert", id)
	return nil
}

// AddPortalComment adds a comment as an analyst named author would in the
// portal.
func (e *Emulator) AddPortalComment(alertID, author, text string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.alerts[alertID]
	if !ok {
		return fmt.Errorf("add portal comment: alert %q not found", alertID)
	}
	a.addComment(Comment{Comment: text, CreatedByDisplayName: author, CreatedDateTime: e.ticker.Next()})
	return nil
}

func (e *Emulator) setAlertStatusLocked(a *Alert, status string, now time.Time) {
	a.Status = status
	a.LastUpdateDateTime = now
	emukit.StampResolved(&a.ResolvedDateTime, status == "resolved", now)
}
