package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/alertsync/alertsync/internal/model"
	"github.com/alertsync/alertsync/internal/store"
)

// scope is one tenant's view of the store: every statement it runs binds
// the tenant, and on PostgreSQL every one runs in a transaction that sets
// it for row-level security.
type scope struct {
	db     *DB
	tenant string
}

// Scope implements store.Store. An id that cannot name a tenant gives a
// scope whose every call fails, rather than a panic in a caller's path.
func (db *DB) Scope(tenant string) store.Scoped { return &scope{db: db, tenant: tenant} }

// Tenant implements store.Scoped.
func (s *scope) Tenant() string { return s.tenant }

// WithTx implements store.Scoped.
func (s *scope) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := store.CheckTenantID(s.tenant); err != nil {
		return err
	}
	return s.db.withTx(ctx, s.tenant, func(t *tx) error { return fn(t) })
}

// read runs f on a conn bound to the tenant: on the read pool directly,
// or, where row-level security needs the tenant said, in a read-only
// transaction that says it.
func (s *scope) read(ctx context.Context, f func(c *conn) error) error {
	if err := store.CheckTenantID(s.tenant); err != nil {
		return err
	}
	db := s.db
	if !db.d.ScopeRLS {
		return f(&conn{tenant: s.tenant, d: db.d, run: db.read, stmts: db.rstmts})
	}
	sqlTx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }()
	if err := db.scopeTx(ctx, sqlTx, s.tenant); err != nil {
		return err
	}
	if err := f(&conn{tenant: s.tenant, d: db.d, run: sqlTx, stmts: db.rstmts, tx: sqlTx}); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// scopeTx says whose data a transaction works on, where row-level
// security asks (PostgreSQL): the tenant, under the scoped role when the
// configured user would bypass the policies, or '*' for the hub's own
// cross-tenant work.
func (db *DB) scopeTx(ctx context.Context, t *sql.Tx, tenant string) error {
	if !db.d.ScopeRLS {
		return nil
	}
	var (
		err  error
		role string
	)
	if r := db.scopeRole.Load(); r != nil {
		role = *r
	}
	switch {
	case tenant == "":
		_, err = t.ExecContext(ctx, `SELECT set_config('alertsync.tenant', '*', true)`)
	case role != "":
		_, err = t.ExecContext(ctx, `SELECT set_config('alertsync.tenant', $1, true), set_config('role', $2, true)`, tenant, role)
	default:
		_, err = t.ExecContext(ctx, `SELECT set_config('alertsync.tenant', $1, true)`, tenant)
	}
	if err != nil {
		return fmt.Errorf("scope transaction to tenant %q: %w", tenant, err)
	}
	return nil
}

// store.The Reader methods, each run through read.

func (s *scope) AlertGet(ctx context.Context, id int64) (model.Alert, error) {
	var out model.Alert
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.AlertGet(ctx, id)
		return err
	})
	return out, err
}

func (s *scope) AlertGetByVendor(ctx context.Context, integration, vendorID string) (model.Alert, error) {
	var out model.Alert
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.AlertGetByVendor(ctx, integration, vendorID)
		return err
	})
	return out, err
}

func (s *scope) AlertList(ctx context.Context, p store.AlertListParams) ([]model.Alert, error) {
	var out []model.Alert
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.AlertList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) AlertRefsByEntity(ctx context.Context, p store.AlertRefParams) ([]store.AlertRef, error) {
	var out []store.AlertRef
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.AlertRefsByEntity(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) AlertGetMany(ctx context.Context, ids []int64) ([]model.Alert, error) {
	var out []model.Alert
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.AlertGetMany(ctx, ids)
		return err
	})
	return out, err
}

func (s *scope) IncidentGet(ctx context.Context, id int64) (model.Incident, error) {
	var out model.Incident
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.IncidentGet(ctx, id)
		return err
	})
	return out, err
}

func (s *scope) IncidentGetByVendor(ctx context.Context, integration, vendorID string) (model.Incident, error) {
	var out model.Incident
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.IncidentGetByVendor(ctx, integration, vendorID)
		return err
	})
	return out, err
}

func (s *scope) IncidentList(ctx context.Context, p store.IncidentListParams) ([]model.Incident, error) {
	var out []model.Incident
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.IncidentList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) RevisionList(ctx context.Context, p store.RevisionListParams) ([]model.Revision, error) {
	var out []model.Revision
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.RevisionList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) CommentList(ctx context.Context, kind model.Kind, objectID int64) ([]model.Comment, error) {
	var out []model.Comment
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.CommentList(ctx, kind, objectID)
		return err
	})
	return out, err
}

