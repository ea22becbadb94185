package engine

import (
	"context"
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
func (e *Engine) correlate(ctx context.Context, tx store.Tx, a *model.Alert, now time.Time) (int, error) {
	related, err := relatedAlerts(ctx, tx, *a)
	if err != nil || len(related) == 0 {
		return 0, err
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
			return 0, err
		}
		incID = in.ID
	}
	for _, m := range append([]model.Alert{*a}, related...) {
		if m.IncidentID != 0 {
			continue
		}
		if err := e.attach(ctx, tx, &m, incID, now); err != nil {
			return 0, err
		}
		if m.ID == a.ID {
			*a = m
		}
	}
	return len(related), nil
}

func relatedAlerts(ctx context.Context, tx store.Tx, a model.Alert) ([]model.Alert, error) {
	keys := slices.Concat(a.Entities.Hosts, a.Entities.Users, a.Entities.IPs, a.Entities.FileHashes)
	if len(keys) > maxCorrelationKeys {
		keys = keys[:maxCorrelationKeys]
	}
	seen := map[int64]bool{a.ID: true}
	var out []model.Alert
	for _, k := range keys {
		list, err := tx.AlertList(ctx, store.AlertListParams{Entity: k, Open: true, Limit: 50})
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

func (e *Engine) newIncident(ctx context.Context, tx store.Tx, seed model.Alert, now time.Time) (model.Incident, error) {
	in := model.Incident{
		Title: "Correlated activity: " + seed.Title, Severity: seed.Severity, Status: model.StatusNew,
		CreatedAt: now, UpdatedAt: now, LastChangedAt: now, Revision: 1,
	}
	if err := tx.IncidentInsert(ctx, &in); err != nil {
		return in, fmt.Errorf("open incident: %w", err)
	}
	err := appendRevision(ctx, tx, model.KindIncident, in.ID, 1, correlationActor, "alerts share entities", []string{"created"}, in, now)
	return in, err
}

func (e *Engine) attach(ctx context.Context, tx store.Tx, a *model.Alert, incID int64, now time.Time) error {
	if _, err := tx.MembershipAdd(ctx, model.Membership{IncidentID: incID, AlertID: a.ID, Source: correlationActor.Name, AddedAt: now}); err != nil {
		return err
	}
	a.IncidentID = incID
	a.Revision++
	a.LastChangedAt = now
	if err := tx.AlertUpdate(ctx, *a); err != nil {
		return fmt.Errorf("attach alert %d to incident %d: %w", a.ID, incID, err)
	}
	return appendRevision(ctx, tx, model.KindAlert, a.ID, a.Revision, correlationActor,
		fmt.Sprintf("grouped into incident %d", incID), []string{"incident_id"}, a, now)
}
