package sekoia

import (
	"strconv"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// docTable returns the body rows of docs/mappings.md's table under
// heading, pinning it to the code; a missing heading fails the test.
func docTable(t *testing.T, heading string) [][]string {
	t.Helper()
	return connectortest.DocTables(t, connectortest.MappingsDoc, heading)[0]
}

func docVerdict(s string) model.Verdict {
	if s == "none" {
		return model.VerdictNone
	}
	return model.Verdict(s)
}

// TestDocStatusWritten pins the write table to targetOf.
func TestDocStatusWritten(t *testing.T) {
	t.Parallel()
	rows := docTable(t, "Sekoia.io status written")
	for _, r := range rows {
		got, err := targetOf(connector.StateChange{Status: model.Status(r[0]), Verdict: docVerdict(r[1]), Published: r[2] == "yes"})
		if err != nil || got.name != r[3] {
			t.Errorf("row %v: code writes %q (%v)", r, got.name, err)
		}
	}
	if len(rows) != 14 {
		t.Errorf("%d rows, want 14", len(rows))
	}
}

// TestDocStatusReadBack pins the read-back table to statusOf.
func TestDocStatusReadBack(t *testing.T) {
	t.Parallel()
	rows := docTable(t, "Sekoia.io status read back")
	for _, r := range rows {
		s, ok := statusOf(statusWire{UUID: r[1]})
		if !ok || s.name != r[0] || s.canonical != model.Status(r[2]) {
			t.Errorf("row %v: code reads %+v", r, s)
		}
	}
	if len(rows) != len(legacyStatuses) {
		t.Errorf("%d rows, want %d", len(rows), len(legacyStatuses))
	}
}

// TestDocWorkflow pins the workflow table to graph.
func TestDocWorkflow(t *testing.T) {
	t.Parallel()
	rows := docTable(t, "Sekoia.io alert workflow")
	n := 0
	for _, as := range graph {
		n += len(as)
	}
	for _, r := range rows {
		from, _ := statusOf(statusWire{Name: r[0]})
		to, _ := statusOf(statusWire{Name: r[3]})
		a, ok := direct(from, to)
		if !ok || a.name != r[1] || a.id != r[2] {
			t.Errorf("row %v: code has %+v", r, a)
		}
	}
	if len(rows) != n {
		t.Errorf("%d rows, want %d", len(rows), n)
	}
}

// TestDocUrgency pins the urgency table to severityOf.
func TestDocUrgency(t *testing.T) {
	t.Parallel()
	for _, r := range docTable(t, "Sekoia.io urgency") {
		lo, hi, _ := strings.Cut(r[0], "-")
		for _, v := range []string{lo, hi} {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("row %v: %v", r, err)
			}
			w := alertWire{Urgency: &urgencyWire{CurrentValue: &n}}
			if got := severityOf(w); got != model.Severity(r[2]) {
				t.Errorf("row %v at %d: code gives %s", r, n, got)
			}
			w.Urgency.CurrentValue, w.Urgency.Display = nil, r[1]
			if got := severityOf(w); got != model.Severity(r[2]) {
				t.Errorf("row %v by display: code gives %s", r, got)
			}
		}
	}
}
