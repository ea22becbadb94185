package sentinel

import (
	"net/http"
	"testing"

	"github.com/alertsync/alertsync/internal/connector"
	senemu "github.com/alertsync/alertsync/internal/emulators/sentinel"
	"github.com/alertsync/alertsync/internal/model"
)

// TestSetStateChecksFirst: SetState reads the incident (for its etag) and
// writes nothing when it already holds the requested status (for Closed,
// whatever its classification); the answer says Unchanged with the
// status the incident has. Otherwise the PUT is made.
func TestSetStateChecksFirst(t *testing.T) {
	tests := []struct {
		name      string
		remote    func(p *senemu.IncidentProperties) // the incident's state before
		status    model.Status
		verdict   model.Verdict
		unchanged bool
		want      string
	}{
		{"new, asked new", nil, model.StatusNew, "", true, "New"},
		{"active, asked in progress", func(p *senemu.IncidentProperties) { p.Status = "Active" }, model.StatusInProgress, "", true, "Active"},
		{"closed as false positive, asked resolved as a threat", closeAs("FalsePositive", "IncorrectAlertLogic"), model.StatusResolved, model.VerdictThreat, true, "Closed"},
		{"closed, asked suppressed", closeAs("BenignPositive", "SuspiciousButExpected"), model.StatusSuppressed, "", true, "Closed"},
		{"new, asked resolved", nil, model.StatusResolved, model.VerdictNotAThreat, false, "Closed"},
		{"active, asked new", func(p *senemu.IncidentProperties) { p.Status = "Active" }, model.StatusNew, "", false, "New"},
		{"closed, asked in progress", closeAs("TruePositive", "SuspiciousActivity"), model.StatusInProgress, "", false, "Active"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, 5, nil)
			incs, _ := e.seed(t, 1)
			name := incs[0]
			if tt.remote != nil {
				if _, err := e.sen.UpdateIncidentAsAnalyst(t.Context(), name, "Ana Analyst", tt.remote); err != nil {
					t.Fatal(err)
				}
			}
			before, _ := e.sen.Incident(name)
			rs, err := e.c.SetState(t.Context(), connector.StateChange{Kind: model.KindIncident, VendorID: name, Status: tt.status,
				Verdict: tt.verdict, Reason: "alertsync: reason", IdempotencyKey: "k"})
			if err != nil {
				t.Fatal(err)
			}
			puts := e.apiRequests(http.MethodPut, "/incidents/"+name)
			after, _ := e.sen.Incident(name)
			if rs.Unchanged != tt.unchanged || rs.RemoteStatus != tt.want || after.Properties.Status != tt.want {
				t.Errorf("SetState = %+v, incident %s; want unchanged %v, %s", rs, after.Properties.Status, tt.unchanged, tt.want)
			}
			if wantPuts := map[bool]int{true: 0, false: 1}[tt.unchanged]; len(puts) != wantPuts {
				t.Errorf("%d PUTs recorded, want %d", len(puts), wantPuts)
			}
			if tt.unchanged && after.Properties.Classification != before.Properties.Classification {
				t.Errorf("classification %q changed to %q without a write", before.Properties.Classification, after.Properties.Classification)
			}
			if n := len(e.apiRequests(http.MethodGet, "/incidents/"+name)); n != 1 {
				t.Errorf("%d reads of the incident, want 1", n)
			}
		})
	}
}

// closeAs is an analyst closing the incident with a classification.
func closeAs(class, reason string) func(p *senemu.IncidentProperties) {
	return func(p *senemu.IncidentProperties) {
		p.Status, p.Classification, p.ClassificationReason = "Closed", class, reason
	}
}
