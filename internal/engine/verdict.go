package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// Outbox action names the engine itself handles.
const (
	ActionSetState   = "set_state"
	ActionAddComment = "add_comment"
)

// ErrInvalid marks a request the caller got wrong (bad verdict, empty body).
var ErrInvalid = errors.New("invalid request")

// VerdictParams is a verdict on one alert or incident.
type VerdictParams struct {
	ID        int64
	Verdict   model.Verdict
	Published bool
	Reason    string
	Actor     model.Actor
	// viaTwin marks the verdict a twin record receives: it writes state
	// per its integration's policy but posts no comment of its own.
	viaTwin bool
}

func (p VerdictParams) check() error {
	if !p.Verdict.Valid() {
		return fmt.Errorf("%w: verdict %q is not one of not_a_threat, suspicious, highly_suspicious, threat", ErrInvalid, p.Verdict)
	}
	if p.Published && p.Verdict != model.VerdictThreat {
		return fmt.Errorf("%w: only a threat can be published", ErrInvalid)
	}
	if p.Actor.Kind == "" || p.Actor.Name == "" {
		return fmt.Errorf("%w: a verdict needs an actor", ErrInvalid)
	}
	if err := model.CheckText("reason", p.Reason, model.MaxReasonLen); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// SetAlertVerdict records a verdict on one alert and, per the alert's
// integration policy, enqueues the state write and comment in the same
// transaction.
func (e *Engine) SetAlertVerdict(ctx context.Context, p VerdictParams) (model.Alert, error) {
	if err := p.check(); err != nil {
		return model.Alert{}, err
	}
	var out model.Alert
	err := e.withTx(ctx, func(tx store.Tx) error {
		a, err := tx.AlertGet(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("get alert %d: %w", p.ID, err)
		}
		now := e.Now()
		if err := e.applyVerdict(ctx, tx, &a, p, now, nil); err != nil {
			return err
		}
		out = a
		return e.applyToTwin(ctx, tx, a, p, now)
	})
	if err == nil {
		e.metrics.verdicts.WithLabelValues(string(model.KindAlert), string(p.Verdict)).Inc()
	}
	return out, err
}

// applyVerdict records p on a and queues what it means at a's source.
// When a's state changes, the incidents holding a are reconciled at once,
// or, when changed is not nil, a is added to it for the caller to
// reconcile them once for all the alerts it changes.
func (e *Engine) applyVerdict(ctx context.Context, tx store.Tx, a *model.Alert, p VerdictParams, now time.Time, changed *[]model.Alert) error {
	in, known := e.Integration(a.Integration)
	pol := DefaultPolicy()
	if known {
		pol = in.Policy
	}
	dec := pol.Decide(p.Verdict, p.Published)
	old := *a
	a.Verdict, a.Published = p.Verdict, p.Published
	if dec.Status != "" {
		a.Status = dec.Status
	}
	changes := verdictChanges(old, *a)
	if len(changes) == 0 {
		return nil
	}
	a.Revision++
	a.LastChangedAt = now
	if err := tx.AlertUpdate(ctx, *a); err != nil {
		return fmt.Errorf("update alert %d: %w", a.ID, err)
	}
	if err := appendRevision(ctx, tx, model.KindAlert, a.ID, a.Revision, p.Actor, p.Reason, changes, a, now); err != nil {
		return err
	}
	if err := e.finishValidation(ctx, tx, a.ID); err != nil {
		return err
	}
	if err := e.fire(ctx, tx, alertEvent(TriggerVerdictSet, a, changes)); err != nil {
		return err
	}
	if known && in.Connector != nil {
		if err := e.enqueueVerdictActions(ctx, tx, in, verdictTarget{model.KindAlert, a.VendorID, a.ID, a.Revision}, dec, p, now); err != nil {
			return err
		}
	}
	// alertsync's own write reconciles the incidents holding the alert
	// exactly as the same change made at the source would.
	if effectiveStatus(old) == effectiveStatus(*a) {
		return nil
	}
	if changed != nil {
		*changed = append(*changed, *a)
		return nil
	}
	return e.alertChanged(ctx, tx, *a, now)
}

func verdictChanges(old, a model.Alert) []string {
	var ch []string
	if old.Verdict != a.Verdict {
		ch = append(ch, "verdict")
	}
	if old.Published != a.Published {
		ch = append(ch, "published")
	}
	if old.Status != a.Status {
		ch = append(ch, "status")
	}
	return ch
}

// verdictTarget names the remote object a verdict is written to.
type verdictTarget struct {
	kind     model.Kind
	vendorID string
	localID  int64
	revision int64
}

// enqueueVerdictActions queues the state write and, with comment sync on,
// the comment that a verdict means for one alert or incident.
func (e *Engine) enqueueVerdictActions(ctx context.Context, tx store.Tx, in Integration, t verdictTarget, dec Decision, p VerdictParams, now time.Time) error {
	caps := connector.CapabilitiesOf(in.Connector)
	text := withReason(dec.Text, p.Actor, p.Reason)
	comment := in.Policy.CommentSync && caps.Comments && !p.viaTwin
	r := remote{in: in, kind: t.kind, vendorID: t.vendorID, localID: t.localID}
	if dec.Status != "" && caps.StateSync {
		key := fmt.Sprintf("%s/%s/%s/state/%d", in.ID, t.kind, t.vendorID, t.revision)
		ch := connector.StateChange{
			Kind: t.kind, VendorID: t.vendorID, Status: dec.Status, Verdict: p.Verdict,
			Published: p.Published, Reason: text, IdempotencyKey: key, CommentQueued: comment, Origin: connector.OriginVerdict,
		}
		if err := e.enqueueState(ctx, tx, r, ch, time.Time{}, now); err != nil {
			return err
		}
	}
	if comment {
		key := fmt.Sprintf("%s/%s/%s/verdict-comment/%d", in.ID, t.kind, t.vendorID, t.revision)
		c := connector.CommentAction{Kind: t.kind, VendorID: t.vendorID, Body: text, IdempotencyKey: key, Origin: connector.OriginVerdict}
		_, err := e.enqueueComment(ctx, tx, r, c, now)
		return err
	}
	return nil
}

func objectRef(kind model.Kind, vendorID string) string { return string(kind) + ":" + vendorID }

func enqueue(ctx context.Context, tx store.Tx, integration, ref, action, key string, payload any, kind model.Kind, origin int64, priority int, now time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s payload: %w", action, err)
	}
	_, _, err = tx.OutboxEnqueue(ctx, store.OutboxEnqueueParams{
		Key: key, Integration: integration, ObjectRef: ref, Action: action,
		Payload: b, OriginKind: kind, OriginID: origin, Now: now, Priority: priority,
	})
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", action, err)
	}
	return nil
}

