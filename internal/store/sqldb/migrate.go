package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migration is one embedded file, applied once in its own transaction.
type migration struct {
	version int64
	name    string
	body    string
}

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// Migrate applies, in version order, every embedded file not yet recorded
// in schema_migrations. Running it again is a no-op, and nodes running it
// at the same time apply each file once.
func (db *DB) Migrate(ctx context.Context) error {
	files, err := readMigrations(db.d.Migrations)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range files {
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return db.findScopeRole(ctx)
}

// findScopeRole decides whether a tenant's transaction must switch to the
// scoped role for row-level security to apply: only when the configured
// user would bypass it (a superuser, or a role with BYPASSRLS) and may
// take the role. A user subject to the policies (the tables' owner, under
// FORCE ROW LEVEL SECURITY) needs no switch.
func (db *DB) findScopeRole(ctx context.Context) error {
	if !db.d.ScopeRLS || db.d.ScopeRole == "" {
		return nil
	}
	var role sql.NullString
	err := db.write.QueryRowContext(ctx, `SELECT CASE WHEN r.rolsuper OR r.rolbypassrls THEN
		(SELECT s.rolname FROM pg_roles s WHERE s.rolname = $1 AND pg_has_role(current_user, s.oid, 'MEMBER'))
		END FROM pg_roles r WHERE r.rolname = current_user`, db.d.ScopeRole).Scan(&role)
	if err != nil {
		return fmt.Errorf("migrate: find the scoped role: %w", err)
	}
	db.scopeRole.Store(&role.String)
	return nil
}

func (db *DB) applyMigration(ctx context.Context, m migration) error {
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = t.Rollback() }()
	if db.d.MigrationLock != "" {
		if _, err := t.ExecContext(ctx, db.d.MigrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if _, err := t.ExecContext(ctx, createMigrations); err != nil {
		return err
	}
	var n int
	err = t.QueryRowContext(ctx, db.d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	if _, err := t.ExecContext(ctx, m.body); err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, db.d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
		m.version, time.Now().UnixMicro())
	if err != nil {
		return err
	}
	return t.Commit()
}

// readMigrations lists NNNN_name.sql files in version order.
func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a version like 0001_", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, body: string(body)})
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}
