package lacework

import (
	"testing"
	"time"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapAlert feeds arbitrary bytes to what an assembled alert (the
// listed alert with its six scopes) goes through: the stamp the cursor
// reads and the mapping. Seeds: the emulator's alerts, assembled
// (testdata/fuzz), and the golden payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "*.json")
	until := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		stampOf(raw, until) // kept as Unix seconds: any time encodes
		connectortest.CheckFuzzedAlert(t, raw, mapAlert(connectortest.FuzzIntegration, raw))
	})
}
