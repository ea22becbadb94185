package sqldb

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// batchRows bounds the rows of one multi-row statement, keeping the
// parameter count (alertWidth per alert) far below PostgreSQL's 65,535.
const batchRows = 500

// alertWidth is the number of writable alert columns.
const alertWidth = 22

// tenantValues is valuesList for rows that lead with the conn's tenant.
func tenantValues(rows, width int) string {
	one := "(" + tenantMark + ", " + marks(width) + ")"
	return strings.Repeat(one+", ", rows-1) + one
}

// AlertInsertBatch inserts alerts and sets their ids.
func (t *tx) AlertInsertBatch(ctx context.Context, alerts []*model.Alert) error {
	if !t.d.MultiRowInsert {
		for _, a := range alerts {
			if err := t.AlertInsert(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(alerts, batchRows) {
		if err := t.insertAlertChunk(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) insertAlertChunk(ctx context.Context, chunk []*model.Alert) error {
	args := make([]any, 0, len(chunk)*alertWidth)
	byKey := make(map[[2]string]*model.Alert, len(chunk))
	for _, a := range chunk {
		aa, err := alertArgs(a)
		if err != nil {
			return fmt.Errorf("insert alerts: %w", err)
		}
		args = append(args, aa...)
		byKey[[2]string{a.Integration, a.VendorID}] = a
	}
	q := `INSERT INTO alerts (tenant, integration, vendor_id, title, description, severity, status,
	remote_status, verdict, published, source, created_at, updated_at, entities, incident_id,
	remote_parent, raw, revision, first_seen_at, last_changed_at, notes, same_as, twin_id) VALUES ` +
		tenantValues(len(chunk), alertWidth) + ` RETURNING id, integration, vendor_id`
	rows, err := t.queryDyn(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("insert alerts: %w", t.d.conflict(err))
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var (
			id       int64
			integ, v string
		)
		if err := rows.Scan(&id, &integ, &v); err != nil {
			return fmt.Errorf("insert alerts: %w", err)
		}
		t.addRows(1)
		if a := byKey[[2]string{integ, v}]; a != nil {
			a.ID = id
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("insert alerts: %w", t.d.conflict(err))
	}
	return nil
}

// RevisionAppendBatch appends revisions.
func (t *tx) RevisionAppendBatch(ctx context.Context, rs []model.Revision) error {
	if !t.d.MultiRowInsert {
		for _, r := range rs {
			if err := t.RevisionAppend(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(rs, batchRows) {
		args := make([]any, 0, len(chunk)*9)
		for _, r := range chunk {
			changes, err := jsonText(r.Changes)
			if err != nil {
				return fmt.Errorf("append revisions: %w", err)
			}
			args = append(args, string(r.Kind), r.ObjectID, r.Seq, string(r.Actor.Kind), r.Actor.Name,
				r.Reason, changes, blob(r.Snapshot), micros(r.At))
		}
		q := `INSERT INTO revisions (tenant, kind, object_id, seq, actor_kind, actor_name, reason, changes,
		snapshot, at) VALUES ` + tenantValues(len(chunk), 9)
		if err := t.execDyn(ctx, q, args...); err != nil {
			return fmt.Errorf("append revisions: %w", err)
		}
	}
	return nil
}

// ValidationUpsertBatch creates or replaces validation schedules.
func (t *tx) ValidationUpsertBatch(ctx context.Context, vs []store.Validation) error {
	if !t.d.MultiRowInsert {
		for _, v := range vs {
			if err := t.ValidationUpsert(ctx, v); err != nil {
				return err
			}
		}
		return nil
	}
	for chunk := range chunks(vs, batchRows) {
		args := make([]any, 0, len(chunk)*7)
		for _, v := range chunk {
			args = append(args, v.AlertID, micros(v.StartedAt), micros(v.NextPassAt), micros(v.EndsAt), v.Passes, v.Done, v.Found)
		}
		q := `INSERT INTO validations (tenant, ` + validationCols + `) VALUES ` + tenantValues(len(chunk), 7) +
			` ON CONFLICT (tenant, alert_id) DO UPDATE SET started_at = excluded.started_at,
			next_pass_at = excluded.next_pass_at, ends_at = excluded.ends_at,
			passes = excluded.passes, done = excluded.done, found = excluded.found`
		if err := t.execDyn(ctx, q, args...); err != nil {
			return fmt.Errorf("upsert validations: %w", err)
		}
	}
	return nil
}
