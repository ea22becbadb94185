package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/outbox"
	"github.com/alertsync/alertsync/internal/store"
)

// Reconcile closes the gap some vendors leave between an incident and the
// alerts it contains when those alerts live in another product (a Defender
// for Cloud alert changed by its owner never changes the Sentinel incident
// that holds it), in both directions. It is configured on the
// incident-side integration.
//
// Reconciliation is edge-triggered: it acts on a change (an alert's status
// changed, an alert joined an incident, an incident's status changed at
// its source), never on a state that merely persists, so a person who
// undoes what it did (an analyst reopening an incident alertsync closed, an
// owner reactivating an alert alertsync resolved) is not overruled until
// the other side changes again.
type Reconcile struct {
	// AlertsFrom are the integrations whose alerts this integration's
	// incidents name as members.
	AlertsFrom []string
	// OnAlert maps a member alert's status to the incident's target state.
	OnAlert map[model.Status]connector.ReconcileTarget
	// Rules switch each row of the reconciliation table on or off.
	Rules ReconcileRules
	// Comment adds a comment to the incident with every reconciling write.
	Comment bool
	// MirrorGrace delays alertsync's alert write after an incident closed
	// at its source, for vendors that mirror the close themselves
	// (Sentinel's bi-directional sync resolves the Defender for Cloud
	// alert): the write is checked against the alert's state when it is
	// due, and skipped when the vendor already did it.
	MirrorGrace time.Duration
}

// ReconcileRules are the rows of the reconciliation table; each is on by
// default and documented in docs/mappings.md.
type ReconcileRules struct {
	// AlertInProgress: member alert in progress → incident active.
	AlertInProgress bool `json:"alert_in_progress"`
	// AlertDismissed: member alert dismissed → incident closed (benign).
	AlertDismissed bool `json:"alert_dismissed"`
	// AlertResolved: member alert resolved → incident closed (true positive).
	AlertResolved bool `json:"alert_resolved"`
	// IncidentActive: incident set active → its new alerts in progress, so
	// the alert's owner sees that the SOC has taken the case.
	IncidentActive bool `json:"incident_active"`
	// IncidentClosed: incident closed → its open alerts resolved, or
	// dismissed when the incident was closed as benign or false positive.
	IncidentClosed bool `json:"incident_closed"`
}

// AllRules is every rule on: the documented default.
func AllRules() ReconcileRules {
	return ReconcileRules{AlertInProgress: true, AlertDismissed: true, AlertResolved: true, IncidentActive: true, IncidentClosed: true}
}

// alertRule reports whether the rule for a member alert in status s is on.
func (r ReconcileRules) alertRule(s model.Status) bool {
	switch s {
	case model.StatusInProgress:
		return r.AlertInProgress
	case model.StatusSuppressed:
		return r.AlertDismissed
	case model.StatusResolved:
		return r.AlertResolved
	}
	return false
}

// DefaultMirrorGrace is Reconcile.MirrorGrace when unset.
const DefaultMirrorGrace = time.Minute

// MemberWriteWait bounds how long an incident's state write waits for the
// state writes of its member alerts (see membersFirst), counted from when
// it was queued: past it, a member write held up by its vendor's outage
// no longer holds the incident back.
const MemberWriteWait = 10 * time.Minute

var reconcileActor = model.Actor{Kind: model.ActorRule, Name: "reconcile"}

// effectiveStatus is the state an alert is in at its source: a closed alert
// whose verdict is not a threat was dismissed, not resolved (that is how
// the write-back closes it), and reconciles as dismissed.
func effectiveStatus(a model.Alert) model.Status {
	if a.Status == model.StatusResolved && a.Verdict == model.VerdictNotAThreat {
		return model.StatusSuppressed
	}
	return a.Status
}

// alertChanged reconciles every incident holding a, after a's status
// changed (at its source, or by alertsync's own write).
func (e *Engine) alertChanged(ctx context.Context, tx store.Tx, a model.Alert, now time.Time) error {
	return e.alertsChanged(ctx, tx, []model.Alert{a}, now)
}

// alertsChanged is alertChanged for several alerts: each incident holding
// any of them is reconciled once, after all of them changed.
func (e *Engine) alertsChanged(ctx context.Context, tx store.Tx, alerts []model.Alert, now time.Time) error {
	var incidents []int64
	for _, a := range alerts {
		ms, err := tx.MembershipList(ctx, store.MembershipListParams{AlertID: a.ID})
		if err != nil {
			return fmt.Errorf("list incidents of alert %d: %w", a.ID, err)
		}
		for _, m := range ms {
			if !slices.Contains(incidents, m.IncidentID) {
				incidents = append(incidents, m.IncidentID)
			}
		}
	}
	for _, id := range incidents {
		if err := e.reconcileIncident(ctx, tx, id, now); err != nil {
			return err
		}
	}
	return nil
}

// reconcileIncident brings an incident in line with its member alerts. It
// never closes an incident with several alerts while any is still new or
// in progress (an analyst may have related more alerts to it), never
// reopens a closed incident, and writes nothing when the incident is
// already in the target state.
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
	members = slices.DeleteFunc(members, func(a model.Alert) bool {
		return a.Integration != in.Integration && !slices.Contains(integ.Reconcile.AlertsFrom, a.Integration)
	})
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
	if len(members) == 0 || newOnes > 0 || len(members) > 1 && open > 0 {
		return model.Alert{}, connector.ReconcileTarget{}, false
	}
	for _, st := range []model.Status{model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
		i := slices.IndexFunc(members, func(a model.Alert) bool { return effectiveStatus(a) == st })
		if t, ok := r.OnAlert[st]; ok && i >= 0 && r.Rules.alertRule(st) {
			return members[i], t, true
		}
	}
	return model.Alert{}, connector.ReconcileTarget{}, false
}

