package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Reconcile closes the gap some vendors leave between an incident and the
// alerts it contains when those alerts live in another product (a Defender
// for Cloud alert changed by its owner never changes the Sentinel incident
// that holds it). It is configured on the incident-side integration.
type Reconcile struct {
	// AlertsFrom are the integrations whose alerts this integration's
	// incidents name as members.
	AlertsFrom []string
	// OnAlert maps a member alert's status to the incident's target state.
	OnAlert map[model.Status]connector.ReconcileTarget
	// ResolveAlertsOnClose resolves open member alerts at their source when
	// the incident is closed at its source.
	ResolveAlertsOnClose bool
	// Comment adds a comment to the incident with every reconciling write.
	Comment bool
}

var reconcileActor = model.Actor{Kind: model.ActorRule, Name: "reconcile"}

// reconcileIncident brings an incident in line with its member alerts. It
// never closes an incident with several alerts while any is still new or
// in progress (an analyst may have related more alerts to it), never
// reopens a closed incident, and is idempotent: evaluating the same state
// twice enqueues one write.
func (e *Engine) reconcileIncident(ctx context.Context, tx store.Tx, incidentID int64, now time.Time) error {
	in, err := tx.IncidentGet(ctx, incidentID)
	if err != nil {
		return fmt.Errorf("get incident %d: %w", incidentID, err)
	}
	integ, ok := e.Integration(in.Integration)
	if !ok || integ.Reconcile == nil || in.Status == model.StatusResolved || len(in.AlertIDs) == 0 {
		return nil
	}
	members, err := tx.AlertList(ctx, store.AlertListParams{IncidentID: in.ID, Limit: 1000})
	if err != nil {
		return fmt.Errorf("list members of incident %d: %w", in.ID, err)
	}
	cause, target, ok := decideIncident(integ.Reconcile, members)
	if !ok || target.Status == string(in.Status) {
		return nil
	}
	return e.writeIncident(ctx, tx, integ, in, cause, target, now)
}

// decideIncident picks the member alert whose state drives the incident
// and the mapped target. Resolved outranks dismissed when several alerts
// are closed differently.
func decideIncident(r *Reconcile, members []model.Alert) (model.Alert, connector.ReconcileTarget, bool) {
	var open, newOnes int
	for _, a := range members {
		switch a.Status {
		case model.StatusNew, model.StatusUnknown, "":
			newOnes++
			open++
		case model.StatusInProgress:
			open++
		}
	}
	if newOnes > 0 || len(members) > 1 && open > 0 {
		return model.Alert{}, connector.ReconcileTarget{}, false
	}
	for _, st := range []model.Status{model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
		i := slices.IndexFunc(members, func(a model.Alert) bool { return a.Status == st })
		if t, ok := r.OnAlert[st]; ok && i >= 0 {
			return members[i], t, true
		}
	}
	return model.Alert{}, connector.ReconcileTarget{}, false
}

func (e *Engine) writeIncident(ctx context.Context, tx store.Tx, integ Integration, in model.Incident, cause model.Alert, t connector.ReconcileTarget, now time.Time) error {
	status := model.Status(t.Status)
	text := fmt.Sprintf("alertsync reconciled this incident: its alert %q is %s in %s, so the incident is set to %s",
		cause.Title, cause.RemoteStatus, e.displayName(cause.Integration), strings.ReplaceAll(string(status), "_", " "))
	if t.Classification != "" {
		text += fmt.Sprintf(" (%s", t.Classification)
		if t.ClassificationReason != "" {
			text += " - " + t.ClassificationReason
		}
		text += ")"
	}
	text += "."
	in.Status = status
	in.Revision++
	in.LastChangedAt = now
	if err := tx.IncidentUpdate(ctx, in); err != nil {
		return fmt.Errorf("update incident %d: %w", in.ID, err)
	}
	if err := appendRevision(ctx, tx, model.KindIncident, in.ID, in.Revision, reconcileActor, text, []string{"status"}, in, now); err != nil {
		return err
	}
	caps := connector.CapabilitiesOf(integ.Connector)
	if !caps.StateSync {
		return nil
	}
	key := fmt.Sprintf("%s/incident/%s/reconcile/%d", integ.ID, in.VendorID, in.Revision)
	ckey := key + "/comment"
	withComment := integ.Reconcile.Comment && caps.Comments
	ch := connector.StateChange{
		Kind: model.KindIncident, VendorID: in.VendorID, Status: status, Reason: text, IdempotencyKey: key,
		Classification: t.Classification, ClassificationReason: t.ClassificationReason,
	}
	if withComment {
		// If someone else already put the incident in this state (an
		// analyst closed it in Sentinel while its alert's change reached
		// us first), the comment would wrongly claim alertsync did it.
		ch.Companions = []string{ckey}
	}
	r := remote{in: integ, kind: model.KindIncident, vendorID: in.VendorID, localID: in.ID}
	if err := e.enqueueState(ctx, tx, r, ch, now); err != nil {
		return err
	}
	e.metrics.reconcile.WithLabelValues(integ.ID, string(model.KindIncident)).Inc()
	if !withComment {
		return nil
	}
	c := connector.CommentAction{Kind: model.KindIncident, VendorID: in.VendorID, Body: text, IdempotencyKey: ckey, Origin: connector.OriginReconcile}
	_, err := e.enqueueComment(ctx, tx, r, c, now)
	return err
}

