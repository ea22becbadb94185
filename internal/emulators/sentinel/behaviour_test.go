package sentinel

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/emulators/defendercloud"
)

// TestSeedBehaviourSummary walks the six rows of the seed's "Behavior
// summary" table against the wired emulators: what each initiator's action
// leaves in the DfC alert, the Sentinel alert and the Sentinel incident.
func TestSeedBehaviourSummary(t *testing.T) {
	t.Parallel()
	type state struct{ dfc, alert, incident string }
	analyst := func(status string) func(*fixture, string) {
		return func(f *fixture, id string) {
			inc := f.onlyIncident(id)
			body := map[string]any{"etag": inc.Etag, "properties": map[string]any{
				"title": inc.Properties.Title, "severity": inc.Properties.Severity, "status": status,
				"classification": "TruePositive", "classificationReason": "SuspiciousActivity",
			}}
			if status != StatusClosed {
				body["properties"].(map[string]any)["owner"] = map[string]any{"objectId": "2046feea-040d-4a46-9e2b-91c2941bfa70", "assignedTo": "soc analyst"}
				delete(body["properties"].(map[string]any), "classification")
				delete(body["properties"].(map[string]any), "classificationReason")
			}
			if res := f.do(http.MethodPut, f.incPath(inc.Name, ""), body); res.status != http.StatusOK {
				t.Fatalf("PUT incident %s: %d %s", status, res.status, res.body)
			}
		}
	}
	dfcAction := func(status string) func(*fixture, string) {
		return func(f *fixture, id string) {
			if err := f.dfc.SetAlertStatus(id, status); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows := []struct {
		initiator, action string
		do                func(*fixture, string)
		want              state
	}{
		{"Defender for Cloud", "New alert", func(*fixture, string) {}, state{"Active", "New", "New"}},
		{"Defender for Cloud", "Set alert to In progress", dfcAction(defendercloud.StatusInProgress), state{"InProgress", "InProgress", "New"}},
		{"Defender for Cloud", "Dismiss alert", dfcAction(defendercloud.StatusDismissed), state{"Dismissed", "Dismissed", "New"}},
		{"Defender for Cloud", "Resolve alert", dfcAction(defendercloud.StatusResolved), state{"Resolved", "Resolved", "New"}},
		{"Sentinel", "Change incident status to active", analyst(StatusActive), state{"Active", "New", "Active"}},
		{"Sentinel", "Resolve incident", analyst(StatusClosed), state{"Resolved", "Resolved", "Closed"}},
	}
	for _, row := range rows {
		t.Run(row.initiator+"/"+row.action, func(t *testing.T) {
			t.Parallel()
			f := setup(t, Options{})
			f.newDfCAlert("row-alert", "vm-web-01")
			alertRows, incRows := len(f.sen.SecurityAlertRows()), len(f.sen.SecurityIncidentRows())
			row.do(f, "row-alert")
			d, _ := f.dfc.Alert("row-alert")
			a, _ := f.sen.Alert("row-alert")
			inc := f.onlyIncident("row-alert")
			got := state{d.Properties.Status, a.Properties.Status, inc.Properties.Status}
			if got != row.want {
				t.Fatalf("got %+v, want %+v", got, row.want)
			}
			// Each change is one new row in the table it belongs to.
			newAlertRows := len(f.sen.SecurityAlertRows()) - alertRows
			newIncRows := len(f.sen.SecurityIncidentRows()) - incRows
			wantAlertRows, wantIncRows := 0, 0
			if row.want.alert != "New" {
				wantAlertRows = 1
			}
			if row.initiator == "Sentinel" {
				wantIncRows = 1
			}
			if newAlertRows != wantAlertRows || newIncRows != wantIncRows {
				t.Fatalf("appended %d SecurityAlert and %d SecurityIncident rows, want %d and %d",
					newAlertRows, newIncRows, wantAlertRows, wantIncRows)
			}
		})
	}
}

func TestNewDfCAlertCreatesIncident(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	d := f.newDfCAlert("a-new", "vm-db-02")
	a, ok := f.sen.Alert("a-new")
	if !ok || a.Kind != "SecurityAlert" || a.Properties.SystemAlertID != d.Properties.SystemAlertID ||
		a.Properties.ProductName != "Azure Security Center" || a.Properties.Status != AlertNew {
		t.Fatalf("mirrored alert %+v", a)
	}
	inc := f.onlyIncident("a-new")
	p := inc.Properties
	if p.Title != d.Properties.AlertDisplayName || p.Status != StatusNew || p.Severity != "Medium" ||
		p.AdditionalData.AlertsCount != 1 || len(p.AdditionalData.AlertProductNames) != 1 ||
		p.AdditionalData.AlertProductNames[0] != "Azure Security Center" || p.IncidentNumber != 1 ||
		len(p.RelatedAnalyticRuleIDs) != 1 || p.ProviderName != "Azure Sentinel" {
		t.Fatalf("incident %+v", p)
	}
	if got := f.sen.IncidentAlertIDs(inc.Name); len(got) != 1 || got[0] != "a-new" {
		t.Fatalf("AlertIds %v", got)
	}
}

func TestIncidentCreationRuleOff(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{DisableIncidentCreation: true})
	f.newDfCAlert("quiet", "vm1")
	if _, ok := f.sen.Alert("quiet"); !ok {
		t.Fatal("alert not mirrored")
	}
	if n := len(f.sen.Incidents()); n != 0 {
		t.Fatalf("%d incidents with the creation rule off", n)
	}
}

// TestCloseMultiAlertIncident relates a second alert and closes the
// incident as an analyst: both alerts resolve here and at Defender for
// Cloud, and the echo from Defender for Cloud adds nothing (no loop).
func TestCloseMultiAlertIncident(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	f.newDfCAlert("m1", "vm-app-01")
	f.newDfCAlert("m2", "vm-app-01")
	f.newDfCAlert("m3", "vm-app-01")
	if err := f.dfc.SetAlertStatus("m3", defendercloud.StatusDismissed); err != nil {
		t.Fatal(err)
	}
	inc := f.onlyIncident("m1")
	before := inc.Etag
	for _, id := range []string{"m2", "m3", "m2"} {
		if _, err := f.sen.RelateAlert(inc.Name, id, "analyst"); err != nil {
			t.Fatal(err)
		}
	}
	inc, _ = f.sen.Incident(inc.Name)
	if inc.Properties.AdditionalData.AlertsCount != 3 || inc.Etag == before {
		t.Fatalf("related incident: count %d etag %s", inc.Properties.AdditionalData.AlertsCount, inc.Etag)
	}
	alertRows := len(f.sen.SecurityAlertRows())
	_, err := f.sen.UpdateIncidentAsAnalyst(context.Background(), inc.Name, "soc analyst", func(p *IncidentProperties) {
		p.Status, p.Classification, p.ClassificationReason = StatusClosed, "TruePositive", "SuspiciousActivity"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"m1": {"Resolved", "Resolved"}, "m2": {"Resolved", "Resolved"}, "m3": {"Dismissed", "Dismissed"}}
	for id, w := range want {
		d, _ := f.dfc.Alert(id)
		a, _ := f.sen.Alert(id)
		if d.Properties.Status != w[0] || a.Properties.Status != w[1] {
			t.Errorf("%s: dfc %s sentinel %s, want %v", id, d.Properties.Status, a.Properties.Status, w)
		}
	}
	if n := len(f.sen.SecurityAlertRows()) - alertRows; n != 2 {
		t.Fatalf("closing appended %d SecurityAlert rows, want 2 (no echo rows)", n)
	}
	// m2's own incident stays open: Sentinel closes only what was closed.
	for _, other := range f.sen.IncidentsForAlert("m2") {
		if other.Name != inc.Name && other.Properties.Status != StatusNew {
			t.Fatalf("m2's own incident is %s", other.Properties.Status)
		}
	}
}

func TestReplaySeedIsDeterministic(t *testing.T) {
	t.Parallel()
	run := func() ([]string, string, int) {
		f := setup(t, Options{Seed: 42})
		dfc := defendercloud.New(defendercloud.Options{Clock: f.clock, Issuer: f.sen.Issuer(), Seed: 42, SeedAlerts: 30})
		f.sen.Connect(dfc)
		f.clock.Advance(time.Hour)
		multi, err := f.sen.ReplaySeed(dfc)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, inc := range f.sen.Incidents() {
			titles = append(titles, inc.Name+"|"+inc.Properties.Title)
		}
		return titles, multi, len(f.sen.IncidentAlertIDs(multi))
	}
	t1, m1, n1 := run()
	t2, m2, n2 := run()
	if len(t1) != 30 || m1 != m2 || n1 != 2 || n2 != 2 {
		t.Fatalf("replay: %d incidents, multi %s/%s with %d/%d alerts", len(t1), m1, m2, n1, n2)
	}
	for i := range t1 {
		if t1[i] != t2[i] {
			t.Fatalf("replay differs at %d: %s vs %s", i, t1[i], t2[i])
		}
	}
}