// SetIncidentVerdict records a verdict on an incident and fans it out to
// every member alert in every source; each member gets its own outbox
// actions, so each has its own delivery status.
func (e *Engine) SetIncidentVerdict(ctx context.Context, p VerdictParams) (model.Incident, error) {
	if err := p.check(); err != nil {
		return model.Incident{}, err
	}
	var out model.Incident
	err := e.withTx(ctx, func(tx store.Tx) error {
		now := e.Now()
		in, err := tx.IncidentGet(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("get incident %d: %w", p.ID, err)
		}
		if err := e.applyIncidentVerdict(ctx, tx, &in, p, now); err != nil {
			return err
		}
		member := p
		member.Reason = fmt.Sprintf("verdict on incident %d", in.ID)
		if p.Reason != "" {
			member.Reason += ": " + p.Reason
		}
		// The members are read with one query, and the incidents holding
		// those whose state changed are reconciled once, after all of
		// them: once per member, a verdict on an incident of n alerts
		// read every member n times where the incident's integration
		// reconciles, and judged the incident on each intermediate state.
		members, err := membersOf(ctx, tx, in)
		if err != nil {
			return err
		}
		var changed []model.Alert
		for _, a := range members {
			if err := e.applyVerdict(ctx, tx, a, member, now, &changed); err != nil {
				return err
			}
			if a.TwinID != 0 && !slices.Contains(in.AlertIDs, a.TwinID) {
				if err := e.applyToTwin(ctx, tx, *a, member, now); err != nil {
					return err
				}
			}
		}
		if len(changed) == 0 {
			out = in
			return nil
		}
		if err := e.alertsChanged(ctx, tx, changed, now); err != nil {
			return err
		}
		// Reconciling may have written the incident itself: answer with
		// what it is now.
		out, err = tx.IncidentGet(ctx, in.ID)
		if err != nil {
			return fmt.Errorf("get incident %d: %w", in.ID, err)
		}
		return nil
	})
	if err == nil {
		e.metrics.verdicts.WithLabelValues(string(model.KindIncident), string(p.Verdict)).Inc()
	}
	return out, err
}

// membersOf reads in's member alerts with one query, in in's order.
func membersOf(ctx context.Context, tx store.Tx, in model.Incident) ([]*model.Alert, error) {
	got, err := tx.AlertGetMany(ctx, in.AlertIDs)
	if err != nil {
		return nil, fmt.Errorf("get the members of incident %d: %w", in.ID, err)
	}
	byID := make(map[int64]*model.Alert, len(got))
	for i := range got {
		byID[got[i].ID] = &got[i]
	}
	out := make([]*model.Alert, 0, len(in.AlertIDs))
	for _, id := range in.AlertIDs {
		a, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("get member alert %d of incident %d: %w", id, in.ID, store.ErrNotFound)
		}
		if a != nil { // nil: listed twice
			out, byID[id] = append(out, a), nil
		}
	}
	return out, nil
}

func (e *Engine) applyIncidentVerdict(ctx context.Context, tx store.Tx, in *model.Incident, p VerdictParams, now time.Time) error {
	integ, known := e.Integration(in.Integration)
	pol := DefaultPolicy()
	if known {
		pol = integ.Policy
	}
	dec := pol.Decide(p.Verdict, p.Published)
	var changes []string
	if in.Verdict != p.Verdict {
		changes = append(changes, "verdict")
	}
	if in.Published != p.Published {
		changes = append(changes, "published")
	}
	in.Verdict, in.Published = p.Verdict, p.Published
	if dec.Status != "" && in.Status != dec.Status {
		in.Status = dec.Status
		changes = append(changes, "status")
	}
	if len(changes) == 0 {
		return nil
	}
	in.Revision++
	in.LastChangedAt = now
	if err := tx.IncidentUpdate(ctx, *in); err != nil {
		return fmt.Errorf("update incident %d: %w", in.ID, err)
	}
	if err := appendRevision(ctx, tx, model.KindIncident, in.ID, in.Revision, p.Actor, p.Reason, changes, in, now); err != nil {
		return err
	}
	if err := e.fireIncidentChange(ctx, tx, TriggerVerdictSet, in, changes); err != nil {
		return err
	}
	if !known || integ.Connector == nil || in.VendorID == "" {
		return nil
	}
	return e.enqueueVerdictActions(ctx, tx, integ, verdictTarget{model.KindIncident, in.VendorID, in.ID, in.Revision}, dec, p, now)
}
