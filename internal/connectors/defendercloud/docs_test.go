package defendercloud

import (
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var allVerdicts = []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat}

// TestDocActionTable pins docs/mappings.md's action table to actionFor.
// A verdict cell is a verdict, "any", or "any other" (every verdict no other
// row names for that status).
func TestDocActionTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Defender for Cloud action")[0]
	named := map[string][]model.Verdict{}
	for _, r := range rows {
		if r[1] != "any" && r[1] != "any other" {
			named[r[0]] = append(named[r[0]], model.Verdict(r[1]))
		}
	}
	covered := map[model.Status]bool{}
	for _, r := range rows {
		st := model.Status(r[0])
		covered[st] = true
		var vs []model.Verdict
		switch r[1] {
		case "any":
			vs = allVerdicts
		case "any other":
			for _, v := range allVerdicts {
				if !slices.Contains(named[r[0]], v) {
					vs = append(vs, v)
				}
			}
		default:
			vs = []model.Verdict{model.Verdict(r[1])}
		}
		for _, v := range vs {
			action, remote, err := actionFor(st, v)
			if err != nil || action != r[2] || remote != r[3] {
				t.Errorf("row %v, verdict %q: code gives %s → %s (%v)", r, v, action, remote, err)
			}
		}
	}
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusSuppressed, model.StatusResolved} {
		if !covered[st] {
			t.Errorf("action table has no row for %s", st)
		}
	}
}

// TestDocStatusTables pins the read-back table and the Defender for Cloud
// column of the Sentinel reconciliation table to statusOf.
func TestDocStatusTables(t *testing.T) {
	t.Parallel()
	back := connectortest.DocTables(t, connectortest.MappingsDoc, "Defender for Cloud status read back")[0]
	if len(back) != len(statusOf) {
		t.Errorf("read-back table has %d rows; code maps %d statuses", len(back), len(statusOf))
	}
	recon := connectortest.DocTables(t, connectortest.MappingsDoc, "Sentinel reconciliation with Defender for Cloud")[0]
	for _, r := range append(back, recon...) {
		if got, ok := statusOf[r[0]]; !ok || string(got) != r[1] {
			t.Errorf("doc reads %s as %s; code gives %q", r[0], r[1], got)
		}
	}
}