// resolveMembers resolves, at their sources, the open member alerts of an
// incident that was closed at its own source. Where the vendors already do
// this natively (Sentinel → Defender for Cloud), the write is a harmless
// repeat and its echo is recognised by the ledger, so nothing loops.
func (e *Engine) resolveMembers(ctx context.Context, tx store.Tx, in model.Incident, now time.Time) error {
	integ, ok := e.Integration(in.Integration)
	if !ok || integ.Reconcile == nil || !integ.Reconcile.ResolveAlertsOnClose {
		return nil
	}
	members, err := tx.AlertList(ctx, store.AlertListParams{IncidentID: in.ID, Open: true, Limit: 1000})
	if err != nil {
		return fmt.Errorf("list open members of incident %d: %w", in.ID, err)
	}
	for _, a := range members {
		if err := e.resolveMember(ctx, tx, in, a, now); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) resolveMember(ctx context.Context, tx store.Tx, in model.Incident, a model.Alert, now time.Time) error {
	text := fmt.Sprintf("alertsync resolved this alert because incident %s was closed in %s.", in.VendorID, e.displayName(in.Integration))
	a.Status = model.StatusResolved
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
	ch := connector.StateChange{Kind: model.KindAlert, VendorID: a.VendorID, Status: model.StatusResolved, Reason: text, IdempotencyKey: key}
	if err := e.enqueueState(ctx, tx, remote{in: src, kind: model.KindAlert, vendorID: a.VendorID, localID: a.ID}, ch, now); err != nil {
		return err
	}
	e.metrics.reconcile.WithLabelValues(src.ID, string(model.KindAlert)).Inc()
	return nil
}

// linkLateMember links an alert that arrives after the incident naming it
// (the incident's integration was polled first) and reconciles that
// incident. Only integrations that feed another's incidents are searched.
func (e *Engine) linkLateMember(ctx context.Context, tx store.Tx, a *model.Alert, now time.Time) error {
	if !e.feedsIncidents(a.Integration) {
		return nil
	}
	ins, err := tx.IncidentList(ctx, store.IncidentListParams{RemoteAlert: a.VendorID, Limit: 10})
	if err != nil {
		return fmt.Errorf("find incidents naming alert %s: %w", a.VendorID, err)
	}
	for _, in := range ins {
		integ, ok := e.Integration(in.Integration)
		if !ok || integ.Reconcile == nil || !slices.Contains(integ.Reconcile.AlertsFrom, a.Integration) {
			continue
		}
		if err := e.linkMembers(ctx, tx, &in, now); err != nil {
			return err
		}
		got, err := tx.AlertGet(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("reload alert %d: %w", a.ID, err)
		}
		*a = got
		return e.reconcileIncident(ctx, tx, in.ID, now)
	}
	return nil
}

func (e *Engine) feedsIncidents(integration string) bool {
	for _, in := range e.Integrations() {
		if in.Reconcile != nil && slices.Contains(in.Reconcile.AlertsFrom, integration) {
			return true
		}
	}
	return false
}
