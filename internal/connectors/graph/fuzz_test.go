package graph

import (
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapAlert feeds arbitrary bytes to what a listed alerts_v2 entry
// goes through: the stamp the cursor reads and the mapping. Seeds: the
// emulator's alerts (testdata/fuzz) and the golden payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "alert_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if _, at, ok := readStamp(raw); ok {
			connectortest.CheckFuzzedStamp(t, at)
		}
		connectortest.CheckFuzzedAlert(t, raw, mapAlert(connectortest.FuzzIntegration, raw))
	})
}

// FuzzMapIncident is FuzzMapAlert for an incidents entry read with its
// alerts expanded.
func FuzzMapIncident(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "incident_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		connectortest.CheckFuzzedIncident(t, raw, mapIncident(connectortest.FuzzIntegration, raw))
	})
}
