package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// incidentChanged applies the incident → alert rows of the table after an
// incident's status changed at its source: set active, its new alerts go
// in progress (the owner sees the SOC took the case); closed, its open
// alerts are resolved, or dismissed when it was closed as benign or false
// positive. Alerts already closed are never reopened.
func (e *Engine) incidentChanged(ctx context.Context, tx store.Tx, in model.Incident, now time.Time) error {
	integ, ok := e.Integration(in.Integration)
	if !ok || integ.Reconcile == nil {
		return nil
	}
	var (
		target model.Status
		only   func(model.Alert) bool
		delay  time.Duration
	)
	switch {
	case in.Status == model.StatusInProgress && integ.Reconcile.Rules.IncidentActive:
		target, only = model.StatusInProgress, func(a model.Alert) bool { return a.Status == model.StatusNew }
	case in.Status == model.StatusResolved && integ.Reconcile.Rules.IncidentClosed:
		target, only = closedAlertStatus(in.Classification), func(a model.Alert) bool { return a.Status.Open() }
		delay = integ.Reconcile.MirrorGrace
	default:
		return nil
	}
	members, err := tx.AlertList(ctx, store.AlertListParams{IncidentID: in.ID, Limit: 1000})
	if err != nil {
		return fmt.Errorf("list members of incident %d: %w", in.ID, err)
	}
	for _, a := range members {
		if !only(a) || a.Integration == in.Integration {
			continue
		}
		if err := e.writeMember(ctx, tx, in, a, target, delay, now); err != nil {
			return err
		}
	}
	return nil
}

// closedAlertStatus is what a member alert becomes when its incident is
// closed with a classification (canonical: true_positive, benign_positive,
// false_positive, undetermined).
func closedAlertStatus(classification string) model.Status {
	switch classification {
	case model.ClassBenignPositive, model.ClassFalsePositive:
		return model.StatusSuppressed
	}
	return model.StatusResolved
}

// writeMember sets a member alert's status locally and at its source.
func (e *Engine) writeMember(ctx context.Context, tx store.Tx, in model.Incident, a model.Alert, target model.Status, delay time.Duration, now time.Time) error {
	verb := map[model.Status]string{model.StatusInProgress: "set in progress", model.StatusSuppressed: "dismissed", model.StatusResolved: "resolved"}[target]
	text := fmt.Sprintf("alertsync %s this alert because incident %s was %s in %s.", verb, in.VendorID,
		map[model.Status]string{model.StatusInProgress: "set active", model.StatusResolved: "closed"}[in.Status], e.displayName(in.Integration))
	a.Status = target
	a.Revision++
	a.LastChangedAt = now
	if err := tx.AlertUpdate(ctx, a); err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	if err := appendRevision(ctx, tx, model.KindAlert, a.ID, a.Revision, reconcileActor, text, []string{"status"}, a, now); err != nil {
		return err
	}
	src, ok := e.Integration(a.Integration)
	if !ok || src.Connector == nil || !connector.CapabilitiesOf(src.Connector).StateSync {
		return nil
	}
	key := fmt.Sprintf("%s/alert/%s/reconcile/%d", src.ID, a.VendorID, a.Revision)
	ch := connector.StateChange{Kind: model.KindAlert, VendorID: a.VendorID, Status: target, Reason: text, IdempotencyKey: key,
		Origin: connector.OriginReconcile}
	notBefore := time.Time{}
	if delay > 0 {
		notBefore = now.Add(delay)
	}
	if err := e.enqueueState(ctx, tx, remote{in: src, kind: model.KindAlert, vendorID: a.VendorID, localID: a.ID}, ch, notBefore, now); err != nil {
		return err
	}
	e.metrics.reconcile.WithLabelValues(src.ID, string(model.KindAlert)).Inc()
	return nil
}
