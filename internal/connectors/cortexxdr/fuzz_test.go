package cortexxdr

import (
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapAlert feeds arbitrary bytes to what a listed alert goes
// through: the stamp the cursor reads and the mapping. Seeds: the
// emulator's alerts (testdata/fuzz) and the golden payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "alert_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, at, ok := alertStamp(raw); ok {
			connectortest.CheckFuzzedStamp(t, at)
		}
		connectortest.CheckFuzzedAlert(t, raw, mapAlert(connectortest.FuzzIntegration, raw))
	})
}

// FuzzMapIncident is FuzzMapAlert for a listed incident, mapped with the
// member alert ids its extra data gave.
func FuzzMapIncident(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "incident_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, at, ok := incidentStamp(raw); ok {
			connectortest.CheckFuzzedStamp(t, at)
		}
		it := mapIncident(connectortest.FuzzIntegration, raw, []string{"1", "2"})
		connectortest.CheckFuzzedIncident(t, raw, it)
	})
}
