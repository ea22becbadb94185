package sqldb

import (
	"errors"
	"strings"
	"testing"
)

// TestEveryQueryIsScoped: a statement on tenant data names :tenant, and
// only the hub's own statements (leases, tenants, the cross-tenant claim
// and lane scan) do not; the list of those is exact, so adding one is a
// decision made here, in review.
func TestEveryQueryIsScoped(t *testing.T) {
	var system []string
	for id, def := range queryDefs {
		if !queryScoped[id] {
			system = append(system, def.name)
		}
		if queryScoped[id] && !strings.Contains(def.text, "tenant = "+tenantMark) && !strings.Contains(def.text, "("+tenantMark+", ") {
			t.Errorf("%s names :tenant but neither filters nor inserts by it", def.name)
		}
	}
	want := "outbox claim,outbox lanes,lease acquire,lease get,lease check,lease release,lease list,tenant list,tenant get,tenant upsert,tenant delete,tenant key swap"
	if got := strings.Join(system, ","); got != want {
		t.Errorf("system statements = %s\nwant %s", got, want)
	}
}

func TestRebindTenant(t *testing.T) {
	tests := []struct {
		numbered bool
		in, want string
	}{
		{false, `SELECT a FROM t WHERE x = ?`, `SELECT a FROM t WHERE x = ?`},
		{true, `SELECT a FROM t WHERE x = ? AND y = ?`, `SELECT a FROM t WHERE x = $1 AND y = $2`},
		{false, `UPDATE t SET a = ? WHERE tenant = :tenant AND id = ?`, `UPDATE t SET a = ?2 WHERE tenant = ?1 AND id = ?3`},
		{true, `UPDATE t SET a = ? WHERE tenant = :tenant AND id = ?`, `UPDATE t SET a = $2 WHERE tenant = $1 AND id = $3`},
		{false, `INSERT INTO t VALUES (:tenant, ?), (:tenant, ?)`, `INSERT INTO t VALUES (?1, ?2), (?1, ?3)`},
		{true, `SELECT x::text[] FROM t WHERE tenant = :tenant`, `SELECT x::text[] FROM t WHERE tenant = $1`},
	}
	for _, tc := range tests {
		d := &Dialect{Numbered: tc.numbered}
		if got := d.rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q, numbered %v) = %q, want %q", tc.in, tc.numbered, got, tc.want)
		}
	}
}

// TestConnRefusesUnscoped: a tenant's conn refuses a statement on tenant
// data that does not name the tenant, and the hub's conn refuses a scoped
// one, before either reaches the database.
func TestConnRefusesUnscoped(t *testing.T) {
	d := &Dialect{}
	tenantConn, hubConn := &conn{tenant: "a", d: d}, &conn{d: d}
	if _, err := tenantConn.bindDyn(`SELECT id FROM alerts WHERE id = ?`, []any{1}); !errors.Is(err, errNoTenant) {
		t.Errorf("a tenant's conn ran an unscoped statement: %v", err)
	}
	if _, err := hubConn.bindDyn(`SELECT id FROM alerts WHERE tenant = :tenant`, nil); !errors.Is(err, errNoTenant) {
		t.Errorf("the hub's conn ran a scoped statement without a tenant: %v", err)
	}
	if _, err := hubConn.bind(qAlertGet, []any{1}); !errors.Is(err, errNoTenant) {
		t.Errorf("the hub's conn ran %s: %v", queryDefs[qAlertGet].name, err)
	}
	args, err := tenantConn.bind(qAlertGet, []any{int64(7)})
	if err != nil || len(args) != 2 || args[0] != "a" {
		t.Errorf("bind = %v, %v; want the tenant first", args, err)
	}
	if args, err := tenantConn.bind(qLeaseGet, []any{"x"}); err != nil || len(args) != 1 {
		t.Errorf("a tenant's conn may read a lease (fencing): %v, %v", args, err)
	}
}
