package cortexxdr

import (
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// verdictCall is one verdict as the doc names it.
type verdictCall struct {
	verdict   model.Verdict
	published bool
}

// docVerdicts maps the doc's verdict words to verdicts.
var docVerdicts = map[string][]verdictCall{
	"not_a_threat":           {{model.VerdictNotAThreat, false}},
	"threat (published)":     {{model.VerdictThreat, true}},
	"threat (not published)": {{model.VerdictThreat, false}},
	"suspicious":             {{model.VerdictSuspicious, false}},
	"highly_suspicious":      {{model.VerdictHighlySuspicious, false}},
	"none":                   {{model.VerdictNone, false}},
}

func init() {
	var all []verdictCall
	for _, vs := range docVerdicts {
		all = append(all, vs...)
	}
	docVerdicts["any"] = all
}

// TestDocStatusWritten pins docs/mappings.md's table of what alertsync
// writes to writeStatus and readStatusOf, and checks that it covers every
// status the engine sends with every verdict.
func TestDocStatusWritten(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Cortex XDR status written")[0]
	covered := map[model.Status]map[verdictCall]bool{}
	for _, r := range rows {
		st := model.Status(r[1])
		for _, word := range strings.Split(r[0], " / ") {
			calls, ok := docVerdicts[word]
			if !ok {
				t.Fatalf("row %v: unknown verdict %q", r, word)
			}
			for _, v := range calls {
				got, err := writeStatus(connector.StateChange{Status: st, Verdict: v.verdict, Published: v.published})
				if err != nil || got != r[2] || readStatusOf(got) != r[3] {
					t.Errorf("row %v: %s: code writes %q (%v), reads back %q", r, word, got, err, readStatusOf(got))
				}
				if covered[st] == nil {
					covered[st] = map[verdictCall]bool{}
				}
				covered[st][v] = true
			}
		}
	}
	for _, st := range []model.Status{model.StatusNew, model.StatusInProgress, model.StatusResolved, model.StatusSuppressed} {
		if len(covered[st]) != len(docVerdicts["any"]) {
			t.Errorf("status %s: the table covers %d of %d verdicts", st, len(covered[st]), len(docVerdicts["any"]))
		}
	}
}

// TestDocStatusReadBack pins the read-back table to the vocabulary table
// and the canonical statuses.
func TestDocStatusReadBack(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Cortex XDR status read back")[0]
	seen := map[string]bool{}
	for _, r := range rows {
		if !strings.HasPrefix(r[0], "STATUS_") || strings.Contains(r[0], " ") {
			continue // the rows for values the table does not name
		}
		seen[r[0]] = true
		write, ok := writeStatusOf(r[0])
		if !ok || write != r[1] || string(alertStatus(r[0])) != r[2] || string(incidentStatus(r[1])) != r[2] {
			t.Errorf("row %v: code has %q (%v), alert %s, incident %s", r, write, ok, alertStatus(r[0]), incidentStatus(r[1]))
		}
	}
	for _, s := range alertStatuses {
		if !seen[s.read] {
			t.Errorf("%s is not in the read-back table", s.read)
		}
	}
}

// TestDocClassification pins the incident classification table.
func TestDocClassification(t *testing.T) {
	t.Parallel()
	rows := connectortest.DocTables(t, connectortest.MappingsDoc, "Cortex XDR incident classification read back")[0]
	n := 0
	for _, r := range rows {
		if !strings.HasPrefix(r[0], "resolved_") {
			continue
		}
		n++
		if got := classifications[r[0]]; got != r[1] {
			t.Errorf("row %v: code classifies as %q", r, got)
		}
	}
	if n != len(classifications) {
		t.Errorf("the table names %d statuses, the code %d", n, len(classifications))
	}
}
