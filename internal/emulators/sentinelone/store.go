package sentinelone

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Threat enums as the v2.1 threat model spells them, with the
// descriptions the API sends beside them.
var (
	incidentStatuses = map[string]string{"unresolved": "Unresolved", "in_progress": "In Progress", "resolved": "Resolved"}
	analystVerdicts  = map[string]string{"undefined": "Undefined", "true_positive": "True positive", "false_positive": "False positive", "suspicious": "Suspicious"}
	mitigations      = map[string]string{"mitigated": "Mitigated", "not_mitigated": "Not mitigated", "marked_as_benign": "Marked as benign"}
)

// Cloud-detection alerts read back their statuses and verdicts as the
// swagger's AlertInfo enum spells them; writes take the lower- or
// upper-case token.
var (
	cloudStatuses = map[string]string{"unresolved": "Unresolved", "in_progress": "In progress", "resolved": "Resolved"}
	cloudVerdicts = map[string]string{"undefined": "Undefined", "true_positive": "True positive", "false_positive": "False positive", "suspicious": "Suspicious"}
)

// describe fills the *Description fields from the values.
func describe(ti *ThreatInfo) {
	ti.IncidentStatusDescription = incidentStatuses[ti.IncidentStatus]
	ti.AnalystVerdictDescription = analystVerdicts[ti.AnalystVerdict]
	ti.MitigationStatusDesc = mitigations[ti.MitigationStatus]
}

// token turns a read-back spelling ("In progress") into its write token
// ("in_progress").
func token(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_")
}

// Threats returns copies of every threat, newest first.
func (e *Emulator) Threats() []Threat {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.threats, Threat.clone, func(a, b Threat) int {
		return cmp.Or(b.ThreatInfo.CreatedAt.Compare(a.ThreatInfo.CreatedAt.Time), cmp.Compare(a.ID, b.ID))
	})
}

// Threat returns a copy of one threat.
func (e *Emulator) Threat(id string) (Threat, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.threats, id, Threat.clone)
}

// CloudAlerts returns copies of every cloud-detection alert, newest first.
func (e *Emulator) CloudAlerts() []CloudAlert {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.cloud, CloudAlert.clone, func(a, b CloudAlert) int {
		return cmp.Or(b.AlertInfo.CreatedAt.Compare(a.AlertInfo.CreatedAt.Time), cmp.Compare(a.AlertInfo.AlertID, b.AlertInfo.AlertID))
	})
}

// CloudAlert returns a copy of one cloud-detection alert.
func (e *Emulator) CloudAlert(id string) (CloudAlert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.CopyOf(e.cloud, id, CloudAlert.clone)
}

// Notes returns the notes of a threat, oldest first.
func (e *Emulator) Notes(threatID string) []Note {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Note(nil), e.notes[threatID]...)
}

// SeedOpen adds nThreats new unresolved threats and nCloud new unresolved
// cloud-detection alerts, created now (after everything before them), and
// returns their ids. Earlier data stays.
func (e *Emulator) SeedOpen(nThreats, nCloud int, seed int64) (threats, cloud []string) {
	r := emukit.NewRand(seed)
	e.mu.Lock()
	defer e.mu.Unlock()
	for range nThreats {
		t := e.newThreat(r, emukit.Pick(r, e.world.Hosts), emukit.Pick(r, e.world.Users), e.clock.Now())
		if _, dup := e.threats[t.ID]; dup {
			continue
		}
		t.ThreatInfo.CreatedAt = e.stamp()
		t.ThreatInfo.UpdatedAt = t.ThreatInfo.CreatedAt
		e.threats[t.ID] = t
		threats = append(threats, t.ID)
	}
	for range nCloud {
		a := e.newCloudAlert(r, emukit.Pick(r, e.world.Hosts), emukit.Pick(r, e.world.Users), e.clock.Now())
		if _, dup := e.cloud[a.AlertInfo.AlertID]; dup {
			continue
		}
		a.AlertInfo.CreatedAt = e.stamp()
		a.AlertInfo.UpdatedAt = a.AlertInfo.CreatedAt
		e.cloud[a.AlertInfo.AlertID] = a
		cloud = append(cloud, a.AlertInfo.AlertID)
	}
	return threats, cloud
}

// SetThreatStatus changes a threat's incident status as a console user
// would, stamping updatedAt.
func (e *Emulator) SetThreatStatus(id, status string) error {
	if _, ok := incidentStatuses[status]; !ok {
		return fmt.Errorf("incident status %q is not one of unresolved, in_progress, resolved", status)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.threats[id]
	if !ok {
		return fmt.Errorf("threat %s not found", id)
	}
	t.ThreatInfo.IncidentStatus = status
	e.touchThreat(t)
	return nil
}

// touchThreat refreshes descriptions and stamps updatedAt; e.mu is held.
func (e *Emulator) touchThreat(t *Threat) {
	describe(&t.ThreatInfo)
	t.ThreatInfo.UpdatedAt = e.stamp()
}

// touchCloud stamps a cloud alert's updatedAt; e.mu is held.
func (e *Emulator) touchCloud(a *CloudAlert) {
	a.AlertInfo.UpdatedAt = e.stamp()
}

// stamp returns the clock's time in the API's microsecond precision,
// strictly after every stamp before it, so two writes to one record never
// share an updatedAt however fast they come; e.mu is held.
func (e *Emulator) stamp() Time {
	t := e.ticker.Next().Truncate(time.Microsecond)
	if !t.After(e.last) {
		t = e.last.Add(time.Microsecond)
	}
	e.last = t
	e.ticker.Observe(t)
	return Time{t}
}

// observe makes later stamps come after ts; e.mu is held.
func (e *Emulator) observe(ts Time) {
	if ts.After(e.last) {
		e.last = ts.Time
	}
	e.ticker.Observe(ts.Time)
}

// now is the emulator's clock in UTC.
func (e *Emulator) now() time.Time { return e.clock.Now().UTC() }