func (e *Engine) writeIncident(ctx context.Context, tx store.Tx, integ Integration, in model.Incident, cause model.Alert, t connector.ReconcileTarget, now time.Time) error {
	status := model.Status(t.Status)
	text := fmt.Sprintf("alertsync reconciled this incident: its alert %q is %s in %s, so the incident is set to %s",
		cause.Title, alertStateWords(cause), e.displayName(cause.Integration), strings.ReplaceAll(string(status), "_", " "))
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
	if err := e.fireIncidentChange(ctx, tx, "", &in, []string{"status"}); err != nil {
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
		Classification: t.Classification, ClassificationReason: t.ClassificationReason, Origin: connector.OriginReconcile,
	}
	if withComment {
		// If someone else already put the incident in this state (an
		// analyst closed it in Sentinel while its alert's change reached
		// us first), the comment would wrongly claim alertsync did it.
		ch.Companions = []string{ckey}
	}
	r := remote{in: integ, kind: model.KindIncident, vendorID: in.VendorID, localID: in.ID}
	if err := e.enqueueState(ctx, tx, r, ch, time.Time{}, now); err != nil {
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

// membersFirst puts off an incident's state write while a member alert
// from another integration still has a state write of its own on its way.
// The incident's vendor may act on those alerts itself when the incident
// changes: Sentinel's bi-directional sync resolves the Defender for Cloud
// alerts of an incident it closes. A verdict of not a threat on such an
// alert queues its dismissal at Defender for Cloud and, by reconciliation,
// the incident's close in Sentinel, on two lanes; were the close applied
// first, Sentinel would resolve the alert alertsync is dismissing, and the
// dismissal would then meet a change alertsync did not make and yield to
// it. So the incident's write waits, unsent and without using an attempt,
// re-checking sooner while the wait is young, up to MemberWriteWait.
func (e *Engine) membersFirst(ctx context.Context, item store.OutboxItem, ch connector.StateChange) error {
	if ch.Kind != model.KindIncident || item.OriginKind != model.KindIncident {
		return nil
	}
	integ, ok := e.Integration(item.Integration)
	if !ok || integ.Reconcile == nil {
		return nil
	}
	now := e.Now()
	age := now.Sub(item.CreatedAt)
	if age >= MemberWriteWait {
		return nil
	}
	members, err := e.store.AlertList(ctx, store.AlertListParams{IncidentID: item.OriginID, Limit: 1000})
	if err != nil {
		return fmt.Errorf("list members of incident %d: %w", item.OriginID, err)
	}
	refs := map[string][]string{} // integration -> member alerts' object refs
	for _, a := range members {
		if a.Integration != item.Integration && slices.Contains(integ.Reconcile.AlertsFrom, a.Integration) {
			refs[a.Integration] = append(refs[a.Integration], objectRef(model.KindAlert, a.VendorID))
		}
	}
	for _, src := range slices.Sorted(maps.Keys(refs)) {
		busy, err := e.store.OutboxBusyObjects(ctx, store.OutboxBusyParams{Integration: src, Action: ActionSetState, ObjectRefs: refs[src]})
		if err != nil {
			return fmt.Errorf("look for member writes of incident %d: %w", item.OriginID, err)
		}
		if len(busy) > 0 {
			return &outbox.Wait{Until: now.Add(min(max(age/4, 100*time.Millisecond), 5*time.Second)),
				Reason: fmt.Sprintf("the state writes of %d of its alerts to %s go first (for up to %s after it was queued)",
					len(busy), e.displayName(src), MemberWriteWait)}
		}
	}
	return nil
}

// alertStateWords says how an alert stands at its source, in its
// vendor's words where alertsync has them.
func alertStateWords(a model.Alert) string {
	if a.RemoteStatus != "" && model.Status(a.RemoteStatus) != a.Status {
		return a.RemoteStatus
	}
	return strings.ReplaceAll(string(effectiveStatus(a)), "_", " ")
}

// linkLateMember links an alert that arrives after the incidents naming it
// (the incident's integration was polled first) and reconciles each of
// them. Only integrations that feed another's incidents are searched.
func (e *Engine) linkLateMember(ctx context.Context, tx store.Tx, a *model.Alert, now time.Time) error {
	if !e.feedsIncidents(a.Integration) {
		return nil
	}
	ins, err := tx.IncidentList(ctx, store.IncidentListParams{RemoteAlert: a.VendorID, Limit: 100})
	if err != nil {
		return fmt.Errorf("find incidents naming alert %s: %w", a.VendorID, err)
	}
	for _, in := range ins {
		integ, ok := e.Integration(in.Integration)
		if !ok || integ.Reconcile == nil || !slices.Contains(integ.Reconcile.AlertsFrom, a.Integration) {
			continue
		}
		if _, err := e.linkMembers(ctx, tx, &in, now); err != nil {
			return err
		}
		if err := e.reconcileIncident(ctx, tx, in.ID, now); err != nil {
			return err
		}
	}
	got, err := tx.AlertGet(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("reload alert %d: %w", a.ID, err)
	}
	*a = got
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
