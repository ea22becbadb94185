package sentinel

import (
	"encoding/json"
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapIncident feeds arbitrary bytes to what one element of an
// incident list goes through: the element's own decoding (which keeps a
// failure for the item instead of failing the page) and the mapping,
// with the member alerts of the golden list. Seeds: the emulator's
// incidents (testdata/fuzz) and the golden payloads.
func FuzzMapIncident(f *testing.F) {
	for _, name := range []string{"emulator_dfc_incident.json", "bad_time.json", "missing_title.json", "unknown_status.json"} {
		f.Add(connectortest.Golden(f, name))
	}
	members := goldenMembers(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var r rawIncident
		if err := r.UnmarshalJSON(raw); err != nil {
			t.Fatalf("rawIncident.UnmarshalJSON failed the page: %v", err)
		}
		connectortest.CheckFuzzedIncident(t, raw, mapItem(connectortest.FuzzIntegration, r, members))
	})
}

// FuzzIncidentAlerts feeds arbitrary bytes as the Incidents_ListAlerts
// answer of a good incident: the member ids it yields must not break the
// incident's mapping. Seeds: the golden answer.
func FuzzIncidentAlerts(f *testing.F) {
	f.Add(connectortest.Golden(f, "incident_alerts.json"))
	incident := connectortest.Golden(f, "emulator_dfc_incident.json")
	f.Fuzz(func(t *testing.T, answer []byte) {
		var l alertList
		if json.Unmarshal(answer, &l) != nil {
			return // the call fails and the page with it; nothing is mapped
		}
		var r rawIncident
		if err := r.UnmarshalJSON(incident); err != nil {
			t.Fatal(err)
		}
		it := mapItem(connectortest.FuzzIntegration, r, memberIDs(l))
		if it.Err != nil {
			t.Fatalf("a good incident failed to map for its member list: %v", it.Err)
		}
		connectortest.CheckFuzzedIncident(t, incident, it)
	})
}

func goldenMembers(f *testing.F) []string {
	var l alertList
	if err := json.Unmarshal(connectortest.Golden(f, "incident_alerts.json"), &l); err != nil {
		f.Fatal(err)
	}
	return memberIDs(l)
}
