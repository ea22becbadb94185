package sekoia

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/emulators/emukit"
)

// Alert returns a copy of the alert with this uuid or short id.
func (e *Emulator) Alert(id string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.find(id)
	if a == nil {
		return Alert{}, false
	}
	return a.clone(), true
}

// find returns the stored alert with this uuid or short id; e.mu is held.
func (e *Emulator) find(id string) *Alert {
	if a, ok := e.alerts[id]; ok {
		return a
	}
	for _, a := range e.alerts {
		if a.ShortID == id {
			return a
		}
	}
	return nil
}

// Alerts returns copies of every alert of every community, oldest first.
func (e *Emulator) Alerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	return emukit.SortedCopies(e.alerts, Alert.clone, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(a.CreatedAt, b.CreatedAt), strings.Compare(a.UUID, b.UUID))
	})
}

// StatusName is the name of the alert's status, "" when it is unknown.
func (e *Emulator) StatusName(id string) string {
	a, _ := e.Alert(id)
	return a.Status.Name
}

// Comments returns the alert's comments, oldest first.
func (e *Emulator) Comments(id string) []Comment {
	a, _ := e.Alert(id)
	return a.Comments
}

// SetStatus moves an alert to a status as an analyst in the console
// would, without the workflow's checks (an administrator can), stamping
// updated_at.
func (e *Emulator) SetStatus(id, name string) error {
	st, ok := StatusNamed(name)
	if !ok {
		return fmt.Errorf("set status: %q is not a status", name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.find(id)
	if a == nil {
		return fmt.Errorf("set status: alert %q not found", id)
	}
	e.moveTo(a, st, "avatar", nil)
	return nil
}

// moveTo changes a's status, stamping updated_at and the history; e.mu
// is held.
func (e *Emulator) moveTo(a *Alert, st Status, byType string, comment *string) {
	now := e.clock.Now().Unix()
	h := HistoryItem{UUID: emukit.RequestID(), CreatedAt: now, CreatedBy: e.principalID, CreatedByType: byType,
		EntryType: "alert", Alert: &HistoryStatus{Status: st.UUID, PreviousStatus: a.Status.UUID}}
	if comment != nil && *comment != "" {
		h.Comment = &HistoryComment{Content: *comment}
	}
	a.History = append(a.History, h)
	a.Status, a.UpdatedAt, a.UpdatedBy, a.UpdatedByType = st, now, e.principalID, byType
}

// Events returns what the intake received, oldest first.
func (e *Emulator) Events() []IntakeEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]IntakeEvent(nil), e.events...)
}
