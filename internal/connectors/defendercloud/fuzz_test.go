package defendercloud

import (
	"testing"

	"github.com/alertsync/alertsync/internal/connector/connectortest"
)

// FuzzMapAlert feeds arbitrary bytes to what one element of an alert
// list goes through: the element's own decoding (which keeps a failure
// for the item instead of failing the page) and the mapping. Seeds: the
// emulator's alerts (testdata/fuzz) and the golden payloads.
func FuzzMapAlert(f *testing.F) {
	connectortest.AddGoldenSeeds(f, "*.json")
	f.Fuzz(func(t *testing.T, raw []byte) {
		var r rawAlert
		if err := r.UnmarshalJSON(raw); err != nil {
			t.Fatalf("rawAlert.UnmarshalJSON failed the page: %v", err)
		}
		connectortest.CheckFuzzedAlert(t, raw, mapItem(connectortest.FuzzIntegration, r))
	})
}
