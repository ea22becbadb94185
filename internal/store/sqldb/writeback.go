package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/model"

	"github.com/alertsync/alertsync/internal/store"
)

// LedgerAddBatch adds entries with one multi-row INSERT per chunk where
// statements are round trips (PostgreSQL), one prepared insert each
// otherwise.
func (t *tx) LedgerAddBatch(ctx context.Context, es []store.LedgerEntry) error {
	if !t.d.MultiRowInsert {
		for _, e := range es {
			if err := t.LedgerAdd(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(es, batchRows) {
		args := make([]any, 0, len(chunk)*5)
		for _, e := range chunk {
			args = append(args, e.Integration, string(e.Kind), e.VendorID, e.RemoteStatus, micros(e.At))
		}
		q := `INSERT INTO ledger (integration, kind, vendor_id, remote_status, at) VALUES ` + valuesList(len(chunk), 5)
		if err := t.execDyn(ctx, q, args...); err != nil {
			return fmt.Errorf("add ledger entries: %w", err)
		}
	}
	return nil
}

// AlertRemoteStatusBatch updates many alerts' remote status. On
// PostgreSQL one UPDATE ... FROM (VALUES ...) per chunk does it; the
// revision guard on every row makes a row that moved on since it was read
// a conflict for the whole batch.
func (t *tx) AlertRemoteStatusBatch(ctx context.Context, changes []store.RemoteStatusChange) error {
	if !t.d.MultiRowInsert {
		for _, c := range changes {
			n, err := t.execCount(ctx, qAlertRemoteStatus, c.RemoteStatus, c.Revision, micros(c.At), c.ID, c.Revision-1)
			if err != nil {
				return fmt.Errorf("record remote status of alert %d: %w", c.ID, err)
			}
			if n != 1 {
				return fmt.Errorf("record remote status of alert %d: %w", c.ID, store.ErrConflict)
			}
		}
		return nil
	}
	for chunk := range chunks(changes, batchRows) {
		args := make([]any, 0, len(chunk)*4)
		for _, c := range chunk {
			args = append(args, c.ID, c.RemoteStatus, c.Revision, micros(c.At))
		}
		q := `UPDATE alerts SET remote_status = v.rs, revision = v.rev, last_changed_at = v.at
		FROM (VALUES ` + typedValues(len(chunk), "BIGINT", "TEXT", "BIGINT", "BIGINT") + `) AS v(id, rs, rev, at)
		WHERE alerts.id = v.id AND alerts.revision = v.rev - 1`
		if err := t.guardedUpdate(ctx, "record remote status", q, len(chunk), args); err != nil {
			return err
		}
	}
	return nil
}

// AlertIncidentBatch records the incidents alerts were grouped into, like
// AlertRemoteStatusBatch.
func (t *tx) AlertIncidentBatch(ctx context.Context, changes []store.IncidentChange) error {
	if !t.d.MultiRowInsert {
		for _, c := range changes {
			n, err := t.execCount(ctx, qAlertIncident, c.IncidentID, c.Revision, micros(c.At), c.ID, c.Revision-1)
			if err != nil {
				return fmt.Errorf("group alert %d: %w", c.ID, err)
			}
			if n != 1 {
				return fmt.Errorf("group alert %d: %w", c.ID, store.ErrConflict)
			}
		}
		return nil
	}
	for chunk := range chunks(changes, batchRows) {
		args := make([]any, 0, len(chunk)*4)
		for _, c := range chunk {
			args = append(args, c.ID, c.IncidentID, c.Revision, micros(c.At))
		}
		q := `UPDATE alerts SET incident_id = v.inc, revision = v.rev, last_changed_at = v.at
		FROM (VALUES ` + typedValues(len(chunk), "BIGINT", "BIGINT", "BIGINT", "BIGINT") + `) AS v(id, inc, rev, at)
		WHERE alerts.id = v.id AND alerts.revision = v.rev - 1`
		if err := t.guardedUpdate(ctx, "group alerts", q, len(chunk), args); err != nil {
			return err
		}
	}
	return nil
}

// guardedUpdate runs a batch update that must change every one of its
// rows; one that moved on since it was read makes the batch a conflict.
func (t *tx) guardedUpdate(ctx context.Context, what, q string, rows int, args []any) error {
	n, err := t.execDynCount(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s of %d alerts: %w", what, rows, err)
	}
	if n != int64(rows) {
		return fmt.Errorf("%s of %d alerts: %d moved on: %w", what, rows, int64(rows)-n, store.ErrConflict)
	}
	return nil
}

// MembershipAddBatch adds memberships, leaving existing ones alone.
func (t *tx) MembershipAddBatch(ctx context.Context, ms []model.Membership) error {
	if !t.d.MultiRowInsert {
		for _, m := range ms {
			if _, err := t.MembershipAdd(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(ms, batchRows) {
		args := make([]any, 0, len(chunk)*4)
		for _, m := range chunk {
			args = append(args, m.IncidentID, m.AlertID, m.Source, micros(m.AddedAt))
		}
		q := `INSERT INTO memberships (incident_id, alert_id, source, added_at) VALUES ` + valuesList(len(chunk), 4) +
			` ON CONFLICT (incident_id, alert_id) DO NOTHING`
		if err := t.execDyn(ctx, q, args...); err != nil {
			return fmt.Errorf("add %d memberships: %w", len(chunk), err)
		}
	}
	return nil
}

// typedValues is a VALUES list of rows whose columns have the given SQL
// types spelled out, as PostgreSQL cannot infer a VALUES column's type
// from its use in a join.
func typedValues(rows int, types ...string) string {
	var row strings.Builder
	row.WriteByte('(')
	for i, ty := range types {
		if i > 0 {
			row.WriteString(", ")
		}
		row.WriteString("CAST(? AS " + ty + ")")
	}
	row.WriteByte(')')
	return strings.TrimSuffix(strings.Repeat(row.String()+", ", rows), ", ")
}
