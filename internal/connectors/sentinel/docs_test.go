package sentinel

import (
	"strconv"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// docCell reads a doc table cell: "—" is an absent value.
func docCell(s string) string {
	if s == "—" {
		return ""
	}
	return s
}

// TestDocStatusTable pins docs/mappings.md's Sentinel status table to
// remoteStatus.
func TestDocStatusTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Sentinel incident status")[0]
	for _, r := range rows {
		got, err := remoteStatus(model.Status(r[0]))
		if err != nil || got != r[1] {
			t.Errorf("doc says %s → %s; code gives %q (%v)", r[0], r[1], got, err)
		}
	}
	if len(rows) != 4 {
		t.Errorf("status table has %d rows, want one per canonical status alertsync writes (4)", len(rows))
	}
}

// TestDocClassificationTable pins the verdict → classification table to
// classificationFor.
func TestDocClassificationTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Sentinel close classification")[0]
	seen := map[model.Verdict]bool{}
	for _, r := range rows {
		v := model.Verdict(r[0])
		if r[0] == "none" {
			v = model.VerdictNone
		}
		seen[v] = true
		ch := connector.StateChange{Kind: model.KindIncident, Status: model.Status(r[1]), Verdict: v}
		if st, err := remoteStatus(ch.Status); err != nil || st != StatusClosed {
			t.Errorf("row %v: status %s does not close (%q, %v)", r, r[1], st, err)
		}
		class, reason := classificationFor(ch)
		if class != r[2] || reason != docCell(r[3]) {
			t.Errorf("row %v: code gives %s / %q", r, class, reason)
		}
	}
	for _, v := range []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat} {
		if !seen[v] {
			t.Errorf("classification table has no row for verdict %q", v)
		}
	}
}

// TestDocReconcileDefaults pins the reconciliation tables to
// ReconcileDefaults: every row matches, and every default has a row.
func TestDocReconcileDefaults(t *testing.T) {
	t.Parallel()
	tables := connectortest.DocTables(t, connectortest.MappingsDoc, "Sentinel reconciliation with Defender for Cloud")
	if len(tables) != 2 {
		t.Fatalf("%d tables, want the alert-state table and the settings table", len(tables))
	}
	documented := map[string]bool{}
	for _, r := range tables[0] {
		canon := r[1]
		target, ok := ReconcileDefaults.OnAlert[canon]
		if r[2] == "unchanged" {
			if ok {
				t.Errorf("doc says %s leaves the incident unchanged; code maps it to %+v", canon, target)
			}
			continue
		}
		documented[canon] = true
		if !ok {
			t.Errorf("doc maps %s to %s; code has no default for it", canon, r[2])
			continue
		}
		st, err := remoteStatus(model.Status(target.Status))
		if err != nil || st != r[2] || target.Classification != docCell(r[3]) || target.ClassificationReason != docCell(r[4]) {
			t.Errorf("row %v: code has %s (%s) %s / %s", r, st, target.Status, target.Classification, target.ClassificationReason)
		}
	}
	for canon := range ReconcileDefaults.OnAlert {
		if !documented[canon] {
			t.Errorf("default for %s is not in docs/mappings.md", canon)
		}
	}
	for _, r := range tables[1] {
		switch r[0] {
		case "resolve_alerts_on_close":
			if r[1] != strconv.FormatBool(ReconcileDefaults.ResolveAlertsOnClose) {
				t.Errorf("doc says resolve_alerts_on_close %s; code %v", r[1], ReconcileDefaults.ResolveAlertsOnClose)
			}
		default:
			t.Errorf("unknown setting %q in the doc", r[0])
		}
	}
}
