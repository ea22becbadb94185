package sqldb

import (
	"context"
	"fmt"

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
		FROM (VALUES ` + typedValues(len(chunk)) + `) AS v(id, rs, rev, at)
		WHERE alerts.id = v.id AND alerts.revision = v.rev - 1`
		n, err := t.execDynCount(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("record remote status of %d alerts: %w", len(chunk), err)
		}
		if n != int64(len(chunk)) {
			return fmt.Errorf("record remote status of %d alerts: %d moved on: %w", len(chunk), int64(len(chunk))-n, store.ErrConflict)
		}
	}
	return nil
}

// typedValues is a VALUES list of rows (id, remote status, revision, at)
// with the types spelled out, as PostgreSQL cannot infer a VALUES
// column's type from its use in a join.
func typedValues(rows int) string {
	const row = "(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))"
	b := make([]byte, 0, rows*(len(row)+2))
	for i := range rows {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, row...)
	}
	return string(b)
}
