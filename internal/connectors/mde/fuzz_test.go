package mde

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
		if _, at, ok := readStamp(raw); ok {
			connectortest.CheckFuzzedStamp(t, at)
		}
		connectortest.CheckFuzzedAlert(t, raw, mapAlert(connectortest.FuzzIntegration, raw))
	})
}
