package defendercloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/emukit/arm"
)

// ErrNotFound is returned for an alert the emulator does not hold.
var ErrNotFound = errors.New("alert not found")

// AlertSpec describes an alert for CreateAlert; zero fields get defaults.
type AlertSpec struct {
	SubscriptionID string
	ResourceGroup  string // empty for a subscription-level alert
	Location       string // "westeurope" when empty
	Name           string // also the systemAlertId; generated when empty
	AlertType      string
	DisplayName    string
	Description    string
	Severity       string // Informational, Low, Medium, High
	Intent         string
	Status         string // Active when empty
	// ResourceID is the ARM id of the resource the alert is about; its last
	// segment is the compromised entity.
	ResourceID string
	// Component is the Defender plan that raised the alert
	// (productComponentName); derived from ResourceID when empty.
	Component   string
	WorkspaceID string // adds a LogAnalytics resource identifier when set
	Entities    []map[string]any
	Techniques  []string
	StartTime   time.Time // the clock's time when zero
	EndTime     time.Time // StartTime when zero
}

// CreateAlert stores a new alert, as Defender for Cloud does when a
// detection fires, and hands it to the hooks.
func (e *Emulator) CreateAlert(s AlertSpec) (Alert, error) {
	a, st, err := e.buildAlert(s)
	if err != nil {
		return Alert{}, err
	}
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	e.mu.Lock()
	key := strings.ToLower(a.Name)
	if _, dup := e.alerts[key]; dup {
		e.mu.Unlock()
		return Alert{}, fmt.Errorf("create alert %q: already exists", a.Name)
	}
	e.alerts[key] = st
	e.order = append(e.order, key)
	out := a.clone()
	e.mu.Unlock()
	e.deliver(out)
	return out, nil
}

func (e *Emulator) buildAlert(s AlertSpec) (Alert, *stored, error) {
	if !arm.IsGUID(s.SubscriptionID) {
		return Alert{}, nil, fmt.Errorf("create alert: subscription %q is not a GUID", s.SubscriptionID)
	}
	if s.Status == "" {
		s.Status = StatusActive
	}
	if !validStatus(s.Status) {
		return Alert{}, nil, fmt.Errorf("create alert: unknown status %q", s.Status)
	}
	if s.Location == "" {
		s.Location = "westeurope"
	}
	now := e.clock.Now().UTC()
	if s.Name == "" {
		s.Name = e.newName()
	}
	if s.StartTime.IsZero() {
		s.StartTime = now
	}
	if s.EndTime.IsZero() {
		s.EndTime = s.StartTime
	}
	a := renderAlert(s, now)
	return a, &stored{sub: s.SubscriptionID, rg: s.ResourceGroup, loc: s.Location, alert: a}, nil
}

// SetAlertStatus moves an alert to status, as the state actions do, and
// tells the hooks when the status actually changed.
func (e *Emulator) SetAlertStatus(name, status string) error {
	if !validStatus(status) {
		return fmt.Errorf("set alert %q status: unknown status %q", name, status)
	}
	e.hookMu.Lock()
	defer e.hookMu.Unlock()
	e.mu.Lock()
	st, ok := e.alerts[strings.ToLower(name)]
	if !ok {
		e.mu.Unlock()
		return fmt.Errorf("set alert %q status: %w", name, ErrNotFound)
	}
	changed := st.alert.Properties.Status != status
	st.alert.Properties.Status = status
	out := st.alert.clone()
	e.mu.Unlock()
	if changed {
		e.log.Debug("alert status changed", "alert", name, "status", status)
		e.deliver(out)
	}
	return nil
}

// ResolveAlert resolves an alert; it is what Microsoft Sentinel calls when
// an incident holding the alert is closed.
func (e *Emulator) ResolveAlert(_ context.Context, systemAlertID string) error {
	return e.SetAlertStatus(systemAlertID, StatusResolved)
}

// Alert returns a copy of the named alert.
func (e *Emulator) Alert(name string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.alerts[strings.ToLower(name)]
	if !ok {
		return Alert{}, false
	}
	return st.alert.clone(), true
}

// Alerts returns copies of all alerts in creation order.
func (e *Emulator) Alerts() []Alert {
	return e.selectAlerts(scope{})
}

// scope narrows a list; empty fields match everything.
type scope struct {
	sub, rg, loc string
}

func (s scope) matches(st *stored) bool {
	return (s.sub == "" || strings.EqualFold(s.sub, st.sub)) &&
		(s.rg == "" || strings.EqualFold(s.rg, st.rg)) &&
		(s.loc == "" || strings.EqualFold(s.loc, st.loc))
}

func (e *Emulator) selectAlerts(s scope) []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Alert
	for _, k := range e.order {
		if st := e.alerts[k]; s.matches(st) {
			out = append(out, st.alert.clone())
		}
	}
	return out
}

// lookup finds an alert in scope s.
func (e *Emulator) lookup(s scope, name string) (Alert, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.alerts[strings.ToLower(name)]
	if !ok || !s.matches(st) {
		return Alert{}, false
	}
	return st.alert.clone(), true
}
