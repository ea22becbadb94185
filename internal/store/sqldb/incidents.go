package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

func scanIncident(s scanner) (model.Incident, error) {
	var (
		in                    model.Incident
		created, updated, chg int64
		remote, notes         []byte
	)
	err := s.Scan(&in.ID, &in.Integration, &in.VendorID, &in.Title,
		&in.Description, &in.Severity, &in.Status, &in.RemoteStatus, &in.Verdict,
		&in.Published, &created, &updated, &remote, (*[]byte)(&in.Raw),
		&in.Revision, &chg, &notes, &in.Classification)
	if err != nil {
		return in, err
	}
	if in.Notes, err = scanNotes(notes); err != nil {
		return in, err
	}
	in.CreatedAt, in.UpdatedAt, in.LastChangedAt = fromMicros(created), fromMicros(updated), fromMicros(chg)
	return in, unmarshalText(remote, &in.RemoteAlerts)
}

func incidentArgs(in *model.Incident) ([]any, error) {
	remote, err := jsonText(in.RemoteAlerts)
	if err != nil {
		return nil, err
	}
	notes, err := notesText(in.Notes)
	if err != nil {
		return nil, err
	}
	return []any{in.Integration, in.VendorID, in.Title, in.Description,
		string(in.Severity), string(in.Status), in.RemoteStatus, string(in.Verdict),
		in.Published, micros(in.CreatedAt), micros(in.UpdatedAt), remote,
		blob(in.Raw), in.Revision, micros(in.LastChangedAt), notes, in.Classification}, nil
}

// IncidentGet returns one incident with its member alert ids.
func (c *conn) IncidentGet(ctx context.Context, id int64) (model.Incident, error) {
	in, err := c.incidentOne(ctx, qIncidentGet, id)
	if err != nil {
		return in, fmt.Errorf("get incident %d: %w", id, err)
	}
	return in, nil
}

// IncidentGetByVendor returns the incident an integration knows as vendorID.
func (c *conn) IncidentGetByVendor(ctx context.Context, integration, vendorID string) (model.Incident, error) {
	in, err := c.incidentOne(ctx, qIncidentGetByVendor, integration, vendorID)
	if err != nil {
		return in, fmt.Errorf("get incident by vendor id: %w", err)
	}
	return in, nil
}

func (c *conn) incidentOne(ctx context.Context, id qid, args ...any) (model.Incident, error) {
	row, err := c.queryRow(ctx, id, args...)
	if err != nil {
		return model.Incident{}, err
	}
	in, err := scanIncident(row)
	if err != nil {
		return in, notFound(err)
	}
	rows, err := c.query(ctx, qIncidentAlertIDs, in.ID)
	if err != nil {
		return in, err
	}
	in.AlertIDs, err = collect(rows, scanInt64)
	return in, err
}

// IncidentList filters and pages incidents by id, each with its alert ids.
func (c *conn) IncidentList(ctx context.Context, p store.IncidentListParams) ([]model.Incident, error) {
	var w where
	w.add(true, "tenant = "+tenantMark)
	w.add(p.Integration != "", "integration = ?", p.Integration)
	w.add(p.Status != "", "status = ?", string(p.Status))
	w.add(p.Verdict != "", "verdict = ?", string(p.Verdict))
	w.add(p.Severity != "", "severity = ?", string(p.Severity))
	w.add(p.Open, "status IN ('new', 'in_progress', 'unknown', '')")
	// An incident's creation time is its source's (or alertsync's, for
	// its own), which does not grow with the id: the window is checked
	// on each row of the id walk. Incidents are few beside alerts.
	w.add(!p.CreatedFrom.IsZero(), "created_at >= ?", micros(p.CreatedFrom))
	w.add(!p.CreatedTo.IsZero(), "created_at < ?", micros(p.CreatedTo))
	if p.RemoteAlert != "" {
		v, err := jsonText(p.RemoteAlert)
		if err != nil {
			return nil, fmt.Errorf("list incidents: %w", err)
		}
		w.add(true, "(/*contains*/(remote_alert_ids, ?) > 0 OR /*contains*/(remote_alert_ids, ?) > 0)", v+",", v+"]")
	}
	w.add(true, "id > ?", p.AfterID)
	q := "SELECT " + incidentCols + " FROM incidents" + w.sql() + " ORDER BY id LIMIT CAST(? AS INTEGER)"
	q = strings.ReplaceAll(q, "/*contains*/", c.d.Contains)
	rows, err := c.queryDyn(ctx, q, append(w.args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	out, err := collect(rows, scanIncident)
	if err == nil {
		err = c.fillAlertIDs(ctx, out)
	}
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	return out, nil
}

// fillAlertIDs derives AlertIDs for a page of incidents in one query per
// chunk rather than one per incident.
func (c *conn) fillAlertIDs(ctx context.Context, ins []model.Incident) error {
	pos := make(map[int64]int, len(ins))
	ids := make([]any, len(ins))
	for i, in := range ins {
		pos[in.ID] = i
		ids[i] = in.ID
	}
	for chunk := range chunks(ids, vendorChunk) {
		q := "SELECT incident_id, alert_id FROM memberships WHERE tenant = :tenant AND incident_id IN (" + marks(len(chunk)) + ") ORDER BY alert_id"
		rows, err := c.queryDyn(ctx, q, chunk...)
		if err != nil {
			return err
		}
		err = each(rows, scanPair, func(p [2]int64) {
			in := &ins[pos[p[0]]]
			in.AlertIDs = append(in.AlertIDs, p[1])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func scanInt64(s scanner) (int64, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}

func scanPair(s scanner) ([2]int64, error) {
	var p [2]int64
	err := s.Scan(&p[0], &p[1])
	return p, err
}

// IncidentInsert stores a new incident and sets in.ID.
func (t *tx) IncidentInsert(ctx context.Context, in *model.Incident) error {
	args, err := incidentArgs(in)
	if err != nil {
		return fmt.Errorf("insert incident: %w", err)
	}
	id, err := t.insertID(ctx, qIncidentInsert, args...)
	if err != nil {
		return fmt.Errorf("insert incident: %w", err)
	}
	in.ID = id
	return nil
}

// IncidentUpdate overwrites the incident with in.ID; AlertIDs are ignored.
func (t *tx) IncidentUpdate(ctx context.Context, in model.Incident) error {
	args, err := incidentArgs(&in)
	if err != nil {
		return fmt.Errorf("update incident: %w", err)
	}
	err = t.execOne(ctx, qIncidentUpdate, append(args, in.ID, in.Revision, in.Revision-1)...)
	if errors.Is(err, store.ErrNotFound) {
		err = t.staleOrMissing(ctx, "incidents", in.ID)
	}
	if err != nil {
		return fmt.Errorf("update incident %d: %w", in.ID, err)
	}
	return nil
}

// staleOrMissing explains an update that matched no row: the row is gone
// (ErrNotFound) or has a newer revision than the caller read (ErrConflict).
func (t *tx) staleOrMissing(ctx context.Context, table string, id int64) error {
	rows, err := t.queryDyn(ctx, "SELECT revision FROM "+table+" WHERE tenant = :tenant AND id = ?", id)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return store.ErrNotFound
	}
	return fmt.Errorf("%w: row changed since it was read", store.ErrConflict)
}
