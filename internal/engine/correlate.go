package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// correlationActor is the rule named on revisions made by correlation.
var correlationActor = model.Actor{Kind: model.ActorRule, Name: "correlation"}

// maxCorrelationKeys bounds how many entity values one pass looks up.
const maxCorrelationKeys = 16

// correlate groups a with the open alerts that share a host, user, IP or
// file hash with it: it joins an incident one of them is already in, or
// opens a new alertsync incident for the group. It reports how many
// related alerts it found.
//
// It also returns the ids of the alerts it changed, so a batch of passes
// reads them again rather than trusting a copy read before.
func (e *Engine) correlate(ctx context.Context, tx store.Tx, a *model.Alert, now time.Time) (int, []int64, error) {
	related, err := relatedAlerts(ctx, tx, *a)
	if err != nil || len(related) == 0 {
		return 0, nil, err
	}
	incID := a.IncidentID
	for _, r := range related {
		if incID == 0 && r.IncidentID != 0 {
			incID = r.IncidentID
		}
	}
	if incID == 0 {
		in, err := e.newIncident(ctx, tx, *a, now)
		if err != nil {
			return 0, nil, err
		}
		incID = in.ID
	}
	// Only the alerts not yet in an incident are read whole and changed,
	// together; on later passes that is usually none.
	var loose []int64
	for _, r := range related {
		if r.IncidentID == 0 {
			loose = append(loose, r.ID)
		}
	}
	group, err := tx.AlertGetMany(ctx, loose)
	if err != nil {
		return 0, nil, fmt.Errorf("get related alerts: %w", err)
	}
	if a.IncidentID == 0 {
		group = append(group, *a)
	}
	if err := attachAll(ctx, tx, group, incID, now); err != nil {
		return 0, nil, err
	}
	if a.IncidentID == 0 {
		*a = group[len(group)-1]
	}
	changed := make([]int64, len(group))
	for i, m := range group {
		changed[i] = m.ID
	}
	return len(related), changed, nil
}

// attachAll groups alerts into incident incID: their memberships, their
// incident_id and a revision each, in a few statements for them all.
func attachAll(ctx context.Context, tx store.Tx, alerts []model.Alert, incID int64, now time.Time) error {
	if len(alerts) == 0 {
		return nil
	}
	ms := make([]model.Membership, len(alerts))
	changes := make([]store.IncidentChange, len(alerts))
	revs := make([]model.Revision, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		a.IncidentID, a.Revision, a.LastChangedAt = incID, a.Revision+1, now
		snap, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("snapshot alert %d: %w", a.ID, err)
		}
		ms[i] = model.Membership{IncidentID: incID, AlertID: a.ID, Source: correlationActor.Name, AddedAt: now}
		changes[i] = store.IncidentChange{ID: a.ID, IncidentID: incID, Revision: a.Revision, At: now}
		revs[i] = model.Revision{Kind: model.KindAlert, ObjectID: a.ID, Seq: a.Revision, Actor: correlationActor,
			Reason: fmt.Sprintf("grouped into incident %d", incID), Changes: []string{"incident_id"}, Snapshot: snap, At: now}
	}
	if err := tx.MembershipAddBatch(ctx, ms); err != nil {
		return err
	}
	if err := tx.AlertIncidentBatch(ctx, changes); err != nil {
		return fmt.Errorf("group %d alerts into incident %d: %w", len(alerts), incID, err)
	}
	return tx.RevisionAppendBatch(ctx, revs)
}

// relatedAlerts lists the open alerts without a verdict that share an
// entity with a, at most relatedPerEntity per entity value.
func relatedAlerts(ctx context.Context, tx store.Tx, a model.Alert) ([]store.AlertRef, error) {
	keys := slices.Concat(a.Entities.Hosts, a.Entities.Users, a.Entities.IPs, a.Entities.FileHashes)
	if len(keys) > maxCorrelationKeys {
		keys = keys[:maxCorrelationKeys]
	}
	seen := map[int64]bool{a.ID: true}
	var out []store.AlertRef
	for _, k := range keys {
		list, err := tx.AlertRefsByEntity(ctx, store.AlertRefParams{Entity: k, Limit: relatedPerEntity})
		if err != nil {
			return nil, fmt.Errorf("find alerts sharing %q: %w", k, err)
		}
		for _, r := range list {
			if !seen[r.ID] && r.Verdict == model.VerdictNone {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// relatedPerEntity bounds the alerts one entity value brings into a pass.
const relatedPerEntity = 50

func (e *Engine) newIncident(ctx context.Context, tx store.Tx, seed model.Alert, now time.Time) (model.Incident, error) {
	in := model.Incident{
		Title: "Correlated activity: " + seed.Title, Severity: seed.Severity, Status: model.StatusNew,
		CreatedAt: now, UpdatedAt: now, LastChangedAt: now, Revision: 1,
	}
	if err := tx.IncidentInsert(ctx, &in); err != nil {
		return in, fmt.Errorf("open incident: %w", err)
	}
	if err := appendRevision(ctx, tx, model.KindIncident, in.ID, 1, correlationActor, "alerts share entities", []string{"created"}, in, now); err != nil {
		return in, err
	}
	return in, e.fire(ctx, tx, incidentEvent(TriggerIncidentCreated, &in, nil))
}
