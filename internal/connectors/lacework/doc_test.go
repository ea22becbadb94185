package lacework

import (
	"strconv"
	"strings"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/model"
)

// docTables returns docs/mappings.md's table under heading; a missing
// heading fails the test.
func docTables(t *testing.T, heading string) [][]string {
	t.Helper()
	return connectortest.DocTables(t, connectortest.MappingsDoc, heading)[0]
}

func docCell(s string) string {
	if s == "—" || s == "none" {
		return ""
	}
	return s
}

// TestDocStateTable pins docs/mappings.md's state-write table to decide,
// for an open alert.
func TestDocStateTable(t *testing.T) {
	t.Parallel()
	rows := docTables(t, "Lacework state write")
	for _, r := range rows {
		ch := connector.StateChange{Status: model.Status(r[0]), Verdict: model.Verdict(docCell(r[1])), Published: r[2] == "yes"}
		reason, write, err := decide(ch, "Open")
		got := "nothing"
		switch {
		case err != nil:
			got = "refused"
		case write:
			got = "close"
		}
		wantReason := -1
		if f := strings.Fields(docCell(r[4])); len(f) > 0 {
			wantReason, _ = strconv.Atoi(f[0])
		}
		if got != r[3] || (write && reason != wantReason) || (!write && wantReason >= 0) {
			t.Errorf("row %v: code %s with reason %d", r, got, reason)
		}
		if write && !strings.HasSuffix(r[4], reasonNames[reason]) {
			t.Errorf("row %v: reason %d is %q", r, reason, reasonNames[reason])
		}
	}
}

// TestDocReadBackTable pins the read-back table to statusOf.
func TestDocReadBackTable(t *testing.T) {
	t.Parallel()
	for _, r := range docTables(t, "Lacework status read back") {
		if got := statusOf(r[0]); got != model.Status(r[1]) {
			t.Errorf("row %v: code gives %s", r, got)
		}
	}
}
