package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Trigger names: what happened to an alert or incident that playbooks
// can start on.
const (
	TriggerAlertCreated    = "alert_created"
	TriggerAlertUpdated    = "alert_updated"
	TriggerVerdictSet      = "verdict_set"
	TriggerIncidentCreated = "incident_created"
	TriggerIncidentClosed  = "incident_closed"
	TriggerValidationPass  = "validation_pass"
)

// Event is one thing that happened, told to Triggers inside the
// transaction that made it happen, so a run it starts commits with it or
// not at all.
type Event struct {
	Trigger  string
	Kind     model.Kind
	ID       int64
	Alert    *model.Alert
	Incident *model.Incident
	// Fields are what changed (alert_updated, verdict_set).
	Fields []string
	// Key names the event uniquely: a redelivered event starts no
	// second run.
	Key string
}

// Triggers is told of events as they commit (playbooks).
type Triggers interface {
	Fire(ctx context.Context, tx store.Tx, events []Event) error
}

// SetTriggers makes the engine tell t of every event; nil stops it.
func (e *Engine) SetTriggers(t Triggers) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.triggers = t
}

func (e *Engine) fire(ctx context.Context, tx store.Tx, events ...Event) error {
	e.mu.RLock()
	t := e.triggers
	e.mu.RUnlock()
	if t == nil || len(events) == 0 {
		return nil
	}
	if err := t.Fire(ctx, tx, events); err != nil {
		return fmt.Errorf("start playbook runs: %w", err)
	}
	return nil
}

func alertEvent(trigger string, a *model.Alert, fields []string) Event {
	return Event{Trigger: trigger, Kind: model.KindAlert, ID: a.ID, Alert: a, Fields: fields,
		Key: fmt.Sprintf("%s/alert/%d@%d", trigger, a.ID, a.Revision)}
}

func incidentEvent(trigger string, in *model.Incident, fields []string) Event {
	return Event{Trigger: trigger, Kind: model.KindIncident, ID: in.ID, Incident: in, Fields: fields,
		Key: fmt.Sprintf("%s/incident/%d@%d", trigger, in.ID, in.Revision)}
}

// fireIncidentChange tells of an incident change: trigger (when set),
// and incident_closed when its status became resolved.
func (e *Engine) fireIncidentChange(ctx context.Context, tx store.Tx, trigger string, in *model.Incident, changes []string) error {
	var events []Event
	if trigger != "" {
		events = append(events, incidentEvent(trigger, in, changes))
	}
	if slices.Contains(changes, "status") && in.Status == model.StatusResolved {
		events = append(events, incidentEvent(TriggerIncidentClosed, in, changes))
	}
	return e.fire(ctx, tx, events...)
}
