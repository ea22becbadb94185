package sentinelone

import (
	"errors"
	"slices"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

var allVerdicts = []model.Verdict{model.VerdictNone, model.VerdictNotAThreat, model.VerdictSuspicious, model.VerdictHighlySuspicious, model.VerdictThreat}

// The write tokens the v2.1 swagger enumerates for the threat endpoints.
var (
	swaggerStatuses = []string{"unresolved", "in_progress", "resolved"}
	swaggerVerdicts = []string{"undefined", "true_positive", "false_positive", "suspicious"}
)

func TestWriteFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ch   connector.StateChange
		want write
	}{
		{"not a threat closed", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat}, write{"resolved", "false_positive"}},
		{"published threat closed", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Published: true}, write{"resolved", "true_positive"}},
		{"published threat kept open", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat, Published: true}, write{"in_progress", "true_positive"}},
		{"unpublished threat", connector.StateChange{Status: model.StatusInProgress, Verdict: model.VerdictThreat}, write{"in_progress", "suspicious"}},
		{"suspicious closed by policy", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictSuspicious}, write{"resolved", "suspicious"}},
		{"published not a threat", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictNotAThreat, Published: true}, write{"resolved", "false_positive"}},
		{"plain reopen", connector.StateChange{Status: model.StatusNew}, write{"unresolved", ""}},
		{"suppressed", connector.StateChange{Status: model.StatusSuppressed}, write{"resolved", ""}},
		{"reconciliation verdict wins", connector.StateChange{Status: model.StatusResolved, Verdict: model.VerdictThreat, Classification: "FALSE_POSITIVE"}, write{"resolved", "false_positive"}},
	}
	for _, tt := range tests {
		got, err := writeFor(tt.ch)
		if err != nil || got != tt.want {
			t.Errorf("%s: writeFor = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
	for _, ch := range []connector.StateChange{{Status: model.StatusUnknown}, {Status: model.StatusResolved, Classification: "benign"}} {
		if _, err := writeFor(ch); connector.ClassOf(err) != connector.ClassPermanent {
			t.Errorf("%+v: err %v, want permanent", ch, err)
		}
	}
	if _, err := writeFor(connector.StateChange{Kind: model.KindIncident, Status: model.StatusResolved}); !errors.Is(err, connector.Unsupported) {
		t.Errorf("incident: err %v, want Unsupported", err)
	}
}

// TestOnlySwaggerValues: whatever the change, the values written are
// members of the swagger's enums (the service refuses anything else).
func TestOnlySwaggerValues(t *testing.T) {
	t.Parallel()
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
		for _, v := range allVerdicts {
			for _, pub := range []bool{false, true} {
				w, err := writeFor(connector.StateChange{Status: st, Verdict: v, Published: pub})
				if err != nil || !slices.Contains(swaggerStatuses, w.status) || (w.verdict != "" && !slices.Contains(swaggerVerdicts, w.verdict)) {
					t.Errorf("%s/%s/%v: %+v %v", st, v, pub, w, err)
				}
			}
		}
	}
}

// TestDocVerdictTable pins docs/mappings.md's analyst verdict table.
func TestDocVerdictTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "SentinelOne analyst verdict")[0]
	covered := map[model.Verdict]bool{}
	for _, r := range rows {
		v := model.Verdict(r[0])
		if r[0] == "none" {
			v = model.VerdictNone
		}
		covered[v] = true
		pubs := map[string][]bool{"any": {false, true}, "yes": {true}, "no": {false}}[r[1]]
		if pubs == nil {
			t.Fatalf("row %v: published %q is not any, yes or no", r, r[1])
		}
		want := r[2]
		if want == "—" {
			want = ""
		}
		for _, pub := range pubs {
			w, err := writeFor(connector.StateChange{Status: model.StatusResolved, Verdict: v, Published: pub})
			if err != nil || w.verdict != want {
				t.Errorf("row %v (published %v): code writes %q (%v)", r, pub, w.verdict, err)
			}
		}
	}
	for _, v := range allVerdicts {
		if !covered[v] {
			t.Errorf("verdict table has no row for %q", v)
		}
	}
}

// TestDocStatusTables pins the status tables both ways.
func TestDocStatusTables(t *testing.T) {
	t.Parallel()
	out := connectortest.DocTables(t, connectortest.MappingsDoc, "SentinelOne incident status")[0]
	if len(out) != len(incidentStatusFor) {
		t.Errorf("doc has %d status rows, code %d", len(out), len(incidentStatusFor))
	}
	for _, r := range out {
		if got := incidentStatusFor[model.Status(r[0])]; got != r[1] {
			t.Errorf("row %v: code writes %q", r, got)
		}
	}
	back := connectortest.DocTables(t, connectortest.MappingsDoc, "SentinelOne status read back")[0]
	if len(back) != len(statusFrom) {
		t.Errorf("doc has %d read-back rows, code %d", len(back), len(statusFrom))
	}
	for _, r := range back {
		if got := statusOf(statusToken(r[0])); string(got) != r[2] {
			t.Errorf("row %v: code reads %q", r, got)
		}
		if got := statusOf(statusToken(r[1])); string(got) != r[2] {
			t.Errorf("row %v: code reads the cloud spelling as %q", r, got)
		}
	}
}

// TestDocResultTable pins the per-item result table to itemErr.
func TestDocResultTable(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "SentinelOne per-item results")[0]
	for _, r := range rows {
		err := itemErr("1", "incident status", r[0])
		got := "written"
		switch {
		case err != nil:
			got = string(connector.ClassOf(err))
		case r[0] != resultUpdated:
			got = "unchanged"
		}
		if got != r[1] {
			t.Errorf("row %v: code gives %s", r, got)
		}
	}
}
