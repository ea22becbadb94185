package sqldb_test

import (
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/store/sqldb"
	"github.com/alertsync/alertsync/internal/store/storetest"
)

// TestSQLitePlansStayNarrow: SQLite's planner keeps no statistics here
// and picks among indexes by their shape alone, so the statements that
// run once per verdict or per recovery are checked, as the store runs
// them, to search the narrow index entries they mean to:
//   - the pending and busy lookups and a dead item's retry search the
//     object's entries (with outbox_tenant the planner took it for the
//     pending lookup's ORDER BY and walked the tenant's whole outbox once
//     per verdict: seeding 10,000 verdicts took minutes);
//   - expediting a lane searches that lane's entries in outbox_lane (given
//     the index's own lower bound on the integration beside the equality,
//     the planner took the bound and walked every unfinished item of the
//     tenant, until the statement named the priority range);
//   - the run history's pruning walks the tenant's runs in id order, with
//     no sort.
func TestSQLitePlansStayNarrow(t *testing.T) {
	t.Parallel()
	_, db := storetest.OpenSQLiteRaw(t)
	tests := []struct {
		statement string
		want      []string // every one in the plan
		not       string   // none in the plan
	}{
		{"outbox object pending", []string{"outbox_object (tenant=? AND integration=? AND object_ref=?)"}, "outbox_tenant"},
		{"outbox object busy", []string{"outbox_object (tenant=? AND integration=? AND object_ref=?)"}, "outbox_tenant"},
		{"outbox retry", []string{"object_ref=?"}, "USING INDEX outbox_tenant"},
		{"outbox expedite", []string{"outbox_lane (tenant=? AND integration=? AND priority>? AND priority<?)"}, "integration>?"},
		{"run prunable", []string{"playbook_runs_tenant (tenant=? AND id>? AND id<?)"}, "TEMP B-TREE"},
	}
	for _, tc := range tests {
		text := sqldb.QueryText(tc.statement)
		if text == "" {
			t.Fatalf("no statement %q", tc.statement)
		}
		// The tenant a parameter like the others, as rebinding makes it.
		text = strings.ReplaceAll(text, ":tenant", "?")
		plan := storetest.QueryPlan(t, db, text, make([]any, strings.Count(text, "?"))...)
		for _, w := range tc.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s: plan %q, want %q in it", tc.statement, plan, w)
			}
		}
		if strings.Contains(plan, tc.not) {
			t.Errorf("%s: plan %q, want no %q in it", tc.statement, plan, tc.not)
		}
	}
}
