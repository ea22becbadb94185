package model

import (
	"encoding/json"
	"testing"
	"time"
)

func TestOCSFMappings(t *testing.T) {
	t.Parallel()
	statuses := []struct {
		s                Status
		detection, incid int
	}{
		{StatusNew, 1, 1}, {StatusInProgress, 2, 2}, {StatusSuppressed, 3, 3}, {StatusResolved, 4, 4}, {StatusUnknown, 0, 0},
	}
	for _, tt := range statuses {
		if got := OCSFDetectionStatusID(tt.s); got != tt.detection {
			t.Errorf("detection status_id(%s) = %d, want %d", tt.s, got, tt.detection)
		}
		if got := OCSFIncidentStatusID(tt.s); got != tt.incid {
			t.Errorf("incident status_id(%s) = %d, want %d", tt.s, got, tt.incid)
		}
	}
	verdicts := map[Verdict]int{VerdictNone: 0, VerdictNotAThreat: 1, VerdictThreat: 2, VerdictSuspicious: 4, VerdictHighlySuspicious: 4}
	for v, want := range verdicts {
		if got := OCSFVerdictID(v); got != want {
			t.Errorf("verdict_id(%q) = %d, want %d", v, got, want)
		}
	}
	sev := map[Severity]int{SeverityUnknown: 0, SeverityInformational: 1, SeverityLow: 2, SeverityMedium: 3, SeverityHigh: 4, SeverityCritical: 5}
	for s, want := range sev {
		if got := OCSFSeverityID(s); got != want {
			t.Errorf("severity_id(%s) = %d, want %d", s, got, want)
		}
	}
}

func TestAlertOCSFExport(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	a := Alert{ID: 7, Integration: "graph", VendorID: "da63", Title: "Hidden file executed", Severity: SeverityHigh,
		Status: StatusResolved, Verdict: VerdictNotAThreat, CreatedAt: at, UpdatedAt: at, LastChangedAt: at, Revision: 3,
		Entities: Entities{Hosts: []string{"ws-01"}, IPs: []string{"10.0.0.5"}}, Raw: json.RawMessage(`{"id":"da63"}`)}
	b, err := AlertOCSF(a)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"class_uid": 2004, "category_uid": 2, "activity_id": 3, "type_uid": 200403, "status_id": 4, "verdict_id": 1, "severity_id": 4}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	if fi := doc["finding_info"].(map[string]any); fi["uid"] != "graph:da63" || fi["title"] != "Hidden file executed" {
		t.Errorf("finding_info = %v", fi)
	}
	if obs := doc["observables"].([]any); len(obs) != 2 {
		t.Errorf("observables = %v", obs)
	}
	if doc["raw_data"] != `{"id":"da63"}` {
		t.Errorf("raw_data = %v", doc["raw_data"])
	}
}

func TestIncidentOCSFExport(t *testing.T) {
	t.Parallel()
	in := Incident{ID: 3, Title: "Correlated", Status: StatusInProgress, Verdict: VerdictThreat, Published: true, Revision: 2}
	b, err := IncidentOCSF(in, []Alert{{Integration: "mde", VendorID: "1"}, {Integration: "graph", VendorID: "2"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["class_uid"] != float64(2005) || doc["status_id"] != float64(2) || doc["verdict_id"] != float64(2) || doc["is_suspected_breach"] != true {
		t.Errorf("incident doc = %v", doc)
	}
	if l := doc["finding_info_list"].([]any); len(l) != 2 {
		t.Errorf("finding_info_list = %v", l)
	}
}

func TestEntitiesNormalize(t *testing.T) {
	t.Parallel()
	e := Entities{Hosts: []string{" WS-01 ", "ws-01", "db-2"}, Users: []string{""}}.Normalize()
	if len(e.Hosts) != 2 || e.Hosts[0] != "db-2" || e.Hosts[1] != "ws-01" || e.Users != nil {
		t.Fatalf("Normalize = %+v", e)
	}
	if !EntitiesEqual(e, Entities{Hosts: []string{"db-2", "ws-01"}}) {
		t.Fatal("equal sets compare unequal")
	}
}

func TestMaterialChangesIgnoreVolatileFields(t *testing.T) {
	t.Parallel()
	a := Alert{Title: "x", Severity: SeverityLow, Status: StatusNew, UpdatedAt: time.Now(), Raw: json.RawMessage(`{}`)}
	b := a
	b.UpdatedAt = b.UpdatedAt.Add(time.Hour)
	b.Raw = json.RawMessage(`{"x":1}`)
	if ch := MaterialChanges(a, b); len(ch) != 0 {
		t.Fatalf("volatile change counted: %v", ch)
	}
	b.Severity = SeverityHigh
	if ch := MaterialChanges(a, b); len(ch) != 1 || ch[0] != "severity" {
		t.Fatalf("changes = %v", ch)
	}
}

// TestSanitizeKeepsConnectorNotes: what the connector noted on an alert
// (a scope the vendor could not give) survives the text policy, before
// the policy's own notes.
func TestSanitizeKeepsConnectorNotes(t *testing.T) {
	a := Alert{Title: "bad \x00 title", Notes: []string{"scope Timeline unavailable: 404 not found"}}
	a.Sanitize()
	if len(a.Notes) != 2 || a.Notes[0] != "scope Timeline unavailable: 404 not found" {
		t.Errorf("notes = %q, want the connector's note then the title repair", a.Notes)
	}
}
