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
	if err := e.linkMembers(ctx, tx, &in, now); err != nil {
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
			if len(changes) == 0 {
				if err := tx.IncidentUpdate(ctx, in); err != nil {
					return 0, fmt.Errorf("refresh incident %d: %w", in.ID, err)
				}
				return outcomeEcho, nil
			}
		}
	}
	if len(changes) == 0 {
		if err := tx.IncidentUpdate(ctx, in); err != nil {
			return 0, fmt.Errorf("refresh incident %d: %w", in.ID, err)
		}
		if err := e.linkMembers(ctx, tx, &in, now); err != nil {
			return 0, err
		}
		return outcomeUnchanged, e.reconcileIncident(ctx, tx, in.ID, now)
	}
	in.Revision++
	in.LastChangedAt = now
	if err := tx.IncidentUpdate(ctx, in); err != nil {
		return 0, fmt.Errorf("update incident %d: %w", in.ID, err)
	}
	if err := appendRevision(ctx, tx, model.KindIncident, in.ID, in.Revision, actor, "changed at the source", changes, in, now); err != nil {
		return 0, err
	}
	if err := e.linkMembers(ctx, tx, &in, now); err != nil {
		return 0, err
	}
	if in.Status == model.StatusResolved && old.Status != model.StatusResolved {
		return outcomeUpdated, e.resolveMembers(ctx, tx, in, now)
	}
	return outcomeUpdated, e.reconcileIncident(ctx, tx, in.ID, now)
}

// linkMembers attaches the incident's remote member alerts, when alertsync
// has them, to the incident. Members are looked up in the incident's own
// integration and in the integrations its reconciliation names.
func (e *Engine) linkMembers(ctx context.Context, tx store.Tx, in *model.Incident, now time.Time) error {
	if len(in.RemoteAlerts) == 0 {
		return nil
	}
	sources := []string{in.Integration}
	if integ, ok := e.Integration(in.Integration); ok && integ.Reconcile != nil {
		sources = append(sources, integ.Reconcile.AlertsFrom...)
	}
	actor := model.Actor{Kind: model.ActorRemote, Name: in.Integration}
	for _, src := range sources {
		found, err := tx.AlertsByVendor(ctx, src, in.RemoteAlerts)
		if err != nil {
			return fmt.Errorf("find member alerts of incident %d: %w", in.ID, err)
		}
		for _, vid := range in.RemoteAlerts {
			a, ok := found[vid]
			if !ok || a.IncidentID == in.ID {
				continue
			}
			a.IncidentID = in.ID
			a.Revision++
			a.LastChangedAt = now
			if err := tx.AlertUpdate(ctx, a); err != nil {
				return fmt.Errorf("link alert %d: %w", a.ID, err)
			}
			if err := appendRevision(ctx, tx, model.KindAlert, a.ID, a.Revision, actor,
				fmt.Sprintf("member of incident %s at the source", in.VendorID), []string{"incident_id"}, a, now); err != nil {
				return err
			}
			if !slices.Contains(in.AlertIDs, a.ID) {
				in.AlertIDs = append(in.AlertIDs, a.ID)
			}
		}
	}
	return nil
}
