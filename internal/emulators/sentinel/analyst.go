package sentinel

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// UpdateIncidentAsAnalyst changes an incident as a portal user would: edit
// gets the current properties to change, the write ignores etags and bumps
// the incident's etag, and closing resolves the incident's alerts (and
// their Defender for Cloud originals) like any other close.
func (e *Emulator) UpdateIncidentAsAnalyst(ctx context.Context, name, who string, edit func(p *IncidentProperties)) (Incident, error) {
	cur, err := e.getIncident(name)
	if err != nil {
		return Incident{}, fmt.Errorf("analyst update: %w", err)
	}
	p := cur.Properties
	edit(&p)
	inc, _, resolve, err := e.putIncident(name, nil, p, who)
	if err != nil {
		return Incident{}, fmt.Errorf("analyst update: %w", err)
	}
	e.syncBack(ctx, resolve)
	return inc, nil
}

// RelateAlert adds an alert already in the workspace to another incident,
// as an analyst does from the portal, which makes an incident relation
// (listed by IncidentRelations_List like one made through the API); the
// alert stays in its own incident. Relating a member again changes nothing.
func (e *Emulator) RelateAlert(incidentName, systemAlertID, who string) (Incident, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.incidents[strings.ToLower(incidentName)]
	if !ok {
		return Incident{}, fmt.Errorf("relate alert to incident %s: %w", incidentName, ErrNotFound)
	}
	if _, ok := e.alerts[systemAlertID]; !ok {
		return Incident{}, fmt.Errorf("relate alert %s: %w", systemAlertID, ErrNotFound)
	}
	if e.relateSystemLocked(in, systemAlertID) {
		e.touchLocked(in, in.inc.Properties.Status, who)
	}
	return e.renderLocked(in), nil
}

// Incident returns the incident as the API would.
func (e *Emulator) Incident(name string) (Incident, bool) {
	inc, err := e.getIncident(name)
	return inc, err == nil
}

// Incidents returns all incidents in creation order.
func (e *Emulator) Incidents() []Incident {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Incident, 0, len(e.order))
	for _, k := range e.order {
		out = append(out, e.renderLocked(e.incidents[k]))
	}
	return out
}

// IncidentsForAlert returns the incidents that hold the alert.
func (e *Emulator) IncidentsForAlert(systemAlertID string) []Incident {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Incident
	for _, k := range e.order {
		if in := e.incidents[k]; slices.Contains(in.alertIDs, systemAlertID) {
			out = append(out, e.renderLocked(in))
		}
	}
	return out
}

// IncidentAlertIDs returns the SystemAlertIds an incident holds (the
// AlertIds column).
func (e *Emulator) IncidentAlertIDs(name string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in, ok := e.incidents[strings.ToLower(name)]; ok {
		return append([]string{}, in.alertIDs...)
	}
	return nil
}

// Alert returns the mirrored SecurityAlert.
func (e *Emulator) Alert(systemAlertID string) (SecurityAlert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.alerts, systemAlertID, emukit.DeepCopy[SecurityAlert])
}

// Comments returns an incident's comments, oldest first.
func (e *Emulator) Comments(incidentName string) []Comment {
	cs, _ := e.listComments(incidentName)
	return cs
}

// SecurityAlertRows returns the SecurityAlert table, oldest row first.
func (e *Emulator) SecurityAlertRows() []SecurityAlertRow {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]SecurityAlertRow(nil), e.alertRows...)
}

// SecurityIncidentRows returns the SecurityIncident table, oldest row first.
func (e *Emulator) SecurityIncidentRows() []SecurityIncidentRow {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]SecurityIncidentRow(nil), e.incRows...)
}

// ResettableDefenderForCloud is a Defender for Cloud source that can start
// over, replaying its seeded alerts through the hooks.
type ResettableDefenderForCloud interface {
	DefenderForCloud
	Reset()
}

// ReplaySeed empties this workspace, resets dfc (whose seeded alerts then
// arrive through Connect) and relates two alerts on the same host into one
// incident. It returns that multi-alert incident's name.
func (e *Emulator) ReplaySeed(dfc ResettableDefenderForCloud) (string, error) {
	e.Reset()
	dfc.Reset()
	return e.SeedMultiAlertIncident()
}

// SeedMultiAlertIncident relates the second alert seen on a host to the
// incident of the first one on that host, the edge case the seed's KQL
// guards against. It returns the incident's name.
func (e *Emulator) SeedMultiAlertIncident() (string, error) {
	inc, second, err := e.SharedHostPair()
	if err != nil {
		return "", fmt.Errorf("seed multi-alert incident: %w", err)
	}
	if _, err := e.RelateAlert(inc, second, "Seed analyst"); err != nil {
		return "", fmt.Errorf("seed multi-alert incident: %w", err)
	}
	return inc, nil
}

// SharedHostPair finds, in creation order, the first alert that shares a
// compromised host with an earlier single-alert incident: it returns that
// incident's name and the later alert's SystemAlertId.
func (e *Emulator) SharedHostPair() (incident, systemAlertID string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	firstOn := map[string]string{}
	for _, k := range e.order {
		in := e.incidents[k]
		if len(in.alertIDs) != 1 {
			continue
		}
		a := e.alerts[in.alertIDs[0]]
		if a == nil || a.Properties.CompromisedEntity == "" {
			continue
		}
		if prev, ok := firstOn[a.Properties.CompromisedEntity]; ok {
			return prev, a.Properties.SystemAlertID, nil
		}
		firstOn[a.Properties.CompromisedEntity] = in.inc.Name
	}
	return "", "", fmt.Errorf("no two alerts share a host: %w", ErrNotFound)
}
