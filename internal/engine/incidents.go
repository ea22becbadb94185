package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// IngestIncidents stores vendor incidents like Ingest stores alerts: upsert
// by (integration, vendor id), one revision per real change, quarantine for
// what cannot be mapped. Member alerts of the same integration named in
// RemoteAlerts are linked to the incident.
func (e *Engine) IngestIncidents(ctx context.Context, integration string, items []connector.IncidentItem) (IngestResult, error) {
	var res IngestResult
	err := e.withTx(ctx, func(tx store.Tx) error {
		res = IngestResult{}
		if integ, ok := e.Integration(integration); ok && integ.Reconcile != nil {
			if err := e.lockMembers(ctx, tx, integ.Reconcile.AlertsFrom...); err != nil {
				return err
			}
		}
		now := e.Now()
		for _, it := range items {
			if it.Err == nil && it.Incident != nil {
				it.Err = model.CheckVendorID(cmp.Or(it.Incident.VendorID, it.VendorID))
			}
			if it.Err != nil || it.Incident == nil {
				if err := e.quarantine(ctx, tx, integration, connector.Item{VendorID: it.VendorID, Raw: it.Raw, Err: it.Err}, now); err != nil {
					return err
				}
				res.Quarantined++
				continue
			}
			o, err := e.upsertIncident(ctx, tx, integration, it, now)
			if err != nil {
				return err
			}
			if o == outcomeCreated {
				res.Created++
			} else {
				res.count(o)
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("ingest incidents %s: %w", integration, err)
	}
	e.metrics.countIngest(integration, string(model.KindIncident), res)
	return res, nil
}

const outcomeCreated ingestOutcome = -1

func (e *Engine) upsertIncident(ctx context.Context, tx store.Tx, integration string, it connector.IncidentItem, now time.Time) (ingestOutcome, error) {
	in := *it.Incident
	in.Integration = integration
	if in.VendorID == "" {
		in.VendorID = it.VendorID
	}
	if len(it.Raw) > 0 {
		in.Raw = it.Raw
	}
	if in.Status == "" {
		in.Status = model.StatusNew
	}
	if in.RemoteStatus == "" {
		in.RemoteStatus = string(in.Status)
	}
	in.Sanitize()
	slices.Sort(in.RemoteAlerts)
	actor := model.Actor{Kind: model.ActorRemote, Name: integration}
	old, err := tx.IncidentGetByVendor(ctx, integration, in.VendorID)
	switch {
	case err == nil:
		return e.updateIncident(ctx, tx, old, in, actor, now)
	case !isNotFound(err):
		return 0, fmt.Errorf("get incident %s: %w", in.VendorID, err)
	}
	in.Revision, in.LastChangedAt = 1, now
	if in.CreatedAt.IsZero() {
		in.CreatedAt = now
	}
	if err := tx.IncidentInsert(ctx, &in); err != nil {
		return 0, fmt.Errorf("insert incident %s: %w", in.VendorID, err)
	}
	if err := appendRevision(ctx, tx, model.KindIncident, in.ID, 1, actor, "ingested", []string{"created"}, in, now); err != nil {
		return 0, err
	}
	if err := e.fire(ctx, tx, incidentEvent(TriggerIncidentCreated, &in, nil)); err != nil {
		return 0, err
	}
	if _, err := e.linkMembers(ctx, tx, &in, now); err != nil {
		return 0, err
	}
	return outcomeCreated, e.reconcileIncident(ctx, tx, in.ID, now)
}

func (e *Engine) updateIncident(ctx context.Context, tx store.Tx, old, in model.Incident, actor model.Actor, now time.Time) (ingestOutcome, error) {
	in.ID, in.Verdict, in.Published = old.ID, old.Verdict, old.Published
	in.Revision, in.LastChangedAt, in.AlertIDs = old.Revision, old.LastChangedAt, old.AlertIDs
	if in.RemoteStatus == old.RemoteStatus {
		in.Status = old.Status
	}
	changes := model.IncidentChanges(old, in)
	if slices.Contains(changes, "remote_status") {
		echo, err := consumeLedger(ctx, tx, in.Integration, model.KindIncident, in.VendorID, in.Status, in.RemoteStatus)
		if err != nil {
			return 0, err
		}
		if echo {
			// See ingestExisting: our own write is not the vendor's change.
			in.Status = old.Status
			changes = withoutStatus(changes)
		}
	}
	outcome := outcomeUnchanged
	if in.RemoteStatus != old.RemoteStatus && !slices.Contains(changes, "remote_status") {
		outcome = outcomeEcho
	}
	if len(changes) > 0 {
		outcome = outcomeUpdated
		in.Revision++
		in.LastChangedAt = now
	}
	if err := tx.IncidentUpdate(ctx, in); err != nil {
		return 0, fmt.Errorf("update incident %d: %w", in.ID, err)
	}
	if len(changes) > 0 {
		if err := appendRevision(ctx, tx, model.KindIncident, in.ID, in.Revision, actor, "changed at the source", changes, in, now); err != nil {
			return 0, err
		}
		if err := e.fireIncidentChange(ctx, tx, "", &in, changes); err != nil {
			return 0, err
		}
	}
	return outcome, e.afterIncidentUpdate(ctx, tx, old, in, changes, now)
}

// afterIncidentUpdate reacts to what changed: new members reconcile the
// incident, a status change at the source reaches its alerts. An incident
// merely seen again changes nothing (reconciliation is edge-triggered).
func (e *Engine) afterIncidentUpdate(ctx context.Context, tx store.Tx, old, in model.Incident, changes []string, now time.Time) error {
	added, err := e.linkMembers(ctx, tx, &in, now)
	if err != nil {
		return err
	}
	if slices.Contains(changes, "remote_status") {
		if err := e.yieldToSource(ctx, tx, in.Integration, model.KindIncident, in.VendorID, now); err != nil {
			return err
		}
	}
	if slices.Contains(changes, "status") && in.Status != old.Status {
		return e.incidentChanged(ctx, tx, in, now)
	}
	if added {
		return e.reconcileIncident(ctx, tx, in.ID, now)
	}
	return nil
}

// linkMembers makes the incident's memberships match its remote member
// list: alerts alertsync has (in the incident's own integration and in the
// integrations its reconciliation names) are added, and memberships the
// source made that its list no longer names (a relation deleted) are
// ended. Each change is a revision of the alert. It reports whether any
// membership was added.
func (e *Engine) linkMembers(ctx context.Context, tx store.Tx, in *model.Incident, now time.Time) (bool, error) {
	sources := []string{in.Integration}
	if integ, ok := e.Integration(in.Integration); ok && integ.Reconcile != nil {
		sources = append(sources, integ.Reconcile.AlertsFrom...)
	}
	named := map[int64]bool{}
	added := false
	for _, src := range sources {
		if len(in.RemoteAlerts) == 0 {
			break
		}
		found, err := tx.AlertsByVendor(ctx, src, in.RemoteAlerts)
		if err != nil {
			return false, fmt.Errorf("find member alerts of incident %d: %w", in.ID, err)
		}
		for _, vid := range in.RemoteAlerts {
			a, ok := found[vid]
			if !ok {
				continue
			}
			named[a.ID] = true
			ok, err := e.join(ctx, tx, in, a, now)
			if err != nil {
				return false, err
			}
			added = added || ok
		}
	}
	return added, e.unlinkStale(ctx, tx, in, named, now)
}

// lockMembers takes, first in a transaction, the store's lock on linking
// the alerts of those integrations that incidents name (Reconcile's
// AlertsFrom). Storing such an alert looks for the incidents naming it
// (linkLateMember) and storing an incident looks for its alerts
// (linkMembers); run at once on PostgreSQL, each lookup would miss what
// the other has not committed yet and the link would never be made. With
// the lock the second waits for the first to commit and finds it. Locks
// go in name order, before any other, so they cannot deadlock.
func (e *Engine) lockMembers(ctx context.Context, tx store.Tx, integrations ...string) error {
	var names []string
	for _, name := range integrations {
		if e.feedsIncidents(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		if err := tx.MembershipLock(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// join adds one membership made at the incident's source.
func (e *Engine) join(ctx context.Context, tx store.Tx, in *model.Incident, a model.Alert, now time.Time) (bool, error) {
	ok, err := tx.MembershipAdd(ctx, model.Membership{IncidentID: in.ID, AlertID: a.ID, Source: in.Integration, AddedAt: now})
	if err != nil || !ok {
		return false, err
	}
	if a.IncidentID == 0 {
		a.IncidentID = in.ID
	}
	a.Revision++
	a.LastChangedAt = now
	if err := tx.AlertUpdate(ctx, a); err != nil {
		return false, fmt.Errorf("link alert %d: %w", a.ID, err)
	}
	if err := appendRevision(ctx, tx, model.KindAlert, a.ID, a.Revision, model.Actor{Kind: model.ActorRemote, Name: in.Integration},
		fmt.Sprintf("member of incident %s at the source", in.VendorID), []string{"memberships"}, a, now); err != nil {
		return false, err
	}
	if !slices.Contains(in.AlertIDs, a.ID) {
		in.AlertIDs = append(in.AlertIDs, a.ID)
	}
	return true, nil
}

// unlinkStale ends the memberships the incident's source made for alerts
// its member list no longer names. Memberships others made (alertsync's
// correlation) are left alone.
func (e *Engine) unlinkStale(ctx context.Context, tx store.Tx, in *model.Incident, named map[int64]bool, now time.Time) error {
	ms, err := tx.MembershipList(ctx, store.MembershipListParams{IncidentID: in.ID})
	if err != nil {
		return fmt.Errorf("list members of incident %d: %w", in.ID, err)
	}
	for _, m := range ms {
		if m.Source != in.Integration || named[m.AlertID] {
			continue
		}
		if _, err := tx.MembershipRemove(ctx, in.ID, m.AlertID); err != nil {
			return err
		}
		a, err := tx.AlertGet(ctx, m.AlertID)
		if err != nil {
			return fmt.Errorf("get alert %d: %w", m.AlertID, err)
		}
		if a.IncidentID == in.ID {
			if a.IncidentID, err = firstIncident(ctx, tx, a.ID); err != nil {
				return err
			}
		}
		a.Revision++
		a.LastChangedAt = now
		if err := tx.AlertUpdate(ctx, a); err != nil {
			return fmt.Errorf("unlink alert %d: %w", a.ID, err)
		}
		if err := appendRevision(ctx, tx, model.KindAlert, a.ID, a.Revision, model.Actor{Kind: model.ActorRemote, Name: in.Integration},
			fmt.Sprintf("no longer a member of incident %s at the source", in.VendorID), []string{"memberships"}, a, now); err != nil {
			return err
		}
		in.AlertIDs = slices.DeleteFunc(in.AlertIDs, func(id int64) bool { return id == m.AlertID })
	}
	return nil
}

// firstIncident is the first incident an alert still belongs to, or 0.
func firstIncident(ctx context.Context, tx store.Tx, alertID int64) (int64, error) {
	ms, err := tx.MembershipList(ctx, store.MembershipListParams{AlertID: alertID})
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	return ms[0].IncidentID, nil
}