func (s *scope) QuarantineList(ctx context.Context, p store.QuarantineListParams) ([]store.QuarantineEntry, error) {
	var out []store.QuarantineEntry
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.QuarantineList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) IntegrationList(ctx context.Context) ([]store.Integration, error) {
	var out []store.Integration
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.IntegrationList(ctx)
		return err
	})
	return out, err
}

func (s *scope) IntegrationGet(ctx context.Context, id string) (store.Integration, error) {
	var out store.Integration
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.IntegrationGet(ctx, id)
		return err
	})
	return out, err
}

func (s *scope) CursorGet(ctx context.Context, integration, stream string) (string, error) {
	var out string
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.CursorGet(ctx, integration, stream)
		return err
	})
	return out, err
}

func (s *scope) ValidationDue(ctx context.Context, now time.Time, limit int) ([]store.Validation, error) {
	var out []store.Validation
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.ValidationDue(ctx, now, limit)
		return err
	})
	return out, err
}

func (s *scope) ValidationGet(ctx context.Context, alertID int64) (store.Validation, error) {
	var out store.Validation
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.ValidationGet(ctx, alertID)
		return err
	})
	return out, err
}

func (s *scope) ValidationActive(ctx context.Context, integration string, upTo int) (int, error) {
	var out int
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.ValidationActive(ctx, integration, upTo)
		return err
	})
	return out, err
}

func (s *scope) LedgerList(ctx context.Context, integration string, kind model.Kind, vendorID string) ([]store.LedgerEntry, error) {
	var out []store.LedgerEntry
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.LedgerList(ctx, integration, kind, vendorID)
		return err
	})
	return out, err
}

func (s *scope) OutboxGet(ctx context.Context, id int64) (store.OutboxItem, error) {
	var out store.OutboxItem
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.OutboxGet(ctx, id)
		return err
	})
	return out, err
}

func (s *scope) OutboxList(ctx context.Context, p store.OutboxListParams) ([]store.OutboxItem, error) {
	var out []store.OutboxItem
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.OutboxList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) OutboxCounts(ctx context.Context) (map[store.OutboxState]int, error) {
	var out map[store.OutboxState]int
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.OutboxCounts(ctx)
		return err
	})
	return out, err
}

func (s *scope) OutboxBusyObjects(ctx context.Context, p store.OutboxBusyParams) ([]string, error) {
	var out []string
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.OutboxBusyObjects(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) MembershipList(ctx context.Context, p store.MembershipListParams) ([]model.Membership, error) {
	var out []model.Membership
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.MembershipList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) EvidenceList(ctx context.Context, p store.EvidenceListParams) ([]model.Evidence, error) {
	var out []model.Evidence
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.EvidenceList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) EvidenceCounts(ctx context.Context, integration string) (store.EvidenceCounts, error) {
	var out store.EvidenceCounts
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.EvidenceCounts(ctx, integration)
		return err
	})
	return out, err
}

func (s *scope) PlaybookList(ctx context.Context) ([]store.StoredPlaybook, error) {
	var out []store.StoredPlaybook
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.PlaybookList(ctx)
		return err
	})
	return out, err
}

func (s *scope) PlaybookGet(ctx context.Context, id string) (store.StoredPlaybook, error) {
	var out store.StoredPlaybook
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.PlaybookGet(ctx, id)
		return err
	})
	return out, err
}

func (s *scope) RunGet(ctx context.Context, id int64) (store.Run, error) {
	var out store.Run
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.RunGet(ctx, id)
		return err
	})
	return out, err
}

func (s *scope) RunList(ctx context.Context, p store.RunListParams) ([]store.Run, error) {
	var out []store.Run
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.RunList(ctx, p)
		return err
	})
	return out, err
}

func (s *scope) StepList(ctx context.Context, runID int64) ([]store.StepRecord, error) {
	var out []store.StepRecord
	err := s.read(ctx, func(c *conn) (err error) {
		out, err = c.StepList(ctx, runID)
		return err
	})
	return out, err
}

// autocommit runs f's statements, each committing on its own, on the
// writer pool (write) or the read pool, bound to tenant ("" for the hub's
// own cross-tenant work); where row-level security needs the scope said,
// they run in one transaction that says it.
func (db *DB) autocommit(ctx context.Context, write bool, tenant string, f func(c *conn) error) error {
	pool, stmts := db.read, db.rstmts
	if write {
		pool, stmts = db.write, db.wstmts
	}
	if !db.d.ScopeRLS {
		return f(&conn{tenant: tenant, d: db.d, run: pool, stmts: stmts})
	}
	sqlTx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = sqlTx.Rollback() }()
	if err := db.scopeTx(ctx, sqlTx, tenant); err != nil {
		return err
	}
	if err := f(&conn{tenant: tenant, d: db.d, run: sqlTx, stmts: stmts, tx: sqlTx}); err != nil {
		return db.d.lostRace(err)
	}
	return db.d.lostRace(sqlTx.Commit())
}
