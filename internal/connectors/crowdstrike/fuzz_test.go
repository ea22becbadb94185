package crowdstrike

import (
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
	"github.com/alertsync/alertsync/internal/connector/watermark"
)

// FuzzMapAlert feeds arbitrary bytes to what an alert of the
// entities answer goes through: admission by the cursor, then the
// mapping. Seeds: the emulator's alerts (testdata/fuzz) and the golden
// payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "alert_*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		var cur watermark.Cursor
		it, ok := admit(&cur, connectortest.FuzzIntegration, raw)
		if !ok {
			t.Fatal("a fresh cursor refused the alert")
		}
		connectortest.CheckFuzzedStamp(t, cur.Since)
		connectortest.CheckFuzzedAlert(t, raw, it)
	})
}
