package sqldb

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func scanMembership(s scanner) (model.Membership, error) {
	var (
		m  model.Membership
		at int64
	)
	err := s.Scan(&m.IncidentID, &m.AlertID, &m.Source, &at)
	m.AddedAt = fromMicros(at)
	return m, err
}

// MembershipAdd records that an alert belongs to an incident; a
// membership that exists already keeps its first source and time.
func (t *tx) MembershipAdd(ctx context.Context, m model.Membership) (bool, error) {
	n, err := t.execCount(ctx, qMembershipAdd, m.IncidentID, m.AlertID, m.Source, micros(m.AddedAt))
	if err != nil {
		return false, fmt.Errorf("add alert %d to incident %d: %w", m.AlertID, m.IncidentID, err)
	}
	return n > 0, nil
}

// MembershipRemove ends a membership, reporting whether there was one.
func (t *tx) MembershipRemove(ctx context.Context, incidentID, alertID int64) (bool, error) {
	n, err := t.execCount(ctx, qMembershipRemove, incidentID, alertID)
	if err != nil {
		return false, fmt.Errorf("remove alert %d from incident %d: %w", alertID, incidentID, err)
	}
	return n > 0, nil
}

// MembershipLock implements store.Tx.
func (t *tx) MembershipLock(ctx context.Context, integration string) error {
	if t.d.MembershipLock == "" {
		return nil
	}
	// Keyed by the tenant too: two tenants' integrations of one id are
	// not each other's.
	if err := t.lockDyn(ctx, t.d.MembershipLock, t.tenant+"|"+integration); err != nil {
		return fmt.Errorf("lock alert links of %s: %w", integration, err)
	}
	return nil
}

// MembershipList lists the memberships of one alert or of one incident.
func (c *conn) MembershipList(ctx context.Context, p store.MembershipListParams) ([]model.Membership, error) {
	q, arg := qMembershipsOfIncident, p.IncidentID
	if p.AlertID != 0 {
		q, arg = qMembershipsOfAlert, p.AlertID
	}
	rows, err := c.query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	out, err := collect(rows, scanMembership)
	if err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	return out, nil
}
