package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

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
		q := `INSERT INTO ledger (tenant, integration, kind, vendor_id, remote_status, at) VALUES ` + tenantValues(len(chunk), 5)
		if err := t.execDyn(ctx, q, args...); err != nil {
			return fmt.Errorf("add ledger entries: %w", err)
		}
	}
	return nil
}

// AlertRemoteStatusBatch updates many alerts' remote status under the
// revision guard: a row that moved on since it was read makes the whole
// batch a conflict.
func (t *tx) AlertRemoteStatusBatch(ctx context.Context, changes []store.RemoteStatusChange) error {
	vals := make([]revisedValue, len(changes))
	for i, c := range changes {
		vals[i] = revisedValue{id: c.ID, rev: c.Revision, value: c.RemoteStatus, at: c.At}
	}
	return t.setRevised(ctx, revisedColumn{what: "record remote status", column: "remote_status", sqlType: "TEXT", single: qAlertRemoteStatus}, vals)
}

// AlertIncidentBatch records the incidents alerts were grouped into, like
// AlertRemoteStatusBatch.
func (t *tx) AlertIncidentBatch(ctx context.Context, changes []store.IncidentChange) error {
	vals := make([]revisedValue, len(changes))
	for i, c := range changes {
		vals[i] = revisedValue{id: c.ID, rev: c.Revision, value: c.IncidentID, at: c.At}
	}
	return t.setRevised(ctx, revisedColumn{what: "group alerts", column: "incident_id", sqlType: "BIGINT", single: qAlertIncident}, vals)
}

// revisedColumn is a column of alerts set for many rows at once, each
// row's revision moving up by one.
type revisedColumn struct {
	what    string // for errors
	column  string
	sqlType string
	// single sets it on one row: value, revision, at, id, revision - 1.
	single qid
}

// revisedValue is one row's new value and revision.
type revisedValue struct {
	id, rev int64
	value   any
	at      time.Time
}

// setRevised sets c on every row of vals: one UPDATE ... FROM (VALUES ...)
// per chunk where statements are round trips (PostgreSQL), one prepared
// UPDATE a row otherwise. Every row must still be at the revision below
// its new one.
//
// Each row is found by a LATERAL lookup on the primary key (OFFSET 0
// keeps it from being flattened, as in byVendorQuery) and updated by its
// ctid. Joined on id instead, the planner, on a table not analyzed yet,
// read the tenant's every alert for each batch (40,000 rows read for ten
// batches of 100 among 4,000). A row changed by another transaction
// meanwhile has a new ctid: it is not updated, and the batch is a
// conflict, as the revision guard makes it.
func (t *tx) setRevised(ctx context.Context, c revisedColumn, vals []revisedValue) error {
	if !t.d.MultiRowInsert {
		for _, v := range vals {
			n, err := t.execCount(ctx, c.single, v.value, v.rev, micros(v.at), v.id, v.rev-1)
			if err != nil {
				return fmt.Errorf("%s of alert %d: %w", c.what, v.id, err)
			}
			if n != 1 {
				return fmt.Errorf("%s of alert %d: %w", c.what, v.id, store.ErrConflict)
			}
		}
		return nil
	}
	for chunk := range chunks(vals, batchRows) {
		args := make([]any, 0, len(chunk)*4)
		for _, v := range chunk {
			args = append(args, v.id, v.value, v.rev, micros(v.at))
		}
		q := `UPDATE alerts SET ` + c.column + ` = x.val, revision = x.rev, last_changed_at = x.at
		FROM (SELECT v.val, v.rev, v.at, a.ctid AS row FROM (VALUES ` + typedValues(len(chunk), "BIGINT", c.sqlType, "BIGINT", "BIGINT") + `) AS v(id, val, rev, at)
		CROSS JOIN LATERAL (SELECT ctid FROM alerts WHERE tenant = :tenant AND id = v.id AND revision = v.rev - 1 OFFSET 0) a) x
		WHERE alerts.tenant = :tenant AND alerts.ctid = x.row`
		if err := t.guardedUpdate(ctx, c.what, q, len(chunk), args); err != nil {
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
		q := `INSERT INTO memberships (tenant, incident_id, alert_id, source, added_at) VALUES ` + tenantValues(len(chunk), 4) +
			` ON CONFLICT (tenant, incident_id, alert_id) DO NOTHING`
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
