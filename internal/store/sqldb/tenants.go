package sqldb

import (
	"context"
	"fmt"

	"github.com/alertsync/alertsync/internal/store"
)

// sys is the hub's own conn on the read pool, for the tables no tenant
// owns (leases, tenants); it runs no scoped statement.
func (db *DB) sys() *conn { return &conn{d: db.d, run: db.read, stmts: db.rstmts} }

func scanTenant(s scanner) (store.Tenant, error) {
	var (
		t                store.Tenant
		created, updated int64
	)
	err := s.Scan(&t.ID, &t.Name, &t.Status, &t.DataKey, &created, &updated)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, err
}

// TenantList implements store.Tenants.
func (db *DB) TenantList(ctx context.Context) ([]store.Tenant, error) {
	rows, err := db.sys().query(ctx, qTenantList)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	out, err := collect(rows, scanTenant)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return out, nil
}

// TenantGet implements store.Tenants.
func (db *DB) TenantGet(ctx context.Context, id string) (store.Tenant, error) {
	row, err := db.sys().queryRow(ctx, qTenantGet, id)
	if err != nil {
		return store.Tenant{}, fmt.Errorf("get tenant: %w", err)
	}
	t, err := scanTenant(row)
	if err != nil {
		return t, fmt.Errorf("get tenant %s: %w", id, notFound(err))
	}
	return t, nil
}

// TenantUpsert implements store.Tenants.
func (db *DB) TenantUpsert(ctx context.Context, t store.Tenant) error {
	if err := store.CheckTenantID(t.ID); err != nil {
		return err
	}
	switch t.Status {
	case store.TenantActive, store.TenantDisabled:
	default:
		return fmt.Errorf("tenant %s: invalid status %q", t.ID, t.Status)
	}
	err := db.withTx(ctx, "", func(tx *tx) error {
		return tx.exec(ctx, qTenantUpsert, t.ID, t.Name, string(t.Status), blob(t.DataKey),
			micros(t.CreatedAt), micros(t.UpdatedAt))
	})
	if err != nil {
		return fmt.Errorf("save tenant %s: %w", t.ID, err)
	}
	return nil
}

// TenantKeySwap implements store.Tenants.
func (db *DB) TenantKeySwap(ctx context.Context, p store.TenantKeySwapParams) error {
	err := db.withTx(ctx, "", func(t *tx) error {
		n, err := t.execCount(ctx, qTenantKeySwap, blob(p.New), p.Tenant, blob(p.Old))
		if err != nil || n > 0 {
			return err
		}
		row, err := t.queryRow(ctx, qTenantGet, p.Tenant)
		if err != nil {
			return err
		}
		if _, err := scanTenant(row); err != nil {
			return notFound(err)
		}
		return fmt.Errorf("%w: its data key changed since it was read", store.ErrConflict)
	})
	if err != nil {
		return fmt.Errorf("swap the data key of tenant %s: %w", p.Tenant, err)
	}
	return nil
}

// tenantTables are the tables a tenant owns with the key of each, in the
// order a purge empties them: children before the parents their foreign
// keys name.
var tenantTables = []struct{ name, key string }{
	{"console_sessions", "id_digest"},
	{"playbook_steps", "run_id, idx"},
	{"playbook_runs", "id"},
	{"playbooks", "id"},
	{"evidence_entities", "value, occurred_at, evidence_id"},
	{"evidence", "id"},
	{"alert_entities", "value, alert_id"},
	{"memberships", "incident_id, alert_id"},
	{"validations", "alert_id"},
	{"ledger", "id"},
	{"outbox", "id"},
	{"cursors", "integration, stream"},
	{"quarantine", "id"},
	{"comments", "id"},
	{"revisions", "id"},
	{"alerts", "id"},
	{"incidents", "id"},
	{"integrations", "id"},
}

// Purge implements store.Scoped: up to batch rows of the first tables
// that still hold any, in one transaction.
func (s *scope) Purge(ctx context.Context, batch int) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	n := 0
	err := s.WithTx(ctx, func(stx store.Tx) error {
		t := stx.(*tx)
		n = 0
		for _, tb := range tenantTables {
			left := batch - n
			if left <= 0 {
				break
			}
			q := `DELETE FROM ` + tb.name + ` WHERE tenant = :tenant AND (` + tb.key + `) IN (SELECT ` + tb.key +
				` FROM ` + tb.name + ` WHERE tenant = :tenant LIMIT CAST(? AS INTEGER))`
			c, err := t.execDynCount(ctx, q, left)
			if err != nil {
				return fmt.Errorf("purge %s: %w", tb.name, err)
			}
			n += int(c)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge tenant %s: %w", s.tenant, err)
	}
	return n, nil
}

// TenantDelete implements store.Tenants.
func (db *DB) TenantDelete(ctx context.Context, id string) error {
	if id == store.DefaultTenant {
		return fmt.Errorf("delete tenant %s: the default tenant stays", id)
	}
	err := db.withTx(ctx, "", func(t *tx) error { return t.execOne(ctx, qTenantDelete, id) })
	if err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	return nil
}
